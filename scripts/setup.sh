#!/usr/bin/env bash
# Makes a checkout ready to run: Node 24 when the machine's Node is older than 22, Node packages,
# the Prisma client, the Temporal and MinIO server binaries, and Prometheus with promtool. Idempotent and quick when nothing changed; `npm run dev`, `npm test` and CI
# run it first. It starts no server.
#
# Environment:
#   COURIER_TOOLS_DIR   where server binaries are built and cached (default ~/.cache/courier/bin),
#                       and Node 24 unpacked when the machine's Node is older than 22
#   TEMPORAL_BIN        a prebuilt `temporal` CLI to use instead of building one
#   MINIO_BIN           a prebuilt `minio` to use instead of building one
#   TEMPORAL_ADDRESS    an external Temporal server: the stack uses it, nothing is built
#   S3_ENDPOINT         an external S3 server: the stack uses it, MinIO is not built
#   DATABASE_URL        an external PostgreSQL: the stack uses it instead of the embedded one
#   PROMETHEUS_BIN, PROMTOOL_BIN  Prometheus and promtool of your own, instead of Debian's package
#                       unpacked into the tools folder
#   COURIER_SCHEMATHESIS a schemathesis binary for the API fuzz test, instead of the pinned one
#                       installed from PyPI into ~/.cache/courier/venv
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/log.sh
source scripts/lib/go-tools.sh
source scripts/lib/node.sh
source scripts/lib/prometheus.sh

TEMPORAL_PACKAGE=github.com/temporalio/cli/cmd/temporal
TEMPORAL_VERSION=v1.5.1 # Temporal server 1.29.1; later tags carry a replace directive `go install` refuses
# COURIER_STACK_TEMPORAL=postgres only: the server the CLI's dev server embeds, and its schema tool.
TEMPORAL_SERVER_VERSION=v1.29.1
MINIO_PACKAGE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c # what @latest was when pinned: CI builds what was tested
TOOLS_DIR="${COURIER_TOOLS_DIR:-$HOME/.cache/courier/bin}"
STAMPS=node_modules/.courier-setup

# The machine's Node if it is >= NODE_MIN_MAJOR, else Node NODE_VERSION in the tools folder
# (installed the first time): the rest of setup, and scripts/on-node.sh after it, run on it.
ensure_node() {
  if ! use_courier_node; then
    local began=$SECONDS
    step "node: the machine's is $(node --version 2> /dev/null || echo missing), Courier needs >= $NODE_MIN_MAJOR: installing $NODE_PACKAGE@$NODE_VERSION into $COURIER_NODE_DIR"
    install_courier_node
    use_courier_node
    step "node: installed in $(elapsed "$began")"
  fi
  step "node $(node --version) ($(command -v node)), npm $(npm --version 2> /dev/null)"
}

# Reinstalls only when the lock file (or Node's major version) changed since the last install.
install_node_modules() {
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1) node$(node -p 'process.versions.node.split(".")[0]')"
  if [[ -f "$STAMPS/lock" && "$(cat "$STAMPS/lock")" == "$want" ]]; then
    step "node_modules: up to date"
    return
  fi
  local began=$SECONDS
  step "node_modules: installing (npm ci)"
  local log
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund > "$log" 2>&1; then
    # The registry reachable here serves no other platforms' optional packages, so a lock file
    # written here cannot list them, and `npm ci` calls that out of sync; `npm install` accepts it.
    grep -q 'can only install packages when your package.json and package-lock.json' "$log" ||
      { cat "$log" >&2; fail "npm ci failed (output above)."; }
    step "node_modules: npm ci finds the lock file incomplete (other platforms' optional packages); using npm install"
    npm install --no-audit --no-fund > "$log" 2>&1 || { cat "$log" >&2; fail "npm install failed (output above)."; }
  fi
  grep -E '^(added|removed|changed|up to date)' "$log" | sed 's/^/setup: node_modules: /' || true
  rm -f "$log"
  mkdir -p "$STAMPS"
  echo "$want" > "$STAMPS/lock"
  step "node_modules: installed in $(elapsed "$began")"
}

# Regenerates the Prisma client only when the schema or Prisma's version changed.
generate_prisma_client() {
  local want
  want="$(cat prisma/schema.prisma node_modules/prisma/package.json | sha256sum | cut -d' ' -f1)"
  if [[ -f "$STAMPS/prisma" && -d node_modules/.prisma/client && "$(cat "$STAMPS/prisma")" == "$want" ]]; then
    step "prisma client: up to date"
    return
  fi
  # The JavaScript engine needs no engine binaries; set, these variables stop the CLI downloading them.
  PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$(command -v node)}" \
    PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$(command -v node)}" \
    CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 \
    node_modules/.bin/prisma generate > "$STAMPS/prisma-generate.log" 2>&1 ||
    { cat "$STAMPS/prisma-generate.log" >&2; fail "prisma generate failed (output above)."; }
  echo "$want" > "$STAMPS/prisma"
  step "prisma client: generated"
}

# The API fuzz test runs schemathesis; its pinned version lives in a venv outside the clone.
ensure_schemathesis() {
  if [[ -n "${COURIER_SCHEMATHESIS:-}" ]]; then
    [[ -x "$COURIER_SCHEMATHESIS" ]] || fail "COURIER_SCHEMATHESIS=$COURIER_SCHEMATHESIS is not an executable."
    step "schemathesis: using $COURIER_SCHEMATHESIS"
    return
  fi
  local venv="$HOME/.cache/courier/venv" want
  want=$(sha256sum test/fuzz/requirements.txt | cut -d' ' -f1)
  if [[ -x "$venv/bin/schemathesis" && "$(cat "$venv/.courier-requirements" 2> /dev/null)" == "$want" ]]; then
    step "schemathesis: up to date"
    return
  fi
  command -v python3 > /dev/null ||
    fail "python3 (>= 3.10, with venv) is needed to install schemathesis for the API fuzz test; or set COURIER_SCHEMATHESIS to a schemathesis binary."
  local began=$SECONDS log
  log=$(mktemp)
  step "schemathesis: installing the pinned version from PyPI into $venv"
  { python3 -m venv --clear "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check -r test/fuzz/requirements.txt; } > "$log" 2>&1 ||
    { cat "$log" >&2; fail "installing schemathesis failed (output above); set COURIER_SCHEMATHESIS to use one you have."; }
  rm -f "$log"
  echo "$want" > "$venv/.courier-requirements"
  step "schemathesis: $("$venv/bin/schemathesis" --version 2>&1 | head -1) installed in $(elapsed "$began")"
}

began=$SECONDS
ensure_node
install_node_modules
generate_prisma_client
ensure_go_tool temporal "$TEMPORAL_PACKAGE" "$TEMPORAL_VERSION" TEMPORAL_BIN TEMPORAL_ADDRESS
ensure_go_tool minio "$MINIO_PACKAGE" "$MINIO_VERSION" MINIO_BIN S3_ENDPOINT
ensure_prometheus
if [[ "${COURIER_STACK_TEMPORAL:-dev}" == postgres ]]; then
  ensure_go_tool temporal-server go.temporal.io/server/cmd/server "$TEMPORAL_SERVER_VERSION" TEMPORAL_SERVER_BIN TEMPORAL_ADDRESS server
  ensure_go_tool temporal-sql-tool go.temporal.io/server/cmd/tools/sql "$TEMPORAL_SERVER_VERSION" TEMPORAL_SQL_TOOL_BIN TEMPORAL_ADDRESS sql
fi
ensure_schemathesis
step "ready in $(elapsed "$began")"
