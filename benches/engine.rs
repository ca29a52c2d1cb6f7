//! Engine benchmark on the generated benchmark org (`GenerateSize::bench()`:
//! 10,000 users, 500 units, 200 teams, 1,000,000 records, 100,000 shares).
//!
//! `cargo bench --bench engine` (add `BENCH_SCALE=0.1` for a quick run). Prints
//! medians and p90 of: JSON and bytes load, resident memory per record, `check`,
//! `rights`, `check_many`, `explain`, `who_can`, `accessible_records`. Requests
//! are random (fixed seed), precomputed outside the timings, and go through the
//! public string-id API. Wall-clock times; also prints the process CPU time of
//! the load phases, which is steadier on a busy machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use crm_policy::generate::{generate, GenerateSize};
use crm_policy::{Org, Right};

// ---- tiny harness -----------------------------------------------------------

mod common;
use common::{cpu_ns, fmt_ns, rss, scale, stats, Rng, Stats};

fn report(name: &str, s: &Stats, unit: &str) {
    println!(
        "{name:<52} median {:>10}{unit}   p90 {:>10}{unit}   min {:>10}{unit}   (n={})",
        fmt_ns(s.median),
        fmt_ns(s.p90),
        fmt_ns(s.min),
        s.n
    );
}

/// Time `f` `runs` times; per-run nanoseconds.
/// [`time_runs`] and [`report`], then the CPU time per run.
fn report_cpu<T>(runs: usize, name: &str, f: impl FnMut() -> T) {
    let c = cpu_ns();
    let s = time_runs(runs, f);
    report(name, &s, "");
    println!(
        "{:<44} {:>10} per run",
        "  cpu time",
        fmt_ns((cpu_ns() - c) as f64 / runs as f64)
    );
}

fn time_runs<T>(runs: usize, mut f: impl FnMut() -> T) -> Stats {
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = f();
        xs.push(t.elapsed().as_nanos() as f64);
        drop(black_box(out));
    }
    stats(xs)
}

// ---- the benchmark ----------------------------------------------------------

/// Child process: load the org from a bytes file, then clone it until the RSS growth per
/// clone is steady (the first clones land in the loader's freed temporaries). Prints the
/// load's growth, the steady per-clone growth (the org's footprint) and the peak RSS.
fn memprobe(path: &str) {
    let bytes = std::fs::read(path).unwrap();
    let r0 = rss();
    let org = Org::from_bytes(&bytes).expect("loads");
    let r1 = rss();
    // Peak while loading (before the clones below).
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024;
    let mut keep = Vec::new();
    let mut last = r1;
    let mut growth = Vec::new();
    for _ in 0..4 {
        keep.push(org.clone());
        let r = rss();
        growth.push(r.saturating_sub(last));
        last = r;
    }
    let steady = growth.iter().rev().take(2).copied().max().unwrap_or(0);
    println!("{} {} {}", r1.saturating_sub(r0), steady, peak);
    drop(black_box((org, keep)));
}

/// Nanoseconds per dependent load when chasing a random cycle through `bytes` of memory:
/// the machine's cache-miss latency, against which the cold-cache figures below read.
fn memory_latency_ns(bytes: usize) -> f64 {
    let n = bytes / 8;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut next = vec![0usize; n];
    for i in 0..n {
        next[order[i]] = order[(i + 1) % n];
    }
    let steps = 2_000_000;
    let mut p = 0;
    let t = Instant::now();
    for _ in 0..steps {
        p = next[p];
    }
    black_box(p);
    t.elapsed().as_nanos() as f64 / steps as f64
}

