//! Organisation changes (SPEC §6), operation by operation: the Dataverse behaviour of
//! each operation, each of its errors (code and JSON pointer under `/changes/i`), the
//! side effects and access changes `simulate` reports (computed by hand on small orgs),
//! `apply` all-or-nothing, `undo` / `redo` / `history`, and `Org::parse_changes`.
//!
//! Every successful change goes through [`run`], which also checks that `simulate` and
//! `validate_changes` change nothing, that the applied state reloads and that undo
//! restores the previous snapshot byte for byte; every failing one goes through [`fail`],
//! which checks that `apply`, `validate_changes` and `simulate` agree and nothing changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crm_policy::{Change, Org, PolicyError, Right};
use serde_json::{json, Value};

// ------------------------------------------------------------------------- helpers

/// The sample org most tests start from.
///
/// Units: root > sales > east, root > support. Relationship account -> contact
/// (assign/share/unshare/reparent all, delete removeLink).
/// Users: boss (root), ana (sales, reports to boss), bob (sales, reports to ana),
/// cy (east, reports to ana), dee (support, reports to boss) — all with `sp` (every
/// right at basic on account and contact, read basic on currency) — and nobody
/// (support, no role). Teams: deal (owner, sales, ana + bob, role viewer), fans
/// (access, root, dee). Records: a1, a2 (ana), c1 (ana, child of a1), c2 (ana,
/// inactive, child of a1), c3 (bob, child of a1), b1 (bob), cy1 (cy), d1 (dee),
/// t1 (team deal), eur (currency, organization-owned).
fn base() -> Value {
    let all_basic = json!({"create": "basic", "read": "basic", "write": "basic", "delete": "basic",
        "append": "basic", "appendTo": "basic", "assign": "basic", "share": "basic"});
    json!({
        "version": 1,
        "businessUnits": [
            {"id": "root", "name": "Contoso", "parent": null},
            {"id": "sales", "name": "Sales", "parent": "root"},
            {"id": "east", "name": "East", "parent": "sales"},
            {"id": "support", "name": "Support", "parent": "root"}
        ],
        "tables": [
            {"name": "account", "ownership": "user"},
            {"name": "contact", "ownership": "user"},
            {"name": "currency", "ownership": "organization"}
        ],
        "relationships": [{"parent": "account", "child": "contact",
            "cascade": {"assign": "all", "share": "all", "unshare": "all", "reparent": "all", "delete": "removeLink"}}],
        "roles": [
            {"id": "sp", "name": "Salesperson", "privileges": {
                "account": all_basic, "contact": all_basic, "currency": {"read": "basic"}}},
            {"id": "viewer", "name": "Viewer", "privileges": {
                "account": {"read": "basic"}, "contact": {"read": "basic"}}},
            {"id": "reader", "name": "Local reader", "privileges": {
                "account": {"read": "local"}, "contact": {"read": "local"}}},
            {"id": "deep", "name": "Deep reader", "privileges": {
                "account": {"read": "deep"}, "contact": {"read": "deep"}}}
        ],
        "users": [
            {"id": "boss", "name": "Boss", "businessUnit": "root", "roles": [{"role": "sp"}]},
            {"id": "ana", "name": "Ana", "businessUnit": "sales", "manager": "boss", "roles": [{"role": "sp"}]},
            {"id": "bob", "name": "Bob", "businessUnit": "sales", "manager": "ana", "roles": [{"role": "sp"}]},
            {"id": "cy", "name": "Cy", "businessUnit": "east", "manager": "ana", "roles": [{"role": "sp"}]},
            {"id": "dee", "name": "Dee", "businessUnit": "support", "manager": "boss", "roles": [{"role": "sp"}]},
            {"id": "nobody", "name": "Nobody", "businessUnit": "support"}
        ],
        "teams": [
            {"id": "deal", "name": "Deal team", "kind": "owner", "businessUnit": "sales",
             "members": ["ana", "bob"], "roles": [{"role": "viewer"}]},
            {"id": "fans", "name": "Fans", "kind": "access", "businessUnit": "root", "members": ["dee"]}
        ],
        "accessTeamTemplates": [{"id": "acct-team", "table": "account", "rights": ["read", "write"]}],
        "records": [
            {"id": "a1", "table": "account", "owner": {"user": "ana"}},
            {"id": "a2", "table": "account", "owner": {"user": "ana"}},
            {"id": "c1", "table": "contact", "owner": {"user": "ana"}, "parent": "a1"},
            {"id": "c2", "table": "contact", "owner": {"user": "ana"}, "parent": "a1", "active": false},
            {"id": "c3", "table": "contact", "owner": {"user": "bob"}, "parent": "a1"},
            {"id": "b1", "table": "account", "owner": {"user": "bob"}},
            {"id": "cy1", "table": "account", "owner": {"user": "cy"}},
            {"id": "d1", "table": "account", "owner": {"user": "dee"}},
            {"id": "t1", "table": "account", "owner": {"team": "deal"}},
            {"id": "eur", "table": "currency"}
        ]
    })
}

/// A tiny org for hand-computed impacts: units A and B under root; role `sp` = read and
/// write basic on account; x (A), y (B), z (A) hold sp; ax1, ax2 (x), by1 (y), az (z).
fn tiny() -> Value {
    json!({
        "version": 1,
        "businessUnits": [
            {"id": "root", "name": "Root", "parent": null},
            {"id": "A", "name": "A", "parent": "root"},
            {"id": "B", "name": "B", "parent": "root"}
        ],
        "tables": [{"name": "account", "ownership": "user"}, {"name": "currency", "ownership": "organization"}],
        "roles": [
            {"id": "sp", "name": "SP", "privileges": {"account": {"read": "basic", "write": "basic"}}},
            {"id": "loc", "name": "Local", "privileges": {"account": {"read": "local"}}},
            {"id": "glob", "name": "Global", "privileges": {"account": {"read": "global"}}},
            {"id": "cur", "name": "Currency", "privileges": {"currency": {"read": "basic"}}}
        ],
        "users": [
            {"id": "x", "name": "X", "businessUnit": "A", "roles": [{"role": "sp"}]},
            {"id": "y", "name": "Y", "businessUnit": "B", "roles": [{"role": "sp"}]},
            {"id": "z", "name": "Z", "businessUnit": "A", "roles": [{"role": "sp"}]}
        ],
        "records": [
            {"id": "ax1", "table": "account", "owner": {"user": "x"}},
            {"id": "ax2", "table": "account", "owner": {"user": "x"}},
            {"id": "by1", "table": "account", "owner": {"user": "y"}},
            {"id": "az", "table": "account", "owner": {"user": "z"}},
            {"id": "cur1", "table": "currency"},
            {"id": "cur2", "table": "currency"}
        ]
    })
}

fn load(v: &Value) -> Org {
    Org::from_json(&v.to_string()).unwrap_or_else(|e| panic!("invalid test org: {e:?}"))
}

fn parse(ops: &Value) -> Vec<Change> {
    Org::parse_changes(&ops.to_string())
        .unwrap_or_else(|e| panic!("changeset does not parse: {e:?}"))
}

/// Simulate then apply a changeset that must succeed; returns the impact as JSON.
fn run(org: &mut Org, ops: Value) -> Value {
    let cs = parse(&ops);
    let before = org.to_json();
    assert_eq!(
        org.validate_changes(&cs),
        Vec::<PolicyError>::new(),
        "validate_changes of {ops}"
    );
    let impact = org
        .simulate(&cs)
        .unwrap_or_else(|e| panic!("simulate of {ops} failed: {e:?}"));
    assert_eq!(org.to_json(), before, "simulate mutated the org");
    let v = org.version();
    let version = org
        .apply(cs)
        .unwrap_or_else(|e| panic!("apply of {ops} failed: {e:?}"));
    assert_eq!(version, v + 1);
    let after = org.to_json();
    let reloaded = Org::from_json(&after)
        .unwrap_or_else(|e| panic!("applied state does not reload: {e:?}\n{after}"));
    assert_eq!(reloaded.to_json(), after, "applied state is not canonical");
    // undo restores the previous snapshot exactly; redo the applied one
    assert!(org.undo());
    assert_eq!(org.to_json(), before, "undo of {ops}");
    assert!(org.redo());
    assert_eq!(org.to_json(), after, "redo of {ops}");
    serde_json::to_value(impact).unwrap()
}

/// Apply a changeset that must fail; checks nothing changed and every entry point agrees.
fn fail(org: &mut Org, ops: Value) -> Vec<PolicyError> {
    let cs = parse(&ops);
    let before = org.to_json();
    let v = org.version();
    let errs = org
        .apply(cs.clone())
        .err()
        .unwrap_or_else(|| panic!("{ops} should fail"))
        .0;
    assert!(!errs.is_empty());
    assert_eq!(org.to_json(), before, "a failed apply mutated the org");
    assert_eq!(org.version(), v);
    assert_eq!(
        org.validate_changes(&cs),
        errs,
        "validate_changes disagrees with apply"
    );
    assert_eq!(
        org.simulate(&cs).unwrap_err().0,
        errs,
        "simulate disagrees with apply"
    );
    assert_eq!(org.to_json(), before);
    errs
}

/// The one error of a failing single-problem changeset, checked by code and path.
fn fails_with(org: &mut Org, ops: Value, code: &str, path: &str) -> PolicyError {
    let errs = fail(org, ops.clone());
    let found = errs.iter().find(|e| e.code == code && e.path == path);
    match found {
        Some(e) => {
            assert!(!e.message.is_empty());
            e.clone()
        }
        None => panic!("{ops}: expected {code} at {path}, got {errs:?}"),
    }
}

fn snap(org: &Org) -> Value {
    serde_json::from_str(&org.to_json()).unwrap()
}

fn find<'a>(s: &'a Value, key: &str, id_field: &str, id: &str) -> &'a Value {
    s[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[id_field] == id)
        .unwrap_or_else(|| panic!("no {key} `{id}`"))
}

fn user<'a>(s: &'a Value, id: &str) -> &'a Value {
    find(s, "users", "id", id)
}
fn record<'a>(s: &'a Value, id: &str) -> &'a Value {
    find(s, "records", "id", id)
}
fn team<'a>(s: &'a Value, id: &str) -> &'a Value {
    find(s, "teams", "id", id)
}
fn unit<'a>(s: &'a Value, id: &str) -> &'a Value {
    find(s, "businessUnits", "id", id)
}
fn has(s: &Value, key: &str, id: &str) -> bool {
    s[key].as_array().unwrap().iter().any(|x| x["id"] == id)
}

fn can(org: &Org, u: &str, right: Right, r: &str) -> bool {
    org.check(u, right, r).unwrap()
}

