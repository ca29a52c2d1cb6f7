//! Simulated impact of a changeset (SPEC §6): the changeset runs in a transaction, the
//! users and records it touches are collected, candidate (user, record) pairs are drawn from
//! the indexes in both states, and their rights are compared before and after; then the
//! transaction is rolled back. Work is proportional to what the change touches, not to
//! users × records (organization-wide grants are counted, not enumerated).

use serde::{Deserialize, Serialize};

use crate::access::{Level, Right, RightSet};
use crate::change::{run, Change, SideEffect};
use crate::decide::rights_of;
use crate::error::Errors;
use crate::journal::revert_all;
use crate::model::Assertion;
use crate::query::{has_any_role, ineffective_share_rights, Finding};
use crate::state::{as_team, as_user, new_map, Map, State, NONE};

/// (user, table, right, gained).
type PerKey = (u32, u32, Right, bool);

/// Most sample record ids per table and right.
pub const SAMPLE: usize = 20;

/// Rights gained or lost on one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RightChange {
    /// Table.
    pub table: String,
    /// Right.
    pub right: Right,
    /// Exact number of records.
    pub count: usize,
    /// Up to 20 record ids, ascending.
    pub sample: Vec<String>,
}

/// The access change of one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessChange {
    /// User id.
    pub user: String,
    /// Rights gained.
    pub gained: Vec<RightChange>,
    /// Rights lost.
    pub lost: Vec<RightChange>,
}

/// An assertion whose outcome the changeset changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Before.
    pub before: usize,
    /// After.
    pub after: usize,
}

/// The impact of a changeset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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

/// Units in pre-order (index = pre number) for subtree enumeration.
fn pre_order(st: &State) -> Vec<u32> {
    let mut v: Vec<u32> = (0..st.units.len() as u32)
        .filter(|&b| st.unit(b).is_some_and(|u| u.alive))
        .collect();
    v.sort_unstable_by_key(|&b| st.tree.pre.get(b as usize).copied().unwrap_or(u32::MAX));
    v
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

/// Rights with organization-wide coverage for `u` on table `t` (an enabled user's global
/// grants, or any grant on an organization-owned table).
fn global_rights(st: &State, u: u32, t: u32) -> RightSet {
    let mut out = RightSet::EMPTY;
    if !st.user_enabled(u) {
        return out;
    }
    let Some(g) = st.grants.get(u as usize) else {
        return out;
    };
    let org = st.org_owned(t);
    for right in Right::ALL {
        let gs = g.get(t, right);
        if (org && !gs.is_empty()) || gs.iter().any(|x| x.level == Level::Global) {
            out.insert(right);
        }
    }
    out
}

fn add_descendants(st: &State, seeds: &mut Vec<u32>) {
    let mut i = 0;
    let mut seen: Map<u32, ()> = new_map();
    for &s in seeds.iter() {
        seen.insert(s, ());
    }
    while let Some(&r) = seeds.get(i) {
        i += 1;
        for &k in st.children.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(k, ()).is_none() {
                seeds.push(k);
            }
        }
    }
}

/// Records user `u` might reach without an organization-wide grant.
fn user_candidates(st: &State, u: u32, pre: &[u32], out: &mut Vec<u32>) {
    let Some(g) = st.grants.get(u as usize) else {
        return;
    };
    let start = out.len();
    let mut anchors: Vec<(Level, u32)> = g
        .entries()
        .iter()
        .filter(|x| matches!(x.level, Level::Local | Level::Deep))
        .map(|x| (x.level, x.anchor))
        .collect();
    anchors.sort_unstable();
    anchors.dedup();
    for (level, a) in anchors {
        if level == Level::Local {
            out.extend_from_slice(st.by_unit.get(a as usize).map(Vec::as_slice).unwrap_or(&[]));
        } else {
            let (Some(&lo), Some(&hi)) =
                (st.tree.pre.get(a as usize), st.tree.post.get(a as usize))
            else {
                continue;
            };
            for &b in pre.get(lo as usize..=hi as usize).unwrap_or(&[]) {
                out.extend_from_slice(st.by_unit.get(b as usize).map(Vec::as_slice).unwrap_or(&[]));
            }
        }
    }
    let mut holders = vec![u];
    if let Some(h) = &st.hierarchy {
        // reports within depth
        let mut frontier = vec![u];
        for _ in 0..h.depth {
            let mut next = Vec::new();
            for m in frontier {
                next.extend_from_slice(
                    st.reports.get(m as usize).map(Vec::as_slice).unwrap_or(&[]),
                );
            }
            holders.extend_from_slice(&next);
            frontier = next;
            if frontier.is_empty() {
                break;
            }
        }
    }
    let shared_start = out.len();
    for v in holders {
        out.extend_from_slice(st.owned_by(v));
        out.extend_from_slice(st.shared_with.get(&v).map(Vec::as_slice).unwrap_or(&[]));
        out.extend_from_slice(
            st.access_team_records
                .get(&v)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        );
        for &t in st.teams_of(v) {
            let p = crate::state::team_principal(t);
            out.extend_from_slice(st.owned_by(p));
            out.extend_from_slice(st.shared_with.get(&p).map(Vec::as_slice).unwrap_or(&[]));
        }
    }
    // inherited shares reach descendants of shared records
    let mut shared: Vec<u32> = out
        .get(shared_start..)
        .map(<[u32]>::to_vec)
        .unwrap_or_default();
    shared.retain(|&r| st.children.contains_key(&r));
    add_descendants(st, &mut shared);
    out.extend(shared);
    let _ = start;
}

