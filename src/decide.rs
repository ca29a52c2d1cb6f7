//! Access decisions (SPEC §2, §4, §5): privilege check, then ownership, role depth,
//! sharing (direct, access teams, inherited through parents) and manager hierarchy,
//! all eight rights computed in one pass as a bitmask.

use crate::access::{Right, RightSet};
use crate::grants::Grant;
use crate::model::Principal;
use crate::state::{as_team, as_user, State, NONE};

/// Rights a manager at distance 1 gets through the hierarchy.
pub const HIERARCHY_NEAR: RightSet = RightSet(
    (1 << Right::Read as u8)
        | (1 << Right::Write as u8)
        | (1 << Right::Append as u8)
        | (1 << Right::AppendTo as u8),
);
/// Rights a manager at distance 2.. gets.
pub const HIERARCHY_FAR: RightSet = RightSet(1 << Right::Read as u8);

/// Per-right facts about a user's grants on one table.
#[derive(Debug, Clone, Copy, Default)]
pub struct Coverage {
    /// Rights with at least one grant (privilege check passes).
    pub privileged: RightSet,
    /// Rights with a personal grant.
    pub personal: RightSet,
}

/// Summarise the grants of `u` on `table` for the rights in `want`.
#[inline]
pub fn coverage(st: &State, u: u32, table: u32, want: RightSet) -> Coverage {
    let mut c = Coverage::default();
    let Some(g) = st.grants.get(u as usize) else {
        return c;
    };
    for right in want.iter() {
        let gs = g.get(table, right);
        if gs.is_empty() {
            continue;
        }
        c.privileged.insert(right);
        if gs.iter().any(Grant::personal) {
            c.personal.insert(right);
        }
    }
    c
}

/// Rights in `want` for which a team-scoped grant of team `t` exists.
#[inline]
pub fn team_scoped(st: &State, u: u32, table: u32, t: u32, want: RightSet) -> RightSet {
    let mut out = RightSet::EMPTY;
    let Some(g) = st.grants.get(u as usize) else {
        return out;
    };
    for right in want.iter() {
        if g.get(table, right).iter().any(|x| x.team == t) {
            out.insert(right);
        }
    }
    out
}

/// Whether a grant covers the record by ownership or role depth.
#[inline]
pub fn grant_covers(st: &State, g: &Grant, owner: u32, unit: u32, owner_is_mine: bool) -> bool {
    match g.level {
        crate::access::Level::Global => return true,
        crate::access::Level::Deep if st.tree.in_subtree(unit, g.anchor) => return true,
        crate::access::Level::Local if unit == g.anchor && unit != NONE => return true,
        _ => {}
    }
    if g.personal() {
        owner_is_mine
    } else {
        owner != NONE && as_team(owner) == Some(g.team)
    }
}

/// Ownership + role depth for a hypothetical or existing record (`owner`, `unit`) of `table`.
pub fn owner_depth_rights(
    st: &State,
    u: u32,
    table: u32,
    owner: u32,
    unit: u32,
    want: RightSet,
) -> RightSet {
    let mut got = RightSet::EMPTY;
    let Some(g) = st.grants.get(u as usize) else {
        return got;
    };
    let org = st.org_owned(table);
    let mine = owner != NONE && st.names_user(owner, u);
    for right in want.iter() {
        let gs = g.get(table, right);
        if gs.is_empty() {
            continue;
        }
        if org || gs.iter().any(|x| grant_covers(st, x, owner, unit, mine)) {
            got.insert(right);
        }
    }
    got
}

/// All rights of user `u` on record `r` among `want`.
pub fn rights_of(st: &State, u: u32, r: u32, want: RightSet) -> RightSet {
    let rec = st.records.core(r);
    if rec.flags & crate::state::ALIVE == 0 || !st.user_enabled(u) {
        return RightSet::EMPTY;
    }
    let table = u32::from(rec.table);
    let (owner, unit) = (rec.owner, rec.unit);
    let got = owner_depth_rights(st, u, table, owner, unit, want);
    let rest = RightSet(want.0 & !got.0 & !Right::Create.bit());
    if rest.is_empty() || st.org_owned(table) {
        return got;
    }
    let cov = coverage(st, u, table, rest);
    if cov.privileged.is_empty() {
        return got;
    }
    let mut got = got | shared_rights(st, u, r, table, cov);
    let rest = RightSet(cov.privileged.0 & !got.0);
    if !rest.is_empty() {
        got = got | hierarchy_rights(st, u, r, table, rest);
    }
    got
}