/// Side effects of one kind.
fn effects<'a>(impact: &'a Value, kind: &str) -> Vec<&'a Value> {
    impact["sideEffects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn effect_kinds(impact: &Value) -> Vec<String> {
    impact["sideEffects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Warnings of one kind.
fn warnings<'a>(impact: &'a Value, kind: &str) -> Vec<&'a Value> {
    impact["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// The access changes as lines `user +table.right count [samples]` / `user -...`.
fn access(impact: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in impact["accessChanges"].as_array().unwrap() {
        let u = c["user"].as_str().unwrap();
        for (sign, key) in [("+", "gained"), ("-", "lost")] {
            for x in c[key].as_array().unwrap() {
                let sample: Vec<&str> = x["sample"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                out.push(format!(
                    "{u} {sign}{}.{} {} [{}]",
                    x["table"].as_str().unwrap(),
                    x["right"].as_str().unwrap(),
                    x["count"],
                    sample.join(",")
                ));
            }
        }
    }
    out
}

/// Expected lines for several rights with the same count and sample.
fn lines(user: &str, sign: &str, table: &str, rights: &[&str], records: &[&str]) -> Vec<String> {
    rights
        .iter()
        .map(|r| {
            format!(
                "{user} {sign}{table}.{r} {} [{}]",
                records.len(),
                records.join(",")
            )
        })
        .collect()
}

const ALL: [&str; 8] = [
    "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
];
const ALL_BUT_READ: [&str; 7] = [
    "create", "write", "delete", "append", "appendTo", "assign", "share",
];

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = value;
    v
}

fn setting(v: Value, name: &str, value: bool) -> Value {
    let mut v = v;
    if v.get("settings").is_none() {
        v["settings"] = json!({});
    }
    v["settings"][name] = json!(value);
    v
}

// ------------------------------------------------------------------------- moveUser

#[test]
fn move_user_removes_direct_roles_keeps_other_teams_and_moves_records() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    let bob = user(&s, "bob");
    assert_eq!(bob["businessUnit"], "support");
    assert_eq!(bob["roles"], json!([]), "direct roles are removed");
    assert_eq!(
        team(&s, "deal")["members"],
        json!(["ana", "bob"]),
        "other team memberships stay"
    );
    // records owned by bob follow him (alwaysMoveRecordToOwnerBusinessUnit, default on)
    assert_eq!(record(&s, "b1")["businessUnit"], "support");
    assert_eq!(record(&s, "c3")["businessUnit"], "support");
    assert_eq!(record(&s, "b1")["owner"], json!({"user": "bob"}));
    // bob's manager ana (sales) is not in support or its ancestors: cleared
    assert_eq!(bob["manager"], Value::Null);

    assert_eq!(
        effect_kinds(&impact),
        ["userMoved", "roleRemoved", "managerCleared", "recordsMoved"]
    );
    let removed = effects(&impact, "roleRemoved");
    assert_eq!(removed[0]["user"], "bob");
    assert_eq!(removed[0]["role"], "sp");
    assert_eq!(effects(&impact, "managerCleared")[0]["user"], "bob");
    let moved = effects(&impact, "recordsMoved");
    assert_eq!(moved[0]["count"], 2);
    assert_eq!(moved[0]["user"], "bob");
    for e in impact["sideEffects"].as_array().unwrap() {
        assert_eq!(e["change"], 0);
        assert!(!e["message"].as_str().unwrap().is_empty());
    }

    // bob keeps read through the deal team (viewer, direct inheritance) on his records and
    // the team's, and loses everything sp gave him there
    let mut want = lines("bob", "-", "account", &ALL_BUT_READ, &["b1", "t1"]);
    want.extend(lines("bob", "-", "contact", &ALL_BUT_READ, &["c3"]));
    want.push("bob -currency.read 1 [eur]".into()); // sp read basic on an organization-owned table
    assert_eq!(access(&impact), want);
    assert!(can(&org, "bob", Right::Read, "b1"));
    assert!(can(&org, "bob", Right::Read, "t1"));
    assert!(!can(&org, "bob", Right::Write, "b1"));
    assert_eq!(impact["records"], json!({"before": 10, "after": 10}));
}

#[test]
fn move_user_leaves_old_default_team_and_joins_new_one() {
    let mut v = base();
    v["businessUnits"][1]["defaultTeamRoles"] = json!([{"role": "reader"}]); // sales
    v["businessUnits"][3]["defaultTeamRoles"] = json!([{"role": "reader"}]); // support
    let mut org = load(&v);
    assert!(
        can(&org, "bob", Right::Read, "a1"),
        "sales default team reads sales"
    );
    assert!(!can(&org, "bob", Right::Read, "d1"));
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    assert!(
        !can(&org, "bob", Right::Read, "a1"),
        "left the sales default team"
    );
    assert!(
        can(&org, "bob", Right::Read, "d1"),
        "joined the support default team"
    );
    // ana still reads sales records through the sales default team
    assert!(can(&org, "ana", Right::Read, "cy1") == can(&load(&v), "ana", Right::Read, "cy1"));
    let s = snap(&org);
    assert_eq!(
        unit(&s, "sales")["defaultTeamRoles"],
        json!([{"role": "reader"}])
    );
    assert!(
        !s["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"].as_str().unwrap().starts_with("default:")),
        "default teams are not exported as teams"
    );
}

#[test]
fn move_user_keeps_and_reanchors_roles_with_do_not_remove_roles() {
    let mut v = setting(base(), "doNotRemoveRolesOnChangeBusinessUnit", true);
    v["users"][2]["roles"] = json!([{"role": "sp"}, {"role": "reader"}]); // bob
    let mut org = load(&v);
    assert!(can(&org, "bob", Right::Read, "a1"));
    assert!(!can(&org, "bob", Right::Read, "d1"));
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(
        user(&s, "bob")["roles"],
        json!([{"role": "reader"}, {"role": "sp"}])
    );
    assert!(effects(&impact, "roleRemoved").is_empty());
    let re: Vec<&str> = effects(&impact, "roleReanchored")
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(re, ["sp", "reader"]);
    // the local reader role now reads support, not sales
    assert!(!can(&org, "bob", Right::Read, "a1"));
    assert!(can(&org, "bob", Right::Read, "d1"));
    assert!(can(&org, "bob", Right::Write, "b1"), "sp kept");
}

#[test]
fn move_user_keeps_explicit_anchor_of_a_kept_role() {
    let mut v = setting(base(), "doNotRemoveRolesOnChangeBusinessUnit", true);
    v = setting(v, "ownershipAcrossBusinessUnits", true);
    v["users"][2]["roles"] = json!([{"role": "sp"}, {"role": "reader", "businessUnit": "east"}]);
    let mut org = load(&v);
    assert!(can(&org, "bob", Right::Read, "cy1"));
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(
        user(&s, "bob")["roles"],
        json!([{"role": "reader", "businessUnit": "east"}, {"role": "sp"}])
    );
    let re: Vec<&str> = effects(&impact, "roleReanchored")
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        re,
        ["sp"],
        "only the implicitly anchored role is re-anchored"
    );
    assert!(
        can(&org, "bob", Right::Read, "cy1"),
        "still anchored at east"
    );
}

#[test]
fn move_user_record_unit_options() {
    let across = setting(base(), "ownershipAcrossBusinessUnits", true);
    // across + alwaysMove (default) + moveRecords (default): records follow
    let mut org = load(&across);
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "support");

    // moveRecords false: records stay in their unit
    let mut org = load(&across);
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "moveRecords": false}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "sales");
    assert_eq!(record(&snap(&org), "b1")["owner"], json!({"user": "bob"}));
    assert!(effects(&impact, "recordsMoved").is_empty());

    // alwaysMoveRecordToOwnerBusinessUnit off: records stay
    let mut org = load(&setting(
        across.clone(),
        "alwaysMoveRecordToOwnerBusinessUnit",
        false,
    ));
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "sales");

    // without ownershipAcrossBusinessUnits a record must stay in its owner's unit: it follows
    let mut org = load(&setting(
        base(),
        "alwaysMoveRecordToOwnerBusinessUnit",
        false,
    ));
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "moveRecords": false}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "support");
}

#[test]
fn move_user_reassigns_records() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"user": "ana"}}]),
    );
    let s = snap(&org);
    for r in ["b1", "c3"] {
        assert_eq!(record(&s, r)["owner"], json!({"user": "ana"}));
        assert_eq!(
            record(&s, r)["businessUnit"],
            "sales",
            "the unit follows the new owner"
        );
    }
    let e = effects(&impact, "recordsReassigned");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["count"], 2);
    assert_eq!(e[0]["user"], "bob");
    assert!(effects(&impact, "recordsMoved").is_empty());

    // to an owner team
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"team": "deal"}}]),
    );
    assert_eq!(record(&snap(&org), "b1")["owner"], json!({"team": "deal"}));
}

#[test]
fn move_user_reassign_errors() {
    let mut org = load(&base());
    let e = fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"user": "nobody"}}]),
        "owner-lacks-privilege",
        "/changes/0/reassignRecordsTo",
    );
    assert!(e.help.is_some());
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"team": "fans"}}]),
        "access-team-owner",
        "/changes/0/reassignRecordsTo/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"user": "bob"}}]),
        "bad-value",
        "/changes/0/reassignRecordsTo",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support", "reassignRecordsTo": {"user": "ghost"}}]),
        "unknown-user",
        "/changes/0/reassignRecordsTo/user",
    );
}

#[test]
fn move_user_clears_out_of_scope_manager() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "cy", "businessUnit": "support"}]),
    );
    assert_eq!(user(&snap(&org), "cy")["manager"], Value::Null);
    let e = effects(&impact, "managerCleared");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["user"], "cy");

    // ana (sales) is an ancestor unit of east: the manager stays
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "east"}]),
    );
    assert_eq!(user(&snap(&org), "bob")["manager"], "ana");
    assert!(effects(&impact, "managerCleared").is_empty());

    // managersMustBeInSameOrParentBusinessUnit off: nothing is cleared
    let mut org = load(&setting(
        base(),
        "managersMustBeInSameOrParentBusinessUnit",
        false,
    ));
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "cy", "businessUnit": "support"}]),
    );
    assert_eq!(user(&snap(&org), "cy")["manager"], "ana");
    assert!(effects(&impact, "managerCleared").is_empty());
}

#[test]
fn move_user_repoints_direct_reports_to_previous_manager() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "ana", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(
        user(&s, "ana")["manager"],
        "boss",
        "boss (root) is still valid for ana"
    );
    assert_eq!(user(&s, "bob")["manager"], "boss");
    assert_eq!(user(&s, "cy")["manager"], "boss");
    let changed: Vec<&str> = effects(&impact, "managerChanged")
        .iter()
        .map(|e| e["user"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["bob", "cy"]);

    // into east: cy (east) keeps ana, bob (sales) goes to boss
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "ana", "businessUnit": "east"}]),
    );
    let s = snap(&org);
    assert_eq!(user(&s, "cy")["manager"], "ana");
    assert_eq!(user(&s, "bob")["manager"], "boss");
    assert_eq!(effects(&impact, "managerChanged").len(), 1);

    // no previous manager: the reports' manager is cleared
    let mut org = load(&with(base(), "/users/1/manager", Value::Null));
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "ana", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(user(&s, "bob")["manager"], Value::Null);
    assert_eq!(user(&s, "cy")["manager"], Value::Null);
    let cleared: Vec<&str> = effects(&impact, "managerCleared")
        .iter()
        .map(|e| e["user"].as_str().unwrap())
        .collect();
    assert_eq!(cleared, ["bob", "cy"]);
}

#[test]
fn move_user_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "ghost", "businessUnit": "support"}]),
        "unknown-user",
        "/changes/0/user",
    );
    // the failing operation's index is in the path, and nothing of the first one stays
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"},
               {"op": "moveUser", "user": "cy", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/1/businessUnit",
    );
}

#[test]
fn move_user_into_its_own_unit_does_nothing() {
    let mut org = load(&base());
    let before = org.to_json();
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "sales"}]),
    );
    assert_eq!(org.to_json(), before);
    assert_eq!(impact["sideEffects"], json!([]));
    assert_eq!(impact["accessChanges"], json!([]));
}

#[test]
fn move_users_moves_each_user() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveUsers", "users": ["bob", "cy"], "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(user(&s, "bob")["businessUnit"], "support");
    assert_eq!(user(&s, "cy")["businessUnit"], "support");
    assert_eq!(record(&s, "cy1")["businessUnit"], "support");
    assert_eq!(effects(&impact, "userMoved").len(), 2);
    assert_eq!(effects(&impact, "roleRemoved").len(), 2);

    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "moveUsers", "users": ["bob", "ghost"], "businessUnit": "support"}]),
        "unknown-user",
        "/changes/0/users/1",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveUsers", "users": ["bob"], "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

// ------------------------------------------------------------- simulate, by hand

#[test]
fn simulate_move_user_counts_by_hand() {
    let mut org = load(&tiny());
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "x", "businessUnit": "B"}]),
    );
    assert_eq!(
        access(&impact),
        [
            "x -account.read 2 [ax1,ax2]",
            "x -account.write 2 [ax1,ax2]"
        ]
    );
    assert_eq!(impact["records"], json!({"before": 6, "after": 6}));
    let w = warnings(&impact, "userWithoutRole");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "x");
}

#[test]
fn simulate_reanchored_local_role_by_hand() {
    let mut v = setting(tiny(), "doNotRemoveRolesOnChangeBusinessUnit", true);
    v["users"][0]["roles"] = json!([{"role": "sp"}, {"role": "loc"}]);
    let mut org = load(&v);
    // before: x reads ax1, ax2 (own and local A) and az (local A); after: the local role
    // is anchored at B with x's records: ax1, ax2 and by1
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "x", "businessUnit": "B"}]),
    );
    assert_eq!(
        access(&impact),
        ["x +account.read 1 [by1]", "x -account.read 1 [az]"]
    );
}

#[test]
fn simulate_assign_record_by_hand() {
    let mut org = load(&tiny());
    let impact = run(
        &mut org,
        json!([{"op": "assignRecord", "record": "ax1", "owner": {"user": "y"}}]),
    );
    assert_eq!(
        access(&impact),
        [
            "x -account.read 1 [ax1]",
            "x -account.write 1 [ax1]",
            "y +account.read 1 [ax1]",
            "y +account.write 1 [ax1]"
        ]
    );
    let e = effects(&impact, "recordAssigned");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["record"], "ax1");

    // shareToPreviousOwnerOnAssign: x keeps its access through the share
    let mut org = load(&setting(tiny(), "shareToPreviousOwnerOnAssign", true));
    let impact = run(
        &mut org,
        json!([{"op": "assignRecord", "record": "ax1", "owner": {"user": "y"}}]),
    );
    assert_eq!(
        access(&impact),
        ["y +account.read 1 [ax1]", "y +account.write 1 [ax1]"]
    );
}

#[test]
fn simulate_disable_unit_by_hand() {
    let mut org = load(&tiny());
    let impact = run(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "A"}]),
    );
    assert_eq!(
        access(&impact),
        [
            "x -account.read 2 [ax1,ax2]",
            "x -account.write 2 [ax1,ax2]",
            "z -account.read 1 [az]",
            "z -account.write 1 [az]"
        ]
    );
    assert!(!can(&org, "x", Right::Read, "ax1"));
    let impact = run(
        &mut org,
        json!([{"op": "enableBusinessUnit", "businessUnit": "A"}]),
    );
    assert_eq!(
        access(&impact),
        [
            "x +account.read 2 [ax1,ax2]",
            "x +account.write 2 [ax1,ax2]",
            "z +account.read 1 [az]",
            "z +account.write 1 [az]"
        ]
    );
}

