//! Differential self-check of the engine on generated orgs (no reference model needed):
//! random valid changesets are simulated, applied and compared with the rights actually
//! gained and lost (every user × every record), then undone and redone (`toJSON` must be
//! byte-identical), and the changed org is reloaded from bytes and JSON. On each org,
//! `explain`, `who_can` and `accessible_records` are also checked against `check`.
//!
//! ```text
//! cargo run --release --example differential -- [ITERATIONS]   (default 200)
//! ```
//! Prints every mismatch and exits with status 1 if there was any.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::{BTreeMap, BTreeSet};

use crm_policy::generate::{generate, GenerateSize};
use crm_policy::model::{Inheritance, RoleAssignment, Snapshot, TeamKind};
use crm_policy::{Change, Org, Principal, Right};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn some_rights(rng: &mut Rng) -> Vec<Right> {
    let mut v: Vec<Right> = Right::ALL
        .iter()
        .copied()
        .filter(|_| rng.below(3) == 0)
        .collect();
    if v.is_empty() {
        v.push(Right::Read);
    }
    v
}

/// One random operation over the snapshot's ids (valid or not; invalid changesets are skipped).
fn random_change(rng: &mut Rng, s: &Snapshot) -> Change {
    let users: Vec<&String> = s.users.iter().map(|u| &u.id).collect();
    let units: Vec<&String> = s.business_units.iter().map(|u| &u.id).collect();
    let owner_teams: Vec<&String> = s
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Owner)
        .map(|t| &t.id)
        .collect();
    let teams: Vec<&String> = s.teams.iter().map(|t| &t.id).collect();
    let roles: Vec<&String> = s.roles.iter().map(|r| &r.id).collect();
    let owned: Vec<&String> = s
        .records
        .iter()
        .filter(|r| r.owner.is_some())
        .map(|r| &r.id)
        .collect();
    let records: Vec<&String> = s.records.iter().map(|r| &r.id).collect();
    let user = |rng: &mut Rng| (*rng.pick(&users)).clone();
    let unit = |rng: &mut Rng| (*rng.pick(&units)).clone();
    let owner = |rng: &mut Rng| {
        if rng.below(5) == 0 && !owner_teams.is_empty() {
            Principal::Team((*rng.pick(&owner_teams)).clone())
        } else {
            Principal::User((*rng.pick(&users)).clone())
        }
    };
    let settings = [
        "ownershipAcrossBusinessUnits",
        "alwaysMoveRecordToOwnerBusinessUnit",
        "doNotRemoveRolesOnChangeBusinessUnit",
        "shareToPreviousOwnerOnAssign",
        "managersMustBeInSameOrParentBusinessUnit",
    ];
    let fallback = Change::EnableUser {
        user: users[0].clone(),
    };
    match rng.below(24) {
        0 => Change::MoveUser {
            user: user(rng),
            business_unit: unit(rng),
            move_records: if rng.below(2) == 0 { None } else { Some(false) },
            reassign_records_to: None,
        },
        1 => Change::MoveUsers {
            users: vec![user(rng), user(rng)],
            business_unit: unit(rng),
            move_records: None,
            reassign_records_to: None,
        },
        2 => Change::SetManager {
            user: user(rng),
            manager: if rng.below(4) == 0 {
                None
            } else {
                Some(user(rng))
            },
        },
        3 => Change::DisableUser {
            user: user(rng),
            reassign_records_to: if rng.below(2) == 0 {
                None
            } else {
                Some(Principal::User(user(rng)))
            },
        },
        4 => Change::EnableUser { user: user(rng) },
        5 => Change::AssignRole {
            principal: owner(rng),
            role: (*rng.pick(&roles)).clone(),
            business_unit: None,
        },
        6 => {
            let u = rng.pick(&s.users);
            match u.roles.first() {
                Some(r) => Change::RemoveRole {
                    principal: Principal::User(u.id.clone()),
                    role: r.role.clone(),
                    business_unit: None,
                },
                None => fallback,
            }
        }
        7 if !teams.is_empty() => Change::AddTeamMembers {
            team: (*rng.pick(&teams)).clone(),
            users: vec![user(rng)],
        },
        8 if !s.teams.is_empty() => {
            let t = rng.pick(&s.teams);
            match t.members.first() {
                Some(m) => Change::RemoveTeamMembers {
                    team: t.id.clone(),
                    users: vec![m.clone()],
                },
                None => fallback,
            }
        }
        9 if !teams.is_empty() => Change::MoveTeam {
            team: (*rng.pick(&teams)).clone(),
            business_unit: unit(rng),
        },
        10 | 11 if !owned.is_empty() => Change::AssignRecord {
            record: (*rng.pick(&owned)).clone(),
            owner: owner(rng),
        },
        12 => Change::ReassignRecords {
            from: Principal::User(user(rng)),
            to: owner(rng),
            table: None,
        },
        13 if !owned.is_empty() => Change::Share {
            record: (*rng.pick(&owned)).clone(),
            principal: owner(rng),
            rights: some_rights(rng),
        },
        14 if !s.shares.is_empty() => {
            let sh = rng.pick(&s.shares);
            Change::ModifyShare {
                record: sh.record.clone(),
                principal: sh.principal.clone(),
                rights: some_rights(rng),
            }
        }
        15 if !s.shares.is_empty() => {
            let sh = rng.pick(&s.shares);
            Change::Unshare {
                record: sh.record.clone(),
                principal: sh.principal.clone(),
            }
        }
        16 if !s.access_teams.is_empty() => {
            let a = rng.pick(&s.access_teams);
            Change::AddAccessTeamMember {
                record: a.record.clone(),
                template: a.template.clone(),
                user: user(rng),
            }
        }
        17 if !s.access_teams.is_empty() => {
            let a = rng.pick(&s.access_teams);
            match a.members.first() {
                Some(m) => Change::RemoveAccessTeamMember {
                    record: a.record.clone(),
                    template: a.template.clone(),
                    user: m.clone(),
                },
                None => fallback,
            }
        }
        18 => Change::DisableBusinessUnit {
            business_unit: unit(rng),
        },
        19 => Change::ReparentBusinessUnit {
            business_unit: unit(rng),
            parent: unit(rng),
        },
        20 => Change::MergeBusinessUnits {
            from: unit(rng),
            into: unit(rng),
        },
        21 => Change::SetSetting {
            name: rng.pick(&settings).to_string(),
            value: rng.below(2) == 0,
        },
        22 => Change::CreateTeam {
            id: format!("tx{}", rng.below(100)),
            name: "New team".into(),
            kind: TeamKind::Owner,
            business_unit: unit(rng),
            members: vec![user(rng)],
            roles: vec![RoleAssignment {
                role: (*rng.pick(&roles)).clone(),
                business_unit: None,
            }],
            inheritance: if rng.below(2) == 0 {
                Inheritance::Team
            } else {
                Inheritance::Direct
            },
        },
        23 => Change::DeleteRecord {
            record: (*rng.pick(&records)).clone(),
        },
        _ => fallback,
    }
}

