//! The Cedar encoding of a restricted org (schema-less).
//!
//! Entities: `BusinessUnit` (parent: its parent unit), `Role`, `Team` (parent:
//! its unit; default teams are `Team::"default:<unit>"`), `User` (parents: its
//! unit, its teams and default team, its roles; attributes `unit`, `disabled`),
//! one entity type per table (`Account`, `Contact`, ...) for records with
//! attributes `owner` (a `User` or `Team`), `owningUnit`, and one set per shared
//! right, `share_<right>`, of the principals the record is shared with for it.
//!
//! Policies: two kinds of `forbid` (disabled user; user in a disabled unit's
//! subtree) and one `permit` per role, table and right the role grants:
//! - global (and any level on organization-owned tables): no condition;
//! - deep: `resource.owningUnit in principal.unit || <owner> || <share>`;
//! - local: `resource.owningUnit == principal.unit || <owner> || <share>`;
//! - basic: `<owner> || <share>`;
//!
//! where `<owner>` is `principal in resource.owner` (the user owns it or is a
//! member of the owning team) and `<share>` is `resource has share_r &&
//! principal in resource.share_r` (never for `create`).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crm_policy::model::Principal;
use crm_policy::{Level, Right};

use crate::workload::Ix;

pub fn table_type(table: &str) -> String {
    let mut c = table.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn uid(ty: &str, id: &str) -> Value {
    json!({ "type": ty, "id": id })
}

fn eref(ty: &str, id: &str) -> Value {
    json!({ "__entity": { "type": ty, "id": id } })
}

fn principal_ref(p: &Principal) -> Value {
    match p {
        Principal::User(u) => eref("User", u),
        Principal::Team(t) => eref("Team", t),
    }
}

fn cedar_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The policy set, as Cedar text.
pub fn policies(ix: &Ix) -> String {
    let s = ix.s;
    let mut out = String::new();
    out.push_str("// Disabled users, and users of a disabled business unit or of its subtree, have no rights.\n");
    out.push_str("forbid (principal, action, resource) when { principal.disabled };\n");
    for b in s.business_units.iter().filter(|b| b.disabled) {
        let _ = writeln!(
            out,
            "forbid (principal, action, resource) when {{ principal.unit in BusinessUnit::{} }};",
            cedar_str(&b.id)
        );
    }
    for (ri, role) in s.roles.iter().enumerate() {
        let _ = writeln!(out, "\n// role {}", role.id);
        for table in role.privileges.keys() {
            let org_owned = ix.org_owned.get(table.as_str()).copied().unwrap_or(false);
            for right in Right::ALL {
                let level = ix.level(ri, table, right);
                if level == Level::None {
                    continue;
                }
                let head = format!(
                    "permit (principal in Role::{}, action == Action::{}, resource is {})",
                    cedar_str(&role.id),
                    cedar_str(right.as_str()),
                    table_type(table)
                );
                if org_owned || level == Level::Global {
                    let _ = writeln!(out, "{head};");
                    continue;
                }
                let mut paths: Vec<String> = Vec::new();
                match level {
                    Level::Deep => paths.push("resource.owningUnit in principal.unit".into()),
                    Level::Local => paths.push("resource.owningUnit == principal.unit".into()),
                    _ => {}
                }
                paths.push("principal in resource.owner".into());
                if right != Right::Create {
                    let a = format!("share_{}", right.as_str());
                    paths.push(format!("(resource has {a} && principal in resource.{a})"));
                }
                let _ = writeln!(out, "{head} when {{ {} }};", paths.join(" || "));
            }
        }
    }
    out
}

pub fn unit_entity(ix: &Ix, unit: &str) -> Value {
    let parents: Vec<Value> = ix
        .unit_parent
        .get(unit)
        .copied()
        .flatten()
        .map(|p| uid("BusinessUnit", p))
        .into_iter()
        .collect();
    json!({ "uid": uid("BusinessUnit", unit), "attrs": {}, "parents": parents })
}

pub fn team_entity(ix: &Ix, team: &str) -> Value {
    let unit = match team.strip_prefix("default:") {
        Some(bu) => Some(bu),
        None => ix.team_unit.get(team).copied(),
    };
    let parents: Vec<Value> = unit.map(|u| uid("BusinessUnit", u)).into_iter().collect();
    json!({ "uid": uid("Team", team), "attrs": {}, "parents": parents })
}

pub fn role_entity(role: &str) -> Value {
    json!({ "uid": uid("Role", role), "attrs": {}, "parents": [] })
}

pub fn user_entity(ix: &Ix, user: usize) -> Value {
    let u = &ix.s.users[user];
    let mut parents = vec![uid("BusinessUnit", &u.business_unit)];
    parents.extend(ix.user_teams[user].iter().map(|t| uid("Team", t)));
    parents.extend(u.roles.iter().map(|r| uid("Role", &r.role)));
    json!({
        "uid": uid("User", &u.id),
        "attrs": { "unit": eref("BusinessUnit", &u.business_unit), "disabled": u.disabled },
        "parents": parents,
    })
}

pub fn record_entity(ix: &Ix, record: usize) -> Value {
    let r = &ix.s.records[record];
    let mut attrs = serde_json::Map::new();
    if let Some(o) = &r.owner {
        attrs.insert("owner".into(), principal_ref(o));
    }
    if let Some(bu) = &r.business_unit {
        attrs.insert("owningUnit".into(), eref("BusinessUnit", bu));
    }
    if let Some(shares) = ix.shares.get(&record) {
        for right in Right::ALL {
            let with: Vec<Value> = shares
                .iter()
                .filter(|(_, rights)| rights.contains(&right))
                .map(|(p, _)| principal_ref(p))
                .collect();
            if !with.is_empty() {
                attrs.insert(format!("share_{}", right.as_str()), Value::Array(with));
            }
        }
    }
    json!({ "uid": uid(&table_type(&r.table), &r.id), "attrs": attrs, "parents": [] })
}

/// The entities one request needs: the user, its roles, teams and unit chain;
/// the record and its owning unit's chain.
pub fn slice(ix: &Ix, user: usize, record: usize) -> Vec<Value> {
    let s = ix.s;
    let u = &s.users[user];
    let mut out = vec![user_entity(ix, user)];
    for r in &u.roles {
        out.push(role_entity(&r.role));
    }
    for t in &ix.user_teams[user] {
        out.push(team_entity(ix, t));
    }
    let mut units: Vec<&str> = ix.unit_chain(&u.business_unit);
    if let Some(bu) = &s.records[record].business_unit {
        for b in ix.unit_chain(bu) {
            if !units.contains(&b) {
                units.push(b);
            }
        }
    }
    for b in units {
        out.push(unit_entity(ix, b));
    }
    out.push(record_entity(ix, record));
    out
}

/// Every entity of the org, as a JSON array written to `w` (one entity per line).
pub fn write_all_entities(ix: &Ix, w: &mut impl std::io::Write) -> std::io::Result<()> {
    let s = ix.s;
    let mut first = true;
    let mut put = |w: &mut dyn std::io::Write, v: Value| -> std::io::Result<()> {
        w.write_all(if first { b"[\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *w, &v).map_err(std::io::Error::other)
    };
    for b in &s.business_units {
        put(w, unit_entity(ix, &b.id))?;
        put(w, team_entity(ix, &format!("default:{}", b.id)))?;
    }
    for r in &s.roles {
        put(w, role_entity(&r.id))?;
    }
    for t in &s.teams {
        put(w, team_entity(ix, &t.id))?;
    }
    for i in 0..s.users.len() {
        put(w, user_entity(ix, i))?;
    }
    for i in 0..s.records.len() {
        put(w, record_entity(ix, i))?;
    }
    w.write_all(b"\n]\n")
}
