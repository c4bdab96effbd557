#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-}" in
  sample) exec node --require ./inspect-depth.cjs sample.cjs ;;
  scenario) exec node scenario.mjs ;;
  *) echo "usage: run.sh sample|scenario" >&2; exit 2 ;;
esac