#[test]
fn simulate_share_by_hand_with_ineffective_right() {
    let mut org = load(&tiny());
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "by1", "principal": {"user": "x"}, "rights": ["read", "write", "delete"]}]),
    );
    assert_eq!(
        access(&impact),
        ["x +account.read 1 [by1]", "x +account.write 1 [by1]"]
    );
    let w = warnings(&impact, "ineffectiveShare");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["record"], "by1");
    assert_eq!(w[0]["rights"], json!(["delete"]));
}

#[test]
fn simulate_global_and_organization_owned_grants_by_hand() {
    let mut org = load(&tiny());
    let impact = run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "x"}, "role": "glob"}]),
    );
    assert_eq!(access(&impact), ["x +account.read 2 [az,by1]"]);
    let impact = run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "x"}, "role": "cur"}]),
    );
    assert_eq!(access(&impact), ["x +currency.read 2 [cur1,cur2]"]);
    // creating a record of the table: a global reader gains it, its owner too
    let impact = run(
        &mut org,
        json!([{"op": "createRecord", "id": "by2", "table": "account", "owner": {"user": "y"}}]),
    );
    assert_eq!(
        access(&impact),
        [
            "x +account.read 1 [by2]",
            "y +account.read 1 [by2]",
            "y +account.write 1 [by2]"
        ]
    );
    assert_eq!(impact["records"], json!({"before": 6, "after": 7}));
    let impact = run(&mut org, json!([{"op": "deleteRecord", "record": "az"}]));
    assert_eq!(
        access(&impact),
        [
            "x -account.read 1 [az]",
            "z -account.read 1 [az]",
            "z -account.write 1 [az]"
        ]
    );
    assert_eq!(impact["records"], json!({"before": 7, "after": 6}));
    let impact = run(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "x"}, "role": "glob"}]),
    );
    assert_eq!(access(&impact), ["x -account.read 2 [by1,by2]"]);
}

#[test]
fn simulate_samples_at_most_twenty_ascending() {
    let mut v = tiny();
    let recs = v["records"].as_array_mut().unwrap();
    for i in 0..30 {
        recs.push(json!({"id": format!("bulk{i:02}"), "table": "account", "owner": {"user": "y"}}));
    }
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "x"}, "role": "glob"}]),
    );
    let gained = &impact["accessChanges"][0]["gained"][0];
    assert_eq!(gained["count"], 32);
    let sample: Vec<&str> = gained["sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sample.len(), 20);
    let mut sorted = sample.clone();
    sorted.sort_unstable();
    assert_eq!(sample, sorted);
    assert_eq!(sample[0], "az");
    assert_eq!(sample[1], "bulk00");
}

#[test]
fn simulate_reports_assertions_whose_outcome_changes() {
    let mut v = base();
    v["assertions"] = json!([
        {"user": "bob", "right": "write", "record": "b1", "expect": true, "note": "owner edits"},
        {"user": "ana", "right": "write", "record": "a1", "expect": true}
    ]);
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "support"}]),
    );
    assert_eq!(
        impact["assertions"],
        json!([{"assertion": {"user": "bob", "right": "write", "record": "b1", "expect": true, "note": "owner edits"},
                "before": true, "after": false, "pass": false}])
    );
}

// ------------------------------------------------------------------------- assignRecord

fn assign_with_cascade(cascade: &str) -> Value {
    let v = with(base(), "/relationships/0/cascade/assign", json!(cascade));
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
    );
    let s = snap(&org);
    let mut assigned: Vec<&str> = effects(&impact, "recordAssigned")
        .iter()
        .map(|e| e["record"].as_str().unwrap())
        .collect();
    assigned.sort_unstable();
    let owners = json!({
        "a1": record(&s, "a1")["owner"], "c1": record(&s, "c1")["owner"],
        "c2": record(&s, "c2")["owner"], "c3": record(&s, "c3")["owner"],
        "assigned": assigned,
        "a1unit": record(&s, "a1")["businessUnit"],
    });
    owners
}

#[test]
fn assign_record_cascades_per_relationship() {
    let dee = json!({"user": "dee"});
    let ana = json!({"user": "ana"});
    let bob = json!({"user": "bob"});
    let all = assign_with_cascade("all");
    assert_eq!(
        all,
        json!({"a1": dee, "c1": dee, "c2": dee, "c3": dee, "assigned": ["a1", "c1", "c2", "c3"], "a1unit": "support"})
    );
    let active = assign_with_cascade("active");
    assert_eq!(
        active,
        json!({"a1": dee, "c1": dee, "c2": ana, "c3": dee, "assigned": ["a1", "c1", "c3"], "a1unit": "support"})
    );
    let user_owned = assign_with_cascade("userOwned");
    assert_eq!(
        user_owned,
        json!({"a1": dee, "c1": dee, "c2": dee, "c3": bob, "assigned": ["a1", "c1", "c2"], "a1unit": "support"})
    );
    let none = assign_with_cascade("none");
    assert_eq!(
        none,
        json!({"a1": dee, "c1": ana, "c2": ana, "c3": bob, "assigned": ["a1"], "a1unit": "support"})
    );
}

#[test]
fn assign_record_cascaded_children_change_unit_too() {
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
    );
    let s = snap(&org);
    for r in ["a1", "c1", "c2", "c3"] {
        assert_eq!(record(&s, r)["businessUnit"], "support", "{r}");
    }
    assert!(can(&org, "dee", Right::Write, "c3"));
    assert!(
        !can(&org, "bob", Right::Read, "c3"),
        "bob no longer owns c3"
    );
}

#[test]
fn assign_record_shares_to_previous_owner() {
    let v = with(
        setting(base(), "shareToPreviousOwnerOnAssign", true),
        "/relationships/0/cascade/assign",
        json!("none"),
    );
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
    );
    let s = snap(&org);
    assert_eq!(
        s["shares"],
        json!([{"record": "a1", "principal": {"user": "ana"},
                "rights": ["read", "write", "delete", "append", "appendTo", "assign", "share"]}])
    );
    assert!(
        can(&org, "ana", Right::Write, "a1"),
        "ana keeps access through the share"
    );
    assert!(
        !can(&org, "ana", Right::Create, "a1"),
        "create is not shared"
    );
    // ana loses only create on a1; the share is inherited by a1's children, so ana gains
    // bob's c3 (cascade share all); ana's own children are not assigned (cascade none)
    let mut want = lines("ana", "+", "contact", &ALL_BUT_READ[1..], &["c3"]);
    want.insert(0, "ana +contact.read 1 [c3]".into());
    want.push("ana -account.create 1 [a1]".into());
    want.extend(lines("dee", "+", "account", &ALL, &["a1"]));
    assert_eq!(access(&impact), want);
}

#[test]
fn assign_record_keeps_existing_shares() {
    let mut v = base();
    v["shares"] = json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["read"]}]);
    let mut org = load(&v);
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
    );
    assert_eq!(
        snap(&org)["shares"],
        json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["read"]}])
    );
    assert!(can(&org, "bob", Right::Read, "a1"));
}

#[test]
fn assign_record_owning_unit_options() {
    // across on, alwaysMove off: the owning unit stays
    let v = setting(
        setting(base(), "ownershipAcrossBusinessUnits", true),
        "alwaysMoveRecordToOwnerBusinessUnit",
        false,
    );
    let mut org = load(&v);
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "b1", "owner": {"user": "dee"}}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "sales");
    // across on, alwaysMove on: it follows the new owner
    let mut org = load(&setting(base(), "ownershipAcrossBusinessUnits", true));
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "b1", "owner": {"user": "dee"}}]),
    );
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "support");
    // to an owner team: the team's unit
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "d1", "owner": {"team": "deal"}}]),
    );
    let s = snap(&org);
    assert_eq!(record(&s, "d1")["owner"], json!({"team": "deal"}));
    assert_eq!(record(&s, "d1")["businessUnit"], "sales");
    assert!(can(&org, "bob", Right::Read, "d1"));
}

#[test]
fn assign_record_errors() {
    let mut org = load(&base());
    let e = fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "nobody"}}]),
        "owner-lacks-privilege",
        "/changes/0/owner",
    );
    assert!(e.help.is_some());
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"team": "fans"}}]),
        "access-team-owner",
        "/changes/0/owner/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "eur", "owner": {"user": "dee"}}]),
        "organization-owned",
        "/changes/0/record",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "zz", "owner": {"user": "dee"}}]),
        "unknown-record",
        "/changes/0/record",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "ghost"}}]),
        "unknown-user",
        "/changes/0/owner/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"team": "ghosts"}}]),
        "unknown-team",
        "/changes/0/owner/team",
    );
    let mut v = base();
    v["users"][4]["disabled"] = json!(true);
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
        "disabled-user",
        "/changes/0/owner/user",
    );
}

#[test]
fn assign_record_privilege_is_checked_on_the_state_at_that_point() {
    // nobody lacks read; giving it a role first in the same changeset makes the assign valid
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "nobody"}, "role": "viewer"},
               {"op": "assignRecord", "record": "b1", "owner": {"user": "nobody"}}]),
    );
    assert_eq!(
        record(&snap(&org), "b1")["owner"],
        json!({"user": "nobody"})
    );
}

// ------------------------------------------------------------------------- reassignRecords

#[test]
fn reassign_records_moves_every_record_of_the_owner() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ana"}, "to": {"user": "dee"}}]),
    );
    let s = snap(&org);
    for r in ["a1", "a2", "c1", "c2"] {
        assert_eq!(record(&s, r)["owner"], json!({"user": "dee"}), "{r}");
        assert_eq!(record(&s, r)["businessUnit"], "support", "{r}");
    }
    assert_eq!(
        record(&s, "c3")["owner"],
        json!({"user": "bob"}),
        "no cascade to others' children"
    );
    let e = effects(&impact, "recordsReassigned");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["count"], 4);

    // only one table
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ana"}, "to": {"user": "dee"}, "table": "contact"}]),
    );
    let s = snap(&org);
    assert_eq!(record(&s, "a1")["owner"], json!({"user": "ana"}));
    assert_eq!(record(&s, "c1")["owner"], json!({"user": "dee"}));
    assert_eq!(effects(&impact, "recordsReassigned")[0]["count"], 2);

    // from a team
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"team": "deal"}, "to": {"user": "bob"}}]),
    );
    assert_eq!(record(&snap(&org), "t1")["owner"], json!({"user": "bob"}));
}

#[test]
fn reassign_records_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ana"}, "to": {"user": "nobody"}}]),
        "owner-lacks-privilege",
        "/changes/0/to",
    );
    fails_with(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ana"}, "to": {"team": "fans"}}]),
        "access-team-owner",
        "/changes/0/to/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ghost"}, "to": {"user": "dee"}}]),
        "unknown-user",
        "/changes/0/from/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"user": "ana"}, "to": {"user": "dee"}, "table": "lead"}]),
        "unknown-table",
        "/changes/0/table",
    );
}

// ------------------------------------------------------------------------- setRecordBusinessUnit

#[test]
fn set_record_business_unit_needs_ownership_across_units() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "setRecordBusinessUnit", "record": "a1", "businessUnit": "east"}]),
        "setting-required",
        "/changes/0",
    );
    let mut org = load(&setting(base(), "ownershipAcrossBusinessUnits", true));
    run(
        &mut org,
        json!([{"op": "setRecordBusinessUnit", "record": "a1", "businessUnit": "east"}]),
    );
    let s = snap(&org);
    assert_eq!(record(&s, "a1")["businessUnit"], "east");
    assert_eq!(record(&s, "a1")["owner"], json!({"user": "ana"}));
    fails_with(
        &mut org,
        json!([{"op": "setRecordBusinessUnit", "record": "eur", "businessUnit": "east"}]),
        "organization-owned",
        "/changes/0/record",
    );
    fails_with(
        &mut org,
        json!([{"op": "setRecordBusinessUnit", "record": "a1", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
    // turning the setting on earlier in the same changeset is enough
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "setSetting", "name": "ownershipAcrossBusinessUnits", "value": true},
               {"op": "setRecordBusinessUnit", "record": "a1", "businessUnit": "east"}]),
    );
    assert_eq!(record(&snap(&org), "a1")["businessUnit"], "east");
}

// ------------------------------------------------------------------------- createRecord

