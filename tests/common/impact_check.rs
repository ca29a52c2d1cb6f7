//! Checking `simulate`'s access changes against a brute-force diff of `rights` over all
//! users × all records before and after (shared by the change property tests).

use std::collections::{BTreeMap, BTreeSet};

use crm_policy::{Org, Right};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

/// Most sample ids per (user, table, right).
const SAMPLE: usize = 20;

/// (user ids, (record id, table) pairs) of an org.
pub fn ids(org: &Org) -> (Vec<String>, Vec<(String, String)>) {
    let snap = org.to_snapshot();
    (
        snap.users.iter().map(|u| u.id.clone()).collect(),
        snap.records
            .iter()
            .map(|r| (r.id.clone(), r.table.clone()))
            .collect(),
    )
}

/// Every (user, record) -> rights bits.
pub fn all_rights(org: &Org) -> BTreeMap<(String, String), u8> {
    let (users, records) = ids(org);
    let mut out = BTreeMap::new();
    for u in &users {
        for (r, _) in &records {
            out.insert((u.clone(), r.clone()), org.rights(u, r).unwrap().0);
        }
    }
    out
}

/// user -> (gained, lost), each (table, right) -> changed record ids (ascending).
pub type Diff = BTreeMap<String, [BTreeMap<(String, Right), BTreeSet<String>>; 2]>;

pub fn brute_diff(before: &Org, after: &Org) -> Diff {
    let rb = all_rights(before);
    let ra = all_rights(after);
    let mut table_of: BTreeMap<String, String> = BTreeMap::new();
    for org in [before, after] {
        for (r, t) in ids(org).1 {
            table_of.insert(r, t);
        }
    }
    let keys: BTreeSet<&(String, String)> = rb.keys().chain(ra.keys()).collect();
    let mut diff: Diff = BTreeMap::new();
    for key in keys {
        let b = rb.get(key).copied().unwrap_or(0);
        let a = ra.get(key).copied().unwrap_or(0);
        if a == b {
            continue;
        }
        for right in Right::ALL {
            let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
            if hb == ha {
                continue;
            }
            let side = usize::from(!ha); // 0 gained, 1 lost
            diff.entry(key.0.clone()).or_default()[side]
                .entry((table_of[&key.1].clone(), right))
                .or_default()
                .insert(key.1.clone());
        }
    }
    diff
}

/// Compare `simulate`'s access changes with a brute-force diff.
pub fn check_impact(impact: &Value, diff: &Diff, context: &str) -> Result<(), TestCaseError> {
    let changes = impact["accessChanges"].as_array().unwrap();
    let users: Vec<&str> = changes
        .iter()
        .map(|c| c["user"].as_str().unwrap())
        .collect();
    let mut sorted = users.clone();
    sorted.sort_unstable();
    sorted.dedup();
    prop_assert_eq!(
        &users,
        &sorted,
        "accessChanges users not ascending/unique\n{}",
        context
    );
    let reported: BTreeSet<&str> = users.iter().copied().collect();
    let expected: BTreeSet<&str> = diff.keys().map(String::as_str).collect();
    prop_assert_eq!(
        &reported,
        &expected,
        "users with access changes differ (simulate vs brute force)\nbrute force: {:?}\nimpact: {}\n{}",
        diff,
        serde_json::to_string_pretty(&impact["accessChanges"]).unwrap(),
        context
    );
    for c in changes {
        let user = c["user"].as_str().unwrap();
        let want = &diff[user];
        for (side, key) in ["gained", "lost"].iter().enumerate() {
            let list = c[*key].as_array().unwrap();
            let mut got: BTreeMap<(String, Right), (usize, Vec<String>)> = BTreeMap::new();
            for x in list {
                let right: Right = serde_json::from_value(x["right"].clone()).unwrap();
                let sample: Vec<String> = x["sample"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                got.insert(
                    (x["table"].as_str().unwrap().to_string(), right),
                    (x["count"].as_u64().unwrap() as usize, sample),
                );
            }
            let got_keys: Vec<&(String, Right)> = got.keys().collect();
            let want_keys: Vec<&(String, Right)> = want[side].keys().collect();
            prop_assert_eq!(
                &got_keys,
                &want_keys,
                "{} {}: (table, right) entries differ\nbrute force: {:?}\nimpact: {}\n{}",
                user,
                key,
                want[side],
                serde_json::to_string_pretty(c).unwrap(),
                context
            );
            for (k, (count, sample)) in &got {
                let real = &want[side][k];
                prop_assert_eq!(
                    *count,
                    real.len(),
                    "{} {} {:?}: count {} but brute force finds {:?}\n{}",
                    user,
                    key,
                    k,
                    count,
                    real,
                    context
                );
                prop_assert!(
                    !sample.is_empty() && sample.len() <= SAMPLE,
                    "{} {} {:?}: sample size {}\n{}",
                    user,
                    key,
                    k,
                    sample.len(),
                    context
                );
                prop_assert!(
                    sample.windows(2).all(|w| w[0] < w[1]),
                    "sample not strictly ascending: {:?}\n{}",
                    sample,
                    context
                );
                for s in sample {
                    prop_assert!(
                        real.contains(s),
                        "{} {} {:?}: sample {} did not change (real: {:?})\n{}",
                        user,
                        key,
                        k,
                        s,
                        real,
                        context
                    );
                }
            }
            // entries in SPEC/(table, right) order
            let order: Vec<(String, Right)> = list
                .iter()
                .map(|x| {
                    (
                        x["table"].as_str().unwrap().to_string(),
                        serde_json::from_value(x["right"].clone()).unwrap(),
                    )
                })
                .collect();
            let mut o2 = order.clone();
            o2.sort();
            prop_assert_eq!(
                order,
                o2,
                "entries not sorted by (table, right)\n{}",
                context
            );
        }
    }
    Ok(())
}
