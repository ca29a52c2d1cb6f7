//! Reverse and org-wide queries: `who_can`, `accessible_records`, `effective_privileges`,
//! assertions and the risk report.

use crate::error::{cat, cat3};
use crate::sort::SortTotal;
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::access::{Level, Right, RightSet};
use crate::decide::{coverage, hierarchy_at, owner_depth_rights, share_chain, team_scoped};
use crate::explain::{grant_info, GrantInfo};
use crate::grants::grant_sources;
use crate::model::Assertion;
use crate::state::{as_team, as_user, State, NONE};
use crate::{Org, PolicyError};

/// A page of record ids.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct RecordPage {
    /// How many records match in all.
    pub total: usize,
    /// The ids of this page, ascending.
    pub records: Vec<String>,
}

/// Best level and sources for one right.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct RightAccess {
    /// The right.
    pub right: Right,
    /// Best level held.
    pub level: Level,
    /// Every grant, best first.
    pub sources: Vec<GrantInfo>,
}

/// A user's privileges on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct TableAccess {
    /// Table.
    pub table: String,
    /// Per right, in SPEC order.
    pub rights: Vec<RightAccess>,
}

/// Outcome of one assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AssertionResult {
    /// The assertion.
    pub assertion: Assertion,
    /// The actual decision.
    pub actual: bool,
    /// `actual == expect`.
    pub pass: bool,
}

/// One risk finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Finding {
    /// What kind of risk.
    pub kind: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// Human-readable.
    pub message: String,
    /// The user concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub user: Option<String>,
    /// The record concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub record: Option<String>,
    /// The unit concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub business_unit: Option<String>,
    /// The table concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub table: Option<String>,
    /// The rights concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub rights: Vec<Right>,
    /// How many items.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub count: Option<usize>,
    /// Sample ids.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub sample: Vec<String>,
}

impl Finding {
    /// A finding with only kind, severity and message.
    pub fn new(kind: &str, severity: &str, message: String) -> Finding {
        Finding {
            kind: kind.into(),
            severity: severity.into(),
            message,
            user: None,
            record: None,
            business_unit: None,
            table: None,
            rights: Vec::new(),
            count: None,
            sample: Vec::new(),
        }
    }
}

/// The names of `rights`, comma-separated (for messages; one copy of the join).
#[inline(never)]
pub(crate) fn right_names(rights: &[Right]) -> String {
    rights
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rights of a share that its principal cannot use (no covering grant; for a team, no member can).
pub fn ineffective_share_rights(
    st: &State,
    record: u32,
    principal: u32,
    rights: RightSet,
) -> RightSet {
    let table = st.records.table(record);
    let mut usable = RightSet::EMPTY;
    match as_team(principal) {
        None => usable = coverage(st, principal, table, rights).personal,
        Some(t) => {
            for &m in st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]) {
                let c = coverage(st, m, table, rights);
                usable = usable | c.personal | team_scoped(st, m, table, t, c.privileged);
                if usable.0 & rights.0 == rights.0 {
                    break;
                }
            }
        }
    }
    RightSet(rights.0 & !usable.0)
}

/// Whether a user holds any role, directly or through an owner team.
pub fn has_any_role(st: &State, u: u32) -> bool {
    !crate::grants::sources(st, u).is_empty()
}

impl Org {
    /// Users holding `right` on `record`, ids ascending.
    ///
    /// Linear in users + the shares reaching the record: the shares (direct, inherited and
    /// access teams) and hierarchy holders are summarised once, then each user is decided
    /// from its own grants and teams (the same rules as `rights_of`).
    pub fn who_can(&self, right: Right, record: &str) -> Result<Vec<String>, PolicyError> {
        let r = self.record_index(record, "/record")?;
        let st = &self.st;
        let mut out: Vec<String> = who_can_users(st, right, r)
            .into_iter()
            .map(|u| st.user_id(u).to_string())
            .collect();
        out.sort_total();
        Ok(out)
    }