/// Users who might reach record `r` without an organization-wide grant.
fn record_candidates(st: &State, r: u32, anchors: &AnchorIndex, out: &mut Vec<u32>) {
    if !st.records.alive(r) {
        return;
    }
    let mut holders: Vec<u32> = Vec::new();
    let owner = st.records.owner(r);
    if let Some(u) = as_user(owner) {
        holders.push(u);
    } else if let Some(t) = as_team(owner) {
        holders.extend_from_slice(st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[]));
    }
    for rec in crate::decide::share_chain(st, r) {
        for s in st.shares_of(rec) {
            match as_team(s.principal) {
                Some(t) => holders
                    .extend_from_slice(st.team(t).map(|t| t.members.as_slice()).unwrap_or(&[])),
                None => holders.push(s.principal),
            }
        }
        for a in st.access_teams_of(rec) {
            holders.extend_from_slice(&a.members);
        }
    }
    if let Some(h) = &st.hierarchy {
        let n = holders.len();
        for i in 0..n {
            let mut cur = holders.get(i).copied().unwrap_or(NONE);
            for _ in 0..h.depth {
                cur = st.user(cur).map(|u| u.manager).unwrap_or(NONE);
                if cur == NONE {
                    break;
                }
                holders.push(cur);
            }
        }
    }
    out.extend(holders);
    let unit = st.records.unit(r);
    if unit != NONE {
        out.extend_from_slice(anchors.local.get(&unit).map(Vec::as_slice).unwrap_or(&[]));
        let mut cur = unit;
        let mut steps = 0;
        while cur != NONE && steps <= st.units.len() {
            out.extend_from_slice(anchors.deep.get(&cur).map(Vec::as_slice).unwrap_or(&[]));
            cur = st.unit(cur).map(|b| b.parent).unwrap_or(NONE);
            steps += 1;
        }
    }
}

struct Side {
    /// Per touched user: records to compare.
    user_cands: Map<u32, Vec<u32>>,
    /// Per touched user and table: organization-wide rights.
    global: Map<(u32, u32), RightSet>,
    /// Pairs from the record side.
    pairs: Vec<(u32, u32)>,
    /// Alive flags of touched records.
    alive: Map<u32, bool>,
}

fn collect(st: &State, tu: &[u32], tr: &[u32], all_users_for: &[u32]) -> Side {
    let pre = pre_order(st);
    let mut side = Side {
        user_cands: new_map(),
        global: new_map(),
        pairs: Vec::new(),
        alive: new_map(),
    };
    for &u in tu {
        let mut c = Vec::new();
        user_candidates(st, u, &pre, &mut c);
        c.extend_from_slice(tr);
        side.user_cands.insert(u, c);
        for t in 0..st.tables.len() as u32 {
            side.global.insert((u, t), global_rights(st, u, t));
        }
    }
    let anchors = anchor_index(st);
    let mut tu_sorted = tu.to_vec();
    tu_sorted.sort_unstable();
    for &r in tr {
        side.alive.insert(r, st.records.alive(r));
        let mut users = Vec::new();
        record_candidates(st, r, &anchors, &mut users);
        users.sort_unstable();
        users.dedup();
        for u in users {
            if tu_sorted.binary_search(&u).is_err() {
                side.pairs.push((u, r));
            }
        }
    }
    for &r in all_users_for {
        for u in 0..st.users.len() as u32 {
            if tu_sorted.binary_search(&u).is_err() {
                side.pairs.push((u, r));
            }
        }
    }
    side
}

