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
exec node tests/browser/server.mjs "$PORT"
