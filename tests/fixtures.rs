//! The fixture corpus `tests/fixtures/*.json` run through BOTH the naive reference
//! evaluator (`tests/common/reference.rs`) and the engine, so the expectations
//! written by hand are double-checked, plus an exhaustive engine-vs-reference
//! comparison over every fixture org.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{entries, field, fixtures, owner_of, reference, strings};
use crm_policy::{Org, Principal, Right};
use serde_json::Value;

const KEYS: [&str; 7] = [
    "description",
    "snapshot",
    "checks",
    "rights",
    "whoCan",
    "canCreate",
    "canAppend",
];

fn right(name: &str) -> Right {
    Right::parse(name).unwrap_or_else(|| panic!("unknown right `{name}` in a fixture"))
}

fn names(rights: &[Right]) -> Vec<String> {
    rights.iter().map(|r| r.as_str().to_string()).collect()
}

fn load(file: &str, fixture: &Value) -> Org {
    let text = serde_json::to_string(&fixture["snapshot"]).unwrap();
    Org::from_json(&text)
        .unwrap_or_else(|e| panic!("{file}: the engine rejects the snapshot: {e:?}"))
}

fn principal((kind, id): (&str, &str)) -> Principal {
    if kind == "user" {
        Principal::User(id.to_string())
    } else {
        Principal::Team(id.to_string())
    }
}

/// What an evaluator answers to each kind of fixture question.
trait Evaluator {
    fn check(&self, user: &str, right: &str, record: &str) -> bool;
    fn rights(&self, user: &str, record: &str) -> Vec<String>;
    fn who_can(&self, right: &str, record: &str) -> Vec<String>;
    fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<(&str, &str)>,
        unit: Option<&str>,
    ) -> bool;
    fn can_append(&self, user: &str, child: &str, parent: &str) -> bool;
}

struct Reference<'a>(&'a Value);

impl Evaluator for Reference<'_> {
    fn check(&self, user: &str, right: &str, record: &str) -> bool {
        reference::check(self.0, user, right, record)
    }
    fn rights(&self, user: &str, record: &str) -> Vec<String> {
        reference::rights(self.0, user, record)
    }
    fn who_can(&self, right: &str, record: &str) -> Vec<String> {
        reference::who_can(self.0, right, record)
    }
    fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<(&str, &str)>,
        unit: Option<&str>,
    ) -> bool {
        reference::can_create(self.0, user, table, owner, unit)
    }
    fn can_append(&self, user: &str, child: &str, parent: &str) -> bool {
        reference::can_append(self.0, user, child, parent)
    }
}

struct Engine(Org);

impl Evaluator for Engine {
    fn check(&self, user: &str, r: &str, record: &str) -> bool {
        self.0.check(user, right(r), record).unwrap()
    }
    fn rights(&self, user: &str, record: &str) -> Vec<String> {
        names(&self.0.rights(user, record).unwrap().to_vec())
    }
    fn who_can(&self, r: &str, record: &str) -> Vec<String> {
        self.0.who_can(right(r), record).unwrap()
    }
    fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<(&str, &str)>,
        unit: Option<&str>,
    ) -> bool {
        let owner = owner.map(principal);
        self.0
            .can_create(user, table, owner.as_ref(), unit)
            .unwrap()
    }
    fn can_append(&self, user: &str, child: &str, parent: &str) -> bool {
        self.0.can_append(user, child, parent).unwrap()
    }
}

/// Every expectation of one fixture that `eval` gets wrong.
fn mismatches(file: &str, fixture: &Value, eval: &dyn Evaluator) -> Vec<String> {
    let mut out = Vec::new();
    for c in entries(fixture, "checks") {
        let got = eval.check(field(c, "user"), field(c, "right"), field(c, "record"));
        if Some(got) != c["expect"].as_bool() {
            out.push(format!("{file}: check {c} -> {got}"));
        }
    }
    for c in entries(fixture, "rights") {
        let got = eval.rights(field(c, "user"), field(c, "record"));
        if got != strings(&c["expect"]) {
            out.push(format!("{file}: rights {c} -> {got:?}"));
        }
    }
    for c in entries(fixture, "whoCan") {
        let got = eval.who_can(field(c, "right"), field(c, "record"));
        if got != strings(&c["expect"]) {
            out.push(format!("{file}: whoCan {c} -> {got:?}"));
        }
    }
    for c in entries(fixture, "canCreate") {
        let unit = c.get("businessUnit").and_then(Value::as_str);
        let got = eval.can_create(field(c, "user"), field(c, "table"), owner_of(c), unit);
        if Some(got) != c["expect"].as_bool() {
            out.push(format!("{file}: canCreate {c} -> {got}"));
        }
    }
    for c in entries(fixture, "canAppend") {
        let got = eval.can_append(field(c, "user"), field(c, "child"), field(c, "parent"));
        if Some(got) != c["expect"].as_bool() {
            out.push(format!("{file}: canAppend {c} -> {got}"));
        }
    }
    out
}