/// Simulate `changes` on `st` and restore it exactly.
///
/// Pass 1 runs the changeset to learn what it touches and the after-side candidates, then
/// rolls back; the before-side candidates and decisions are taken; pass 2 runs it again
/// (deterministically, so indexes of created entities are the same), takes the after-side
/// decisions and builds the report while ids of created entities exist, then rolls back.
pub fn simulate(st: &mut State, changes: &[Change]) -> Result<Impact, Errors> {
    let before_records = st.live_records();
    let assertions_before: Vec<(Assertion, bool)> = st
        .assertions
        .iter()
        .map(|a| (a.clone(), assertion_holds(st, a)))
        .collect();

    // ---- pass 1
    let out = run(st, changes);
    if !out.errors.is_empty() {
        revert_all(st, out.log);
        return Err(Errors(out.errors));
    }
    let mut tr = out.touched.records.clone();
    tr.sort_unstable();
    tr.dedup();
    add_descendants(st, &mut tr);
    let mut tu = out.touched.users.clone();
    if out.touched.units || out.touched.settings {
        tu = (0..st.users.len() as u32).collect();
    }
    add_managers(st, &mut tu);
    let after_alive: Map<u32, bool> = tr.iter().map(|&r| (r, st.records.alive(r))).collect();
    let mut side_a = collect(st, &[], &tr, &[]);
    revert_all(st, out.log);

    // ---- before state
    add_managers(st, &mut tu);
    add_descendants(st, &mut tr);
    tu.sort_unstable();
    tu.dedup();
    tr.sort_unstable();
    tr.dedup();
    let n_users = st.users.len();
    let n_records = st.records.len();
    let flip: Vec<u32> = tr
        .iter()
        .copied()
        .filter(|&r| {
            let before = (r as usize) < n_records && st.records.alive(r);
            before != after_alive.get(&r).copied().unwrap_or(before)
        })
        .collect();
    let tu_b: Vec<u32> = tu
        .iter()
        .copied()
        .filter(|&u| (u as usize) < n_users)
        .collect();
    let tr_b: Vec<u32> = tr
        .iter()
        .copied()
        .filter(|&r| (r as usize) < n_records)
        .collect();
    let flip_b: Vec<u32> = flip
        .iter()
        .copied()
        .filter(|&r| (r as usize) < n_records)
        .collect();
    let side_b = collect(st, &tu_b, &tr_b, &flip_b);
    // pass 2 needs the after-side user candidates too: gather them from pass 2 below
    let mut pairs: Map<(u32, u32), (u8, u8)> = new_map();
    let mut user_cands: Map<u32, Vec<u32>> = new_map();
    for &u in &tu {
        let mut c = side_b.user_cands.get(&u).cloned().unwrap_or_default();
        c.extend_from_slice(&tr);
        user_cands.insert(u, c);
    }
    side_a.pairs.extend(side_b.pairs.iter().copied());
    // before decisions for what is known now; after-side user candidates are added in pass 2
    let eval = |st: &State, u: u32, r: u32| -> u8 {
        if (u as usize) < st.users.len() && (r as usize) < st.records.len() {
            rights_of(st, u, r, RightSet::FULL).0
        } else {
            0
        }
    };
    for (&u, recs) in &user_cands {
        for &r in recs {
            pairs.entry((u, r)).or_insert_with(|| (eval(st, u, r), 0));
        }
    }
    for &(u, r) in &side_a.pairs {
        pairs.entry((u, r)).or_insert_with(|| (eval(st, u, r), 0));
    }
    let tables_before: Vec<Vec<u32>> = st.by_table.clone();

    // ---- pass 2
    let out2 = run(st, changes);
    if !out2.errors.is_empty() {
        revert_all(st, out2.log);
        return Err(Errors(out2.errors));
    }
    let side_a2 = collect(st, &tu, &[], &flip);
    for &(u, r) in &side_a2.pairs {
        // records created by the changeset: nobody had them before
        pairs.entry((u, r)).or_insert((0, 0));
    }
    // after-side user candidates not seen before: their before decision needs the before state,
    // which we get back by rolling back once more
    let mut missing: Vec<(u32, u32)> = Vec::new();
    for (&u, recs) in &side_a2.user_cands {
        let entry = user_cands.entry(u).or_default();
        for &r in recs {
            if !pairs.contains_key(&(u, r)) {
                missing.push((u, r));
                entry.push(r);
            }
        }
    }
    if !missing.is_empty() {
        revert_all(st, out2.log);
        for &(u, r) in &missing {
            pairs.insert((u, r), (eval(st, u, r), 0));
        }
        let out3 = run(st, changes);
        if !out3.errors.is_empty() {
            revert_all(st, out3.log);
            return Err(Errors(out3.errors));
        }
        let impact = report(
            st,
            changes,
            &out3.effects,
            &tu,
            &tr,
            &mut pairs,
            &user_cands,
            &side_b,
            &side_a2,
            &tables_before,
            &after_alive,
            before_records,
            &assertions_before,
        );
        revert_all(st, out3.log);
        return Ok(impact);
    }
    let impact = report(
        st,
        changes,
        &out2.effects,
        &tu,
        &tr,
        &mut pairs,
        &user_cands,
        &side_b,
        &side_a2,
        &tables_before,
        &after_alive,
        before_records,
        &assertions_before,
    );
    revert_all(st, out2.log);
    Ok(impact)
}

