#!/usr/bin/env bash
# curl needs nothing beyond curl itself (and python3 to read JSON in the scenario).
set -euo pipefail
curl --version | head -1
