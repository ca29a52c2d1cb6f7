// Node side of the comparison (benches/compare/README.md): one engine per process, so
// that memory figures belong to that engine alone.
//
//   node --expose-gc bench.mjs --engine crm|cedar|casbin --dir DATA_DIR [--bin restricted.bin]
//        [--pkg ../../pkg] [--max N] [--out FILE]
//
// DATA_DIR is written by `crm-policy-compare prepare` (benches/compare). Everything an
// engine needs per request (Cedar entity slices, Casbin attribute objects, call objects)
// is built before the clock starts. Prints one JSON object (also written to --out).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const ENGINE = opt("--engine", "crm");
const DIR = path.resolve(opt("--dir", "."));
const PKG = path.resolve(HERE, opt("--pkg", "../../pkg"));
const MAX = Number(opt("--max", "1000000000"));
const REPEAT = Number(opt("--repeat", "3"));
const OUT = opt("--out", null);

const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const gc = () => {
  if (globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
};
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
};
const delta = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
const fileSizes = (file) => {
  const raw = readFileSync(file);
  return { raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
};

const BATCH = 100;
/** Median ns per call over batches of BATCH calls, the time of the whole pass, the decisions as a "0101" string. */
function latency(n, f) {
  const per = [];
  let bits = "";
  let total = 0;
  for (let b = 0; b < n; b += BATCH) {
    const end = Math.min(b + BATCH, n);
    let s = "";
    const t0 = now();
    for (let i = b; i < end; i++) s += f(i) ? "1" : "0";
    const ms = now() - t0;
    total += ms;
    per.push((ms * 1e6) / (end - b));
    bits += s;
  }
  return { ns: median(per), bits, totalMs: total };
}

const reqFile = JSON.parse(readFileSync(path.join(DIR, "requests.json"), "utf8"));
const N = Math.min(reqFile.requests.length, MAX);
const requests = reqFile.requests.slice(0, N);
const expected = reqFile.crm.slice(0, N);
const result = { engine: ENGINE, dir: DIR, requests: N, node: process.version };
const base = mem();
// the table of request i (set by the cedar and casbin branches), to group disagreements by rule
let tableOf = () => "?";

if (ENGINE === "crm") {
  const pkgJson = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));
  const entry = pkgJson.exports["."].node.import.default; // "./node.mjs"
  const { Org } = await import(pathToFileURL(path.join(PKG, entry)).href);
  result.wasm = fileSizes(path.join(PKG, "crm_policy_bg.wasm"));
  // the read-only engine, crm-policy/edge: what a front end or an edge function ships
  const edgeWasm = path.join(PKG, "edge/crm_policy_edge_bg.wasm");
  if (existsSync(edgeWasm)) result.edgeWasm = fileSizes(edgeWasm);
  const bin = opt("--bin", "restricted.bin");
  const bytes = readFileSync(path.join(DIR, bin));
  result.bin = bin;
  result.binBytes = bytes.length;
  const before = mem();
  let t0 = now();
  let org;
  try {
    org = Org.fromBytes(bytes);
  } catch (e) {
    result.loadError = `${e.code ?? ""} ${e.message}`;
    result.loadFailedAfterMs = now() - t0;
    result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
    finish();
  }
  result.loadMs = now() - t0;
  result.memory = delta(before, mem());
  const [us, rs, recs] = [requests.map((r) => r[0]), requests.map((r) => r[1]), requests.map((r) => r[2])];
  latency(Math.min(N, 5000), (i) => org.check(us[i], rs[i], recs[i])); // warm up
  const single = latency(N, (i) => org.check(us[i], rs[i], recs[i]));
  result.checkNs = single.ns;
  const times = [];
  let out;
  // warm up as check() was: V8 starts wasm in its baseline compiler and the glue in its
  // interpreter, and tiers both up only once they are hot (a cold call of 10,000 requests
  // ran 2-7x slower than a warm one)
  for (let k = 0; k < 5; k++) org.checkMany(requests);
  for (let k = 0; k < REPEAT; k++) {
    t0 = now();
    out = org.checkMany(requests);
    times.push(now() - t0);
  }
  result.throughputPerSec = N / (median(times) / 1000);
  let bits = "";
  for (const d of out) bits += d ? "1" : "0";
  result.decisions = bits;
  result.singleEqualsMany = single.bits === bits;
  if (bin === "restricted.bin") result.mismatchWithNative = [...bits].filter((c, i) => c !== expected[i]).length;
} else if (ENGINE === "cedar") {
  const cedar = await import("@cedar-policy/cedar-wasm/nodejs");
  const wasmPath = path.join(HERE, "node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm");
  result.wasm = fileSizes(wasmPath);
  result.version = cedar.getCedarVersion();
  const policies = readFileSync(path.join(DIR, "cedar.policies"), "utf8");
  const before = mem();
  let t0 = now();
  const answer = cedar.preparsePolicySet("crm", { staticPolicies: policies });
  if (answer.type !== "success") throw new Error("preparsePolicySet: " + JSON.stringify(answer.errors));
  result.loadMs = now() - t0;
  // Per-request entity slices and call objects, before timing.
  const beforeSlices = mem();
  t0 = now();
  const slices = JSON.parse(readFileSync(path.join(DIR, "cedar-slices.json"), "utf8")).slice(0, N);
  const calls = requests.map(([u, r, rec], i) => ({
    principal: { type: "User", id: u },
    action: { type: "Action", id: r },
    resource: { type: slices[i][slices[i].length - 1].uid.type, id: rec },
    context: {},
    preparsedPolicySetId: "crm",
    entities: slices[i],
  }));
  result.sliceBuildMs = now() - t0;
  tableOf = (i) => slices[i][slices[i].length - 1].uid.type.toLowerCase();
  result.memory = delta(before, mem());
  result.slicesMemory = delta(beforeSlices, mem());
  let errors = 0;
  const decide = (i) => {
    const a = cedar.statefulIsAuthorized(calls[i]);
    if (a.type !== "success") throw new Error("statefulIsAuthorized: " + JSON.stringify(a.errors));
    if (a.response.diagnostics.errors.length) errors++;
    return a.response.decision === "allow";
  };
  latency(Math.min(N, 500), decide); // warm up
  errors = 0;
  const single = latency(N, decide);
  result.checkNs = single.ns;
  // no batch call: throughput is the loop of single calls
  result.throughputPerSec = N / (single.totalMs / 1000);
  result.decisions = single.bits;
  result.evaluationErrors = errors;
} else if (ENGINE === "casbin") {
  const casbin = await import("casbin");
  result.version = JSON.parse(readFileSync(path.join(HERE, "node_modules/casbin/package.json"), "utf8")).version;
  const conf = readFileSync(path.join(DIR, "casbin.conf"), "utf8");
  const csv = readFileSync(path.join(DIR, "casbin.csv"), "utf8");
  const before = mem();
  let t0 = now();
  const e = await casbin.newEnforcer(casbin.newModelFromString(conf), new casbin.StringAdapter(csv));
  const teams = e.getNamedRoleManager("g2");
  // shares: the user, or a team it belongs to (a g2 link), holds a share with the right
  e.addFunction("shared", (user, sh, act) => {
    const list = act !== "create" && sh ? sh[act] : undefined;
    if (!list) return false;
    for (const p of list) if (p === user || teams.syncedHasLink(user, p)) return true;
    return false;
  });
  result.loadMs = now() - t0;
  result.memory = delta(before, mem());
  const creqs = JSON.parse(readFileSync(path.join(DIR, "casbin-requests.json"), "utf8")).slice(0, N);
  tableOf = (i) => creqs[i][2].table;
  const decide = (i) => e.enforceSync(...creqs[i]);
  latency(Math.min(N, 500), decide); // warm up
  const single = latency(N, decide);
  result.checkNs = single.ns;
  // batchEnforce is async enforce() per request (slower than enforceSync): a loop of enforceSync
  result.throughputPerSec = N / (single.totalMs / 1000);
  result.decisions = single.bits;
} else {
  throw new Error(`unknown engine ${ENGINE}`);
}

