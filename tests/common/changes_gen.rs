//! Proptest strategies for random changesets (SPEC §6) against a snapshot.
//!
//! An [`OpPlan`] is a bag of small numbers; [`materialize`] reads the ids of a snapshot
//! (units, users, teams, records, roles, templates, shares, access teams, role
//! assignments) and turns the plans into operations as JSON values, with mostly valid
//! arguments: indexes are taken modulo the counts, `removeRole` / `modifyShare` /
//! `unshare` / `removeAccessTeamMember` pick existing entries, and ids created by earlier
//! operations of the same changeset are reused by later ones. A plan with `bad` set
//! names an id that exists nowhere (`nope…`), so that operation is surely invalid.
//! Many "valid" operations still fail on the state (e.g. a new owner without read
//! privilege, a cycle, a unit that is not empty): the properties handle both outcomes.

#![allow(dead_code)]

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Number of operation kinds (every operation of SPEC §6).
pub const KINDS: usize = 31;

/// The operation names, by kind.
pub const OPS: [&str; KINDS] = [
    "createBusinessUnit",
    "renameBusinessUnit",
    "reparentBusinessUnit",
    "disableBusinessUnit",
    "enableBusinessUnit",
    "deleteBusinessUnit",
    "mergeBusinessUnits",
    "createUser",
    "moveUser",
    "moveUsers",
    "setManager",
    "disableUser",
    "enableUser",
    "assignRole",
    "removeRole",
    "createTeam",
    "deleteTeam",
    "addTeamMembers",
    "removeTeamMembers",
    "moveTeam",
    "assignRecord",
    "reassignRecords",
    "setRecordBusinessUnit",
    "createRecord",
    "deleteRecord",
    "share",
    "modifyShare",
    "unshare",
    "addAccessTeamMember",
    "removeAccessTeamMember",
    "setSetting",
];

const RIGHTS: [&str; 8] = [
    "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
];

const SETTINGS: [&str; 5] = [
    "ownershipAcrossBusinessUnits",
    "alwaysMoveRecordToOwnerBusinessUnit",
    "doNotRemoveRolesOnChangeBusinessUnit",
    "shareToPreviousOwnerOnAssign",
    "managersMustBeInSameOrParentBusinessUnit",
];

/// One operation as small numbers.
#[derive(Debug, Clone)]
pub struct OpPlan {
    /// Operation kind (index into [`OPS`]).
    pub kind: usize,
    /// Seeds for the ids the operation names.
    pub a: usize,
    /// Second seed.
    pub b: usize,
    /// Third seed.
    pub c: usize,
    /// Option bits (optional fields, principal kind, booleans, rights mask).
    pub flags: u16,
    /// Name an id that does not exist.
    pub bad: bool,
}

/// One operation, mostly valid (about 1 in 25 names an unknown id).
pub fn op_plan() -> impl Strategy<Value = OpPlan> {
    (
        0..KINDS,
        0..64usize,
        0..64usize,
        0..64usize,
        any::<u16>(),
        prop::bool::weighted(0.04),
    )
        .prop_map(|(kind, a, b, c, flags, bad)| OpPlan {
            kind,
            a,
            b,
            c,
            flags,
            bad,
        })
}

/// A changeset of 1 to 5 operations.
pub fn changeset_plan() -> impl Strategy<Value = Vec<OpPlan>> {
    vec(op_plan(), 1..=5)
}

/// A principal as `(kind, id)`, kind `user` or `team`.
type P = (String, String);

