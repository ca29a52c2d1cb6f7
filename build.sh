#!/usr/bin/env bash
# Build the npm package `crm-policy` into pkg/ (generated, not committed).
#
#   bash build.sh            install what is missing, build, assemble pkg/, print sizes
#   bash build.sh --sizes    only print the sizes of an existing pkg/
#
# Idempotent: every install step is skipped when its tool is already there.
# One .wasm (pkg/crm_policy_bg.wasm) is shared by every entry point of `crm-policy`, one
# (pkg/edge/crm_policy_edge_bg.wasm) by every entry point of `crm-policy/edge`, the
# read-only engine; wasm-bindgen 0.2.130 emits the same module for every target, which
# this script checks. The demo generator is a third module (`crm-policy/demo`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
PKG="$ROOT/pkg"
TEMPLATE="$ROOT/pkg-template"
NAME=crm_policy
MAX_RAW=$((400 * 1024))
MAX_GZ=$((150 * 1024))

log() { printf '[build.sh] %s\n' "$*" >&2; }
die() { printf '[build.sh] error: %s\n' "$*" >&2; exit 1; }

# One module's sizes against the budget (by how much when over it); fails when over.
budget_line() {
  local label=$1 wasm=$2 raw gz
  raw=$(wc -c < "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  awk -v label="$label" -v raw="$raw" -v gz="$gz" -v mr=$((MAX_RAW / 1024)) -v mg=$((MAX_GZ / 1024)) 'BEGIN {
    printf "%s: %d bytes (%.1f KiB) raw, %d bytes (%.1f KiB) gzip -9; budget %d KiB raw, %d KiB gzipped\n", label, raw, raw / 1024, gz, gz / 1024, mr, mg
    if (raw > mr * 1024) printf "  raw is over the budget by %.1f KiB (%.0f%%)\n", raw / 1024 - mr, (raw / 1024 - mr) * 100 / mr
    if (gz > mg * 1024) printf "  gzipped is over the budget by %.1f KiB (%.0f%%)\n", gz / 1024 - mg, (gz / 1024 - mg) * 100 / mg
    if (raw <= mr * 1024 && gz <= mg * 1024) printf "  within the budget\n"
  }'
  (( raw <= MAX_RAW && gz <= MAX_GZ ))
}