#[test]
fn corpus_is_well_formed_and_large_enough() {
    let all = fixtures();
    assert!(
        all.len() >= 8,
        "expected at least 8 fixture files, found {}",
        all.len()
    );
    let mut checks = 0;
    for (file, f) in &all {
        let obj = f
            .as_object()
            .unwrap_or_else(|| panic!("{file}: not an object"));
        for key in obj.keys() {
            assert!(KEYS.contains(&key.as_str()), "{file}: unknown key `{key}`");
        }
        assert!(
            !field(f, "description").is_empty(),
            "{file}: empty description"
        );
        assert!(
            f["snapshot"].is_object(),
            "{file}: snapshot must be an object"
        );
        for c in entries(f, "checks") {
            assert!(
                field(c, "rule").starts_with("SPEC §"),
                "{file}: rule must cite the SPEC: {c}"
            );
            assert!(
                c["expect"].is_boolean(),
                "{file}: expect must be a boolean: {c}"
            );
            right(field(c, "right"));
            checks += 1;
        }
    }
    assert!(
        checks >= 120,
        "the corpus has {checks} checks, expected at least 120"
    );
    // both outcomes are well represented
    let allowed = all
        .iter()
        .flat_map(|(_, f)| entries(f, "checks"))
        .filter(|c| c["expect"] == Value::Bool(true))
        .count();
    assert!(
        allowed * 4 >= checks && allowed * 4 <= checks * 3,
        "{allowed} of {checks} checks allow"
    );
}

#[test]
fn reference_agrees_with_every_fixture() {
    let mut bad = Vec::new();
    for (file, f) in fixtures() {
        bad.extend(mismatches(&file, &f, &Reference(&f["snapshot"])));
    }
    assert!(
        bad.is_empty(),
        "the reference evaluator disagrees with the fixtures:\n{}",
        bad.join("\n")
    );
}

#[test]
fn engine_agrees_with_every_fixture() {
    let mut bad = Vec::new();
    for (file, f) in fixtures() {
        let org = load(&file, &f);
        bad.extend(mismatches(&file, &f, &Engine(org)));
    }
    assert!(
        bad.is_empty(),
        "the engine disagrees with the fixtures:\n{}",
        bad.join("\n")
    );
}

