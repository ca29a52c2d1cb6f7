//! Turning the state back into a canonical [`Snapshot`]: every collection sorted by id
//! (shares by record then principal), defaults written out, default teams folded into
//! `businessUnits[i].defaultTeamRoles`.

use crate::access::Right;
use crate::model::{
    AccessTeam, AccessTeamTemplate, BusinessUnit, Cascade, Hierarchy, Principal, Privileges,
    Relationship, Role, RoleAssignment, Share, Snapshot, Table, TablePrivileges, Team, User,
};
use crate::sort::SortTotal;
use crate::state::{as_team, Assignment, State, NONE};
use crate::validate::{PrincipalIn, RecordIn};

fn assignments(st: &State, list: &[Assignment]) -> Vec<RoleAssignment> {
    let mut out: Vec<RoleAssignment> = list
        .iter()
        .map(|a| RoleAssignment {
            role: st.role_id(a.role).to_string(),
            business_unit: (a.unit != NONE).then(|| st.unit_id(a.unit).to_string()),
        })
        .collect();
    out.sort_total();
    out
}

/// The canonical snapshot of a state, its records borrowed from the state
/// (`snapshot.records` is empty): what `to_json` and `to_bytes` write, without a `String`
/// per field of a million records to allocate and free (it was 240 B of wasm memory per
/// record, which wasm never gives back, and half the time of an export).
pub struct Export<'a> {
    /// Everything but the records.
    pub snapshot: Snapshot,
    /// The records, in canonical order.
    pub records: Vec<RecordIn<'a>>,
}

/// The canonical snapshot of a state.
pub fn snapshot(st: &State) -> Snapshot {
    let e = export(st);
    let mut s = e.snapshot;
    s.records = e.records.iter().map(RecordIn::to_record).collect();
    s
}

