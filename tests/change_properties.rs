//! Property tests of org changes (SPEC §6) on random valid small orgs with random
//! changesets of 1-5 operations drawn from every operation kind:
//!
//! - `simulate`'s per-user / table / right gained and lost counts equal a brute-force diff
//!   of `rights` over all users × all records before and after applying the changeset to
//!   a clone; samples are ascending subsets (at most 20) of the really changed records;
//!   failing changesets fail the same way in `simulate`, `validate_changes` and `apply`;
//! - `undo(apply(c))` restores `to_json()` byte for byte, `redo` gives the applied state
//!   back, several applies then as many undos restore each earlier version;
//! - a changeset with one bad operation changes nothing; `validate_changes` and `simulate`
//!   never mutate;
//! - changesets without createRecord/deleteRecord keep the set of record ids; `to_json()`
//!   after apply always reloads, canonically, and the mutated org decides exactly like the
//!   reloaded one and like the naive reference evaluator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/changes_gen.rs"]
mod changes_gen;
#[path = "common/impact_check.rs"]
mod impact_check;
#[path = "common/random_org.rs"]
mod random_org;
#[path = "common/reference.rs"]
mod reference;

use std::collections::BTreeSet;

use changes_gen::{changeset_plan, creates_or_deletes_records, materialize, surely_bad, Ctx};
use crm_policy::{Change, Org, Right};
use impact_check::{all_rights, brute_diff, check_impact, ids};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

fn load(text: &str) -> Result<Org, TestCaseError> {
    Org::from_json(text)
        .map_err(|e| TestCaseError::fail(format!("the generated org is invalid: {e:?}\n{text}")))
}

/// Parse generated operations (they are always well-formed).
fn parse(ops: &[Value]) -> Result<Vec<Change>, TestCaseError> {
    let text = Value::Array(ops.to_vec()).to_string();
    Org::parse_changes(&text).map_err(|e| {
        TestCaseError::fail(format!("generated changeset does not parse: {e:?}\n{text}"))
    })
}