#[test]
fn create_record_defaults_and_inherited_shares() {
    let mut v = base();
    v["shares"] = json!([{"record": "a1", "principal": {"user": "dee"}, "rights": ["read"]}]);
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "createRecord", "id": "c9", "name": "New contact", "table": "contact",
                "owner": {"user": "ana"}, "parent": "a1"}]),
    );
    let s = snap(&org);
    assert_eq!(
        *record(&s, "c9"),
        json!({"id": "c9", "name": "New contact", "table": "contact", "owner": {"user": "ana"},
               "businessUnit": "sales", "parent": "a1", "active": true})
    );
    assert!(
        can(&org, "dee", Right::Read, "c9"),
        "the parent's share is inherited"
    );
    assert_eq!(impact["records"], json!({"before": 10, "after": 11}));
    // organization-owned
    run(
        &mut org,
        json!([{"op": "createRecord", "id": "usd", "table": "currency"}]),
    );
    let s = snap(&org);
    assert_eq!(
        *record(&s, "usd"),
        json!({"id": "usd", "table": "currency", "parent": null, "active": true})
    );
    assert!(!can(&org, "nobody", Right::Read, "usd"));
    assert!(can(&org, "bob", Right::Read, "usd"));
}

#[test]
fn create_record_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "a1", "table": "account", "owner": {"user": "ana"}}]),
        "duplicate-id",
        "/changes/0/id",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "account"}]),
        "missing-owner",
        "/changes/0/owner",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "currency", "owner": {"user": "ana"}}]),
        "organization-owned",
        "/changes/0/owner",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "currency", "businessUnit": "sales"}]),
        "organization-owned",
        "/changes/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "account", "owner": {"user": "bob"}, "businessUnit": "east"}]),
        "business-unit-mismatch",
        "/changes/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "contact", "owner": {"user": "bob"}, "parent": "c1"}]),
        "no-relationship",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "contact", "owner": {"user": "bob"}, "parent": "zz"}]),
        "unknown-record",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "lead", "owner": {"user": "bob"}}]),
        "unknown-table",
        "/changes/0/table",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "account", "owner": {"team": "fans"}}]),
        "access-team-owner",
        "/changes/0/owner/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "createRecord", "id": "", "table": "account", "owner": {"user": "bob"}}]),
        "bad-value",
        "/changes/0/id",
    );
    // with ownershipAcrossBusinessUnits the unit may differ from the owner's
    let mut org = load(&setting(base(), "ownershipAcrossBusinessUnits", true));
    run(
        &mut org,
        json!([{"op": "createRecord", "id": "n1", "table": "account", "owner": {"user": "bob"}, "businessUnit": "east"}]),
    );
    assert_eq!(record(&snap(&org), "n1")["businessUnit"], "east");
}

// ------------------------------------------------------------------------- deleteRecord

#[test]
fn delete_record_remove_link_clears_children_parent() {
    let mut org = load(&base());
    let impact = run(&mut org, json!([{"op": "deleteRecord", "record": "a1"}]));
    let s = snap(&org);
    assert!(!has(&s, "records", "a1"));
    for c in ["c1", "c2", "c3"] {
        assert_eq!(record(&s, c)["parent"], Value::Null);
    }
    let mut unlinked: Vec<&str> = effects(&impact, "parentLinkRemoved")
        .iter()
        .map(|e| e["record"].as_str().unwrap())
        .collect();
    unlinked.sort_unstable();
    assert_eq!(unlinked, ["c1", "c2", "c3"]);
    assert_eq!(effects(&impact, "recordDeleted").len(), 1);
    assert_eq!(impact["records"], json!({"before": 10, "after": 9}));
    assert!(
        org.check("ana", Right::Read, "a1").is_err(),
        "a deleted record is unknown"
    );
}

#[test]
fn delete_record_cascade_all_deletes_children() {
    let mut org = load(&with(
        base(),
        "/relationships/0/cascade/delete",
        json!("all"),
    ));
    let impact = run(&mut org, json!([{"op": "deleteRecord", "record": "a1"}]));
    let s = snap(&org);
    for r in ["a1", "c1", "c2", "c3"] {
        assert!(!has(&s, "records", r), "{r} deleted");
    }
    let mut deleted: Vec<&str> = effects(&impact, "recordDeleted")
        .iter()
        .map(|e| e["record"].as_str().unwrap())
        .collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["a1", "c1", "c2", "c3"]);
    assert_eq!(impact["records"], json!({"before": 10, "after": 6}));
    // ana loses everything on a1, c1, c2; bob on c3
    let mut want = lines("ana", "-", "account", &ALL, &["a1"]);
    want.extend(lines("ana", "-", "contact", &ALL, &["c1", "c2"]));
    want.extend(lines("bob", "-", "contact", &ALL, &["c3"]));
    assert_eq!(access(&impact), want);
}

#[test]
fn delete_record_restrict_blocks() {
    let mut org = load(&with(
        base(),
        "/relationships/0/cascade/delete",
        json!("restrict"),
    ));
    let e = fails_with(
        &mut org,
        json!([{"op": "deleteRecord", "record": "a1"}]),
        "restricted",
        "/changes/0/record",
    );
    assert!(e.message.contains("c1") || e.message.contains("c2") || e.message.contains("c3"));
    // children first, then the parent
    run(
        &mut org,
        json!([{"op": "deleteRecord", "record": "c1"}, {"op": "deleteRecord", "record": "c2"},
               {"op": "deleteRecord", "record": "c3"}, {"op": "deleteRecord", "record": "a1"}]),
    );
    assert!(!has(&snap(&org), "records", "a1"));
}

#[test]
fn delete_record_drops_its_shares_access_teams_and_assertions() {
    let mut v = base();
    v["shares"] = json!([{"record": "a1", "principal": {"user": "dee"}, "rights": ["read"]},
                         {"record": "b1", "principal": {"user": "dee"}, "rights": ["read"]}]);
    v["accessTeams"] = json!([{"template": "acct-team", "record": "a1", "members": ["cy"]}]);
    v["assertions"] = json!([{"user": "ana", "right": "read", "record": "a1", "expect": true},
                             {"user": "bob", "right": "read", "record": "b1", "expect": true}]);
    let mut org = load(&v);
    let impact = run(&mut org, json!([{"op": "deleteRecord", "record": "a1"}]));
    let s = snap(&org);
    assert_eq!(
        s["shares"],
        json!([{"record": "b1", "principal": {"user": "dee"}, "rights": ["read"]}])
    );
    assert_eq!(s["accessTeams"], json!([]));
    assert_eq!(
        s["assertions"],
        json!([{"user": "bob", "right": "read", "record": "b1", "expect": true}])
    );
    assert_eq!(effects(&impact, "assertionRemoved").len(), 1);
    // undo brings them back (checked byte for byte by `run`)
    assert!(org.undo());
    assert_eq!(snap(&org)["assertions"].as_array().unwrap().len(), 2);
}

#[test]
fn delete_record_errors_and_organization_owned() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "deleteRecord", "record": "zz"}]),
        "unknown-record",
        "/changes/0/record",
    );
    run(&mut org, json!([{"op": "deleteRecord", "record": "eur"}]));
    assert!(!has(&snap(&org), "records", "eur"));
    // a record deleted earlier in the changeset is unknown to later operations
    fails_with(
        &mut org,
        json!([{"op": "deleteRecord", "record": "b1"},
               {"op": "share", "record": "b1", "principal": {"user": "dee"}, "rights": ["read"]}]),
        "unknown-record",
        "/changes/1/record",
    );
}

// ------------------------------------------------------------------------- sharing

#[test]
fn share_grants_access_and_is_inherited_by_children() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"user": "bob"}, "rights": ["read"]}]),
    );
    // c3 is bob's own; c1 and c2 inherit the share (cascade share all)
    assert_eq!(
        access(&impact),
        ["bob +account.read 1 [a1]", "bob +contact.read 2 [c1,c2]"]
    );
    // sharing again adds rights
    run(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"user": "bob"}, "rights": ["write"]}]),
    );
    assert_eq!(
        snap(&org)["shares"],
        json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["read", "write"]}])
    );
    // modifyShare replaces them
    let impact = run(
        &mut org,
        json!([{"op": "modifyShare", "record": "a1", "principal": {"user": "bob"}, "rights": ["append"]}]),
    );
    assert_eq!(
        snap(&org)["shares"],
        json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["append"]}])
    );
    assert!(can(&org, "bob", Right::Append, "a1"));
    assert!(!can(&org, "bob", Right::Read, "a1"));
    assert!(access(&impact).contains(&"bob -contact.read 2 [c1,c2]".to_string()));
}

#[test]
fn share_cascade_none_is_not_inherited() {
    let mut org = load(&with(
        base(),
        "/relationships/0/cascade/share",
        json!("none"),
    ));
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"user": "bob"}, "rights": ["read"]}]),
    );
    assert_eq!(access(&impact), ["bob +account.read 1 [a1]"]);
}

#[test]
fn unshare_removes_inherited_access_but_not_direct_shares_on_children() {
    let mut v = base();
    v["shares"] = json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["read"]},
                         {"record": "c1", "principal": {"user": "bob"}, "rights": ["read"]}]);
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "unshare", "record": "a1", "principal": {"user": "bob"}}]),
    );
    assert_eq!(
        access(&impact),
        ["bob -account.read 1 [a1]", "bob -contact.read 1 [c2]"]
    );
    assert!(
        can(&org, "bob", Right::Read, "c1"),
        "the direct share on the child stays"
    );
    assert_eq!(
        snap(&org)["shares"],
        json!([{"record": "c1", "principal": {"user": "bob"}, "rights": ["read"]}])
    );
}

#[test]
fn share_with_teams_and_default_teams() {
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "share", "record": "d1", "principal": {"team": "deal"}, "rights": ["read"]}]),
    );
    assert!(can(&org, "ana", Right::Read, "d1"));
    assert!(can(&org, "bob", Right::Read, "d1"));
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"team": "default:support"}, "rights": ["read", "write"]}]),
    );
    assert!(can(&org, "dee", Right::Write, "a1"));
    assert!(
        !can(&org, "nobody", Right::Read, "a1"),
        "a member without privilege gets nothing"
    );
    let mut want = lines("dee", "+", "account", &["read", "write"], &["a1"]);
    want.extend(lines(
        "dee",
        "+",
        "contact",
        &["read", "write"],
        &["c1", "c2", "c3"],
    ));
    assert_eq!(access(&impact), want);
    // a user sharee without the privilege: kept, reported as ineffective
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "a2", "principal": {"user": "nobody"}, "rights": ["read"]}]),
    );
    assert_eq!(impact["accessChanges"], json!([]));
    let w = warnings(&impact, "ineffectiveShare");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["record"], "a2");
    assert!(snap(&org)["shares"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["record"] == "a2"));
    let impact = run(
        &mut org,
        json!([{"op": "share", "record": "b1", "principal": {"team": "fans"}, "rights": ["read"]}]),
    );
    assert_eq!(access(&impact), ["dee +account.read 1 [b1]"]);
}

#[test]
fn sharing_errors() {
    let mut v = base();
    v["shares"] = json!([{"record": "a1", "principal": {"user": "bob"}, "rights": ["read"]}]);
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "modifyShare", "record": "a1", "principal": {"user": "cy"}, "rights": ["read"]}]),
        "not-shared",
        "/changes/0/principal",
    );
    fails_with(
        &mut org,
        json!([{"op": "unshare", "record": "b1", "principal": {"user": "bob"}}]),
        "not-shared",
        "/changes/0/principal",
    );
    fails_with(
        &mut org,
        json!([{"op": "share", "record": "eur", "principal": {"user": "bob"}, "rights": ["read"]}]),
        "organization-owned",
        "/changes/0/record",
    );
    fails_with(
        &mut org,
        json!([{"op": "share", "record": "zz", "principal": {"user": "bob"}, "rights": ["read"]}]),
        "unknown-record",
        "/changes/0/record",
    );
    fails_with(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"user": "ghost"}, "rights": ["read"]}]),
        "unknown-user",
        "/changes/0/principal/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"team": "default:mars"}, "rights": ["read"]}]),
        "unknown-team",
        "/changes/0/principal/team",
    );
}

// ------------------------------------------------------------------------- access teams

#[test]
fn access_team_members_get_template_rights() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "a1", "template": "acct-team", "user": "dee"}]),
    );
    // read and write on a1, and on its children through inheritance (cascade share all)
    assert_eq!(
        access(&impact),
        [
            "dee +account.read 1 [a1]",
            "dee +account.write 1 [a1]",
            "dee +contact.read 3 [c1,c2,c3]",
            "dee +contact.write 3 [c1,c2,c3]"
        ]
    );
    assert_eq!(
        snap(&org)["accessTeams"],
        json!([{"template": "acct-team", "record": "a1", "members": ["dee"]}])
    );
    run(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "a1", "template": "acct-team", "user": "cy"}]),
    );
    assert_eq!(
        snap(&org)["accessTeams"],
        json!([{"template": "acct-team", "record": "a1", "members": ["cy", "dee"]}])
    );
    let impact = run(
        &mut org,
        json!([{"op": "removeAccessTeamMember", "record": "a1", "template": "acct-team", "user": "dee"}]),
    );
    assert_eq!(access(&impact)[0], "dee -account.read 1 [a1]");
    run(
        &mut org,
        json!([{"op": "removeAccessTeamMember", "record": "a1", "template": "acct-team", "user": "cy"}]),
    );
    assert_eq!(
        snap(&org)["accessTeams"],
        json!([]),
        "an empty access team disappears"
    );
}

