//! Simulated impact of a changeset (SPEC §6): the changeset runs in a transaction, the
//! users and records it touches are collected, and the transaction is rolled back. Users
//! whose grants, teams or sign-in changed are counted by business unit (role depth reaches
//! every record of a set of units, compared between the states with per-(unit, table)
//! record counts, see `src/reach.rs`) plus exact decisions on the few records they reach
//! otherwise; everyone else is compared on the touched records only. Work is proportional
//! to what the change touches (and to the units involved), not to users × records.
//!
//! Samples: per (user, table, right), the 20 changed records with the lowest indexes (load
//! order, which is id order for a canonical snapshot) found, sorted by id; when role depth
//! reaches everything on one side, they are drawn from the first units (by index) outside
//! the other side's units.

use std::borrow::Cow;
use std::rc::Rc;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::access::{Level, Right, RightSet};
use crate::change::{run, Change, SideEffect};
use crate::decide::{rights_of_memo, Chain, ChainMemo};
use crate::error::Errors;
use crate::journal::revert_all;
use crate::model::Assertion;
use crate::query::{has_any_role, ineffective_share_rights, Finding};
use crate::reach::{difference, Base, CovPool, Low, DEAD, LOW_CAP};
use crate::sort::SortTotal;
use crate::state::{as_team, as_user, new_map, Map, State, NONE};

/// (user, table, right, gained).
type PerKey = (u32, u32, Right, bool);

/// Most sample record ids per table and right.
pub const SAMPLE: usize = 20;

/// Rights gained or lost on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct RightChange {
    /// Table.
    pub table: String,
    /// Right.
    pub right: Right,
    /// Exact number of records.
    pub count: usize,
    /// Up to 20 record ids, ascending (see the module documentation for which).
    pub sample: Vec<String>,
}

/// The access change of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AccessChange {
    /// User id.
    pub user: String,
    /// Rights gained.
    pub gained: Vec<RightChange>,
    /// Rights lost.
    pub lost: Vec<RightChange>,
}

/// An assertion whose outcome the changeset changes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AssertionChange {
    /// The assertion.
    pub assertion: Assertion,
    /// Decision before.
    pub before: bool,
    /// Decision after.
    pub after: bool,
    /// Whether it passes after.
    pub pass: bool,
}

/// Record counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct RecordCounts {
    /// Before.
    pub before: usize,
    /// After.
    pub after: usize,
}

/// The impact of a changeset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Impact {
    /// Per user, rights gained and lost (users ascending).
    pub access_changes: Vec<AccessChange>,
    /// Side effects of the operations.
    pub side_effects: Vec<SideEffect>,
    /// Problems the changeset leaves behind.
    pub warnings: Vec<Finding>,
    /// Assertions whose outcome changes.
    pub assertions: Vec<AssertionChange>,
    /// Record counts before and after.
    pub records: RecordCounts,
}

/// Users holding local / deep grants per anchor unit.
struct AnchorIndex {
    local: Map<u32, Vec<u32>>,
    deep: Map<u32, Vec<u32>>,
}

fn anchor_index(st: &State) -> AnchorIndex {
    let mut idx = AnchorIndex {
        local: new_map(),
        deep: new_map(),
    };
    for u in 0..st.users.len() as u32 {
        let Some(g) = st.grants.get(u as usize) else {
            continue;
        };
        let mut seen: Vec<(Level, u32)> = Vec::new();
        for gr in g.entries() {
            if matches!(gr.level, Level::Local | Level::Deep)
                && !seen.contains(&(gr.level, gr.anchor))
            {
                seen.push((gr.level, gr.anchor));
                let map = if gr.level == Level::Local {
                    &mut idx.local
                } else {
                    &mut idx.deep
                };
                map.entry(gr.anchor).or_default().push(u);
            }
        }
    }
    idx
}

fn add_descendants(st: &State, seeds: &mut Vec<u32>) {
    let mut i = 0;
    // (a map to `usize`, not a set: an instantiation the module already has)
    let mut seen: Map<u32, usize> = new_map();
    for &s in seeds.iter() {
        seen.insert(s, 0);
    }
    while let Some(&r) = seeds.get(i) {
        i += 1;
        for &k in st.children.get(r).unwrap_or(&[]) {
            if seen.insert(k, 0).is_none() {
                seeds.push(k);
            }
        }
    }
}

/// Users whose holdings reach a manager through the hierarchy from `roots` (user, report
/// levels below it): each root and its reports down to that many levels, ascending.
fn seed_holders(st: &State, roots: &[(u32, u32)]) -> Vec<u32> {
    let mut holders: Vec<u32> = Vec::new();
    let mut frontier = Vec::new();
    let mut next = Vec::new();
    for &(v, levels) in roots {
        holders.push(v);
        frontier.clear();
        frontier.push(v);
        for _ in 0..levels {
            if st.hierarchy.is_none() || frontier.is_empty() {
                break;
            }
            next.clear();
            for &m in &frontier {
                next.extend_from_slice(
                    st.reports.get(m as usize).map(Vec::as_slice).unwrap_or(&[]),
                );
            }
            holders.extend_from_slice(&next);
            std::mem::swap(&mut frontier, &mut next);
        }
    }
    holders.sort_total();
    holders.dedup();
    holders
}

/// Records a `Full` user `u` may reach other than by role depth: owned, shared, access-team
/// and inherited-share records of the user and of their reports within the hierarchy depth,
/// with their teams' owned and shared records.
fn user_candidates(st: &State, u: u32, out: &mut Vec<u32>) {
    let depth = st.hierarchy.as_ref().map_or(0, |h| h.depth);
    // the user's own holdings (all tables), then the reports' (hierarchy tables only: the
    // hierarchy path is the only one through which another user's holdings reach this user)
    holdings(st, u, out);
    let mut theirs = Vec::new();
    for v in seed_holders(st, &[(u, depth)]) {
        if v != u {
            holdings(st, v, &mut theirs);
        }
    }
    theirs.retain(|&r| hierarchy_table(st, r));
    out.extend(theirs);
}

/// Whether record `r`'s table has hierarchy security.
fn hierarchy_table(st: &State, r: u32) -> bool {
    st.table_hierarchy(st.records.table(r))
}

/// Records `v` holds: owned by `v` or `v`'s teams, shared with them (directly, through access
/// teams, or inherited by descendants of shared records).
fn holdings(st: &State, v: u32, out: &mut Vec<u32>) {
    let mut ps = Vec::with_capacity(st.teams_of(v).len() + 1);
    ps.push(v);
    ps.extend(
        st.teams_of(v)
            .iter()
            .map(|&t| crate::state::team_principal(t)),
    );
    principal_holdings(st, &ps, out);
}

/// Records principals `ps` hold: owned by them, shared with them (directly, or for users
/// through access teams), and the descendants of those (inherited shares).
fn principal_holdings(st: &State, ps: &[u32], out: &mut Vec<u32>) {
    let shared_start = out.len();
    for &p in ps {
        out.extend_from_slice(st.owned_by(p));
        out.extend_from_slice(st.shared_with.get(&p).map(Vec::as_slice).unwrap_or(&[]));
        if as_user(p).is_some() {
            out.extend_from_slice(
                st.access_team_records
                    .get(&p)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            );
        }
    }
    // inherited shares reach descendants of shared records
    let mut shared: Vec<u32> = out
        .get(shared_start..)
        .unwrap_or(&[])
        .iter()
        .copied()
        .filter(|&r| st.children.has(r))
        .collect();
    if !shared.is_empty() {
        add_descendants(st, &mut shared);
        out.extend(shared);
    }
}

/// What a manager gets through a report at this distance (none when beyond the depth).
fn hierarchy_class(st: &State, m: u32, v: u32) -> RightSet {
    let depth = st.hierarchy.as_ref().map_or(0, |h| h.depth);
    st.manager_distance(m, v, depth)
        .map_or(RightSet::EMPTY, crate::decide::hierarchy_at)
}

/// One holder of a `Hierarchy` user in one state: the user, what the manager gets through
/// them, their teams.
type Holder = (u32, RightSet, Vec<u32>);

