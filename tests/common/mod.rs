//! Shared helpers of the integration tests: the fixture corpus, the naive
//! reference evaluator and the random org generator.

#![allow(dead_code)]

pub mod random_org;
pub mod reference;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `tests/fixtures` of this crate.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

fn json_files(dir: &Path) -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                value,
            )
        })
        .collect()
}

/// Every decision fixture `tests/fixtures/*.json`, by file name.
pub fn fixtures() -> Vec<(String, Value)> {
    json_files(&fixtures_dir())
}

/// Every invalid-snapshot file `tests/fixtures/errors/*.json`, by file name.
pub fn error_fixtures() -> Vec<(String, Value)> {
    json_files(&fixtures_dir().join("errors"))
}

/// A string field of a fixture entry.
pub fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string `{key}` in {v}"))
}

/// The optional array `key` of a fixture.
pub fn entries<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A list of strings (`expect` of rights / whoCan entries).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array of strings, got {v}"))
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap_or_else(|| panic!("not a string: {x}"))
                .to_string()
        })
        .collect()
}

/// The `owner` of a canCreate entry as `("user" | "team", id)`.
pub fn owner_of(v: &Value) -> Option<(&str, &str)> {
    let o = v.get("owner")?;
    if let Some(id) = o.get("user").and_then(Value::as_str) {
        Some(("user", id))
    } else {
        o.get("team").and_then(Value::as_str).map(|id| ("team", id))
    }
}
