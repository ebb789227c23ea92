#!/usr/bin/env bash
# The alerting rules through Prometheus's own tools: syntax and types (`promtool check rules`),
# the example scrape configuration with them (`promtool check config`), and the rule unit tests
# of ops/alerts.test.yml (`promtool test rules`): each alert fires on a breach within its `for:`,
# and a healthy fleet fires none but the watchdog.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/log.sh
source scripts/lib/prometheus.sh

promtool=$(promtool_bin)
[[ -x "$promtool" ]] || fail "no promtool at $promtool: run 'npm run setup' (or set PROMTOOL_BIN)."
"$promtool" check rules ops/alerts.yml
"$promtool" check config --syntax-only ops/prometheus.yml
"$promtool" test rules ops/alerts.test.yml
