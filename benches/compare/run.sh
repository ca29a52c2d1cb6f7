#!/usr/bin/env bash
# Side-by-side benchmark of crm-policy against Cedar (native crate and cedar-wasm) and
# Casbin (Node), plus the scale test. Results: benches/compare/README.md.
#
#   bash benches/compare/run.sh                 # org sizes 1,000 / 10,000 / 100,000 users
#   bash benches/compare/run.sh 1000 10000      # only these sizes
#
# Environment: SAMPLE (requests per size, default 10000), CEDAR_FULL_MAX_USERS (largest org
# whose whole entity store Cedar loads natively, default 10000), STEP_TIMEOUT (seconds per
# step, default 1800), PROBE_USERS (extra sizes for the scale test only, e.g. "130000":
# where the Node load breaks; about 10 min and 12 GB of RAM for 130000). Writes everything under benches/compare/target/ (not committed):
# data/u<N>/ (generated inputs, reused when present) and results-<time>/ (JSON + results.md).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JS="$ROOT/benches/compare-js"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 10000 100000)
SAMPLE="${SAMPLE:-10000}"
CEDAR_FULL_MAX_USERS="${CEDAR_FULL_MAX_USERS:-10000}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1800}"
read -r -a PROBES <<<"${PROBE_USERS:-}"
DATA="$HERE/target/data"
OUT="$HERE/target/results-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$DATA" "$OUT"

log() { printf '[compare] %s\n' "$*" >&2; }
# step NAME OUTFILE CMD...: run with a timeout and GNU time; a failure is recorded, not fatal.
step() {
  local name="$1" out="$2"
  shift 2
  log "$name"
  local rc=0
  /usr/bin/time -f '{"wallSeconds": %e, "maxRssKB": %M}' -o "$out.time" \
    timeout "$STEP_TIMEOUT" "$@" >"$out.tmp" 2>"$out.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "  $name FAILED (exit $rc; timeout is 124): $(tail -c 300 "$out.err" | tr '\n' ' ')"
    printf '{"failed": true, "exit": %d, "stderr": %s}\n' "$rc" \
      "$(tail -c 2000 "$out.err" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(s)))')" >"$out"
  else
    [[ -s "$out" ]] || mv "$out.tmp" "$out"
  fi
  rm -f "$out.tmp"
  sed 's/^/    /' "$out.err" | tail -n 8 >&2 || true
}

command -v node >/dev/null || { log "node is required"; exit 1; }
[[ -x /usr/bin/time ]] || { log "/usr/bin/time (GNU time) is required"; exit 1; }

log "cargo build --release (benches/compare, its own workspace: cedar-policy is compiled only here)"
(cd "$HERE" && cargo build --release --quiet)
BIN="$HERE/target/release/crm-policy-compare"

# The npm package must read the bytes this build writes: rebuild it when src/ is newer.
if [[ ! -f "$ROOT/pkg/crm_policy_bg.wasm" || -n "$(find "$ROOT/src" "$ROOT/Cargo.toml" -newer "$ROOT/pkg/crm_policy_bg.wasm" -print -quit)" ]]; then
  log "pkg/ missing or older than src/: bash build.sh"
  (cd "$ROOT" && bash build.sh)
fi
# A private copy, so that a concurrent `bash build.sh` cannot pull the package from under us.
rm -rf "$HERE/target/pkg" && cp -r "$ROOT/pkg" "$HERE/target/pkg"

if [[ ! -d "$JS/node_modules/@cedar-policy/cedar-wasm" || ! -d "$JS/node_modules/casbin" ]]; then
  log "npm install (benches/compare-js)"
  (cd "$JS" && npm install --no-audit --no-fund --silent)
fi

{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')\","
  echo "  \"cores\": $(nproc),"
  echo "  \"loadAverage\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"rustc\": \"$(rustc --version)\","
  echo "  \"node\": \"$(node --version)\","
  echo "  \"commit\": \"$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' + uncommitted changes to src')\","
  echo "  \"sizes\": [$(IFS=,; echo "${SIZES[*]}")],"
  echo "  \"probes\": [$(IFS=,; echo "${PROBES[*]}")]"
  echo "}"
} >"$OUT/env.json"

for u in "${SIZES[@]}"; do
  D="$DATA/u$u"
  # Generated inputs are reused unless the sample size changed or the binary (the engine) is newer.
  if [[ ! -f "$D/info.json" || ! -f "$D/full.bin" || "$BIN" -nt "$D/info.json" ||
        "$(node -p "require('$D/info.json').sample" 2>/dev/null)" != "$SAMPLE" ]]; then
    step "prepare $u users" "$OUT/prepare-u$u.json" \
      "$BIN" prepare --users "$u" --out "$D" --sample "$SAMPLE" --full --cedar-full-max-users "$CEDAR_FULL_MAX_USERS"
  fi
  cp "$D/info.json" "$OUT/info-u$u.json"
  step "native: crm-policy vs cedar-policy, $u users" "$OUT/native-u$u.json" "$BIN" native --dir "$D"
  [[ -f "$D/native.json" ]] && cp "$D/native.json" "$OUT/native-u$u.json"
  step "native scale: crm-policy loads the full org, $u users" "$OUT/scale-native-u$u.json" "$BIN" load --bin "$D/full.bin"
  for e in crm cedar casbin; do
    step "node: $e, $u users" "$OUT/node-$e-u$u.json" \
      node --expose-gc "$JS/bench.mjs" --engine "$e" --dir "$D" --pkg "$HERE/target/pkg" --out "$OUT/node-$e-u$u.json"
  done
  step "node scale: crm-policy (wasm) loads the full org, $u users" "$OUT/scale-node-u$u.json" \
    node --expose-gc "$JS/bench.mjs" --engine crm --bin full.bin --dir "$D" --pkg "$HERE/target/pkg" --out "$OUT/scale-node-u$u.json"
done

for u in "${PROBES[@]}"; do
  D="$DATA/u$u"
  if [[ ! -f "$D/info.json" || ! -f "$D/full.bin" || "$BIN" -nt "$D/info.json" ]]; then
    step "prepare $u users (scale probe)" "$OUT/prepare-u$u.json" \
      "$BIN" prepare --users "$u" --out "$D" --sample 1000 --full --cedar-full-max-users 0
  fi
  cp "$D/info.json" "$OUT/info-u$u.json"
  step "native scale: crm-policy loads the full org, $u users" "$OUT/scale-native-u$u.json" "$BIN" load --bin "$D/full.bin"
  step "node scale: crm-policy (wasm) loads the full org, $u users" "$OUT/scale-node-u$u.json" \
    node --expose-gc "$JS/bench.mjs" --engine crm --bin full.bin --dir "$D" --pkg "$HERE/target/pkg" --out "$OUT/scale-node-u$u.json"
done

node "$JS/report.mjs" "$OUT" >"$OUT/results.md"
log "results: $OUT/results.md"
cat "$OUT/results.md"