    /// Records `user` holds `right` on (optionally of one table), ids ascending, paged.
    ///
    /// Linear in the records of the tables: the shares a record inherits are memoised per
    /// record, so a chain of parents is walked once, not once per descendant.
    pub fn accessible_records(
        &self,
        user: &str,
        right: Right,
        table: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<RecordPage, PolicyError> {
        let u = self.user_index(user)?;
        let st = &self.st;
        let tables: Vec<u32> = match table {
            Some(t) => vec![self.table_index(t)?],
            None => (0..st.tables.len() as u32).collect(),
        };
        let mut ids: Vec<&str> = accessible_indexes(st, u, right, &tables)
            .into_iter()
            .map(|r| st.records.id(r))
            .collect();
        ids.sort_total();
        let total = ids.len();
        let records = ids
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
            .map(str::to_string)
            .collect();
        Ok(RecordPage { total, records })
    }

    /// Per table and right: the best level and its sources.
    pub fn effective_privileges(&self, user: &str) -> Result<Vec<TableAccess>, PolicyError> {
        let u = self.user_index(user)?;
        let st = &self.st;
        let mut out = Vec::new();
        for t in 0..st.tables.len() as u32 {
            let org = st.org_owned(t);
            let rights = Right::ALL
                .into_iter()
                .map(|right| {
                    // Highest level first; equal levels keep the order of `grant_sources`
                    // (a stable sort, the same on every target).
                    let mut src: Vec<(usize, _)> = grant_sources(st, u, t, right)
                        .into_iter()
                        .enumerate()
                        .collect();
                    src.sort_total_by(|a, b| {
                        b.1.grant.level.cmp(&a.1.grant.level).then(a.0.cmp(&b.0))
                    });
                    RightAccess {
                        right,
                        level: src.first().map_or(Level::None, |(_, s)| s.grant.level),
                        sources: src.iter().map(|(_, s)| grant_info(st, s, org)).collect(),
                    }
                })
                .collect();
            out.push(TableAccess {
                table: st.table_name(t).to_string(),
                rights,
            });
        }
        out.sort_total_by(|a, b| a.table.cmp(&b.table));
        Ok(out)
    }

    /// Evaluate every assertion.
    pub fn check_assertions(&self) -> Vec<AssertionResult> {
        self.st
            .assertions
            .iter()
            .map(|a| {
                let actual = self.check(&a.user, a.right, &a.record).unwrap_or(false);
                AssertionResult {
                    assertion: a.clone(),
                    actual,
                    pass: actual == a.expect,
                }
            })
            .collect()
    }

    /// Org-wide risk findings.
    pub fn risk_report(&self) -> Vec<Finding> {
        let st = &self.st;
        let mut out = Vec::new();
        let mut users: Vec<u32> = (0..st.users.len() as u32)
            .filter(|&u| st.user(u).is_some_and(|x| x.alive))
            .collect();
        crate::sort::sort_by_name(st, &mut users, State::user_id);
        for &u in &users {
            if !st.user_enabled(u) {
                continue;
            }
            let id = st.user_id(u).to_string();
            if !has_any_role(st, u) {
                let mut f = Finding::new(
                    "userWithoutRole",
                    "medium",
                    cat3(
                        st.user(u).map(|x| x.name.as_str()).unwrap_or(""),
                        " holds no security role and can access nothing",
                        "",
                    ),
                );
                f.user = Some(id.clone());
                out.push(f);
                continue;
            }
            for t in 0..st.tables.len() as u32 {
                let mut rights = Vec::new();
                for right in [Right::Delete, Right::Assign, Right::Share] {
                    let g = st
                        .grants
                        .get(u as usize)
                        .map(|g| g.get(t, right))
                        .unwrap_or(&[]);
                    if g.iter().any(|g| g.level == Level::Global) {
                        rights.push(right);
                    }
                }
                if !rights.is_empty() {
                    let mut f = Finding::new(
                        "globalPrivilege",
                        "high",
                        cat(
                            &id,
                            " has organization-wide ",
                            &right_names(&rights),
                            " on ",
                            st.table_name(t),
                            "",
                        ),
                    );
                    f.user = Some(id.clone());
                    f.table = Some(st.table_name(t).to_string());
                    f.rights = rights;
                    out.push(f);
                }
            }
        }
        for &u in &users {
            if st.user(u).is_some_and(|x| x.disabled) {
                let owned = st.owned_by(u);
                if !owned.is_empty() {
                    let mut sample: Vec<String> = owned
                        .iter()
                        .map(|&r| st.records.id(r).to_string())
                        .collect();
                    sample.sort_total();
                    sample.truncate(20);
                    let mut f = Finding::new(
                        "recordsOwnedByDisabledUser",
                        "high",
                        cat(
                            "disabled user ",
                            st.user_id(u),
                            " still owns ",
                            &owned.len().to_string(),
                            " records",
                            "",
                        ),
                    );
                    f.user = Some(st.user_id(u).to_string());
                    f.count = Some(owned.len());
                    f.sample = sample;
                    out.push(f);
                }
            }
        }
        let mut shared: Vec<u32> = st.shares.keys().copied().collect();
        crate::sort::sort_by_name(st, &mut shared, |st, r| st.records.id(r));
        for r in shared {
            for s in st.shares_of(r) {
                let bad = ineffective_share_rights(st, r, s.principal, s.rights);
                if !bad.is_empty() {
                    let mut f = Finding::new(
                        "ineffectiveShare",
                        "low",
                        cat(
                            "record ",
                            st.records.id(r),
                            " is shared with ",
                            st.principal(s.principal).id(),
                            " but they lack the privilege for ",
                            &right_names(&bad.to_vec()),
                        ),
                    );
                    f.record = Some(st.records.id(r).to_string());
                    f.user = as_team(s.principal)
                        .is_none()
                        .then(|| st.user_id(s.principal).to_string());
                    f.rights = bad.to_vec();
                    out.push(f);
                }
            }
        }
        let mut with_teams: Vec<u32> = st.access_teams.keys().copied().collect();
        crate::sort::sort_by_name(st, &mut with_teams, |st, r| st.records.id(r));
        for r in with_teams {
            let table = st.records.table(r);
            for a in st.access_teams_of(r) {
                let rights = st.template_rights(a.template);
                for &m in &a.members {
                    let bad = RightSet(rights.0 & !coverage(st, m, table, rights).personal.0);
                    if !bad.is_empty() {
                        let mut f = Finding::new(
                            "accessTeamMemberWithoutPrivilege",
                            "low",
                            cat(
                                st.user_id(m),
                                " is on the access team of ",
                                st.records.id(r),
                                " but lacks the privilege for ",
                                &right_names(&bad.to_vec()),
                                "",
                            ),
                        );
                        f.user = Some(st.user_id(m).to_string());
                        f.record = Some(st.records.id(r).to_string());
                        f.rights = bad.to_vec();
                        out.push(f);
                    }
                }
            }
        }
        let mut unit_users = vec![0usize; st.units.len()];
        for u in &users {
            if let Some(row) = st.user(*u) {
                if let Some(c) = unit_users.get_mut(row.unit as usize) {
                    *c += 1;
                }
            }
        }
        let mut has_child = vec![false; st.units.len()];
        for c in st.units.iter().filter(|c| c.alive) {
            if let Some(x) = has_child.get_mut(c.parent as usize) {
                *x = true;
            }
        }
        let mut units: Vec<u32> = (0..st.units.len() as u32)
            .filter(|&b| st.unit(b).is_some_and(|x| x.alive))
            .collect();
        crate::sort::sort_by_name(st, &mut units, State::unit_id);
        for b in units {
            let n = unit_users.get(b as usize).copied().unwrap_or(0);
            let row = st.unit(b);
            if n > 0 && !st.tree.is_active(b) {
                let mut f = Finding::new(
                    "disabledUnitWithUsers",
                    "high",
                    cat(
                        "business unit ",
                        st.unit_id(b),
                        " is disabled but still holds ",
                        &n.to_string(),
                        " users, who cannot sign in",
                        "",
                    ),
                );
                f.business_unit = Some(st.unit_id(b).to_string());
                f.count = Some(n);
                out.push(f);
            } else if n == 0
                && row.is_some_and(|x| x.parent != crate::state::NONE)
                && st.by_unit.get(b as usize).is_none_or(Vec::is_empty)
                && !has_child.get(b as usize).copied().unwrap_or(false)
            {
                let mut f = Finding::new(
                    "emptyBusinessUnit",
                    "low",
                    cat3(
                        "business unit ",
                        st.unit_id(b),
                        " holds no users, records or child units",
                    ),
                );
                f.business_unit = Some(st.unit_id(b).to_string());
                out.push(f);
            }
        }
        out
    }
}

/// Whether a manager at distance `d` may get `right` through the hierarchy.
fn hierarchy_base_has(d: u32, right: Right) -> bool {
    hierarchy_at(d).has(right)
}

/// Whether the hierarchy applies to records of `table`.
fn hierarchy_table(st: &State, table: u32) -> bool {
    st.hierarchy.is_some() && st.table_hierarchy(table)
}

/// Whether `m` has direct reports (the hierarchy path needs some).
fn has_reports(st: &State, m: u32) -> bool {
    st.reports.get(m as usize).is_some_and(|x| !x.is_empty())
}

fn set(v: &mut [bool], i: u32) {
    if let Some(x) = v.get_mut(i as usize) {
        *x = true;
    }
}

fn get(v: &[bool], i: u32) -> bool {
    v.get(i as usize).copied().unwrap_or(false)
}

/// The users holding `right` on record `r` (indexes, any order): exactly the users `u` with
/// `rights_of(u, r, right).has(right)`, in O(users + teams + shares reaching `r` × depth).
fn who_can_users(st: &State, right: Right, r: u32) -> Vec<u32> {
    let rec = st.records.core(r);
    if rec.flags & crate::state::ALIVE == 0 {
        return Vec::new();
    }
    let n = st.users.len();
    let table = u32::from(rec.table);
    let want = right.bit_set();
    let sharing = right != Right::Create && !st.org_owned(table);
    let hier = sharing && hierarchy_table(st, table);
    // users named (directly or through an access team) by a share carrying `right`
    let mut direct = vec![false; if sharing { n } else { 0 }];
    // teams named by a share carrying `right`
    let mut team_hit = vec![false; if sharing { st.teams.len() } else { 0 }];
    let mut any_team = false;
    // users whose ownership or shares make their managers hold `right` (hierarchy)
    let mut holder = vec![false; if hier { n } else { 0 }];
    if sharing {
        for x in share_chain(st, r) {
            for s in st.shares_of(x) {
                if !s.rights.has(right) {
                    continue;
                }
                match as_team(s.principal) {
                    Some(t) => {
                        set(&mut team_hit, t);
                        any_team = true;
                    }
                    None => {
                        set(&mut direct, s.principal);
                        set(&mut holder, s.principal);
                    }
                }
            }
            for a in st.access_teams_of(x) {
                if st.template_rights(a.template).has(right) {
                    for &m in &a.members {
                        set(&mut direct, m);
                        set(&mut holder, m);
                    }
                }
            }
        }
    }
    let mut boss = vec![false; if hier { n } else { 0 }];
    if let (true, Some(h)) = (hier, &st.hierarchy) {
        let members = |t: u32| st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]);
        for (t, _) in team_hit.iter().enumerate().filter(|x| *x.1) {
            for &v in members(t as u32) {
                set(&mut holder, v);
            }
        }
        let owner = rec.owner;
        if let Some(v) = as_user(owner) {
            set(&mut holder, v);
        } else if let Some(t) = as_team(owner) {
            for &v in members(t) {
                set(&mut holder, v);
            }
        }
        // each holder's managers within depth, as long as the distance still gives `right`
        for (v, _) in holder.iter().enumerate().filter(|x| *x.1) {
            let v = v as u32;
            let mut cur = v;
            for d in 1..=h.depth {
                let Some(row) = st.user(cur) else { break };
                cur = row.manager;
                if cur == NONE || !hierarchy_base_has(d, right) {
                    break;
                }
                if cur != v {
                    set(&mut boss, cur);
                }
            }
        }
    }
    (0..n as u32)
        .filter(|&u| {
            if !st.user(u).is_some_and(|x| x.alive) || !st.user_enabled(u) {
                return false;
            }
            if owner_depth_rights(st, u, table, rec.owner, rec.unit, want).has(right) {
                return true;
            }
            if !sharing {
                return false;
            }
            let cov = coverage(st, u, table, want);
            if !cov.privileged.has(right) {
                return false;
            }
            let teams = st.teams_of(u);
            if cov.personal.has(right)
                && (get(&direct, u) || (any_team && teams.iter().any(|&t| get(&team_hit, t))))
            {
                return true;
            }
            if any_team
                && teams
                    .iter()
                    .any(|&t| get(&team_hit, t) && team_scoped(st, u, table, t, want).has(right))
            {
                return true;
            }
            hier && get(&boss, u) && has_reports(st, u)
        })
        .collect()
}

