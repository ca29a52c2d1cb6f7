//! Time `Org::from_bytes` (and, with `--json`, `Org::from_json`) on a file written by
//! `gen_org`, natively: the figure issue 4 is about, without the rest of the engine bench.
//!
//! ```text
//! cargo run --release --example load_org -- [--dir target/bench-org] [--runs 5] [--json]
//! ```
//! Also the program to run under `valgrind --tool=callgrind` (with `--runs 1`).

use std::path::PathBuf;
use std::time::Instant;

use crm_policy::Org;

fn main() {
    if let Err(e) = run() {
        eprintln!("load_org: {e}");
        std::process::exit(1);
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time(
    label: &str,
    runs: usize,
    mut f: impl FnMut() -> Result<Org, String>,
) -> Result<(), String> {
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let org = f()?;
        xs.push(t.elapsed().as_secs_f64() * 1e3);
        drop(org);
    }
    let all: Vec<String> = xs.iter().map(|x| format!("{x:.0}")).collect();
    println!(
        "{label:<12} median {:.1} ms (ms: {})",
        median(xs),
        all.join(", ")
    );
    Ok(())
}

fn run() -> Result<(), String> {
    let mut dir = PathBuf::from("target/bench-org");
    let mut runs = 5usize;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--dir" => dir = PathBuf::from(value()?),
            "--runs" => runs = value()?.parse().map_err(|_| "bad --runs".to_string())?,
            "--json" => json = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let bytes =
        std::fs::read(dir.join("org.bin")).map_err(|e| format!("{}: {e}", dir.display()))?;
    time("from_bytes", runs, || {
        Org::from_bytes(&bytes).map_err(|e| e.to_string())
    })?;
    if json {
        let text = std::fs::read_to_string(dir.join("org.json")).map_err(|e| e.to_string())?;
        time("from_json", runs, || {
            Org::from_json(&text).map_err(|e| e.to_string())
        })?;
    }
    Ok(())
}
