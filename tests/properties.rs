//! Property tests: on random valid small orgs, the engine's `check`, `rights`,
//! `checkMany`, `whoCan`, `accessibleRecords` and `canCreate` agree with the naive
//! reference evaluator of `tests/common/reference.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{random_org, reference};
use crm_policy::{Org, Principal, Right};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn load(text: &str) -> Result<Org, TestCaseError> {
    Org::from_json(text)
        .map_err(|e| TestCaseError::fail(format!("the generated org is invalid: {e:?}\n{text}")))
}

fn names(rights: &[Right]) -> Vec<String> {
    rights.iter().map(|r| r.as_str().to_string()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    /// Exhaustive `rights()` over every (user, record) pair, plus random checks, reverse
    /// queries and canCreate, engine against the reference.
    #[test]
    fn engine_matches_reference(
        plan in random_org::plan(),
        checks in vec((0..64usize, 0..8usize, 0..64usize), 6),
        reverse in vec((0..64usize, 0..8usize, 0..5usize), 4),
    ) {
        let snap = random_org::build(&plan);
        let text = snap.to_string();
        let org = load(&text)?;
        let (users, records, tables) = random_org::ids(&snap);
        let units: Vec<String> = snap["businessUnits"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_string()).collect();
        let owner_teams: Vec<String> = snap["teams"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "owner")
            .map(|t| t["id"].as_str().unwrap().to_string())
            .chain(units.iter().map(|b| format!("default:{b}")))
            .collect();

        for u in &users {
            for r in &records {
                let want = reference::rights(&snap, u, r);
                let got = names(&org.rights(u, r).unwrap().to_vec());
                prop_assert_eq!(got, want, "rights({}, {}) in\n{}", u, r, text);
            }
        }

        let requests: Vec<(&str, Right, &str)> = checks
            .iter()
            .map(|(u, x, r)| (users[u % users.len()].as_str(), Right::ALL[*x], records[r % records.len()].as_str()))
            .collect();
        let many = org.check_many(&requests).unwrap();
        for ((u, x, r), bulk) in requests.iter().zip(many) {
            let want = reference::check(&snap, u, x.as_str(), r);
            prop_assert_eq!(org.check(u, *x, r).unwrap(), want, "check({}, {}, {}) in\n{}", u, x, r, text);
            prop_assert_eq!(bulk, want, "checkMany[{}, {}, {}] in\n{}", u, x, r, text);
        }

        for (k, x, t) in &reverse {
            let right = Right::ALL[*x];
            let r = &records[k % records.len()];
            let want = reference::who_can(&snap, right.as_str(), r);
            prop_assert_eq!(org.who_can(right, r).unwrap(), want, "whoCan({}, {}) in\n{}", right, r, text);

            let u = &users[k % users.len()];
            let table = tables.get(*t).map(String::as_str); // index 4 = every table
            let want = reference::accessible_records(&snap, u, right.as_str(), table);
            let page = serde_json::to_value(org.accessible_records(u, right, table, 0, None).unwrap()).unwrap();
            prop_assert_eq!(
                &page["records"], &serde_json::json!(want),
                "accessibleRecords({}, {}, {:?}) in\n{}", u, right, table, text
            );
            prop_assert_eq!(&page["total"], &serde_json::json!(want.len()));

            if let Some(table) = table {
                let want = reference::can_create(&snap, u, table, None, None);
                prop_assert_eq!(
                    org.can_create(u, table, None, None).unwrap(), want,
                    "canCreate({}, {}) in\n{}", u, table, text
                );
                // an explicit owner (another user or an owner team) and an explicit unit
                let owners: Vec<(&str, &str)> = users
                    .iter()
                    .map(|u| ("user", u.as_str()))
                    .chain(owner_teams.iter().map(|t| ("team", t.as_str())))
                    .collect();
                let owner = owners[(k / 3 + *x) % owners.len()];
                let unit = (k % 2 == 0).then(|| units[(k / 2) % units.len()].as_str());
                let principal = if owner.0 == "user" {
                    Principal::User(owner.1.to_string())
                } else {
                    Principal::Team(owner.1.to_string())
                };
                let want = reference::can_create(&snap, u, table, Some(owner), unit);
                prop_assert_eq!(
                    org.can_create(u, table, Some(&principal), unit).unwrap(), want,
                    "canCreate({}, {}, {:?}, {:?}) in\n{}", u, table, owner, unit, text
                );
            }
        }
    }
}