fn main() {
    if let Ok(path) = std::env::var("CRM_BENCH_MEMPROBE") {
        memprobe(&path);
        return;
    }
    println!(
        "machine: dependent random memory access over 64 MB    {:>10}  (a cold check costs a few of these)",
        fmt_ns(memory_latency_ns(64 << 20))
    );
    let scale = scale();
    let size = GenerateSize::bench().times(scale);
    println!(
        "engine bench: BENCH_SCALE={scale} -> {} users, {} units, {} teams, {} records, {} shares",
        size.users, size.business_units, size.teams, size.records, size.shares
    );
    let heavy = size.records >= 200_000;
    let load_runs = if heavy { 5 } else { 11 };

    let t = Instant::now();
    let snapshot = generate(42, &size);
    println!(
        "generate                                     {:>10}",
        fmt_ns(t.elapsed().as_nanos() as f64)
    );

    let user_ids: Vec<String> = snapshot.users.iter().map(|u| u.id.clone()).collect();
    let record_ids: Vec<String> = snapshot.records.iter().map(|r| r.id.clone()).collect();
    let tables: Vec<String> = snapshot.tables.iter().map(|t| t.name.clone()).collect();
    // Records owned by users, with their owner: requests that usually succeed.
    let owned: Vec<(String, String)> = snapshot
        .records
        .iter()
        .filter_map(|r| match &r.owner {
            Some(crm_policy::Principal::User(u)) => Some((u.clone(), r.id.clone())),
            _ => None,
        })
        .collect();
    let records = snapshot.records.len().max(1);

    let t = Instant::now();
    let json = serde_json::to_string(&snapshot).unwrap();
    let json_ser = t.elapsed();
    let t = Instant::now();
    let bytes = crm_policy::bytes::encode(&snapshot);
    let bytes_enc = t.elapsed();
    println!(
        "snapshot sizes: JSON {:.1} MB (serialize {}), bytes {:.1} MB (encode {}), ratio {:.1}x",
        json.len() as f64 / 1e6,
        fmt_ns(json_ser.as_nanos() as f64),
        bytes.len() as f64 / 1e6,
        fmt_ns(bytes_enc.as_nanos() as f64),
        json.len() as f64 / bytes.len().max(1) as f64
    );
    drop(snapshot);

    // BENCH_ONLY=checks: only the point queries (quick A/B runs of the check path).
    let checks_only = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "checks");
    // ---- memory, measured in a fresh child process (no generator garbage around):
    // the load's RSS growth includes the decoder's freed temporaries; the steady growth
    // per `Org::clone` is the org's own footprint.
    if !checks_only {
        let path =
            std::env::temp_dir().join(format!("crm-policy-bench-{}.bin", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env("CRM_BENCH_MEMPROBE", &path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let probe = String::from_utf8_lossy(&out.stdout);
        let nums: Vec<f64> = probe
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        if let [load, footprint, peak] = nums[..] {
            println!(
            "resident memory per record: {:.0} B RSS growth on load (+{:.1} MB), {:.0} B org footprint (+{:.1} MB per clone); peak RSS while loading {:.1} MB",
            load / records as f64,
            load / 1e6,
            footprint / records as f64,
            footprint / 1e6,
            peak / 1e6
        );
        } else {
            println!(
                "memory probe failed: {probe} {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let org = Org::from_bytes(&bytes).expect("bench org loads");
    if !checks_only {
        // ---- load times
        report_cpu(
            load_runs,
            "load: Org::from_json (parse + validate + index)",
            || Org::from_json(&json).expect("loads"),
        );
        report_cpu(
            load_runs,
            "load: Org::from_bytes (columns into the state)",
            || Org::from_bytes(&bytes).expect("loads"),
        );
        report_cpu(
            load_runs,
            "  bytes::decode to a snapshot (not the load path)",
            || crm_policy::bytes::decode(&bytes).expect("decodes"),
        );
        let snap = org.to_snapshot();
        let s = time_runs(load_runs, || Org::from_snapshot(&snap).expect("loads"));
        report("  Org::from_snapshot (validate + index)", &s, "");
        drop(snap);
        let s = time_runs(load_runs.min(5), || org.to_json());
        report("export: org.to_json()", &s, "");
        let s = time_runs(load_runs.min(5), || org.to_bytes());
        report("export: org.to_bytes()", &s, "");
    }
    // ---- point queries
    let mut rng = Rng(7);
    let n_req = 200_000;
    let reqs: Vec<(String, Right, String)> = (0..n_req)
        .map(|_| {
            (
                user_ids[rng.below(user_ids.len())].clone(),
                Right::ALL[rng.below(8)],
                record_ids[rng.below(record_ids.len())].clone(),
            )
        })
        .collect();
    let refs: Vec<(&str, Right, &str)> = reqs
        .iter()
        .map(|(u, r, x)| (u.as_str(), *r, x.as_str()))
        .collect();
    let batch = 1000;

    // warm-up
    for (u, r, x) in refs.iter().take(20_000) {
        black_box(org.check(u, *r, x).unwrap());
    }

    let mut per_op = Vec::new();
    let mut allowed = 0usize;
    for chunk in refs.chunks(batch) {
        let t = Instant::now();
        for (u, r, x) in chunk {
            if black_box(org.check(u, *r, x).unwrap()) {
                allowed += 1;
            }
        }
        per_op.push(t.elapsed().as_nanos() as f64 / chunk.len() as f64);
    }
    report("check (per call, batches of 1000)", &stats(per_op), "");
    println!(
        "  allowed {:.1}% of {} random requests",
        100.0 * allowed as f64 / n_req as f64,
        n_req
    );

    // Where a random check's time goes: resolving the two ids, then deciding on indexes.
    let st = org.state();
    let idx: Vec<(u32, Right, u32, crm_policy::state::Hot)> = refs
        .iter()
        .map(|(u, r, x)| {
            let (rec, hot) = st.records.ids.find_hot(x).unwrap();
            (*st.user_ids.get(u).unwrap(), *r, rec, hot)
        })
        .collect();
    let part = |f: &dyn Fn(usize) -> u32| {
        let mut per_op = Vec::new();
        for start in (0..refs.len()).step_by(batch) {
            let end = (start + batch).min(refs.len());
            let t = Instant::now();
            for i in start..end {
                black_box(f(i));
            }
            per_op.push(t.elapsed().as_nanos() as f64 / (end - start) as f64);
        }
        stats(per_op)
    };
    report(
        "  of which user id lookup",
        &part(&|i| *st.user_ids.get(refs[i].0).unwrap()),
        "",
    );
    report(
        "  of which record id lookup",
        &part(&|i| st.records.ids.find_hot(refs[i].2).unwrap().0),
        "",
    );
    report(
        "  of which the decision (ids and slot fields resolved)",
        &part(&|i| {
            let (u, r, x, hot) = idx[i];
            u32::from(crm_policy::decide::rights_hot(st, u, x, hot, r.bit_set()).has(r))
        }),
        "",
    );
    // The same 1,000 requests again and again: a front end re-checking what is on screen.
    let hot: Vec<(&str, Right, &str)> = refs.iter().take(batch).copied().collect();
    let mut per_op = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        for (u, r, x) in &hot {
            black_box(org.check(u, *r, x).unwrap());
        }
        per_op.push(t.elapsed().as_nanos() as f64 / hot.len() as f64);
    }
    report(
        "check, hot cache (1000 requests repeated)",
        &stats(per_op),
        "",
    );

    // The owner asking about their own records (mostly allowed: the ownership path).
    let own_reqs: Vec<(&str, Right, &str)> = (0..n_req.min(owned.len() * 8).max(1))
        .filter_map(|_| {
            let (u, x) = owned.get(rng.below(owned.len()))?;
            Some((u.as_str(), Right::ALL[rng.below(8)], x.as_str()))
        })
        .collect();
    let mut per_op = Vec::new();
    let mut allowed = 0usize;
    for chunk in own_reqs.chunks(batch) {
        let t = Instant::now();
        for (u, r, x) in chunk {
            if black_box(org.check(u, *r, x).unwrap()) {
                allowed += 1;
            }
        }
        per_op.push(t.elapsed().as_nanos() as f64 / chunk.len() as f64);
    }
    report("check, owner on own record (per call)", &stats(per_op), "");
    println!(
        "  allowed {:.1}% of {} requests",
        100.0 * allowed as f64 / own_reqs.len().max(1) as f64,
        own_reqs.len()
    );

    let mut per_op = Vec::new();
    for chunk in refs.chunks(batch) {
        let t = Instant::now();
        for (u, _, x) in chunk {
            black_box(org.rights(u, x).unwrap());
        }
        per_op.push(t.elapsed().as_nanos() as f64 / chunk.len() as f64);
    }
    report("rights (per call, batches of 1000)", &stats(per_op), "");

    let mut per_call = Vec::new();
    let mut per_req = Vec::new();
    for chunk in refs.chunks(batch) {
        let t = Instant::now();
        black_box(org.check_many(chunk).unwrap());
        let ns = t.elapsed().as_nanos() as f64;
        per_call.push(ns);
        per_req.push(ns / chunk.len() as f64);
    }
    report("check_many (1000 requests per call)", &stats(per_call), "");
    report("  per request", &stats(per_req), "");

    if checks_only {
        return;
    }
    let mut per_op = Vec::new();
    for chunk in refs.chunks(batch).take(50) {
        let t = Instant::now();
        for (u, r, x) in chunk {
            black_box(org.explain(u, *r, x).unwrap());
        }
        per_op.push(t.elapsed().as_nanos() as f64 / chunk.len() as f64);
    }
    report("explain (per call, batches of 1000)", &stats(per_op), "");

    // ---- reverse queries
    let calls = if heavy { 60 } else { 200 };
    let mut xs = Vec::new();
    let mut found = 0usize;
    for i in 0..calls {
        let (_, right, rec) = refs[i * 7919 % refs.len()];
        let t = Instant::now();
        let users = org.who_can(right, rec).unwrap();
        xs.push(t.elapsed().as_nanos() as f64);
        found += users.len();
        black_box(users);
    }
    report("who_can(random right, random record)", &stats(xs), "");
    println!(
        "  {:.1} users per answer on average",
        found as f64 / calls as f64
    );

    let mut xs = Vec::new();
    let mut xs_all = Vec::new();
    let mut totals = 0usize;
    for i in 0..calls {
        let (user, _, _) = refs[i * 104_729 % refs.len()];
        let table = tables[i % tables.len()].as_str();
        let t = Instant::now();
        let page = org
            .accessible_records(user, Right::Read, Some(table), 0, Some(50))
            .unwrap();
        xs.push(t.elapsed().as_nanos() as f64);
        totals += page.total;
        black_box(page);
        if i % 4 == 0 {
            let t = Instant::now();
            let page = org
                .accessible_records(user, Right::Read, None, 0, Some(50))
                .unwrap();
            xs_all.push(t.elapsed().as_nanos() as f64);
            black_box(page);
        }
    }
    report(
        "accessible_records(user, read, one table, limit 50)",
        &stats(xs),
        "",
    );
    println!(
        "  {:.0} records in total per answer on average",
        totals as f64 / calls as f64
    );
    report(
        "accessible_records(user, read, all tables, limit 50)",
        &stats(xs_all),
        "",
    );

    let mut xs = Vec::new();
    for i in 0..calls {
        let user = user_ids[i * 31 % user_ids.len()].as_str();
        let t = Instant::now();
        black_box(org.effective_privileges(user).unwrap());
        xs.push(t.elapsed().as_nanos() as f64);
    }
    report("effective_privileges(user)", &stats(xs), "");

    let s = time_runs(if heavy { 3 } else { 9 }, || org.check_assertions());
    report("check_assertions()", &s, "");
    let s = time_runs(3, || org.risk_report());
    report("risk_report()", &s, "");
}
