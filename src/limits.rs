//! Input limits, enforced with `limit-exceeded` errors so hostile snapshots fail fast and clearly.

use crate::error::{at, PolicyError};
use crate::model::Snapshot;
use crate::validate::RecordSource;

/// Largest JSON or binary input accepted (1 GiB).
pub const MAX_INPUT_BYTES: usize = 1 << 30;
/// Longest id or name, in bytes.
pub const MAX_ID_BYTES: usize = 1024;
/// Most errors reported for one input.
pub const MAX_ERRORS: usize = 1000;
/// Deepest manager hierarchy.
pub const MAX_HIERARCHY_DEPTH: u32 = 100;
/// Most records in one org (indexes are `u32`, the high bit tags teams).
pub const MAX_ENTITIES: usize = (1 << 31) - 1;
/// Most operations in one changeset.
pub const MAX_CHANGES: usize = 100_000;

/// A `limit-exceeded` error for `s` when it is too long; its path is `at(path.0, path.1,
/// path.2)`, formatted only then.
fn check_len(errors: &mut Vec<PolicyError>, s: &str, path: (&str, usize, &str)) {
    if s.len() > MAX_ID_BYTES && errors.len() < MAX_ERRORS {
        errors.push(
            PolicyError::new(
                "limit-exceeded",
                at(path.0, path.1, path.2),
                format!(
                    "{} bytes; ids and names are limited to {MAX_ID_BYTES} bytes",
                    s.len()
                ),
            )
            .with_help("shorten the id or name"),
        );
    }
}

/// Check sizes of every id and name in a snapshot.
pub fn check_snapshot(s: &Snapshot, records: &dyn RecordSource, errors: &mut Vec<PolicyError>) {
    for (i, b) in s.business_units.iter().enumerate() {
        check_len(errors, &b.id, ("/businessUnits/", i, "/id"));
        check_len(errors, &b.name, ("/businessUnits/", i, "/name"));
    }
    for (i, t) in s.tables.iter().enumerate() {
        check_len(errors, &t.name, ("/tables/", i, "/name"));
    }
    for (i, r) in s.roles.iter().enumerate() {
        check_len(errors, &r.id, ("/roles/", i, "/id"));
        check_len(errors, &r.name, ("/roles/", i, "/name"));
    }
    for (i, u) in s.users.iter().enumerate() {
        check_len(errors, &u.id, ("/users/", i, "/id"));
        check_len(errors, &u.name, ("/users/", i, "/name"));
    }
    for (i, t) in s.teams.iter().enumerate() {
        check_len(errors, &t.id, ("/teams/", i, "/id"));
        check_len(errors, &t.name, ("/teams/", i, "/name"));
    }
    for (i, r) in (0..records.count()).filter_map(|i| Some((i, records.record(i)?))) {
        check_len(errors, r.id, ("/records/", i, "/id"));
        if let Some(n) = r.name {
            check_len(errors, n, ("/records/", i, "/name"));
        }
    }
    if records.count() >= MAX_ENTITIES
        || s.users.len() >= MAX_ENTITIES
        || s.teams.len() >= MAX_ENTITIES
    {
        errors.push(PolicyError::new("limit-exceeded", "", "too many entities"));
    }
}
