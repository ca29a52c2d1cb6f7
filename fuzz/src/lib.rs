//! Bodies of the fuzz targets, shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/*.rs`,
//! libFuzzer, nightly) and by the std-only tests of the main crate (`tests/fuzz_smoke.rs`,
//! `tests/fuzz_regressions.rs` include this file with `#[path]`).
//!
//! Every target takes arbitrary bytes and panics only when an engine invariant breaks:
//! a load or query panics, an error has an unknown code or a path that is not a JSON
//! pointer, the canonical snapshot does not reload to itself (JSON and binary), a failed
//! or simulated changeset leaves a trace, undo/redo are not byte-exact, the incremental
//! state after `apply` decides differently from a fresh load of its own snapshot,
//! `simulate` reports other access changes than a brute-force diff, or the engine
//! disagrees with the naive reference evaluator (`tests/common/reference.rs`).
//!
//! Set `CRM_FUZZ_LENIENT=<comma separated check names>` to skip checks already known to
//! fail (so fuzzing can go past them); names are listed in [`Check`].

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    dead_code
)]

#[path = "../../tests/common/random_org.rs"]
pub mod random_org;
#[path = "../../tests/common/reference.rs"]
pub mod reference;

use std::collections::{BTreeMap, BTreeSet};

use crm_policy::{Errors, Org, PolicyError, Right, RightSet};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

/// Every error code the engine may return (SPEC §7, `/tmp/common.md`, changes).
pub const KNOWN_CODES: &[&str] = &[
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
    "bad-bytes",
    // changes
    "unknown-operation",
    "unknown-setting",
    "setting-required",
    "setting-violation",
    "not-assigned",
    "not-disabled",
    "not-empty",
    "not-shared",
    "owner-lacks-privilege",
    "disabled-user",
    "restricted",
];

/// Names of the checks, for `CRM_FUZZ_LENIENT`.
pub enum Check {}
impl Check {
    pub const ERRORS: &'static str = "errors";
    pub const ROUNDTRIP: &'static str = "roundtrip";
    pub const QUERIES: &'static str = "queries";
    pub const TRACE: &'static str = "trace";
    pub const UNDO: &'static str = "undo";
    pub const FRESH: &'static str = "fresh";
    pub const SIMULATE: &'static str = "simulate";
    pub const REFERENCE: &'static str = "reference";
    /// A changeset stored a name longer than the load limit (known, reported).
    pub const NAMES: &'static str = "names";
}

fn lenient(check: &str) -> bool {
    std::env::var("CRM_FUZZ_LENIENT")
        .map(|v| v.split(',').any(|x| x.trim() == check))
        .unwrap_or(false)
}

macro_rules! ensure {
    ($check:expr, $cond:expr, $($fmt:tt)*) => {
        if !$cond && !lenient($check) {
            panic!("[{}] {}", $check, format!($($fmt)*));
        }
    };
}

fn check_error(e: &PolicyError, what: &str) {
    ensure!(
        Check::ERRORS,
        KNOWN_CODES.contains(&e.code.as_str()),
        "{what}: unknown error code `{}` ({e:?})",
        e.code
    );
    ensure!(
        Check::ERRORS,
        e.path.is_empty() || e.path.starts_with('/'),
        "{what}: path `{}` is not a JSON pointer ({e:?})",
        e.path
    );
    ensure!(
        Check::ERRORS,
        !e.message.is_empty(),
        "{what}: empty message ({e:?})"
    );
}

fn check_errors(errs: &Errors, what: &str) {
    ensure!(
        Check::ERRORS,
        !errs.0.is_empty(),
        "{what}: empty error list"
    );
    for e in &errs.0 {
        check_error(e, what);
    }
}

/// Ids of the users, records (with their table) and tables of an org.
pub struct Ids {
    pub users: Vec<String>,
    pub records: Vec<(String, String)>,
    pub tables: Vec<String>,
}