/// The untouched records through which `Hierarchy` user `m` may decide differently, in the
/// after state: the holdings of holders whose hierarchy class (near, far, none) changed, and
/// of the teams a holder of an unchanged class joined or left. A holder with the same class
/// and teams in both states gives `m` the same rights on every untouched record (its own
/// owned, shared and access-team records are touched when they change), so its holdings are
/// left out. Returns the principals whose owned records were added, and the holders that
/// changed.
fn hierarchy_candidates<'h>(
    st: &State,
    hb: &'h [Holder],
    ha: &'h [Holder],
    none: &'h Holder,
    held: &mut HeldMemo<'_>,
    out: &mut Vec<u32>,
) -> (Vec<u32>, Vec<Changed<'h>>) {
    let (mut i, mut j) = (0, 0);
    let mut owners = Vec::new();
    let mut changed = Vec::new();
    let mut ps: Vec<u32> = Vec::new();
    loop {
        let (b, a) = match (hb.get(i), ha.get(j)) {
            (None, None) => break,
            (Some(b), Some(a)) if b.0 == a.0 => {
                i += 1;
                j += 1;
                (b, a)
            }
            (Some(b), a) if a.is_none_or(|a| b.0 < a.0) => {
                i += 1;
                (b, none)
            }
            (_, Some(a)) => {
                j += 1;
                (none, a)
            }
            (Some(_), None) => break,
        };
        let v = if b.0 != NONE { b.0 } else { a.0 };
        ps.clear();
        if b.1 != a.1 {
            ps.push(v);
            let teams = sorted_union(&b.2, &a.2);
            ps.extend(teams.iter().map(|&t| crate::state::team_principal(t)));
        } else if !b.1.is_empty() && b.2 != a.2 {
            // teams on one side only
            let teams = sorted_union(&b.2, &a.2);
            ps.extend(
                teams
                    .iter()
                    .filter(|t| b.2.binary_search(t).is_err() || a.2.binary_search(t).is_err())
                    .map(|&t| crate::state::team_principal(t)),
            );
        }
        if ps.is_empty() {
            continue;
        }
        changed.push(Changed {
            user: v,
            before: (b.1, &b.2),
            after: (a.1, &a.2),
        });
        owners.extend_from_slice(&ps);
        for &p in &ps {
            out.extend_from_slice(held.get(st, p));
        }
    }
    owners.sort_total();
    owners.dedup();
    (owners, changed)
}

/// Per principal, the untouched hierarchy-table records it holds in the after state
/// ([`principal_holdings`]), ascending: the managers above one report ask for the same.
struct HeldMemo<'a> {
    tr: &'a [u32],
    lists: Map<u32, Vec<u32>>,
}

impl HeldMemo<'_> {
    fn get(&mut self, st: &State, p: u32) -> &[u32] {
        let tr = self.tr;
        self.lists.entry(p).or_insert_with(|| {
            let mut v = Vec::new();
            principal_holdings(st, &[p], &mut v);
            v.retain(|&r| hierarchy_table(st, r) && tr.binary_search(&r).is_err());
            v.sort_total();
            v.dedup();
            v
        })
    }
}

/// A holder of a `Hierarchy` user whose class or teams changed: (class, teams) before and
/// after.
struct Changed<'h> {
    user: u32,
    before: (RightSet, &'h [u32]),
    after: (RightSet, &'h [u32]),
}

/// How the two decisions on one record are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Derive {
    /// Decided in both states.
    Both,
    /// Decided after; before is that plus these rights.
    FromAfter(u8),
    /// Decided before; after is that plus these rights.
    FromBefore(u8),
}

/// The changed holders of one `Hierarchy` user `m`, indexed by the principals through which
/// they hold records: the holder itself in both states, each of its teams in the states where
/// it is a member.
struct ChangedIndex {
    m: u32,
    enabled: bool,
    /// (principal, holder's class before, after; zero on a side where this principal does
    /// not make the holder hold), ascending by principal.
    by_principal: Vec<(u32, RightSet, RightSet)>,
    /// (holder, class before, after), ascending.
    users: Vec<(u32, RightSet, RightSet)>,
    /// Per table: the rights `m` holds a privilege for.
    privileged: Vec<Option<RightSet>>,
}

impl ChangedIndex {
    fn new(st: &State, m: u32, changed: &[Changed<'_>]) -> ChangedIndex {
        let mut by_principal = Vec::new();
        let mut users = Vec::new();
        for ch in changed {
            let (cb, tb) = ch.before;
            let (ca, ta) = ch.after;
            users.push((ch.user, cb, ca));
            by_principal.push((ch.user, cb, ca));
            for &t in &sorted_union(tb, ta) {
                let side = |teams: &[u32], class: RightSet| {
                    if teams.binary_search(&t).is_ok() {
                        class
                    } else {
                        RightSet::EMPTY
                    }
                };
                by_principal.push((crate::state::team_principal(t), side(tb, cb), side(ta, ca)));
            }
        }
        by_principal.sort_total();
        users.sort_total();
        ChangedIndex {
            m,
            enabled: st.user_enabled(m),
            by_principal,
            users,
            privileged: vec![None; st.tables.len()],
        }
    }

    /// What the changed holders give `m` through the hierarchy on untouched record `r` before
    /// and after (before `m`'s privilege check): per holder, its class in that state limited
    /// to what it holds of `r` with its teams of that state (owner, member of the owning team,
    /// or named with its teams by a share or an access team along the share chain, as in
    /// `decide::hierarchy_paths`). The record's owner, shares and chain are the same in both
    /// states (it is untouched), so this is read from one state.
    fn changes(&self, st: &State, memo: &mut ChainMemo, r: u32) -> (RightSet, RightSet) {
        let mut cb = RightSet::EMPTY;
        let mut ca = RightSet::EMPTY;
        let index = &self.by_principal;
        let mut add = |p: u32, rights: RightSet| {
            let lo = index.partition_point(|x| x.0 < p);
            for &(q, b, a) in index.get(lo..).unwrap_or(&[]) {
                if q != p {
                    break;
                }
                cb = cb | (b & rights);
                ca = ca | (a & rights);
            }
        };
        let owner = st.records.owner(r);
        if owner != NONE {
            add(owner, RightSet::FULL);
        }
        if st.may_be_shared(r) {
            let users = &self.users;
            memo.walk(st, r, &mut |rec| {
                for s in st.shares_of(rec) {
                    add(s.principal, s.rights);
                }
                for a in st.access_teams_of(rec) {
                    let rights = st.template_rights(a.template);
                    if a.members.len() <= users.len() {
                        for &v in &a.members {
                            add(v, rights);
                        }
                    } else {
                        for &(v, _, _) in users {
                            if a.members.binary_search(&v).is_ok() {
                                add(v, rights);
                            }
                        }
                    }
                }
            });
        }
        (cb, ca)
    }

    /// `None` when the rights of `m` on untouched record `r` cannot differ, else how to take
    /// them. Only the hierarchy can change them (the grants and teams of `m` are the same, the
    /// record is untouched), and only through the changed holders: with `U` what the other
    /// holders give and `B` the rest, the rights are `B | U | cb` before and `B | U | ca` after
    /// (each limited to the rights `m` holds a privilege for), so when `ca` is within `cb` the
    /// rights before are those after plus `cb`, and the other way round.
    fn derive(&mut self, st: &State, memo: &mut ChainMemo, r: u32) -> Option<Derive> {
        if !self.enabled || (r as usize) >= st.records.len() || !st.records.alive(r) {
            return None;
        }
        let (cb, ca) = self.changes(st, memo, r);
        if cb == ca {
            return None;
        }
        let t = st.records.table(r);
        let m = self.m;
        let privileged = match self.privileged.get_mut(t as usize) {
            Some(Some(p)) => *p,
            Some(slot) => {
                let p = crate::decide::coverage(st, m, t, RightSet::FULL).privileged;
                *slot = Some(p);
                p
            }
            None => crate::decide::coverage(st, m, t, RightSet::FULL).privileged,
        };
        let (cb, ca) = ((cb & privileged).0, (ca & privileged).0);
        if cb == ca {
            None
        } else if ca & !cb == 0 {
            Some(Derive::FromAfter(cb))
        } else if cb & !ca == 0 {
            Some(Derive::FromBefore(ca))
        } else {
            Some(Derive::Both)
        }
    }
}

/// Users who may reach record `r` other than by role depth: the owner (or the owning team's
/// members), sharees and access-team members along the share chain (team sharees' members),
/// and the managers of all of them within the hierarchy depth.
fn record_holders(st: &State, r: u32, memo: &mut ChainMemo, out: &mut Vec<u32>) {
    if !st.records.alive(r) {
        return;
    }
    let start = out.len();
    let owner = st.records.owner(r);
    if let Some(u) = as_user(owner) {
        out.push(u);
    } else if let Some(t) = as_team(owner) {
        out.extend_from_slice(st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]));
    }
    memo.walk(st, r, &mut |rec| {
        for s in st.shares_of(rec) {
            match as_team(s.principal) {
                Some(t) => {
                    out.extend_from_slice(st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]))
                }
                None => out.push(s.principal),
            }
        }
        for a in st.access_teams_of(rec) {
            out.extend_from_slice(&a.members);
        }
    });
    if let Some(h) = &st.hierarchy {
        let n = out.len();
        for i in start..n {
            let mut cur = out.get(i).copied().unwrap_or(NONE);
            for _ in 0..h.depth {
                cur = st.user(cur).map(|u| u.manager).unwrap_or(NONE);
                if cur == NONE {
                    break;
                }
                out.push(cur);
            }
        }
    }
}

