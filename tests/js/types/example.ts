// A TypeScript user of crm-policy, type-checked by `tsc --noEmit -p tests/js/types`
// (the types must name the real shapes: no `any` leaks through).
import { Org, PolicyError } from "crm-policy";
import type {
  Change,
  Explanation,
  Impact,
  Reason,
  Right,
  Snapshot,
  CanonicalSnapshot,
  PolicyErrorInfo,
  RecordPage,
  TableAccess,
  HistoryEntry,
} from "crm-policy";

const snapshot: Snapshot = {
  version: 1,
  businessUnits: [
    { id: "root", name: "Contoso", parent: null },
    { id: "sales", name: "Sales", parent: "root" },
  ],
  tables: [{ name: "account", ownership: "user" }],
  roles: [{ id: "rep", name: "Rep", privileges: { account: { read: "local", write: "basic" } } }],
  users: [{ id: "u1", name: "Ana", businessUnit: "sales", roles: [{ role: "rep" }] }],
  records: [{ id: "a1", table: "account", owner: { user: "u1" } }],
};

export function describeReason(r: Reason): string {
  // discriminated union on `kind`
  switch (r.kind) {
    case "owner":
      return `owner (${r.grant.level})`;
    case "teamOwner":
      return `team ${r.team} owns it`;
    case "role":
      return `role ${r.grant.role} at ${r.grant.level}`;
    case "share":
      return "user" in r.principal ? `shared with ${r.principal.user}` : `shared with team ${r.principal.team}`;
    case "accessTeam":
      return `access team ${r.template}`;
    case "inheritedShare":
      return `inherited from ${r.fromRecord}`;
    case "hierarchy":
      return `manager of ${r.report} (distance ${r.distance})`;
  }
}

export function opLabel(c: Change): string {
  // discriminated union on `op`
  switch (c.op) {
    case "moveUser":
      return `move ${c.user} to ${c.businessUnit}${c.moveRecords === false ? " (records stay)" : ""}`;
    case "share":
      return `share ${c.record} (${c.rights.join(", ")})`;
    case "setSetting":
      return `${c.name} = ${c.value}`;
    default:
      return c.op;
  }
}

export function main(): void {
  const org = Org.fromJSON(snapshot);
  const allowed: boolean = org.check("u1", "write", "a1");
  const rights: Right[] = org.rights("u1", "a1");
  const decisions: Uint8Array = org.checkMany([["u1", "read", "a1"], ["u1", "delete", "a1"]]);
  const why: Explanation = org.explain("u1", "write", "a1");
  const lines: string[] = why.reasons.map(describeReason);
  if (why.denial?.kind === "levelTooLow") {
    const needed: string = why.denial.needed;
    lines.push(needed);
  }
  const page: RecordPage = org.accessibleRecords("u1", "read", { table: "account", offset: 0, limit: 10 });
  const total: number = page.total;
  const who: string[] = org.whoCan("read", "a1");
  const eff: TableAccess[] = org.effectivePrivileges("u1");
  const canCreate: boolean = org.canCreate("u1", "account", { owner: { user: "u1" }, businessUnit: "sales" });

  const changes: Change[] = [
    { op: "createBusinessUnit", id: "emea", name: "EMEA", parent: "root" },
    { op: "moveUser", user: "u1", businessUnit: "emea", moveRecords: true },
    { op: "share", record: "a1", principal: { team: "default:emea" }, rights: ["read"] },
  ];
  const problems: PolicyErrorInfo[] = org.validateChanges(changes);
  const impact: Impact = org.simulate({ changes });
  const gained: number = impact.accessChanges.reduce((n, c) => n + c.gained.length, 0);
  const { version }: { version: number } = org.apply(changes);
  const history: HistoryEntry[] = org.history();
  const undone: boolean = org.undo();
  const snap: CanonicalSnapshot = org.toJSON();
  const users: number = snap.users.length;
  const bytes: Uint8Array = org.toBytes();
  const again: Org = Org.fromBytes(bytes);

  try {
    again.check("u1", "read", "nope");
  } catch (e) {
    if (e instanceof PolicyError) {
      const where: string = `${e.code} at ${e.path}: ${e.errors.length} problem(s)`;
      console.log(where, e.help ?? "");
    }
  }
  console.log(allowed, rights, decisions, lines, total, who, eff, canCreate, problems, gained, version, history, undone, users);
  org.free();
  again.free();
}

// The types reject wrong shapes:
// @ts-expect-error "fly" is not a Right
Org.fromJSON(snapshot).check("u1", "fly", "a1");
// @ts-expect-error moveUser needs businessUnit
const badChange: Change = { op: "moveUser", user: "u1" };
// @ts-expect-error an unknown operation
const badOp: Change = { op: "teleport", user: "u1" };
// @ts-expect-error a snapshot needs version 1
const badSnapshot: Snapshot = { version: 2 };
// @ts-expect-error checkMany takes [user, right, record] triples
Org.fromJSON(snapshot).checkMany([["u1", "read"]]);
// @ts-expect-error a principal is { user } or { team }
Org.fromJSON(snapshot).canCreate("u1", "account", { owner: "u1" });
console.log(badChange, badOp, badSnapshot);

// crm-policy/edge, the read-only engine: the same types and PolicyError, no changes.
import { Org as EdgeOrg, PolicyError as EdgePolicyError } from "crm-policy/edge";
import type { Explanation as EdgeExplanation, ChangeMethod } from "crm-policy/edge";

export function decideAtTheEdge(bytes: Uint8Array): boolean {
  const org: EdgeOrg = EdgeOrg.fromBytes(bytes);
  const why: EdgeExplanation = org.explain("u1", "read", "a1");
  const same: typeof PolicyError = EdgePolicyError;
  const left: ChangeMethod = "simulate";
  const decisions: Uint8Array = org.checkMany([["u1", "read", "a1"]]);
  console.log(why.allowed, same.name, left, decisions.length, org.whoCan("read", "a1").length);
  // @ts-expect-error the read-only engine has no simulate
  org.simulate([]);
  const ok = org.check("u1", "write", "a1");
  org.free();
  return ok;
}
