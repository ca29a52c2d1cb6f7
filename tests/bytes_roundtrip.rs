//! The binary snapshot against the JSON one: `to_bytes` → `from_bytes` gives the org
//! `from_json` gives (canonical JSON compared byte for byte) on the fixtures and on random
//! generated orgs, and an invalid snapshot encoded with `bytes::encode` fails with the
//! errors of its JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::random_org;
use crm_policy::{bytes, validate, Org};
use proptest::prelude::*;

/// Load `text` as JSON and through its bytes: the same canonical JSON, or the same errors.
fn same(text: &str) -> Result<(), TestCaseError> {
    let json = Org::from_json(text);
    let snapshot = validate::parse_snapshot(text);
    let via = snapshot
        .as_ref()
        .map_err(|e| e.clone().into())
        .and_then(|s| Org::from_bytes(&bytes::encode(s)));
    match (json, via) {
        (Ok(a), Ok(b)) => {
            let canon = a.to_json();
            prop_assert_eq!(&b.to_json(), &canon);
            let again = Org::from_bytes(&a.to_bytes()).unwrap();
            prop_assert_eq!(&again.to_json(), &canon);
            prop_assert_eq!(again.to_bytes(), a.to_bytes());
            // the exports write from the state (records borrowed, `export::export`): the
            // same text and bytes as the owned snapshot gives
            let owned = a.to_snapshot();
            prop_assert_eq!(&serde_json::to_string(&owned).unwrap(), &canon);
            prop_assert_eq!(bytes::encode(&owned), a.to_bytes());
        }
        (Err(a), Err(b)) => {
            let set = |e: &crm_policy::Errors| {
                let mut v: Vec<(String, String)> =
                    e.0.iter()
                        .map(|e| (e.code.clone(), e.path.clone()))
                        .collect();
                v.sort();
                v
            };
            // the binary loader reports record errors once the rest is valid: a subset
            let all = set(&a);
            prop_assert!(
                set(&b).iter().all(|e| all.contains(e)),
                "{:?} vs {:?}",
                b,
                a
            );
        }
        (a, b) => prop_assert!(false, "JSON {:?} but bytes {:?}", a.err(), b.err()),
    }
    Ok(())
}

#[test]
fn fixtures_round_trip() {
    for (file, f) in common::fixtures() {
        let text = serde_json::to_string(&f["snapshot"]).unwrap();
        same(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn error_fixtures_fail_alike() {
    let mut n = 0;
    for (file, f) in common::error_fixtures() {
        for (i, case) in f["cases"].as_array().unwrap().iter().enumerate() {
            let text = serde_json::to_string(&case["snapshot"]).unwrap();
            same(&text).unwrap_or_else(|e| panic!("{file} case {i}: {e}"));
            n += 1;
        }
    }
    assert!(n > 20, "{n} cases");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_orgs_round_trip(plan in random_org::plan()) {
        let snap = random_org::build(&plan);
        same(&snap.to_string())?;
    }
}
