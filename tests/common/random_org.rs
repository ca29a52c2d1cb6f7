//! Proptest strategies for random VALID small orgs, built as snapshot JSON.
//!
//! A [`Plan`] is a bag of small numbers chosen by proptest; [`build`] turns it
//! into a snapshot that satisfies every validation rule by construction
//! (indexes are taken modulo the counts, managers only point to earlier users,
//! parents only to earlier records, anchors and record units only differ from
//! the holder's with `ownershipAcrossBusinessUnits`, …). Because validity does
//! not depend on the numbers, shrinking keeps producing valid orgs.

#![allow(dead_code)]

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

/// The tables of every random org: three user-owned, one organization-owned.
pub const TABLES: [(&str, &str); 4] = [
    ("account", "user"),
    ("contact", "user"),
    ("task", "user"),
    ("currency", "organization"),
];
const USER_TABLES: [&str; 3] = ["account", "contact", "task"];
const LEVELS: [&str; 5] = ["none", "basic", "local", "deep", "global"];
const RIGHTS: [&str; 8] = [
    "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
];
const CASCADES: [&str; 4] = ["all", "active", "userOwned", "none"];

/// A role assignment: role index, optional explicit anchor unit index.
pub type AssignPlan = (usize, Option<usize>);

/// One user.
#[derive(Debug, Clone)]
pub struct UserPlan {
    unit: usize,
    disabled: bool,
    roles: Vec<AssignPlan>,
    manager: Option<usize>,
}

/// One explicit team.
#[derive(Debug, Clone)]
pub struct TeamPlan {
    owner: bool,
    unit: usize,
    members: Vec<usize>,
    roles: Vec<AssignPlan>,
    team_inheritance: bool,
}

/// One record.
#[derive(Debug, Clone)]
pub struct RecordPlan {
    table: usize,
    /// 0 = user, 1 = owner team, 2 = default team; then an index.
    owner: (u8, usize),
    unit: Option<usize>,
    parent: Option<usize>,
    active: bool,
}

/// Everything a random org is made of, as small numbers.
#[derive(Debug, Clone)]
pub struct Plan {
    /// ownershipAcrossBusinessUnits, alwaysMoveRecordToOwnerBusinessUnit,
    /// doNotRemoveRolesOnChangeBusinessUnit, shareToPreviousOwnerOnAssign,
    /// managersMustBeInSameOrParentBusinessUnit.
    settings: [bool; 5],
    /// Non-root units: (parent seed, disabled).
    units: Vec<(usize, bool)>,
    root_disabled: bool,
    /// cascade.share of account -> contact and contact -> task (None: no relationship).
    relationships: [Option<usize>; 2],
    /// Per role, 4 tables x 8 rights level indexes.
    roles: Vec<Vec<usize>>,
    /// Per unit (by index), an optional default-team role.
    default_roles: Vec<Option<AssignPlan>>,
    users: Vec<UserPlan>,
    teams: Vec<TeamPlan>,
    /// (table index into USER_TABLES, rights mask).
    templates: Vec<(usize, u8)>,
    records: Vec<RecordPlan>,
    /// (record seed, (principal kind 0 user / 1 team / 2 default team, index), rights mask).
    shares: Vec<(usize, (u8, usize), u8)>,
    /// (template seed, record seed, members).
    access_teams: Vec<(usize, usize, Vec<usize>)>,
    /// (depth, tables mask).
    hierarchy: Option<(u32, u8)>,
}

fn assignment() -> impl Strategy<Value = AssignPlan> {
    (0..8usize, proptest::option::weighted(0.35, 0..8usize))
}

fn user_plan() -> impl Strategy<Value = UserPlan> {
    (
        0..8usize,
        prop::bool::weighted(0.12),
        vec(assignment(), 0..3),
        proptest::option::weighted(0.8, 0..12usize),
    )
        .prop_map(|(unit, disabled, roles, manager)| UserPlan {
            unit,
            disabled,
            roles,
            manager,
        })
}