pub fn ids(org: &Org) -> Ids {
    let s = org.to_snapshot();
    Ids {
        users: s.users.iter().map(|u| u.id.clone()).collect(),
        records: s
            .records
            .iter()
            .map(|r| (r.id.clone(), r.table.clone()))
            .collect(),
        tables: s.tables.iter().map(|t| t.name.clone()).collect(),
    }
}

/// The canonical snapshot reloads to itself, as JSON and as bytes.
pub fn roundtrip(org: &Org) {
    let json = org.to_json();
    match Org::from_json(&json) {
        Ok(again) => ensure!(
            Check::ROUNDTRIP,
            again.to_json() == json,
            "to_json is not a fixed point:\n{json}\n{}",
            again.to_json()
        ),
        Err(e) => ensure!(
            Check::ROUNDTRIP,
            false,
            "canonical JSON does not reload: {e}\n{json}"
        ),
    }
    let bytes = org.to_bytes();
    match Org::from_bytes(&bytes) {
        Ok(again) => ensure!(
            Check::ROUNDTRIP,
            again.to_json() == json,
            "bytes do not round-trip:\n{json}\n{}",
            again.to_json()
        ),
        Err(e) => ensure!(
            Check::ROUNDTRIP,
            false,
            "to_bytes does not reload: {e}\n{json}"
        ),
    }
}

fn rights_names(set: RightSet) -> Vec<&'static str> {
    set.to_vec().into_iter().map(Right::as_str).collect()
}

/// Run every query on (at most `max_users` × `max_records` of) the org and check they agree.
pub fn exercise(org: &Org, max_users: usize, max_records: usize) {
    let ids = ids(org);
    let users: Vec<&String> = ids.users.iter().take(max_users).collect();
    let records: Vec<&(String, String)> = ids.records.iter().take(max_records).collect();
    for u in &users {
        let _ = org.effective_privileges(u).expect("effective_privileges");
        for right in Right::ALL {
            let page = org
                .accessible_records(u, right, None, 0, None)
                .expect("accessible_records");
            ensure!(
                Check::QUERIES,
                page.total == page.records.len(),
                "accessible_records total {} != {} records",
                page.total,
                page.records.len()
            );
            for (r, _) in &records {
                let allowed = org.check(u, right, r).expect("check");
                ensure!(
                    Check::QUERIES,
                    page.records.binary_search(r).is_ok() == allowed,
                    "accessible_records({u}, {right}) and check({u}, {right}, {r}) = {allowed} disagree"
                );
            }
        }
        for t in &ids.tables {
            let _ = org.can_create(u, t, None, None).expect("can_create");
        }
        for (r, _) in &records {
            let set = org.rights(u, r).expect("rights");
            for right in Right::ALL {
                let allowed = org.check(u, right, r).expect("check");
                ensure!(
                    Check::QUERIES,
                    set.has(right) == allowed,
                    "rights({u}, {r}) = {:?} but check({right}) = {allowed}",
                    rights_names(set)
                );
                let ex = org.explain(u, right, r).expect("explain");
                ensure!(
                    Check::QUERIES,
                    ex.allowed == allowed,
                    "explain({u}, {right}, {r}).allowed = {} but check = {allowed}: {ex:?}",
                    ex.allowed
                );
                ensure!(
                    Check::QUERIES,
                    !ex.allowed || !ex.reasons.is_empty(),
                    "explain({u}, {right}, {r}) allows without a reason"
                );
            }
        }
        if let (Some((c, _)), Some((p, _))) = (records.first(), records.last()) {
            let _ = org.can_append(u, c, p).expect("can_append");
        }
    }
    for (r, _) in &records {
        for right in [Right::Read, Right::Write, Right::Share] {
            let who = org.who_can(right, r).expect("who_can");
            ensure!(
                Check::QUERIES,
                who.windows(2).all(|w| w[0] < w[1]),
                "who_can not sorted"
            );
            for u in &users {
                let allowed = org.check(u, right, r).expect("check");
                ensure!(
                    Check::QUERIES,
                    who.binary_search(u).is_ok() == allowed,
                    "who_can({right}, {r}) and check({u}) = {allowed} disagree"
                );
            }
        }
    }
    let _ = org.check_assertions();
    let _ = org.risk_report();
}

