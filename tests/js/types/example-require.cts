// A CommonJS TypeScript user (`require`): the types of index.d.cts and edge/index.d.cts.
import policy = require("crm-policy");
import edge = require("crm-policy/edge");

export function both(json: string): boolean {
  const full: policy.Org = policy.Org.fromJSON(json);
  const ro: edge.Org = edge.Org.fromBytes(full.toBytes());
  const impact: policy.Impact = full.simulate([{ op: "disableUser", user: "u1" }]);
  // @ts-expect-error the read-only engine has no simulate
  ro.simulate([]);
  const same: boolean = ro.check("u1", "read", "a1") === full.check("u1", "read", "a1");
  console.log(impact.accessChanges.length);
  return same;
}
