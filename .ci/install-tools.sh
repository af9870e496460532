#!/usr/bin/env bash
# Go tools the conformance tests use; each is installed only when missing.
set -euo pipefail
export PATH="$HOME/go/bin:$PATH"
if ! command -v zlint >/dev/null 2>&1; then
  echo "installing zlint"
  go install github.com/zmap/zlint/v3/cmd/zlint@latest
fi
echo "zlint: $(command -v zlint)"
