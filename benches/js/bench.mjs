// JS benchmark of the npm package (not a test): on the generated 10,000-user /
// 1,000,000-record org, measures fromBytes, fromJSON, single check() latency,
// checkMany() throughput and simulate() of 500 moves through the wasm build.
//
//   bash build.sh && node benches/js/bench.mjs [--dir target/bench-org] [--requests 1000000]
//                                              [--single 200000] [--repeat 3] [--pkg pkg] [--edge]
//
// --edge measures the read-only engine, crm-policy/edge (pkg/edge/), without simulate.
//
// The org is generated natively (examples/gen_org.rs) when DIR/org.bin is missing.
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const DIR = path.resolve(ROOT, opt("--dir", "target/bench-org"));
const REQUESTS = Number(opt("--requests", "1000000"));
const SINGLE = Number(opt("--single", "200000"));
const REPEAT = Number(opt("--repeat", "3"));
const PKG = path.resolve(ROOT, opt("--pkg", "pkg"));
const EDGE = args.includes("--edge");

if (!existsSync(path.join(PKG, "package.json"))) {
  console.error(`bench: ${PKG} has no package; run bash build.sh first`);
  process.exit(1);
}
// Import the package as a user does (the Node ESM entry, chosen by the exports map).
const { Org } = await import(pathToFileURL(path.join(PKG, EDGE ? "edge/node.mjs" : "node.mjs")).href);
console.log(`package: ${path.relative(ROOT, PKG) || "."}${EDGE ? " (crm-policy/edge, the read-only engine)" : ""}`);

