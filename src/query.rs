//! Reverse and org-wide queries: `who_can`, `accessible_records`, `effective_privileges`,
//! assertions and the risk report.

use serde::{Deserialize, Serialize};

use crate::access::{Level, Right, RightSet};
use crate::decide::{coverage, rights_of, team_scoped};
use crate::explain::{grant_info, GrantInfo};
use crate::grants::grant_sources;
use crate::model::Assertion;
use crate::state::{as_team, State};
use crate::{Org, PolicyError};

/// A page of record ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordPage {
    /// How many records match in all.
    pub total: usize,
    /// The ids of this page, ascending.
    pub records: Vec<String>,
}

/// Best level and sources for one right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RightAccess {
    /// The right.
    pub right: Right,
    /// Best level held.
    pub level: Level,
    /// Every grant, best first.
    pub sources: Vec<GrantInfo>,
}

/// A user's privileges on one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableAccess {
    /// Table.
    pub table: String,
    /// Per right, in SPEC order.
    pub rights: Vec<RightAccess>,
}

/// Outcome of one assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResult {
    /// The assertion.
    pub assertion: Assertion,
    /// The actual decision.
    pub actual: bool,
    /// `actual == expect`.
    pub pass: bool,
}

/// One risk finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// What kind of risk.
    pub kind: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// Human-readable.
    pub message: String,
    /// The user concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The record concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The unit concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_unit: Option<String>,
    /// The table concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The rights concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rights: Vec<Right>,
    /// How many items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// Sample ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    pub fn who_can(&self, right: Right, record: &str) -> Result<Vec<String>, PolicyError> {
        let r = self.record_index(record, "/record")?;
        let st = &self.st;
        let mut out: Vec<String> = (0..st.users.len() as u32)
            .filter(|&u| st.user(u).is_some_and(|x| x.alive))
            .filter(|&u| rights_of(st, u, r, right.bit_set()).has(right))
            .map(|u| st.user_id(u).to_string())
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Records `user` holds `right` on (optionally of one table), ids ascending, paged.
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
        let mut ids: Vec<&str> = Vec::new();
        if st.user_enabled(u) {
            for t in tables {
                if coverage(st, u, t, right.bit_set()).privileged.is_empty() {
                    continue;
                }
                for &r in st
                    .by_table
                    .get(t as usize)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    if rights_of(st, u, r, right.bit_set()).has(right) {
                        ids.push(st.records.id(r));
                    }
                }
            }
        }
        ids.sort_unstable();
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
                    let mut src = grant_sources(st, u, t, right);
                    src.sort_unstable_by_key(|s| std::cmp::Reverse(s.grant.level));
                    RightAccess {
                        right,
                        level: src.first().map(|s| s.grant.level).unwrap_or(Level::None),
                        sources: src.iter().map(|s| grant_info(st, s, org)).collect(),
                    }
                })
                .collect();
            out.push(TableAccess {
                table: st.table_name(t).to_string(),
                rights,
            });
        }
        out.sort_unstable_by(|a, b| a.table.cmp(&b.table));
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
        users.sort_unstable_by(|&a, &b| st.user_id(a).cmp(st.user_id(b)));
        for &u in &users {
            if !st.user_enabled(u) {
                continue;
            }
            let id = st.user_id(u).to_string();
            if !has_any_role(st, u) {
                let mut f = Finding::new(
                    "userWithoutRole",
                    "medium",
                    format!(
                        "{} holds no security role and can access nothing",
                        st.user(u).map(|x| x.name.as_str()).unwrap_or("")
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
                        format!(
                            "{id} has organization-wide {} on {}",
                            rights
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            st.table_name(t)
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
                    sample.sort_unstable();
                    sample.truncate(20);
                    let mut f = Finding::new(
                        "recordsOwnedByDisabledUser",
                        "high",
                        format!(
                            "disabled user {} still owns {} records",
                            st.user_id(u),
                            owned.len()
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
        shared.sort_unstable_by(|&a, &b| st.records.id(a).cmp(st.records.id(b)));
        for r in shared {
            for s in st.shares_of(r) {
                let bad = ineffective_share_rights(st, r, s.principal, s.rights);
                if !bad.is_empty() {
                    let mut f = Finding::new(
                        "ineffectiveShare",
                        "low",
                        format!(
                            "record {} is shared with {} but they lack the privilege for {}",
                            st.records.id(r),
                            st.principal(s.principal).id(),
                            bad.to_vec()
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
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
        with_teams.sort_unstable_by(|&a, &b| st.records.id(a).cmp(st.records.id(b)));
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
                            format!(
                                "{} is on the access team of {} but lacks the privilege for {}",
                                st.user_id(m),
                                st.records.id(r),
                                bad.to_vec()
                                    .iter()
                                    .map(|r| r.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
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
        units.sort_unstable_by(|&a, &b| st.unit_id(a).cmp(st.unit_id(b)));
        for b in units {
            let n = unit_users.get(b as usize).copied().unwrap_or(0);
            let row = st.unit(b);
            if n > 0 && !st.tree.is_active(b) {
                let mut f = Finding::new(
                    "disabledUnitWithUsers",
                    "high",
                    format!("business unit {} is disabled but still holds {n} users, who cannot sign in", st.unit_id(b)),
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
                    format!(
                        "business unit {} holds no users, records or child units",
                        st.unit_id(b)
                    ),
                );
                f.business_unit = Some(st.unit_id(b).to_string());
                out.push(f);
            }
        }
        out
    }
}