/// The canonical snapshot of a state, records borrowed ([`Export`]).
pub fn export(st: &State) -> Export<'_> {
    let mut business_units: Vec<BusinessUnit> = st
        .units
        .iter()
        .filter(|u| u.alive)
        .map(|u| BusinessUnit {
            id: u.id.clone(),
            name: u.name.clone(),
            parent: (u.parent != NONE).then(|| st.unit_id(u.parent).to_string()),
            disabled: u.disabled,
            default_team_roles: st
                .team(u.default_team)
                .map(|t| assignments(st, &t.roles))
                .unwrap_or_default(),
        })
        .collect();
    business_units.sort_total_by(|a, b| a.id.cmp(&b.id));

    let mut tables: Vec<Table> = st
        .tables
        .iter()
        .map(|t| Table {
            name: t.name.clone(),
            ownership: t.ownership,
        })
        .collect();
    tables.sort_total_by(|a, b| a.name.cmp(&b.name));

    let mut relationships: Vec<Relationship> = st
        .rels
        .iter()
        .map(|r| Relationship {
            parent: st.table_name(r.parent).to_string(),
            child: st.table_name(r.child).to_string(),
            cascade: Cascade {
                assign: r.assign,
                share: r.share,
                unshare: r.unshare,
                reparent: r.reparent,
                delete: r.delete,
            },
        })
        .collect();
    relationships.sort_total_by(|a, b| (&a.parent, &a.child).cmp(&(&b.parent, &b.child)));

    let mut roles: Vec<Role> = st
        .roles
        .iter()
        .map(|r| Role {
            id: r.id.clone(),
            name: r.name.clone(),
            privileges: r
                .levels
                .iter()
                .enumerate()
                .filter(|(_, l)| l.iter().any(|x| !x.is_none()))
                .fold(Privileges::new(), |mut m, (t, l)| {
                    let mut p = TablePrivileges::default();
                    for right in Right::ALL {
                        if let Some(&lv) = l.get(right.index()) {
                            p.set_level(right, lv);
                        }
                    }
                    m.insert(st.table_name(t as u32).to_string(), p);
                    m
                }),
        })
        .collect();
    roles.sort_total_by(|a, b| a.id.cmp(&b.id));

    let mut users: Vec<User> = st
        .users
        .iter()
        .filter(|u| u.alive)
        .map(|u| User {
            id: u.id.clone(),
            name: u.name.clone(),
            business_unit: st.unit_id(u.unit).to_string(),
            manager: (u.manager != NONE).then(|| st.user_id(u.manager).to_string()),
            disabled: u.disabled,
            category: u.category.clone(),
            roles: assignments(st, &u.roles),
        })
        .collect();
    users.sort_total_by(|a, b| a.id.cmp(&b.id));

    let mut teams: Vec<Team> = st
        .teams
        .iter()
        .filter(|t| t.alive && t.default_of == NONE)
        .map(|t| {
            let mut members: Vec<String> = t
                .members
                .iter()
                .map(|&m| st.user_id(m).to_string())
                .collect();
            members.sort_total();
            Team {
                id: t.id.clone(),
                name: t.name.clone(),
                kind: t.kind,
                business_unit: st.unit_id(t.unit).to_string(),
                members,
                roles: assignments(st, &t.roles),
                inheritance: t.inheritance,
            }
        })
        .collect();
    teams.sort_total_by(|a, b| a.id.cmp(&b.id));

    let mut access_team_templates: Vec<AccessTeamTemplate> = st
        .templates
        .iter()
        .map(|t| AccessTeamTemplate {
            id: t.id.clone(),
            table: st.table_name(t.table).to_string(),
            rights: t.rights.to_vec(),
        })
        .collect();
    access_team_templates.sort_total_by(|a, b| a.id.cmp(&b.id));

    let mut order: Vec<u32> = (0..st.records.len() as u32)
        .filter(|&r| st.records.alive(r))
        .collect();
    order.sort_total_by(|&a, &b| st.records.id(a).cmp(st.records.id(b)));
    let mut records = Vec::with_capacity(order.len());
    let mut shares = Vec::new();
    let mut access_teams = Vec::new();
    for &r in &order {
        let owner = st.records.owner(r);
        let unit = st.records.unit(r);
        let parent = st.records.parent(r);
        records.push(RecordIn {
            id: st.records.id(r),
            name: st.records.name(r),
            table: st.table_name(st.records.table(r)),
            owner: (owner != NONE).then(|| match as_team(owner) {
                Some(t) => PrincipalIn::Team(st.team_id(t)),
                None => PrincipalIn::User(st.user_id(owner)),
            }),
            business_unit: (unit != NONE).then(|| st.unit_id(unit)),
            parent: (parent != NONE).then(|| st.records.id(parent)),
            active: st.records.active(r),
        });
        let mut list: Vec<Share> = st
            .shares_of(r)
            .iter()
            .map(|s| Share {
                record: st.records.id(r).to_string(),
                principal: st.principal(s.principal),
                rights: s.rights.to_vec(),
            })
            .collect();
        list.sort_total_by(|a, b| principal_key(&a.principal).cmp(&principal_key(&b.principal)));
        shares.extend(list);
        let mut ats: Vec<AccessTeam> = st
            .access_teams_of(r)
            .iter()
            .map(|a| {
                let mut members: Vec<String> = a
                    .members
                    .iter()
                    .map(|&m| st.user_id(m).to_string())
                    .collect();
                members.sort_total();
                AccessTeam {
                    template: st
                        .templates
                        .get(a.template as usize)
                        .map(|t| t.id.clone())
                        .unwrap_or_default(),
                    record: st.records.id(r).to_string(),
                    members,
                }
            })
            .collect();
        ats.sort_total_by(|a, b| a.template.cmp(&b.template));
        access_teams.extend(ats);
    }

    let hierarchy = st.hierarchy.as_ref().map(|h| {
        let mut tables: Vec<String> = st
            .tables
            .iter()
            .filter(|t| t.hierarchy)
            .map(|t| t.name.clone())
            .collect();
        tables.sort_total();
        Hierarchy {
            model: h.model,
            depth: h.depth,
            tables,
        }
    });

    let snapshot = Snapshot {
        version: 1,
        settings: st.settings,
        business_units,
        tables,
        relationships,
        roles,
        users,
        teams,
        access_team_templates,
        records: Vec::new(),
        shares,
        access_teams,
        hierarchy,
        assertions: st.assertions.clone(),
    };
    Export { snapshot, records }
}

fn principal_key(p: &Principal) -> (u8, &str) {
    match p {
        Principal::User(u) => (0, u.as_str()),
        Principal::Team(t) => (1, t.as_str()),
    }
}