#[test]
fn access_team_member_without_privilege_is_a_warning() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "a1", "template": "acct-team", "user": "nobody"}]),
    );
    assert_eq!(impact["accessChanges"], json!([]));
    let w = warnings(&impact, "accessTeamMemberWithoutPrivilege");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "nobody");
    assert_eq!(w[0]["record"], "a1");
}

#[test]
fn access_team_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "c1", "template": "acct-team", "user": "dee"}]),
        "bad-value",
        "/changes/0/template",
    );
    fails_with(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "a1", "template": "nope", "user": "dee"}]),
        "unknown-template",
        "/changes/0/template",
    );
    fails_with(
        &mut org,
        json!([{"op": "addAccessTeamMember", "record": "a1", "template": "acct-team", "user": "ghost"}]),
        "unknown-user",
        "/changes/0/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "removeAccessTeamMember", "record": "zz", "template": "acct-team", "user": "dee"}]),
        "unknown-record",
        "/changes/0/record",
    );
}

// ------------------------------------------------------------------------- business units

#[test]
fn create_business_unit_then_use_it_in_the_same_changeset() {
    let mut org = load(&base());
    run(
        &mut org,
        json!([
            {"op": "createBusinessUnit", "id": "west", "name": "West", "parent": "sales"},
            {"op": "assignRole", "principal": {"team": "default:west"}, "role": "reader"},
            {"op": "createUser", "id": "wes", "name": "Wes", "businessUnit": "west"},
            {"op": "createRecord", "id": "w1", "table": "account", "owner": {"user": "cy"}},
            {"op": "moveUser", "user": "cy", "businessUnit": "west"}
        ]),
    );
    let s = snap(&org);
    assert_eq!(
        *unit(&s, "west"),
        json!({"id": "west", "name": "West", "parent": "sales", "disabled": false,
               "defaultTeamRoles": [{"role": "reader"}]})
    );
    assert_eq!(record(&s, "w1")["businessUnit"], "west");
    assert!(
        can(&org, "wes", Right::Read, "w1"),
        "the new unit's default team reads its records"
    );
    assert!(can(&org, "wes", Right::Read, "cy1"));
    assert!(!can(&org, "wes", Right::Read, "a1"));
}

#[test]
fn create_business_unit_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "createBusinessUnit", "id": "sales", "name": "Again", "parent": "root"}]),
        "duplicate-id",
        "/changes/0/id",
    );
    fails_with(
        &mut org,
        json!([{"op": "createBusinessUnit", "id": "west", "name": "West", "parent": "mars"}]),
        "unknown-business-unit",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "createBusinessUnit", "id": "", "name": "Empty", "parent": "root"}]),
        "bad-value",
        "/changes/0/id",
    );
}

#[test]
fn rename_business_unit() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "renameBusinessUnit", "businessUnit": "east", "name": "East Coast"}]),
    );
    assert_eq!(unit(&snap(&org), "east")["name"], "East Coast");
    assert_eq!(impact["accessChanges"], json!([]));
    fails_with(
        &mut org,
        json!([{"op": "renameBusinessUnit", "businessUnit": "mars", "name": "Mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn reparent_business_unit_changes_deep_access_and_fixes_managers() {
    let mut v = base();
    v["users"][1]["roles"] = json!([{"role": "sp"}, {"role": "deep"}]); // ana, anchored at sales
    let mut org = load(&v);
    assert!(can(&org, "ana", Right::Read, "cy1"));
    let impact = run(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "east", "parent": "support"}]),
    );
    assert_eq!(unit(&snap(&org), "east")["parent"], "support");
    assert_eq!(access(&impact), ["ana -account.read 1 [cy1]"]);
    // cy's manager ana (sales) is no longer in cy's unit or its ancestors
    assert_eq!(user(&snap(&org), "cy")["manager"], Value::Null);
    let e = effects(&impact, "managerCleared");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["user"], "cy");
}

#[test]
fn reparent_business_unit_cycles() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "sales", "parent": "east"}]),
        "cycle",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "sales", "parent": "sales"}]),
        "cycle",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "root", "parent": "support"}]),
        "cycle",
        "/changes/0/parent",
    );
    fails_with(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "mars", "parent": "root"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "reparentBusinessUnit", "businessUnit": "east", "parent": "mars"}]),
        "unknown-business-unit",
        "/changes/0/parent",
    );
}

#[test]
fn disable_business_unit_blocks_its_whole_subtree() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "sales"}]),
    );
    assert_eq!(unit(&snap(&org), "sales")["disabled"], true);
    for u in ["ana", "bob", "cy"] {
        assert!(org.rights(u, "cy1").unwrap().to_vec().is_empty(), "{u}");
    }
    assert!(can(&org, "dee", Right::Read, "d1"));
    let users: Vec<&str> = impact["accessChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["ana", "bob", "cy"]);
    assert!(impact["accessChanges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["gained"] == json!([])));
    let impact = run(
        &mut org,
        json!([{"op": "enableBusinessUnit", "businessUnit": "sales"}]),
    );
    assert_eq!(unit(&snap(&org), "sales")["disabled"], false);
    assert_eq!(impact["accessChanges"].as_array().unwrap().len(), 3);
    fails_with(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn delete_business_unit_must_be_disabled() {
    let mut org = load(&base());
    let e = fails_with(
        &mut org,
        json!([{"op": "deleteBusinessUnit", "businessUnit": "support"}]),
        "not-disabled",
        "/changes/0/businessUnit",
    );
    assert!(e.help.is_some());
    fails_with(
        &mut org,
        json!([{"op": "deleteBusinessUnit", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn delete_business_unit_lists_its_blockers() {
    let mut org = load(&base());
    let e = fails_with(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "sales"},
               {"op": "deleteBusinessUnit", "businessUnit": "sales"}]),
        "not-empty",
        "/changes/1/businessUnit",
    );
    for blocker in ["2 users", "1 teams", "1 child units", "records"] {
        assert!(
            e.message.contains(blocker),
            "`{blocker}` missing in: {}",
            e.message
        );
    }
    assert!(e.help.is_some());
    let e = fails_with(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "root"},
               {"op": "deleteBusinessUnit", "businessUnit": "root"}]),
        "not-empty",
        "/changes/1/businessUnit",
    );
    assert!(e.message.contains("root"), "{}", e.message);
}

#[test]
fn delete_business_unit_when_empty() {
    let mut org = load(&base());
    // empty east: move cy (and cy1 with it) away first
    run(
        &mut org,
        json!([{"op": "moveUser", "user": "cy", "businessUnit": "sales"},
               {"op": "disableBusinessUnit", "businessUnit": "east"},
               {"op": "deleteBusinessUnit", "businessUnit": "east"}]),
    );
    let s = snap(&org);
    assert!(!has(&s, "businessUnits", "east"));
    assert_eq!(record(&s, "cy1")["businessUnit"], "sales");
    // its default team is gone too
    fails_with(
        &mut org,
        json!([{"op": "share", "record": "a1", "principal": {"team": "default:east"}, "rights": ["read"]}]),
        "unknown-team",
        "/changes/0/principal/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "east"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn delete_business_unit_blocked_by_shares_to_its_default_team() {
    let mut v = base();
    v["businessUnits"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "lab", "name": "Lab", "parent": "root", "disabled": true}));
    v["shares"] =
        json!([{"record": "a1", "principal": {"team": "default:lab"}, "rights": ["read"]}]);
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "deleteBusinessUnit", "businessUnit": "lab"}]),
        "not-empty",
        "/changes/0/businessUnit",
    );
    run(
        &mut org,
        json!([{"op": "unshare", "record": "a1", "principal": {"team": "default:lab"}},
               {"op": "deleteBusinessUnit", "businessUnit": "lab"}]),
    );
    assert!(!has(&snap(&org), "businessUnits", "lab"));
}

#[test]
fn merge_business_units_moves_everything_then_deletes() {
    let mut v = base();
    v["shares"] =
        json!([{"record": "d1", "principal": {"team": "default:sales"}, "rights": ["read"]}]);
    let mut org = load(&v);
    let impact = run(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "sales", "into": "support"}]),
    );
    let s = snap(&org);
    assert!(!has(&s, "businessUnits", "sales"));
    assert_eq!(unit(&s, "east")["parent"], "support", "child units move");
    for u in ["ana", "bob"] {
        assert_eq!(user(&s, u)["businessUnit"], "support", "{u}");
        assert_eq!(
            user(&s, u)["roles"],
            json!([]),
            "{u}: a move removes direct roles"
        );
    }
    assert_eq!(team(&s, "deal")["businessUnit"], "support", "teams move");
    assert_eq!(team(&s, "deal")["roles"], json!([]));
    for r in ["a1", "a2", "c1", "c2", "c3", "b1", "t1"] {
        assert_eq!(record(&s, r)["businessUnit"], "support", "{r}");
    }
    // shares with the old default team go to the new one
    assert_eq!(
        s["shares"],
        json!([{"record": "d1", "principal": {"team": "default:support"}, "rights": ["read"]}])
    );
    assert_eq!(effects(&impact, "userMoved").len(), 2);
    assert_eq!(effects(&impact, "teamMoved").len(), 1);
    // cy (east, now under support) keeps ana (now support, an ancestor of east)
    assert_eq!(user(&s, "cy")["manager"], "ana");
}

#[test]
fn merge_business_units_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "sales", "into": "sales"}]),
        "bad-value",
        "/changes/0/into",
    );
    fails_with(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "root", "into": "sales"}]),
        "bad-value",
        "/changes/0/from",
    );
    fails_with(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "sales", "into": "east"}]),
        "cycle",
        "/changes/0/into",
    );
    fails_with(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "mars", "into": "east"}]),
        "unknown-business-unit",
        "/changes/0/from",
    );
    fails_with(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "east", "into": "mars"}]),
        "unknown-business-unit",
        "/changes/0/into",
    );
}

// ------------------------------------------------------------------------- users

#[test]
fn create_user_joins_the_default_team() {
    let mut v = base();
    v["businessUnits"][1]["defaultTeamRoles"] = json!([{"role": "reader"}]);
    let mut org = load(&v);
    run(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales",
                "manager": "ana", "category": "front-office", "roles": [{"role": "viewer"}]}]),
    );
    let s = snap(&org);
    assert_eq!(
        *user(&s, "fay"),
        json!({"id": "fay", "name": "Fay", "businessUnit": "sales", "manager": "ana",
               "disabled": false, "category": "front-office", "roles": [{"role": "viewer"}]})
    );
    assert!(
        can(&org, "fay", Right::Read, "a1"),
        "through the sales default team"
    );
    run(
        &mut org,
        json!([{"op": "createUser", "id": "gus", "name": "Gus", "businessUnit": "sales", "disabled": true}]),
    );
    assert_eq!(user(&snap(&org), "gus")["disabled"], true);
    assert!(!can(&org, "gus", Right::Read, "a1"));
}

#[test]
fn create_user_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "ana", "name": "Ana 2", "businessUnit": "sales"}]),
        "duplicate-id",
        "/changes/0/id",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales", "manager": "ghost"}]),
        "unknown-user",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales", "manager": "dee"}]),
        "manager-out-of-scope",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales", "roles": [{"role": "viewer"}, {"role": "nope"}]}]),
        "unknown-role",
        "/changes/0/roles/1/role",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales", "roles": [{"role": "reader", "businessUnit": "east"}]}]),
        "role-anchor-not-allowed",
        "/changes/0/roles/0/businessUnit",
    );
    fails_with(
        &mut org,
        json!([{"op": "createUser", "id": "fay", "name": "Fay", "businessUnit": "sales", "roles": [{"role": "viewer"}, {"role": "viewer"}]}]),
        "duplicate-id",
        "/changes/0/roles/1",
    );
}

#[test]
fn set_manager_and_hierarchy_access() {
    let mut v = base();
    v["hierarchy"] = json!({"model": "manager", "depth": 2, "tables": ["account"]});
    let mut org = load(&v);
    assert!(can(&org, "ana", Right::Write, "cy1"));
    assert!(can(&org, "boss", Right::Read, "cy1"));
    let impact = run(
        &mut org,
        json!([{"op": "setManager", "user": "cy", "manager": null}]),
    );
    assert_eq!(user(&snap(&org), "cy")["manager"], Value::Null);
    let mut want = lines(
        "ana",
        "-",
        "account",
        &["read", "write", "append", "appendTo"],
        &["cy1"],
    );
    want.push("boss -account.read 1 [cy1]".into());
    assert_eq!(access(&impact), want);
    let impact = run(
        &mut org,
        json!([{"op": "setManager", "user": "cy", "manager": "bob"}]),
    );
    assert_eq!(user(&snap(&org), "cy")["manager"], "bob");
    // bob (distance 1) gets the near rights, ana (distance 2) read
    let mut want = vec!["ana +account.read 1 [cy1]".to_string()];
    want.extend(lines(
        "bob",
        "+",
        "account",
        &["read", "write", "append", "appendTo"],
        &["cy1"],
    ));
    assert_eq!(access(&impact), want);
}

