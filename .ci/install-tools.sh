#!/usr/bin/env bash
# Go tools the conformance tests and benchmarks use; each is installed only when missing.
set -euo pipefail
export PATH="$HOME/go/bin:$PATH"
if ! command -v zlint >/dev/null 2>&1; then
  echo "installing zlint"
  go install github.com/zmap/zlint/v3/cmd/zlint@latest
fi
echo "zlint: $(command -v zlint)"
if ! command -v goflow2 >/dev/null 2>&1; then
  echo "installing goflow2 (flow decode benchmark peer)"
  go install github.com/netsampler/goflow2/v2/cmd/goflow2@latest
fi
echo "goflow2: $(command -v goflow2)"
