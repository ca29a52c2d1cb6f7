// Runs tests/js/deno/smoke.ts under Deno (npm package `deno`), with no permissions at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./helpers.mjs";

test("deno: import { Org } from \"crm-policy\" works with no permissions", { timeout: 120_000 }, () => {
  const deno = path.join(ROOT, "node_modules/.bin/deno");
  const dir = path.join(ROOT, "tests/js/deno");
  const r = spawnSync(deno, ["run", "--no-prompt", "--config", path.join(dir, "deno.json"), path.join(dir, "smoke.ts")], {
    cwd: dir,
    encoding: "utf8",
    timeout: 110_000,
    env: { ...process.env, DENO_DIR: path.join(ROOT, "target/deno-cache"), NO_COLOR: "1" },
  });
  assert.equal(r.status, 0, `deno failed (${r.status} ${r.signal ?? ""}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /deno ok: \d+ checks/);
});