/// Bit: a share reaching the record names the user, one of the user's teams, or an access
/// team the user is on (covered by personal grants).
const PERSONAL_BIT: u64 = 1 << 63;
/// Bit: a share reaching the record names one of the user's reports (or a team of one).
const HIERARCHY_BIT: u64 = 1 << 62;
/// Bit: memo entry computed.
const DONE_BIT: u64 = 1 << 61;
/// Teams with team-scoped grants get one bit each, in chunks of this many.
const TEAM_BITS: usize = 61;

/// What one user needs to know about shares, for `accessible_indexes`.
struct ShareLens<'a> {
    st: &'a State,
    u: u32,
    right: Right,
    /// Reports of `u` at a distance giving `right`.
    reports: Vec<bool>,
    /// Teams with a member in `reports`.
    report_teams: Vec<bool>,
    /// Team -> 1 + its bit in the current chunk (0: none).
    team_bit: Vec<u8>,
}

impl ShareLens<'_> {
    /// The bits record `x` itself contributes (its own shares and access teams).
    fn own(&self, x: u32) -> u64 {
        let st = self.st;
        let mut bits = 0;
        for s in st.shares_of(x) {
            if !s.rights.has(self.right) {
                continue;
            }
            match as_team(s.principal) {
                Some(t) => {
                    if st.is_member(self.u, t) {
                        bits |= PERSONAL_BIT;
                        if let Some(&b) = self.team_bit.get(t as usize) {
                            if b > 0 {
                                bits |= 1 << (b - 1);
                            }
                        }
                    }
                    if get(&self.report_teams, t) {
                        bits |= HIERARCHY_BIT;
                    }
                }
                None => {
                    if s.principal == self.u {
                        bits |= PERSONAL_BIT;
                    }
                    if get(&self.reports, s.principal) {
                        bits |= HIERARCHY_BIT;
                    }
                }
            }
        }
        for a in st.access_teams_of(x) {
            if st.template_rights(a.template).has(self.right) {
                if a.members.binary_search(&self.u).is_ok() {
                    bits |= PERSONAL_BIT;
                }
                if !self.reports.is_empty() && a.members.iter().any(|&v| get(&self.reports, v)) {
                    bits |= HIERARCHY_BIT;
                }
            }
        }
        bits
    }

    /// The bits of every record on `r`'s share chain (`decide::share_chain`), memoised so a
    /// chain shared by many records is walked once.
    fn chain(&self, r: u32, memo: &mut Vec<u64>, stack: &mut Vec<u32>) -> u64 {
        let st = self.st;
        let p = st.records.parent(r);
        if p == NONE || !st.inherits(r, p) {
            return self.own(r);
        }
        if memo.is_empty() {
            memo.resize(st.records.len(), 0);
        }
        stack.clear();
        let mut cur = r;
        let mut acc = 0;
        loop {
            match memo.get(cur as usize) {
                Some(&m) if m & DONE_BIT != 0 => {
                    acc = m & !DONE_BIT;
                    break;
                }
                Some(_) => {}
                None => break,
            }
            stack.push(cur);
            let p = st.records.parent(cur);
            if p == NONE || stack.len() > st.records.len() || !st.inherits(cur, p) {
                break;
            }
            cur = p;
        }
        while let Some(x) = stack.pop() {
            acc |= self.own(x);
            if let Some(m) = memo.get_mut(x as usize) {
                *m = acc | DONE_BIT;
            }
        }
        acc
    }
}

