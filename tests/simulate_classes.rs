//! `simulate` counts users whose access depends only on their teams and grants once per
//! class (see `Classes` in src/impact.rs): random small orgs where every user has two
//! copies (same unit, roles, manager, disabled flag and teams; owning nothing, shared
//! nothing, managing no one), with random changesets; the per-user gained and lost counts
//! and samples must equal a brute-force diff of `rights` over all users × all records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/changes_gen.rs"]
mod changes_gen;
#[path = "common/random_org.rs"]
mod random_org;

use std::collections::{BTreeMap, BTreeSet};

use changes_gen::{changeset_plan, materialize, Ctx};
use crm_policy::{Org, Right};
use proptest::prelude::*;
use serde_json::Value;

/// Add two plain copies of every user, members of the same teams.
fn with_copies(snap: &mut Value) {
    let users = snap["users"].as_array().unwrap().clone();
    let mut copies = Vec::new();
    for u in &users {
        let id = u["id"].as_str().unwrap().to_string();
        for k in 0..2 {
            let mut c = u.clone();
            c["id"] = Value::from(format!("{id}-c{k}"));
            c["name"] = Value::from(format!("Copy {k} of {id}"));
            copies.push(c);
            if let Some(teams) = snap["teams"].as_array_mut() {
                for t in teams {
                    let Some(members) = t["members"].as_array_mut() else {
                        continue;
                    };
                    if members.iter().any(|m| m.as_str() == Some(id.as_str())) {
                        members.push(Value::from(format!("{id}-c{k}")));
                    }
                }
            }
        }
    }
    snap["users"].as_array_mut().unwrap().extend(copies);
}

/// user -> [gained, lost]: (table, right) -> changed record ids.
type Diff = BTreeMap<String, [BTreeMap<(String, Right), BTreeSet<String>>; 2]>;

fn brute_diff(before: &Org, after: &Org) -> Diff {
    let mut rights: [BTreeMap<(String, String), u8>; 2] = Default::default();
    let mut table_of = BTreeMap::new();
    for (side, org) in [before, after].into_iter().enumerate() {
        let snap = org.to_snapshot();
        for r in &snap.records {
            table_of.insert(r.id.clone(), r.table.clone());
        }
        for u in &snap.users {
            for r in &snap.records {
                rights[side].insert(
                    (u.id.clone(), r.id.clone()),
                    org.rights(&u.id, &r.id).unwrap().0,
                );
            }
        }
    }
    let keys: BTreeSet<&(String, String)> = rights[0].keys().chain(rights[1].keys()).collect();
    let mut diff: Diff = BTreeMap::new();
    for key in keys {
        let b = rights[0].get(key).copied().unwrap_or(0);
        let a = rights[1].get(key).copied().unwrap_or(0);
        for right in Right::ALL {
            let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
            if hb != ha {
                diff.entry(key.0.clone()).or_default()[usize::from(!ha)]
                    .entry((table_of[&key.1].clone(), right))
                    .or_default()
                    .insert(key.1.clone());
            }
        }
    }
    diff
}

/// The impact as a diff: user -> [gained, lost]: (table, right) -> (count, sample).
type Reported = BTreeMap<String, [BTreeMap<(String, Right), (usize, Vec<String>)>; 2]>;

fn reported(impact: &Value) -> Reported {
    let mut out: Reported = BTreeMap::new();
    for c in impact["accessChanges"].as_array().unwrap() {
        let e = out
            .entry(c["user"].as_str().unwrap().to_string())
            .or_default();
        for (side, key) in ["gained", "lost"].iter().enumerate() {
            for x in c[*key].as_array().unwrap() {
                let right: Right = serde_json::from_value(x["right"].clone()).unwrap();
                let sample = x["sample"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                e[side].insert(
                    (x["table"].as_str().unwrap().to_string(), right),
                    (x["count"].as_u64().unwrap() as usize, sample),
                );
            }
        }
    }
    out
}

fn cases() -> u32 {
    std::env::var("CHANGE_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 1000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn simulate_with_copied_users_matches_brute_force(
        plan in random_org::plan(),
        cs in changeset_plan(),
    ) {
        let mut snap = random_org::build(&plan);
        with_copies(&mut snap);
        let text = snap.to_string();
        let org = Org::from_json(&text).unwrap();
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = Org::parse_changes(&Value::Array(ops.clone()).to_string()).unwrap();
        let mut sim_org = org.clone();
        let sim = sim_org.simulate(&changes);
        let mut after = org.clone();
        let applied = after.apply(changes);
        prop_assert_eq!(sim.is_ok(), applied.is_ok());
        let Ok(impact) = sim else { return Ok(()) };
        let impact = serde_json::to_value(impact).unwrap();
        let got = reported(&impact);
        let want = brute_diff(&org, &after);
        let cx = format!("snapshot:\n{text}\nchangeset:\n{}", Value::Array(ops));
        let got_users: Vec<&String> = got.keys().collect();
        let want_users: Vec<&String> = want.keys().collect();
        prop_assert_eq!(got_users, want_users, "users differ\n{}", cx);
        for (user, sides) in &got {
            for side in 0..2 {
                let g: Vec<(&(String, Right), usize)> = sides[side].iter().map(|(k, v)| (k, v.0)).collect();
                let w: Vec<(&(String, Right), usize)> = want[user][side].iter().map(|(k, v)| (k, v.len())).collect();
                prop_assert_eq!(g, w, "{} side {}: counts differ\n{}", user, side, cx);
                for (k, (_, sample)) in &sides[side] {
                    let real = &want[user][side][k];
                    // every sample id changed, ascending, at most 20, at least one
                    prop_assert!(!sample.is_empty() && sample.len() <= 20);
                    prop_assert!(sample.windows(2).all(|w| w[0] < w[1]));
                    for s in sample {
                        prop_assert!(real.contains(s), "{} {:?}: {} did not change\n{}", user, k, s, cx);
                    }
                }
            }
        }
    }
}
