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
