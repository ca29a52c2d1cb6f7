// Words for the engine's structured output: access levels, rights, changeset
// operations, explanations and denials.

import { listJoin, plural } from "./util.js";

export const RIGHTS = ["create", "read", "write", "delete", "append", "appendTo", "assign", "share"];
export const RIGHT_LABEL = {
  create: "Create",
  read: "Read",
  write: "Write",
  delete: "Delete",
  append: "Append",
  appendTo: "Append To",
  assign: "Assign",
  share: "Share",
};
export const LEVELS = ["none", "basic", "local", "deep", "global"];
export const LEVEL_LABEL = {
  none: "None",
  basic: "User",
  local: "Business Unit",
  deep: "Parent: Child Business Units",
  global: "Organization",
};
export const LEVEL_SHORT = { none: "–", basic: "User", local: "BU", deep: "Deep", global: "Org" };
export const CATEGORY_LABEL = {
  "front-office": "Front office",
  "back-office": "Back office",
  commercial: "Commercial",
};

export const rightLabel = (r) => RIGHT_LABEL[r] || r;
export const levelLabel = (l) => LEVEL_LABEL[l] || l;
export const categoryLabel = (c) => (c ? CATEGORY_LABEL[c] || c : "—");

/** Name lookups over the current index, tolerant of unknown ids. */
export function namer(idx) {
  const user = (id) => idx.userById.get(id)?.name || id;
  const unit = (id) => (id ? idx.units.get(id)?.name || id : "—");
  const role = (id) => idx.roles.get(id)?.name || id;
  const team = (id) => {
    if (typeof id === "string" && id.startsWith("default:")) return `default team of ${unit(id.slice(8))}`;
    return idx.teams.get(id)?.name || id;
  };
  const record = (id) => {
    const r = idx.recordById.get(id);
    return r ? r.name || r.id : id;
  };
  const principal = (p) => {
    if (!p) return "?";
    if (typeof p === "string") return user(p);
    if (p.user !== undefined) return user(p.user);
    if (p.team !== undefined) return `team ${team(p.team)}`;
    return JSON.stringify(p);
  };
  return { user, unit, role, team, record, principal };
}

