# shellcheck shell=bash
# The Temporal CLI (dev server + Web UI) and MinIO, built from the Go module proxy with
# `go install` into a tools folder outside the clone, so fresh clones (CI) reuse the builds.
# A version stamp beside each binary says what it was built from: the binaries cannot tell
# (the Temporal CLI reports 0.0.0-DEV when built this way).

GO_MIN_MINOR=25   # go 1.25: the Temporal CLI's go.mod needs it

# ensure_go_tool NAME PACKAGE VERSION BIN_VAR EXTERNAL_VAR [BUILT_NAME]
#   BIN_VAR (e.g. TEMPORAL_BIN) names a prebuilt binary to use instead;
#   EXTERNAL_VAR (e.g. TEMPORAL_ADDRESS) set means an external server: nothing to build;
#   BUILT_NAME is the name `go install` gives the binary when it is not NAME (cmd/server → server).
ensure_go_tool() {
  local name=$1 package=$2 version=$3 bin_var=$4 external_var=$5 built=${6:-$1}
  local want="$package@$version" bin="$TOOLS_DIR/$name" stamp="$TOOLS_DIR/$name.version"

  if [[ -n "${!external_var:-}" ]]; then
    step "$name: $external_var is set, so the stack uses that server; nothing to build"
    return
  fi
  if [[ -n "${!bin_var:-}" ]]; then
    [[ -x "${!bin_var}" ]] || fail "$bin_var=${!bin_var} is not an executable file."
    step "$name: using $bin_var=${!bin_var}"
    return
  fi
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    step "$name: $version, cached in $TOOLS_DIR"
    return
  fi

  require_go "$name" "$bin_var" "$external_var"
  # A binary built elsewhere without a stamp: Go's build info tells what it was built from.
  if [[ -x "$bin" && ! -f "$stamp" && "$(built_from "$bin")" == "$want" ]]; then
    echo "$want" > "$stamp"
    step "$name: $version, found in $TOOLS_DIR"
    return
  fi
  build_go_tool "$name" "$want" "$built"
  echo "$want" > "$stamp"
}

require_go() {
  local name=$1 bin_var=$2 external_var=$3
  local avoid="or set $bin_var to a prebuilt $name binary (or $external_var to use a running server)"
  command -v go > /dev/null || fail "Go >= 1.$GO_MIN_MINOR is needed to build $name (once; it is cached in $TOOLS_DIR), and there is no 'go' on PATH. Install Go, $avoid."
  local version minor
  version=$(go env GOVERSION)
  minor=$(sed -E 's/^go1\.([0-9]+).*/\1/' <<< "$version")
  [[ "$minor" =~ ^[0-9]+$ && "$minor" -ge $GO_MIN_MINOR ]] ||
    fail "Go >= 1.$GO_MIN_MINOR is needed to build $name, and 'go' is $version. Upgrade Go, $avoid."
}

# "package@version" from a Go binary's build info (empty if it has none).
built_from() {
  go version -m "$1" 2> /dev/null | awk '$1 == "path" { p = $2 } $1 == "mod" { v = $3 } END { if (p) print p "@" v }'
}

# Builds into a scratch folder, then moves the binary into place in one step, so an interrupted
# build never leaves a half-written binary (or replaces a running one's file under it).
build_go_tool() {
  local name=$1 target=$2 built=${3:-$1}
  local scratch="$TOOLS_DIR/.build-$name" log="$TOOLS_DIR/$name.build.log" began=$SECONDS
  mkdir -p "$scratch"
  step "$name: building $target with $(go env GOVERSION) (the first build takes minutes; log: $log)"
  GOBIN="$scratch" go install -v "$target" > "$log" 2>&1 &
  local pid=$! rc=0
  trap 'kill "$pid" 2> /dev/null' EXIT
  show_build_progress "$name" "$pid" "$log" "$began"
  wait "$pid" || rc=$?
  trap - EXIT
  if [[ $rc -ne 0 ]]; then
    tail -n 25 "$log" | sed 's/^/  | /' >&2
    fail "building $name failed (exit $rc) after $(elapsed "$began"); full log: $log. To skip the build, set the prebuilt-binary variable (TEMPORAL_BIN / MINIO_BIN)."
  fi
  mv -f "$scratch/$built" "$TOOLS_DIR/$name"
  rmdir "$scratch"
  step "$name: built in $(elapsed "$began")"
}

# `go install -v` prints each package as it compiles: count them while the build runs, on one
# rewritten line on a terminal, or every 30 s in a log (CI).
show_build_progress() {
  local name=$1 pid=$2 log=$3 began=$4 last_line=$SECONDS
  while kill -0 "$pid" 2> /dev/null; do
    sleep 1
    local counts
    counts=$(awk '/^go: downloading/ { d++ } /^[a-z0-9.-]+(\/[^ ]+)?$/ { c++ } END { printf "%d modules downloaded, %d packages compiled", d, c }' "$log")
    if [[ -t 1 ]]; then
      printf '\rsetup: %s: %s, %s ' "$name" "$counts" "$(elapsed "$began")"
    elif ((SECONDS - last_line >= 30)); then
      step "$name: building: $counts, $(elapsed "$began")"
      last_line=$SECONDS
    fi
  done
  [[ -t 1 ]] && printf '\n'
  return 0
}
