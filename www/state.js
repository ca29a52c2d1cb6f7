// The playground's single state object and the lookup index derived from the
// engine's snapshot. Views read `app`; actions live in `app.act` (set by app.js).

export const DEMO_DEFAULT = Object.freeze({ seed: 42, users: 2000, units: 60, records: 50000 });

export const app = {
  mod: null, // the wasm package namespace
  org: null, // the engine's Org
  snap: null, // org.toJSON() of the current version
  idx: null, // buildIndex(snap)
  source: null, // { kind: "demo", seed, users, units, records } | { kind: "snapshot", name }
  applied: [], // changesets applied since load (for share links of demo orgs)
  redoStack: [],
  changes: [], // the pending changeset
  changeErrors: [], // per op index: [error]
  changesetErrors: [], // errors without an op index
  impact: null, // the last simulate() result for `changes`
  impactState: "idle", // idle | running | ok | invalid | error
  impactError: null,
  impactMs: null,
  impactEngineMs: null,
  impactGeneration: 0,
  worker: null,
  selected: new Set(), // selected user ids
  filters: { q: "", unit: "", sub: true, role: "", category: "", status: "" },
  currentUser: null, // user detail tab
  access: { user: null, right: "read", record: null, table: "" },
  impactFocus: null, // { table, right, dir } drill-down
  tab: "users",
  act: {}, // actions, filled in by app.js
};

// Handy for the browser tests and for poking around in the console.
globalThis.playground = app;

/** Lookup tables over a snapshot: units tree, users, roles, teams, records. */
export function buildIndex(snap) {
  const units = new Map();
  for (const bu of snap.businessUnits || []) {
    units.set(bu.id, {
      id: bu.id,
      name: bu.name,
      parent: bu.parent ?? null,
      disabled: !!bu.disabled,
      blocked: false, // this unit or an ancestor is disabled
      defaultTeamRoles: bu.defaultTeamRoles || [],
      children: [],
      users: 0,
      subtreeUsers: 0,
      depth: 0,
    });
  }
  let root = null;
  for (const u of units.values()) {
    if (u.parent && units.has(u.parent)) units.get(u.parent).children.push(u);
    else if (!u.parent) root = u;
  }
  const byName = (a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1);
  for (const u of units.values()) u.children.sort(byName);

  // Pre-order walk: order, depth, inherited "blocked".
  const unitOrder = [];
  if (root) {
    const stack = [root];
    while (stack.length) {
      const u = stack.pop();
      const parent = u.parent ? units.get(u.parent) : null;
      u.depth = parent ? parent.depth + 1 : 0;
      u.blocked = u.disabled || (parent ? parent.blocked : false);
      u.pre = unitOrder.length;
      unitOrder.push(u);
      for (let i = u.children.length - 1; i >= 0; i--) stack.push(u.children[i]);
    }
  }

  const users = (snap.users || []).slice().sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1));
  const userById = new Map();
  const reports = new Map();
  for (const u of users) {
    userById.set(u.id, u);
    const unit = units.get(u.businessUnit);
    if (unit) unit.users++;
    if (u.manager) {
      if (!reports.has(u.manager)) reports.set(u.manager, []);
      reports.get(u.manager).push(u.id);
    }
  }
  for (let i = unitOrder.length - 1; i >= 0; i--) {
    const u = unitOrder[i];
    u.subtreeUsers += u.users;
    if (u.parent && units.has(u.parent)) units.get(u.parent).subtreeUsers += u.subtreeUsers;
  }

  const roles = new Map((snap.roles || []).map((r) => [r.id, r]));
  const rolesSorted = (snap.roles || []).slice().sort((a, b) => a.name.localeCompare(b.name));
  const teams = new Map((snap.teams || []).map((t) => [t.id, t]));
  const teamsByUser = new Map();
  for (const t of snap.teams || []) {
    for (const m of t.members || []) {
      if (!teamsByUser.has(m)) teamsByUser.set(m, []);
      teamsByUser.get(m).push(t.id);
    }
  }

  const recordById = new Map();
  const recordsByTable = new Map();
  const ownedBy = new Map();
  for (const r of snap.records || []) {
    recordById.set(r.id, r);
    if (!recordsByTable.has(r.table)) recordsByTable.set(r.table, []);
    recordsByTable.get(r.table).push(r);
    const o = r.owner && r.owner.user;
    if (o) ownedBy.set(o, (ownedBy.get(o) || 0) + 1);
  }
  const tables = (snap.tables || []).map((t) => t.name);

  const categories = new Set();
  for (const u of users) if (u.category) categories.add(u.category);

  return {
    units,
    root,
    unitOrder,
    users,
    userById,
    reports,
    roles,
    rolesSorted,
    teams,
    teamsByUser,
    recordById,
    recordsByTable,
    ownedBy,
    tables,
    categories: [...categories].sort(),
    settings: snap.settings || {},
  };
}

/** Is unit `id` inside the subtree of `anchor` (inclusive)? */
export function inSubtree(idx, id, anchor) {
  let u = idx.units.get(id);
  let guard = 0;
  while (u && guard++ < 10_000) {
    if (u.id === anchor) return true;
    u = u.parent ? idx.units.get(u.parent) : null;
  }
  return false;
}

/** Path of unit names from the root, e.g. "Contoso › Sales › North". */
export function unitPath(idx, id) {
  const parts = [];
  let u = idx.units.get(id);
  let guard = 0;
  while (u && guard++ < 10_000) {
    parts.unshift(u.name);
    u = u.parent ? idx.units.get(u.parent) : null;
  }
  return parts.join(" › ");
}
