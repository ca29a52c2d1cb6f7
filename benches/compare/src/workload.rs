//! The shared workload: one generated org, restricted to the rules every engine
//! can express, plus a deterministic sample of requests.

use std::collections::HashMap;

use crm_policy::model::{CascadeScope, Ownership, Principal, RoleAssignment, Snapshot};
use crm_policy::{Level, Right};

/// Restrict a generated snapshot to the rules Cedar and Casbin express as plainly as crm-policy.
///
/// Left out (they are in the full org of the scale test, not in the comparison):
/// - manager hierarchy security (`hierarchy`): removed;
/// - share inheritance through parental relationships (`cascade.share`): set to `none`;
/// - record access teams (`accessTeams`): removed;
/// - owner-team roles (team-anchored grants, `inheritance: team` scoping): removed.
///
/// Kept as an equivalent rewrite: default-team roles become direct roles of the
/// unit's users (same anchor, personal scope, only enabled users are members).
pub fn restrict(mut s: Snapshot) -> Snapshot {
    s.hierarchy = None;
    for r in &mut s.relationships {
        r.cascade.share = CascadeScope::None;
        r.cascade.unshare = CascadeScope::None;
    }
    s.access_teams.clear();
    for t in &mut s.teams {
        t.roles.clear();
    }
    let mut default_roles: HashMap<String, Vec<String>> = HashMap::new();
    for b in &mut s.business_units {
        if !b.default_team_roles.is_empty() {
            default_roles.insert(
                b.id.clone(),
                b.default_team_roles.drain(..).map(|r| r.role).collect(),
            );
        }
    }
    for u in &mut s.users {
        if let Some(roles) = default_roles.get(&u.business_unit) {
            for r in roles {
                if !u.roles.iter().any(|a| &a.role == r) {
                    u.roles.push(RoleAssignment {
                        role: r.clone(),
                        business_unit: None,
                    });
                }
            }
            u.roles.sort();
        }
    }
    s.assertions.clear();
    s
}

/// splitmix64, as in the crate's generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5bd1_e995_1234_5678)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Lookups over a (restricted) snapshot.
pub struct Ix<'a> {
    pub s: &'a Snapshot,
    pub unit_parent: HashMap<&'a str, Option<&'a str>>,
    pub unit_disabled: HashMap<&'a str, bool>,
    pub user_ix: HashMap<&'a str, usize>,
    /// Teams of each user: owner and access teams it is a member of, plus its default team when enabled.
    pub user_teams: Vec<Vec<String>>,
    pub team_unit: HashMap<&'a str, &'a str>,
    pub team_members: HashMap<&'a str, &'a [String]>,
    pub users_of_unit: HashMap<&'a str, Vec<usize>>,
    pub org_owned: HashMap<&'a str, bool>,
    /// Shares per record index.
    pub shares: HashMap<usize, Vec<(&'a Principal, &'a [Right])>>,
}