/// Users whose local or deep grants reach records of `unit` (anchored at it, or deep at one
/// of its ancestors).
fn unit_anchor_users(st: &State, unit: u32, anchors: &AnchorIndex, out: &mut Vec<u32>) {
    if unit == NONE {
        return;
    }
    out.extend_from_slice(anchors.local.get(&unit).map(Vec::as_slice).unwrap_or(&[]));
    let mut cur = unit;
    let mut steps = 0;
    while cur != NONE && steps <= st.units.len() {
        out.extend_from_slice(anchors.deep.get(&cur).map(Vec::as_slice).unwrap_or(&[]));
        cur = st.unit(cur).map(|b| b.parent).unwrap_or(NONE);
        steps += 1;
    }
}

/// Rights of `u` on a record of `table` in `unit` by role depth alone (any grant on an
/// organization-owned table).
fn depth_rights(st: &State, u: u32, table: u32, unit: u32) -> u8 {
    if (u as usize) >= st.users.len() || !st.user_enabled(u) {
        return 0;
    }
    crate::decide::owner_depth_rights(st, u, table, NONE, unit, RightSet::FULL).0
}

/// [`depth_rights`] memoised by (user, table, unit): the record side asks the same for every
/// record of one owner moved between the same units.
fn depth_cached(
    st: &State,
    memo: &mut Map<(u32, u32, u32), usize>,
    u: u32,
    table: u32,
    unit: u32,
) -> u8 {
    // (a map to `usize` holding a `u8`: the instantiation of the other index maps, and
    // the same 16-byte entries)
    if let Some(&x) = memo.get(&(u, table, unit)) {
        return x as u8;
    }
    let x = depth_rights(st, u, table, unit);
    memo.insert((u, table, unit), usize::from(x));
    x
}

/// How much of a touched user's access can have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Grants, teams or sign-in changed: every record the user may reach.
    Full,
    /// Only the manager links of these reports changed: their records and those of their
    /// reports down to the given number of levels (the hierarchy depth minus the distance).
    Hierarchy(Vec<(u32, u32)>),
    /// Nothing of the user changed but touched records.
    Light,
}

/// What decides a user's access apart from the records themselves (borrowed from the state
/// where it is compared at once, owned where it outlives a state).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint<'a> {
    enabled: bool,
    teams: Cow<'a, [u32]>,
    grants: std::sync::Arc<crate::grants::UserGrants>,
    manager: u32,
    /// The user owns nothing, is named by no share or access team and has no reports: their
    /// access is then a function of `enabled`, `teams` and `grants` alone (see [`Classes`]).
    plain: bool,
}

fn fingerprint(st: &State, u: u32) -> Option<Fingerprint<'_>> {
    let row = st.user(u)?;
    let plain = st.owned_by(u).is_empty()
        && st.shared_with.get(&u).is_none_or(Vec::is_empty)
        && st.access_team_records.get(&u).is_none_or(Vec::is_empty)
        && st.reports.get(u as usize).is_none_or(Vec::is_empty);
    Some(Fingerprint {
        enabled: st.user_enabled(u),
        teams: Cow::Borrowed(st.teams_of(u)),
        grants: st.grants.get(u as usize).cloned().unwrap_or_default(),
        manager: row.manager,
        plain,
    })
}

impl Fingerprint<'_> {
    fn owned(self) -> Fingerprint<'static> {
        Fingerprint {
            enabled: self.enabled,
            teams: Cow::Owned(self.teams.into_owned()),
            grants: self.grants,
            manager: self.manager,
            plain: self.plain,
        }
    }
}

/// What a plain user's access depends on in one state: (enabled, teams, grants).
type Access = (bool, Vec<u32>, std::sync::Arc<crate::grants::UserGrants>);

/// `Full` users counted once per class: users that are plain (see [`Fingerprint`]) in both
/// states, with the same enabled flag, teams and grants before and the same after, reach
/// the same candidate records (their teams' holdings), with the same decisions on each
/// (a decision reads the user only through ownership, shares and access teams naming them,
/// reports, the enabled flag, teams and grants), and the same role-depth coverages; so
/// their counts and samples are equal. The members of a big team whose role changes are one
/// class: counted once, not once per member.
#[derive(Default)]
struct Classes {
    /// Per user: the representative it follows (the lowest index of its class), or `NONE`
    /// (a representative, or not grouped).
    follows: Vec<u32>,
    /// Per user: whether it represents a class with followers.
    leads: Vec<bool>,
    /// (before, after) -> representative.
    reps: Map<(Access, Access), u32>,
    /// The class of the last user added.
    last: Option<((Access, Access), u32)>,
}

impl Classes {
    /// Record `Full` user `u` (in ascending order).
    fn add(&mut self, u: u32, before: Option<&Fingerprint<'_>>, after: Option<&Fingerprint<'_>>) {
        let (Some(b), Some(a)) = (before, after) else {
            return;
        };
        if !b.plain || !a.plain {
            return;
        }
        // users come in index order: a team's members mostly follow the previous user's class
        let same = |x: &Access, f: &Fingerprint<'_>| {
            x.0 == f.enabled && x.1.as_slice() == &*f.teams && x.2 == f.grants
        };
        let rep = match &self.last {
            Some((last, rep)) if same(&last.0, b) && same(&last.1, a) => *rep,
            _ => {
                let key = (
                    (b.enabled, b.teams.to_vec(), b.grants.clone()),
                    (a.enabled, a.teams.to_vec(), a.grants.clone()),
                );
                let rep = *self.reps.entry(key.clone()).or_insert(u);
                self.last = Some((key, rep));
                rep
            }
        };
        if rep != u {
            let i = u as usize;
            if self.follows.len() <= i {
                self.follows.resize(i + 1, NONE);
            }
            if let Some(x) = self.follows.get_mut(i) {
                *x = rep;
            }
            let r = rep as usize;
            if self.leads.len() <= r {
                self.leads.resize(r + 1, false);
            }
            if let Some(x) = self.leads.get_mut(r) {
                *x = true;
            }
        }
    }

    /// Whether `u` follows a representative.
    fn follows(&self, u: u32) -> bool {
        self.follows.get(u as usize).is_some_and(|&r| r != NONE)
    }

    /// Whether `u` represents a class with followers.
    fn leads(&self, u: u32) -> bool {
        self.leads.get(u as usize).copied().unwrap_or(false)
    }

    /// (follower, representative), followers ascending.
    fn followers(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.follows.len() as u32)
            .zip(self.follows.iter().copied())
            .filter(|x| x.1 != NONE)
    }
}

fn ancestors(st: &State, v: u32, out: &mut Vec<u32>) {
    let Some(h) = &st.hierarchy else { return };
    let mut cur = v;
    for _ in 0..h.depth {
        cur = st.user(cur).map(|u| u.manager).unwrap_or(NONE);
        if cur == NONE {
            break;
        }
        out.push(cur);
    }
}

/// Candidates of one side (before or after).
struct Side {
    /// Per `Full` user: records to compare (unsorted, with repeats).
    user_cands: Map<u32, Vec<u32>>,
    /// Per `Hierarchy` user: the holders that may reach it, ascending (see
    /// [`hierarchy_candidates`]).
    user_holders: Map<u32, Vec<Holder>>,
    /// Per `Full` user, per (table, right) slot: the role-depth coverage id in `pool`.
    slots: Map<u32, Vec<u32>>,
    /// Coverages of this state.
    pool: CovPool,
    /// Business units in this state (deleted ones included).
    n_units: usize,
    /// (user, record) pairs from the record side (every user but the `Full` ones): holders
    /// of touched records, every user on records created or deleted.
    pairs: Vec<(u32, u32)>,
    /// Per unit of a touched record: the users (not `Full`) whose local or deep grants reach it.
    unit_users: Map<u32, Vec<u32>>,
}

