#!/usr/bin/env bash
# Go client: downloads the pinned SDK (go.mod / go.sum: github.com/larksuite/oapi-sdk-go/v3 v3.5.3)
# and builds the sample and the scenario into bin/ (gitignored). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
echo "go: $(go version)"
echo "go: downloading modules (go.sum pins github.com/larksuite/oapi-sdk-go/v3 v3.5.3)"
go mod download
go mod verify
echo "go: building bin/sample and bin/scenario"
go build -o bin/ ./...
ls -l bin/
echo "go: setup done"
