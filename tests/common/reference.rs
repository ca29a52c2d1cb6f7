//! A deliberately naive reference evaluator, written straight from SPEC §2/§4/§5
//! and the semantic decisions, walking the snapshot as a `serde_json::Value`.
//!
//! No indexes, no caching, no `crm_policy` types: every question re-reads the
//! snapshot. It is slow on purpose and only meant to be obviously right, so the
//! engine can be compared against it (fixtures and property tests).
//!
//! The snapshot is assumed valid (the engine validates it).

#![allow(dead_code)]

use serde_json::Value;

/// The eight rights in SPEC §1 order.
pub const RIGHTS: [&str; 8] = [
    "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
];

/// The rights a manager at distance 1 gets through the hierarchy.
const HIERARCHY_NEAR: [&str; 4] = ["read", "write", "append", "appendTo"];
/// The rights a manager at distance 2..depth gets through the hierarchy.
const HIERARCHY_FAR: [&str; 1] = ["read"];

/// A principal: `("user", id)` or `("team", id)`.
pub type Principal<'a> = (&'a str, &'a str);

fn level_rank(level: &str) -> u8 {
    match level {
        "basic" => 1,
        "local" => 2,
        "deep" => 3,
        "global" => 4,
        _ => 0,
    }
}

/// One grant: a level for (table, right), anchored at a unit, personal or scoped to a team.
#[derive(Debug, Clone)]
struct Grant {
    level: u8,
    anchor: String,
    /// `None` = personal, `Some(team)` = team-scoped.
    team: Option<String>,
}

/// A share-like entry reaching a record: a principal with rights.
#[derive(Debug, Clone)]
enum Reach<'a> {
    /// A share (direct or inherited) to a principal.
    Share(Principal<'a>, Vec<&'a str>),
    /// A record access team: members with the template's rights.
    AccessTeam(Vec<&'a str>, Vec<&'a str>),
}

struct Snap<'a>(&'a Value);

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn strs<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    arr(v, key).iter().filter_map(Value::as_str).collect()
}

fn principal(v: Option<&Value>) -> Option<Principal<'_>> {
    let v = v?;
    if let Some(id) = s(v, "user") {
        return Some(("user", id));
    }
    if let Some(id) = s(v, "team") {
        return Some(("team", id));
    }
    None
}