/// `anchors` may come from either state: only users whose grants are the same in both are
/// looked up in it.
fn collect(
    st: &State,
    modes: &Map<u32, Mode>,
    classes: &Classes,
    anchors: &AnchorIndex,
    tr: &[u32],
    all_users_for: &[u32],
    memo: &mut ChainMemo,
) -> Side {
    let mut side = Side {
        user_cands: new_map(),
        user_holders: new_map(),
        slots: new_map(),
        pool: CovPool::new(st),
        n_units: st.units.len(),
        pairs: Vec::new(),
        unit_users: new_map(),
    };
    let full = |u: u32| matches!(modes.get(&u), Some(Mode::Full));
    for (&u, mode) in modes {
        if (u as usize) >= st.users.len() || *mode == Mode::Light || classes.follows(u) {
            continue;
        }
        if let Mode::Hierarchy(seeds) = mode {
            let holders = seed_holders(st, seeds)
                .into_iter()
                .map(|v| (v, hierarchy_class(st, u, v), st.teams_of(v).to_vec()))
                .collect();
            side.user_holders.insert(u, holders);
            continue;
        }
        let mut c = Vec::new();
        user_candidates(st, u, &mut c);
        side.user_cands.insert(u, c);
        if *mode == Mode::Full {
            let slots = side.pool.user_slots(st, u);
            side.slots.insert(u, slots);
        }
    }
    let mut users = Vec::new();
    for &r in tr {
        if (r as usize) >= st.records.len() || !st.records.alive(r) {
            continue;
        }
        users.clear();
        record_holders(st, r, memo, &mut users);
        users.sort_total();
        users.dedup();
        side.pairs
            .extend(users.iter().filter(|&&u| !full(u)).map(|&u| (u, r)));
        let unit = st.records.unit(r);
        if !side.unit_users.contains_key(&unit) {
            users.clear();
            unit_anchor_users(st, unit, anchors, &mut users);
            users.sort_total();
            users.dedup();
            users.retain(|&u| !full(u));
            side.unit_users.insert(unit, users.clone());
        }
    }
    for &r in all_users_for {
        if (r as usize) < st.records.len() {
            side.pairs.extend(
                (0..st.users.len() as u32)
                    .filter(|&u| !full(u))
                    .map(|u| (u, r)),
            );
        }
    }
    side
}

/// The union of two lists, ascending without repeats: merged in one pass when both are
/// ascending (the holders of one touched record, as when it is a big team's), else sorted.
fn sorted_union<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    if a.is_sorted() && b.is_sorted() {
        let (mut i, mut j) = (a.iter().peekable(), b.iter().peekable());
        while let (Some(&&x), Some(&&y)) = (i.peek(), j.peek()) {
            if x <= y {
                out.push(x);
                i.next();
            } else {
                out.push(y);
                j.next();
            }
        }
        out.extend(i);
        out.extend(j);
    } else {
        out.extend_from_slice(a);
        out.extend_from_slice(b);
        out.sort_total();
    }
    out.dedup();
    out
}

/// Decisions in one state (which must not change while this is in use): share chains
/// memoised, and the decisions of the current user on records that no share reaches kept by
/// (owner, table, unit), on which alone those depend.
#[derive(Default)]
struct Eval {
    memo: ChainMemo,
    user: u32,
    // (the table widened to u32 and the decision held as a `usize`: the instantiation of the
    // other memos and index maps, one hash-map instantiation fewer in the wasm module; the
    // entries are 16 bytes either way)
    plain: Map<(u32, u32, u32), usize>,
}

impl Eval {
    fn new() -> Eval {
        Eval {
            memo: ChainMemo::new(),
            user: NONE,
            plain: new_map(),
        }
    }

    /// Rights of `u` on `r`, or none when either does not exist in this state.
    fn get(&mut self, st: &State, u: u32, r: u32) -> u8 {
        if (u as usize) >= st.users.len() || (r as usize) >= st.records.len() {
            return 0;
        }
        let c = st.records.core(r);
        if c.flags & crate::state::ALIVE == 0 {
            return 0;
        }
        if self.memo.first(st, r) != NONE {
            return rights_of_memo(st, u, r, RightSet::FULL, &mut self.memo).0;
        }
        if u != self.user {
            self.user = u;
            // (cleared in place, keeping its table, unless a user filled a big one)
            if self.plain.capacity() > 4096 {
                self.plain = new_map();
            } else {
                self.plain.clear();
            }
        }
        let key = (c.owner, u32::from(c.table), c.unit);
        if let Some(&x) = self.plain.get(&key) {
            return x as u8;
        }
        let x = rights_of_memo(st, u, r, RightSet::FULL, &mut self.memo).0;
        self.plain.insert(key, usize::from(x));
        x
    }
}

/// Sorted candidates with their decisions before and after.
#[derive(Default)]
struct Compared {
    items: Vec<u32>,
    before: Vec<u8>,
    after: Vec<u8>,
    /// Groups of records decided alike (see [`owned_groups`]), with the decision on any of
    /// them before and after.
    groups: Vec<Rc<[u32]>>,
    group_before: Vec<u8>,
    group_after: Vec<u8>,
    /// How the decisions on `items` and `groups` are taken (`Both` where missing).
    derive: Vec<Derive>,
    group_derive: Vec<Derive>,
}

impl Compared {
    /// The decisions after (those derived from before are filled in by [`Compared::finish`]).
    fn decide_after(&mut self, st: &State, eval: &mut Eval, u: u32) {
        let decide = |r: u32, d: Option<&Derive>, eval: &mut Eval| match d {
            Some(Derive::FromBefore(_)) => 0,
            _ => eval.get(st, u, r),
        };
        self.after = (0..self.items.len())
            .map(|i| {
                decide(
                    self.items.get(i).copied().unwrap_or(NONE),
                    self.derive.get(i),
                    eval,
                )
            })
            .collect();
        self.group_after = (0..self.groups.len())
            .map(|i| {
                let r = self
                    .groups
                    .get(i)
                    .and_then(|g| g.first().copied())
                    .unwrap_or(NONE);
                decide(r, self.group_derive.get(i), eval)
            })
            .collect();
    }

    /// The decisions before, in the before state, and the after decisions derived from them.
    fn finish(&mut self, st: &State, eval: &mut Eval, u: u32) {
        let one = |r: u32, d: Option<&Derive>, after: &mut u8, eval: &mut Eval| match d {
            Some(Derive::FromAfter(cb)) => *after | cb,
            Some(Derive::FromBefore(ca)) => {
                let b = eval.get(st, u, r);
                *after = b | ca;
                b
            }
            _ => eval.get(st, u, r),
        };
        let mut before = Vec::with_capacity(self.items.len());
        for (i, a) in self.after.iter_mut().enumerate() {
            let r = self.items.get(i).copied().unwrap_or(NONE);
            before.push(one(r, self.derive.get(i), a, eval));
        }
        self.before = before;
        let mut before = Vec::with_capacity(self.groups.len());
        for (i, a) in self.group_after.iter_mut().enumerate() {
            let r = self
                .groups
                .get(i)
                .and_then(|g| g.first().copied())
                .unwrap_or(NONE);
            before.push(one(r, self.group_derive.get(i), a, eval));
        }
        self.group_before = before;
    }
}

/// Whether the decisions on record `r` depend only on its owner, table and unit: it exists,
/// its table has the hierarchy, and no share or access team reaches it (its own or inherited).
fn plain(st: &State, r: u32, memo: &mut ChainMemo) -> bool {
    (r as usize) < st.records.len()
        && st.records.alive(r)
        && hierarchy_table(st, r)
        && memo.first(st, r) == NONE
}

/// The untouched [`plain`] records owned by principal `p`, grouped by (table, unit), each
/// group ascending: every user decides alike on the records of one group.
fn owned_groups(st: &State, p: u32, tr: &[u32], memo: &mut ChainMemo) -> Vec<Rc<[u32]>> {
    let mut index: Map<(u32, u32), usize> = new_map();
    let mut out: Vec<Vec<u32>> = Vec::new();
    for &r in st.owned_by(p) {
        if tr.binary_search(&r).is_ok() || !plain(st, r, memo) || st.records.owner(r) != p {
            continue;
        }
        let key = (st.records.table(r), st.records.unit(r));
        let i = *index.entry(key).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        if let Some(g) = out.get_mut(i) {
            g.push(r);
        }
    }
    out.into_iter()
        .map(|mut g| {
            g.sort_total();
            g.dedup();
            Rc::from(g)
        })
        .collect()
}

/// Facts of the after state kept for the report (the state itself is rolled back).
struct AfterFacts {
    record_ids: Map<u32, (String, u32)>,
    user_ids: Map<u32, String>,
    /// Unit of each touched record after (`DEAD` when it does not exist), aligned with `tr`.
    tr_after: Vec<u32>,
    records: usize,
    assertions: Vec<(Assertion, bool)>,
    warnings: Vec<Finding>,
}

