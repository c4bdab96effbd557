#!/usr/bin/env bash
# run.sh sample|scenario: runs the page's sample or the lifecycle scenario (setup.sh builds them first).
# The SDK logs through slf4j-simple to stderr at LARK_JAVA_LOG (default warn; "debug" shows the SDK's own
# token-cache and request logs).
set -euo pipefail
cd "$(dirname "$0")"
CP="target/classes:target/dependency/*"
JOPTS=(-Dorg.slf4j.simpleLogger.defaultLogLevel="${LARK_JAVA_LOG:-warn}" -Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8)
case "${1:-}" in
  sample) exec java "${JOPTS[@]}" -cp "$CP" com.lark.oapi.sample.apiall.personal_settingsv1.BatchCloseSystemStatusSample ;;
  scenario) exec java "${JOPTS[@]}" -cp "$CP" larkstatus.conformance.Scenario ;;
  *) echo "usage: run.sh sample|scenario" >&2; exit 2 ;;
esac
