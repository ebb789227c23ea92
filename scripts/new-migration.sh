#!/usr/bin/env bash
# Usage: scripts/new-migration.sh <name>   (or: npm run migration:new -- <name>)
#
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the database
# from the schema committed at HEAD to the working tree's prisma/schema.prisma.
# `prisma migrate dev` cannot be used here (it introspects the database through the driver
# adapter, which fails), so the migration is the diff between the two schema files. The diff
# still needs a database connection: the dev stack's if it runs, else a throwaway embedded one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  printf 'new-migration: %s\n' "$*" >&2
  exit 1
}

name=${1:-}
[[ $# -eq 1 && "$name" =~ ^[a-z0-9_]+$ ]] || die "usage: scripts/new-migration.sh <name>, the name in lower_snake_case (e.g. add_node_labels)"

# Migrations not yet committed would be diffed again from HEAD's schema and applied twice.
pending=$(git status --porcelain -- prisma/migrations | grep -v 'migration_lock.toml' || true)
[[ -z "$pending" ]] || die "prisma/migrations has changes not committed yet; commit them first, so HEAD's schema matches the last migration:
$pending"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git show HEAD:prisma/schema.prisma > "$work/head.prisma" 2> /dev/null || die "prisma/schema.prisma is not in HEAD yet: there is nothing to diff from."
cmp -s "$work/head.prisma" prisma/schema.prisma && die "prisma/schema.prisma is the same as at HEAD: change the schema first."

# The JavaScript engine needs no engine binaries; set, these variables stop the CLI downloading them.
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$(command -v node)}"
export PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$(command -v node)}"
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1

node --import tsx src/stack/with-database.ts \
  node_modules/.bin/prisma migrate diff \
  --from-schema-datamodel "$work/head.prisma" \
  --to-schema-datamodel prisma/schema.prisma \
  --script > "$work/diff.sql" || die "prisma migrate diff failed (output above)."

# The CLI writes a config notice to stdout, into the SQL.
grep -v '^Loaded Prisma config' "$work/diff.sql" > "$work/migration.sql" || true
grep -qvE '^\s*(--.*)?$' "$work/migration.sql" ||
  die "the schema change needs no SQL (prisma says: $(tr '\n' ' ' < "$work/migration.sql")); no migration written."

# Later than every existing migration, even if this clock is behind their timestamps.
stamp=$(date -u +%Y%m%d%H%M%S)
last=$(find prisma/migrations -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sed -E 's/_.*//' | sort | tail -n 1)
[[ -n "$last" && "$stamp" -le "$last" ]] && stamp=$((last + 1))

dir="prisma/migrations/${stamp}_${name}"
mkdir -p "$dir"
cp "$work/migration.sql" "$dir/migration.sql"
echo "new-migration: wrote $dir/migration.sql; review it, then commit it with the schema change:"
sed 's/^/  | /' "$dir/migration.sql"