/// Add assertions `(user seed, right, record seed, expect)` to a built snapshot.
fn add_assertions(snap: &mut Value, list: &[(usize, usize, usize, bool)]) {
    let users: Vec<Value> = snap["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].clone())
        .collect();
    let records: Vec<Value> = snap["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    let mut out = Vec::new();
    for (u, r, x, expect) in list {
        out.push(serde_json::json!({
            "user": users[u % users.len()],
            "right": Right::ALL[*r].as_str(),
            "record": records[x % records.len()],
            "expect": expect,
        }));
    }
    snap["assertions"] = Value::Array(out);
}

fn context(text: &str, ops: &[Value]) -> String {
    format!(
        "snapshot:\n{text}\nchangeset:\n{}",
        serde_json::to_string(&Value::Array(ops.to_vec())).unwrap()
    )
}

/// Cases per property (`CHANGE_PROPTEST_CASES` overrides, e.g. for a long hunt).
fn cases() -> u32 {
    std::env::var("CHANGE_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

fn codes(e: &crm_policy::Errors) -> Vec<(String, String)> {
    e.0.iter()
        .map(|x| (x.code.clone(), x.path.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 3000,
        ..ProptestConfig::default()
    })]

    /// simulate == brute-force diff of rights before/after apply; errors agree everywhere;
    /// simulate and validate_changes never mutate.
    #[test]
    fn simulate_matches_brute_force(
        plan in random_org::plan(),
        cs in changeset_plan(),
        asserts in proptest::collection::vec((0..64usize, 0..8usize, 0..64usize, any::<bool>()), 0..4),
    ) {
        let mut snap = random_org::build(&plan);
        add_assertions(&mut snap, &asserts);
        let text = snap.to_string();
        let mut org = load(&text)?;
        let json0 = org.to_json();
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = parse(&ops)?;
        let cx = context(&text, &ops);

        let validation = org.validate_changes(&changes);
        prop_assert_eq!(&org.to_json(), &json0, "validate_changes mutated the org\n{}", cx);
        let sim = org.simulate(&changes);
        prop_assert_eq!(&org.to_json(), &json0, "simulate mutated the org\n{}", cx);
        prop_assert_eq!(org.version(), 0);

        let mut after = org.clone();
        match after.apply(changes.clone()) {
            Err(errs) => {
                prop_assert_eq!(&after.to_json(), &json0, "failed apply mutated the org\n{}", cx);
                prop_assert_eq!(after.version(), 0);
                prop_assert!(after.history().is_empty());
                prop_assert_eq!(
                    codes(&errs),
                    validation.iter().map(|x| (x.code.clone(), x.path.clone())).collect::<Vec<_>>(),
                    "apply and validate_changes disagree\n{}", cx
                );
                let sim_errs = match sim {
                    Err(e) => e,
                    Ok(_) => return Err(TestCaseError::fail(format!("simulate succeeded where apply failed: {errs:?}\n{cx}"))),
                };
                prop_assert_eq!(codes(&sim_errs), codes(&errs), "simulate and apply disagree\n{}", cx);
                for e in &errs.0 {
                    prop_assert!(e.path.starts_with("/changes/"), "error path {} not under /changes\n{}", e.path, cx);
                }
            }
            Ok(version) => {
                prop_assert_eq!(version, 1);
                prop_assert!(validation.is_empty(), "validate_changes reported {:?} but apply succeeded\n{}", validation, cx);
                let impact = match sim {
                    Ok(i) => serde_json::to_value(i).unwrap(),
                    Err(e) => return Err(TestCaseError::fail(format!("simulate failed where apply succeeded: {e:?}\n{cx}"))),
                };
                let diff = brute_diff(&org, &after);
                check_impact(&impact, &diff, &cx)?;
                prop_assert_eq!(impact["records"]["before"].as_u64().unwrap() as usize, org.record_count());
                prop_assert_eq!(impact["records"]["after"].as_u64().unwrap() as usize, after.record_count());
                for e in impact["sideEffects"].as_array().unwrap() {
                    prop_assert!((e["change"].as_u64().unwrap() as usize) < changes.len());
                }
                // assertions whose outcome changes (those on deleted records are gone)
                let mut want = Vec::new();
                for a in after.to_snapshot().assertions {
                    let b = org.check(&a.user, a.right, &a.record).unwrap();
                    let x = after.check(&a.user, a.right, &a.record).unwrap();
                    if b != x {
                        want.push(serde_json::json!({"assertion": a, "before": b, "after": x, "pass": x == a.expect}));
                    }
                }
                prop_assert_eq!(&impact["assertions"], &Value::Array(want), "assertion changes differ\n{}", cx);
            }
        }
    }

    /// undo(apply(c)) restores to_json byte for byte; redo gives the applied state back;
    /// several applies then as many undos restore each earlier version.
    #[test]
    fn undo_redo_restore_versions(
        plan in random_org::plan(),
        sets in proptest::collection::vec(changeset_plan(), 1..=3),
    ) {
        let snap = random_org::build(&plan);
        let text = snap.to_string();
        let mut org = load(&text)?;
        let fresh_rights = all_rights(&org);
        let mut versions = vec![org.to_json()];
        let mut applied: Vec<Vec<Value>> = Vec::new();
        for cs in &sets {
            // later changesets see the current state's ids
            let current: Value = serde_json::from_str(&org.to_json()).unwrap();
            let mut ctx = Ctx::new(&current);
            let ops = materialize(&mut ctx, cs);
            let changes = parse(&ops)?;
            let before = org.to_json();
            let v = org.version();
            match org.apply(changes) {
                Ok(n) => {
                    prop_assert_eq!(n, v + 1);
                    versions.push(org.to_json());
                    applied.push(ops);
                }
                Err(_) => {
                    prop_assert_eq!(&org.to_json(), &before, "failed apply mutated the org\n{}", context(&before, &ops));
                    prop_assert_eq!(org.version(), v);
                }
            }
        }
        let cx = format!("snapshot:\n{text}\napplied changesets:\n{}", serde_json::to_string(&applied).unwrap());
        let n = applied.len();
        prop_assert_eq!(org.history().len(), n);
        for (i, h) in org.history().iter().enumerate() {
            prop_assert_eq!(h.version, i as u64 + 1);
        }
        // undo all, checking every earlier version
        for k in (0..n).rev() {
            prop_assert!(org.undo(), "undo returned false\n{}", cx);
            prop_assert_eq!(&org.to_json(), &versions[k], "undo to version {} differs\n{}", k, cx);
            prop_assert_eq!(org.version(), k as u64);
            prop_assert_eq!(org.history().len(), k);
        }
        prop_assert!(!org.undo());
        prop_assert_eq!(&org.to_json(), &versions[0]);
        // indexes restored too: decisions equal those of the freshly loaded org
        prop_assert_eq!(&all_rights(&org), &fresh_rights, "rights after undoing everything differ from the original\n{}", cx);
        // redo all
        for (k, version) in versions.iter().enumerate().skip(1) {
            prop_assert!(org.redo(), "redo returned false\n{}", cx);
            prop_assert_eq!(&org.to_json(), version, "redo to version {} differs\n{}", k, cx);
            prop_assert_eq!(org.version(), k as u64);
        }
        prop_assert!(!org.redo());
        // one more undo then redo of the last
        if n > 0 {
            prop_assert!(org.undo());
            prop_assert_eq!(&org.to_json(), &versions[n - 1]);
            prop_assert!(org.redo());
            prop_assert_eq!(&org.to_json(), &versions[n]);
            // a new apply after an undo clears the redo stack
            prop_assert!(org.undo());
            let empty: Vec<Change> = Vec::new();
            let v = org.apply(empty);
            prop_assert!(v.is_ok());
            prop_assert!(!org.redo(), "redo after a new apply must do nothing\n{}", cx);
            prop_assert_eq!(&org.to_json(), &versions[n - 1]);
        }
    }

    /// One bad operation anywhere makes the whole changeset fail and change nothing.
    #[test]
    fn bad_operation_changes_nothing(
        plan in random_org::plan(),
        cs in changeset_plan(),
        at in 0..6usize,
        seed in 0..64usize,
    ) {
        let snap = random_org::build(&plan);
        let text = snap.to_string();
        let mut org = load(&text)?;
        let json0 = org.to_json();
        let mut ctx = Ctx::new(&snap);
        let mut ops = materialize(&mut ctx, &cs);
        let pos = at % (ops.len() + 1);
        ops.insert(pos, surely_bad(&ctx, seed));
        let changes = parse(&ops)?;
        let cx = context(&text, &ops);
        let errs = org.apply(changes.clone());
        prop_assert!(errs.is_err(), "a changeset with a bad operation applied\n{}", cx);
        let errs = errs.unwrap_err();
        prop_assert!(
            errs.0.iter().any(|e| e.path.starts_with(&format!("/changes/{pos}/"))),
            "no error for the bad operation {}: {:?}\n{}", pos, errs, cx
        );
        prop_assert_eq!(&org.to_json(), &json0, "failed apply mutated the org\n{}", cx);
        prop_assert_eq!(org.version(), 0);
        prop_assert!(!org.undo());
        let v = org.validate_changes(&changes);
        prop_assert!(!v.is_empty());
        prop_assert!(org.simulate(&changes).is_err());
        prop_assert_eq!(&org.to_json(), &json0, "validate/simulate mutated the org\n{}", cx);
        // decisions unchanged as well (the rollback restored every index)
        let fresh = load(&json0)?;
        prop_assert_eq!(all_rights(&org), all_rights(&fresh), "rights changed after a failed apply\n{}", cx);
    }

    /// Record ids are preserved by changesets that neither create nor delete records;
    /// the applied state always reloads, canonically, and decides like a fresh load and
    /// like the reference evaluator.
    #[test]
    fn applied_state_is_valid_and_keeps_records(plan in random_org::plan(), cs in changeset_plan()) {
        let snap = random_org::build(&plan);
        let text = snap.to_string();
        let mut org = load(&text)?;
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = parse(&ops)?;
        let cx = context(&text, &ops);
        let before: BTreeSet<String> = ids(&org).1.into_iter().map(|x| x.0).collect();
        if org.apply(changes).is_err() {
            return Ok(());
        }
        let after_json = org.to_json();
        let after: BTreeSet<String> = ids(&org).1.into_iter().map(|x| x.0).collect();
        if !creates_or_deletes_records(&ops) {
            prop_assert_eq!(&before, &after, "record ids changed\n{}", cx);
            prop_assert_eq!(org.record_count(), before.len());
        }
        let reloaded = match Org::from_json(&after_json) {
            Ok(o) => o,
            Err(e) => return Err(TestCaseError::fail(format!(
                "the applied state does not reload: {e:?}\napplied state:\n{after_json}\n{cx}"))),
        };
        prop_assert_eq!(&reloaded.to_json(), &after_json, "the applied state is not canonical (reload differs)\n{}", cx);
        // the binary form of the applied state round-trips too
        match Org::from_bytes(&org.to_bytes()) {
            Ok(b) => prop_assert_eq!(&b.to_json(), &after_json, "to_bytes/from_bytes of the applied state differs\n{}", cx),
            Err(e) => return Err(TestCaseError::fail(format!("the applied state's bytes do not load: {e:?}\n{cx}"))),
        }
        let mine = all_rights(&org);
        prop_assert_eq!(&mine, &all_rights(&reloaded), "the mutated org decides unlike its reload\napplied state:\n{}\n{}", after_json, cx);
        // the flat copy of the table grants a decision reads is the compiled profiles' (both
        // ways: from the copy, and from the profiles when the copy is dropped)
        let mut st = org.state().clone();
        for pass in 0..2 {
            for u in 0..st.users.len() as u32 {
                for t in 0..st.tables.len() as u32 {
                    prop_assert_eq!(st.user_table(u, t), crm_policy::grants::UserTable::of(&st.grants[u as usize], t), "table grants of user {} on table {} (pass {})\n{}", u, t, pass, cx);
                }
            }
            st.table_grants.clear();
        }
        prop_assert!(org.state().table_grants.len() == org.state().users.len() * org.state().tables.len());
        let value: Value = serde_json::from_str(&after_json).unwrap();
        for ((u, r), bits) in &mine {
            let want = reference::rights(&value, u, r);
            let got: Vec<String> = crm_policy::RightSet(*bits).to_vec().iter().map(|x| x.as_str().to_string()).collect();
            prop_assert_eq!(got, want, "rights({}, {}) after apply differ from the reference\napplied state:\n{}\n{}", u, r, after_json, cx);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: (cases() / 8).max(8),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    /// The same comparison on bigger, realistic generated orgs (relationships, hierarchy,
    /// access teams, many records per unit), where per-table counts exceed the samples.
    #[test]
    fn simulate_matches_brute_force_on_generated_orgs(seed in 0..1000u64, cs in changeset_plan()) {
        let size = crm_policy::generate::GenerateSize {
            users: 30,
            business_units: 6,
            teams: 5,
            records: 240,
            shares: 30,
        };
        let snapshot = crm_policy::generate::generate(seed, &size);
        let mut org = Org::from_snapshot(&snapshot).unwrap();
        let text = org.to_json();
        let snap: Value = serde_json::from_str(&text).unwrap();
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = parse(&ops)?;
        let cx = format!("generate(seed {seed}, {size:?})\nchangeset:\n{}", Value::Array(ops.clone()));
        let sim = org.simulate(&changes);
        prop_assert_eq!(&org.to_json(), &text, "simulate mutated the org\n{}", cx);
        let mut after = org.clone();
        match (after.apply(changes), sim) {
            (Ok(_), Ok(impact)) => {
                let impact = serde_json::to_value(impact).unwrap();
                check_impact(&impact, &brute_diff(&org, &after), &cx)?;
            }
            (Err(a), Err(b)) => prop_assert_eq!(codes(&a), codes(&b)),
            (a, b) => return Err(TestCaseError::fail(format!("apply {a:?} but simulate {:?}\n{cx}", b.map(|_| ())))),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 150,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// An org loaded from bytes (its records, lists and id slots built in bulk by
    /// `bytes::load`) changes, decides and undoes exactly like the same org loaded from JSON.
    #[test]
    fn bytes_loaded_org_changes_like_a_json_loaded_one(plan in random_org::plan(), cs in changeset_plan()) {
        let snap = random_org::build(&plan);
        let text = snap.to_string();
        let mut org = load(&text)?;
        let mut bin = Org::from_bytes(&org.to_bytes()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = parse(&ops)?;
        let cx = context(&text, &ops);
        let a = org.apply(changes.clone()).map_err(|e| codes(&e));
        let b = bin.apply(changes).map_err(|e| codes(&e));
        prop_assert_eq!(&a, &b, "apply differs\n{}", cx);
        prop_assert_eq!(&org.to_json(), &bin.to_json(), "applied states differ\n{}", cx);
        prop_assert_eq!(all_rights(&org), all_rights(&bin), "decisions differ\n{}", cx);
        if a.is_ok() {
            prop_assert!(org.undo() && bin.undo());
            prop_assert_eq!(&org.to_json(), &bin.to_json(), "undone states differ\n{}", cx);
            prop_assert_eq!(all_rights(&org), all_rights(&bin), "decisions after undo differ\n{}", cx);
        }
    }
}
