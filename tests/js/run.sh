#!/usr/bin/env bash
# Run the JS tests of the npm package (node:test): fixtures, API, CommonJS, web build,
# exports map, TypeScript types, workerd and Deno smoke tests. Needs pkg/ (bash build.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[[ -f pkg/package.json ]] || { echo "tests/js/run.sh: pkg/ is missing; run bash build.sh first" >&2; exit 1; }
[[ -x node_modules/.bin/workerd ]] || { echo "tests/js/run.sh: dev tools missing; run bash build.sh first" >&2; exit 1; }
# The tests import the package as a user does: `import { Org } from "crm-policy"`.
mkdir -p tests/js/node_modules
ln -sfn ../../../pkg tests/js/node_modules/crm-policy
exec node --test --test-reporter=spec tests/js/*.test.mjs tests/js/*.test.cjs