/// Build the report in the after state (`pairs` hold before decisions; after ones are taken here).
#[allow(clippy::too_many_arguments)]
fn report(
    st: &State,
    _changes: &[Change],
    effects: &[SideEffect],
    tu: &[u32],
    tr: &[u32],
    pairs: &mut Map<(u32, u32), (u8, u8)>,
    user_cands: &Map<u32, Vec<u32>>,
    before: &Side,
    after: &Side,
    tables_before: &[Vec<u32>],
    after_alive: &Map<u32, bool>,
    before_records: usize,
    assertions_before: &[(Assertion, bool)],
) -> Impact {
    for (&(u, r), v) in pairs.iter_mut() {
        if (u as usize) < st.users.len() && (r as usize) < st.records.len() {
            v.1 = rights_of(st, u, r, RightSet::FULL).0;
        }
    }
    let _ = after_alive;
    let mut per: Map<PerKey, (usize, Vec<u32>)> = new_map();
    for (&(u, r), &(b, a)) in pairs.iter() {
        if b == a {
            continue;
        }
        let t = st.records.table(r);
        let user_side = user_cands.contains_key(&u);
        let gb = before.global.get(&(u, t)).copied().unwrap_or_default();
        let ga = after.global.get(&(u, t)).copied().unwrap_or_default();
        for right in Right::ALL {
            let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
            if hb == ha {
                continue;
            }
            // rights that are organization-wide on one side only are counted below
            if user_side && gb.has(right) != ga.has(right) {
                continue;
            }
            let e = per.entry((u, t, right, ha)).or_insert((0, Vec::new()));
            e.0 += 1;
            if e.1.len() < SAMPLE * 4 {
                e.1.push(r);
            }
        }
    }
    let empty: Vec<u32> = Vec::new();
    for &u in tu {
        for t in 0..st.tables.len() as u32 {
            let gb = before.global.get(&(u, t)).copied().unwrap_or_default();
            let ga = after.global.get(&(u, t)).copied().unwrap_or_default();
            for right in Right::ALL {
                if gb.has(right) == ga.has(right) {
                    continue;
                }
                let bit = right.bit();
                // global before: every record alive before of t had it; global after: every record alive after has it
                let (population, lost_side): (&[u32], bool) = if gb.has(right) {
                    (tables_before.get(t as usize).unwrap_or(&empty), true)
                } else {
                    (st.by_table.get(t as usize).unwrap_or(&empty), false)
                };
                let other_has = |r: u32| {
                    pairs.get(&(u, r)).is_some_and(|p| {
                        if lost_side {
                            p.1 & bit != 0
                        } else {
                            p.0 & bit != 0
                        }
                    })
                };
                let mut count = 0usize;
                let mut sample = Vec::new();
                for &r in population {
                    if !other_has(r) {
                        count += 1;
                        if sample.len() < SAMPLE * 4 {
                            sample.push(r);
                        }
                    }
                }
                if count > 0 {
                    let e = per
                        .entry((u, t, right, !lost_side))
                        .or_insert((0, Vec::new()));
                    e.0 += count;
                    e.1.extend(sample);
                }
                // records created (global after) or deleted (global before) that the other side reaches
                for &r in tr {
                    if st.records.table(r) != t {
                        continue;
                    }
                    let Some(&(b, a)) = pairs.get(&(u, r)) else {
                        continue;
                    };
                    let in_population = population.contains(&r);
                    if in_population {
                        continue;
                    }
                    let has = if lost_side {
                        a & bit != 0
                    } else {
                        b & bit != 0
                    };
                    if has {
                        let e = per
                            .entry((u, t, right, lost_side))
                            .or_insert((0, Vec::new()));
                        e.0 += 1;
                        e.1.push(r);
                    }
                }
            }
        }
    }
    let mut tallies: Map<u32, (Vec<RightChange>, Vec<RightChange>)> = new_map();
    for ((u, t, right, gained), (count, recs)) in per {
        let mut ids: Vec<String> = recs.iter().map(|&r| st.records.id(r).to_string()).collect();
        ids.sort();
        ids.dedup();
        ids.truncate(SAMPLE);
        let change = RightChange {
            table: st.table_name(t).to_string(),
            right,
            count,
            sample: ids,
        };
        let e = tallies.entry(u).or_default();
        if gained {
            e.0.push(change);
        } else {
            e.1.push(change);
        }
    }
    let mut access_changes: Vec<AccessChange> = tallies
        .into_iter()
        .map(|(u, (mut gained, mut lost))| {
            gained.sort_by(|a, b| (&a.table, a.right).cmp(&(&b.table, b.right)));
            lost.sort_by(|a, b| (&a.table, a.right).cmp(&(&b.table, b.right)));
            AccessChange {
                user: st.user_id(u).to_string(),
                gained,
                lost,
            }
        })
        .collect();
    access_changes.sort_by(|a, b| a.user.cmp(&b.user));

    let mut assertions = Vec::new();
    for a in &st.assertions {
        let after_v = assertion_holds(st, a);
        let before_v = assertions_before
            .iter()
            .find(|(b, _)| b == a)
            .map(|(_, v)| *v)
            .unwrap_or(after_v);
        if before_v != after_v {
            assertions.push(AssertionChange {
                assertion: a.clone(),
                before: before_v,
                after: after_v,
                pass: after_v == a.expect,
            });
        }
    }
    Impact {
        access_changes,
        side_effects: effects.to_vec(),
        warnings: warnings(st, tu, tr),
        assertions,
        records: RecordCounts {
            before: before_records,
            after: st.live_records(),
        },
    }
}