/// The ids of a snapshot, and those created so far by the changeset being built.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    units: Vec<String>,
    root: String,
    users: Vec<String>,
    /// (id, owner team?).
    teams: Vec<(String, bool)>,
    /// (id, table, organization-owned?).
    records: Vec<(String, String, bool)>,
    /// User-owned tables.
    user_tables: Vec<String>,
    /// Organization-owned tables.
    org_tables: Vec<String>,
    /// (parent table, child table).
    rels: Vec<(String, String)>,
    roles: Vec<String>,
    /// (id, table).
    templates: Vec<(String, String)>,
    /// (record, principal).
    shares: Vec<(String, P)>,
    /// (template, record, member).
    at_members: Vec<(String, String, String)>,
    /// (principal, role, explicit unit).
    assignments: Vec<(P, String, Option<String>)>,
    /// ownershipAcrossBusinessUnits (as far as the changeset being built knows).
    across: bool,
    created: usize,
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn st(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn principal_of(v: &Value) -> P {
    if let Some(u) = v.get("user").and_then(Value::as_str) {
        ("user".into(), u.into())
    } else {
        ("team".into(), st(v, "team"))
    }
}

fn pj(p: &P) -> Value {
    json!({ p.0.clone(): p.1.clone() })
}

fn pick<T: Clone>(list: &[T], seed: usize) -> Option<T> {
    if list.is_empty() {
        None
    } else {
        Some(list[seed % list.len()].clone())
    }
}

impl Ctx {
    /// Read the ids of a snapshot.
    pub fn new(snap: &Value) -> Ctx {
        let mut c = Ctx {
            across: snap["settings"]["ownershipAcrossBusinessUnits"] == true,
            ..Ctx::default()
        };
        for b in arr(snap, "businessUnits") {
            let id = st(b, "id");
            if b.get("parent").is_none_or(Value::is_null) {
                c.root = id.clone();
            }
            for a in arr(b, "defaultTeamRoles") {
                c.assignments.push((
                    ("team".into(), format!("default:{id}")),
                    st(a, "role"),
                    a.get("businessUnit")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ));
            }
            c.units.push(id);
        }
        let org_owned: Vec<String> = arr(snap, "tables")
            .iter()
            .filter(|t| st(t, "ownership") == "organization")
            .map(|t| st(t, "name"))
            .collect();
        for t in arr(snap, "tables") {
            let name = st(t, "name");
            if org_owned.contains(&name) {
                c.org_tables.push(name);
            } else {
                c.user_tables.push(name);
            }
        }
        for r in arr(snap, "relationships") {
            c.rels.push((st(r, "parent"), st(r, "child")));
        }
        for r in arr(snap, "roles") {
            c.roles.push(st(r, "id"));
        }
        for u in arr(snap, "users") {
            let id = st(u, "id");
            for a in arr(u, "roles") {
                c.assignments.push((
                    ("user".into(), id.clone()),
                    st(a, "role"),
                    a.get("businessUnit")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ));
            }
            c.users.push(id);
        }
        for t in arr(snap, "teams") {
            let id = st(t, "id");
            for a in arr(t, "roles") {
                c.assignments.push((
                    ("team".into(), id.clone()),
                    st(a, "role"),
                    a.get("businessUnit")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ));
            }
            c.teams.push((id, st(t, "kind") == "owner"));
        }
        for t in arr(snap, "accessTeamTemplates") {
            c.templates.push((st(t, "id"), st(t, "table")));
        }
        for r in arr(snap, "records") {
            let table = st(r, "table");
            let org = org_owned.contains(&table);
            c.records.push((st(r, "id"), table, org));
        }
        for s in arr(snap, "shares") {
            c.shares.push((
                st(s, "record"),
                principal_of(s.get("principal").unwrap_or(&Value::Null)),
            ));
        }
        for a in arr(snap, "accessTeams") {
            for m in arr(a, "members") {
                c.at_members.push((
                    st(a, "template"),
                    st(a, "record"),
                    m.as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        c
    }

    fn unit(&self, seed: usize) -> String {
        pick(&self.units, seed).unwrap_or_else(|| "nope-unit".into())
    }
    fn non_root_unit(&self, seed: usize) -> String {
        let list: Vec<String> = self
            .units
            .iter()
            .filter(|u| **u != self.root)
            .cloned()
            .collect();
        pick(&list, seed).unwrap_or_else(|| self.unit(seed))
    }
    fn user(&self, seed: usize) -> String {
        pick(&self.users, seed).unwrap_or_else(|| "nope-user".into())
    }
    fn role(&self, seed: usize) -> String {
        pick(&self.roles, seed).unwrap_or_else(|| "nope-role".into())
    }
    fn owner_team(&self, seed: usize) -> Option<String> {
        let list: Vec<String> = self
            .teams
            .iter()
            .filter(|t| t.1)
            .map(|t| t.0.clone())
            .collect();
        pick(&list, seed)
    }
    fn explicit_team(&self, seed: usize) -> Option<String> {
        pick(&self.teams, seed).map(|t| t.0)
    }
    /// A principal: user, explicit team or default team.
    fn principal(&self, seed: usize, kind: u16) -> P {
        match kind % 4 {
            1 => match self.explicit_team(seed) {
                Some(t) => ("team".into(), t),
                None => ("user".into(), self.user(seed)),
            },
            2 => ("team".into(), format!("default:{}", self.unit(seed))),
            _ => ("user".into(), self.user(seed)),
        }
    }
    /// An owner: mostly a user, sometimes an owner team or a default team.
    fn owner(&self, seed: usize, kind: u16) -> P {
        match kind % 5 {
            1 => match self.owner_team(seed) {
                Some(t) => ("team".into(), t),
                None => ("user".into(), self.user(seed)),
            },
            2 => ("team".into(), format!("default:{}", self.unit(seed))),
            _ => ("user".into(), self.user(seed)),
        }
    }
    fn user_record(&self, seed: usize) -> String {
        let list: Vec<String> = self
            .records
            .iter()
            .filter(|r| !r.2)
            .map(|r| r.0.clone())
            .collect();
        pick(&list, seed).unwrap_or_else(|| "nope-record".into())
    }
    fn record(&self, seed: usize) -> String {
        pick(&self.records, seed)
            .map(|r| r.0)
            .unwrap_or_else(|| "nope-record".into())
    }
    fn fresh(&mut self, prefix: &str) -> String {
        self.created += 1;
        format!("{prefix}{}", self.created)
    }
}

fn rights_of(mask: u16) -> Vec<&'static str> {
    // shares never carry `create`; at least one right
    let out: Vec<&str> = RIGHTS
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, r)| *r)
        .collect();
    if out.is_empty() {
        vec!["read"]
    } else {
        out
    }
}

/// Turn plans into operations (JSON values), updating `ctx` with created ids.
pub fn materialize(ctx: &mut Ctx, plans: &[OpPlan]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in plans {
        out.extend(one(ctx, p));
    }
    out
}

/// An operation that is invalid whatever the state (it names an unknown id).
pub fn surely_bad(ctx: &Ctx, seed: usize) -> Value {
    match seed % 6 {
        0 => json!({"op": "moveUser", "user": "nope-user", "businessUnit": ctx.unit(seed)}),
        1 => {
            json!({"op": "assignRecord", "record": "nope-record", "owner": {"user": ctx.user(seed)}})
        }
        2 => {
            json!({"op": "createBusinessUnit", "id": "nope-new", "name": "X", "parent": "nope-parent"})
        }
        3 => json!({"op": "setSetting", "name": "nopeSetting", "value": true}),
        4 => {
            json!({"op": "share", "record": ctx.user_record(seed), "principal": {"team": "nope-team"}, "rights": ["read"]})
        }
        _ => {
            json!({"op": "assignRole", "principal": {"user": ctx.user(seed)}, "role": "nope-role"})
        }
    }
}

fn one(ctx: &mut Ctx, p: &OpPlan) -> Vec<Value> {
    let f = p.flags;
    let bit = |i: u16| f & (1 << i) != 0;
    let bad = p.bad;
    let nope = |s: String, what: &str| if bad { format!("nope-{what}") } else { s };
    match OPS[p.kind] {
        "createBusinessUnit" => {
            let id = ctx.fresh("nbu");
            let parent = nope(ctx.unit(p.a), "unit");
            ctx.units.push(id.clone());
            vec![
                json!({"op": "createBusinessUnit", "id": id, "name": format!("New {id}"), "parent": parent}),
            ]
        }
        "renameBusinessUnit" => {
            vec![
                json!({"op": "renameBusinessUnit", "businessUnit": nope(ctx.unit(p.a), "unit"), "name": format!("Renamed {}", p.b)}),
            ]
        }
        "reparentBusinessUnit" => vec![json!({"op": "reparentBusinessUnit",
            "businessUnit": nope(ctx.non_root_unit(p.a), "unit"), "parent": ctx.unit(p.b)})],
        "disableBusinessUnit" => vec![json!({"op": "disableBusinessUnit",
            "businessUnit": nope(ctx.non_root_unit(p.a), "unit")})],
        "enableBusinessUnit" => {
            vec![json!({"op": "enableBusinessUnit", "businessUnit": nope(ctx.unit(p.a), "unit")})]
        }
        "deleteBusinessUnit" => {
            // prefer a unit created by this changeset (it can actually be deleted)
            let fresh: Vec<String> = ctx
                .units
                .iter()
                .filter(|u| u.starts_with("nbu"))
                .cloned()
                .collect();
            let mut v = Vec::new();
            let b = match pick(&fresh, p.a) {
                Some(b) => b,
                None if bit(1) => {
                    let id = ctx.fresh("nbu");
                    v.push(json!({"op": "createBusinessUnit", "id": id, "name": "Doomed", "parent": ctx.unit(p.b)}));
                    id
                }
                None => ctx.non_root_unit(p.a),
            };
            let b = nope(b, "unit");
            if !bit(0) {
                v.push(json!({"op": "disableBusinessUnit", "businessUnit": b}));
            }
            v.push(json!({"op": "deleteBusinessUnit", "businessUnit": b}));
            v
        }
        "mergeBusinessUnits" => vec![json!({"op": "mergeBusinessUnits",
            "from": nope(ctx.non_root_unit(p.a), "unit"), "into": ctx.unit(p.b)})],
        "createUser" => {
            let id = ctx.fresh("nu");
            let unit = nope(ctx.unit(p.a), "unit");
            let mut o = json!({"op": "createUser", "id": id, "name": format!("New {id}"), "businessUnit": unit});
            if bit(0) {
                o["manager"] = json!(ctx.user(p.b));
            }
            if bit(1) {
                o["disabled"] = json!(true);
            }
            if !bit(2) {
                o["roles"] = json!([{ "role": ctx.role(p.c) }]);
            }
            ctx.users.push(id);
            vec![o]
        }
        "moveUser" | "moveUsers" => {
            let mut o = if OPS[p.kind] == "moveUser" {
                json!({"op": "moveUser", "user": nope(ctx.user(p.a), "user"), "businessUnit": ctx.unit(p.b)})
            } else {
                let mut users = vec![ctx.user(p.a)];
                if bit(5) {
                    users.push(ctx.user(p.a + 1 + p.c));
                }
                users.dedup();
                if bad {
                    users.push("nope-user".into());
                }
                json!({"op": "moveUsers", "users": users, "businessUnit": ctx.unit(p.b)})
            };
            if bit(0) {
                o["moveRecords"] = json!(bit(1));
            }
            if bit(2) && bit(3) {
                o["reassignRecordsTo"] = pj(&ctx.owner(p.c, f >> 8));
            }
            vec![o]
        }
        "setManager" => {
            let m = if bit(0) && bit(1) {
                Value::Null
            } else {
                json!(ctx.user(p.b))
            };
            vec![json!({"op": "setManager", "user": nope(ctx.user(p.a), "user"), "manager": m})]
        }
        "disableUser" => {
            let mut o = json!({"op": "disableUser", "user": nope(ctx.user(p.a), "user")});
            if bit(0) {
                o["reassignRecordsTo"] = pj(&ctx.owner(p.b, f >> 8));
            }
            vec![o]
        }
        "enableUser" => vec![json!({"op": "enableUser", "user": nope(ctx.user(p.a), "user")})],
        "assignRole" => {
            let pr = ctx.principal(p.a, f >> 8);
            let role = nope(ctx.role(p.b), "role");
            let mut o = json!({"op": "assignRole", "principal": pj(&pr), "role": role});
            if bit(0) && bit(1) {
                o["businessUnit"] = json!(ctx.unit(p.c));
            }
            vec![o]
        }
        "removeRole" => {
            let (pr, role, bu) = pick(&ctx.assignments, p.a)
                .unwrap_or_else(|| (("user".into(), ctx.user(p.a)), ctx.role(p.b), None));
            let mut o =
                json!({"op": "removeRole", "principal": pj(&pr), "role": nope(role, "role")});
            if let Some(bu) = bu {
                o["businessUnit"] = json!(bu);
            }
            vec![o]
        }
        "createTeam" => {
            let id = ctx.fresh("nt");
            let owner = !bit(0) || bit(1);
            let members: Vec<String> = (0..(f >> 2) % 3)
                .map(|i| ctx.user(p.b + i as usize * 7))
                .collect::<Vec<_>>();
            let mut members = members;
            members.sort();
            members.dedup();
            let mut o = json!({"op": "createTeam", "id": id, "name": format!("Team {id}"),
                "kind": if owner { "owner" } else { "access" },
                "businessUnit": nope(ctx.unit(p.a), "unit"), "members": members});
            if owner {
                if bit(4) {
                    o["roles"] = json!([{ "role": ctx.role(p.c) }]);
                }
                o["inheritance"] = json!(if bit(5) { "team" } else { "direct" });
            }
            ctx.teams.push((id, owner));
            vec![o]
        }
        "deleteTeam" => {
            let (mut v, t) = some_team(ctx, p);
            v.push(json!({"op": "deleteTeam", "team": nope(t, "team")}));
            v
        }
        "addTeamMembers" | "removeTeamMembers" => {
            let (mut v, t) = some_team(ctx, p);
            let mut users = vec![ctx.user(p.b)];
            if bit(0) {
                users.push(ctx.user(p.c));
            }
            users.dedup();
            v.push(json!({"op": OPS[p.kind], "team": nope(t, "team"), "users": users}));
            v
        }
        "moveTeam" => {
            let (mut v, t) = some_team(ctx, p);
            v.push(
                json!({"op": "moveTeam", "team": nope(t, "team"), "businessUnit": ctx.unit(p.b)}),
            );
            v
        }
        "assignRecord" => vec![json!({"op": "assignRecord",
            "record": nope(ctx.user_record(p.a), "record"), "owner": pj(&ctx.owner(p.b, f))})],
        "reassignRecords" => {
            let mut o = json!({"op": "reassignRecords",
                "from": pj(&ctx.owner(p.a, f)), "to": pj(&ctx.owner(p.b, f >> 4))});
            if bad {
                o["from"] = json!({"user": "nope-user"});
            }
            if bit(8) {
                o["table"] = json!(pick(&ctx.user_tables, p.c).unwrap_or_default());
            }
            vec![o]
        }
        "setRecordBusinessUnit" => {
            let mut v = Vec::new();
            if !ctx.across && !bit(0) {
                // the operation needs ownershipAcrossBusinessUnits
                v.push(json!({"op": "setSetting", "name": "ownershipAcrossBusinessUnits", "value": true}));
                ctx.across = true;
            }
            v.push(json!({"op": "setRecordBusinessUnit",
                "record": nope(ctx.user_record(p.a), "record"), "businessUnit": ctx.unit(p.b)}));
            v
        }
        "createRecord" => {
            let id = ctx.fresh("nr");
            let org_table = bit(0) && bit(1) && !ctx.org_tables.is_empty();
            let table = if org_table {
                pick(&ctx.org_tables, p.a).unwrap_or_default()
            } else {
                pick(&ctx.user_tables, p.a).unwrap_or_default()
            };
            let mut o =
                json!({"op": "createRecord", "id": id, "table": nope(table.clone(), "table")});
            if !org_table {
                o["owner"] = pj(&ctx.owner(p.b, f >> 2));
                if bit(5) {
                    o["businessUnit"] = json!(ctx.unit(p.c));
                }
                if let Some((pt, _)) = ctx.rels.iter().find(|(_, c)| *c == table) {
                    let parents: Vec<String> = ctx
                        .records
                        .iter()
                        .filter(|r| r.1 == *pt)
                        .map(|r| r.0.clone())
                        .collect();
                    if !bit(6) {
                        if let Some(par) = pick(&parents, p.c) {
                            o["parent"] = json!(par);
                        }
                    }
                }
            }
            if bit(7) {
                o["active"] = json!(false);
            }
            ctx.records.push((id, table, org_table));
            vec![o]
        }
        "deleteRecord" => {
            vec![json!({"op": "deleteRecord", "record": nope(ctx.record(p.a), "record")})]
        }
        "share" => {
            let pr = if bad {
                ("user".into(), "nope-user".into())
            } else {
                ctx.principal(p.b, f >> 8)
            };
            let r = ctx.user_record(p.a);
            ctx.shares.push((r.clone(), pr.clone()));
            vec![json!({"op": "share", "record": r, "principal": pj(&pr), "rights": rights_of(f)})]
        }
        "modifyShare" | "unshare" => {
            let (r, pr) = pick(&ctx.shares, p.a)
                .unwrap_or_else(|| (ctx.user_record(p.a), ("user".into(), ctx.user(p.b))));
            let r = nope(r, "record");
            if OPS[p.kind] == "modifyShare" {
                vec![
                    json!({"op": "modifyShare", "record": r, "principal": pj(&pr), "rights": rights_of(f)}),
                ]
            } else {
                vec![json!({"op": "unshare", "record": r, "principal": pj(&pr)})]
            }
        }
        "addAccessTeamMember" if ctx.templates.is_empty() => {
            // no template in this org: share instead
            let r = ctx.user_record(p.a);
            let pr = ctx.principal(p.b, f >> 8);
            ctx.shares.push((r.clone(), pr.clone()));
            vec![json!({"op": "share", "record": r, "principal": pj(&pr), "rights": rights_of(f)})]
        }
        "addAccessTeamMember" => {
            let (tpl, table) = pick(&ctx.templates, p.a)
                .unwrap_or_else(|| ("nope-template".into(), String::new()));
            let recs: Vec<String> = ctx
                .records
                .iter()
                .filter(|r| r.1 == table)
                .map(|r| r.0.clone())
                .collect();
            let r = pick(&recs, p.b).unwrap_or_else(|| ctx.record(p.b));
            let u = nope(ctx.user(p.c), "user");
            ctx.at_members.push((tpl.clone(), r.clone(), u.clone()));
            vec![json!({"op": "addAccessTeamMember", "record": r, "template": tpl, "user": u})]
        }
        "removeAccessTeamMember" => {
            let (tpl, r, u) = pick(&ctx.at_members, p.a).unwrap_or_else(|| {
                (
                    pick(&ctx.templates, p.a)
                        .map(|t| t.0)
                        .unwrap_or_else(|| "nope-template".into()),
                    ctx.record(p.b),
                    ctx.user(p.c),
                )
            });
            vec![
                json!({"op": "removeAccessTeamMember", "record": r, "template": nope(tpl, "template"), "user": u}),
            ]
        }
        "setSetting" => {
            if p.a % 5 == 0 {
                ctx.across = bit(0);
            }
            let name = nope(SETTINGS[p.a % 5].to_string(), "setting");
            vec![json!({"op": "setSetting", "name": name, "value": bit(0)})]
        }
        other => vec![json!({"op": other})],
    }
}

/// An explicit team to work on, creating one first when the org has none.
fn some_team(ctx: &mut Ctx, p: &OpPlan) -> (Vec<Value>, String) {
    if let Some(t) = ctx.explicit_team(p.a) {
        return (Vec::new(), t);
    }
    let id = ctx.fresh("nt");
    let members = vec![ctx.user(p.c)];
    let op = json!({"op": "createTeam", "id": id, "name": "Fresh", "kind": "owner",
        "businessUnit": ctx.unit(p.c), "members": members});
    ctx.teams.push((id.clone(), true));
    (vec![op], id)
}

/// Whether a changeset creates or deletes records.
pub fn creates_or_deletes_records(ops: &[Value]) -> bool {
    ops.iter().any(|o| {
        matches!(
            o.get("op").and_then(Value::as_str),
            Some("createRecord" | "deleteRecord")
        )
    })
}
