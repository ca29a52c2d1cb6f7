#!/usr/bin/env bash
# Run every test of crm-policy on a fresh machine: installs what is missing (idempotent),
# then fmt, clippy, Rust tests, the wasm build, the JS tests (Node, workerd, Deno, tsc)
# and the browser tests of the playground (Debian Chromium driven by playwright-core).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
step() { printf '\n=== %s\n' "$*"; }

step "toolchain"
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (-D warnings)"
cargo clippy --all-targets -- -D warnings

step "Rust tests"
cargo test --lib --bins --tests --examples
cargo test --doc

step "wasm build (pkg/)"
bash build.sh

step "cargo clippy of the wasm builds (engine, demo, edge; no serde feature, -D warnings)"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features demo-module -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features edge -- -D warnings

step "JS tests (Node, workerd, Deno, TypeScript)"
bash tests/js/run.sh

step "browser tests (Chromium)"
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
bash tests/browser/run.sh

step "all tests passed"