#[test]
fn set_manager_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "setManager", "user": "ana", "manager": "bob"}]),
        "cycle",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "setManager", "user": "ana", "manager": "ana"}]),
        "cycle",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "setManager", "user": "bob", "manager": "dee"}]),
        "manager-out-of-scope",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "setManager", "user": "bob", "manager": "ghost"}]),
        "unknown-user",
        "/changes/0/manager",
    );
    fails_with(
        &mut org,
        json!([{"op": "setManager", "user": "ghost", "manager": "ana"}]),
        "unknown-user",
        "/changes/0/user",
    );
    // without the setting any manager outside the cycle is fine
    let mut org = load(&setting(
        base(),
        "managersMustBeInSameOrParentBusinessUnit",
        false,
    ));
    run(
        &mut org,
        json!([{"op": "setManager", "user": "bob", "manager": "dee"}]),
    );
    assert_eq!(user(&snap(&org), "bob")["manager"], "dee");
}

#[test]
fn disable_user_removes_all_access_and_warns_about_owned_records() {
    let mut org = load(&base());
    let impact = run(&mut org, json!([{"op": "disableUser", "user": "bob"}]));
    assert_eq!(user(&snap(&org), "bob")["disabled"], true);
    assert!(org.rights("bob", "b1").unwrap().to_vec().is_empty());
    let mut want = lines("bob", "-", "account", &ALL, &["b1", "t1"]);
    want.extend(lines("bob", "-", "contact", &ALL, &["c3"]));
    want.push("bob -currency.read 1 [eur]".into());
    assert_eq!(access(&impact), want);
    let w = warnings(&impact, "recordsOwnedByDisabledUser");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "bob");
    assert_eq!(w[0]["count"], 2);
    assert_eq!(w[0]["sample"], json!(["b1", "c3"]));
    // enabling gives it all back
    let impact = run(&mut org, json!([{"op": "enableUser", "user": "bob"}]));
    assert_eq!(user(&snap(&org), "bob")["disabled"], false);
    let mut want = lines("bob", "+", "account", &ALL, &["b1", "t1"]);
    want.extend(lines("bob", "+", "contact", &ALL, &["c3"]));
    want.push("bob +currency.read 1 [eur]".into());
    assert_eq!(access(&impact), want);
}

#[test]
fn disable_user_hands_records_over() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "disableUser", "user": "bob", "reassignRecordsTo": {"user": "cy"}}]),
    );
    let s = snap(&org);
    for r in ["b1", "c3"] {
        assert_eq!(record(&s, r)["owner"], json!({"user": "cy"}));
        assert_eq!(record(&s, r)["businessUnit"], "east");
    }
    assert!(warnings(&impact, "recordsOwnedByDisabledUser").is_empty());
    let e = effects(&impact, "recordsReassigned");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["count"], 2);
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "disableUser", "user": "bob", "reassignRecordsTo": {"user": "bob"}}]),
        "bad-value",
        "/changes/0/reassignRecordsTo",
    );
    fails_with(
        &mut org,
        json!([{"op": "disableUser", "user": "bob", "reassignRecordsTo": {"user": "nobody"}}]),
        "owner-lacks-privilege",
        "/changes/0/reassignRecordsTo",
    );
    fails_with(
        &mut org,
        json!([{"op": "disableUser", "user": "ghost"}]),
        "unknown-user",
        "/changes/0/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "enableUser", "user": "ghost"}]),
        "unknown-user",
        "/changes/0/user",
    );
}

#[test]
fn enable_user_loaded_disabled_keeps_team_memberships() {
    // minimal: one disabled user, member of an owner team that owns the record
    let v = json!({"version": 1,
        "businessUnits": [{"id": "root", "name": "Root", "parent": null}],
        "tables": [{"name": "account", "ownership": "user"}],
        "roles": [{"id": "r", "name": "R", "privileges": {"account": {"read": "basic"}}}],
        "users": [{"id": "u", "name": "U", "businessUnit": "root", "disabled": true, "roles": [{"role": "r"}]}],
        "teams": [{"id": "t", "name": "T", "kind": "owner", "businessUnit": "root", "members": ["u"]}],
        "records": [{"id": "a", "table": "account", "owner": {"team": "t"}}]});
    let mut org = load(&v);
    org.apply(parse(&json!([{"op": "enableUser", "user": "u"}])))
        .unwrap();
    let fresh = load(&snap(&org));
    assert!(
        can(&fresh, "u", Right::Read, "a"),
        "a fresh load of the applied state"
    );
    assert!(can(&org, "u", Right::Read, "a"), "the applied org itself");
}

// ------------------------------------------------------------------------- roles

#[test]
fn assign_and_remove_roles_on_users_and_teams() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "nobody"}, "role": "reader"}]),
    );
    assert_eq!(
        user(&snap(&org), "nobody")["roles"],
        json!([{"role": "reader"}])
    );
    assert_eq!(access(&impact), ["nobody +account.read 1 [d1]"]);
    let impact = run(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "nobody"}, "role": "reader"}]),
    );
    assert_eq!(access(&impact), ["nobody -account.read 1 [d1]"]);
    let w = warnings(&impact, "userWithoutRole");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "nobody");

    // an owner team: anchored at the team's unit
    assert!(!can(&org, "bob", Right::Read, "cy1"));
    run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"team": "deal"}, "role": "deep"}]),
    );
    assert_eq!(
        team(&snap(&org), "deal")["roles"],
        json!([{"role": "deep"}, {"role": "viewer"}])
    );
    assert!(can(&org, "bob", Right::Read, "cy1"));

    // a default team
    run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"team": "default:support"}, "role": "reader"}]),
    );
    assert_eq!(
        unit(&snap(&org), "support")["defaultTeamRoles"],
        json!([{"role": "reader"}])
    );
    assert!(can(&org, "nobody", Right::Read, "d1"));
    run(
        &mut org,
        json!([{"op": "removeRole", "principal": {"team": "default:support"}, "role": "reader"}]),
    );
    assert!(unit(&snap(&org), "support")
        .get("defaultTeamRoles")
        .is_none());
}

#[test]
fn role_anchors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "reader", "businessUnit": "east"}]),
        "role-anchor-not-allowed",
        "/changes/0/businessUnit",
    );
    // the holder's own unit is the implicit anchor
    run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "reader", "businessUnit": "sales"}]),
    );
    assert_eq!(
        user(&snap(&org), "bob")["roles"],
        json!([{"role": "reader"}, {"role": "sp"}])
    );
    let mut org = load(&setting(base(), "ownershipAcrossBusinessUnits", true));
    run(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "reader", "businessUnit": "east"}]),
    );
    assert_eq!(
        user(&snap(&org), "bob")["roles"],
        json!([{"role": "reader", "businessUnit": "east"}, {"role": "sp"}])
    );
    assert!(can(&org, "bob", Right::Read, "cy1"));
    // removeRole must name the same anchor
    fails_with(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "bob"}, "role": "reader"}]),
        "not-assigned",
        "/changes/0/role",
    );
    run(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "bob"}, "role": "reader", "businessUnit": "east"}]),
    );
    assert!(!can(&org, "bob", Right::Read, "cy1"));
}

#[test]
fn role_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "sp"}]),
        "duplicate-id",
        "/changes/0/role",
    );
    fails_with(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "bob"}, "role": "reader"}]),
        "not-assigned",
        "/changes/0/role",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "nope"}]),
        "unknown-role",
        "/changes/0/role",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"team": "fans"}, "role": "viewer"}]),
        "access-team-roles",
        "/changes/0/principal/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"team": "ghosts"}, "role": "viewer"}]),
        "unknown-team",
        "/changes/0/principal/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "ghost"}, "role": "viewer"}]),
        "unknown-user",
        "/changes/0/principal/user",
    );
    fails_with(
        &mut org,
        json!([{"op": "assignRole", "principal": {"user": "bob"}, "role": "viewer", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn removing_the_last_role_warns_about_owners_who_cannot_read() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "removeRole", "principal": {"user": "cy"}, "role": "sp"}]),
    );
    let w = warnings(&impact, "userWithoutRole");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "cy");
    let w = warnings(&impact, "ownerCannotRead");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["user"], "cy");
    assert_eq!(w[0]["count"], 1);
    assert_eq!(w[0]["sample"], json!(["cy1"]));
}

