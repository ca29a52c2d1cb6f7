// Type-checks the TypeScript usage example against the package's .d.ts (tsc --noEmit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./helpers.mjs";

test("tsc --noEmit accepts the example and its @ts-expect-error lines", { timeout: 120_000 }, () => {
  const tsc = path.join(ROOT, "node_modules/.bin/tsc");
  const r = spawnSync(tsc, ["--noEmit", "-p", path.join(ROOT, "tests/js/types/tsconfig.json")], { encoding: "utf8", timeout: 110_000 });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}\n${r.stderr}`);
});
