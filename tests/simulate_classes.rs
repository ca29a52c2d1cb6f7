//! `simulate` counts users whose access depends only on their teams and grants once per
//! class (see `Classes` in src/impact.rs): random small orgs where every user has two
//! copies (same unit, roles, manager, disabled flag and teams; owning nothing, shared
//! nothing, managing no one), with random changesets; the per-user gained and lost counts
//! and samples must equal a brute-force diff of `rights` over all users × all records
//! (the checks of tests/common/impact_check.rs, as in the change property tests).

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

use changes_gen::{changeset_plan, materialize, Ctx};
use crm_policy::Org;
use impact_check::{brute_diff, check_impact};
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
        let cx = format!("snapshot:\n{text}\nchangeset:\n{}", Value::Array(ops));
        check_impact(&impact, &brute_diff(&org, &after), &cx)?;
    }
}