/// Simulate `changes` on `st` and restore it exactly.
///
/// Pass 1 runs the changeset to learn which users and records it touches, and rolls back.
/// In the before state each touched user is classified (grants changed, only manager links
/// changed, or nothing of their own) and the before-side candidates are drawn. Pass 2 runs the
/// changeset again (deterministically: created entities get the same indexes), draws the
/// after-side candidates, takes every after decision and what the report needs of the after
/// state, and rolls back; then the before decisions are taken and compared.
pub fn simulate(st: &mut State, changes: &[Change]) -> Result<Impact, Errors> {
    let before_records = st.live_records();
    let assertions_before = assertion_states(st);

    // ---- pass 1: what is touched
    let out = run(st, changes);
    if !out.errors.is_empty() {
        revert_all(st, out.log);
        return Err(Errors(out.errors));
    }
    let mut tr = out.touched.records.clone();
    tr.sort_total();
    tr.dedup();
    add_descendants(st, &mut tr);
    let mut touched_users = out.touched.users.clone();
    if out.touched.units {
        touched_users = (0..st.users.len() as u32).collect();
    }
    // (a team's members: by marking, not by comparisons)
    crate::state::sort_dedup_indexes(&mut touched_users);
    let units_changed = out.touched.units;
    let fp_after: Map<u32, Option<Fingerprint<'static>>> = touched_users
        .iter()
        .map(|&u| (u, fingerprint(st, u).map(Fingerprint::owned)))
        .collect();
    let mut anc_after: Map<u32, Vec<u32>> = new_map();
    for &u in &touched_users {
        let mut a = Vec::new();
        ancestors(st, u, &mut a);
        if !a.is_empty() {
            anc_after.insert(u, a);
        }
    }
    // (0/1 in a map to `usize`, an instantiation the module already has)
    let after_alive: Map<u32, usize> = tr
        .iter()
        .map(|&r| (r, usize::from(st.records.alive(r))))
        .collect();
    revert_all(st, out.log);

    // ---- before state: classify touched users, draw before-side candidates
    add_descendants(st, &mut tr);
    tr.sort_total();
    tr.dedup();
    let mut modes: Map<u32, Mode> = new_map();
    let mut classes = Classes::default();
    let mut relinked: Vec<(u32, bool)> = Vec::new();
    for &u in &touched_users {
        let before = fingerprint(st, u);
        let before = before.as_ref();
        let after = fp_after.get(&u).and_then(Option::as_ref);
        let full = match (before, after) {
            (Some(b), Some(a)) => {
                b.enabled != a.enabled
                    || b.teams != a.teams
                    || b.grants != a.grants
                    || (units_changed && b.grants.entries().iter().any(|g| g.level == Level::Deep))
            }
            _ => true,
        };
        if full {
            classes.add(u, before, after);
        }
        // managers reach a report's records through the manager link and the report's teams
        let manager_changed = before.map(|x| x.manager) != after.map(|x| x.manager);
        if manager_changed || before.map(|x| &x.teams) != after.map(|x| &x.teams) {
            relinked.push((u, manager_changed));
        }
        modes.insert(u, if full { Mode::Full } else { Mode::Light });
    }
    let depth = st.hierarchy.as_ref().map_or(0, |h| h.depth);
    for &(v, manager_changed) in &relinked {
        // (manager, distance) in either state; the nearest counts
        let mut chain = Vec::new();
        ancestors(st, v, &mut chain);
        let mut managers: Vec<(u32, u32)> = (1..).zip(chain).map(|(d, m)| (m, d)).collect();
        managers.extend(
            (1..)
                .zip(anc_after.get(&v).map(Vec::as_slice).unwrap_or(&[]))
                .map(|(d, &m)| (m, d)),
        );
        managers.sort_total();
        managers.dedup_by_key(|x| x.0);
        for (m, d) in managers {
            // with the link unchanged only the report's own (team) holdings change
            let levels = if manager_changed {
                depth.saturating_sub(d)
            } else {
                0
            };
            match modes.entry(m).or_insert(Mode::Hierarchy(Vec::new())) {
                Mode::Hierarchy(seeds) => seeds.push((v, levels)),
                Mode::Light => {
                    modes.insert(m, Mode::Hierarchy(vec![(v, levels)]));
                }
                Mode::Full => {}
            }
        }
    }
    let n_records = st.records.len();
    let flip: Vec<u32> = tr
        .iter()
        .copied()
        .filter(|&r| {
            let before = (r as usize) < n_records && st.records.alive(r);
            before != after_alive.get(&r).map_or(before, |&a| a != 0)
        })
        .collect();
    let anchors = anchor_index(st);
    let mut eval_b = Eval::new();
    let side_b = collect(st, &modes, &classes, &anchors, &tr, &flip, &mut eval_b.memo);

    // ---- pass 2: after-side candidates and decisions
    let out2 = run(st, changes);
    if !out2.errors.is_empty() {
        revert_all(st, out2.log);
        return Err(Errors(out2.errors));
    }
    let mut eval_a = Eval::new();
    let side_a = collect(st, &modes, &classes, &anchors, &tr, &flip, &mut eval_a.memo);
    let mut per_user: Map<u32, Compared> = new_map();
    let none: Holder = (NONE, RightSet::EMPTY, Vec::new());
    let mut held = HeldMemo {
        tr: &tr,
        lists: new_map(),
    };
    // principal -> index into `owned_lists` (a map to `usize`, an instantiation the module
    // already has, rather than one to `Vec<Rc<[u32]>>`)
    let mut owned: Map<u32, usize> = new_map();
    let mut owned_lists: Vec<Vec<Rc<[u32]>>> = Vec::new();
    for (&u, mode) in &modes {
        if *mode == Mode::Light || classes.follows(u) {
            // compared on the touched records from the record side, or as the class's
            // representative
            continue;
        }
        let mut c = Compared::default();
        if *mode == Mode::Full {
            c.items
                .extend(side_b.user_cands.get(&u).map(Vec::as_slice).unwrap_or(&[]));
            c.items
                .extend(side_a.user_cands.get(&u).map(Vec::as_slice).unwrap_or(&[]));
            c.items.sort_total();
            c.items.dedup();
        } else {
            let hb = side_b.user_holders.get(&u).map_or(&[][..], |v| v);
            let ha = side_a.user_holders.get(&u).map_or(&[][..], |v| v);
            let mut items = Vec::new();
            // (touched records are compared from the record side)
            let (owners, changed) = hierarchy_candidates(st, hb, ha, &none, &mut held, &mut items);
            items.sort_total();
            items.dedup();
            // records owned by the holders' principals that no share reaches: decided once
            // per (owner, table, unit)
            items.retain(|&r| {
                !(plain(st, r, &mut eval_a.memo)
                    && owners.binary_search(&st.records.owner(r)).is_ok())
            });
            let mut index = ChangedIndex::new(st, u, &changed);
            for r in items {
                if let Some(d) = index.derive(st, &mut eval_a.memo, r) {
                    c.items.push(r);
                    c.derive.push(d);
                }
            }
            for &p in &owners {
                let k = match owned.get(&p) {
                    Some(&k) => k,
                    None => {
                        owned.insert(p, owned_lists.len());
                        owned_lists.push(owned_groups(st, p, &tr, &mut eval_a.memo));
                        owned_lists.len() - 1
                    }
                };
                for g in owned_lists.get(k).map_or(&[][..], Vec::as_slice) {
                    let r = g.first().copied().unwrap_or(NONE);
                    if let Some(d) = index.derive(st, &mut eval_a.memo, r) {
                        c.groups.push(g.clone());
                        c.group_derive.push(d);
                    }
                }
            }
        }
        c.decide_after(st, &mut eval_a, u);
        per_user.insert(u, c);
    }
    // where each touched record is after the changeset
    let tr_after: Vec<u32> = tr
        .iter()
        .map(|&r| {
            if (r as usize) < st.records.len() && st.records.alive(r) {
                st.records.unit(r)
            } else {
                DEAD
            }
        })
        .collect();
    let pairs = sorted_union(&side_b.pairs, &side_a.pairs);
    let pair_after: Vec<u8> = pairs.iter().map(|&(u, r)| eval_a.get(st, u, r)).collect();
    let mut facts = AfterFacts {
        record_ids: new_map(),
        user_ids: new_map(),
        tr_after,
        records: st.live_records(),
        assertions: assertion_states(st),
        warnings: Vec::new(),
    };
    let mut users_touched: Vec<u32> = modes.keys().copied().collect();
    crate::state::sort_dedup_indexes(&mut users_touched);
    facts.warnings = warnings(st, &users_touched, &tr, &mut eval_a.memo);
    for &r in &tr {
        if (r as usize) >= n_records {
            facts
                .record_ids
                .insert(r, (st.records.id(r).to_string(), st.records.table(r)));
        }
    }
    let n_users_before = st.users.len()
        - changes
            .iter()
            .filter(|c| matches!(c, Change::CreateUser { .. }))
            .count()
            .min(st.users.len());
    for &u in modes.keys() {
        if (u as usize) >= n_users_before {
            facts.user_ids.insert(u, st.user_id(u).to_string());
        }
    }
    let effects = out2.effects;
    drop(eval_a);
    revert_all(st, out2.log);

    // ---- before decisions, then the report
    // (the before state is restored exactly, so `eval_b` still holds)
    for (&u, c) in per_user.iter_mut() {
        c.finish(st, &mut eval_b, u);
    }
    let pair_before: Vec<u8> = pairs.iter().map(|&(u, r)| eval_b.get(st, u, r)).collect();
    Ok(report(
        st,
        &per_user,
        &pairs,
        &pair_before,
        &pair_after,
        &modes,
        &classes,
        &side_b,
        &side_a,
        &tr,
        facts,
        effects,
        before_records,
        &assertions_before,
    ))
}

