//! The Casbin encoding of a restricted org: RBAC with domains, a domain being a
//! business unit (the anchor of the user's roles).
//!
//! - `p, role:<id>, <table>, <right>, <level>`: what each role grants (any level on
//!   an organization-owned table is written `global`);
//! - `g, <user>, role:<id>, <unit>`: the user holds the role in its unit. Disabled
//!   users and users of a disabled unit's subtree get no `g` line (deprovisioned:
//!   Casbin has no notion of a disabled subject);
//! - `g2, <user>, <team>`: team membership (owner, access and default teams);
//! - `g3, <unit>, <parent unit>`: the business-unit tree (for `deep`).
//!
//! A request is `(user, user's unit, record, right)`, the record being an
//! attribute object `{ table, owner, unit, sh }` (`sh`: per right, the principals
//! it is shared with) that the caller supplies, as Casbin's ABAC expects. The
//! matcher (see [`MODEL`]) uses `shared(...)`, a custom function the JS benchmark
//! registers, that tests `g2` links of the user against the share list.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crm_policy::model::Principal;
use crm_policy::{Level, Right};

use crate::workload::Ix;

pub const MODEL: &str = r#"[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act, lvl

[role_definition]
g = _, _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj.table == p.obj && r.act == p.act && g(r.sub, p.sub, r.dom) && (p.lvl == "global" || (p.lvl == "deep" && g3(r.obj.unit, r.dom)) || (p.lvl == "local" && r.obj.unit == r.dom) || g2(r.sub, r.obj.owner) || shared(r.sub, r.obj.sh, r.act))
"#;

fn level_name(l: Level) -> &'static str {
    match l {
        Level::None => "none",
        Level::Basic => "basic",
        Level::Local => "local",
        Level::Deep => "deep",
        Level::Global => "global",
    }
}

/// Policy and grouping lines (CSV, as for Casbin's file or string adapters).
pub fn policy_lines(ix: &Ix) -> String {
    let s = ix.s;
    let mut out = String::new();
    for (ri, role) in s.roles.iter().enumerate() {
        for table in role.privileges.keys() {
            for right in Right::ALL {
                let l = ix.level(ri, table, right);
                if l != Level::None {
                    let _ = writeln!(
                        out,
                        "p, role:{}, {}, {}, {}",
                        role.id,
                        table,
                        right.as_str(),
                        level_name(l)
                    );
                }
            }
        }
    }
    for (i, u) in s.users.iter().enumerate() {
        if ix.user_blocked(i) {
            continue;
        }
        for r in &u.roles {
            let _ = writeln!(out, "g, {}, role:{}, {}", u.id, r.role, u.business_unit);
        }
        for t in &ix.user_teams[i] {
            let _ = writeln!(out, "g2, {}, {}", u.id, t);
        }
    }
    for b in &s.business_units {
        if let Some(p) = &b.parent {
            let _ = writeln!(out, "g3, {}, {}", b.id, p);
        }
    }
    out
}

/// The request `[sub, dom, obj, act]`.
pub fn request(ix: &Ix, user: usize, right: Right, record: usize) -> Value {
    let s = ix.s;
    let u = &s.users[user];
    let r = &s.records[record];
    let mut sh = serde_json::Map::new();
    if let Some(shares) = ix.shares.get(&record) {
        for right in Right::ALL {
            let with: Vec<&str> = shares
                .iter()
                .filter(|(_, rights)| rights.contains(&right))
                .map(|(p, _)| match p {
                    Principal::User(id) | Principal::Team(id) => id.as_str(),
                })
                .collect();
            if !with.is_empty() {
                sh.insert(right.as_str().to_string(), json!(with));
            }
        }
    }
    let owner = r.owner.as_ref().map_or("", |p| p.id());
    let unit = r.business_unit.as_deref().unwrap_or("");
    json!([
        u.id,
        u.business_unit,
        { "table": r.table, "owner": owner, "unit": unit, "sh": sh },
        right.as_str()
    ])
}
