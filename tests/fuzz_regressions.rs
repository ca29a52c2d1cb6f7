//! Replays every committed fuzz input `fuzz/regressions/<target>/*` through its target
//! (`fuzz/src/lib.rs`), so a crash once found stays fixed. Add a file there (any name) to pin
//! a new input; the test reports every failing file, not only the first. Files named
//! `*.known` pin engine bugs that are reported but not fixed yet: they are replayed only with
//! `CRM_FUZZ_KNOWN=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../fuzz/src/lib.rs"]
#[allow(unreachable_pub)]
mod fuzz;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    // `*.known`: an engine bug not fixed yet, replayed only with CRM_FUZZ_KNOWN=1
    let known = std::env::var("CRM_FUZZ_KNOWN").is_ok_and(|v| v == "1");
    files.retain(|p: &std::path::PathBuf| {
        p.is_file()
            && !p.ends_with("README.md")
            && (known || p.extension().is_none_or(|x| x != "known"))
    });
    files.sort();
    let mut failures = Vec::new();
    for p in &files {
        let data = std::fs::read(p).unwrap();
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| f(&data))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let short: String = msg.chars().take(2000).collect();
            failures.push(format!("{}: {short}", p.display()));
        }
    }
    eprintln!("{target}: {} inputs replayed", files.len());
    assert!(
        failures.is_empty(),
        "{} of {} regression inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn regressions_from_json() {
    replay("from_json", fuzz::from_json);
}

#[test]
fn regressions_from_bytes() {
    replay("from_bytes", fuzz::from_bytes);
}

#[test]
fn regressions_changes() {
    replay("changes", fuzz::changes);
}

#[test]
fn regressions_structured() {
    replay("structured", fuzz::structured);
}