/** One line describing a changeset operation. */
export function describeOp(op, idx) {
  const N = namer(idx);
  const users = (ids) => listJoin((ids || []).map(N.user), 3);
  const withRecords = (o) => {
    const bits = [];
    if (o.reassignRecordsTo) bits.push(`records to ${N.principal(o.reassignRecordsTo)}`);
    if (o.moveRecords === false) bits.push("records stay in their unit");
    return bits.length ? ` (${bits.join(", ")})` : "";
  };
  switch (op.op) {
    case "createBusinessUnit":
      return `Create unit ${op.name || op.id} under ${N.unit(op.parent)}`;
    case "renameBusinessUnit":
      return `Rename ${N.unit(op.businessUnit)} to “${op.name}”`;
    case "reparentBusinessUnit":
      return `Move unit ${N.unit(op.businessUnit)} under ${N.unit(op.parent)}`;
    case "disableBusinessUnit":
      return `Disable unit ${N.unit(op.businessUnit)}`;
    case "enableBusinessUnit":
      return `Enable unit ${N.unit(op.businessUnit)}`;
    case "deleteBusinessUnit":
      return `Delete unit ${N.unit(op.businessUnit)}`;
    case "mergeBusinessUnits":
      return `Merge unit ${N.unit(op.from)} into ${N.unit(op.into)}`;
    case "createUser":
      return `Create user ${op.name || op.id} in ${N.unit(op.businessUnit)}`;
    case "moveUser":
      return `Move ${N.user(op.user)} to ${N.unit(op.businessUnit)}${withRecords(op)}`;
    case "moveUsers":
      return `Move ${plural((op.users || []).length, "user")} (${users(op.users)}) to ${N.unit(op.businessUnit)}${withRecords(op)}`;
    case "setManager":
      return op.manager ? `Set ${N.user(op.manager)} as manager of ${N.user(op.user)}` : `Clear the manager of ${N.user(op.user)}`;
    case "disableUser":
      return `Disable ${N.user(op.user)}${op.reassignRecordsTo ? ` and hand records over to ${N.principal(op.reassignRecordsTo)}` : ""}`;
    case "enableUser":
      return `Enable ${N.user(op.user)}`;
    case "assignRole":
      return `Give role ${N.role(op.role)} to ${N.principal(op.principal)}${op.businessUnit ? ` in ${N.unit(op.businessUnit)}` : ""}`;
    case "removeRole":
      return `Remove role ${N.role(op.role)} from ${N.principal(op.principal)}${op.businessUnit ? ` in ${N.unit(op.businessUnit)}` : ""}`;
    case "createTeam":
      return `Create ${op.kind || ""} team ${op.name || op.id}`;
    case "deleteTeam":
      return `Delete team ${N.team(op.team)}`;
    case "addTeamMembers":
      return `Add ${users(op.users)} to team ${N.team(op.team)}`;
    case "removeTeamMembers":
      return `Remove ${users(op.users)} from team ${N.team(op.team)}`;
    case "moveTeam":
      return `Move team ${N.team(op.team)} to ${N.unit(op.businessUnit)}`;
    case "assignRecord":
      return `Assign ${N.record(op.record)} to ${N.principal(op.owner)}`;
    case "reassignRecords":
      return `Reassign ${op.table ? op.table + " " : ""}records of ${N.principal(op.from)} to ${N.principal(op.to)}`;
    case "setRecordBusinessUnit":
      return `Move record ${N.record(op.record)} to ${N.unit(op.businessUnit)}`;
    case "createRecord":
      return `Create ${op.table} record ${op.name || op.id}`;
    case "deleteRecord":
      return `Delete record ${N.record(op.record)}`;
    case "share":
      return `Share ${N.record(op.record)} with ${N.principal(op.principal)} (${(op.rights || []).join(", ")})`;
    case "modifyShare":
      return `Change share of ${N.record(op.record)} with ${N.principal(op.principal)} to ${(op.rights || []).join(", ")}`;
    case "unshare":
      return `Unshare ${N.record(op.record)} from ${N.principal(op.principal)}`;
    case "addAccessTeamMember":
      return `Add ${N.user(op.user)} to the ${op.template} access team of ${N.record(op.record)}`;
    case "removeAccessTeamMember":
      return `Remove ${N.user(op.user)} from the ${op.template} access team of ${N.record(op.record)}`;
    case "setSetting":
      return `Set ${op.name} to ${op.value}`;
    default:
      return `${op.op || "?"} ${JSON.stringify(op)}`;
  }
}

// ---------------------------------------------------------------- explanations