if (!existsSync(path.join(DIR, "org.bin")) || !existsSync(path.join(DIR, "org.json"))) {
  console.log(`bench: generating the org into ${path.relative(ROOT, DIR)} (cargo run --release --example gen_org)`);
  const r = spawnSync("cargo", ["run", "--release", "--quiet", "--example", "gen_org", "--", "--out", DIR, ...(args.includes("--size") ? ["--size", opt("--size")] : [])], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bytes = readFileSync(path.join(DIR, "org.bin"));
const json = readFileSync(path.join(DIR, "org.json"), "utf8");
const MB = (n) => (n / 1e6).toFixed(1) + " MB";
console.log(`org: org.bin ${MB(bytes.length)}, org.json ${MB(json.length)}`);

const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmtMs = (ms) => (ms >= 1000 ? (ms / 1000).toFixed(2) + " s" : ms.toFixed(1) + " ms");

// --- loading ------------------------------------------------------------------
const timeLoad = (label, load) => {
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = now();
    const org = load();
    times.push(now() - t0);
    org.free();
  }
  console.log(`${label.padEnd(24)} median ${fmtMs(median(times))} (of ${REPEAT}: ${times.map(fmtMs).join(", ")})`);
  return median(times);
};
// (the parsed snapshot stays in the JS heap, as in the playground: a garbage collection
// then costs what it costs there)
const snap = JSON.parse(json);
const fromBytesMs = timeLoad("fromBytes(Uint8Array)", () => Org.fromBytes(bytes));

// simulate(): 500 users moved to other business units, the playground's heavy case; the
// first run apart (it grows the wasm memory, see headroom() in src/wasm.rs). Not in
// crm-policy/edge, which has no changes.
const sim = EDGE ? null : (() => {
  const moved = snap.users.filter((u) => u.manager !== null && !u.disabled);
  const units = [...new Set(snap.users.map((u) => u.businessUnit))];
  const moves = [];
  for (let i = 0; moves.length < 500 && i < moved.length; i++) {
    const u = moved[(i * 7919) % moved.length]; // every user once (7919 is prime)
    const to = units[(i * 104729) % units.length];
    if (to !== u.businessUnit) moves.push({ op: "moveUser", user: u.id, businessUnit: to });
  }
  const simOrg = Org.fromBytes(bytes);
  const simTimes = [];
  for (let i = 0; i <= REPEAT; i++) {
    const t0 = now();
    simOrg.simulate(moves);
    simTimes.push(now() - t0);
  }
  simOrg.free();
  const first = simTimes[0];
  const later = median(simTimes.slice(1));
  console.log(`simulate(${moves.length} moves)     first ${fmtMs(first)}, then median ${fmtMs(later)} (of ${REPEAT}: ${simTimes.slice(1).map(fmtMs).join(", ")})`);
  return { first, later };
})();

const fromJSONMs = timeLoad("fromJSON(string)", () => Org.fromJSON(json));

// --- requests -----------------------------------------------------------------
const users = snap.users.map((u) => u.id);
const records = snap.records.map((r) => r.id);
console.log(`users ${users.length}, records ${records.length}`);
let seed = 0x2545f491;
const rand = (n) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const RIGHTS = ["read", "write", "delete", "append", "appendTo", "assign", "share", "create"];
const makeRequests = (n) => Array.from({ length: n }, () => [users[rand(users.length)], RIGHTS[rand(RIGHTS.length)], records[rand(records.length)]]);

const org = Org.fromBytes(bytes);

// single check(): per-call latency, in batches to keep timer overhead out
const single = makeRequests(SINGLE);
for (let i = 0; i < Math.min(20000, SINGLE); i++) org.check(...single[i]); // warm up
const BATCH = 1000;
const perCall = [];
let allowed = 0;
for (let b = 0; b + BATCH <= single.length; b += BATCH) {
  const t0 = now();
  for (let i = b; i < b + BATCH; i++) {
    const [u, r, rec] = single[i];
    if (org.check(u, r, rec)) allowed++;
  }
  perCall.push(((now() - t0) * 1e6) / BATCH); // ns per call
}
const checkNs = median(perCall);
console.log(`check()                  median ${checkNs.toFixed(0)} ns per call (batches of ${BATCH}; ${(100 * allowed / single.length).toFixed(1)}% allowed)`);

// checkMany(): throughput, the median of REPEAT calls over `requests` (after a warm-up on
// their first 10,000); prints `label` and returns the checks per second.
const timeCheckMany = (label, requests) => {
  org.checkMany(requests.slice(0, 10000)); // warm up
  const times = [];
  let ones = 0;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = now();
    const out = org.checkMany(requests);
    times.push(now() - t0);
    if (i === 0) for (const d of out) ones += d;
  }
  const ms = median(times);
  const n = requests.length;
  console.log(`${label.padEnd(24)} median ${fmtMs(ms)} -> ${(n / ms / 1000).toFixed(2)} M checks/s, ${((ms * 1e6) / n).toFixed(0)} ns per check (${(100 * ones / n).toFixed(1)}% allowed)`);
  return n / (ms / 1000);
};
const many = makeRequests(REQUESTS);
const perSec = timeCheckMany(`checkMany(${REQUESTS})`, many);
// For one user (a front end filtering a list for the signed-in user): the same records and
// rights, every request by the first user. For comparison only; the figure the target is
// about is the one above, with a random user per request.
const onePerSec = timeCheckMany("checkMany, one user", many.map(([, right, record]) => [users[0], right, record]));

const rss = process.memoryUsage();
console.log(`memory: rss ${MB(rss.rss)}, array buffers (incl. wasm) ${MB(rss.arrayBuffers)}`);
org.free();

console.log("\nsummary");
console.log(JSON.stringify({
  users: users.length,
  records: records.length,
  fromBytesMs: Math.round(fromBytesMs),
  fromJSONMs: Math.round(fromJSONMs),
  checkMedianNs: Math.round(checkNs),
  checkManyPerSecond: Math.round(perSec),
  checkManyOneUserPerSecond: Math.round(onePerSec),
  ...(sim ? { simulateFirstMs: Math.round(sim.first), simulateMs: Math.round(sim.later) } : { entry: "crm-policy/edge" }),
}, null, 2));