fn team_plan() -> impl Strategy<Value = TeamPlan> {
    (
        prop::bool::weighted(0.7),
        0..8usize,
        vec(0..12usize, 0..5),
        vec(assignment(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(owner, unit, members, roles, team_inheritance)| TeamPlan {
            owner,
            unit,
            members,
            roles,
            team_inheritance,
        })
}

fn record_plan() -> impl Strategy<Value = RecordPlan> {
    (
        select(vec![0usize, 0, 0, 1, 1, 2, 2, 3]),
        (select(vec![0u8, 0, 0, 0, 1, 1, 2]), 0..12usize),
        proptest::option::weighted(0.3, 0..8usize),
        proptest::option::weighted(0.75, 0..20usize),
        prop::bool::weighted(0.75),
    )
        .prop_map(|(table, owner, unit, parent, active)| RecordPlan {
            table,
            owner,
            unit,
            parent,
            active,
        })
}

fn role_levels() -> impl Strategy<Value = Vec<usize>> {
    vec(
        select(vec![0usize, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4]),
        32,
    )
}

/// The strategy: a random valid small org plan (2-8 units, 1-12 users, up to 20 records).
pub fn plan() -> impl Strategy<Value = Plan> {
    let structure = (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.6),
        ),
        vec((0..8usize, prop::bool::weighted(0.1)), 1..8),
        prop::bool::weighted(0.03),
        proptest::array::uniform2(proptest::option::weighted(0.8, 0..4usize)),
        vec(role_levels(), 1..5),
        vec(proptest::option::weighted(0.3, assignment()), 8),
    );
    let people = (
        vec(user_plan(), 1..13),
        vec(team_plan(), 0..5),
        vec((0..3usize, any::<u8>()), 0..3),
    );
    let data = (
        vec(record_plan(), 1..21),
        vec(
            (
                0..20usize,
                (select(vec![0u8, 0, 1, 1, 2]), 0..12usize),
                any::<u8>(),
            ),
            0..16,
        ),
        vec((0..3usize, 0..20usize, vec(0..12usize, 0..4)), 0..4),
        proptest::option::weighted(
            0.7,
            (1..4u32, select(vec![0u8, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7])),
        ),
    );
    (structure, people, data).prop_map(
        |(
            (settings, units, root_disabled, relationships, roles, default_roles),
            (users, teams, templates),
            (records, shares, access_teams, hierarchy),
        )| Plan {
            settings: [settings.0, settings.1, settings.2, settings.3, settings.4],
            units,
            root_disabled,
            relationships,
            roles,
            default_roles,
            users,
            teams,
            templates,
            records,
            shares,
            access_teams,
            hierarchy,
        },
    )
}

fn dedup_by<T, K: PartialEq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for it in items {
        if !out.iter().any(|o| key(o) == key(&it)) {
            out.push(it);
        }
    }
    out
}

fn rights_of(mask: u8) -> Vec<&'static str> {
    // create is a record right but never shared
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