/// Every user x record x right of every fixture org, every reverse query.
#[test]
fn engine_agrees_with_reference_exhaustively_on_fixture_orgs() {
    let mut bad = Vec::new();
    for (file, f) in fixtures() {
        let snap = &f["snapshot"];
        let org = load(&file, &f);
        let users: Vec<&str> = entries(snap, "users")
            .iter()
            .map(|u| field(u, "id"))
            .collect();
        let records: Vec<&str> = entries(snap, "records")
            .iter()
            .map(|r| field(r, "id"))
            .collect();
        let tables: Vec<&str> = entries(snap, "tables")
            .iter()
            .map(|t| field(t, "name"))
            .collect();
        for u in &users {
            for r in &records {
                let want = reference::rights(snap, u, r);
                let got = names(&org.rights(u, r).unwrap().to_vec());
                if got != want {
                    bad.push(format!(
                        "{file}: rights({u}, {r}) engine {got:?} reference {want:?}"
                    ));
                }
                for right in Right::ALL {
                    let one = org.check(u, right, r).unwrap();
                    if one != want.iter().any(|x| x == right.as_str()) {
                        bad.push(format!(
                            "{file}: check({u}, {right}, {r}) = {one} but rights() = {got:?}"
                        ));
                    }
                    let explained =
                        serde_json::to_value(org.explain(u, right, r).unwrap()).unwrap();
                    if explained["allowed"].as_bool() != Some(one) {
                        bad.push(format!(
                            "{file}: explain({u}, {right}, {r}) = {explained} but check = {one}"
                        ));
                    }
                }
            }
            for right in Right::ALL {
                let want = reference::accessible_records(snap, u, right.as_str(), None);
                let page =
                    serde_json::to_value(org.accessible_records(u, right, None, 0, None).unwrap())
                        .unwrap();
                if page["records"] != serde_json::json!(want)
                    || page["total"] != serde_json::json!(want.len())
                {
                    bad.push(format!(
                        "{file}: accessibleRecords({u}, {right}) engine {page} reference {want:?}"
                    ));
                }
                for t in &tables {
                    let want = reference::accessible_records(snap, u, right.as_str(), Some(t));
                    let page = serde_json::to_value(
                        org.accessible_records(u, right, Some(t), 0, None).unwrap(),
                    )
                    .unwrap();
                    if page["records"] != serde_json::json!(want) {
                        bad.push(format!("{file}: accessibleRecords({u}, {right}, {t}) engine {page} reference {want:?}"));
                    }
                }
                // paging: total before paging, a window of the full list
                if want.len() >= 2 {
                    let page = serde_json::to_value(
                        org.accessible_records(u, right, None, 1, Some(1)).unwrap(),
                    )
                    .unwrap();
                    if page["records"] != serde_json::json!([want[1].clone()])
                        || page["total"] != serde_json::json!(want.len())
                    {
                        bad.push(format!("{file}: accessibleRecords({u}, {right}, offset 1, limit 1) = {page}, full {want:?}"));
                    }
                }
            }
        }
        for r in &records {
            for right in Right::ALL {
                let want = reference::who_can(snap, right.as_str(), r);
                let got = org.who_can(right, r).unwrap();
                if got != want {
                    bad.push(format!(
                        "{file}: whoCan({right}, {r}) engine {got:?} reference {want:?}"
                    ));
                }
            }
        }
        // canCreate with default owner for every user and table; checkMany in bulk
        for u in &users {
            for t in &tables {
                let want = reference::can_create(snap, u, t, None, None);
                let got = org.can_create(u, t, None, None).unwrap();
                if got != want {
                    bad.push(format!(
                        "{file}: canCreate({u}, {t}) engine {got} reference {want}"
                    ));
                }
            }
        }
        let requests: Vec<(&str, Right, &str)> = users
            .iter()
            .flat_map(|u| {
                records
                    .iter()
                    .flat_map(move |r| Right::ALL.into_iter().map(move |x| (*u, x, *r)))
            })
            .collect();
        let many = org.check_many(&requests).unwrap();
        for ((u, x, r), got) in requests.iter().zip(many) {
            if got != reference::check(snap, u, x.as_str(), r) {
                bad.push(format!("{file}: checkMany[{u}, {x}, {r}] = {got}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn check_many_reports_the_first_unknown_id_in_request_order() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures_dir().join("01_ownership.json")).unwrap(),
    )
    .unwrap();
    let org = load("01_ownership.json", &fixture);
    let snap = org.to_snapshot();
    let user = snap.users[0].id.as_str();
    let record = snap.records[0].id.as_str();
    // 100 requests: three blocks of 32 and a partial one
    let good: Vec<(&str, Right, &str)> = (0..100).map(|_| (user, Right::Read, record)).collect();
    let want = org.check(user, Right::Read, record).unwrap();
    assert_eq!(org.check_many(&good).unwrap(), vec![want; 100]);
    let err = |reqs: &[(&str, Right, &str)]| {
        let e = org.check_many(reqs).unwrap_err();
        (e.code, e.path)
    };
    let mut reqs = good.clone();
    reqs[70] = (user, Right::Read, "nope");
    reqs[90] = ("nobody", Right::Read, record);
    assert_eq!(err(&reqs), ("unknown-record".into(), "/70/2".into()));
    reqs[40] = ("nobody", Right::Read, record);
    assert_eq!(err(&reqs), ("unknown-user".into(), "/40/0".into()));
    // both unknown in one request: the user is named first
    reqs[10] = ("nobody", Right::Read, "nope");
    assert_eq!(err(&reqs), ("unknown-user".into(), "/10/0".into()));
}