/// `check` against `explain`, `who_can` and `accessible_records` on one org.
fn check_queries(org: &Org, s: &Snapshot, rng: &mut Rng, problems: &mut Vec<String>) {
    let users: Vec<&str> = s.users.iter().map(|u| u.id.as_str()).collect();
    let records: Vec<&str> = s.records.iter().map(|r| r.id.as_str()).collect();
    for _ in 0..2000 {
        let (u, r, x) = (
            *rng.pick(&users),
            Right::ALL[rng.below(8)],
            *rng.pick(&records),
        );
        let c = org.check(u, r, x).unwrap();
        let e = org.explain(u, r, x).unwrap();
        if e.allowed != c || (c && e.reasons.is_empty()) {
            problems.push(format!(
                "explain({u}, {r}, {x}) = {} but check = {c}",
                e.allowed
            ));
        }
        if org.rights(u, x).unwrap().has(r) != c {
            problems.push(format!("rights({u}, {x}) disagrees with check for {r}"));
        }
    }
    for _ in 0..20 {
        let (r, x) = (Right::ALL[rng.below(8)], *rng.pick(&records));
        let got = org.who_can(r, x).unwrap();
        let want: Vec<String> = users
            .iter()
            .filter(|u| org.check(u, r, x).unwrap())
            .map(|u| u.to_string())
            .collect();
        if got != want {
            problems.push(format!(
                "who_can({r}, {x}): {} users, check says {}",
                got.len(),
                want.len()
            ));
        }
    }
    for _ in 0..10 {
        let (u, r) = (*rng.pick(&users), Right::ALL[rng.below(8)]);
        let page = org.accessible_records(u, r, None, 0, None).unwrap();
        let mut want: Vec<String> = records
            .iter()
            .filter(|x| org.check(u, r, x).unwrap())
            .map(|x| x.to_string())
            .collect();
        want.sort();
        if page.records != want || page.total != want.len() {
            problems.push(format!(
                "accessible_records({u}, {r}): {} records, check says {}",
                page.total,
                want.len()
            ));
        }
    }
}

type Diff = BTreeMap<(String, bool, String, Right), usize>;