/// The tallies per [`PerKey`]: a map of the key packed as `(u32, u32, u32)` to an index into
/// `entries` (an instantiation the module already has, rather than a hash map of its own).
#[derive(Default)]
struct PerMap {
    index: Map<(u32, u32, u32), usize>,
    entries: Vec<(PerKey, (i64, Low))>,
}

impl PerMap {
    /// The tally of `key`, a zero one first if it has none.
    fn at(&mut self, key: PerKey) -> &mut (i64, Low) {
        let (u, t, right, gained) = key;
        let packed = (u, t, right.index() as u32 * 2 + u32::from(gained));
        let i = match self.index.get(&packed) {
            Some(&i) => i,
            None => {
                self.index.insert(packed, self.entries.len());
                self.entries.push((key, Default::default()));
                self.entries.len() - 1
            }
        };
        #[allow(clippy::indexing_slicing)] // `i` was handed out by the lines above
        &mut self.entries[i].1
    }
}

/// Count one changed record.
fn bump(per: &mut PerMap, key: PerKey, r: u32) {
    let e = per.at(key);
    e.0 += 1;
    e.1.push(r);
}

/// Tally the compared decisions into the impact (in the before state).
#[allow(clippy::too_many_arguments)]
fn report(
    st: &State,
    per_user: &Map<u32, Compared>,
    pairs: &[(u32, u32)],
    pair_before: &[u8],
    pair_after: &[u8],
    modes: &Map<u32, Mode>,
    classes: &Classes,
    before: &Side,
    after: &Side,
    tr: &[u32],
    facts: AfterFacts,
    effects: Vec<SideEffect>,
    before_records: usize,
    assertions_before: &[(Assertion, bool)],
) -> Impact {
    let table_of = |r: u32| -> u32 {
        if (r as usize) < st.records.len() {
            st.records.table(r)
        } else {
            facts.record_ids.get(&r).map(|x| x.1).unwrap_or(NONE)
        }
    };
    let mut per = PerMap::default();
    let tr_table: Vec<u32> = tr.iter().map(|&r| table_of(r)).collect();
    let groups = tr_groups(st, tr, &tr_table, &facts.tr_after);
    // (table, unit before, unit after) of a touched record that exists on both sides and
    // changed units
    let moved = |r: u32| -> Option<(u32, u32, u32)> {
        let k = tr.binary_search(&r).ok()?;
        let (ub, ua) = (unit_code(st, r), *facts.tr_after.get(k)?);
        (ub != DEAD && ua != DEAD && ub != ua)
            .then(|| (tr_table.get(k).copied().unwrap_or(NONE), ub, ua))
    };
    let mut depth: Map<(u32, u32, u32), usize> = new_map();
    // record side (users whose own grants did not change): exact decisions for the holders of
    // touched records (and everyone on created or deleted ones), minus their role-depth
    // changes, which are counted below for every user by unit
    for ((&(u, r), &b), &a) in pairs.iter().zip(pair_before).zip(pair_after) {
        let t = table_of(r);
        if b != a {
            for right in Right::ALL {
                let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
                if hb != ha {
                    bump(&mut per, (u, t, right, ha), r);
                }
            }
        }
        if let Some((t, ub, ua)) = moved(r) {
            // role depth differs between two units only for users whose local or deep grants
            // reach one of them (this user's grants are the same in both states)
            let anchored = |side: &Side, unit: u32| {
                side.unit_users
                    .get(&unit)
                    .is_some_and(|v| v.binary_search(&u).is_ok())
            };
            if !anchored(before, ub) && !anchored(after, ua) {
                continue;
            }
            let (rb, ra) = (
                depth_cached(st, &mut depth, u, t, ub),
                depth_cached(st, &mut depth, u, t, ua),
            );
            for right in Right::ALL {
                let (hb, ha) = (rb & right.bit() != 0, ra & right.bit() != 0);
                if hb != ha {
                    per.at((u, t, right, ha)).0 -= 1;
                }
            }
        }
    }
    // role-depth changes on records moved between units, for the users reaching either unit
    let empty: Vec<u32> = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    let mut mine: Vec<u32> = Vec::new();
    for (t, list) in groups.iter().enumerate() {
        let t = t as u32;
        for g in list {
            if g.before == DEAD || g.after == DEAD || g.before == g.after {
                continue;
            }
            cands.clear();
            cands.extend_from_slice(before.unit_users.get(&g.before).unwrap_or(&empty));
            cands.extend_from_slice(after.unit_users.get(&g.after).unwrap_or(&empty));
            cands.sort_total();
            cands.dedup();
            for &v in &cands {
                let (rb, ra) = (
                    depth_cached(st, &mut depth, v, t, g.before),
                    depth_cached(st, &mut depth, v, t, g.after),
                );
                if rb == ra {
                    continue;
                }
                // this user's record-side pairs (their records are counted exactly there)
                let lo = pairs.partition_point(|x| x.0 < v);
                let n = pairs
                    .get(lo..)
                    .map_or(0, |x| x.partition_point(|y| y.0 == v));
                mine.clear();
                mine.extend(pairs.get(lo..lo + n).unwrap_or(&[]).iter().map(|x| x.1));
                for right in Right::ALL {
                    let (hb, ha) = (rb & right.bit() != 0, ra & right.bit() != 0);
                    if hb != ha {
                        let e = per.at((v, t, right, ha));
                        e.0 += g.recs.len() as i64;
                        e.1.extend_sorted_except(&g.recs, &mine);
                    }
                }
            }
        }
    }
    // managers of re-linked reports: their reports' untouched records
    let mut users: Vec<u32> = per_user.keys().copied().collect();
    users.sort_total();
    for &u in &users {
        let Some(c) = per_user.get(&u) else { continue };
        if matches!(modes.get(&u), Some(Mode::Full)) {
            continue;
        }
        for ((&r, &b), &a) in c.items.iter().zip(&c.before).zip(&c.after) {
            if b == a {
                continue;
            }
            let t = table_of(r);
            for right in Right::ALL {
                let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
                if hb != ha {
                    bump(&mut per, (u, t, right, ha), r);
                }
            }
        }
        for ((g, &b), &a) in c.groups.iter().zip(&c.group_before).zip(&c.group_after) {
            let Some(&r) = g.first() else { continue };
            if b == a {
                continue;
            }
            let t = table_of(r);
            for right in Right::ALL {
                let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
                if hb != ha {
                    let e = per.at((u, t, right, ha));
                    e.0 += g.len() as i64;
                    e.1.extend_sorted(g, |_| false);
                }
            }
        }
    }
    // users whose grants, teams or sign-in changed: counted by business unit
    let mut full = FullCount::new(st, before, after, tr, &facts.tr_after, &tr_table, &groups);
    for &u in &users {
        let Some(c) = per_user.get(&u) else { continue };
        if !matches!(modes.get(&u), Some(Mode::Full)) {
            continue;
        }
        for ((t, right, gained), (n, low)) in full.user(st, u, c) {
            let e = per.at((u, t, right, gained));
            e.0 += n as i64;
            e.1.merge(&low);
        }
    }
    let record_id = |r: u32| -> &str {
        if (r as usize) < st.records.len() {
            st.records.id(r)
        } else {
            facts.record_ids.get(&r).map_or("", |x| x.0.as_str())
        }
    };
    // by user; users changed alike (moved together, in one unit) share sample lists, so each
    // distinct list of record indexes is turned into sorted ids once
    let mut entries = per.entries;
    entries.sort_total_by_key(|e| e.0);
    let mut samples: Map<Vec<u32>, Vec<String>> = new_map();
    let mut strs: Vec<&str> = Vec::new();
    let mut access_changes: Vec<AccessChange> = Vec::new();
    let user_id = |u: u32| -> String {
        if (u as usize) < st.users.len() {
            st.user_id(u).to_string()
        } else {
            facts.user_ids.get(&u).cloned().unwrap_or_default()
        }
    };
    let mut current: Option<(u32, Vec<RightChange>, Vec<RightChange>)> = None;
    let finish_user = |cur: Option<(u32, Vec<RightChange>, Vec<RightChange>)>,
                       out: &mut Vec<AccessChange>|
     -> Option<u32> {
        let (u, mut gained, mut lost) = cur?;
        if gained.is_empty() && lost.is_empty() {
            return None;
        }
        gained.sort_total_by(by_table_right);
        lost.sort_total_by(by_table_right);
        out.push(AccessChange {
            user: user_id(u),
            gained,
            lost,
        });
        Some(u)
    };
    // class representatives' changes: their index in `access_changes`
    let mut led: Map<u32, usize> = new_map();
    for ((u, t, right, gained), (count, low)) in entries {
        if current.as_ref().is_none_or(|c| c.0 != u) {
            if let Some(done) = finish_user(current.take(), &mut access_changes) {
                if classes.leads(done) {
                    led.insert(done, access_changes.len() - 1);
                }
            }
            current = Some((u, Vec::new(), Vec::new()));
        }
        let Ok(count) = usize::try_from(count) else {
            continue;
        };
        if count == 0 {
            continue;
        }
        let low = low.finish();
        let ids = match samples.get(&low) {
            Some(ids) => ids.clone(),
            None => {
                strs.clear();
                strs.extend(low.iter().map(|&r| record_id(r)));
                strs.sort_total();
                strs.dedup();
                let ids: Vec<String> = strs.iter().take(SAMPLE).map(|s| s.to_string()).collect();
                samples.insert(low, ids.clone());
                ids
            }
        };
        let change = RightChange {
            table: st.table_name(t).to_string(),
            right,
            count,
            sample: ids,
        };
        if let Some(c) = current.as_mut() {
            if gained {
                c.1.push(change);
            } else {
                c.2.push(change);
            }
        }
    }
    if let Some(u) = finish_user(current.take(), &mut access_changes) {
        if classes.leads(u) {
            led.insert(u, access_changes.len() - 1);
        }
    }
    // the rest of each class: the representative's changes
    let mut copies = Vec::new();
    for (v, rep) in classes.followers() {
        if let Some(x) = led.get(&rep).and_then(|&i| access_changes.get(i)) {
            copies.push(AccessChange {
                user: user_id(v),
                gained: x.gained.clone(),
                lost: x.lost.clone(),
            });
        }
    }
    access_changes.append(&mut copies);
    access_changes.sort_total_by(|a, b| a.user.cmp(&b.user));

    let mut assertions = Vec::new();
    for (a, after_v) in &facts.assertions {
        let before_v = assertions_before
            .iter()
            .find(|(b, _)| b == a)
            .map(|(_, v)| *v)
            .unwrap_or(*after_v);
        if before_v != *after_v {
            assertions.push(AssertionChange {
                assertion: a.clone(),
                before: before_v,
                after: *after_v,
                pass: *after_v == a.expect,
            });
        }
    }
    Impact {
        access_changes,
        side_effects: effects,
        warnings: facts.warnings,
        assertions,
        records: RecordCounts {
            before: before_records,
            after: facts.records,
        },
    }
}

