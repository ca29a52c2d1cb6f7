// Turn a results directory of benches/compare/run.sh into markdown tables.
//   node report.mjs benches/compare/target/results-<time>
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";

const DIR = process.argv[2];
const load = (name) => {
  const f = path.join(DIR, name);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8"));
  } catch {
    return undefined;
  }
};
const timeOf = (name) => {
  const f = path.join(DIR, name + ".time");
  if (!existsSync(f)) return undefined;
  const last = readFileSync(f, "utf8").trim().split("\n").pop();
  try {
    return JSON.parse(last);
  } catch {
    return undefined;
  }
};
const env = load("env.json") ?? {};

const ns = (v) =>
  v === undefined || !isFinite(v) ? "–" : v >= 1e6 ? (v / 1e6).toFixed(2) + " ms" : v >= 1e3 ? (v / 1e3).toFixed(1) + " µs" : v.toFixed(0) + " ns";
const ms = (v) => (v === undefined || !isFinite(v) ? "–" : v >= 1000 ? (v / 1000).toFixed(2) + " s" : v >= 10 ? v.toFixed(0) + " ms" : v.toFixed(1) + " ms");
const mb = (v) => (v === undefined || !isFinite(v) ? "–" : v >= 1e9 ? (v / 1e9).toFixed(2) + " GB" : (v / 1e6).toFixed(1) + " MB");
const rate = (v) => (v === undefined || !isFinite(v) ? "–" : v >= 1e6 ? (v / 1e6).toFixed(2) + " M/s" : v >= 1e3 ? (v / 1e3).toFixed(1) + " k/s" : v.toFixed(0) + " /s");
const int = (v) => (v === undefined ? "–" : v.toLocaleString("en-US"));
const ratio = (other, base) => {
  if (!isFinite(other) || !isFinite(base) || base <= 0 || other <= 0) return "";
  const r = other / base;
  const f = (x) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(0) : x.toFixed(1));
  return r >= 0.95 ? ` (×${f(r)})` : ` (1/${f(1 / r)})`;
};
// value with its ratio to crm-policy (for throughput the ratio is crm / other: >1 = slower)
const withRatio = (fmt, v, base, inverse = false) => fmt(v) + (v === undefined ? "" : inverse ? ratio(base, v) : ratio(v, base));

const out = [];
const p = (s = "") => out.push(s);
const sizes = env.sizes ?? [];
p(`Run ${env.date ?? "?"} on ${env.cpu ?? "?"} (${env.cores ?? "?"} cores, load average at start ${env.loadAverage ?? "?"}), ${env.rustc ?? ""}, Node ${env.node ?? ""}, commit ${env.commit ?? "?"}.`);
p("Ratios in parentheses are to crm-policy in the same org: ×10 = 10 times slower / bigger (for throughput: 10 times fewer checks per second), 1/10 = ten times faster / smaller.");
p();

// ---- native
p("### Native (Rust, release build): crm-policy vs the cedar-policy crate");
p();
p("| org (users / records) | engine | load | memory | check, median | throughput | disagreements / requests |");
p("|---|---|---|---|---|---|---|");
for (const u of sizes) {
  const info = load(`info-u${u}.json`) ?? {};
  const n = load(`native-u${u}.json`);
  const org = `${int(info.users ?? u)} / ${int(info.records)}`;
  if (!n || n.failed || !n.crm) {
    p(`| ${org} | native run failed | ${(n?.stderr ?? "").slice(-120).replace(/\n/g, " ")} | | | | |`);
    continue;
  }
  const c = n.crm;
  p(`| ${org} | crm-policy | ${ms(c.loadMs)} (fromBytes) | ${mb(c.memoryBytes)} | ${ns(c.checkNs)} | ${rate(c.throughputPerSec)} (check_many) | reference, ${int(info.sample)} requests, ${int(c.allowed)} allowed |`);
  const f = n.cedar?.full;
  if (f) {
    p(`| | Cedar, whole entity store | ${withRatio(ms, f.loadMs, c.loadMs)} (${int(f.entities)} entities from JSON) | ${withRatio(mb, f.memoryBytes, c.memoryBytes)} | ${withRatio(ns, f.checkNs, c.checkNs)} | ${withRatio(rate, f.throughputPerSec, c.throughputPerSec, true)} | ${f.disagreements.total} / ${int(info.sample)} |`);
  }
  const s = n.cedar?.slices;
  if (s) {
    p(`| | Cedar, per-request slices | ${ms(s.loadMs)} (policies only; slices built before timing, ${ns(s.sliceBuildNsPerRequest)} each) | ${mb(s.slicesMemoryBytes)} (the ${int(info.sample)} slices) | ${withRatio(ns, s.checkNs, c.checkNs)} | ${withRatio(rate, s.throughputPerSec, c.throughputPerSec, true)} | ${s.disagreements.total} / ${int(info.sample)} |`);
  }
}
p();

