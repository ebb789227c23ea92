# shellcheck shell=bash
# Progress lines and failures of the setup scripts. A failure is a message naming what is
# missing and how to get past it, and a non-zero exit; never a stack trace.

step() { printf 'setup: %s\n' "$*"; }

fail() {
  printf '\nsetup: %s\n' "$*" >&2
  exit 1
}

# Seconds since the script started, as "12 s".
elapsed() { printf '%d s' "$((SECONDS - ${1:-0}))"; }
