#!/usr/bin/env bash
# Browser tests of the playground: Debian Chromium + playwright-core, node:test.
# Assumes pkg/ is built (bash build.sh) and node_modules holds playwright-core.
#   bash tests/browser/run.sh            (PLAYGROUND_BIG=0 skips the 20,000-user run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[[ -f pkg/crm_policy.js && -f pkg/crm_policy_bg.wasm ]] || { echo "tests/browser: pkg/ is missing; run bash build.sh first" >&2; exit 1; }
[[ -d node_modules/playwright-core ]] || { echo "tests/browser: node_modules/playwright-core is missing; run bash build.sh" >&2; exit 1; }
export CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}"
[[ -x "$CHROMIUM" ]] || { echo "tests/browser: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }
mkdir -p test-output/screenshots
# When the package has no demo module (generateDemo()), serve a natively generated demo
# snapshot (seed 42) as www/demo-org.json; the playground falls back to it.
if ! grep -qs "generateDemo" pkg/crm_policy_demo.js; then
  DEMO_DIR="$ROOT/test-output/demo-org"
  if [[ ! -f "$DEMO_DIR/org.json" ]]; then
    echo "[playground] pkg/ has no generateDemo(): generating the demo org (cargo run --example gen_org)" >&2
    cargo run --release --quiet --example gen_org -- --size demo --seed 42 --out "$DEMO_DIR" >&2
  fi
  export CRM_DEMO_JSON="$DEMO_DIR/org.json"
fi
exec node --test --test-reporter=spec --test-concurrency=1 tests/browser/playground.test.mjs
