# shellcheck shell=bash
# Prometheus and promtool from Debian's `prometheus` package, unpacked into the tools folder
# (no service installed, nothing started): `npm run dev` runs Prometheus beside the stack, and
# `npm test` checks and unit-tests ops/alerts.yml with promtool (scripts/check-rules.sh).
# PROMETHEUS_BIN and PROMTOOL_BIN name binaries of your own instead (any 2.x or 3.x).

PROMETHEUS_DIR="${COURIER_TOOLS_DIR:-$HOME/.cache/courier/bin}/prometheus"

ensure_prometheus() {
  if [[ -n "${PROMETHEUS_BIN:-}" || -n "${PROMTOOL_BIN:-}" ]]; then
    [[ -x "${PROMETHEUS_BIN:-}" && -x "${PROMTOOL_BIN:-}" ]] || fail "PROMETHEUS_BIN and PROMTOOL_BIN must both name executables (they are '${PROMETHEUS_BIN:-}' and '${PROMTOOL_BIN:-}')."
    step "prometheus: using PROMETHEUS_BIN=$PROMETHEUS_BIN, PROMTOOL_BIN=$PROMTOOL_BIN"
    return
  fi
  if [[ -x "$PROMETHEUS_DIR/prometheus" && -x "$PROMETHEUS_DIR/promtool" && -f "$PROMETHEUS_DIR/version" ]]; then
    step "prometheus: $(cat "$PROMETHEUS_DIR/version"), cached in $PROMETHEUS_DIR"
    return
  fi
  local avoid="or set PROMETHEUS_BIN and PROMTOOL_BIN to binaries of your own"
  command -v apt-get > /dev/null && command -v dpkg-deb > /dev/null ||
    fail "Prometheus and promtool come from Debian's 'prometheus' package, and this machine has no apt-get/dpkg-deb: $avoid."
  local version
  version=$(apt-cache policy prometheus 2> /dev/null | awk '/Candidate:/ { print $2 }')
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    [[ $(id -u) -eq 0 ]] || fail "apt knows no 'prometheus' package yet: run 'sudo apt-get update' once, $avoid."
    step "prometheus: apt-get update (apt's package lists are empty)"
    apt-get update -qq > /dev/null 2>&1 || fail "apt-get update failed: $avoid."
    version=$(apt-cache policy prometheus 2> /dev/null | awk '/Candidate:/ { print $2 }')
    [[ -n "$version" && "$version" != "(none)" ]] || fail "apt offers no 'prometheus' package: $avoid."
  fi
  local scratch began=$SECONDS
  scratch=$(mktemp -d)
  step "prometheus: unpacking Debian's prometheus $version into $PROMETHEUS_DIR"
  # apt-get download runs unprivileged as _apt where it can, so the folder must be writable to it.
  chmod 777 "$scratch"
  (cd "$scratch" && apt-get download -qq "prometheus=$version" > download.log 2>&1) ||
    { cat "$scratch/download.log" >&2; rm -rf "$scratch"; fail "apt-get download prometheus failed (output above): $avoid."; }
  dpkg-deb -x "$scratch"/prometheus_*.deb "$scratch/unpacked"
  mkdir -p "$scratch/tools"
  cp "$scratch/unpacked/usr/bin/prometheus" "$scratch/unpacked/usr/bin/promtool" "$scratch/tools/"
  echo "$version" > "$scratch/tools/version"
  rm -rf "$PROMETHEUS_DIR"
  mkdir -p "$(dirname "$PROMETHEUS_DIR")"
  mv -T "$scratch/tools" "$PROMETHEUS_DIR"
  rm -rf "$scratch"
  step "prometheus: $("$PROMETHEUS_DIR/promtool" --version 2>&1 | head -1) in $(elapsed "$began")"
}

# The promtool and prometheus binaries to run.
promtool_bin() { echo "${PROMTOOL_BIN:-$PROMETHEUS_DIR/promtool}"; }
prometheus_bin() { echo "${PROMETHEUS_BIN:-$PROMETHEUS_DIR/prometheus}"; }
