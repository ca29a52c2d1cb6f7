//! Every invalid-snapshot case of `tests/fixtures/errors/*.json` must be rejected by
//! `Org::from_json` with (at least) the expected error codes at the expected paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{entries, error_fixtures, field};
use crm_policy::Org;
use serde_json::Value;
use std::collections::BTreeSet;

/// Every code the engine may report for an invalid snapshot (shared context).
const CODES: [&str; 31] = [
    "invalid-json",
    "bad-type",
    "unknown-field",
    "missing-field",
    "duplicate-field",
    "bad-access-level",
    "bad-right",
    "unsupported-version",
    "duplicate-id",
    "unknown-business-unit",
    "unknown-user",
    "unknown-team",
    "unknown-role",
    "unknown-table",
    "unknown-record",
    "unknown-template",
    "no-root",
    "multiple-roots",
    "cycle",
    "organization-owned",
    "missing-owner",
    "access-team-owner",
    "access-team-roles",
    "business-unit-mismatch",
    "role-anchor-not-allowed",
    "manager-out-of-scope",
    "no-relationship",
    "multiple-parent-relationships",
    "reserved-id",
    "bad-value",
    "limit-exceeded",
];

fn text_of(snapshot: &Value) -> String {
    match snapshot {
        Value::String(raw) => raw.clone(),
        other => serde_json::to_string(other).unwrap(),
    }
}

fn cases() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (file, f) in error_fixtures() {
        for (i, c) in entries(&f, "cases").iter().enumerate() {
            out.push((
                format!("{file} #{i} ({})", field(c, "description")),
                c.clone(),
            ));
        }
    }
    out
}

#[test]
fn every_invalid_snapshot_reports_the_expected_errors() {
    let mut bad = Vec::new();
    for (name, c) in cases() {
        let text = text_of(&c["snapshot"]);
        let reported = match Org::from_json(&text) {
            Ok(_) => {
                bad.push(format!("{name}: accepted"));
                continue;
            }
            Err(errors) => errors.0,
        };
        for e in &reported {
            if !e.path.is_empty() && !e.path.starts_with('/') {
                bad.push(format!("{name}: path `{}` is not a JSON pointer", e.path));
            }
            if e.message.is_empty() {
                bad.push(format!("{name}: empty message for {}", e.code));
            }
        }
        for want in entries(&c, "errors") {
            let (code, path) = (field(want, "code"), field(want, "path"));
            if !reported.iter().any(|e| e.code == code && e.path == path) {
                let got: Vec<String> = reported
                    .iter()
                    .map(|e| format!("{} at `{}`", e.code, e.path))
                    .collect();
                bad.push(format!("{name}: expected {code} at `{path}`, got {got:?}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_validation_code_has_a_case() {
    let mut covered = BTreeSet::new();
    for (name, c) in cases() {
        let expected = entries(&c, "errors");
        assert!(!expected.is_empty(), "{name}: no expected error");
        for e in expected {
            let code = field(e, "code");
            assert!(CODES.contains(&code), "{name}: unknown code {code}");
            covered.insert(code.to_string());
        }
    }
    let missing: Vec<&str> = CODES
        .iter()
        .copied()
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "no error fixture for {missing:?}");
}

#[test]
fn several_problems_are_reported_at_once() {
    let mut best = 0;
    for (name, c) in cases() {
        let expected = entries(&c, "errors").len();
        if expected < 2 {
            continue;
        }
        let errors = Org::from_json(&text_of(&c["snapshot"]))
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert!(
            errors.0.len() >= expected,
            "{name}: {} errors reported, {expected} expected",
            errors.0.len()
        );
        best = best.max(errors.0.len());
    }
    assert!(best >= 3, "no case reports three problems at once");
}

#[test]
fn the_fixture_base_snapshots_are_valid() {
    // every decision fixture loads; guards against an error case being valid by accident
    for (file, f) in common::fixtures() {
        let text = serde_json::to_string(&f["snapshot"]).unwrap();
        if let Err(e) = Org::from_json(&text) {
            panic!("{file}: {e:?}");
        }
    }
}