#[test]
fn merge_business_units_moves_explicit_anchors() {
    let mut v = setting(base(), "ownershipAcrossBusinessUnits", true);
    v["users"][2]["roles"] = json!([{"role": "sp"}, {"role": "reader", "businessUnit": "east"}]); // bob (sales)
    v["users"][4]["roles"] = json!([{"role": "sp"}, {"role": "reader", "businessUnit": "east"}]); // dee (support)
    let mut org = load(&v);
    run(
        &mut org,
        json!([{"op": "mergeBusinessUnits", "from": "east", "into": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(
        user(&s, "bob")["roles"],
        json!([{"role": "reader", "businessUnit": "support"}, {"role": "sp"}])
    );
    assert_eq!(
        user(&s, "dee")["roles"],
        json!([{"role": "reader"}, {"role": "sp"}]),
        "an anchor at the holder's own unit is the implicit one"
    );
    assert_eq!(user(&s, "cy")["businessUnit"], "support");
    assert_eq!(record(&s, "cy1")["businessUnit"], "support");
    assert!(can(&org, "bob", Right::Read, "cy1"));
}

// ------------------------------------------------------------------------- teams

#[test]
fn create_team_and_own_records() {
    let mut org = load(&base());
    run(
        &mut org,
        json!([{"op": "createTeam", "id": "squad", "name": "Squad", "kind": "owner", "businessUnit": "support",
                "members": ["nobody"], "roles": [{"role": "viewer"}], "inheritance": "team"},
               {"op": "assignRecord", "record": "d1", "owner": {"team": "squad"}}]),
    );
    let s = snap(&org);
    assert_eq!(
        *team(&s, "squad"),
        json!({"id": "squad", "name": "Squad", "kind": "owner", "businessUnit": "support",
               "members": ["nobody"], "roles": [{"role": "viewer"}], "inheritance": "team"})
    );
    assert!(
        can(&org, "nobody", Right::Read, "d1"),
        "team privileges cover the team's records"
    );
    run(
        &mut org,
        json!([{"op": "createTeam", "id": "club", "name": "Club", "kind": "access", "businessUnit": "root",
                "members": ["bob", "cy"]},
               {"op": "share", "record": "d1", "principal": {"team": "club"}, "rights": ["read"]}]),
    );
    assert!(can(&org, "cy", Right::Read, "d1"));
}

#[test]
fn create_team_errors() {
    let mut org = load(&base());
    fails_with(
        &mut org,
        json!([{"op": "createTeam", "id": "default:x", "name": "X", "kind": "owner", "businessUnit": "root"}]),
        "reserved-id",
        "/changes/0/id",
    );
    fails_with(
        &mut org,
        json!([{"op": "createTeam", "id": "deal", "name": "X", "kind": "owner", "businessUnit": "root"}]),
        "duplicate-id",
        "/changes/0/id",
    );
    fails_with(
        &mut org,
        json!([{"op": "createTeam", "id": "x", "name": "X", "kind": "access", "businessUnit": "root", "roles": [{"role": "viewer"}]}]),
        "access-team-roles",
        "/changes/0/roles",
    );
    fails_with(
        &mut org,
        json!([{"op": "createTeam", "id": "x", "name": "X", "kind": "owner", "businessUnit": "root", "members": ["bob", "ghost"]}]),
        "unknown-user",
        "/changes/0/members/1",
    );
    fails_with(
        &mut org,
        json!([{"op": "createTeam", "id": "x", "name": "X", "kind": "owner", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

#[test]
fn delete_team_must_own_nothing_and_drops_its_shares() {
    let mut v = base();
    v["shares"] = json!([{"record": "d1", "principal": {"team": "deal"}, "rights": ["read"]}]);
    let mut org = load(&v);
    let e = fails_with(
        &mut org,
        json!([{"op": "deleteTeam", "team": "deal"}]),
        "not-empty",
        "/changes/0/team",
    );
    assert!(e.help.is_some());
    let impact = run(
        &mut org,
        json!([{"op": "reassignRecords", "from": {"team": "deal"}, "to": {"user": "ana"}},
               {"op": "deleteTeam", "team": "deal"}]),
    );
    let s = snap(&org);
    assert!(!has(&s, "teams", "deal"));
    assert_eq!(s["shares"], json!([]));
    let e = effects(&impact, "sharesRemoved");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["count"], 1);
    assert!(!can(&org, "bob", Right::Read, "d1"));
    assert!(!can(&org, "bob", Right::Read, "t1"));
    fails_with(
        &mut org,
        json!([{"op": "deleteTeam", "team": "default:sales"}]),
        "reserved-id",
        "/changes/0/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "deleteTeam", "team": "deal"}]),
        "unknown-team",
        "/changes/0/team",
    );
}

#[test]
fn team_members() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "addTeamMembers", "team": "deal", "users": ["dee"]}]),
    );
    assert_eq!(
        team(&snap(&org), "deal")["members"],
        json!(["ana", "bob", "dee"])
    );
    // dee's sp (personal, basic) now covers the team's record t1
    assert_eq!(access(&impact), lines("dee", "+", "account", &ALL, &["t1"]));
    let impact = run(
        &mut org,
        json!([{"op": "removeTeamMembers", "team": "deal", "users": ["bob", "dee"]}]),
    );
    assert_eq!(team(&snap(&org), "deal")["members"], json!(["ana"]));
    let mut want = lines("bob", "-", "account", &ALL, &["t1"]);
    want.extend(lines("dee", "-", "account", &ALL, &["t1"]));
    assert_eq!(access(&impact), want);
    // access team members
    run(
        &mut org,
        json!([{"op": "addTeamMembers", "team": "fans", "users": ["cy"]},
               {"op": "share", "record": "b1", "principal": {"team": "fans"}, "rights": ["read"]}]),
    );
    assert!(can(&org, "cy", Right::Read, "b1"));
    fails_with(
        &mut org,
        json!([{"op": "addTeamMembers", "team": "default:sales", "users": ["dee"]}]),
        "reserved-id",
        "/changes/0/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "addTeamMembers", "team": "deal", "users": ["dee", "ghost"]}]),
        "unknown-user",
        "/changes/0/users/1",
    );
    fails_with(
        &mut org,
        json!([{"op": "removeTeamMembers", "team": "ghosts", "users": ["dee"]}]),
        "unknown-team",
        "/changes/0/team",
    );
}

#[test]
fn move_team_removes_roles_and_moves_records() {
    let mut org = load(&base());
    let impact = run(
        &mut org,
        json!([{"op": "moveTeam", "team": "deal", "businessUnit": "support"}]),
    );
    let s = snap(&org);
    assert_eq!(team(&s, "deal")["businessUnit"], "support");
    assert_eq!(team(&s, "deal")["roles"], json!([]));
    assert_eq!(record(&s, "t1")["businessUnit"], "support");
    let removed = effects(&impact, "roleRemoved");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["team"], "deal");
    assert_eq!(removed[0]["role"], "viewer");
    assert_eq!(effects(&impact, "teamMoved").len(), 1);

    let mut org = load(&setting(
        base(),
        "doNotRemoveRolesOnChangeBusinessUnit",
        true,
    ));
    run(
        &mut org,
        json!([{"op": "moveTeam", "team": "deal", "businessUnit": "support"}]),
    );
    assert_eq!(
        team(&snap(&org), "deal")["roles"],
        json!([{"role": "viewer"}])
    );
    fails_with(
        &mut org,
        json!([{"op": "moveTeam", "team": "default:sales", "businessUnit": "support"}]),
        "reserved-id",
        "/changes/0/team",
    );
    fails_with(
        &mut org,
        json!([{"op": "moveTeam", "team": "deal", "businessUnit": "mars"}]),
        "unknown-business-unit",
        "/changes/0/businessUnit",
    );
}

// ------------------------------------------------------------------------- settings

#[test]
fn set_setting_applies_to_later_operations() {
    let mut org = load(&setting(base(), "shareToPreviousOwnerOnAssign", false));
    run(
        &mut org,
        json!([{"op": "setSetting", "name": "shareToPreviousOwnerOnAssign", "value": true},
               {"op": "assignRecord", "record": "b1", "owner": {"user": "cy"}}]),
    );
    let s = snap(&org);
    assert_eq!(s["settings"]["shareToPreviousOwnerOnAssign"], true);
    assert!(s["shares"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["record"] == "b1" && x["principal"] == json!({"user": "bob"})));
}

#[test]
fn set_setting_errors() {
    let mut org = load(&base());
    let e = fails_with(
        &mut org,
        json!([{"op": "setSetting", "name": "fastMode", "value": true}]),
        "unknown-setting",
        "/changes/0/name",
    );
    assert!(e.help.unwrap().contains("ownershipAcrossBusinessUnits"));
    // turning ownershipAcrossBusinessUnits off while a record is outside its owner's unit
    let mut v = setting(base(), "ownershipAcrossBusinessUnits", true);
    v["records"][0]["businessUnit"] = json!("east");
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "setSetting", "name": "ownershipAcrossBusinessUnits", "value": false}]),
        "setting-violation",
        "/changes/0/value",
    );
    // ... or a role is anchored explicitly elsewhere
    let mut v = setting(base(), "ownershipAcrossBusinessUnits", true);
    v["users"][2]["roles"] = json!([{"role": "reader", "businessUnit": "east"}]);
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "setSetting", "name": "ownershipAcrossBusinessUnits", "value": false}]),
        "setting-violation",
        "/changes/0/value",
    );
    // managers outside the unit and its ancestors
    let mut v = setting(base(), "managersMustBeInSameOrParentBusinessUnit", false);
    v["users"][2]["manager"] = json!("dee");
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "setSetting", "name": "managersMustBeInSameOrParentBusinessUnit", "value": true}]),
        "setting-violation",
        "/changes/0/value",
    );
    run(
        &mut org,
        json!([{"op": "setManager", "user": "bob", "manager": "ana"},
               {"op": "setSetting", "name": "managersMustBeInSameOrParentBusinessUnit", "value": true}]),
    );
}

// ------------------------------------------------------------------------- changesets

#[test]
fn changeset_is_all_or_nothing_and_reports_every_error() {
    let mut org = load(&base());
    let errs = fail(
        &mut org,
        json!([{"op": "renameBusinessUnit", "businessUnit": "east", "name": "E"},
               {"op": "moveUser", "user": "ghost", "businessUnit": "support"},
               {"op": "assignRecord", "record": "b1", "owner": {"user": "dee"}},
               {"op": "share", "record": "zz", "principal": {"user": "bob"}, "rights": ["read"]}]),
    );
    let got: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.code.as_str(), e.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown-user", "/changes/1/user"),
            ("unknown-record", "/changes/3/record")
        ]
    );
    assert!(org.history().is_empty());
}

#[test]
fn history_undo_redo() {
    let mut org = load(&base());
    let v0 = org.to_json();
    assert!(!org.undo());
    assert!(!org.redo());
    assert_eq!(org.version(), 0);
    let n = org
        .apply(parse(&json!([
            {"op": "moveUser", "user": "bob", "businessUnit": "support"},
            {"op": "moveUser", "user": "cy", "businessUnit": "support"},
            {"op": "assignRole", "principal": {"user": "bob"}, "role": "sp"}
        ])))
        .unwrap();
    assert_eq!(n, 1);
    let v1 = org.to_json();
    let n = org
        .apply(parse(
            &json!([{"op": "renameBusinessUnit", "businessUnit": "east", "name": "E"}]),
        ))
        .unwrap();
    assert_eq!(n, 2);
    let v2 = org.to_json();
    let h = serde_json::to_value(org.history()).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert_eq!(h[0]["version"], 1);
    assert_eq!(h[0]["summary"], "moveUser ×2, assignRole");
    assert_eq!(
        h[0]["changes"][0],
        json!({"op": "moveUser", "user": "bob", "businessUnit": "support"})
    );
    assert_eq!(h[1]["version"], 2);
    assert_eq!(h[1]["summary"], "renameBusinessUnit");

    assert!(org.undo());
    assert_eq!(org.to_json(), v1);
    assert_eq!(org.history().len(), 1);
    assert!(org.undo());
    assert_eq!(org.to_json(), v0);
    assert!(!org.undo());
    assert!(org.redo());
    assert_eq!(org.to_json(), v1);
    assert!(org.redo());
    assert_eq!(org.to_json(), v2);
    assert!(!org.redo());
    // a new apply after an undo drops the redo stack
    assert!(org.undo());
    org.apply(parse(&json!([{"op": "enableUser", "user": "bob"}])))
        .unwrap();
    assert!(!org.redo());
    assert_eq!(org.version(), 2);
    // decisions follow undo
    assert!(org.undo());
    assert!(org.undo());
    assert!(can(&org, "bob", Right::Write, "b1"));
    assert_eq!(record(&snap(&org), "b1")["businessUnit"], "sales");
}

#[test]
fn failed_apply_keeps_history() {
    let mut org = load(&base());
    org.apply(parse(
        &json!([{"op": "renameBusinessUnit", "businessUnit": "east", "name": "E"}]),
    ))
    .unwrap();
    fail(
        &mut org,
        json!([{"op": "moveUser", "user": "ghost", "businessUnit": "support"}]),
    );
    assert_eq!(org.version(), 1);
    assert!(org.undo());
    assert_eq!(unit(&snap(&org), "east")["name"], "East");
}

// ------------------------------------------------------------------------- parse_changes

