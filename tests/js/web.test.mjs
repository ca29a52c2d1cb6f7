// The web build (`crm-policy/web`): nothing works before init; init / initSync take bytes,
// a compiled module or a Response. (In this file only: the web glue is not yet initialised.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import init, { initSync, Org, PolicyError } from "crm-policy/web";
import { PKG, sampleSnapshot } from "./helpers.mjs";

const bytes = readFileSync(path.join(PKG, "crm_policy_bg.wasm"));

test("init({ module_or_path: Response }) then use; initSync afterwards is a no-op", async () => {
  await init({ module_or_path: new Response(bytes, { headers: { "content-type": "application/wasm" } }) });
  initSync({ module: new WebAssembly.Module(bytes) });
  const org = Org.fromJSON(sampleSnapshot());
  assert.equal(org.check("u1", "write", "a1"), true);
  assert.throws(() => org.check("u1", "write", 1), PolicyError);
  org.free();
});

test("crm-policy/edge's web entry (the browser condition): initSync with its own .wasm, then decide", async () => {
  const { pathToFileURL } = await import("node:url");
  const pkg = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));
  const entry = pkg.exports["./edge"].browser.default;
  const edge = await import(pathToFileURL(path.join(PKG, entry)).href);
  const edgeBytes = readFileSync(path.join(PKG, "edge/crm_policy_edge_bg.wasm"));
  assert.throws(() => edge.Org.fromJSON(sampleSnapshot()), "nothing works before init");
  edge.initSync({ module: edgeBytes });
  const org = edge.Org.fromJSON(sampleSnapshot());
  assert.equal(org.check("u1", "write", "a1"), true);
  assert.equal(edge.PolicyError, PolicyError, "one PolicyError class for both entries");
  assert.throws(() => org.simulate([]), (e) => e instanceof PolicyError && e.code === "read-only-build");
  org.free();
});