fn add_managers(st: &State, users: &mut Vec<u32>) {
    let Some(h) = &st.hierarchy else { return };
    let n = users.len();
    for i in 0..n {
        let mut cur = users.get(i).copied().unwrap_or(NONE);
        for _ in 0..h.depth {
            cur = st.user(cur).map(|u| u.manager).unwrap_or(NONE);
            if cur == NONE {
                break;
            }
            users.push(cur);
        }
    }
}

fn assertion_holds(st: &State, a: &Assertion) -> bool {
    match (st.user_ids.get(&a.user), st.records.ids.find(&a.record)) {
        (Some(&u), Some(r)) => rights_of(st, u, r, a.right.bit_set()).has(a.right),
        _ => false,
    }
}

fn warnings(st: &State, tu: &[u32], tr: &[u32]) -> Vec<Finding> {
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
            s.sort();
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
    records.sort_unstable();
    records.dedup();
    let mut cannot_read: Map<u32, Vec<u32>> = new_map();
    for &r in &records {
        if st.org_owned(st.records.table(r)) {
            continue;
        }
        let owner = st.records.owner(r);
        if let Some(u) = as_user(owner) {
            if st.user_enabled(u) && !rights_of(st, u, r, Right::Read.bit_set()).has(Right::Read) {
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
                        bad.to_vec()
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
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
                            bad.to_vec()
                                .iter()
                                .map(|x| x.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
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
    cr.sort_unstable_by(|a, b| st.user_id(a.0).cmp(st.user_id(b.0)));
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
        s.sort();
        s.truncate(SAMPLE);
        f.sample = s;
        out.push(f);
    }
    out
}
