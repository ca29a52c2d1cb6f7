//! Access decisions (SPEC §2, §4, §5): privilege check, then ownership, role depth,
//! sharing (direct, access teams, inherited through parents) and manager hierarchy,
//! all eight rights computed in one pass as a bitmask.

use crate::access::{Right, RightSet};
use crate::grants::{Grant, Reach, UserTable, REACH_DEEP, REACH_LOCAL, REACH_TEAM};
use crate::model::Principal;
use crate::state::{as_team, as_user, Hot, State, NONE, SHARED_ABOVE, SHARING};

/// Rights a manager at distance 1 gets through the hierarchy.
pub const HIERARCHY_NEAR: RightSet = RightSet(
    (1 << Right::Read as u8)
        | (1 << Right::Write as u8)
        | (1 << Right::Append as u8)
        | (1 << Right::AppendTo as u8),
);
/// Rights a manager at distance 2.. gets.
pub const HIERARCHY_FAR: RightSet = RightSet(1 << Right::Read as u8);

/// Rights a manager gets through a report at distance `d` (1 = direct) within the depth.
#[inline]
pub fn hierarchy_at(d: u32) -> RightSet {
    if d == 1 {
        HIERARCHY_NEAR
    } else {
        HIERARCHY_FAR
    }
}

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
    let Some(g) = st.grants.get(u as usize) else {
        return Coverage::default();
    };
    let t = g.table(table);
    Coverage::of(t.any, t.personal, want)
}

impl Coverage {
    /// The coverage of `want` by a user's grants on one table (their `any` and `personal`
    /// masks, [`crate::grants::TableGrants`] / [`UserTable`]).
    #[inline(always)]
    fn of(any: u8, personal: u8, want: RightSet) -> Coverage {
        Coverage {
            privileged: RightSet(want.0 & any),
            personal: RightSet(want.0 & personal),
        }
    }
}

/// Rights in `want` for which a team-scoped grant of team `t` exists.
#[inline]
pub fn team_scoped(st: &State, u: u32, table: u32, t: u32, want: RightSet) -> RightSet {
    let Some(g) = st.grants.get(u as usize) else {
        return RightSet::EMPTY;
    };
    let tg = g.table(table);
    let mut out = 0u8;
    for e in g.reach(tg) {
        if e.kind == REACH_TEAM && e.key == t {
            out |= e.rights;
        }
    }
    RightSet(want.0 & out)
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
    let Some(g) = st.grants.get(u as usize) else {
        return RightSet::EMPTY;
    };
    let tg = g.table(table);
    let want = want.0 & tg.any;
    owner_depth_in(
        st,
        u,
        tg.global,
        tg.personal,
        g.reach(tg),
        table,
        owner,
        unit,
        want,
    )
}

/// [`owner_depth_rights`] with the user's grants on the table at hand; `want` holds only
/// rights with a grant.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn owner_depth_in(
    st: &State,
    u: u32,
    global: u8,
    personal: u8,
    reach: &[Reach],
    table: u32,
    owner: u32,
    unit: u32,
    want: u8,
) -> RightSet {
    if want == 0 || st.org_owned(table) {
        return RightSet(want);
    }
    let mut got = want & global;
    if want & personal & !got != 0 && owner != NONE && st.names_user(owner, u) {
        got |= want & personal;
    }
    if want & !got == 0 {
        return RightSet(got);
    }
    for e in reach {
        let rest = want & !got;
        if e.rights & rest == 0 {
            continue;
        }
        let covered = match e.kind {
            REACH_LOCAL => unit == e.key && unit != NONE,
            REACH_DEEP => st.tree.in_subtree(unit, e.key),
            _ => owner != NONE && as_team(owner) == Some(e.key),
        };
        if covered {
            got |= e.rights & rest;
            if want & !got == 0 {
                break;
            }
        }
    }
    RightSet(got)
}

/// All rights of user `u` on record `r` among `want`.
pub fn rights_of(st: &State, u: u32, r: u32, want: RightSet) -> RightSet {
    rights_hot(st, u, r, Hot::of(st.records.core(r)), want)
}

/// [`rights_of`] for a record found by id with [`crate::state::Interner::find_hot`]:
/// `hot` are its fields from the id slot, so a check on a record without sharing reads
/// nothing else of it.
#[inline(always)]
pub fn rights_hot(st: &State, u: u32, r: u32, hot: Hot, want: RightSet) -> RightSet {
    rights_at(st, u, r, hot, want, &mut Walk)
}

/// [`rights_hot`] with `tg`, the user's grants on the record's table
/// ([`State::user_table`]), already read: a batch reads them for many requests in a row,
/// so that their cache misses overlap.
#[inline(always)]
pub fn rights_read(
    st: &State,
    u: u32,
    r: u32,
    hot: Hot,
    tg: UserTable,
    want: RightSet,
) -> RightSet {
    rights_with(st, u, r, hot, tg, want, &mut Walk)
}

