#!/usr/bin/env bash
# The Node SDK is a pinned devDependency of larkstatus itself (package.json), installed by npm ci.
set -euo pipefail
cd "$(dirname "$0")/../../.."
node -e "const v=require('@larksuiteoapi/node-sdk/package.json').version; if (v !== '1.74.0') { console.error('expected @larksuiteoapi/node-sdk 1.74.0, found ' + v); process.exit(1); } console.log('@larksuiteoapi/node-sdk ' + v)"