/// The records of `tables` on which `u` holds `right` (indexes, any order): exactly the
/// records `r` with `rights_of(u, r, right).has(right)`, linear in the records.
fn accessible_indexes(st: &State, u: u32, right: Right, tables: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    if !st.user_enabled(u) {
        return out;
    }
    let want = right.bit_set();
    let n = st.users.len();
    // reports at a distance that gives `right` (SPEC §5), as `manager_distance` counts it
    let mut reports = Vec::new();
    if let (Some(h), true) = (&st.hierarchy, has_reports(st, u) && right != Right::Create) {
        let mut level = vec![u];
        let mut seen = vec![false; n];
        set(&mut seen, u);
        for d in 1..=h.depth {
            if !hierarchy_base_has(d, right) || level.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for &m in &level {
                for &v in st.reports.get(m as usize).map(Vec::as_slice).unwrap_or(&[]) {
                    if !get(&seen, v) {
                        set(&mut seen, v);
                        next.push(v);
                    }
                }
            }
            for &v in &next {
                if st
                    .manager_distance(u, v, h.depth)
                    .is_some_and(|d| hierarchy_base_has(d, right))
                {
                    reports.push(v);
                }
            }
            level = next;
        }
    }
    let mut lens = ShareLens {
        st,
        u,
        right,
        reports: vec![false; if reports.is_empty() { 0 } else { n }],
        report_teams: vec![
            false;
            if reports.is_empty() {
                0
            } else {
                st.teams.len()
            }
        ],
        team_bit: Vec::new(),
    };
    for &v in &reports {
        set(&mut lens.reports, v);
        for &t in st.teams_of(v) {
            set(&mut lens.report_teams, t);
        }
    }
    let owned_by_report = |owner: u32| match as_team(owner) {
        Some(t) => get(&lens.report_teams, t),
        None => owner != NONE && get(&lens.reports, owner),
    };
    // teams whose team-scoped grants give `right` on some of the tables, in chunks of bits
    let mut scoped: Vec<u32> = Vec::new();
    if let Some(g) = st.grants.get(u as usize) {
        for &t in tables {
            scoped.extend(
                g.get(t, right)
                    .iter()
                    .filter(|x| !x.personal())
                    .map(|x| x.team),
            );
        }
    }
    scoped.sort_total();
    scoped.dedup();
    let chunks: Vec<&[u32]> = if scoped.is_empty() {
        vec![&[]]
    } else {
        scoped.chunks(TEAM_BITS).collect()
    };
    let mut memo: Vec<u64> = Vec::new();
    let mut stack = Vec::new();
    // records not decided by the first chunk, with their table
    let mut pending: Vec<(u32, u32)> = Vec::new();
    for (k, chunk) in chunks.iter().enumerate() {
        lens.team_bit = vec![0; st.teams.len()];
        for (i, &t) in chunk.iter().enumerate() {
            if let Some(b) = lens.team_bit.get_mut(t as usize) {
                *b = i as u8 + 1;
            }
        }
        // per table: the mask of this chunk's teams whose grants cover `right` there
        let team_mask = |table: u32| -> u64 {
            let mut m = 0u64;
            for (i, &t) in chunk.iter().enumerate() {
                if team_scoped(st, u, table, t, want).has(right) {
                    m |= 1 << i;
                }
            }
            m
        };
        memo.clear(); // allocated on first use: most records inherit nothing
        if k == 0 {
            for &t in tables {
                let cov = coverage(st, u, t, want);
                if !cov.privileged.has(right) {
                    continue;
                }
                let sharing = right != Right::Create && !st.org_owned(t);
                let mask = team_mask(t);
                let personal = cov.personal.has(right);
                let hier = !reports.is_empty() && hierarchy_table(st, t);
                for &r in st
                    .by_table
                    .get(t as usize)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    let rec = st.records.core(r);
                    if rec.flags & crate::state::ALIVE == 0 {
                        continue;
                    }
                    if owner_depth_rights(st, u, t, rec.owner, rec.unit, want).has(right) {
                        out.push(r);
                        continue;
                    }
                    if !sharing {
                        continue;
                    }
                    if hier && owned_by_report(rec.owner) {
                        out.push(r);
                        continue;
                    }
                    let bits = lens.chain(r, &mut memo, &mut stack);
                    if (personal && bits & PERSONAL_BIT != 0)
                        || bits & mask != 0
                        || (hier && bits & HIERARCHY_BIT != 0)
                    {
                        out.push(r);
                    } else if chunks.len() > 1 {
                        pending.push((r, t));
                    }
                }
            }
        } else {
            let mut masks: Vec<(u32, u64)> = Vec::new();
            pending.retain(|&(r, t)| {
                let mask = match masks.iter().find(|x| x.0 == t) {
                    Some(x) => x.1,
                    None => {
                        let m = team_mask(t);
                        masks.push((t, m));
                        m
                    }
                };
                if mask != 0 && lens.chain(r, &mut memo, &mut stack) & mask != 0 {
                    out.push(r);
                    false
                } else {
                    true
                }
            });
        }
    }
    out
}
