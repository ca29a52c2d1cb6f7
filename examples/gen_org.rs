//! Write a generated org (deterministic, `crm_policy::generate`) as bytes and JSON,
//! for the JS benchmark (`benches/js/bench.mjs`) and anyone who needs a big org.
//!
//! ```text
//! cargo run --release --example gen_org -- [--size bench|demo|USERS] [--seed N] [--out DIR]
//! ```
//! writes `DIR/org.bin` (`Org::to_bytes`) and `DIR/org.json` (`Org::to_json`);
//! defaults: `--size bench` (10,000 users, 1,000,000 records), `--seed 42`,
//! `--out target/bench-org`.

use std::path::PathBuf;
use std::time::Instant;

use crm_policy::generate::{generate, GenerateSize};
use crm_policy::Org;

fn main() {
    if let Err(e) = run() {
        eprintln!("gen_org: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut size = GenerateSize::bench();
    let mut seed = 42u64;
    let mut out = PathBuf::from("target/bench-org");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--size" => {
                size = match value()?.as_str() {
                    "bench" => GenerateSize::bench(),
                    "demo" => GenerateSize::demo(),
                    n => GenerateSize::scaled(n.parse().map_err(|_| format!("bad --size {n}"))?),
                }
            }
            "--seed" => seed = value()?.parse().map_err(|_| "bad --seed".to_string())?,
            "--out" => out = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let t = Instant::now();
    let snapshot = generate(seed, &size);
    let org =
        Org::from_snapshot(&snapshot).map_err(|e| format!("generated org is invalid: {e}"))?;
    let bytes = org.to_bytes();
    let json = org.to_json();
    std::fs::write(out.join("org.bin"), &bytes).map_err(|e| e.to_string())?;
    std::fs::write(out.join("org.json"), &json).map_err(|e| e.to_string())?;
    println!(
        "gen_org: {} users, {} records; org.bin {} bytes, org.json {} bytes in {} ({:.1} s)",
        org.user_count(),
        org.record_count(),
        bytes.len(),
        json.len(),
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
