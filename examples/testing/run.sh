#!/usr/bin/env bash
# Runs the testing examples, each in its own language's runner, against the built server
# (dist/main.js; built here when missing): examples/testing/go (go test), examples/testing/python
# (pytest, in a virtualenv at python/.venv made from requirements.txt) and examples/testing/java
# (JUnit 5 with Maven). The SDK versions are those of the SDK matrix (conformance/sdks), so its
# module, pip and Maven caches serve them. `run.sh go python` runs a subset. Exits non-zero when
# any fails.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
[ -f "$ROOT/dist/main.js" ] || (cd "$ROOT" && npm run build)
langs=("$@")
[ "${#langs[@]}" -gt 0 ] || langs=(go python java)
failed=()
for lang in "${langs[@]}"; do
  t=$SECONDS
  echo "== examples/testing/$lang"
  case "$lang" in
    go) (cd go && go test -count=1 -v ./...) || failed+=(go) ;;
    python)
      (
        cd python
        want() { grep -v '^\s*#' requirements.txt | grep -v '^\s*$' | tr 'A-Z_' 'a-z-' | sort; }
        have() { .venv/bin/python -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort; }
        if ! [ -x .venv/bin/python ] || [ "$(want)" != "$(have)" ]; then
          [ -x .venv/bin/python ] || python3 -m venv .venv
          .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
        fi
        PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -v -p no:cacheprovider
      ) || failed+=(python) ;;
    java) (cd java && mvn -B -ntp -Dstyle.color=never test) || failed+=(java) ;;
    *) echo "unknown example: $lang (go, python or java)" >&2; exit 2 ;;
  esac
  echo "== examples/testing/$lang: $(( SECONDS - t )) s"
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "examples/testing: failed: ${failed[*]}" >&2
  exit 1
fi
echo "examples/testing: ${langs[*]} passed"