if (result.decisions !== undefined && result.bin === "full.bin") {
  // the full org has more rules than the restricted one the expected decisions come from
  result.allowed = [...result.decisions].filter((c) => c === "1").length;
  delete result.decisions;
} else if (result.decisions !== undefined) {
  result.allowed = [...result.decisions].filter((c) => c === "1").length;
  const mism = [];
  for (let i = 0; i < result.decisions.length; i++) if (result.decisions[i] !== expected[i]) mism.push(i);
  result.disagreements = mism.length;
  result.disagreementIndexes = mism.slice(0, 1000);
  // by rule: table / right and crm-policy's decision, with up to 3 example requests
  const byRule = {};
  for (const i of mism) {
    const [u, r, rec] = requests[i];
    const key = `${tableOf(i)}/${r}: crm-policy ${expected[i] === "1" ? "allows" : "denies"}`;
    const g = (byRule[key] ??= { rule: key, count: 0, examples: [] });
    g.count++;
    if (g.examples.length < 3) g.examples.push(`${u} ${r} ${rec}`);
  }
  result.disagreementsByRule = Object.values(byRule);
  delete result.decisions;
}
finish();

function finish() {
  result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  result.totalMemory = delta(base, mem());
  const text = JSON.stringify(result);
  if (OUT) writeFileSync(OUT, text + "\n");
  console.log(text);
  process.exit(0);
}