sizes() {
  local wasm="$PKG/${NAME}_bg.wasm" over=0
  [[ -f "$wasm" ]] || die "no $wasm: run bash build.sh first"
  budget_line "wasm size" "$wasm" || over=1
  local edge="$PKG/edge/${NAME}_edge_bg.wasm"
  if [[ -f "$edge" ]]; then
    budget_line "edge module (crm-policy/edge, read-only)" "$edge" || true
  fi
  local demo="$PKG/${NAME}_demo_bg.wasm"
  if [[ -f "$demo" ]]; then
    printf 'demo module (crm-policy/demo, generateDemo only): %d bytes raw, %d bytes gzip -9\n' \
      "$(wc -c < "$demo")" "$(gzip -9 -c "$demo" | wc -c)"
  fi
  local js=0 f
  for f in "$PKG"/*.js "$PKG"/*.mjs "$PKG"/*.cjs; do js=$((js + $(wc -c < "$f"))); done
  printf 'js glue and entries: %d bytes in all\n' "$js"
  if (( over )); then
    log "WARNING: the .wasm is over its size budget (see README: the budget is not met yet)"
    if [[ "${CRM_POLICY_STRICT_SIZE:-0}" == 1 ]]; then
      die "over the size budget (CRM_POLICY_STRICT_SIZE=1)"
    fi
  fi
}

if [[ "${1:-}" == "--sizes" ]]; then
  sizes
  exit 0
fi

# --- tools ------------------------------------------------------------------

command -v cargo >/dev/null || die "cargo not found"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
command -v gzip >/dev/null || die "gzip not found"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The exact wasm-bindgen version of Cargo.lock (the CLI must match the crate).
if [[ ! -f Cargo.lock ]]; then
  cargo generate-lockfile
fi
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[[ -n "$WB_VERSION" ]] || die "wasm-bindgen not found in Cargo.lock"
WASM_BINDGEN="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
if ! { [[ -x "$WASM_BINDGEN" ]] && [[ "$("$WASM_BINDGEN" --version)" == "wasm-bindgen $WB_VERSION" ]]; }; then
  log "cargo install wasm-bindgen-cli --version $WB_VERSION"
  # --locked first; if the registry lacks a version the CLI's own lock file
  # names (seen with webpki-roots), fall back to a fresh resolution.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked --force ||
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# Dev tools from npm (binaryen's wasm-opt, typescript, workerd, deno, playwright-core).
# Exact versions are pinned in package.json; the lock file names no registry, so it is
# not authoritative (npm ci would refuse it): install from package.json.
need_npm=0
for tool in wasm-opt tsc workerd deno; do
  [[ -x "node_modules/.bin/$tool" ]] || need_npm=1
done
[[ -d node_modules/playwright-core ]] || need_npm=1
if (( need_npm )); then
  log "npm install (dev tools)"
  npm install --no-audit --no-fund --package-lock=false
fi
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[[ -x "$WASM_OPT" ]] || die "wasm-opt missing from node_modules/.bin (npm package binaryen)"

# --- compile ----------------------------------------------------------------

# opt-level "z" (size) for the wasm build unless the caller says otherwise: about 20%
# smaller than "s" for this crate (see the size budget below).
# --no-default-features: without the `serde` feature (serde's derives for Rust users), so
# serde is not in the module at all; JSON is read by src/json_read.rs, written by src/json.rs.
if cargo tree --target wasm32-unknown-unknown -e normal --no-default-features --prefix none |
  grep -q '^serde'; then
  die "serde is a dependency of the wasm build (cargo tree --target wasm32-unknown-unknown -e normal --no-default-features)"
fi
# Panic locations name their source files: without the registry's absolute path (a few
# hundred bytes of the module, and the .wasm no longer depends on where CARGO_HOME is).
remap=""
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [[ -d "$dir" ]] && remap+="--remap-path-prefix=$dir= "
done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} $remap"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
RAW_WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm/$NAME.wasm"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One module: cargo build with the given features (none, or --features X), then
# wasm-bindgen for each target into $WORK/<prefix><target>, named <out>; every target
# must get the same .wasm as web (one shared .wasm per module is assumed).
build_module() {
  local prefix=$1 out=$2 features=$3 target
  shift 3
  log "cargo build --lib --target wasm32-unknown-unknown --profile wasm --no-default-features $features"
  # shellcheck disable=SC2086 # (features: empty or two words)
  cargo build --lib --target wasm32-unknown-unknown --profile wasm --no-default-features $features
  [[ -f "$RAW_WASM" ]] || die "no $RAW_WASM"
  for target in "$@"; do
    "$WASM_BINDGEN" --target "$target" --out-dir "$WORK/$prefix$target" --out-name "$out" "$RAW_WASM"
  done
  for target in "${@:2}"; do
    cmp -s "$WORK/${prefix}web/${out}_bg.wasm" "$WORK/$prefix$target/${out}_bg.wasm" ||
      die "wasm-bindgen emitted a different $out .wasm for --target $target; one shared .wasm is assumed"
  done
}

build_module "" "$NAME" "" web bundler nodejs
# The read-only engine: the same crate with --features edge, without the changes
# (validateChanges, simulate, apply, undo, redo, history), for edge functions and front
# ends that only decide; shipped as the entry `crm-policy/edge` (pkg/edge/).
build_module edge- "${NAME}_edge" "--features edge" web bundler nodejs
# The demo module: the same crate with --features demo-module exports only generateDemo()
# (the playground's deterministic demo org), so the generator and its name catalogues
# stay out of crm_policy_bg.wasm. Shipped as the separate entry `crm-policy/demo`.
build_module demo- "${NAME}_demo" "--features demo-module" web nodejs

# --- assemble pkg/ ----------------------------------------------------------

rm -rf "$PKG"
mkdir -p "$PKG"

# The JS class PolicyError: wasm-bindgen copied it as a snippet; the package
# ships it once at the top level (ESM) plus a CommonJS twin.
cp "$TEMPLATE/policy-error.js" "$PKG/policy-error.js"
sed -e 's/^export class PolicyError/class PolicyError/' "$TEMPLATE/policy-error.js" > "$PKG/policy-error.cjs"
printf '\nmodule.exports = { PolicyError };\n' >> "$PKG/policy-error.cjs"

cp "$WORK/web/$NAME.js" "$PKG/$NAME.js"                 # web glue: init() / initSync({ module })
cp "$WORK/bundler/${NAME}_bg.js" "$PKG/${NAME}_bg.js"   # glue for wasm ESM integration (Deno)
cp "$WORK/nodejs/$NAME.js" "$PKG/node.cjs"              # CommonJS glue, loads the wasm synchronously
mkdir -p "$PKG/edge"                                    # the same three for crm-policy/edge
cp "$WORK/edge-web/${NAME}_edge.js" "$PKG/edge/${NAME}_edge.js"
cp "$WORK/edge-bundler/${NAME}_edge_bg.js" "$PKG/edge/${NAME}_edge_bg.js"
cp "$WORK/edge-nodejs/${NAME}_edge.js" "$PKG/edge/node.cjs"

# Patch the generated glue (checked: each pattern must match):
#  - the snippet import points at the shipped policy-error module;
#  - a freed (or never created) Org throws a clear Error instead of wasm-bindgen's
#    "null pointer passed to rust"; a second free() is a no-op;
#  - pkg-template/glue-append.js is appended: that Error, and the JS fast paths of
#    check / rights / checkMany (typed arguments go to wasm without call-backs);
#  - in pkg/edge/, the PolicyError module is the top level's (one class for both entries),
#    and pkg-template/edge-append.js is appended too: the left-out methods throw.
GLUE_APPEND="$TEMPLATE/glue-append.js" EDGE_APPEND="$TEMPLATE/edge-append.js" node - \
  "$PKG/$NAME.js" "$PKG/${NAME}_bg.js" "$PKG/node.cjs" \
  "$PKG/edge/${NAME}_edge.js" "$PKG/edge/${NAME}_edge_bg.js" "$PKG/edge/node.cjs" <<'EOF'
const fs = require("node:fs");
const path = require("node:path");
for (const file of process.argv.slice(2)) {
  let s = fs.readFileSync(file, "utf8");
  const cjs = file.endsWith(".cjs");
  const edge = path.basename(path.dirname(file)) === "edge";
  const up = edge ? "../" : "./";
  const count = (re) => (s.match(re) || []).length;
  const snippet = cjs
    ? /require\(String\.raw`\.\/snippets\/[^`]*\/pkg-template\/policy-error\.js`\)/g
    : /from '\.\/snippets\/[^']*\/pkg-template\/policy-error\.js'/g;
  if (count(snippet) !== 1) throw new Error(`${file}: expected one policy-error snippet import`);
  s = s.replace(snippet, cjs ? `require("${up}policy-error.cjs")` : `from '${up}policy-error.js'`);
  const live = /wasm\.org_(\w+)\(this\.__wbg_ptr\b/g;
  if (count(live) < (edge ? 12 : 18)) throw new Error(`${file}: expected the Org methods to pass this.__wbg_ptr`);
  s = s.replace(live, "wasm.org_$1(__crmPolicyLive(this)");
  const free = /wasm\.__wbg_org_free\(ptr, 0\);/g;
  if (count(free) !== 1) throw new Error(`${file}: expected one Org free() call`);
  s = s.replace(free, "if (ptr !== 0) wasm.__wbg_org_free(ptr, 0);");
  if (/snippets\//.test(s)) throw new Error(`${file}: a snippet path is left`);
  // Long strings (a snapshot as JSON text) go to wasm by one encodeInto call instead of
  // wasm-bindgen's loop over every character (about a second for a 160 MB snapshot).
  const pass = /(function passStringToWasm0\(arg, malloc, realloc\) \{\n)/g;
  if (count(pass) !== 1) throw new Error(`${file}: expected one passStringToWasm0`);
  s = s.replace(pass, "$1    if (realloc !== undefined && arg.length > 4096) return __crmPassLongString(arg, malloc, realloc);\n");
  for (const m of ["check", "__checkManyBulk",
                   "__checkScratch", "static __scratchPtr"]) {
    if (!new RegExp(`^    ${m}\\(`, "m").test(s)) throw new Error(`${file}: no Org method ${m}`);
  }
  if (!/^function getUint8ArrayMemory0\(\)/m.test(s)) throw new Error(`${file}: no getUint8ArrayMemory0 (used by the fast paths)`);
  s += fs.readFileSync(process.env.GLUE_APPEND, "utf8");
  const changes = /^    (validateChanges|simulate|apply|undo|redo|history)\(/gm;
  if (count(changes) !== (edge ? 0 : 6)) throw new Error(`${file}: expected ${edge ? "none" : "all six"} of the change methods`);
  if (edge) s += fs.readFileSync(process.env.EDGE_APPEND, "utf8");
  fs.writeFileSync(file, s);
}
EOF
for up in . ..; do
  cjs="$PKG/node.cjs"
  [[ "$up" == . ]] || cjs="$PKG/edge/node.cjs"
  cat >> "$cjs" <<EOF

exports.PolicyError = require("$up/policy-error.cjs").PolicyError;
/** The wasm is already loaded: init() and initSync() do nothing (kept for code shared with browsers). */
exports.init = async function init() {};
exports.initSync = function initSync() {};
exports.default = exports.init;
EOF
done

# The demo entry: web glue (init() first), Node import and require.
cp "$WORK/demo-web/${NAME}_demo.js" "$PKG/${NAME}_demo.js"
cp "$WORK/demo-nodejs/${NAME}_demo.js" "$PKG/demo.cjs"
node - "$PKG/${NAME}_demo.js" "$PKG/demo.cjs" <<'EOF'
const fs = require("node:fs");
for (const file of process.argv.slice(2)) {
  let s = fs.readFileSync(file, "utf8");
  const cjs = file.endsWith(".cjs");
  const snippet = cjs
    ? /require\(String\.raw`\.\/snippets\/[^`]*\/pkg-template\/policy-error\.js`\)/g
    : /from '\.\/snippets\/[^']*\/pkg-template\/policy-error\.js'/g;
  if ((s.match(snippet) || []).length !== 1) throw new Error(`${file}: expected one policy-error snippet import`);
  s = s.replace(snippet, cjs ? 'require("./policy-error.cjs")' : "from './policy-error.js'");
  if (/snippets\//.test(s)) throw new Error(`${file}: a snippet path is left`);
  if (!/generateDemo/.test(s)) throw new Error(`${file}: no generateDemo`);
  if (/\bclass Org\b/.test(s)) throw new Error(`${file}: the demo module exports Org`);
  fs.writeFileSync(file, s);
}
EOF

for f in web.js bundler.js node.mjs workerd.js deno.js index.d.ts demo.mjs demo.d.ts README.md; do
  cp "$TEMPLATE/$f" "$PKG/$f"
done
cp "$TEMPLATE/index.d.ts" "$PKG/index.d.cts"   # the same API, typed for require()
# crm-policy/edge: the same entries, pointing at the edge glue and the top-level PolicyError
for f in web.js bundler.js node.mjs workerd.js deno.js; do
  sed -e "s#\./${NAME}#./${NAME}_edge#g" -e 's#"\./policy-error\.js"#"../policy-error.js"#' \
    -e 's#"crm-policy/web"#"crm-policy/edge"#' "$TEMPLATE/$f" > "$PKG/edge/$f"
  grep -q "${NAME}_edge" "$PKG/edge/$f" || die "edge/$f does not load the edge glue"
  if grep -q '"\./policy-error' "$PKG/edge/$f"; then die "edge/$f imports a second PolicyError"; fi
done
cp "$TEMPLATE/edge.d.ts" "$PKG/edge/index.d.ts"
sed -e 's#"\.\./index\.js"#"../index.cjs"#g' "$TEMPLATE/edge.d.ts" > "$PKG/edge/index.d.cts"

# One optimised .wasm for every entry point.
# --converge repeats -Oz while it still shrinks the module (about 1 KB here);
# --zero-filled-memory is true of a module-defined memory (wasm-bindgen's);
# --low-memory-unused lets binaryen fold `p + c` (c < 1024) into a load/store offset,
# which differs only when p + c wraps past 4 GiB (never for a valid Rust pointer; the
# low KiB is the far end of the 1 MiB stack): 3.9 KB raw, 0.8 KB gzipped;
# --flatten --rereloop between two -Oz rounds rebuilds the control flow (Relooper) for
# the second round: 5.1 KB raw, 1.2 KB gzipped (check/checkMany/fromBytes times within noise);
# the same again once converged: 0.35 KB raw, 0.44 KB gzipped.
# --no-inline='*::tier_*': the bulk loaders' hot loops run in calls of functions named
# tier_* (src/state.rs, TIER): V8 switches a wasm function to optimised code only at its
# next call, and wasm-opt would inline those functions into their one caller.
# A last -Oz still finds 0.4 KB raw / 0.2 KB gzipped after the converged rounds;
# --reorder-functions-by-name then lays the functions out by their names. The names of
# the demo and edge modules are their (demangled) Rust paths, so that a module's functions
# sit together and gzip finds their likenesses within its window: −0.7 KB raw, −2.0 KB
# gzipped (by call count instead, --reorder-functions: −3.1 KB raw but +2.9 KB gzipped).
# The full engine's functions are renamed first by order_functions (below): greedily, each
# next function is the one that deflates smallest after the 32 KiB laid out before it,
# −2.1 KB gzipped more (+0.8 KB raw: other call indexes take two LEB bytes), ~80 s.
# The order changes nothing at run time.
OPT_PASSES=(--no-inline='*::tier_*' -Oz --flatten --rereloop -Oz --converge --flatten --rereloop -Oz --converge
  -Oz)
FEATURES=(--zero-filled-memory --low-memory-unused --enable-reference-types --enable-multivalue
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals)

# order_functions IN OUT: rename IN's functions f00000, f00001, … in the greedy order above.
order_functions() {
  node - "$1" "$2" <<'EOF'
const fs = require("node:fs");
const zlib = require("node:zlib");
const [input, output] = process.argv.slice(2);
const b = fs.readFileSync(input);
let i = 8;
const leb = () => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
const skip = () => { const n = leb(); i += n; };
const put = (v) => { const o = []; do { const x = v & 0x7f; v = Math.floor(v / 128); o.push(v ? x | 0x80 : x); } while (v); return Buffer.from(o); };
const kept = []; let imports = 0, bodies = null;
while (i < b.length) {
  const start = i, id = b[i++], len = leb(), end = i + len;
  if (id === 0) {
    const n = leb();
    if (b.toString("utf8", i, i + n) === "name") { i = end; continue; } // written anew below
  } else if (id === 2) { // imports: count the functions
    for (let k = leb(); k > 0; k--) {
      skip(); skip();
      const kind = b[i++];
      if (kind === 0) { leb(); imports++; }
      else if (kind === 1 || kind === 2) { if (kind === 1) i++; const flags = leb(); leb(); if (flags & 1) leb(); }
      else if (kind === 3) i += 2;
      else throw new Error(`${input}: import kind ${kind}`);
    }
  } else if (id === 10) {
    bodies = [];
    for (let k = leb(); k > 0; k--) { const n = leb(); bodies.push(b.subarray(i, i + n)); i += n; }
  }
  if (i > end) throw new Error(`${input}: section ${id} overruns`);
  kept.push(b.subarray(start, end));
  i = end;
}
if (!bodies) throw new Error(`${input}: no code section`);
const deflated = (x, dictionary) =>
  zlib.deflateRawSync(x, { level: 9, memLevel: 9, ...(dictionary ? { dictionary } : {}) }).length;
const alone = bodies.map((x) => deflated(x));
const WINDOW = 32768;
let cur = 0;
bodies.forEach((x, k) => { if (x.length > bodies[cur].length) cur = k; });
const left = new Set(bodies.keys());
const order = [cur];
left.delete(cur);
let window = Buffer.from(bodies[cur].subarray(-WINDOW));
while (left.size) {
  let best = -1, cost = Infinity;
  for (const k of left) {
    const c = deflated(bodies[k], window) - alone[k];
    if (c < cost) { cost = c; best = k; }
  }
  order.push(best);
  left.delete(best);
  window = Buffer.concat([window, bodies[best]]);
  if (window.length > WINDOW) window = window.subarray(window.length - WINDOW);
}
const rank = [];
order.forEach((f, r) => { rank[f] = r; });
const entries = [put(imports + bodies.length)];
for (let f = 0; f < imports + bodies.length; f++) {
  const name = Buffer.from(f < imports ? `import${f}` : `f${String(rank[f - imports]).padStart(5, "0")}`);
  entries.push(put(f), put(name.length), name);
}
const names = Buffer.concat(entries);
const payload = Buffer.concat([put(4), Buffer.from("name"), Buffer.from([1]), put(names.length), names]);
fs.writeFileSync(output, Buffer.concat([b.subarray(0, 8), ...kept, Buffer.from([0]), put(payload.length), payload]));
EOF
}

log "wasm-opt ${OPT_PASSES[*]}"
for pair in "web/${NAME}_bg.wasm:${NAME}_bg.wasm" "demo-web/${NAME}_demo_bg.wasm:${NAME}_demo_bg.wasm" \
            "edge-web/${NAME}_edge_bg.wasm:edge/${NAME}_edge_bg.wasm"; do
  if [[ "${pair#*:}" == "${NAME}_bg.wasm" ]]; then
    "$WASM_OPT" "${OPT_PASSES[@]}" "${FEATURES[@]}" "$WORK/${pair%%:*}" -o "$WORK/opt.wasm"
    log "order_functions ${pair#*:}"
    order_functions "$WORK/opt.wasm" "$WORK/named.wasm"
    "$WASM_OPT" --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features "${FEATURES[@]}" \
      "$WORK/named.wasm" -o "$PKG/${pair#*:}"
  else
    "$WASM_OPT" "${OPT_PASSES[@]}" --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features \
      "${FEATURES[@]}" "$WORK/${pair%%:*}" -o "$PKG/${pair#*:}"
  fi
done

# The wasm's imports by short names: wasm-bindgen names each JS function the module
# imports after the function and a 16-digit hash (`__wbg_get_2080c49015e35254`), some 40
# bytes of which the hash does not compress; each is renamed `_$0`, `_$1`, … (in import
# order) in the .wasm and in every glue file of that module, where the old name stands
# as a whole word (an object key, an export). −0.7 KB raw, −0.3 KB gzipped. A glue file
# that already holds a new name, or an old name found in none of them, is an error.
short_imports() {
  node - "$@" <<'EOF_SHORT'
const fs = require("node:fs");
const [wasmFile, ...glues] = process.argv.slice(2);
const b = fs.readFileSync(wasmFile);
let i = 8;
const leb = () => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
const put = (v) => { const o = []; do { const x = v & 0x7f; v = Math.floor(v / 128); o.push(v ? x | 0x80 : x); } while (v); return Buffer.from(o); };
const str = (s) => { const x = Buffer.from(s); return Buffer.concat([put(x.length), x]); };
const out = [b.subarray(0, 8)];
const renamed = new Map();
while (i < b.length) {
  const start = i, id = b[i++], len = leb(), end = i + len;
  if (id !== 2) { out.push(b.subarray(start, end)); i = end; continue; }
  const items = [];
  for (let k = leb(); k > 0; k--) {
    const m = b.toString("utf8", i + 1, i + 1 + b[i]); // (module names are short: one-byte length)
    const mlen = leb(); i += mlen;
    const nlen = leb(); const name = b.toString("utf8", i, i + nlen); i += nlen;
    const descStart = i, kind = b[i++];
    if (kind === 0) leb();
    else if (kind === 1 || kind === 2) { if (kind === 1) i++; const flags = leb(); leb(); if (flags & 1) leb(); }
    else if (kind === 3) i += 2;
    else throw new Error(`${wasmFile}: import kind ${kind}`);
    let next = name;
    if (m.endsWith("_bg.js")) {
      next = `_$${renamed.size.toString(36)}`;
      renamed.set(name, next);
    }
    items.push(Buffer.concat([str(m), str(next), b.subarray(descStart, i)]));
  }
  if (i !== end) throw new Error(`${wasmFile}: the import section does not add up`);
  const body = Buffer.concat([put(items.length), ...items]);
  out.push(Buffer.from([2]), put(body.length), body);
}
const texts = glues.map((f) => fs.readFileSync(f, "utf8"));
for (const next of renamed.values()) {
  for (const [k, t] of texts.entries()) if (t.includes(next)) throw new Error(`${glues[k]} already holds ${next}`);
}
const word = (name) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
for (const [name, next] of renamed) {
  let found = 0;
  for (const [k, t] of texts.entries()) {
    const re = word(name);
    found += (t.match(re) || []).length;
    texts[k] = t.replace(re, next);
  }
  if (found === 0) throw new Error(`${wasmFile}: the import ${name} is in no glue file`);
}
texts.forEach((t, k) => fs.writeFileSync(glues[k], t));
fs.writeFileSync(wasmFile, Buffer.concat(out));
EOF_SHORT
}
short_imports "$PKG/${NAME}_bg.wasm" "$PKG/$NAME.js" "$PKG/${NAME}_bg.js" "$PKG/node.cjs"
short_imports "$PKG/edge/${NAME}_edge_bg.wasm" "$PKG/edge/${NAME}_edge.js" "$PKG/edge/${NAME}_edge_bg.js" "$PKG/edge/node.cjs"
short_imports "$PKG/${NAME}_demo_bg.wasm" "$PKG/${NAME}_demo.js" "$PKG/demo.cjs"

# package.json: the template with the crate's version.
VERSION=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
node - "$TEMPLATE/package.json" "$PKG/package.json" "$VERSION" <<'EOF'
const fs = require("node:fs");
const [from, to, version] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(from, "utf8"));
pkg.version = version;
for (const f of pkg.files) {
  if (!fs.existsSync(require("node:path").join(require("node:path").dirname(to), f))) {
    throw new Error(`package.json files lists ${f}, which build.sh did not produce`);
  }
}
fs.writeFileSync(to, JSON.stringify(pkg, null, 2) + "\n");
EOF

# Every shipped file is listed in package.json "files" (and nothing else is in pkg/).
node -e '
const fs = require("node:fs");
const pkg = JSON.parse(fs.readFileSync(process.argv[1] + "/package.json", "utf8"));
const listed = new Set([...pkg.files, "package.json"]);
const extra = fs.readdirSync(process.argv[1], { recursive: true })
  .filter((f) => !fs.statSync(process.argv[1] + "/" + f).isDirectory() && !listed.has(f));
if (extra.length) { console.error("pkg/ holds files not in package.json files:", extra); process.exit(1); }
' "$PKG"

log "pkg/ assembled: $(ls "$PKG" | tr '\n' ' ')"
sizes
