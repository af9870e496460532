#!/usr/bin/env bash
# Tools from Go modules and crates that the conformance tests and benchmarks use; each is installed only when missing.
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
# rsigma, an independent Sigma engine in Rust: the detection differential test and benchmark compare with it.
# Only its evaluator is needed: no daemon features (tokio, axum, sqlite...), which keeps the build short. Its
# CLI does not compile with no features at all (a command imports the runtime crate), so one runtime-only
# feature (logfmt input) is named to bring the runtime in.
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v rsigma >/dev/null 2>&1; then
  echo "building rsigma 0.23.0 (cargo install, evaluator only)"
  cargo install rsigma --version 0.23.0 --locked --no-default-features --features logfmt --quiet
fi
echo "rsigma: $(command -v rsigma)"