/// The order of a user's right changes (one comparator for both lists: one sort instance).
fn by_table_right(a: &RightChange, b: &RightChange) -> std::cmp::Ordering {
    (&a.table, a.right).cmp(&(&b.table, b.right))
}

/// Each assertion of `st` and whether it holds.
fn assertion_states(st: &State) -> Vec<(Assertion, bool)> {
    st.assertions
        .iter()
        .map(|a| (a.clone(), assertion_holds(st, a)))
        .collect()
}

fn assertion_holds(st: &State, a: &Assertion) -> bool {
    match (st.user_ids.get(&a.user), st.records.ids.find(&a.record)) {
        (Some(&u), Some(r)) => crate::decide::rights_of(st, u, r, a.right.bit_set()).has(a.right),
        _ => false,
    }
}

fn warnings(st: &State, tu: &[u32], tr: &[u32], memo: &mut ChainMemo) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut records: Vec<u32> = tr
        .iter()
        .copied()
        .filter(|&r| st.records.alive(r))
        .collect();
    for &u in tu {
        let Some(row) = st.user(u) else { continue };
        if !row.alive {
            continue;
        }
        if !row.disabled && !has_any_role(st, u) {
            let mut f = Finding::new(
                "userWithoutRole",
                "high",
                format!("{} is left with no security role", row.id),
            );
            f.user = Some(row.id.clone());
            out.push(f);
        }
        let owned = st.owned_by(u);
        if row.disabled && !owned.is_empty() {
            let mut f = Finding::new(
                "recordsOwnedByDisabledUser",
                "high",
                format!(
                    "disabled user {} still owns {} records",
                    row.id,
                    owned.len()
                ),
            );
            f.user = Some(row.id.clone());
            f.count = Some(owned.len());
            let mut s: Vec<String> = owned
                .iter()
                .map(|&r| st.records.id(r).to_string())
                .collect();
            s.sort_total();
            s.truncate(SAMPLE);
            f.sample = s;
            out.push(f);
        }
        records.extend_from_slice(owned);
        records.extend_from_slice(st.shared_with.get(&u).map(Vec::as_slice).unwrap_or(&[]));
        records.extend_from_slice(
            st.access_team_records
                .get(&u)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        );
    }
    records.sort_total();
    records.dedup();
    let mut cannot_read: Map<u32, Vec<u32>> = new_map();
    for &r in &records {
        if st.org_owned(st.records.table(r)) {
            continue;
        }
        let owner = st.records.owner(r);
        if let Some(u) = as_user(owner) {
            if st.user_enabled(u)
                && !rights_of_memo(st, u, r, Right::Read.bit_set(), memo).has(Right::Read)
            {
                cannot_read.entry(u).or_default().push(r);
            }
        }
        for s in st.shares_of(r) {
            let bad = ineffective_share_rights(st, r, s.principal, s.rights);
            if !bad.is_empty() {
                let mut f = Finding::new(
                    "ineffectiveShare",
                    "medium",
                    format!(
                        "record {} is shared with {} who lack the privilege for {}",
                        st.records.id(r),
                        st.principal(s.principal).id(),
                        crate::query::right_names(&bad.to_vec())
                    ),
                );
                f.record = Some(st.records.id(r).to_string());
                f.rights = bad.to_vec();
                out.push(f);
            }
        }
        let table = st.records.table(r);
        for a in st.access_teams_of(r) {
            let rights = st.template_rights(a.template);
            for &m in &a.members {
                let cov = crate::decide::coverage(st, m, table, rights);
                let bad = RightSet(rights.0 & !cov.personal.0);
                if !bad.is_empty() {
                    let mut f = Finding::new(
                        "accessTeamMemberWithoutPrivilege",
                        "medium",
                        format!(
                            "{} is on the access team of {} but lacks the privilege for {}",
                            st.user_id(m),
                            st.records.id(r),
                            crate::query::right_names(&bad.to_vec())
                        ),
                    );
                    f.user = Some(st.user_id(m).to_string());
                    f.record = Some(st.records.id(r).to_string());
                    out.push(f);
                }
            }
        }
    }
    let mut cr: Vec<(u32, Vec<u32>)> = cannot_read.into_iter().collect();
    cr.sort_total_by(|a, b| st.user_id(a.0).cmp(st.user_id(b.0)));
    for (u, recs) in cr {
        let mut f = Finding::new(
            "ownerCannotRead",
            "high",
            format!(
                "{} owns {} records they cannot read",
                st.user_id(u),
                recs.len()
            ),
        );
        f.user = Some(st.user_id(u).to_string());
        f.count = Some(recs.len());
        let mut s: Vec<String> = recs.iter().map(|&r| st.records.id(r).to_string()).collect();
        s.sort_total();
        s.truncate(SAMPLE);
        f.sample = s;
        out.push(f);
    }
    out
}

/// Touched records with the same table and the same units before and after.
struct TrGroup {
    before: u32,
    after: u32,
    recs: Vec<u32>,
}

impl TrGroup {
    /// Whether these records change sides: reached by `ca` (after) but not `cb` (before)
    /// when `gained`, the other way round when lost.
    fn flips(&self, cb: &crate::reach::Cov, ca: &crate::reach::Cov, gained: bool) -> bool {
        if gained {
            !cb.covers(self.before) && ca.covers(self.after)
        } else {
            !ca.covers(self.after) && cb.covers(self.before)
        }
    }
}

/// Touched records per table, grouped by (unit before, unit after) (`DEAD` where absent).
fn tr_groups(st: &State, tr: &[u32], tr_table: &[u32], tr_after: &[u32]) -> Vec<Vec<TrGroup>> {
    let mut groups: Vec<Vec<TrGroup>> = (0..st.tables.len()).map(|_| Vec::new()).collect();
    let mut index: Map<(u32, u32, u32), usize> = new_map();
    for ((&r, &t), &ua) in tr.iter().zip(tr_table).zip(tr_after) {
        let ub = unit_code(st, r);
        let Some(list) = groups.get_mut(t as usize) else {
            continue;
        };
        let i = *index.entry((t, ub, ua)).or_insert_with(|| {
            list.push(TrGroup {
                before: ub,
                after: ua,
                recs: Vec::new(),
            });
            list.len() - 1
        });
        if let Some(g) = list.get_mut(i) {
            g.recs.push(r);
        }
    }
    groups
}

/// Rule changes of one coverage pair on one table: (count, lowest record indexes) gained, lost.
struct RuleDiff {
    gained: (usize, Vec<u32>),
    lost: (usize, Vec<u32>),
}

/// Gained and lost counts of one user: (table, right, gained) -> (count, sample candidates).
type UserTally = Vec<((u32, Right, bool), (usize, Low))>;