fn main() {
    let iterations: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let size = GenerateSize {
        users: 120,
        business_units: 16,
        teams: 8,
        records: 1500,
        shares: 300,
    };
    let mut problems: Vec<String> = Vec::new();
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut op_counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for it in 0..iterations {
        let seed = it / 10;
        let s = generate(seed, &size);
        let mut org = Org::from_snapshot(&s).unwrap();
        let mut rng = Rng(it.wrapping_mul(7777) + 1);
        if it % 10 == 0 {
            check_queries(&org, &s, &mut rng, &mut problems);
        }
        let users: Vec<String> = s.users.iter().map(|u| u.id.clone()).collect();
        let records: Vec<String> = s.records.iter().map(|r| r.id.clone()).collect();
        let table_of: BTreeMap<&str, &str> = s
            .records
            .iter()
            .map(|r| (r.id.as_str(), r.table.as_str()))
            .collect();
        let changes: Vec<Change> = (0..1 + rng.below(4))
            .map(|_| random_change(&mut rng, &s))
            .collect();
        let label = changes.iter().map(Change::op).collect::<Vec<_>>().join("+");
        if !org.validate_changes(&changes).is_empty() {
            invalid += 1;
            continue;
        }
        valid += 1;
        for c in &changes {
            *op_counts.entry(c.op()).or_default() += 1;
        }
        let before: Vec<Vec<u8>> = users
            .iter()
            .map(|u| {
                records
                    .iter()
                    .map(|x| org.rights(u, x).map_or(0, |r| r.0))
                    .collect()
            })
            .collect();
        let json0 = org.to_json();
        let impact = match org.simulate(&changes) {
            Ok(i) => i,
            Err(e) => {
                problems.push(format!(
                    "#{it} [{label}]: simulate failed on a valid changeset: {e}"
                ));
                continue;
            }
        };
        if org.to_json() != json0 {
            problems.push(format!("#{it} [{label}]: simulate changed the org"));
        }
        if let Err(e) = org.apply(changes.clone()) {
            problems.push(format!(
                "#{it} [{label}]: apply failed after validation passed: {e}"
            ));
            continue;
        }
        let json1 = org.to_json();
        let mut actual = Diff::new();
        for (ui, u) in users.iter().enumerate() {
            for (ri, x) in records.iter().enumerate() {
                let after = org.rights(u, x).map_or(0, |r| r.0);
                let was = before[ui][ri];
                for r in Right::ALL {
                    let gained = after & r.bit() != 0 && was & r.bit() == 0;
                    let lost = after & r.bit() == 0 && was & r.bit() != 0;
                    if gained || lost {
                        *actual
                            .entry((u.clone(), gained, table_of[x.as_str()].to_string(), r))
                            .or_default() += 1;
                    }
                }
            }
        }
        let mut predicted = Diff::new();
        for ac in &impact.access_changes {
            for g in &ac.gained {
                predicted.insert((ac.user.clone(), true, g.table.clone(), g.right), g.count);
            }
            for l in &ac.lost {
                predicted.insert((ac.user.clone(), false, l.table.clone(), l.right), l.count);
            }
        }
        let keys: BTreeSet<_> = actual.keys().chain(predicted.keys()).collect();
        for k in keys {
            let (a, p) = (
                actual.get(k).copied().unwrap_or(0),
                predicted.get(k).copied().unwrap_or(0),
            );
            if a != p {
                problems.push(format!(
                    "#{it} [{label}]: simulate says {p} for {k:?}, applying gives {a}; changes: {}",
                    serde_json::to_string(&changes).unwrap()
                ));
            }
        }
        if !org.undo() || org.to_json() != json0 {
            problems.push(format!(
                "#{it} [{label}]: undo did not restore the org exactly"
            ));
        }
        if !org.redo() || org.to_json() != json1 {
            problems.push(format!(
                "#{it} [{label}]: redo did not restore the changed org exactly"
            ));
        }
        match Org::from_bytes(&org.to_bytes()) {
            Ok(o) if o.to_json() == json1 => {}
            _ => problems.push(format!(
                "#{it} [{label}]: bytes round trip of the changed org differs"
            )),
        }
        match Org::from_json(&json1) {
            Ok(o) if o.to_json() == json1 => {}
            _ => problems.push(format!(
                "#{it} [{label}]: JSON reload of the changed org differs"
            )),
        }
    }
    for p in &problems {
        println!("{p}");
    }
    println!(
        "{valid} valid changesets checked ({invalid} invalid ones skipped), operations: {op_counts:?}; {} problems",
        problems.len()
    );
    if !problems.is_empty() {
        std::process::exit(1);
    }
}
