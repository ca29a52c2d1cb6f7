// workerd smoke test: a Worker imports the package (resolved with the `workerd` export
// condition, as wrangler does), loads an org with fromBytes and answers checks over HTTP
// on 127.0.0.1. Bounded: at most ~60 s, and workerd is always stopped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, copyFileSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Org } from "crm-policy";
import { ROOT, PKG, FIXTURES } from "./helpers.mjs";

const WORKERD = path.join(ROOT, "node_modules/.bin/workerd");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Both engines: crm-policy and the read-only crm-policy/edge (the one edge functions want).
// Module names are what the specifiers resolve to: crm-policy/edge's files import
// "./crm_policy_edge.js" and the shared "../policy-error.js".
for (const [name, glue, wasm] of [[".", "crm_policy.js", "crm_policy_bg.wasm"], ["./edge", "edge/crm_policy_edge.js", "edge/crm_policy_edge_bg.wasm"]])
test(`workerd: a Worker of "crm-policy${name.slice(1)}" answers checks from an org loaded with fromBytes`, { timeout: 90_000 }, async () => {
  const fixture = JSON.parse(readFileSync(path.join(FIXTURES, "04_sharing.json"), "utf8"));
  const native = Org.fromJSON(fixture.snapshot);
  const dir = mkdtempSync(path.join(tmpdir(), "crm-policy-workerd-"));
  // Resolve the package the way a bundler for Workers does: the `workerd` condition.
  const pkg = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));
  const entry = pkg.exports[name].workerd.default;
  copyFileSync(path.join(PKG, entry), path.join(dir, "entry.js"));
  for (const f of [glue, "policy-error.js", wasm]) copyFileSync(path.join(PKG, f), path.join(dir, path.basename(f)));
  const spec = `crm-policy${name.slice(1)}`;
  const dirOf = name === "." ? "" : "crm-policy/";
  writeFileSync(path.join(dir, "worker.js"),
    readFileSync(path.join(ROOT, "tests/js/workerd/worker.js"), "utf8").replace(/from "crm-policy"/, `from "${spec}"`));
  writeFileSync(path.join(dir, "org.bin"), native.toBytes());
  const port = await freePort();
  writeFileSync(path.join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${spec}", esModule = embed "entry.js"),
    (name = "${dirOf}${path.basename(glue)}", esModule = embed "${path.basename(glue)}"),
    (name = "policy-error.js", esModule = embed "policy-error.js"),
    (name = "${dirOf}${path.basename(wasm)}", wasm = embed "${path.basename(wasm)}"),
    (name = "org.bin", data = embed "org.bin"),
  ],
  compatibilityDate = "2024-09-23",
);
`);
  const child = spawn(WORKERD, ["serve", path.join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const base = `http://127.0.0.1:${port}`;
  try {
    let ready = false;
    for (let i = 0; i < 100 && !ready && child.exitCode === null; i++) {
      try {
        ready = (await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        await sleep(200);
      }
    }
    assert.ok(ready, `workerd did not come up:\n${output}`);
    const health = await (await fetch(`${base}/health`)).json();
    assert.equal(health.users, fixture.snapshot.users.length);

    for (const c of fixture.checks) {
      const url = `${base}/check?` + new URLSearchParams({ user: c.user, right: c.right, record: c.record });
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { allowed: c.expect }, `${c.user} ${c.right} ${c.record}`);
    }
    const many = await fetch(`${base}/checkMany`, { method: "POST", body: JSON.stringify(fixture.checks.map((c) => [c.user, c.right, c.record])) });
    assert.deepEqual((await many.json()).decisions, fixture.checks.map((c) => (c.expect ? 1 : 0)));
    const r = fixture.rights[0];
    const rights = await (await fetch(`${base}/rights?` + new URLSearchParams({ user: r.user, record: r.record }))).json();
    assert.deepEqual(rights.rights, r.expect);

    const bad = await fetch(`${base}/check?user=u1&right=fly&record=x`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json().then(({ code, path }) => ({ code, path })), { code: "bad-right", path: "/right" });
    const missing = await fetch(`${base}/check?user=u1&right=read`);
    assert.equal((await missing.json()).code, "bad-type");
  } finally {
    clearTimeout(killer);
    child.kill("SIGTERM");
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    native.free();
    rmSync(dir, { recursive: true, force: true });
  }
});
