#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-}" in
  sample) exec .venv/bin/python sample.py ;;
  scenario) exec .venv/bin/python scenario.py ;;
  *) echo "usage: run.sh sample|scenario" >&2; exit 2 ;;
esac