// ---- node
p("### Node: crm-policy (wasm) vs @cedar-policy/cedar-wasm vs casbin");
p();
p("| org (users / records) | engine | load | memory (RSS growth) | check, median | throughput | disagreements / requests |");
p("|---|---|---|---|---|---|---|");
for (const u of sizes) {
  const info = load(`info-u${u}.json`) ?? {};
  const org = `${int(info.users ?? u)} / ${int(info.records)}`;
  const c = load(`node-crm-u${u}.json`);
  let first = true;
  const cell = () => {
    const s = first ? org : "";
    first = false;
    return s;
  };
  if (!c || c.failed || c.loadError) {
    p(`| ${cell()} | crm-policy (wasm) | failed: ${(c?.loadError ?? c?.stderr ?? "no result").slice(-160).replace(/\n/g, " ")} | | | | |`);
  } else {
    p(`| ${cell()} | crm-policy (wasm) | ${ms(c.loadMs)} (fromBytes, ${mb(c.binBytes)}) | ${mb(c.memory.rss)} | ${ns(c.checkNs)} | ${rate(c.throughputPerSec)} (checkMany) | reference (${c.mismatchWithNative ?? "?"} differ from native) |`);
  }
  const cc = c && !c.failed && !c.loadError ? c : {};
  const e = load(`node-cedar-u${u}.json`);
  if (e && !e.failed) {
    p(`| ${cell()} | cedar-wasm ${e.version ?? ""} (stateful) | ${withRatio(ms, e.loadMs, cc.loadMs)} (preparsePolicySet; slices built before timing) | ${mb(e.slicesMemory?.rss)} (the ${int(e.requests)} slices) | ${withRatio(ns, e.checkNs, cc.checkNs)} | ${withRatio(rate, e.throughputPerSec, cc.throughputPerSec, true)} | ${e.disagreements} / ${int(e.requests)}${e.evaluationErrors ? `, ${e.evaluationErrors} evaluation errors` : ""} |`);
  } else {
    p(`| ${cell()} | cedar-wasm | failed: ${(e?.stderr ?? "no result").slice(-160).replace(/\n/g, " ")} | | | | |`);
  }
  const b = load(`node-casbin-u${u}.json`);
  if (b && !b.failed) {
    p(`| ${cell()} | casbin ${b.version ?? ""} | ${withRatio(ms, b.loadMs, cc.loadMs)} (model + ${int(info.casbinPolicyLines)} p + ${int(info.casbinGroupingLines)} g lines) | ${withRatio(mb, b.memory?.rss, cc.memory?.rss)} | ${withRatio(ns, b.checkNs, cc.checkNs)} | ${withRatio(rate, b.throughputPerSec, cc.throughputPerSec, true)} | ${b.disagreements} / ${int(b.requests)} |`);
  } else {
    p(`| ${cell()} | casbin | failed: ${(b?.stderr ?? "no result").slice(-160).replace(/\n/g, " ")} | | | | |`);
  }
}
p();
const anyCrm = sizes.map((u) => load(`node-crm-u${u}.json`)).find((x) => x?.wasm);
const anyCedar = sizes.map((u) => load(`node-cedar-u${u}.json`)).find((x) => x?.wasm);
if (anyCrm || anyCedar) {
  p(`wasm size (raw / gzip -9): crm-policy ${mb(anyCrm?.wasm?.raw)} / ${mb(anyCrm?.wasm?.gzip)}; cedar-wasm ${mb(anyCedar?.wasm?.raw)} / ${mb(anyCedar?.wasm?.gzip)}${anyCrm && anyCedar ? ratio(anyCedar.wasm.raw, anyCrm.wasm.raw) : ""}${anyCrm?.edgeWasm ? `; crm-policy/edge (read-only) ${mb(anyCrm.edgeWasm.raw)} / ${mb(anyCrm.edgeWasm.gzip)}${anyCedar ? ratio(anyCedar.wasm.raw, anyCrm.edgeWasm.raw) : ""}` : ""}; casbin is plain JavaScript (no wasm).`);
  p();
}