/// [`rights_of`] for a batch of decisions in one state: inherited shares are found through
/// `memo` (see [`ChainMemo`]), so records deep in an inheriting chain cost no more than others.
pub fn rights_of_memo(
    st: &State,
    u: u32,
    r: u32,
    want: RightSet,
    memo: &mut ChainMemo,
) -> RightSet {
    rights_at(st, u, r, Hot::of(st.records.core(r)), want, memo)
}

/// [`rights_with`], reading the user's grants on the record's table here.
#[inline(always)]
fn rights_at(
    st: &State,
    u: u32,
    r: u32,
    rec: Hot,
    want: RightSet,
    chain: &mut dyn Chain,
) -> RightSet {
    rights_with(
        st,
        u,
        r,
        rec,
        st.user_table(u, u32::from(rec.table)),
        want,
        chain,
    )
}

#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn rights_with(
    st: &State,
    u: u32,
    r: u32,
    rec: Hot,
    tg: UserTable,
    want: RightSet,
    chain: &mut dyn Chain,
) -> RightSet {
    if rec.flags & crate::state::ALIVE == 0 || !st.user_enabled(u) {
        return RightSet::EMPTY;
    }
    // the privilege check first, on the user's grants on the table
    let privileged = want.0 & tg.any;
    if privileged == 0 {
        return RightSet::EMPTY;
    }
    let table = u32::from(rec.table);
    let (owner, unit) = (rec.owner, rec.unit);
    let reach = tg.reach(table, || st.grants.get(u as usize).map(|g| &**g));
    let got = owner_depth_in(
        st,
        u,
        tg.global,
        tg.personal,
        reach,
        table,
        owner,
        unit,
        privileged,
    );
    let rest = privileged & !got.0 & !Right::Create.bit();
    if rest == 0 || st.org_owned(table) {
        return got;
    }
    let cov = Coverage::of(tg.any, tg.personal, RightSet(rest));
    let shared = rec.flags & SHARING != 0;
    let mut got = got;
    if shared {
        got = got | shared_rights(st, u, r, table, cov, rec.flags, chain);
    }
    let rest = RightSet(cov.privileged.0 & !got.0);
    if !rest.is_empty() {
        got = got | hierarchy_rights(st, u, r, rec, rest, chain);
    }
    got
}

/// Visits the records of a share chain whose shares or access teams may apply.
pub trait Chain {
    /// Calls `f` with records of `r`'s share chain: at least every one with shares or
    /// access teams, in chain order.
    /// (`dyn`: a decision is compiled once for every kind of chain.)
    fn walk(&mut self, st: &State, r: u32, f: &mut dyn FnMut(u32));
}

/// Every record of the chain ([`share_chain`]).
pub struct Walk;

impl Chain for Walk {
    fn walk(&mut self, st: &State, r: u32, f: &mut dyn FnMut(u32)) {
        for rec in share_chain(st, r) {
            f(rec);
        }
    }
}

/// Memoised share chains for many decisions in one state (the state must not change while
/// it is in use): per record, the nearest record of its share chain (itself included) with
/// shares or access teams, so a walk visits only those. Allocated on first use by a record
/// with an inheriting parent.
#[derive(Default)]
pub struct ChainMemo {
    /// Per record: `UNKNOWN`, `NONE`, or the nearest such record.
    first: Vec<u32>,
    stack: Vec<u32>,
    /// The last record asked about and its answer (a decision walks a chain twice).
    last: Option<(u32, u32)>,
}

const UNKNOWN: u32 = NONE - 2;
/// Chains up to this long are walked without the memo.
const SHORT: usize = 8;

impl ChainMemo {
    /// An empty memo.
    pub fn new() -> ChainMemo {
        ChainMemo::default()
    }

    /// The nearest record of `r`'s share chain (itself included) with shares or access
    /// teams, `NONE` when there is none.
    pub fn first(&mut self, st: &State, r: u32) -> u32 {
        if let Some((x, found)) = self.last {
            if x == r {
                return found;
            }
        }
        let found = self.find(st, r);
        self.last = Some((r, found));
        found
    }

    fn find(&mut self, st: &State, r: u32) -> u32 {
        // short chains (most) are walked: cheaper than the memo's random accesses
        let mut cur = r;
        for _ in 0..SHORT {
            if has_grants_on_record(st, cur) {
                return cur;
            }
            let p = st.records.parent(cur);
            if p == NONE || !st.inherits(cur, p) {
                return NONE;
            }
            cur = p;
        }
        if self.first.is_empty() {
            self.first = vec![UNKNOWN; st.records.len()];
        }
        self.stack.clear();
        let limit = st.records.len();
        let mut cur = r;
        let found = loop {
            if let Some(&x) = self.first.get(cur as usize) {
                if x != UNKNOWN {
                    break x;
                }
            }
            if has_grants_on_record(st, cur) {
                break cur;
            }
            self.stack.push(cur);
            let p = st.records.parent(cur);
            if p == NONE || self.stack.len() > limit || !st.inherits(cur, p) {
                break NONE;
            }
            cur = p;
        };
        for &x in &self.stack {
            if let Some(m) = self.first.get_mut(x as usize) {
                *m = found;
            }
        }
        found
    }
}

