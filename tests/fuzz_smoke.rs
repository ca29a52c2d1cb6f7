//! A short, std-only run of every fuzz target (`fuzz/src/lib.rs`): random and mutated inputs
//! for a couple of seconds each, deterministic (fixed seeds). The long runs use cargo-fuzz
//! (`cd fuzz && cargo +nightly fuzz run <target>`); see `fuzz/README.md`.
//!
//! `CRM_FUZZ_SMOKE_MS` sets the time per target (default 1500 ms), `CRM_FUZZ_SEED` the seed.

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
use std::time::{Duration, Instant};

use crm_policy::Org;
use fuzz::XorShift;

fn budget() -> Duration {
    let ms = std::env::var("CRM_FUZZ_SMOKE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    Duration::from_millis(ms)
}

fn seed() -> u64 {
    std::env::var("CRM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x00c0_ffee_1234_5678)
}

/// Valid snapshots: the fixtures and the base org of the `changes` target.
fn snapshots() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = vec![fuzz::BASE_ORG.to_string()];
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    for p in paths {
        if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&p).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some(s) = v.get("snapshot") {
                out.push(s.to_string());
            }
        }
    }
    out
}

const JSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"true",
    b"1e999",
    b"-1",
    b"4294967296",
    b"\"id\":\"x\",",
    b"\"parent\":\"root\"",
    b"\"disabled\":true,",
    b"\\u0000",
    b"\xff",
    b"\"privileges\":{\"account\":{\"read\":\"global\",\"read\":\"none\"}}",
    b"\"version\":1,",
    b"\"manager\":\"u1\"",
    b"{\"user\":\"u1\"}",
    b"{\"team\":\"default:root\"}",
];

/// Run `f` on `n` inputs from `gen` until the budget is spent; report the first panic with its input.
fn drive(name: &str, mut gen: impl FnMut(&mut XorShift) -> Vec<u8>, f: fn(&[u8])) {
    let mut rng = XorShift(seed() ^ name.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < budget() {
        let input = gen(&mut rng);
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| f(&input))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let path = std::env::temp_dir().join(format!("crm-fuzz-smoke-{name}-{runs}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{name}: input #{runs} failed (written to {}): {msg}\ninput: {}",
                path.display(),
                String::from_utf8_lossy(&input)
            );
        }
        runs += 1;
    }
    eprintln!("{name}: {runs} inputs in {:?}", start.elapsed());
    assert!(runs > 0);
}

#[test]
fn smoke_from_json() {
    let seeds = snapshots();
    drive(
        "from_json",
        move |rng| {
            if rng.below(8) == 0 {
                let n = rng.below(256);
                rng.bytes(n)
            } else {
                let s = &seeds[rng.below(seeds.len())];
                fuzz::mutate(rng, s.as_bytes(), JSON_TOKENS)
            }
        },
        fuzz::from_json,
    );
}

#[test]
fn smoke_from_bytes() {
    let seeds: Vec<Vec<u8>> = snapshots()
        .iter()
        .map(|s| Org::from_json(s).unwrap().to_bytes())
        .collect();
    drive(
        "from_bytes",
        move |rng| {
            if rng.below(8) == 0 {
                let n = rng.below(128);
                let mut v = b"CRMP\x02\x01".to_vec();
                v.extend(rng.bytes(n));
                v
            } else {
                let s = &seeds[rng.below(seeds.len())];
                fuzz::mutate(
                    rng,
                    s,
                    &[b"\x00", b"\xff\xff\xff\xff\x0f", b"\x80", b"\x7f"],
                )
            }
        },
        fuzz::from_bytes,
    );
}

#[test]
fn smoke_changes() {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let base: serde_json::Value = serde_json::from_str(fuzz::BASE_ORG).unwrap();
    drive(
        "changes",
        move |rng| {
            let mut seed = [0u8; 32];
            for b in seed.iter_mut() {
                *b = rng.next() as u8;
            }
            let mut trng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
            let cs = fuzz::random_changes(&mut trng, &base).to_string();
            if rng.below(4) == 0 {
                fuzz::mutate(rng, cs.as_bytes(), JSON_TOKENS)
            } else {
                cs.into_bytes()
            }
        },
        fuzz::changes,
    );
}

#[test]
fn smoke_structured() {
    drive(
        "structured",
        |rng| {
            let n = 64 + rng.below(2048);
            rng.bytes(n)
        },
        fuzz::structured,
    );
}

/// Writes seed corpora for cargo-fuzz into `fuzz/corpus/<target>/` (not committed):
/// `cargo test --test fuzz_smoke write_seed_corpus -- --ignored`.
#[test]
#[ignore]
fn write_seed_corpus() {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: String, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    for (i, s) in snapshots().iter().enumerate() {
        write("from_json", format!("seed-{i:02}.json"), s.as_bytes());
        let org = Org::from_json(s).unwrap();
        write("from_bytes", format!("seed-{i:02}.bin"), &org.to_bytes());
    }
    let base: serde_json::Value = serde_json::from_str(fuzz::BASE_ORG).unwrap();
    for i in 0..64u8 {
        let mut trng = TestRng::from_seed(RngAlgorithm::ChaCha, &[i; 32]);
        let cs = fuzz::random_changes(&mut trng, &base).to_string();
        write("changes", format!("seed-{i:02}.json"), cs.as_bytes());
        write("structured", format!("seed-{i:02}"), &[i; 40]);
    }
}