export const first = (o, ...keys) => {
  for (const k of keys) if (o && o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

/** The principal of a share reason, as words relative to the user. */
function sharePrincipal(p, N) {
  if (p && typeof p === "object" && p.team !== undefined) return `their team ${N.team(p.team)}`;
  return "them";
}

/** "their role Salesperson grants Write at User level" (+ where the record is, for unit levels). */
export function grantClause(grant, right, N, { depth = false } = {}) {
  if (!grant || !grant.role) return "";
  const roleName = grant.roleName || N.role(grant.role);
  const whose = grant.via === "team" && grant.team ? `the role ${roleName} of their team ${N.team(grant.team)}` : `their role ${roleName}`;
  let s = `${whose} grants ${rightLabel(right)}${grant.level ? ` at ${levelLabel(grant.level)} level` : ""}`;
  if (depth && grant.anchor) {
    if (grant.level === "local") s += ` and the record is in ${N.unit(grant.anchor)}`;
    else if (grant.level === "deep") s += ` and the record is in ${N.unit(grant.anchor)} or below`;
  }
  return s;
}

/** One clause per reason kind, e.g. "they own it and their role Salesperson grants Write at User level". */
export function reasonClause(reason, right, N) {
  const g = reason.grant;
  const and = (s) => {
    const gc = grantClause(g, right, N);
    return gc ? `${s} and ${gc}` : s;
  };
  switch (reason.kind) {
    case "owner":
      return and("they own it");
    case "teamOwner":
      return and(`it is owned by their team ${N.team(reason.team)}`);
    case "role":
      return grantClause(g, right, N, { depth: true }) || "one of their roles grants it";
    case "share":
      return and(`it is shared with ${sharePrincipal(reason.principal, N)}`);
    case "accessTeam":
      return and(`they are on its ${reason.template} access team`);
    case "inheritedShare": {
      const from = reason.fromRecord ? N.record(reason.fromRecord) : "a parent record";
      const what = reason.template ? `they are on the ${reason.template} access team of its parent ${from}` : `it inherits the share of ${from} with ${sharePrincipal(reason.principal, N)}`;
      return and(what);
    }
    case "hierarchy": {
      const d = reason.distance;
      const rel = d === 1 || d === undefined ? "they are the manager of" : `they are ${d} levels above`;
      const gc = grantClause(g, right, N);
      return `${rel} ${N.user(reason.report)}, who holds it${gc ? `, and ${gc}` : ""}`;
    }
    default:
      return `${reason.kind}${Object.keys(reason).length > 1 ? " " + JSON.stringify(reason) : ""}`;
  }
}

export function denialClause(denial, who, right, N, record) {
  if (!denial) return "no rule grants it";
  const table = first(denial, "table") || record?.table || "this table";
  switch (denial.kind) {
    case "disabledUser":
      return `${who}'s account is disabled`;
    case "disabledBusinessUnit": {
      const bu = first(denial, "businessUnit", "unit");
      return `${bu ? `the business unit ${N.unit(bu)}` : "their business unit or one above it"} is disabled`;
    }
    case "noPrivilege":
      return `none of ${who}'s roles grants ${rightLabel(first(denial, "right") || right)} on ${table}`;
    case "levelTooLow": {
      const best = first(denial, "best", "bestLevel", "have", "level");
      const need = first(denial, "needed", "neededLevel", "required", "need");
      let s = `${who}'s best ${rightLabel(right)} level on ${table} is ${best ? levelLabel(best) : "too low"}`;
      if (need) s += `, but this record needs ${levelLabel(need)}`;
      return s + " — they do not own it, it is not shared with them and no manager path applies";
    }
    case "shareWithoutPrivilege": {
      const p = denial.principal;
      const to = p && p.team !== undefined ? `their team ${N.team(p.team)}` : who;
      return `the record is shared with ${to}, but no role grant covers that share for ${rightLabel(right)} on ${table}`;
    }
    default:
      return `${denial.kind}${Object.keys(denial).length > 1 ? " " + JSON.stringify(denial) : ""}`;
  }
}

/** "Ana can write Contoso Ltd because they own it and their role Salesperson grants Write at User level." */
export function explanationSentence(ex, userId, right, recordId, idx) {
  const N = namer(idx);
  const who = N.user(userId);
  const rec = N.record(recordId);
  const verb = right === "appendTo" ? "append to" : right;
  if (ex.allowed) {
    const clauses = (ex.reasons || []).map((r) => reasonClause(r, right, N));
    const main = clauses[0] || "a rule grants it";
    const more = clauses.length > 1 ? ` (${clauses.length - 1} more ${clauses.length === 2 ? "path" : "paths"} below)` : "";
    return `${who} can ${verb} ${rec} because ${main}${more}.`;
  }
  const record = idx.recordById.get(recordId);
  return `${who} cannot ${verb} ${rec} because ${denialClause(ex.denial, who, right, N, record)}.`;
}

/** Human label of a warning / side effect / finding kind ("ownerWithoutRead" -> "Owner without read"). */
export function kindLabel(kind) {
  if (!kind) return "Other";
  const s = String(kind).replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[-_]/g, " ").toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Replace the ids of users, units, roles, teams and records in an engine
 * message by their names ("u01372 moved to bu0004" -> "Adele Alvarez moved to Spain").
 */
export function humanize(message, idx) {
  if (!message || !idx) return message || "";
  return String(message).replace(/[A-Za-z0-9_:-]+/g, (tok) => {
    const u = idx.userById.get(tok);
    if (u) return u.name;
    const bu = idx.units.get(tok);
    if (bu) return bu.name;
    const t = idx.teams.get(tok);
    if (t) return t.name;
    if (tok.startsWith("default:") && idx.units.get(tok.slice(8))) return `default team of ${idx.units.get(tok.slice(8)).name}`;
    const r = idx.roles.get(tok);
    if (r) return r.name;
    const rec = idx.recordById.get(tok);
    if (rec && rec.name) return rec.name;
    return tok;
  });
}