/// Exact counts for users whose grants, teams or sign-in changed, by business unit.
///
/// Outside the user's candidates `P` (owned, shared, access-team, inherited-share and
/// reports' records, in either state: the compared items) a right `x` on a record of table
/// `t` holds exactly when the record exists and its unit is in the user's coverage for
/// `(t, x)` (the *rule*). So the changes are the rule changes over all records, plus, for
/// each record of `P`, its exact change minus its rule change. Untouched records keep their
/// unit, so their rule changes are per-(unit, table) counts over the units reached on one
/// side only; touched records are grouped by (table, unit before, unit after). Rule changes
/// depend only on (table, coverage before, coverage after) and are shared between users.
struct FullCount<'a> {
    before: &'a Side,
    after: &'a Side,
    tr: &'a [u32],
    tr_after: &'a [u32],
    tr_table: &'a [u32],
    base: Base,
    groups: &'a [Vec<TrGroup>],
    /// Index into `diffs` of (table, coverage before, coverage after) (a map to `usize`,
    /// an instantiation the module already has, rather than one to `Rc<RuleDiff>`).
    memo: Map<(u32, u32, u32), usize>,
    /// The rule changes computed so far.
    diffs: Vec<std::rc::Rc<RuleDiff>>,
    n_units: usize,
    ntables: usize,
}

/// Unit of record `r` in state `st`, `DEAD` when it does not exist there.
fn unit_code(st: &State, r: u32) -> u32 {
    if (r as usize) < st.records.len() && st.records.alive(r) {
        st.records.unit(r)
    } else {
        DEAD
    }
}

impl<'a> FullCount<'a> {
    fn new(
        st: &State,
        before: &'a Side,
        after: &'a Side,
        tr: &'a [u32],
        tr_after: &'a [u32],
        tr_table: &'a [u32],
        groups: &'a [Vec<TrGroup>],
    ) -> FullCount<'a> {
        FullCount {
            before,
            after,
            tr,
            tr_after,
            tr_table,
            base: Base::new(st, tr),
            groups,
            memo: new_map(),
            diffs: Vec::new(),
            n_units: before.n_units.max(after.n_units),
            ntables: st.tables.len(),
        }
    }

    /// Rule changes on table `t` between coverages `b` (before) and `a` (after).
    fn rule_diff(&mut self, st: &State, t: u32, b: u32, a: u32) -> std::rc::Rc<RuleDiff> {
        if let Some(d) = self.memo.get(&(t, b, a)).and_then(|&i| self.diffs.get(i)) {
            return d.clone();
        }
        let (pb, pa): (&'a CovPool, &'a CovPool) = (&self.before.pool, &self.after.pool);
        let (cb, ca) = (pb.get(b), pa.get(a));
        let mut units = Vec::new();
        let mut side = |from: &crate::reach::Cov,
                        to: &crate::reach::Cov,
                        gained: bool,
                        base: &mut Base|
         -> (usize, Vec<u32>) {
            let mut n = 0usize;
            let mut low = Low::new(2 * LOW_CAP);
            // reached by `to` and not by `from`
            let none = difference(to, from, self.n_units, &mut units);
            if to.all && !from.all {
                // every untouched record but those of `from`'s units; samples from the first
                // units (ascending index) outside `from`
                let mut inside = 0usize;
                let mut mine = Vec::new();
                difference(from, &crate::reach::Cov::default(), self.n_units, &mut mine);
                base.prepare(st, &mine);
                for &unit in &mine {
                    inside += base.group(st, unit, t).map_or(0, |g| g.count);
                }
                n = base.untouched(t).saturating_sub(inside);
                if none {
                    units.push(NONE);
                }
                for &unit in &units {
                    if low.len() >= 2 * LOW_CAP {
                        break;
                    }
                    if let Some(g) = base.group(st, unit, t) {
                        low.extend_sorted(&g.low, |_| false);
                    }
                }
            } else {
                base.prepare(st, &units);
                for &unit in &units {
                    if let Some(g) = base.group(st, unit, t) {
                        n += g.count;
                        low.extend_sorted(&g.low, |_| false);
                    }
                }
            }
            for g in self.groups.get(t as usize).map_or(&[][..], |v| v) {
                if g.flips(cb, ca, gained) {
                    n += g.recs.len();
                    low.extend_sorted(&g.recs, |_| false);
                }
            }
            (n, low.finish())
        };
        let gained = side(cb, ca, true, &mut self.base);
        let lost = side(ca, cb, false, &mut self.base);
        let d = std::rc::Rc::new(RuleDiff { gained, lost });
        self.memo.insert((t, b, a), self.diffs.len());
        self.diffs.push(d.clone());
        d
    }

    /// Sample candidates when the shared lists were all in `P` (rare): every rule change.
    fn slow_sample(&mut self, st: &State, t: u32, b: u32, a: u32, gained: bool, p: &[u32]) -> Low {
        let (cb, ca) = (self.before.pool.get(b), self.after.pool.get(a));
        let (from, to) = if gained { (cb, ca) } else { (ca, cb) };
        let mut units = Vec::new();
        let none = difference(to, from, self.n_units, &mut units);
        if none {
            units.push(NONE);
        }
        let mut low = Low::default();
        let mut recs = Vec::new();
        for &unit in &units {
            recs.clear();
            self.base.scan(st, unit, t, &mut recs);
            for &r in &recs {
                if p.binary_search(&r).is_err() {
                    low.push(r);
                }
            }
        }
        for g in self.groups.get(t as usize).map_or(&[][..], |v| v) {
            if g.flips(cb, ca, gained) {
                for &r in &g.recs {
                    if p.binary_search(&r).is_err() {
                        low.push(r);
                    }
                }
            }
        }
        low
    }

    /// The gained and lost counts of `Full` user `u` whose candidates are compared in `c`.
    fn user(&mut self, st: &State, u: u32, c: &Compared) -> UserTally {
        let nslots = self.ntables * 8;
        let zeros = vec![0u32; nslots];
        let (before, after): (&'a Side, &'a Side) = (self.before, self.after);
        let sb: &[u32] = before.slots.get(&u).map_or(&zeros, |v| v);
        let sa: &[u32] = after.slots.get(&u).map_or(&zeros, |v| v);
        let slot = |s: &[u32], t: u32, right: Right| -> u32 {
            s.get(t as usize * 8 + right.index()).copied().unwrap_or(0)
        };
        let p = &c.items;
        // per (table, right, gained): count and sample candidates
        let mut acc: Vec<(i64, Low)> = vec![(0, Low::default()); nslots * 2];
        let key = |t: u32, right: Right, gained: bool| -> usize {
            (t as usize * 8 + right.index()) * 2 + usize::from(gained)
        };
        // exact minus rule on the candidates
        for ((&r, &eb), &ea) in p.iter().zip(&c.before).zip(&c.after) {
            let (t, ub, ua) = match self.tr.binary_search(&r) {
                Ok(k) => (
                    self.tr_table.get(k).copied().unwrap_or(NONE),
                    unit_code(st, r),
                    self.tr_after.get(k).copied().unwrap_or(DEAD),
                ),
                Err(_) => {
                    let code = unit_code(st, r);
                    (st.records.table(r), code, code)
                }
            };
            for right in Right::ALL {
                let rb = before.pool.get(slot(sb, t, right)).covers(ub);
                let ra = after.pool.get(slot(sa, t, right)).covers(ua);
                let (hb, ha) = (eb & right.bit() != 0, ea & right.bit() != 0);
                if hb != ha {
                    if let Some(e) = acc.get_mut(key(t, right, ha)) {
                        e.0 += 1;
                        e.1.push(r);
                    }
                }
                if rb != ra {
                    if let Some(e) = acc.get_mut(key(t, right, ra)) {
                        e.0 -= 1;
                    }
                }
            }
        }
        // rule changes
        for t in 0..self.ntables as u32 {
            for right in Right::ALL {
                let (b, a) = (slot(sb, t, right), slot(sa, t, right));
                if b == 0 && a == 0 {
                    continue;
                }
                let d = self.rule_diff(st, t, b, a);
                for (gained, (n, low)) in [(true, &d.gained), (false, &d.lost)] {
                    if *n == 0 {
                        continue;
                    }
                    if let Some(e) = acc.get_mut(key(t, right, gained)) {
                        e.0 += *n as i64;
                        e.1.extend_sorted_except(low, p);
                    }
                }
            }
        }
        let mut out: UserTally = Vec::new();
        for (i, (n, mut low)) in acc.into_iter().enumerate() {
            let (t, right, gained) = ((i / 16) as u32, (i / 2) % 8, i % 2 == 1);
            let Some(&right) = Right::ALL.get(right) else {
                continue;
            };
            if n <= 0 {
                continue;
            }
            if low.is_empty() {
                low = self.slow_sample(st, t, slot(sb, t, right), slot(sa, t, right), gained, p);
            }
            out.push(((t, right, gained), (n as usize, low)));
        }
        out
    }
}
