#!/usr/bin/env bash
# Go and cargo tools the interop tests and benchmarks use. Each is installed only when missing.
set -euo pipefail
export PATH="$HOME/go/bin:$HOME/.cargo/bin:$PATH"
need() { ! command -v "$1" >/dev/null 2>&1; }
if need zlint; then
  echo "installing zlint"
  GOFLAGS=-mod=mod go install github.com/zmap/zlint/v3/cmd/zlint@latest
fi
echo "tools: zlint=$(command -v zlint || echo missing)"
