#!/usr/bin/env bash
# Browser tests of the playground: Debian Chromium + playwright-core, node:test.
# Assumes pkg/ is built (bash build.sh) and node_modules holds playwright-core.
#   bash tests/browser/run.sh            (PLAYGROUND_BIG=0 skips the 20,000-user run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[[ -f pkg/crm_policy.js && -f pkg/crm_policy_bg.wasm ]] || { echo "tests/browser: pkg/ is missing; run bash build.sh first" >&2; exit 1; }
[[ -d node_modules/playwright-core ]] || { echo "tests/browser: node_modules/playwright-core is missing; run npm ci" >&2; exit 1; }
export CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}"
[[ -x "$CHROMIUM" ]] || { echo "tests/browser: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }
mkdir -p test-output/screenshots
exec node --test --test-reporter=spec --test-concurrency=1 tests/browser/playground.test.mjs