/// Materialise a plan into a valid snapshot.
pub fn build(p: &Plan) -> Value {
    let across = p.settings[0];
    let strict_managers = p.settings[4];
    let n_units = p.units.len() + 1;
    let unit_id = |i: usize| format!("bu{i}");
    // parents[i] for i >= 1
    let mut parents: Vec<Option<usize>> = vec![None];
    for (i, (seed, _)) in p.units.iter().enumerate() {
        parents.push(Some(seed % (i + 1)));
    }
    let is_ancestor_or_self = |anchor: usize, mut unit: usize| -> bool {
        loop {
            if unit == anchor {
                return true;
            }
            match parents.get(unit).copied().flatten() {
                Some(x) => unit = x,
                None => return false,
            }
        }
    };
    let n_roles = p.roles.len();
    let assignments = |list: &[AssignPlan], holder_unit: usize| -> Vec<Value> {
        let list = dedup_by(list.to_vec(), |(r, _)| r % n_roles);
        list.iter()
            .map(|(r, anchor)| {
                let mut a = Map::new();
                a.insert("role".into(), json!(format!("role{}", r % n_roles)));
                if let Some(anchor) = anchor {
                    let unit = anchor % n_units;
                    if across || unit == holder_unit {
                        a.insert("businessUnit".into(), json!(unit_id(unit)));
                    }
                }
                Value::Object(a)
            })
            .collect()
    };

    // business units
    let mut units = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        let disabled = if i == 0 {
            p.root_disabled
        } else {
            p.units.get(i - 1).is_some_and(|u| u.1)
        };
        let mut u = Map::new();
        u.insert("id".into(), json!(unit_id(i)));
        u.insert("name".into(), json!(format!("Unit {i}")));
        u.insert("parent".into(), json!(parent.map(unit_id)));
        if disabled {
            u.insert("disabled".into(), json!(true));
        }
        if let Some(Some(a)) = p.default_roles.get(i) {
            u.insert("defaultTeamRoles".into(), json!(assignments(&[*a], i)));
        }
        units.push(Value::Object(u));
    }

    // tables, relationships, roles
    let tables: Vec<Value> = TABLES
        .iter()
        .map(|(n, o)| json!({"name": n, "ownership": o}))
        .collect();
    let mut relationships = Vec::new();
    let rel_pairs = [("account", "contact"), ("contact", "task")];
    for (i, share) in p.relationships.iter().enumerate() {
        if let Some(share) = share {
            let (parent, child) = rel_pairs[i];
            let c = CASCADES[*share];
            relationships.push(json!({"parent": parent, "child": child,
                "cascade": {"assign": c, "share": c, "unshare": c, "reparent": "all", "delete": "removeLink"}}));
        }
    }
    let roles: Vec<Value> = p
        .roles
        .iter()
        .enumerate()
        .map(|(i, levels)| {
            let mut privileges = Map::new();
            for (t, (table, _)) in TABLES.iter().enumerate() {
                let mut row = Map::new();
                for (r, right) in RIGHTS.iter().enumerate() {
                    let level = LEVELS[levels[t * 8 + r]];
                    if level != "none" {
                        row.insert((*right).into(), json!(level));
                    }
                }
                if !row.is_empty() {
                    privileges.insert((*table).into(), Value::Object(row));
                }
            }
            json!({"id": format!("role{i}"), "name": format!("Role {i}"), "privileges": privileges})
        })
        .collect();

    // users
    let n_users = p.users.len();
    let user_units: Vec<usize> = p.users.iter().map(|u| u.unit % n_units).collect();
    let mut users = Vec::new();
    for (i, u) in p.users.iter().enumerate() {
        let unit = user_units[i];
        let mut manager = None;
        if let (Some(m), true) = (u.manager, i > 0) {
            let m = m % i;
            if !strict_managers || is_ancestor_or_self(user_units[m], unit) {
                manager = Some(format!("u{m}"));
            }
        }
        let mut o = Map::new();
        o.insert("id".into(), json!(format!("u{i}")));
        o.insert("name".into(), json!(format!("User {i}")));
        o.insert("businessUnit".into(), json!(unit_id(unit)));
        o.insert("manager".into(), json!(manager));
        if u.disabled {
            o.insert("disabled".into(), json!(true));
        }
        o.insert("roles".into(), json!(assignments(&u.roles, unit)));
        users.push(Value::Object(o));
    }

    // teams
    let mut teams = Vec::new();
    let mut owner_teams = Vec::new();
    let mut team_units = Vec::new();
    for (i, t) in p.teams.iter().enumerate() {
        let unit = t.unit % n_units;
        team_units.push(unit);
        let members: Vec<String> =
            dedup_by(t.members.iter().map(|m| m % n_users).collect(), |m| *m)
                .iter()
                .map(|m| format!("u{m}"))
                .collect();
        let mut o = Map::new();
        o.insert("id".into(), json!(format!("t{i}")));
        o.insert("name".into(), json!(format!("Team {i}")));
        o.insert(
            "kind".into(),
            json!(if t.owner { "owner" } else { "access" }),
        );
        o.insert("businessUnit".into(), json!(unit_id(unit)));
        o.insert("members".into(), json!(members));
        if t.owner {
            owner_teams.push(i);
            o.insert("roles".into(), json!(assignments(&t.roles, unit)));
            o.insert(
                "inheritance".into(),
                json!(if t.team_inheritance { "team" } else { "direct" }),
            );
        }
        teams.push(Value::Object(o));
    }

    // access team templates
    let templates: Vec<(String, &str, Vec<&str>)> = p
        .templates
        .iter()
        .enumerate()
        .map(|(i, (t, mask))| (format!("tm{i}"), USER_TABLES[t % 3], rights_of(*mask)))
        .collect();

    // records
    let mut records = Vec::new();
    let mut record_tables: Vec<&str> = Vec::new();
    for (i, r) in p.records.iter().enumerate() {
        let table = TABLES[r.table % 4].0;
        let mut o = Map::new();
        o.insert("id".into(), json!(format!("r{i:02}")));
        o.insert("table".into(), json!(table));
        if table != "currency" {
            let (owner, owner_unit) = match r.owner {
                (1, k) if !owner_teams.is_empty() => {
                    let t = owner_teams[k % owner_teams.len()];
                    (json!({"team": format!("t{t}")}), team_units[t])
                }
                (2, k) => {
                    let unit = k % n_units;
                    (json!({"team": format!("default:{}", unit_id(unit))}), unit)
                }
                (_, k) => {
                    let u = k % n_users;
                    (json!({"user": format!("u{u}")}), user_units[u])
                }
            };
            o.insert("owner".into(), owner);
            if let Some(unit) = r.unit {
                let unit = if across { unit % n_units } else { owner_unit };
                o.insert("businessUnit".into(), json!(unit_id(unit)));
            }
            let parent_table = match table {
                "contact" if p.relationships[0].is_some() => Some("account"),
                "task" if p.relationships[1].is_some() => Some("contact"),
                _ => None,
            };
            if let (Some(pt), Some(seed)) = (parent_table, r.parent) {
                let candidates: Vec<usize> = (0..i).filter(|j| record_tables[*j] == pt).collect();
                if !candidates.is_empty() {
                    let j = candidates[seed % candidates.len()];
                    o.insert("parent".into(), json!(format!("r{j:02}")));
                }
            }
        }
        if !r.active {
            o.insert("active".into(), json!(false));
        }
        record_tables.push(table);
        records.push(Value::Object(o));
    }
    let owned: Vec<usize> = (0..records.len())
        .filter(|i| record_tables[*i] != "currency")
        .collect();

    // shares
    let mut shares = Vec::new();
    let mut shared: Vec<(usize, String)> = Vec::new();
    if !owned.is_empty() {
        for (rseed, (kind, k), mask) in &p.shares {
            let rec = owned[rseed % owned.len()];
            let principal = match kind {
                1 if !teams.is_empty() => json!({"team": format!("t{}", k % teams.len())}),
                2 => json!({"team": format!("default:{}", unit_id(k % n_units))}),
                _ => json!({"user": format!("u{}", k % n_users)}),
            };
            let key = (rec, principal.to_string());
            if shared.contains(&key) {
                continue;
            }
            shared.push(key);
            shares.push(json!({"record": format!("r{rec:02}"), "principal": principal, "rights": rights_of(*mask)}));
        }
    }

    // access teams
    let mut access_teams = Vec::new();
    let mut seen: Vec<(usize, usize)> = Vec::new();
    if !templates.is_empty() {
        for (tseed, rseed, members) in &p.access_teams {
            let t = tseed % templates.len();
            let candidates: Vec<usize> = (0..records.len())
                .filter(|i| record_tables[*i] == templates[t].1)
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let rec = candidates[rseed % candidates.len()];
            if seen.contains(&(t, rec)) {
                continue;
            }
            seen.push((t, rec));
            let members: Vec<String> =
                dedup_by(members.iter().map(|m| m % n_users).collect(), |m| *m)
                    .iter()
                    .map(|m| format!("u{m}"))
                    .collect();
            access_teams.push(json!({"template": templates[t].0, "record": format!("r{rec:02}"), "members": members}));
        }
    }

    let mut snap = Map::new();
    snap.insert("version".into(), json!(1));
    snap.insert(
        "settings".into(),
        json!({
            "ownershipAcrossBusinessUnits": p.settings[0],
            "alwaysMoveRecordToOwnerBusinessUnit": p.settings[1],
            "doNotRemoveRolesOnChangeBusinessUnit": p.settings[2],
            "shareToPreviousOwnerOnAssign": p.settings[3],
            "managersMustBeInSameOrParentBusinessUnit": p.settings[4],
        }),
    );
    snap.insert("businessUnits".into(), json!(units));
    snap.insert("tables".into(), json!(tables));
    snap.insert("relationships".into(), json!(relationships));
    snap.insert("roles".into(), json!(roles));
    snap.insert("users".into(), json!(users));
    snap.insert("teams".into(), json!(teams));
    snap.insert(
        "accessTeamTemplates".into(),
        json!(templates
            .iter()
            .map(|(id, t, r)| json!({"id": id, "table": t, "rights": r}))
            .collect::<Vec<_>>()),
    );
    snap.insert("records".into(), json!(records));
    snap.insert("shares".into(), json!(shares));
    snap.insert("accessTeams".into(), json!(access_teams));
    if let Some((depth, mask)) = p.hierarchy {
        let tables: Vec<&str> = USER_TABLES
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, t)| *t)
            .collect();
        snap.insert(
            "hierarchy".into(),
            json!({"model": "manager", "depth": depth, "tables": tables}),
        );
    }
    Value::Object(snap)
}

/// The ids of the users, records and tables of a built snapshot.
pub fn ids(snap: &Value) -> (Vec<String>, Vec<String>, Vec<String>) {
    let list = |key: &str, field: &str| -> Vec<String> {
        snap.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get(field).and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    (
        list("users", "id"),
        list("records", "id"),
        list("tables", "name"),
    )
}
