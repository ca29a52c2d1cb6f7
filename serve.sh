#!/usr/bin/env bash
# Serve the playground on http://127.0.0.1:8080/www/ (builds pkg/ first when it is missing).
#   ./serve.sh [port]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
PORT="${1:-8080}"
if [[ ! -f pkg/crm_policy_bg.wasm || ! -f pkg/crm_policy.js ]]; then
  echo "[serve.sh] pkg/ is missing: building it with build.sh" >&2
  bash build.sh
fi
# Until the package exports generateDemo(), serve a natively generated demo
# snapshot (seed 42) as www/demo-org.json; the playground falls back to it.
if ! grep -q "generateDemo" pkg/crm_policy.js; then
  DEMO_DIR="$ROOT/test-output/demo-org"
  if [[ ! -f "$DEMO_DIR/org.json" ]]; then
    echo "[playground] pkg/ has no generateDemo(): generating the demo org (cargo run --example gen_org)" >&2
    cargo run --release --quiet --example gen_org -- --size demo --seed 42 --out "$DEMO_DIR" >&2
  fi
  export CRM_DEMO_JSON="$DEMO_DIR/org.json"
fi
exec node tests/browser/server.mjs "$PORT"
