# Courier's API, worker and deployment jobs, in one image with three targets:
#   runtime (default)  `node dist/api/main.js`; the worker runs the same image with
#                      `node --max-semi-space-size=8 --expose-gc dist/worker.js` (src/stack/worker-memory.ts),
#                      which loads the workflow bundle `npm run build` wrote (dist/workflow-bundle.js)
#   migrate            `prisma migrate deploy`, then search attributes and bucket (dist/stack/prepare.js)
# docker-compose.yml builds and wires them.

# The embedded-postgres devDependency ships x86-64 binaries only: docker-compose.yml builds for
# linux/amd64.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# The Prisma CLI runs its JavaScript engine: these stop it from downloading engine binaries.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/usr/local/bin/node \
    PRISMA_QUERY_ENGINE_LIBRARY=/usr/local/bin/node \
    CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
# `npm ci` refuses a lock file that lacks other platforms' optional packages (one written where
# the registry does not serve them); `npm install` completes it.
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
# The compiled code and the workflow bundle beside it: the worker bundles nothing at start.
RUN npx prisma generate && npm run build

# Migrations need the Prisma CLI (a devDependency) and prisma.config.ts with what it imports.
FROM build AS migrate
CMD ["sh", "-c", "npx prisma migrate deploy && node dist/stack/prepare.js"]

# Only the production dependencies: no tsx, TypeScript, Prisma CLI, pino-pretty or test tools
# at run time (test/integration/compiled-build.test.ts runs dist/ with them forbidden).
FROM build AS production-modules
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# Two glibc arenas, as src/stack/worker-memory.ts gives the dev and bench workers: the worker's many
# threads each grow one otherwise (docs/performance.md §9).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=production-modules /app/node_modules ./node_modules
# The generated Prisma client is not a package: prune keeps no promise about it.
COPY --from=build /app/node_modules/.prisma ./node_modules/.prisma
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 8080
CMD ["node", "dist/api/main.js"]