// ---- scale
p("### Scale: the full generated org (every rule: hierarchy, inherited shares, access teams, team roles)");
p();
p("| users / records | binary snapshot | native: `from_bytes` | native: memory after / peak | native: check, median | Node: fromBytes | Node: RSS growth / peak RSS | Node: check, median | Node: checkMany |");
p("|---|---|---|---|---|---|---|---|---|");
for (const u of [...sizes, ...(env.probes ?? [])]) {
  const info = load(`info-u${u}.json`) ?? {};
  const n = load(`scale-native-u${u}.json`);
  const j = load(`scale-node-u${u}.json`);
  const jt = timeOf(`scale-node-u${u}.json`);
  const nat = n && !n.failed
    ? [ms(n.loadMs), `${mb(n.memoryBytes)} / ${mb(n.peakBytes)}`, ns(n.checkNs)]
    : ["failed", "", ""];
  let node;
  if (!j || j.failed) {
    node = [`failed${j?.exit === 124 ? " (timeout)" : ""}: ${(j?.stderr ?? "no result").slice(-160).replace(/\n/g, " ")}`, jt ? `– / ${mb(jt.maxRssKB * 1024)}` : "", "", ""];
  } else if (j.loadError) {
    node = [`failed after ${ms(j.loadFailedAfterMs)}: ${j.loadError}`, `– / ${mb(j.maxRssBytes)}`, "", ""];
  } else {
    node = [ms(j.loadMs), `${mb(j.memory.rss)} / ${mb(j.maxRssBytes)}`, ns(j.checkNs), rate(j.throughputPerSec)];
  }
  p(`| ${int(info.users ?? u)} / ${int(info.records)} | ${mb(info.fullBytes)} | ${nat.join(" | ")} | ${node.join(" | ")} |`);
}
p();

// ---- disagreements in detail
const details = [];
for (const u of sizes) {
  const n = load(`native-u${u}.json`);
  for (const mode of ["full", "slices"]) {
    for (const r of n?.cedar?.[mode]?.disagreements?.byRule ?? []) details.push(`- ${u} users, native Cedar (${mode}): ${r.count} × ${r.rule} (e.g. ${r.examples.join("; ")})`);
  }
  for (const e of ["cedar", "casbin"]) {
    const j = load(`node-${e}-u${u}.json`);
    if (j?.disagreements) {
      const rules = (j.disagreementsByRule ?? []).map((r) => `${r.count} × ${r.rule} (e.g. ${r.examples.join("; ")})`);
      details.push(`- ${u} users, Node ${e}: ${j.disagreements} requests${rules.length ? ": " + rules.join("; ") : `, first indexes ${j.disagreementIndexes.slice(0, 10).join(", ")}`}`);
    }
  }
}
p("### Disagreements");
p();
p(details.length ? details.join("\n") : "None: every engine gave crm-policy's decision on every sampled request, at every size.");
console.log(out.join("\n"));
