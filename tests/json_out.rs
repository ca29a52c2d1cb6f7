//! `crm_policy::json` (the JSON text the wasm binding returns) writes exactly what
//! serde_json writes for the derived `Serialize` of every output: random orgs and
//! changesets (the snapshot, history, every query, explanation and simulation), the
//! fixture orgs, and values built by hand for every enum variant, optional field and
//! string escape.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/changes_gen.rs"]
mod changes_gen;
mod common;

use changes_gen::{changeset_plan, materialize, Ctx};
use common::random_org;
use crm_policy::change::SideEffect;
use crm_policy::explain::{Denial, Explanation, GrantInfo, Reason};
use crm_policy::impact::{AccessChange, AssertionChange, Impact, RecordCounts, RightChange};
use crm_policy::json::{text, Json};
use crm_policy::model::Assertion;
use crm_policy::query::{AssertionResult, Finding, RecordPage};
use crm_policy::{Level, Org, Principal, Right};
use proptest::prelude::*;
use serde::Serialize;
use serde_json::Value;

#[track_caller]
fn same<T: Json + Serialize + ?Sized>(v: &T) {
    assert_eq!(text(v), serde_json::to_string(v).unwrap());
}

/// Every output of `org` (all users, rights and records).
fn all_outputs(org: &Org) {
    let snap = org.to_snapshot();
    let users: Vec<&str> = snap.users.iter().map(|u| u.id.as_str()).collect();
    let records: Vec<&str> = snap.records.iter().map(|r| r.id.as_str()).collect();
    let tables: Vec<&str> = snap.tables.iter().map(|t| t.name.as_str()).collect();
    same(&snap);
    same(&org.history());
    same(&org.check_assertions());
    same(&org.risk_report());
    for u in &users {
        same(&org.effective_privileges(u).unwrap());
        for right in Right::ALL {
            same(&org.accessible_records(u, right, None, 0, None).unwrap());
            same(&org.accessible_records(u, right, None, 1, Some(2)).unwrap());
            for t in &tables {
                same(&org.accessible_records(u, right, Some(t), 0, None).unwrap());
            }
            for r in &records {
                same(&org.explain(u, right, r).unwrap());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 60,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn outputs_match_serde_json(plan in random_org::plan(), cs in changeset_plan()) {
        let snap = random_org::build(&plan);
        let mut org = Org::from_json(&snap.to_string()).unwrap();
        all_outputs(&org);
        let mut ctx = Ctx::new(&snap);
        let ops = materialize(&mut ctx, &cs);
        let changes = Org::parse_changes(&Value::Array(ops).to_string()).unwrap();
        if let Ok(impact) = org.simulate(&changes) {
            same(&impact);
        }
        if org.apply(changes).is_ok() {
            all_outputs(&org);
        }
    }
}

/// `write_json` hands out `to_json`'s text in pieces of a few MB, each cut between two
/// items of a list, and nothing else.
#[test]
fn json_in_pieces_is_the_whole_text() {
    let size = crm_policy::generate::GenerateSize::scaled(400);
    let org = Org::from_snapshot(&crm_policy::generate::generate(7, &size)).unwrap();
    let whole = org.to_json();
    let mut pieces: Vec<String> = Vec::new();
    org.write_json(&mut |p| pieces.push(p.to_string()));
    assert!(
        pieces.len() > 1,
        "{} bytes in {} piece(s)",
        whole.len(),
        pieces.len()
    );
    for p in &pieces[..pieces.len() - 1] {
        assert!(
            p.len() >= 4 << 20 && (p.ends_with('}') || p.ends_with('"')),
            "{}",
            p.len()
        );
    }
    assert_eq!(pieces.concat(), whole);
}

#[test]
fn fixture_outputs_match_serde_json() {
    for (file, fixture) in common::fixtures() {
        let text = serde_json::to_string(&fixture["snapshot"]).unwrap();
        let org = Org::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        all_outputs(&org);
    }
}

fn grant(team: Option<&str>, anchor: Option<&str>) -> GrantInfo {
    GrantInfo {
        role: "r\"1".into(),
        role_name: "Sales \\ Rep \u{1}\u{1f}\u{7f} é 😀".into(),
        via: "team".into(),
        team: team.map(Into::into),
        level: Level::Deep,
        anchor: anchor.map(Into::into),
    }
}

#[test]
fn every_variant_and_escape_matches_serde_json() {
    let all_controls: String = (0u8..0x20).map(char::from).collect();
    same(&all_controls);
    same("\"\\/\u{7f}\u{80}\u{2028}\u{fffd}x");
    same(&String::new());
    let reasons = vec![
        Reason::Owner {
            grant: grant(None, None),
        },
        Reason::TeamOwner {
            team: "t\n1".into(),
            grant: grant(Some("t1"), Some("bu")),
        },
        Reason::Role {
            grant: grant(None, Some("bu")),
        },
        Reason::Share {
            principal: Principal::User("u\t1".into()),
            grant: grant(Some("t"), None),
        },
        Reason::AccessTeam {
            template: "tpl".into(),
            grant: grant(None, None),
        },
        Reason::InheritedShare {
            from_record: "r0".into(),
            principal: Some(Principal::Team("t2".into())),
            template: None,
            grant: grant(None, None),
        },
        Reason::InheritedShare {
            from_record: "r0".into(),
            principal: None,
            template: Some("tpl".into()),
            grant: grant(None, None),
        },
        Reason::Hierarchy {
            report: "u2".into(),
            distance: 4_000_000_000,
            grant: grant(None, None),
        },
    ];
    let denials = [
        Denial::DisabledUser,
        Denial::DisabledBusinessUnit {
            business_unit: "bu".into(),
        },
        Denial::NoPrivilege {
            table: "account".into(),
            right: Right::AppendTo,
        },
        Denial::LevelTooLow {
            best: Level::None,
            needed: Level::Global,
        },
        Denial::ShareWithoutPrivilege {
            principal: Principal::Team("t".into()),
        },
    ];
    same(&Explanation {
        allowed: true,
        reasons: reasons.clone(),
        denial: None,
    });
    for d in denials {
        same(&Explanation {
            allowed: false,
            reasons: Vec::new(),
            denial: Some(d),
        });
    }
    same(&RecordPage {
        total: usize::MAX,
        records: vec!["a".into(), "b\u{0}".into()],
    });
    let assertion = |note: Option<&str>| Assertion {
        user: "u".into(),
        right: Right::Share,
        record: "r".into(),
        expect: false,
        note: note.map(Into::into),
    };
    same(&vec![
        AssertionResult {
            assertion: assertion(None),
            actual: true,
            pass: false,
        },
        AssertionResult {
            assertion: assertion(Some("why \"not\"")),
            actual: false,
            pass: true,
        },
    ]);
    let mut full = Finding::new("k", "high", "m\r\n".into());
    full.user = Some("u".into());
    full.record = Some("r".into());
    full.business_unit = Some("bu".into());
    full.table = Some("t".into());
    full.rights = vec![Right::Create, Right::Assign];
    full.count = Some(0);
    full.sample = vec!["s1".into(), "s2".into()];
    let findings = vec![Finding::new("k", "low", String::new()), full];
    same(&findings);
    let effect = |all: bool| SideEffect {
        change: 3,
        kind: "roleRemoved".into(),
        message: "m".into(),
        user: all.then(|| "u".into()),
        team: all.then(|| "t".into()),
        record: all.then(|| "r".into()),
        role: all.then(|| "ro".into()),
        count: all.then_some(7),
    };
    let change = |n: usize| RightChange {
        table: "account".into(),
        right: Right::Read,
        count: n,
        sample: (0..n).map(|i| format!("r{i}")).collect(),
    };
    same(&Impact {
        access_changes: vec![
            AccessChange {
                user: "u1".into(),
                gained: vec![change(0), change(3)],
                lost: Vec::new(),
            },
            AccessChange {
                user: "u2".into(),
                gained: Vec::new(),
                lost: vec![change(1)],
            },
        ],
        side_effects: vec![effect(false), effect(true)],
        warnings: findings,
        assertions: vec![AssertionChange {
            assertion: assertion(Some("n")),
            before: true,
            after: false,
            pass: false,
        }],
        records: RecordCounts {
            before: 10,
            after: 9,
        },
    });
    same(&Impact {
        access_changes: Vec::new(),
        side_effects: Vec::new(),
        warnings: Vec::new(),
        assertions: Vec::new(),
        records: RecordCounts {
            before: 0,
            after: 0,
        },
    });
}

#[test]
fn every_operation_matches_serde_json() {
    let p = r#"{"user":"u\"1"}"#;
    let t = r#"{"team":"t1"}"#;
    let ops = format!(
        r#"[
        {{"op":"createBusinessUnit","id":"b","name":"B\n","parent":"root"}},
        {{"op":"renameBusinessUnit","businessUnit":"b","name":"x"}},
        {{"op":"reparentBusinessUnit","businessUnit":"b","parent":"p"}},
        {{"op":"disableBusinessUnit","businessUnit":"b"}},
        {{"op":"enableBusinessUnit","businessUnit":"b"}},
        {{"op":"deleteBusinessUnit","businessUnit":"b"}},
        {{"op":"mergeBusinessUnits","from":"a","into":"b"}},
        {{"op":"createUser","id":"u","name":"U","businessUnit":"b"}},
        {{"op":"createUser","id":"u","name":"U","businessUnit":"b","manager":"m","disabled":true,
          "category":"c","roles":[{{"role":"r"}},{{"role":"r","businessUnit":"b"}}]}},
        {{"op":"moveUser","user":"u","businessUnit":"b"}},
        {{"op":"moveUser","user":"u","businessUnit":"b","moveRecords":false,"reassignRecordsTo":{t}}},
        {{"op":"moveUsers","users":[],"businessUnit":"b"}},
        {{"op":"moveUsers","users":["a","b"],"businessUnit":"b","moveRecords":true,"reassignRecordsTo":{p}}},
        {{"op":"setManager","user":"u","manager":null}},
        {{"op":"setManager","user":"u","manager":"m"}},
        {{"op":"disableUser","user":"u"}},
        {{"op":"disableUser","user":"u","reassignRecordsTo":{p}}},
        {{"op":"enableUser","user":"u"}},
        {{"op":"assignRole","principal":{p},"role":"r"}},
        {{"op":"assignRole","principal":{t},"role":"r","businessUnit":"b"}},
        {{"op":"removeRole","principal":{t},"role":"r"}},
        {{"op":"removeRole","principal":{p},"role":"r","businessUnit":"b"}},
        {{"op":"createTeam","id":"t","name":"T","kind":"owner","businessUnit":"b"}},
        {{"op":"createTeam","id":"t","name":"T","kind":"access","businessUnit":"b","members":["u"],
          "roles":[{{"role":"r"}}],"inheritance":"team"}},
        {{"op":"deleteTeam","team":"t"}},
        {{"op":"addTeamMembers","team":"t","users":["u","v"]}},
        {{"op":"removeTeamMembers","team":"t","users":[]}},
        {{"op":"moveTeam","team":"t","businessUnit":"b"}},
        {{"op":"assignRecord","record":"r","owner":{p}}},
        {{"op":"reassignRecords","from":{p},"to":{t}}},
        {{"op":"reassignRecords","from":{p},"to":{t},"table":"account"}},
        {{"op":"setRecordBusinessUnit","record":"r","businessUnit":"b"}},
        {{"op":"createRecord","id":"r","table":"account"}},
        {{"op":"createRecord","id":"r","name":"N","table":"account","owner":{t},"businessUnit":"b",
          "parent":"q","active":false}},
        {{"op":"deleteRecord","record":"r"}},
        {{"op":"share","record":"r","principal":{p},"rights":["read","appendTo"]}},
        {{"op":"modifyShare","record":"r","principal":{t},"rights":[]}},
        {{"op":"unshare","record":"r","principal":{p}}},
        {{"op":"addAccessTeamMember","record":"r","template":"x","user":"u"}},
        {{"op":"removeAccessTeamMember","record":"r","template":"x","user":"u"}},
        {{"op":"setSetting","name":"shareToPreviousOwnerOnAssign","value":true}}
    ]"#
    );
    let changes = Org::parse_changes(&ops).unwrap();
    assert_eq!(changes.len(), 41);
    same(&changes);
}
