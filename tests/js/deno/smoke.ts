// Deno smoke test: `import "crm-policy"` resolves with the `deno` export condition
// (WebAssembly ES module integration: no init step, no --allow-read needed).
import { Org, PolicyError } from "crm-policy";
import { Org as EdgeOrg } from "crm-policy/edge";
import fixture from "../../fixtures/04_sharing.json" with { type: "json" };

type Check = { user: string; right: "read" | "write"; record: string; expect: boolean };

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error("assertion failed: " + msg);
}

const org = Org.fromJSON(fixture.snapshot as never);
let n = 0;
for (const c of fixture.checks as Check[]) {
  assert(org.check(c.user, c.right, c.record) === c.expect, `${c.user} ${c.right} ${c.record}`);
  n++;
}
const back = Org.fromBytes(org.toBytes());
assert(back.toJSONString() === org.toJSONString(), "bytes round trip");
const decisions = back.checkMany((fixture.checks as Check[]).map((c) => [c.user, c.right, c.record] as const));
assert(decisions.every((d, i) => d === ((fixture.checks as Check[])[i].expect ? 1 : 0)), "checkMany");
try {
  org.check("u1", "fly" as never, "x");
  assert(false, "bad right accepted");
} catch (e) {
  assert(e instanceof PolicyError && e.code === "bad-right" && e.path === "/right", String(e));
}
// the read-only engine, from the same bytes: the same answers, the same PolicyError class
const edge = EdgeOrg.fromBytes(org.toBytes());
for (const c of fixture.checks as Check[]) {
  assert(edge.check(c.user, c.right, c.record) === c.expect, `edge: ${c.user} ${c.right} ${c.record}`);
}
try {
  (edge as unknown as { simulate(c: unknown[]): unknown }).simulate([]);
  assert(false, "edge simulate accepted");
} catch (e) {
  assert(e instanceof PolicyError && e.code === "read-only-build", String(e));
}
edge.free();
org.free();
back.free();
console.log(`deno ok: ${n} checks (and crm-policy/edge)`);