/// The chain of records whose shares apply to `r`: itself, then ancestors while inheritance passes.
pub fn share_chain(st: &State, r: u32) -> impl Iterator<Item = u32> + '_ {
    let mut cur = r;
    let mut first = true;
    let mut steps = 0usize;
    let limit = st.records.len();
    std::iter::from_fn(move || {
        if first {
            first = false;
            return Some(cur);
        }
        let p = st.records.parent(cur);
        if p == NONE || steps >= limit || !st.inherits(cur, p) {
            return None;
        }
        steps += 1;
        cur = p;
        Some(cur)
    })
}

/// The shares of `list` (sorted by principal) naming principal `p`.
#[inline]
fn shares_naming(list: &[crate::state::ShareEntry], p: u32) -> &[crate::state::ShareEntry] {
    let lo = list.partition_point(|s| s.principal < p);
    let hi = lo
        + list
            .get(lo..)
            .map_or(0, |t| t.partition_point(|s| s.principal == p));
    list.get(lo..hi).unwrap_or(&[])
}

/// Rights the record's shares (direct, inherited, access teams) give `u`, covered by its
/// grants. Shares are found by binary search on principal (the user, then each of the
/// user's teams), so a record shared 100,000 times costs a few searches.
fn shared_rights(st: &State, u: u32, r: u32, table: u32, cov: Coverage) -> RightSet {
    let mut got = RightSet::EMPTY;
    if !st.may_be_shared(r) {
        return got;
    }
    for rec in share_chain(st, r) {
        let list = st.shares_of(rec);
        if !list.is_empty() {
            for s in shares_naming(list, u) {
                got = got | (s.rights & cov.personal);
            }
            for &t in st.teams_of(u) {
                let named = shares_naming(list, crate::state::team_principal(t));
                if !named.is_empty() {
                    let covered = cov.personal | team_scoped(st, u, table, t, cov.privileged);
                    for s in named {
                        got = got | (s.rights & covered);
                    }
                }
            }
        }
        for a in st.access_teams_of(rec) {
            if a.members.binary_search(&u).is_ok() {
                got = got | (st.template_rights(a.template) & cov.personal);
            }
        }
    }
    got & cov.privileged
}

/// The rights manager `m` gets on `r` through reports at distance `d`; calls `f(report, distance, rights)`.
pub fn for_each_hierarchy_path(st: &State, m: u32, r: u32, mut f: impl FnMut(u32, u32, RightSet)) {
    let Some(h) = &st.hierarchy else { return };
    let table = st.records.table(r);
    if !st.tables.get(table as usize).is_some_and(|t| t.hierarchy) {
        return;
    }
    if st.reports.get(m as usize).is_none_or(Vec::is_empty) {
        return;
    }
    let depth = h.depth;
    let visit = |v: u32, limit: RightSet, f: &mut dyn FnMut(u32, u32, RightSet)| {
        if v == m {
            return;
        }
        if let Some(d) = st.manager_distance(m, v, depth) {
            let base = if d == 1 {
                HIERARCHY_NEAR
            } else {
                HIERARCHY_FAR
            };
            let rights = base & limit;
            if !rights.is_empty() {
                f(v, d, rights);
            }
        }
    };
    let owner = st.records.owner(r);
    if let Some(v) = as_user(owner) {
        visit(v, RightSet::FULL, &mut f);
    } else if let Some(t) = as_team(owner) {
        for &v in st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]) {
            visit(v, RightSet::FULL, &mut f);
        }
    }
    if !st.may_be_shared(r) {
        return;
    }
    for rec in share_chain(st, r) {
        for s in st.shares_of(rec) {
            if let Some(t) = as_team(s.principal) {
                for &v in st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]) {
                    visit(v, s.rights, &mut f);
                }
            } else {
                visit(s.principal, s.rights, &mut f);
            }
        }
        for a in st.access_teams_of(rec) {
            let rights = st.template_rights(a.template);
            for &v in &a.members {
                visit(v, rights, &mut f);
            }
        }
    }
}

fn hierarchy_rights(st: &State, m: u32, r: u32, _table: u32, privileged: RightSet) -> RightSet {
    let mut got = RightSet::EMPTY;
    for_each_hierarchy_path(st, m, r, |_, _, rights| got = got | rights);
    got & privileged
}

/// Whether the create privilege covers a new record of `table` with this owner and unit.
pub fn can_create(st: &State, u: u32, table: u32, owner: u32, unit: u32) -> bool {
    st.user_enabled(u)
        && owner_depth_rights(st, u, table, owner, unit, Right::Create.bit_set()).has(Right::Create)
}

impl Right {
    /// A set holding only this right.
    pub fn bit_set(self) -> RightSet {
        RightSet(self.bit())
    }
}

/// Resolve a principal to its encoded index.
pub fn principal_index(st: &State, p: &Principal) -> Option<u32> {
    match p {
        Principal::User(u) => st.user_ids.get(u).copied(),
        Principal::Team(t) => st.team_ids.get(t).map(|&t| crate::state::team_principal(t)),
    }
}
