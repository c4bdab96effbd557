#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-}" in
  sample) exec ./bin/sample ;;
  scenario) exec ./bin/scenario ;;
  *) echo "usage: run.sh sample|scenario" >&2; exit 2 ;;
esac
