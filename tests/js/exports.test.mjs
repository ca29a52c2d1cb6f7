// The package layout: every export condition points at a shipped file, `files` lists
// everything, and Node resolves import / require to the synchronous Node entries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { PKG } from "./helpers.mjs";

const pkg = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));

function targets(node, out = []) {
  if (typeof node === "string") out.push(node);
  else for (const v of Object.values(node)) targets(v, out);
  return out;
}

test("package.json names the package, its types and its files", () => {
  assert.equal(pkg.name, "crm-policy");
  assert.match(pkg.version, /^\d+\.\d+\.\d+/);
  assert.equal(pkg.type, "module");
  assert.ok(existsSync(path.join(PKG, pkg.types)));
  for (const f of pkg.files) assert.ok(existsSync(path.join(PKG, f)), f);
});

test("every export target exists and is in files", () => {
  for (const t of targets(pkg.exports)) {
    assert.ok(existsSync(path.join(PKG, t)), t);
    const rel = t.replace(/^\.\//, "");
    assert.ok(rel === "package.json" || pkg.files.includes(rel), `${t} not in files`);
  }
});

test("the conditions serve workerd, deno, node (import and require), bundlers and browsers", () => {
  const root = pkg.exports["."];
  assert.equal(root.workerd.default, "./workerd.js");
  assert.equal(root.deno.default, "./deno.js");
  assert.equal(root.node.import.default, "./node.mjs");
  assert.equal(root.node.require.default, "./node.cjs");
  assert.equal(root.module.default, "./bundler.js");
  assert.equal(root.browser.default, "./web.js");
  const keys = Object.keys(root);
  assert.ok(keys.indexOf("workerd") < keys.indexOf("node") && keys.indexOf("deno") < keys.indexOf("node"),
    "runtimes that also set `node`-like conditions come first");
  assert.ok(keys.indexOf("module") < keys.indexOf("browser"), "bundlers get the no-init entry");
  assert.equal(keys.at(-1), "default");
});

test("crm-policy/edge has the same conditions, on its own files", () => {
  const root = pkg.exports["."];
  const edge = pkg.exports["./edge"];
  assert.deepEqual(Object.keys(edge), Object.keys(root));
  const edgeTargets = targets(edge);
  assert.deepEqual(edgeTargets, targets(root).map((t) => t.replace(/^\.\//, "./edge/")));
  const require = createRequire(import.meta.url);
  assert.match(require.resolve("crm-policy/edge"), /\/edge\/node\.cjs$/);
  assert.match(import.meta.resolve("crm-policy/edge"), /\/edge\/node\.mjs$/);
});

test("Node resolves import to node.mjs and require to node.cjs", () => {
  assert.match(import.meta.resolve("crm-policy"), /\/node\.mjs$/);
  const require = createRequire(import.meta.url);
  assert.match(require.resolve("crm-policy"), /\/node\.cjs$/);
  assert.match(import.meta.resolve("crm-policy/web"), /\/web\.js$/);
});

test("the engine .wasm, the read-only edge .wasm and the demo module; sizes reported against the budget", () => {
  const wasm = pkg.files.filter((f) => f.endsWith(".wasm"));
  assert.deepEqual(wasm, ["crm_policy_bg.wasm", "edge/crm_policy_edge_bg.wasm", "crm_policy_demo_bg.wasm"]);
  assert.equal(pkg.exports["./demo"].node.import.default, "./demo.mjs");
  assert.equal(pkg.exports["./demo"].node.require.default, "./demo.cjs");
  for (const [what, file] of [["wasm", wasm[0]], ["edge wasm", wasm[1]]]) report(what, path.join(PKG, file));
});

// The budget as build.sh states it (MAX_RAW / MAX_GZ), so the two never drift apart.
const BUDGET = (() => {
  const sh = readFileSync(path.join(PKG, "../build.sh"), "utf8");
  const kib = (name) => {
    const m = sh.match(new RegExp(`^${name}=\\$\\(\\((\\d+) \\* 1024\\)\\)$`, "m"));
    assert.ok(m, `build.sh sets ${name}`);
    return Number(m[1]) * 1024;
  };
  return [kib("MAX_RAW"), kib("MAX_GZ")];
})();

// The gzipped size as build.sh --sizes and the README read it (GNU gzip -9), or node's zlib
// at level 9 where there is no gzip (it packs ~0.5% worse).
function gzipped(file) {
  const r = spawnSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 26 });
  return r.status === 0 && r.stdout.length > 0
    ? [r.stdout.length, "gzip -9"]
    : [gzipSync(readFileSync(file), { level: 9 }).length, "node:zlib level 9"];
}

function report(what, file) {
  const size = statSync(file).size;
  const [gz, by] = gzipped(file);
  // Sizes are measured, not asserted (like every performance figure): the budget is
  // 400 KiB raw / 150 KiB gzipped, and build.sh --sizes prints where the package stands.
  const [maxRaw, maxGz] = BUDGET;
  const kib = (n) => (n / 1024).toFixed(1);
  const against = (n, max) =>
    n <= max
      ? `${kib(n)} KiB (within ${kib(max)} KiB)`
      : `${kib(n)} KiB (OVER ${kib(max)} KiB by ${kib(n - max)} KiB, ${(((n - max) / max) * 100).toFixed(0)}%)`;
  const within = size <= maxRaw && gz <= maxGz;
  // (the line names its compressor)
  console.log(`# ${what} size ${within ? "within" : "OVER"} budget: raw ${against(size, maxRaw)}, ${by} ${against(gz, maxGz)}`);
  assert.ok(size > 0 && gz < size);
}

test("npm pack + npm install: the tarball works for import and require", { timeout: 120_000 }, async () => {
  const { mkdtempSync, rmSync, writeFileSync, readdirSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(path.join(tmpdir(), "crm-policy-consumer-"));
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8", timeout: 100_000 });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  try {
    run("npm", ["pack", PKG, "--pack-destination", dir, "--silent"]);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tgz, "no tarball");
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    run("npm", ["install", `./${tgz}`, "--offline", "--no-audit", "--no-fund", "--silent"]);
    const esm = run(process.execPath, ["--input-type=module", "-e",
      'import { Org, PolicyError } from "crm-policy"; import { generateDemo } from "crm-policy/demo"; const o = Org.fromJSON(generateDemo(1, 20, 3, 200)); try { o.check(1, "read", "x") } catch (e) { console.log(e instanceof PolicyError, e.code, o.toJSON().records.length) }']);
    assert.equal(esm.trim(), "true bad-type 200");
    const cjs = run(process.execPath, ["-e",
      'const { Org, PolicyError } = require("crm-policy"); try { Org.fromJSON("{") } catch (e) { console.log(e instanceof PolicyError, e.code) }']);
    assert.equal(cjs.trim(), "true invalid-json");
    const demo = run(process.execPath, ["-e",
      'const { Org } = require("crm-policy"); const { generateDemo } = require("crm-policy/demo"); console.log(Org.fromJSON(generateDemo(2, 10, 2, 50)).toJSON().records.length)']);
    assert.equal(demo.trim(), "50");
    const edge = run(process.execPath, ["--input-type=module", "-e",
      'import { Org } from "crm-policy/edge"; import { PolicyError } from "crm-policy"; import { generateDemo } from "crm-policy/demo"; const o = Org.fromJSON(generateDemo(2, 10, 2, 50)); try { o.apply([]) } catch (e) { console.log(e instanceof PolicyError, e.code, o.toJSON().records.length) }']);
    assert.equal(edge.trim(), "true read-only-build 50");
    const edgeCjs = run(process.execPath, ["-e",
      'const { Org, PolicyError } = require("crm-policy/edge"); try { Org.fromJSON("{") } catch (e) { console.log(e instanceof require("crm-policy").PolicyError, e.code) }']);
    assert.equal(edgeCjs.trim(), "true invalid-json");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