/// All rights of every user on every record, by ids.
pub fn decisions(org: &Org) -> BTreeMap<(String, String), u8> {
    let ids = ids(org);
    let mut out = BTreeMap::new();
    for u in &ids.users {
        for (r, _) in &ids.records {
            out.insert((u.clone(), r.clone()), org.rights(u, r).expect("rights").0);
        }
    }
    out
}

/// Brute-force access diff: (user, table, right, gained) -> sorted record ids.
type DiffKey = (String, String, Right, bool);
type Diff = BTreeMap<DiffKey, Vec<String>>;

fn brute_diff(before: &Org, after: &Org) -> Diff {
    let (ib, ia) = (ids(before), ids(after));
    let db = decisions(before);
    let da = decisions(after);
    let mut tables: BTreeMap<String, String> = BTreeMap::new();
    for (r, t) in ib.records.iter().chain(ia.records.iter()) {
        tables.insert(r.clone(), t.clone());
    }
    let users: BTreeSet<&String> = ib.users.iter().chain(ia.users.iter()).collect();
    let mut out = Diff::new();
    for u in users {
        for (r, t) in &tables {
            let key = (u.clone(), r.clone());
            let b = db.get(&key).copied().unwrap_or(0);
            let a = da.get(&key).copied().unwrap_or(0);
            for right in Right::ALL {
                let (hb, ha) = (b & right.bit() != 0, a & right.bit() != 0);
                if hb != ha {
                    out.entry((u.clone(), t.clone(), right, ha))
                        .or_default()
                        .push(r.clone());
                }
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn check_impact(impact: &crm_policy::Impact, before: &Org, after: &Org, what: &str) {
    let want = brute_diff(before, after);
    let mut got: BTreeMap<DiffKey, (usize, Vec<String>)> = BTreeMap::new();
    for ac in &impact.access_changes {
        for (list, gained) in [(&ac.gained, true), (&ac.lost, false)] {
            for c in list {
                got.insert(
                    (ac.user.clone(), c.table.clone(), c.right, gained),
                    (c.count, c.sample.clone()),
                );
            }
        }
    }
    let want_counts: BTreeMap<_, _> = want.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    let got_counts: BTreeMap<_, _> = got.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    ensure!(
        Check::SIMULATE,
        want_counts == got_counts,
        "{what}: simulate access changes differ from a brute-force diff\n  brute force: {want:?}\n  simulate:    {got:?}"
    );
    for (k, v) in &want {
        if let Some((_, sample)) = got.get(k) {
            let expect: Vec<String> = v.iter().take(crm_policy::impact::SAMPLE).cloned().collect();
            ensure!(
                Check::SIMULATE,
                *sample == expect,
                "{what}: sample for {k:?} is {sample:?}, expected {expect:?}"
            );
        }
    }
    let (nb, na) = (ids(before).records.len(), ids(after).records.len());
    ensure!(
        Check::SIMULATE,
        impact.records.before == nb && impact.records.after == na,
        "{what}: record counts {:?}, expected {nb} -> {na}",
        impact.records
    );
}

/// Run a parsed changeset against `org` and check every transactional invariant.
/// Returns whether it applied.
pub fn run_changes(org: &mut Org, changes: Vec<crm_policy::Change>, deep: bool) -> bool {
    let before = org.to_json();
    let original = if deep { Some(org.clone()) } else { None };
    let errs = org.validate_changes(&changes);
    ensure!(
        Check::TRACE,
        org.to_json() == before,
        "validate_changes changed the org"
    );
    for e in &errs {
        check_error(e, "validate_changes");
    }
    let sim = org.simulate(&changes);
    ensure!(
        Check::TRACE,
        org.to_json() == before,
        "simulate changed the org"
    );
    ensure!(
        Check::TRACE,
        sim.is_ok() == errs.is_empty(),
        "simulate ok = {} but validate_changes = {errs:?}",
        sim.is_ok()
    );
    match org.apply(changes.clone()) {
        Ok(_) => {
            ensure!(
                Check::TRACE,
                errs.is_empty(),
                "apply succeeded but validate_changes reported {errs:?}"
            );
            let after = org.to_json();
            match Org::from_json(&after) {
                Ok(fresh) => {
                    if deep {
                        let (a, b) = (decisions(org), decisions(&fresh));
                        if a != b && !lenient(Check::FRESH) {
                            let diff: Vec<_> = a
                                .iter()
                                .filter(|(k, v)| b.get(*k) != Some(*v))
                                .map(|(k, v)| {
                                    (
                                        k,
                                        rights_names(RightSet(*v)),
                                        b.get(k).map(|x| rights_names(RightSet(*x))),
                                    )
                                })
                                .take(10)
                                .collect();
                            panic!("[{}] state after apply decides differently from a fresh load of its snapshot (incremental, fresh): {diff:?}\nchanges: {changes:?}\nbefore: {before}\nafter: {after}", Check::FRESH);
                        }
                    }
                }
                Err(e) => {
                    let only_limits = e.0.iter().all(|x| x.code == "limit-exceeded");
                    ensure!(
                        if only_limits { Check::NAMES } else { Check::FRESH },
                        false,
                        "the snapshot after apply is invalid: {e}\nchanges: {changes:?}\nbefore: {before}\nafter: {after}"
                    );
                    // the remaining checks reload the snapshot
                    return true;
                }
            }
            if let (Some(orig), Ok(impact)) = (&original, &sim) {
                check_impact(impact, orig, org, &format!("changes {changes:?}"));
            }
            roundtrip(org);
            if deep {
                exercise(org, 6, 12);
            }
            ensure!(Check::UNDO, org.undo(), "undo returned false");
            ensure!(
                Check::UNDO,
                org.to_json() == before,
                "undo is not byte-exact\nchanges: {changes:?}\nbefore: {before}\nafter undo: {}",
                org.to_json()
            );
            if let Some(orig) = &original {
                ensure!(
                    Check::UNDO,
                    decisions(org) == decisions(orig),
                    "after undo the decisions differ from before"
                );
            }
            ensure!(Check::UNDO, org.redo(), "redo returned false");
            ensure!(
                Check::UNDO,
                org.to_json() == after,
                "redo is not byte-exact"
            );
            true
        }
        Err(e) => {
            check_errors(&e, "apply");
            ensure!(
                Check::TRACE,
                e.0 == errs,
                "apply errors {:?} differ from validate_changes {errs:?}",
                e.0
            );
            ensure!(
                Check::TRACE,
                org.to_json() == before,
                "a failed apply changed the org"
            );
            false
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Targets

/// Arbitrary bytes, read as (lossy) UTF-8 text, loaded as a JSON snapshot.
pub fn from_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Org::from_json(&text) {
        Ok(org) => {
            roundtrip(&org);
            exercise(&org, 4, 8);
        }
        Err(e) => check_errors(&e, "from_json"),
    }
}

/// Arbitrary bytes loaded as a binary snapshot.
pub fn from_bytes(data: &[u8]) {
    match Org::from_bytes(data) {
        Ok(org) => {
            roundtrip(&org);
            exercise(&org, 4, 8);
        }
        Err(e) => check_errors(&e, "from_bytes"),
    }
}

/// The fixed small org the `changes` target runs changesets against: every kind of entity,
/// a parent chain with every share cascade, a manager chain and hierarchy security.
pub const BASE_ORG: &str = r#"{
  "version": 1,
  "settings": {"ownershipAcrossBusinessUnits": true, "managersMustBeInSameOrParentBusinessUnit": true},
  "businessUnits": [
    {"id": "root", "name": "Root", "parent": null},
    {"id": "sales", "name": "Sales", "parent": "root", "defaultTeamRoles": [{"role": "reader"}]},
    {"id": "east", "name": "East", "parent": "sales"},
    {"id": "ops", "name": "Ops", "parent": "root"},
    {"id": "old", "name": "Old", "parent": "root", "disabled": true}
  ],
  "tables": [
    {"name": "account", "ownership": "user"},
    {"name": "contact", "ownership": "user"},
    {"name": "task", "ownership": "user"},
    {"name": "currency", "ownership": "organization"}
  ],
  "relationships": [
    {"parent": "account", "child": "contact", "cascade": {"assign": "all", "share": "all", "unshare": "all", "reparent": "all", "delete": "all"}},
    {"parent": "contact", "child": "task", "cascade": {"assign": "active", "share": "userOwned", "unshare": "none", "reparent": "none", "delete": "restrict"}}
  ],
  "roles": [
    {"id": "admin", "name": "Admin", "privileges": {"account": {"create": "global", "read": "global", "write": "global", "delete": "global", "append": "global", "appendTo": "global", "assign": "global", "share": "global"}, "contact": {"read": "global", "write": "global", "create": "global"}, "task": {"read": "global", "create": "global"}, "currency": {"read": "global", "write": "global"}}},
    {"id": "rep", "name": "Rep", "privileges": {"account": {"create": "basic", "read": "basic", "write": "basic", "share": "basic", "append": "basic", "appendTo": "basic"}, "contact": {"read": "local", "write": "basic", "create": "basic"}, "task": {"read": "basic", "create": "basic", "write": "basic"}}},
    {"id": "manager", "name": "Manager", "privileges": {"account": {"read": "deep", "write": "local", "assign": "deep"}, "contact": {"read": "deep"}, "task": {"read": "deep"}}},
    {"id": "reader", "name": "Reader", "privileges": {"account": {"read": "basic"}, "contact": {"read": "basic"}, "currency": {"read": "basic"}}}
  ],
  "users": [
    {"id": "boss", "name": "Boss", "businessUnit": "root", "roles": [{"role": "admin"}]},
    {"id": "mia", "name": "Mia", "businessUnit": "sales", "manager": "boss", "roles": [{"role": "manager"}, {"role": "rep"}]},
    {"id": "ed", "name": "Ed", "businessUnit": "east", "manager": "mia", "roles": [{"role": "rep"}]},
    {"id": "eve", "name": "Eve", "businessUnit": "east", "manager": "ed", "roles": [{"role": "rep", "businessUnit": "sales"}]},
    {"id": "olga", "name": "Olga", "businessUnit": "ops", "roles": [{"role": "reader"}]},
    {"id": "gone", "name": "Gone", "businessUnit": "sales", "disabled": true, "roles": [{"role": "admin"}]},
    {"id": "zed", "name": "Zed", "businessUnit": "old", "roles": [{"role": "admin"}]}
  ],
  "teams": [
    {"id": "deal", "name": "Deal", "kind": "owner", "businessUnit": "sales", "members": ["ed", "eve"], "roles": [{"role": "rep"}], "inheritance": "team"},
    {"id": "help", "name": "Help", "kind": "owner", "businessUnit": "ops", "members": ["olga", "mia"], "roles": [{"role": "reader"}]},
    {"id": "adhoc", "name": "Adhoc", "kind": "access", "businessUnit": "root", "members": ["olga"]}
  ],
  "accessTeamTemplates": [
    {"id": "acct", "table": "account", "rights": ["read", "write"]}
  ],
  "records": [
    {"id": "a1", "table": "account", "owner": {"user": "ed"}},
    {"id": "a2", "table": "account", "owner": {"team": "deal"}},
    {"id": "a3", "table": "account", "owner": {"user": "olga"}, "businessUnit": "east"},
    {"id": "c1", "table": "contact", "owner": {"user": "ed"}, "parent": "a1"},
    {"id": "c2", "table": "contact", "owner": {"user": "eve"}, "parent": "a2", "active": false},
    {"id": "t1", "table": "task", "owner": {"user": "ed"}, "parent": "c1"},
    {"id": "t2", "table": "task", "owner": {"user": "mia"}, "parent": "c2"},
    {"id": "x1", "table": "currency"}
  ],
  "shares": [
    {"record": "a1", "principal": {"user": "olga"}, "rights": ["read", "write"]},
    {"record": "a2", "principal": {"team": "help"}, "rights": ["read"]},
    {"record": "c2", "principal": {"team": "default:ops"}, "rights": ["read", "append"]}
  ],
  "accessTeams": [
    {"template": "acct", "record": "a3", "members": ["eve", "ed"]}
  ],
  "hierarchy": {"model": "manager", "depth": 2, "tables": ["account", "contact"]},
  "assertions": [
    {"user": "mia", "right": "read", "record": "a1", "expect": true},
    {"user": "olga", "right": "write", "record": "c1", "expect": false}
  ]
}"#;

pub fn base_org() -> Org {
    Org::from_json(BASE_ORG).expect("BASE_ORG is valid")
}

/// Arbitrary (lossy UTF-8) text parsed as a changeset and run against [`BASE_ORG`].
pub fn changes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let changes = match Org::parse_changes(&text) {
        Ok(c) => c,
        Err(e) => {
            check_errors(&e, "parse_changes");
            return;
        }
    };
    let mut org = base_org();
    run_changes(&mut org, changes, true);
}

fn pick<'a>(rng: &mut TestRng, items: &'a [String]) -> &'a str {
    use proptest::prelude::Rng as _;
    if items.is_empty() {
        return "nobody";
    }
    // 1 in 16: an id that does not exist
    let n = rng.next_u32() as usize;
    if n % 16 == 15 {
        return "ghost";
    }
    &items[(n / 16) % items.len()]
}

fn coin(rng: &mut TestRng, one_in: u32) -> bool {
    use proptest::prelude::Rng as _;
    rng.next_u32() % one_in == 0
}

fn num(rng: &mut TestRng, n: usize) -> usize {
    use proptest::prelude::Rng as _;
    rng.next_u32() as usize % n.max(1)
}

/// A random changeset over the ids of `snap` (sometimes invalid, on purpose).
pub fn random_changes(rng: &mut TestRng, snap: &Value) -> Value {
    let list = |key: &str, field: &str| -> Vec<String> {
        snap.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get(field).and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let units = list("businessUnits", "id");
    let users = list("users", "id");
    let teams = list("teams", "id");
    let roles = list("roles", "id");
    let records = list("records", "id");
    let templates = list("accessTeamTemplates", "id");
    let tables = list("tables", "name");
    let defaults: Vec<String> = units.iter().map(|u| format!("default:{u}")).collect();
    let rights = [
        "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
    ];
    let settings = crm_policy::model::SETTING_NAMES;
    let principal = |rng: &mut TestRng| -> Value {
        match num(rng, 4) {
            0 | 1 => json!({"user": pick(rng, &users)}),
            2 => json!({"team": pick(rng, &teams)}),
            _ => json!({"team": pick(rng, &defaults)}),
        }
    };
    let some_rights = |rng: &mut TestRng| -> Vec<&str> {
        let mask = num(rng, 256);
        let v: Vec<&str> = rights
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, r)| *r)
            .collect();
        if v.is_empty() {
            vec!["read"]
        } else {
            v
        }
    };
    let n = 1 + num(rng, 3);
    let mut out = Vec::new();
    for k in 0..n {
        let op = match num(rng, 30) {
            0 | 1 => {
                let mut o = json!({"op": "moveUser", "user": pick(rng, &users), "businessUnit": pick(rng, &units)});
                if coin(rng, 3) {
                    o["moveRecords"] = json!(coin(rng, 2));
                }
                if coin(rng, 5) {
                    o["reassignRecordsTo"] = principal(rng);
                }
                o
            }
            2 => {
                let m = if coin(rng, 4) {
                    Value::Null
                } else {
                    json!(pick(rng, &users))
                };
                json!({"op": "setManager", "user": pick(rng, &users), "manager": m})
            }
            3 => {
                let mut o = json!({"op": "disableUser", "user": pick(rng, &users)});
                if coin(rng, 3) {
                    o["reassignRecordsTo"] = principal(rng);
                }
                o
            }
            4 => json!({"op": "enableUser", "user": pick(rng, &users)}),
            5 | 6 => {
                let mut o = json!({"op": if coin(rng, 2) {"assignRole"} else {"removeRole"}, "principal": principal(rng), "role": pick(rng, &roles)});
                if coin(rng, 3) {
                    o["businessUnit"] = json!(pick(rng, &units));
                }
                o
            }
            7 => {
                let us: Vec<&str> = (0..1 + num(rng, 3)).map(|_| pick(rng, &users)).collect();
                json!({"op": if coin(rng, 2) {"addTeamMembers"} else {"removeTeamMembers"}, "team": pick(rng, &teams), "users": us})
            }
            8 | 9 => {
                json!({"op": "assignRecord", "record": pick(rng, &records), "owner": principal(rng)})
            }
            10 => {
                let mut o =
                    json!({"op": "reassignRecords", "from": principal(rng), "to": principal(rng)});
                if coin(rng, 3) {
                    o["table"] = json!(pick(rng, &tables));
                }
                o
            }
            11 | 12 => {
                json!({"op": "share", "record": pick(rng, &records), "principal": principal(rng), "rights": some_rights(rng)})
            }
            13 => {
                json!({"op": "modifyShare", "record": pick(rng, &records), "principal": principal(rng), "rights": some_rights(rng)})
            }
            14 => {
                json!({"op": "unshare", "record": pick(rng, &records), "principal": principal(rng)})
            }
            15 => json!({"op": "deleteRecord", "record": pick(rng, &records)}),
            16 => {
                let mut o = json!({"op": "createRecord", "id": format!("new{k}"), "table": pick(rng, &tables)});
                if !coin(rng, 5) {
                    o["owner"] = principal(rng);
                }
                if coin(rng, 3) {
                    o["parent"] = json!(pick(rng, &records));
                }
                if coin(rng, 4) {
                    o["businessUnit"] = json!(pick(rng, &units));
                }
                if coin(rng, 4) {
                    o["active"] = json!(false);
                }
                o
            }
            17 => {
                json!({"op": if coin(rng, 2) {"disableBusinessUnit"} else {"enableBusinessUnit"}, "businessUnit": pick(rng, &units)})
            }
            18 => {
                json!({"op": "reparentBusinessUnit", "businessUnit": pick(rng, &units), "parent": pick(rng, &units)})
            }
            19 => {
                json!({"op": "mergeBusinessUnits", "from": pick(rng, &units), "into": pick(rng, &units)})
            }
            20 => {
                json!({"op": "createBusinessUnit", "id": format!("nbu{k}"), "name": "N", "parent": pick(rng, &units)})
            }
            21 => {
                let mut o = json!({"op": "createUser", "id": format!("nu{k}"), "name": "N", "businessUnit": pick(rng, &units), "roles": [{"role": pick(rng, &roles)}]});
                if coin(rng, 2) {
                    o["manager"] = json!(pick(rng, &users));
                }
                o
            }
            22 => {
                let owner = coin(rng, 2);
                let us: Vec<&str> = (0..num(rng, 3)).map(|_| pick(rng, &users)).collect();
                let mut o = json!({"op": "createTeam", "id": format!("nt{k}"), "name": "N", "kind": if owner {"owner"} else {"access"}, "businessUnit": pick(rng, &units), "members": us});
                if owner {
                    o["roles"] = json!([{"role": pick(rng, &roles)}]);
                    o["inheritance"] = json!(if coin(rng, 2) { "team" } else { "direct" });
                }
                o
            }
            23 => json!({"op": "deleteTeam", "team": pick(rng, &teams)}),
            24 => {
                json!({"op": "moveTeam", "team": pick(rng, &teams), "businessUnit": pick(rng, &units)})
            }
            25 => {
                json!({"op": if coin(rng, 2) {"addAccessTeamMember"} else {"removeAccessTeamMember"}, "record": pick(rng, &records), "template": pick(rng, &templates), "user": pick(rng, &users)})
            }
            26 => {
                json!({"op": "setSetting", "name": settings[num(rng, settings.len())], "value": coin(rng, 2)})
            }
            27 => {
                json!({"op": "setRecordBusinessUnit", "record": pick(rng, &records), "businessUnit": pick(rng, &units)})
            }
            28 => json!({"op": "deleteBusinessUnit", "businessUnit": pick(rng, &units)}),
            _ => {
                let us: Vec<&str> = (0..1 + num(rng, 3)).map(|_| pick(rng, &users)).collect();
                json!({"op": "moveUsers", "users": us, "businessUnit": pick(rng, &units)})
            }
        };
        out.push(op);
    }
    Value::Array(out)
}

/// Compare every right of every user on every record with the reference evaluator.
pub fn compare_with_reference(org: &Org, snap: &Value, what: &str) {
    let ids = ids(org);
    for u in &ids.users {
        for (r, _) in &ids.records {
            let engine = rights_names(org.rights(u, r).expect("rights"));
            let naive = reference::rights(snap, u, r);
            if engine != naive && !lenient(Check::REFERENCE) {
                let expl: Vec<String> = Right::ALL
                    .iter()
                    .map(|right| format!("{right}: {:?}", org.explain(u, *right, r).ok()))
                    .collect();
                panic!(
                    "[{}] {what}: rights({u}, {r}) engine {engine:?} != reference {naive:?}\nexplain: {expl:#?}\nsnapshot: {snap}",
                    Check::REFERENCE
                );
            }
        }
    }
}

/// Random valid org (proptest strategy driven by the bytes) and random changeset;
/// decisions compared with the naive reference before and after the changeset.
pub fn structured(data: &[u8]) {
    // The bytes seed a ChaCha generator (the first 32 bytes, folded with a hash of all).
    // proptest's `RngAlgorithm::PassThrough` would map bytes to choices directly, but in
    // proptest 1.12 it kept returning the first 8 bytes, and rand's rejection sampling
    // (Lemire) then loops forever; so this target is seeded random testing, not byte-guided.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut seed = [0u8; 32];
    for (i, s) in seed.iter_mut().enumerate() {
        *s = data.get(i).copied().unwrap_or(0) ^ (h >> ((i % 8) * 8)) as u8;
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let Ok(tree) = random_org::plan().new_tree(&mut runner) else {
        return;
    };
    let snap = random_org::build(&tree.current());
    let mut org = match Org::from_json(&snap.to_string()) {
        Ok(o) => o,
        Err(e) => panic!("random org rejected: {e}\n{snap}"),
    };
    compare_with_reference(&org, &snap, "random org");
    let cs = random_changes(runner.rng(), &snap);
    let changes = match Org::parse_changes(&cs.to_string()) {
        Ok(c) => c,
        Err(e) => panic!("generated changeset does not parse: {e}\n{cs}"),
    };
    if run_changes(&mut org, changes, true) {
        let after: Value = serde_json::from_str(&org.to_json()).expect("to_json is JSON");
        compare_with_reference(&org, &after, &format!("after changes {cs}"));
    }
}

/// A tiny deterministic PRNG (xorshift64*) for the std-only smoke loops.
pub struct XorShift(pub u64);
impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A libFuzzer-like mutation of `seed`: byte flips, insertions of interesting tokens,
/// deletions, truncation, splices.
pub fn mutate(rng: &mut XorShift, seed: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
    let mut v = seed.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = v.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] = rng.next() as u8;
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            2 if !tokens.is_empty() => {
                let i = rng.below(len + 1);
                let t = tokens[rng.below(tokens.len())];
                v.splice(i..i, t.iter().copied());
            }
            3 if len > 1 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(16)).min(len);
                v.drain(i..j);
            }
            4 if len > 0 => {
                v.truncate(rng.below(len));
            }
            5 if len > 2 => {
                // duplicate a chunk elsewhere
                let i = rng.below(len);
                let j = (i + 1 + rng.below(64)).min(len);
                let chunk: Vec<u8> = v[i..j].to_vec();
                let k = rng.below(v.len() + 1);
                v.splice(k..k, chunk);
            }
            _ => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let extra = rng.bytes(n);
                v.splice(i..i, extra);
            }
        }
    }
    v
}
