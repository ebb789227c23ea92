#!/usr/bin/env bash
# Runs a command on Courier's Node (scripts/lib/node.sh): `bash scripts/on-node.sh jest ...`.
# Every npm script that runs code goes through it, so `npm test` started by an npm on an older
# Node still runs jest, tsx and the worker processes on Node >= 22.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
use_courier_node || fail "Node.js >= $NODE_MIN_MAJOR is needed and 'node' is $(node --version 2> /dev/null || echo missing): run 'npm run setup' (it installs Node $NODE_VERSION into $COURIER_NODE_DIR)."
exec "$@"
