// Shared helpers of the JS tests: fixture loading and small org builders.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = path.join(ROOT, "tests/fixtures");
export const PKG = path.join(ROOT, "pkg");

/** Every decision fixture: [file name, parsed JSON]. */
export function decisionFixtures() {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(path.join(FIXTURES, f), "utf8"))]);
}

/** Every invalid-snapshot case of tests/fixtures/errors/*.json: [label, case]. */
export function errorCases() {
  const dir = path.join(FIXTURES, "errors");
  const out = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const { cases } = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    cases.forEach((c, i) => out.push([`${f} #${i} (${c.description})`, c]));
  }
  return out;
}

/** A small org exercising most features (SPEC §1 example, extended). */
export function sampleSnapshot() {
  return {
    version: 1,
    settings: { ownershipAcrossBusinessUnits: false },
    businessUnits: [
      { id: "root", name: "Contoso", parent: null },
      { id: "sales", name: "Sales", parent: "root" },
      { id: "support", name: "Support", parent: "root" },
    ],
    tables: [
      { name: "account", ownership: "user" },
      { name: "contact", ownership: "user" },
      { name: "currency", ownership: "organization" },
    ],
    relationships: [
      {
        parent: "account",
        child: "contact",
        cascade: { assign: "all", share: "all", unshare: "all", reparent: "all", delete: "restrict" },
      },
    ],
    roles: [
      {
        id: "salesperson",
        name: "Salesperson",
        privileges: {
          account: { create: "basic", read: "local", write: "basic", append: "basic", appendTo: "basic", assign: "basic", share: "basic" },
          contact: { create: "basic", read: "basic", write: "basic", append: "basic", appendTo: "basic" },
          currency: { read: "basic" },
        },
      },
      { id: "auditor", name: "Auditor", privileges: { account: { read: "global" }, contact: { read: "global" } } },
    ],
    users: [
      { id: "u1", name: "Ana", businessUnit: "sales", manager: null, roles: [{ role: "salesperson" }] },
      { id: "u2", name: "Ben", businessUnit: "sales", manager: "u1", roles: [{ role: "salesperson" }] },
      { id: "u3", name: "Cy", businessUnit: "support", roles: [{ role: "auditor" }] },
      { id: "u4", name: "Di", businessUnit: "support", roles: [] },
    ],
    teams: [
      { id: "t1", name: "Key accounts", kind: "owner", businessUnit: "sales", members: ["u2"], roles: [{ role: "salesperson" }], inheritance: "direct" },
    ],
    accessTeamTemplates: [{ id: "deal-team", table: "account", rights: ["read", "write"] }],
    records: [
      { id: "a1", table: "account", owner: { user: "u1" }, businessUnit: "sales" },
      { id: "a2", table: "account", owner: { team: "t1" } },
      { id: "a3", table: "account", owner: { user: "u2" } },
      { id: "c1", table: "contact", owner: { user: "u1" }, parent: "a1" },
      { id: "cur1", table: "currency" },
    ],
    shares: [{ record: "a1", principal: { user: "u4" }, rights: ["read"] }],
    accessTeams: [{ template: "deal-team", record: "a3", members: ["u1"] }],
    hierarchy: { model: "manager", depth: 2, tables: ["account"] },
    assertions: [
      { user: "u1", right: "write", record: "a1", expect: true, note: "owner edits" },
      { user: "u3", right: "write", record: "a1", expect: false },
    ],
  };
}