impl<'a> Ix<'a> {
    pub fn new(s: &'a Snapshot) -> Ix<'a> {
        let unit_parent = s
            .business_units
            .iter()
            .map(|b| (b.id.as_str(), b.parent.as_deref()))
            .collect();
        let unit_disabled = s
            .business_units
            .iter()
            .map(|b| (b.id.as_str(), b.disabled))
            .collect();
        let user_ix: HashMap<&str, usize> = s
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), i))
            .collect();
        let mut user_teams: Vec<Vec<String>> = vec![Vec::new(); s.users.len()];
        for t in &s.teams {
            for m in &t.members {
                if let Some(&i) = user_ix.get(m.as_str()) {
                    user_teams[i].push(t.id.clone());
                }
            }
        }
        let mut users_of_unit: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, u) in s.users.iter().enumerate() {
            if !u.disabled {
                user_teams[i].push(format!("default:{}", u.business_unit));
            }
            users_of_unit
                .entry(u.business_unit.as_str())
                .or_default()
                .push(i);
        }
        let record_ix: HashMap<&str, usize> = s
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut shares: HashMap<usize, Vec<(&Principal, &[Right])>> = HashMap::new();
        for sh in &s.shares {
            if let Some(&r) = record_ix.get(sh.record.as_str()) {
                shares
                    .entry(r)
                    .or_default()
                    .push((&sh.principal, sh.rights.as_slice()));
            }
        }
        drop(record_ix);
        Ix {
            s,
            unit_parent,
            unit_disabled,
            user_ix,
            user_teams,
            team_unit: s
                .teams
                .iter()
                .map(|t| (t.id.as_str(), t.business_unit.as_str()))
                .collect(),
            team_members: s
                .teams
                .iter()
                .map(|t| (t.id.as_str(), t.members.as_slice()))
                .collect(),
            users_of_unit,
            org_owned: s
                .tables
                .iter()
                .map(|t| (t.name.as_str(), t.ownership == Ownership::Organization))
                .collect(),
            shares,
        }
    }

    /// The unit and its ancestors, nearest first.
    pub fn unit_chain(&self, unit: &'a str) -> Vec<&'a str> {
        let mut out = vec![unit];
        let mut cur = self.unit_parent.get(unit).copied().flatten();
        while let Some(u) = cur {
            if out.len() > self.unit_parent.len() {
                break;
            }
            out.push(u);
            cur = self.unit_parent.get(u).copied().flatten();
        }
        out
    }

    /// The user is disabled, or its unit or an ancestor unit is.
    pub fn user_blocked(&self, user: usize) -> bool {
        let u = &self.s.users[user];
        u.disabled
            || self
                .unit_chain(&u.business_unit)
                .iter()
                .any(|b| self.unit_disabled.get(b).copied().unwrap_or(false))
    }

    /// The level a role grants on (table, right); organization-owned tables: any level is global.
    pub fn level(&self, role: usize, table: &str, right: Right) -> Level {
        let l = self.s.roles[role]
            .privileges
            .get(table)
            .map_or(Level::None, |p| p.level(right));
        if l != Level::None && self.org_owned.get(table).copied().unwrap_or(false) {
            Level::Global
        } else {
            l
        }
    }

    /// Users a principal stands for (a user, or a team's members).
    pub fn members_of(&self, p: &Principal) -> Vec<usize> {
        match p {
            Principal::User(u) => self.user_ix.get(u.as_str()).copied().into_iter().collect(),
            Principal::Team(t) => match t.strip_prefix("default:") {
                Some(bu) => self.users_of_unit.get(bu).cloned().unwrap_or_default(),
                None => self
                    .team_members
                    .get(t.as_str())
                    .map(|ms| {
                        ms.iter()
                            .filter_map(|m| self.user_ix.get(m.as_str()).copied())
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        }
    }
}

/// One request: user index, right, record index.
#[derive(Clone, Copy)]
pub struct Req {
    pub user: usize,
    pub right: Right,
    pub record: usize,
}

/// A deterministic request sample: 2/5 uniform, 1/5 owner or owning-team member,
/// 1/5 a share's principal (or a member of the shared-with team), 1/5 a user of
/// the record's unit or of one of its ancestors. Every right equally often.
pub fn sample(ix: &Ix, n: usize, seed: u64) -> Vec<Req> {
    let s = ix.s;
    let mut rng = Rng::new(seed);
    let nu = s.users.len();
    let nr = s.records.len();
    let share_list: Vec<(usize, &Principal)> = {
        let mut v: Vec<(usize, &Principal)> = ix
            .shares
            .iter()
            .flat_map(|(&r, l)| l.iter().map(move |(p, _)| (r, *p)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        v
    };
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let right = Right::ALL[rng.below(8)];
        let uniform = Req {
            user: rng.below(nu),
            right,
            record: rng.below(nr),
        };
        let req = match out.len() % 5 {
            2 => {
                let mut found = None;
                for _ in 0..20 {
                    let r = rng.below(nr);
                    if let Some(o) = &s.records[r].owner {
                        let ms = ix.members_of(o);
                        if !ms.is_empty() {
                            found = Some(Req {
                                user: ms[rng.below(ms.len())],
                                right,
                                record: r,
                            });
                            break;
                        }
                    }
                }
                found
            }
            3 if !share_list.is_empty() => {
                let (r, p) = share_list[rng.below(share_list.len())];
                let ms = ix.members_of(p);
                (!ms.is_empty()).then(|| Req {
                    user: ms[rng.below(ms.len())],
                    right,
                    record: r,
                })
            }
            4 => {
                let r = rng.below(nr);
                s.records[r].business_unit.as_deref().and_then(|bu| {
                    let chain = ix.unit_chain(bu);
                    let unit = chain[rng.below(chain.len().min(3))];
                    ix.users_of_unit.get(unit).map(|us| Req {
                        user: us[rng.below(us.len())],
                        right,
                        record: r,
                    })
                })
            }
            _ => None,
        };
        out.push(req.unwrap_or(uniform));
    }
    out
}
