import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * The layers of src/ (docs/architecture.md draws them). Each zone says which folder may not
 * import which; paths are resolved, so a relative import cannot slip past a zone by its spelling.
 */
const everyFolderBut = (...allowed) =>
  ['activities', 'api', 'cli', 'domain', 'engine', 'net', 'observability', 'simulators', 'stack', 'store', 'workflows']
    .filter((folder) => !allowed.includes(folder))
    .map((folder) => `./src/${folder}`);
const entryFiles = ['./src/config.ts', './src/db.ts', './src/worker.ts'];
/** The modules of a workflow family that the rest of Courier may import: ids, start options, messages. */
const workflowDefinitions = ['./service/definitions.ts', './shard/definitions.ts', './fleet/definitions.ts', './notifier/definitions.ts', './search-attributes.ts'];

const layerZones = [
  {
    target: './src/api',
    from: './src/activities',
    message: 'The API shares I/O with the activities through src/engine, src/store and src/net, never src/activities.',
  },
  {
    target: './src/api',
    from: './src/workflows',
    except: workflowDefinitions,
    message: 'The API talks to workflows through their definitions.ts (ids, start options, messages) only.',
  },
  {
    target: './src/workflows',
    from: './src/activities',
    except: ['./types.ts'],
    message: 'Workflows reach activities only through proxyActivities, typed by src/activities/types.ts.',
  },
  {
    target: './src/workflows',
    from: everyFolderBut('workflows', 'domain', 'activities'),
    message: 'Workflow code is deterministic: it imports other workflow modules and src/domain only.',
  },
  { target: './src/workflows', from: entryFiles, message: 'Workflow code is deterministic: no configuration, database or worker wiring.' },
  { target: './src/domain', from: everyFolderBut('domain'), message: 'src/domain is pure logic: it imports nothing but itself.' },
  { target: './src/domain', from: entryFiles, message: 'src/domain is pure logic: it imports nothing but itself.' },
  {
    target: './src/activities',
    from: ['./src/api', './src/cli', './src/stack', './src/simulators'],
    message: 'Activities are the workers\' I/O: they do not depend on the HTTP edge, the CLI, the local stack or the simulators.',
  },
  {
    target: ['./src/engine', './src/store', './src/net'],
    from: ['./src/api', './src/activities', './src/cli', './src/stack', './src/simulators', './src/observability'],
    message: 'src/engine, src/store and src/net are shared by the API and the activities: they import neither.',
  },
  {
    target: ['./src/engine', './src/store', './src/net'],
    from: './src/workflows',
    except: workflowDefinitions,
    message: 'Shared I/O talks to workflows through their definitions.ts only.',
  },
  { target: ['./src/store', './src/net'], from: './src/engine', message: 'src/store and src/net sit below src/engine.' },
  { target: './src/store', from: './src/net', message: 'src/store is PostgreSQL only.' },
  {
    target: [...everyFolderBut('stack'), ...entryFiles],
    from: './src/stack',
    message: 'src/stack starts the local stack; the processes it starts do not depend on it.',
  },
];

/** Packages that do I/O, or belong to one process kind (Express to the API, the activity context and worker to workers). */
const ioPackages = ['pg', '@prisma/*', 'undici', '@aws-sdk/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'nodemailer', 'express', 'pino', 'prom-client'];
const restricted = (paths, patterns, message) => [
  'error',
  {
    paths: paths.map((p) => (typeof p === 'string' ? { name: p, message } : { ...p, message })),
    patterns: patterns.length > 0 ? [{ group: patterns, message }] : [],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', '.scratch/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle parses the modules an import leads to: with this parser, as TypeScript.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.cjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${import.meta.dirname}/tsconfig.json` })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Runtime cycles; type-only ones, which this rule skips, are caught by madge in `npm run lint`.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }] },
  },
  {
    // CommonJS files (preloads with `node --require`) load with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON bodies of many shapes; typing each one would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is replayed in a sandbox: no I/O, no Node built-ins, only deterministic APIs.
    files: ['src/workflows/**/*.ts'],
    rules: { 'no-restricted-imports': restricted(nodeBuiltins, ioPackages, 'Workflow code must not use Node built-ins or I/O packages.') },
  },
  {
    // Pure logic: node:crypto hashes and node:net's address parsing are computation, not I/O.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [...nodeBuiltins.filter((m) => !['crypto', 'node:crypto', 'net', 'node:net'].includes(m)), ...['net', 'node:net'].map((name) => ({ name, allowImportNames: ['BlockList', 'isIP'] }))],
        ioPackages,
        'src/domain is pure logic: no I/O.',
      ),
    },
  },
  {
    // Shared I/O modules run in the API and the workers alike: no activity context, no worker, no Express.
    files: ['src/engine/**/*.ts', 'src/store/**/*.ts', 'src/net/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(['@temporalio/activity', '@temporalio/worker', 'express'], [], 'Shared I/O must run outside an activity and an HTTP handler alike.'),
    },
  },
);
