#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-}" in
  sample) exec php sample.php ;;
  scenario) exec php scenario.php ;;
  *) echo "usage: run.sh sample|scenario" >&2; exit 2 ;;
esac