impl<'a> Snap<'a> {
    fn find(&self, key: &str, field: &str, id: &str) -> Option<&'a Value> {
        arr(self.0, key).iter().find(|x| s(x, field) == Some(id))
    }
    fn unit(&self, id: &str) -> Option<&'a Value> {
        self.find("businessUnits", "id", id)
    }
    fn user(&self, id: &str) -> Option<&'a Value> {
        self.find("users", "id", id)
    }
    fn team(&self, id: &str) -> Option<&'a Value> {
        self.find("teams", "id", id)
    }
    fn role(&self, id: &str) -> Option<&'a Value> {
        self.find("roles", "id", id)
    }
    fn record(&self, id: &str) -> Option<&'a Value> {
        self.find("records", "id", id)
    }
    fn template(&self, id: &str) -> Option<&'a Value> {
        self.find("accessTeamTemplates", "id", id)
    }

    fn org_owned(&self, table: &str) -> bool {
        self.find("tables", "name", table)
            .and_then(|t| s(t, "ownership"))
            == Some("organization")
    }

    /// `unit` is `anchor` or below it.
    fn in_subtree(&self, unit: &str, anchor: &str) -> bool {
        let mut cur = Some(unit.to_string());
        let mut steps = 0;
        while let Some(u) = cur {
            if u == anchor {
                return true;
            }
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            cur = self
                .unit(&u)
                .and_then(|x| s(x, "parent"))
                .map(str::to_string);
        }
        false
    }

    /// The unit or one of its ancestors is disabled.
    fn unit_blocked(&self, unit: &str) -> bool {
        let mut cur = Some(unit.to_string());
        let mut steps = 0;
        while let Some(u) = cur {
            let Some(x) = self.unit(&u) else { return false };
            if b(x, "disabled") {
                return true;
            }
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            cur = s(x, "parent").map(str::to_string);
        }
        false
    }

    /// The user may hold rights at all (SPEC §2 first paragraph).
    fn user_active(&self, user: &str) -> bool {
        match self.user(user) {
            Some(u) => !b(u, "disabled") && !self.unit_blocked(s(u, "businessUnit").unwrap_or("")),
            None => false,
        }
    }

    /// The business unit of a principal (a user's, a team's, a default team's).
    fn principal_unit(&self, p: Principal<'a>) -> Option<String> {
        match p {
            ("user", id) => self
                .user(id)
                .and_then(|u| s(u, "businessUnit"))
                .map(str::to_string),
            (_, id) => {
                if let Some(bu) = id.strip_prefix("default:") {
                    Some(bu.to_string())
                } else {
                    self.team(id)
                        .and_then(|t| s(t, "businessUnit"))
                        .map(str::to_string)
                }
            }
        }
    }

    /// Every team (owner, access, default) the user belongs to.
    fn teams_of(&self, user: &str) -> Vec<String> {
        let mut out: Vec<String> = arr(self.0, "teams")
            .iter()
            .filter(|t| strs(t, "members").contains(&user))
            .filter_map(|t| s(t, "id"))
            .map(str::to_string)
            .collect();
        if let Some(u) = self.user(user) {
            if !b(u, "disabled") {
                if let Some(bu) = s(u, "businessUnit") {
                    out.push(format!("default:{bu}"));
                }
            }
        }
        out
    }

    /// Grants of a user for (table, right), level >= basic only.
    fn grants(&self, user: &str, table: &str, right: &str) -> Vec<Grant> {
        let mut out = Vec::new();
        let Some(u) = self.user(user) else { return out };
        let user_bu = s(u, "businessUnit").unwrap_or("");
        let level_of = |role_id: &str| -> u8 {
            self.role(role_id)
                .and_then(|r| r.get("privileges"))
                .and_then(|p| p.get(table))
                .and_then(|t| t.get(right))
                .and_then(Value::as_str)
                .map(level_rank)
                .unwrap_or(0)
        };
        for ra in arr(u, "roles") {
            let level = level_of(s(ra, "role").unwrap_or(""));
            if level > 0 {
                let anchor = s(ra, "businessUnit").unwrap_or(user_bu).to_string();
                out.push(Grant {
                    level,
                    anchor,
                    team: None,
                });
            }
        }
        for team in self.teams_of(user) {
            // (assignments, team unit, inheritance)
            let (assignments, team_bu, inheritance): (&[Value], String, &str) =
                if let Some(bu) = team.strip_prefix("default:") {
                    let roles = self
                        .unit(bu)
                        .map(|x| arr(x, "defaultTeamRoles"))
                        .unwrap_or(&[]);
                    (roles, bu.to_string(), "direct")
                } else {
                    let Some(t) = self.team(&team) else { continue };
                    if s(t, "kind") != Some("owner") {
                        continue;
                    }
                    (
                        arr(t, "roles"),
                        s(t, "businessUnit").unwrap_or("").to_string(),
                        s(t, "inheritance").unwrap_or("direct"),
                    )
                };
            for ra in assignments {
                let level = level_of(s(ra, "role").unwrap_or(""));
                if level > 0 {
                    let anchor = s(ra, "businessUnit")
                        .map(str::to_string)
                        .unwrap_or_else(|| team_bu.clone());
                    let scope = if inheritance == "team" {
                        Some(team.clone())
                    } else {
                        None
                    };
                    out.push(Grant {
                        level,
                        anchor,
                        team: scope,
                    });
                }
            }
        }
        out
    }

    /// The owning business unit of a record (explicit or the owner's).
    fn record_unit(&self, rec: &'a Value) -> Option<String> {
        if let Some(bu) = s(rec, "businessUnit") {
            return Some(bu.to_string());
        }
        principal(rec.get("owner")).and_then(|p| self.principal_unit(p))
    }

    /// The record itself and the ancestors its shares are inherited from (SPEC §4).
    fn share_chain(&self, rec: &'a Value) -> Vec<&'a Value> {
        let mut chain = vec![rec];
        let mut cur = rec;
        while let Some(pid) = s(cur, "parent") {
            if chain.len() > 10_000 {
                break;
            }
            let Some(parent) = self.record(pid) else {
                break;
            };
            let child_table = s(cur, "table").unwrap_or("");
            let parent_table = s(parent, "table").unwrap_or("");
            let rel = arr(self.0, "relationships").iter().find(|r| {
                s(r, "child") == Some(child_table) && s(r, "parent") == Some(parent_table)
            });
            let Some(rel) = rel else { break };
            let share = rel
                .get("cascade")
                .and_then(|c| s(c, "share"))
                .unwrap_or("all");
            let passes = match share {
                "all" => true,
                "active" => cur.get("active").and_then(Value::as_bool).unwrap_or(true),
                "userOwned" => {
                    let a = principal(cur.get("owner"));
                    let b = principal(parent.get("owner"));
                    a.is_some() && a == b
                }
                _ => false,
            };
            if !passes {
                break;
            }
            chain.push(parent);
            cur = parent;
        }
        chain
    }

    /// Shares and access teams reaching a record, directly or inherited.
    fn reaches(&self, rec: &'a Value) -> Vec<Reach<'a>> {
        let mut out = Vec::new();
        for r in self.share_chain(rec) {
            let id = s(r, "id").unwrap_or("");
            for sh in arr(self.0, "shares") {
                if s(sh, "record") == Some(id) {
                    if let Some(p) = principal(sh.get("principal")) {
                        out.push(Reach::Share(p, strs(sh, "rights")));
                    }
                }
            }
            for at in arr(self.0, "accessTeams") {
                if s(at, "record") == Some(id) {
                    let rights = self
                        .template(s(at, "template").unwrap_or(""))
                        .map(|t| strs(t, "rights"))
                        .unwrap_or_default();
                    out.push(Reach::AccessTeam(strs(at, "members"), rights));
                }
            }
        }
        out
    }

    /// Ownership or role depth covers (owner, unit) for `user` with grants `gs`.
    fn covers_owned_or_depth(
        &self,
        user: &str,
        gs: &[Grant],
        owner: Option<Principal<'_>>,
        unit: Option<&str>,
    ) -> bool {
        let teams = self.teams_of(user);
        // a personal grant covers the user's records and its teams'; a grant of team T only T's
        let owned = match owner {
            Some(("user", id)) => id == user && gs.iter().any(|g| g.team.is_none()),
            Some(("team", t)) => {
                teams.iter().any(|x| x == t)
                    && gs
                        .iter()
                        .any(|g| g.team.is_none() || g.team.as_deref() == Some(t))
            }
            _ => false,
        };
        if owned {
            return true;
        }
        if let Some(unit) = unit {
            for g in gs {
                let ok = match g.level {
                    2 => unit == g.anchor,
                    3 => self.in_subtree(unit, &g.anchor),
                    4 => true,
                    _ => false,
                };
                if ok {
                    return true;
                }
            }
        }
        gs.iter().any(|g| g.level == 4)
    }

    /// Which of `wanted` rights the hierarchy gives a manager over `rec` through report `v`
    /// at distance `d` (without the manager's privilege check).
    fn report_holds(&self, v: &str, d: u32, rec: &'a Value, right: &str) -> bool {
        let base: &[&str] = if d == 1 {
            &HIERARCHY_NEAR
        } else {
            &HIERARCHY_FAR
        };
        if !base.contains(&right) {
            return false;
        }
        let teams = self.teams_of(v);
        match principal(rec.get("owner")) {
            Some(("user", id)) if id == v => return true,
            Some(("team", t)) if teams.iter().any(|x| x == t) => return true,
            _ => {}
        }
        for reach in self.reaches(rec) {
            match reach {
                Reach::Share(p, rights) => {
                    let named = match p {
                        ("user", id) => id == v,
                        (_, t) => teams.iter().any(|x| x == t),
                    };
                    if named && rights.contains(&right) {
                        return true;
                    }
                }
                Reach::AccessTeam(members, rights) => {
                    if members.contains(&v) && rights.contains(&right) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Users whose manager chain reaches `manager` at distance 1..=depth, with that distance.
    fn reports_of(&self, manager: &str, depth: u32) -> Vec<(&'a str, u32)> {
        let mut out = Vec::new();
        for u in arr(self.0, "users") {
            let Some(v) = s(u, "id") else { continue };
            let mut cur = s(u, "manager");
            let mut d = 1;
            while let Some(m) = cur {
                if d > depth {
                    break;
                }
                if m == manager {
                    out.push((v, d));
                    break;
                }
                cur = self.user(m).and_then(|x| s(x, "manager"));
                d += 1;
            }
        }
        out
    }

    fn check(&self, user: &str, right: &str, record: &str) -> bool {
        let Some(rec) = self.record(record) else {
            return false;
        };
        if !self.user_active(user) {
            return false;
        }
        let table = s(rec, "table").unwrap_or("");
        let gs = self.grants(user, table, right);
        // 1. privilege check
        if gs.is_empty() {
            return false;
        }
        // organization-owned: any grant is global
        if self.org_owned(table) {
            return true;
        }
        let owner = principal(rec.get("owner"));
        let unit = self.record_unit(rec);
        // 2a/2b ownership and role depth
        if self.covers_owned_or_depth(user, &gs, owner, unit.as_deref()) {
            return true;
        }
        if right == "create" {
            return false;
        }
        // 2c sharing (direct, inherited, access teams)
        let teams = self.teams_of(user);
        let personal = gs.iter().any(|g| g.team.is_none());
        for reach in self.reaches(rec) {
            match reach {
                Reach::Share(p, rights) => {
                    if !rights.contains(&right) {
                        continue;
                    }
                    let covered = match p {
                        ("user", id) => id == user && personal,
                        (_, t) => {
                            teams.iter().any(|x| x == t)
                                && gs
                                    .iter()
                                    .any(|g| g.team.is_none() || g.team.as_deref() == Some(t))
                        }
                    };
                    if covered {
                        return true;
                    }
                }
                Reach::AccessTeam(members, rights) => {
                    if personal && members.contains(&user) && rights.contains(&right) {
                        return true;
                    }
                }
            }
        }
        // 2d hierarchy
        if let Some(h) = self.0.get("hierarchy").filter(|h| !h.is_null()) {
            let in_tables = strs(h, "tables").contains(&table);
            let depth = h.get("depth").and_then(Value::as_u64).unwrap_or(0) as u32;
            if in_tables {
                for (v, d) in self.reports_of(user, depth) {
                    if self.report_holds(v, d, rec, right) {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<Principal<'_>>,
        unit: Option<&str>,
    ) -> bool {
        if !self.user_active(user) {
            return false;
        }
        let gs = self.grants(user, table, "create");
        if gs.is_empty() {
            return false;
        }
        if self.org_owned(table) {
            return true;
        }
        let owner = owner.unwrap_or(("user", user));
        let unit = match unit {
            Some(u) => Some(u.to_string()),
            None => match owner {
                ("user", id) => self
                    .user(id)
                    .and_then(|u| s(u, "businessUnit"))
                    .map(str::to_string),
                (_, id) => {
                    if let Some(bu) = id.strip_prefix("default:") {
                        Some(bu.to_string())
                    } else {
                        self.team(id)
                            .and_then(|t| s(t, "businessUnit"))
                            .map(str::to_string)
                    }
                }
            },
        };
        self.covers_owned_or_depth(user, &gs, Some(owner), unit.as_deref())
    }
}

/// `check(user, right, record)` per SPEC §2/§4/§5.
pub fn check(snapshot: &Value, user: &str, right: &str, record: &str) -> bool {
    Snap(snapshot).check(user, right, record)
}

/// Every right the user holds on the record, in SPEC §1 order.
pub fn rights(snapshot: &Value, user: &str, record: &str) -> Vec<String> {
    let snap = Snap(snapshot);
    RIGHTS
        .iter()
        .filter(|r| snap.check(user, r, record))
        .map(|r| r.to_string())
        .collect()
}

/// The users holding `right` on `record`, sorted ascending.
pub fn who_can(snapshot: &Value, right: &str, record: &str) -> Vec<String> {
    let snap = Snap(snapshot);
    let mut out: Vec<String> = arr(snapshot, "users")
        .iter()
        .filter_map(|u| s(u, "id"))
        .filter(|u| snap.check(u, right, record))
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// The records (of `table`, if given) on which the user holds `right`, sorted ascending.
pub fn accessible_records(
    snapshot: &Value,
    user: &str,
    right: &str,
    table: Option<&str>,
) -> Vec<String> {
    let snap = Snap(snapshot);
    let mut out: Vec<String> = arr(snapshot, "records")
        .iter()
        .filter(|r| table.is_none() || s(r, "table") == table)
        .filter_map(|r| s(r, "id"))
        .filter(|r| snap.check(user, right, r))
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// `canCreate(user, table, {owner, businessUnit})`; `owner` is `("user"|"team", id)`.
pub fn can_create(
    snapshot: &Value,
    user: &str,
    table: &str,
    owner: Option<Principal<'_>>,
    business_unit: Option<&str>,
) -> bool {
    Snap(snapshot).can_create(user, table, owner, business_unit)
}

/// `canAppend(user, child, parent)`: append on the child and appendTo on the parent.
pub fn can_append(snapshot: &Value, user: &str, child: &str, parent: &str) -> bool {
    let snap = Snap(snapshot);
    snap.check(user, "append", child) && snap.check(user, "appendTo", parent)
}
