#!/usr/bin/env bash
# Installs lark-oapi 1.7.5 and its pinned dependencies (requirements.txt) into a virtualenv at
# conformance/sdks/python/.venv (gitignored). Idempotent: does nothing when the venv already
# holds exactly the pinned set.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
want() { grep -v '^\s*#' requirements.txt | grep -v '^\s*$' | tr 'A-Z_' 'a-z-' | sort; }
have() { "$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort; }
if [ -x "$VENV/bin/python" ] && [ "$(want)" = "$(have)" ]; then
  echo "python: $VENV already has the pinned packages ($("$VENV/bin/python" --version))"
  exit 0
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
"$VENV/bin/python" -c "import lark_oapi, importlib.metadata as m; print('python: lark-oapi', m.version('lark-oapi'))"