fn parse_errors(text: &str) -> Vec<(String, String)> {
    Org::parse_changes(text)
        .err()
        .unwrap_or_else(|| panic!("{text} should not parse"))
        .0
        .iter()
        .map(|e| (e.code.clone(), e.path.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn parse_changes_forms() {
    let a = Org::parse_changes(r#"[{"op":"enableUser","user":"bob"}]"#).unwrap();
    let b = Org::parse_changes(r#"{"changes":[{"op":"enableUser","user":"bob"}]}"#).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].op(), "enableUser");
    assert!(Org::parse_changes("[]").unwrap().is_empty());
    // optional fields default
    let c = Org::parse_changes(
        r#"[{"op":"setManager","user":"bob","manager":null},
        {"op":"moveUser","user":"bob","businessUnit":"x"}]"#,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        json!([{"op": "setManager", "user": "bob", "manager": null},
               {"op": "moveUser", "user": "bob", "businessUnit": "x"}])
    );
    // every operation of SPEC §6 parses and round-trips
    let all = json!([
        {"op": "createBusinessUnit", "id": "x", "name": "X", "parent": "root"},
        {"op": "renameBusinessUnit", "businessUnit": "x", "name": "Y"},
        {"op": "reparentBusinessUnit", "businessUnit": "x", "parent": "sales"},
        {"op": "disableBusinessUnit", "businessUnit": "x"},
        {"op": "enableBusinessUnit", "businessUnit": "x"},
        {"op": "deleteBusinessUnit", "businessUnit": "x"},
        {"op": "mergeBusinessUnits", "from": "east", "into": "sales"},
        {"op": "createUser", "id": "u", "name": "U", "businessUnit": "sales", "manager": "ana", "disabled": false,
         "category": "front-office", "roles": [{"role": "sp"}, {"role": "reader", "businessUnit": "sales"}]},
        {"op": "moveUser", "user": "u", "businessUnit": "root", "moveRecords": false, "reassignRecordsTo": {"team": "deal"}},
        {"op": "moveUsers", "users": ["u", "bob"], "businessUnit": "root", "moveRecords": true},
        {"op": "setManager", "user": "u", "manager": "boss"},
        {"op": "disableUser", "user": "u", "reassignRecordsTo": {"user": "ana"}},
        {"op": "enableUser", "user": "u"},
        {"op": "assignRole", "principal": {"user": "u"}, "role": "sp", "businessUnit": "root"},
        {"op": "removeRole", "principal": {"team": "deal"}, "role": "viewer"},
        {"op": "createTeam", "id": "t", "name": "T", "kind": "owner", "businessUnit": "root", "members": ["u"],
         "roles": [{"role": "sp"}], "inheritance": "team"},
        {"op": "deleteTeam", "team": "t"},
        {"op": "addTeamMembers", "team": "deal", "users": ["u"]},
        {"op": "removeTeamMembers", "team": "deal", "users": ["u"]},
        {"op": "moveTeam", "team": "deal", "businessUnit": "root"},
        {"op": "assignRecord", "record": "a1", "owner": {"user": "u"}},
        {"op": "reassignRecords", "from": {"user": "ana"}, "to": {"team": "deal"}, "table": "account"},
        {"op": "setRecordBusinessUnit", "record": "a1", "businessUnit": "root"},
        {"op": "createRecord", "id": "r", "name": "R", "table": "contact", "owner": {"user": "u"},
         "businessUnit": "root", "parent": "a1", "active": false},
        {"op": "deleteRecord", "record": "r"},
        {"op": "share", "record": "a1", "principal": {"user": "u"}, "rights": ["read", "appendTo"]},
        {"op": "modifyShare", "record": "a1", "principal": {"user": "u"}, "rights": ["write"]},
        {"op": "unshare", "record": "a1", "principal": {"user": "u"}},
        {"op": "addAccessTeamMember", "record": "a1", "template": "acct-team", "user": "u"},
        {"op": "removeAccessTeamMember", "record": "a1", "template": "acct-team", "user": "u"},
        {"op": "setSetting", "name": "shareToPreviousOwnerOnAssign", "value": true}
    ]);
    let parsed = parse(&all);
    assert_eq!(parsed.len(), 31);
    let again = serde_json::to_value(&parsed).unwrap();
    assert_eq!(parse(&again), parsed);
}

#[test]
fn parse_changes_not_a_changeset() {
    assert_eq!(
        parse_errors(r#"{"op":"enableUser","user":"bob"}"#),
        pairs(&[("bad-type", "/changes")])
    );
    assert_eq!(parse_errors("nope"), pairs(&[("invalid-json", "/changes")]));
    assert_eq!(parse_errors("[1]"), pairs(&[("bad-type", "/changes/0")]));
    assert_eq!(
        parse_errors(r#"[{"user":"bob"}]"#),
        pairs(&[("missing-field", "/changes/0/op")])
    );
    assert_eq!(
        parse_errors(r#"[{"op":"moveUser","businessUnit":"sales"}]"#),
        pairs(&[("missing-field", "/changes/0")])
    );
}

#[test]
fn parse_changes_unknown_operation() {
    assert_eq!(
        parse_errors(r#"[{"op":"enableUser","user":"bob"},{"op":"fly"}]"#),
        pairs(&[("unknown-operation", "/changes/1/op")])
    );
}

#[test]
fn parse_changes_bad_values_inside_known_operations() {
    assert_eq!(
        parse_errors(
            r#"[{"op":"share","record":"a1","principal":{"user":"bob"},"rights":["fly"]}]"#
        ),
        pairs(&[("bad-right", "/changes/0/rights/0")])
    );
    assert_eq!(
        parse_errors(
            r#"[{"op":"share","record":"a1","principal":{"group":"x"},"rights":["read"]}]"#
        ),
        pairs(&[("bad-type", "/changes/0/principal")])
    );
    assert_eq!(
        parse_errors(
            r#"[{"op":"createTeam","id":"t","name":"T","kind":"big","businessUnit":"root"}]"#
        ),
        pairs(&[("bad-type", "/changes/0/kind")])
    );
}

#[test]
fn parse_changes_field_paths() {
    assert_eq!(
        parse_errors(r#"[{"op":"moveUser","user":"bob","businessUnit":"sales","bogus":1}]"#),
        pairs(&[("unknown-field", "/changes/0/bogus")])
    );
    assert_eq!(
        parse_errors(r#"[{"op":"moveUser","user":5,"businessUnit":"sales"}]"#),
        pairs(&[("bad-type", "/changes/0/user")])
    );
    assert_eq!(
        parse_errors(
            r#"[{"op":"moveUser","user":"bob","businessUnit":"sales","moveRecords":"yes"}]"#
        ),
        pairs(&[("bad-type", "/changes/0/moveRecords")])
    );
    assert_eq!(
        parse_errors(r#"[{"op":"moveUsers","users":["bob",3],"businessUnit":"sales"}]"#),
        pairs(&[("bad-type", "/changes/0/users/1")])
    );
}

#[test]
fn parse_changes_error_codes_and_indexes() {
    // codes (paths aside) of wrong fields and several errors at once
    let codes = |t: &str| -> Vec<String> { parse_errors(t).into_iter().map(|e| e.0).collect() };
    assert_eq!(
        codes(r#"[{"op":"moveUser","user":"bob","businessUnit":"sales","bogus":1}]"#),
        ["unknown-field"]
    );
    assert_eq!(
        codes(r#"[{"op":"moveUser","user":5,"businessUnit":"sales"}]"#),
        ["bad-type"]
    );
    assert_eq!(
        codes(r#"[{"op":"setSetting","name":"x","value":"true"}]"#),
        ["bad-type"]
    );
    assert_eq!(codes(r#"[{"op":5}]"#), ["bad-type"]);
    let errs = parse_errors(
        r#"[{"op":"enableUser","user":"bob"},{"op":"enableUser"},{"op":"enableUser","user":"bob"},{"op":"moveUser","user":1,"businessUnit":"x"}]"#,
    );
    assert_eq!(errs.len(), 2);
    assert!(errs[0].1.starts_with("/changes/1"), "{errs:?}");
    assert!(errs[1].1.starts_with("/changes/3"), "{errs:?}");
}

#[test]
fn parse_changes_duplicate_field() {
    assert_eq!(
        parse_errors(r#"[{"op":"moveUser","user":"bob","user":"cy","businessUnit":"sales"}]"#),
        pairs(&[("duplicate-field", "/changes/0/user")])
    );
}

// ------------------------------------------------------------------------- engine bugs found

/// Applies `ops` and checks the applied state reloads, canonically.
fn applied_state_reloads(v: &Value, ops: Value) -> Org {
    let mut org = load(v);
    org.apply(parse(&ops)).unwrap();
    let after = org.to_json();
    let reloaded = Org::from_json(&after)
        .unwrap_or_else(|e| panic!("the applied state does not reload: {e:?}\n{after}"));
    assert_eq!(
        reloaded.to_json(),
        after,
        "the applied state is not canonical"
    );
    org
}

#[test]
fn merge_business_units_moves_records_of_the_default_team() {
    let v = json!({"version": 1,
        "businessUnits": [{"id": "root", "name": "Root", "parent": null},
                          {"id": "x", "name": "X", "parent": "root"}],
        "tables": [{"name": "account", "ownership": "user"}],
        "records": [{"id": "a", "table": "account", "owner": {"team": "default:x"}}]});
    let org = applied_state_reloads(
        &v,
        json!([{"op": "mergeBusinessUnits", "from": "x", "into": "root"}]),
    );
    assert_eq!(
        record(&snap(&org), "a")["owner"],
        json!({"team": "default:root"})
    );
}

#[test]
fn delete_business_unit_blocked_by_records_of_its_default_team() {
    let v = json!({"version": 1,
        "settings": {"ownershipAcrossBusinessUnits": true},
        "businessUnits": [{"id": "root", "name": "Root", "parent": null},
                          {"id": "x", "name": "X", "parent": "root", "disabled": true}],
        "tables": [{"name": "account", "ownership": "user"}],
        "records": [{"id": "a", "table": "account", "owner": {"team": "default:x"}, "businessUnit": "root"}]});
    let mut org = load(&v);
    fails_with(
        &mut org,
        json!([{"op": "deleteBusinessUnit", "businessUnit": "x"}]),
        "not-empty",
        "/changes/0/businessUnit",
    );
}

#[test]
fn move_user_with_kept_role_anchored_at_the_new_unit() {
    // both assignments mean `reader` anchored at east once bob is in east: the export
    // lists the role twice and does not reload (duplicate-id)
    let v = json!({"version": 1,
        "settings": {"ownershipAcrossBusinessUnits": true, "doNotRemoveRolesOnChangeBusinessUnit": true},
        "businessUnits": [{"id": "root", "name": "Root", "parent": null},
                          {"id": "east", "name": "East", "parent": "root"}],
        "tables": [{"name": "account", "ownership": "user"}],
        "roles": [{"id": "reader", "name": "Reader", "privileges": {"account": {"read": "local"}}}],
        "users": [{"id": "bob", "name": "Bob", "businessUnit": "root",
                   "roles": [{"role": "reader"}, {"role": "reader", "businessUnit": "east"}]}]});
    applied_state_reloads(
        &v,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "east"}]),
    );
}

#[test]
fn move_user_explicit_anchor_becomes_implicit() {
    // one assignment: the export keeps `businessUnit: east` while a reload drops it, so the
    // applied org and its reload differ (and behave differently on the next move)
    let v = json!({"version": 1,
        "settings": {"ownershipAcrossBusinessUnits": true, "doNotRemoveRolesOnChangeBusinessUnit": true},
        "businessUnits": [{"id": "root", "name": "Root", "parent": null},
                          {"id": "east", "name": "East", "parent": "root"}],
        "tables": [{"name": "account", "ownership": "user"}],
        "roles": [{"id": "reader", "name": "Reader", "privileges": {"account": {"read": "local"}}}],
        "users": [{"id": "bob", "name": "Bob", "businessUnit": "root",
                   "roles": [{"role": "reader", "businessUnit": "east"}]}]});
    applied_state_reloads(
        &v,
        json!([{"op": "moveUser", "user": "bob", "businessUnit": "east"}]),
    );
}

fn hierarchy_through_disabled_report(trailing_user: bool) -> Value {
    let mut users = vec![
        json!({"id": "m", "name": "M", "businessUnit": "x", "roles": [{"role": "w"}]}),
        json!({"id": "o", "name": "O", "businessUnit": "root"}),
        json!({"id": "v", "name": "V", "businessUnit": "root", "manager": "m", "disabled": true}),
    ];
    if trailing_user {
        users.push(json!({"id": "z", "name": "Z", "businessUnit": "root"}));
    }
    json!({"version": 1,
        "settings": {"managersMustBeInSameOrParentBusinessUnit": false},
        "businessUnits": [{"id": "root", "name": "Root", "parent": null},
                          {"id": "x", "name": "X", "parent": "root"}],
        "tables": [{"name": "contact", "ownership": "user"}],
        "roles": [{"id": "w", "name": "W", "privileges": {"contact": {"write": "basic"}}}],
        "users": users,
        "teams": [{"id": "club", "name": "Club", "kind": "access", "businessUnit": "root", "members": ["v"]}],
        "records": [{"id": "r", "table": "contact", "owner": {"user": "o"}}],
        "shares": [{"record": "r", "principal": {"team": "club"}, "rights": ["write"]}],
        "hierarchy": {"model": "manager", "depth": 1, "tables": ["contact"]}})
}

#[test]
fn simulate_hierarchy_through_a_disabled_reports_team_share() {
    // m manages v (disabled; disabled reports still count); v's access team has a write
    // share on r; disabling m's unit takes the hierarchy access away
    let mut org = load(&hierarchy_through_disabled_report(true));
    assert!(can(&org, "m", Right::Write, "r"));
    let impact = run(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "x"}]),
    );
    assert_eq!(access(&impact), ["m -contact.write 1 [r]"]);
}

#[test]
fn simulate_hierarchy_through_a_disabled_reports_team_share_last_user() {
    let mut org = load(&hierarchy_through_disabled_report(false));
    assert!(can(&org, "m", Right::Write, "r"));
    let impact = run(
        &mut org,
        json!([{"op": "disableBusinessUnit", "businessUnit": "x"}]),
    );
    assert_eq!(access(&impact), ["m -contact.write 1 [r]"]);
}

fn three_levels(contact_task_assign: &str) -> Value {
    let mut v = base();
    v["tables"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "task", "ownership": "user"}));
    v["relationships"].as_array_mut().unwrap().push(json!({"parent": "contact", "child": "task",
        "cascade": {"assign": contact_task_assign, "share": "all", "unshare": "all", "reparent": "all", "delete": "removeLink"}}));
    let recs = v["records"].as_array_mut().unwrap();
    recs.push(json!({"id": "k1", "table": "task", "owner": {"user": "ana"}, "parent": "c1"}));
    recs.push(json!({"id": "k2", "table": "task", "owner": {"user": "ana"}, "parent": "c1", "active": false}));
    recs.push(json!({"id": "k3", "table": "task", "owner": {"user": "bob"}, "parent": "c3"}));
    recs.push(json!({"id": "k4", "table": "task", "owner": {"user": "ana"}, "parent": "c3"}));
    v
}

fn owners_after_assign(v: &Value) -> Vec<(String, String)> {
    let mut org = load(v);
    run(
        &mut org,
        json!([{"op": "assignRecord", "record": "a1", "owner": {"user": "dee"}}]),
    );
    let s = snap(&org);
    ["c1", "c3", "k1", "k2", "k3", "k4"]
        .iter()
        .map(|r| {
            (
                r.to_string(),
                record(&s, r)["owner"]["user"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn assign_record_cascades_through_grandchildren() {
    let got = owners_after_assign(&three_levels("all"));
    let want: Vec<(String, String)> = ["c1", "c3", "k1", "k2", "k3", "k4"]
        .iter()
        .map(|r| (r.to_string(), "dee".to_string()))
        .collect();
    assert_eq!(got, want);
    let got = owners_after_assign(&three_levels("active"));
    assert_eq!(got[3], ("k2".into(), "ana".into()), "inactive task stays");
    assert_eq!(got[2], ("k1".into(), "dee".into()));
    assert_eq!(got[4], ("k3".into(), "dee".into()));
}

#[test]
fn assign_record_user_owned_cascade_uses_the_parents_previous_owner() {
    // a1 (ana) -> c3 (bob) by `all`; c3 -> k3 (bob), k4 (ana) by `userOwned`: k3 is owned by
    // its parent's previous owner (bob) and follows; k4 is not and stays with ana
    let got = owners_after_assign(&three_levels("userOwned"));
    assert_eq!(got[4], ("k3".into(), "dee".into()));
    assert_eq!(got[5], ("k4".into(), "ana".into()));
    assert_eq!(
        got[2],
        ("k1".into(), "dee".into()),
        "c1 was ana's, k1 is ana's"
    );
}

#[test]
fn empty_changeset() {
    let mut org = load(&base());
    let before = org.to_json();
    let impact = run(&mut org, json!([]));
    assert_eq!(
        impact,
        json!({"accessChanges": [], "sideEffects": [], "warnings": [], "assertions": [],
               "records": {"before": 10, "after": 10}})
    );
    assert_eq!(org.to_json(), before);
    assert_eq!(org.version(), 1);
    assert_eq!(org.history()[0].summary, "empty changeset");
}