impl Chain for ChainMemo {
    fn walk(&mut self, st: &State, r: u32, f: &mut dyn FnMut(u32)) {
        let limit = st.records.len();
        let mut cur = self.first(st, r);
        let mut steps = 0usize;
        while cur != NONE && steps <= limit {
            f(cur);
            steps += 1;
            let p = st.records.parent(cur);
            if p == NONE || !st.inherits(cur, p) {
                break;
            }
            cur = self.first(st, p);
        }
    }
}

/// Whether record `r` has shares or access teams of its own.
#[inline]
fn has_grants_on_record(st: &State, r: u32) -> bool {
    !st.shares_of(r).is_empty() || !st.access_teams_of(r).is_empty()
}

/// Calls `visit` with the records of `r`'s share chain that may have shares or access
/// teams, and their flags (`flags` are `r`'s). A record without [`SHARED_ABOVE`] has
/// nothing above it that shares (the flag's invariant): then only `r` is visited, and
/// nothing else of it is read (in a batch its flags come from its id slot; its other fields
/// would be one more cache miss).
fn walk_shares(
    st: &State,
    r: u32,
    flags: u8,
    chain: &mut dyn Chain,
    visit: &mut dyn FnMut(u32, u8),
) {
    if flags & SHARED_ABOVE == 0 {
        visit(r, flags);
    } else {
        chain.walk(st, r, &mut |rec| visit(rec, st.records.core(rec).flags));
    }
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
fn shared_rights(
    st: &State,
    u: u32,
    r: u32,
    table: u32,
    cov: Coverage,
    flags: u8,
    chain: &mut dyn Chain,
) -> RightSet {
    let mut got = RightSet::EMPTY;
    let mut visit = |rec: u32, flags: u8| {
        let list = st.shares_with(rec, flags);
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
        for a in st.access_teams_with(rec, flags) {
            if a.members.binary_search(&u).is_ok() {
                got = got | (st.template_rights(a.template) & cov.personal);
            }
        }
    };
    walk_shares(st, r, flags, chain, &mut visit);
    got & cov.privileged
}

/// The rights manager `m` gets on `r` through reports at distance `d`; calls `f(report, distance, rights)`.
pub fn for_each_hierarchy_path(st: &State, m: u32, r: u32, f: impl FnMut(u32, u32, RightSet)) {
    hierarchy_paths(st, m, r, Hot::of(st.records.core(r)), &mut Walk, f);
}

fn hierarchy_paths(
    st: &State,
    m: u32,
    r: u32,
    rec: Hot,
    chain: &mut dyn Chain,
    mut f: impl FnMut(u32, u32, RightSet),
) {
    let Some(h) = &st.hierarchy else { return };
    let table = u32::from(rec.table);
    if !st.table_hierarchy(table) {
        return;
    }
    if !st.has_reports(m) {
        return;
    }
    let depth = h.depth;
    let visit = |v: u32, limit: RightSet, f: &mut dyn FnMut(u32, u32, RightSet)| {
        if v == m {
            return;
        }
        if let Some(d) = st.manager_distance(m, v, depth) {
            let rights = hierarchy_at(d) & limit;
            if !rights.is_empty() {
                f(v, d, rights);
            }
        }
    };
    let owner = rec.owner;
    if let Some(v) = as_user(owner) {
        visit(v, RightSet::FULL, &mut f);
    } else if let Some(t) = as_team(owner) {
        for &v in st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]) {
            visit(v, RightSet::FULL, &mut f);
        }
    }
    if rec.flags & SHARING == 0 {
        return;
    }
    let mut shares = |rec: u32, flags: u8| {
        for s in st.shares_with(rec, flags) {
            if let Some(t) = as_team(s.principal) {
                for &v in st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]) {
                    visit(v, s.rights, &mut f);
                }
            } else {
                visit(s.principal, s.rights, &mut f);
            }
        }
        for a in st.access_teams_with(rec, flags) {
            let rights = st.template_rights(a.template);
            for &v in &a.members {
                visit(v, rights, &mut f);
            }
        }
    };
    walk_shares(st, r, rec.flags, chain, &mut shares);
}

fn hierarchy_rights(
    st: &State,
    m: u32,
    r: u32,
    rec: Hot,
    privileged: RightSet,
    chain: &mut dyn Chain,
) -> RightSet {
    let mut got = RightSet::EMPTY;
    hierarchy_paths(st, m, r, rec, chain, |_, _, rights| got = got | rights);
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
