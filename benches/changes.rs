//! Organisation-change benchmark on a 50,000-user / 1,000,000-record generated org.
//!
//! `cargo bench --bench changes` (add `BENCH_SCALE=0.1` for a quick run). Moves
//! 500 users to other business units (one `moveUser` each, records follow) and
//! prints medians and p90 of `validate_changes`, `simulate` (the full impact:
//! every user's gained and lost rights), `apply`, `undo` and `redo`, plus the
//! same for 1 and 50 users (interactive sizes). `BENCH_MOVES=500` (or `1,50`) runs
//! only those sizes. The `counts digest` line hashes every reported count, to compare
//! implementations of `simulate` on the same org.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Instant;

use crm_policy::generate::{generate, GenerateSize};
use crm_policy::{Change, Org};

mod common;
use common::{cpu_ns, fmt_ns, scale, stats, Rng};

fn report(name: &str, xs: Vec<f64>) {
    let s = stats(xs);
    println!(
        "{name:<40} median {:>10}   p90 {:>10}   min {:>10}   (n={})",
        fmt_ns(s.median),
        fmt_ns(s.p90),
        fmt_ns(s.min),
        s.n
    );
}

/// `count` distinct users, each moved to the unit of another random user (another unit).
fn moves(snapshot: &crm_policy::Snapshot, count: usize, seed: u64) -> Vec<Change> {
    let mut rng = Rng(seed);
    let users = &snapshot.users;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(count);
    let mut guard = 0;
    while out.len() < count.min(users.len().saturating_sub(1)) && guard < count * 100 {
        guard += 1;
        let u = &users[rng.below(users.len())];
        if u.manager.is_none() || !seen.insert(u.id.clone()) {
            continue; // keep the CEO where they are
        }
        let target = &users[rng.below(users.len())].business_unit;
        if *target == u.business_unit {
            seen.remove(&u.id);
            continue;
        }
        out.push(Change::MoveUser {
            user: u.id.clone(),
            business_unit: target.clone(),
            move_records: None,
            reassign_records_to: None,
        });
    }
    out
}

/// FNV-1a over every (user, gained/lost, table, right, count): compares implementations.
fn counts_digest(impact: &crm_policy::Impact) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for a in &impact.access_changes {
        eat(&a.user);
        for (side, list) in [("+", &a.gained), ("-", &a.lost)] {
            for c in list {
                eat(side);
                eat(&c.table);
                eat(c.right.as_str());
                eat(&c.count.to_string());
            }
        }
    }
    h
}

fn main() {
    let scale = scale();
    let size = GenerateSize {
        users: 50_000,
        business_units: 2_500,
        teams: 1_000,
        records: 1_000_000,
        shares: 100_000,
    }
    .times(scale);
    println!(
        "changes bench: BENCH_SCALE={scale} -> {} users, {} units, {} teams, {} records, {} shares",
        size.users, size.business_units, size.teams, size.records, size.shares
    );
    let heavy = size.records >= 200_000;
    // BENCH_MOVES=500 (or 1,50) runs only those changeset sizes
    let only: Vec<usize> = std::env::var("BENCH_MOVES")
        .unwrap_or_default()
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();

    let t = Instant::now();
    let snapshot = generate(42, &size);
    println!(
        "generate                                 {:>10}",
        fmt_ns(t.elapsed().as_nanos() as f64)
    );
    let t = Instant::now();
    let mut org = Org::from_snapshot(&snapshot).expect("generated org loads");
    println!(
        "Org::from_snapshot                       {:>10}",
        fmt_ns(t.elapsed().as_nanos() as f64)
    );
    let before_json = org.to_json();

    for (count, runs) in [
        (1usize, if heavy { 9 } else { 21 }),
        (50, if heavy { 5 } else { 11 }),
        (500, if heavy { 3 } else { 7 }),
    ] {
        if !only.is_empty() && !only.contains(&count) {
            continue;
        }
        let changes = moves(&snapshot, count, 1000 + count as u64);
        println!("-- move {} users to other business units", changes.len());

        let mut xs = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let errors = org.validate_changes(&changes);
            xs.push(t.elapsed().as_nanos() as f64);
            assert!(errors.is_empty(), "{errors:?}");
        }
        report("validate_changes", xs);

        let mut xs = Vec::new();
        let mut last = None;
        let c = cpu_ns();
        for _ in 0..runs {
            let t = Instant::now();
            let impact = org.simulate(&changes).expect("simulates");
            xs.push(t.elapsed().as_nanos() as f64);
            last = Some(black_box(impact));
        }
        let cpu = (cpu_ns() - c) as f64 / runs as f64;
        report("simulate (full impact)", xs);
        println!("{:<40} {:>10} per run", "  cpu time", fmt_ns(cpu));
        if let Some(impact) = last {
            let gained: usize = impact
                .access_changes
                .iter()
                .flat_map(|a| a.gained.iter().map(|g| g.count))
                .sum();
            let lost: usize = impact
                .access_changes
                .iter()
                .flat_map(|a| a.lost.iter().map(|g| g.count))
                .sum();
            println!(
                "  impact: {} users with access changes, {} record-rights gained, {} lost, {} side effects, {} warnings, {} assertion changes",
                impact.access_changes.len(),
                gained,
                lost,
                impact.side_effects.len(),
                impact.warnings.len(),
                impact.assertions.len()
            );
            println!("  counts digest {:016x}", counts_digest(&impact));
        }

        let mut apply = Vec::new();
        let mut undo = Vec::new();
        let mut redo = Vec::new();
        for _ in 0..runs {
            let batch = changes.clone();
            let t = Instant::now();
            org.apply(batch).expect("applies");
            apply.push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            assert!(org.undo());
            undo.push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            assert!(org.redo());
            redo.push(t.elapsed().as_nanos() as f64);
            assert!(org.undo());
        }
        report("apply", apply);
        report("undo", undo);
        report("redo", redo);
    }
    let t = Instant::now();
    let after_json = org.to_json();
    println!(
        "to_json after the undo round trips      {:>10}",
        fmt_ns(t.elapsed().as_nanos() as f64)
    );
    assert!(
        after_json == before_json,
        "undo did not restore the org exactly"
    );
    println!("undo restored the org byte-identically (toJSON)");
}
