//! Side-by-side benchmark: crm-policy vs Cedar (native), and the data for the
//! Node benchmark (crm-policy wasm vs @cedar-policy/cedar-wasm vs casbin).
//!
//! ```text
//! crm-policy-compare prepare --users N --out DIR [--sample 10000] [--seed 42] [--cedar-full-max-users 10000] [--full]
//! crm-policy-compare native --dir DIR [--repeat 3]
//! ```
//! `bash benches/compare/run.sh` runs everything; see benches/compare/README.md.

mod alloc;
mod casbin_enc;
mod cedar_enc;
mod workload;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicySet,
    Request,
};
use serde_json::{json, Value};

use crm_policy::generate::{generate, GenerateSize};
use crm_policy::{Org, Right};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

type Res<T> = Result<T, String>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.first().map(String::as_str) {
        Some("prepare") => prepare(&args[1..]),
        Some("native") => native(&args[1..]),
        Some("load") => load(&args[1..]),
        _ => Err("usage: crm-policy-compare prepare|native ... (see src/main.rs)".into()),
    };
    if let Err(e) = r {
        eprintln!("crm-policy-compare: {e}");
        std::process::exit(1);
    }
}

fn opt(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(args: &[String], name: &str, dflt: usize) -> Res<usize> {
    opt(args, name).map_or(Ok(dflt), |v| {
        v.replace('_', "")
            .parse()
            .map_err(|_| format!("bad {name} {v}"))
    })
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> Res<()> {
    std::fs::write(dir.join(name), data).map_err(|e| format!("{name}: {e}"))
}

fn read(dir: &Path, name: &str) -> Res<Vec<u8>> {
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------
// prepare

fn prepare(args: &[String]) -> Res<()> {
    let users = num(args, "--users", 1000)?;
    let n = num(args, "--sample", 10_000)?;
    let seed = num(args, "--seed", 42)? as u64;
    let cedar_full_max = num(args, "--cedar-full-max-users", 10_000)?;
    let dir = PathBuf::from(opt(args, "--out").ok_or("--out DIR is required")?);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let size = GenerateSize::scaled(users);
    let snap = generate(seed, &size);
    eprintln!(
        "prepare: generated {} users, {} units, {} teams, {} records, {} shares in {:.1} s",
        snap.users.len(),
        snap.business_units.len(),
        snap.teams.len(),
        snap.records.len(),
        snap.shares.len(),
        secs(t)
    );
    // The Cedar and Casbin encodings anchor every role at the user's own unit
    // (`principal.unit`, the Casbin domain): refuse an org where a role is anchored elsewhere.
    let anchored = snap
        .users
        .iter()
        .flat_map(|u| &u.roles)
        .chain(
            snap.business_units
                .iter()
                .flat_map(|b| &b.default_team_roles),
        )
        .filter(|a| a.business_unit.is_some())
        .count();
    if anchored > 0 {
        return Err(format!(
            "{anchored} role assignments have an explicit businessUnit: the Cedar and Casbin encodings do not express it"
        ));
    }
    let mut info = serde_json::Map::new();
    info.insert("users".into(), json!(snap.users.len()));
    info.insert("businessUnits".into(), json!(snap.business_units.len()));
    info.insert("teams".into(), json!(snap.teams.len()));
    info.insert("records".into(), json!(snap.records.len()));
    info.insert("shares".into(), json!(snap.shares.len()));
    info.insert("accessTeams".into(), json!(snap.access_teams.len()));
    if args.iter().any(|a| a == "--full") {
        let t = Instant::now();
        let full = crm_policy::bytes::encode(&snap);
        write(&dir, "full.bin", &full)?;
        info.insert("fullBytes".into(), json!(full.len()));
        eprintln!(
            "prepare: full.bin {:.1} MB in {:.1} s",
            full.len() as f64 / 1e6,
            secs(t)
        );
    }
    let restricted = workload::restrict(snap);
    let rbytes = crm_policy::bytes::encode(&restricted);
    write(&dir, "restricted.bin", &rbytes)?;
    info.insert("restrictedBytes".into(), json!(rbytes.len()));

    let ix = workload::Ix::new(&restricted);
    let reqs = workload::sample(&ix, n, seed ^ 0xc0ffee);
    let org = Org::from_bytes(&rbytes).map_err(|e| format!("restricted org: {e}"))?;
    drop(rbytes);
    let triples: Vec<(&str, Right, &str)> = reqs
        .iter()
        .map(|q| {
            (
                restricted.users[q.user].id.as_str(),
                q.right,
                restricted.records[q.record].id.as_str(),
            )
        })
        .collect();
    let decisions = org
        .check_many(&triples)
        .map_err(|e| format!("check_many: {e}"))?;
    drop(org);
    let allowed = decisions.iter().filter(|&&d| d).count();
    info.insert("sample".into(), json!(n));
    info.insert("sampleAllowed".into(), json!(allowed));
    let crm: String = decisions
        .iter()
        .map(|&d| if d { '1' } else { '0' })
        .collect();
    let requests: Vec<Value> = triples
        .iter()
        .map(|(u, r, rec)| json!([u, r.as_str(), rec]))
        .collect();
    write(
        &dir,
        "requests.json",
        serde_json::to_vec(&json!({ "requests": requests, "crm": crm }))
            .map_err(|e| e.to_string())?,
    )?;

    // Cedar
    let policies = cedar_enc::policies(&ix);
    let pset = PolicySet::from_str(&policies).map_err(|e| format!("cedar policies: {e}"))?;
    info.insert("cedarPolicies".into(), json!(pset.num_of_policies()));
    write(&dir, "cedar.policies", &policies)?;
    let slices: Vec<Value> = reqs
        .iter()
        .map(|q| Value::Array(cedar_enc::slice(&ix, q.user, q.record)))
        .collect();
    write(
        &dir,
        "cedar-slices.json",
        serde_json::to_vec(&slices).map_err(|e| e.to_string())?,
    )?;
    drop(slices);
    let ent_path = dir.join("cedar-entities.json");
    if restricted.users.len() <= cedar_full_max {
        let t = Instant::now();
        let f = std::fs::File::create(&ent_path).map_err(|e| e.to_string())?;
        let mut w = std::io::BufWriter::new(f);
        cedar_enc::write_all_entities(&ix, &mut w).map_err(|e| e.to_string())?;
        w.flush().map_err(|e| e.to_string())?;
        eprintln!("prepare: cedar-entities.json in {:.1} s", secs(t));
    } else {
        let _ = std::fs::remove_file(&ent_path);
    }

    // Casbin
    write(&dir, "casbin.conf", casbin_enc::MODEL)?;
    let lines = casbin_enc::policy_lines(&ix);
    info.insert(
        "casbinPolicyLines".into(),
        json!(lines.lines().filter(|l| l.starts_with("p,")).count()),
    );
    info.insert(
        "casbinGroupingLines".into(),
        json!(lines.lines().filter(|l| l.starts_with('g')).count()),
    );
    write(&dir, "casbin.csv", &lines)?;
    let creqs: Vec<Value> = reqs
        .iter()
        .map(|q| casbin_enc::request(&ix, q.user, q.right, q.record))
        .collect();
    write(
        &dir,
        "casbin-requests.json",
        serde_json::to_vec(&creqs).map_err(|e| e.to_string())?,
    )?;
    write(
        &dir,
        "info.json",
        serde_json::to_vec_pretty(&Value::Object(info)).map_err(|e| e.to_string())?,
    )?;
    eprintln!(
        "prepare: {} done in {:.1} s ({} of {} sample requests allowed)",
        dir.display(),
        secs(t),
        allowed,
        n
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// load: the native side of the scale test

fn load(args: &[String]) -> Res<()> {
    let file = PathBuf::from(opt(args, "--bin").ok_or("--bin FILE is required")?);
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = serde_json::Map::new();
    out.insert("binBytes".into(), json!(bytes.len()));
    let base = alloc::reset_peak();
    // The load path of the package: records are read in place from the bytes, no
    // intermediate snapshot (bytes::decode + from_snapshot is the slow path for Rust users).
    let t = Instant::now();
    let org = Org::from_bytes(&bytes).map_err(|e| format!("from_bytes: {e}"))?;
    out.insert("loadMs".into(), json!(secs(t) * 1e3));
    out.insert(
        "peakBytes".into(),
        json!(alloc::peak().saturating_sub(base)),
    );
    out.insert(
        "memoryBytes".into(),
        json!(alloc::current().saturating_sub(base)),
    );
    out.insert("records".into(), json!(org.record_count()));
    out.insert("users".into(), json!(org.user_count()));
    if let Some(dir) = file.parent() {
        if let Ok(text) = read(dir, "requests.json") {
            let v: Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
            let raw: Vec<(String, Right, String)> = v["requests"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| {
                            Some((
                                r[0].as_str()?.to_string(),
                                Right::parse(r[1].as_str()?)?,
                                r[2].as_str()?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let reqs: Vec<(&str, Right, &str)> = raw
                .iter()
                .map(|(u, r, x)| (u.as_str(), *r, x.as_str()))
                .collect();
            let check = |i: usize| {
                let (u, r, x) = reqs[i];
                org.check(u, r, x).unwrap_or(false)
            };
            latency(reqs.len(), check);
            let (ns, _) = latency(reqs.len(), check);
            let t = Instant::now();
            let _ = org.check_many(&reqs);
            out.insert("checkNs".into(), json!(ns));
            out.insert(
                "throughputPerSec".into(),
                json!(reqs.len() as f64 / secs(t)),
            );
        }
    }
    let text = serde_json::to_string(&Value::Object(out)).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

// ---------------------------------------------------------------------------
// native

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

const BATCH: usize = 100;

/// Median ns per call, timing batches of `BATCH` calls (timer overhead stays out).
fn latency(n: usize, mut f: impl FnMut(usize) -> bool) -> (f64, usize) {
    let mut per = Vec::new();
    let mut allowed = 0;
    let mut b = 0;
    while b < n {
        let end = (b + BATCH).min(n);
        let t = Instant::now();
        for i in b..end {
            if f(i) {
                allowed += 1;
            }
        }
        per.push(t.elapsed().as_nanos() as f64 / (end - b) as f64);
        b = end;
    }
    (median(&mut per), allowed)
}

fn euid(ty: &str, id: &str) -> Res<EntityUid> {
    Ok(EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).map_err(|e| e.to_string())?,
        EntityId::new(id),
    ))
}

struct Disagreements {
    by_rule: BTreeMap<String, (usize, Vec<String>)>,
    total: usize,
}

impl Disagreements {
    fn new() -> Self {
        Disagreements {
            by_rule: BTreeMap::new(),
            total: 0,
        }
    }
    fn add(&mut self, org: &Org, table: &str, req: (&str, Right, &str), crm: bool) {
        self.total += 1;
        let why = match org.explain(req.0, req.1, req.2) {
            Ok(e) => {
                let v = serde_json::to_value(&e).unwrap_or(Value::Null);
                if crm {
                    let kinds: Vec<String> = v["reasons"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|r| r["kind"].as_str().unwrap_or("?").to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    format!("allowed by {}", kinds.join("+"))
                } else {
                    format!("denied: {}", v["denial"]["kind"].as_str().unwrap_or("?"))
                }
            }
            Err(e) => format!("explain error {}", e.code),
        };
        let key = format!("{table}/{}: crm-policy {why}", req.1.as_str());
        let entry = self.by_rule.entry(key).or_insert((0, Vec::new()));
        entry.0 += 1;
        if entry.1.len() < 3 {
            entry
                .1
                .push(format!("{} {} {}", req.0, req.1.as_str(), req.2));
        }
    }
    fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "byRule": self.by_rule.iter().map(|(k, (n, ex))| json!({ "rule": k, "count": n, "examples": ex })).collect::<Vec<_>>(),
        })
    }
}

fn native(args: &[String]) -> Res<()> {
    let dir = PathBuf::from(opt(args, "--dir").ok_or("--dir DIR is required")?);
    let repeat = num(args, "--repeat", 3)?;
    let info: Value =
        serde_json::from_slice(&read(&dir, "info.json")?).map_err(|e| e.to_string())?;
    let reqfile: Value =
        serde_json::from_slice(&read(&dir, "requests.json")?).map_err(|e| e.to_string())?;
    let expected: Vec<bool> = reqfile["crm"]
        .as_str()
        .unwrap_or("")
        .chars()
        .map(|c| c == '1')
        .collect();
    let raw: Vec<(String, Right, String)> = reqfile["requests"]
        .as_array()
        .ok_or("requests.json: no requests")?
        .iter()
        .map(|r| {
            Ok((
                r[0].as_str().unwrap_or("").to_string(),
                Right::parse(r[1].as_str().unwrap_or("")).ok_or("bad right")?,
                r[2].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect::<Res<_>>()?;
    drop(reqfile);
    let reqs: Vec<(&str, Right, &str)> = raw
        .iter()
        .map(|(u, r, rec)| (u.as_str(), *r, rec.as_str()))
        .collect();
    let n = reqs.len();
    let mut out = serde_json::Map::new();
    out.insert("info".into(), info.clone());

    // ---- crm-policy
    let bytes = read(&dir, "restricted.bin")?;
    let base = alloc::reset_peak();
    let t = Instant::now();
    let org = Org::from_bytes(&bytes).map_err(|e| format!("from_bytes: {e}"))?;
    let load_s = secs(t);
    let crm_mem = alloc::current().saturating_sub(base);
    let crm_peak = alloc::peak().saturating_sub(base);
    drop(bytes);
    let check = |i: usize| {
        let (u, r, rec) = reqs[i];
        org.check(u, r, rec).unwrap_or(false)
    };
    latency(n, check); // warm up
    let (crm_ns, crm_allowed) = latency(n, check);
    let mut many = Vec::new();
    let mut decisions = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        decisions = org.check_many(&reqs).map_err(|e| e.to_string())?;
        many.push(secs(t));
    }
    let crm_tput = n as f64 / median(&mut many);
    let mismatch_expected = decisions
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a != b)
        .count();
    eprintln!(
        "crm-policy  load {:.3} s, memory {:.1} MB (peak {:.1} MB), check median {:.0} ns, check_many {:.2} M/s, {} of {} allowed",
        load_s,
        crm_mem as f64 / 1e6,
        crm_peak as f64 / 1e6,
        crm_ns,
        crm_tput / 1e6,
        crm_allowed,
        n
    );
    out.insert(
        "crm".into(),
        json!({
            "loadMs": load_s * 1e3, "memoryBytes": crm_mem, "peakBytes": crm_peak,
            "checkNs": crm_ns, "throughputPerSec": crm_tput, "allowed": crm_allowed,
            "mismatchWithPrepare": mismatch_expected,
        }),
    );

    // ---- Cedar
    let policies = String::from_utf8(read(&dir, "cedar.policies")?).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let pset = PolicySet::from_str(&policies).map_err(|e| format!("cedar policies: {e}"))?;
    let parse_ms = secs(t) * 1e3;
    let slices_json: Vec<Value> =
        serde_json::from_slice(&read(&dir, "cedar-slices.json")?).map_err(|e| e.to_string())?;
    // Requests (and the resource's table, read off its entity type).
    let mut creqs = Vec::with_capacity(n);
    let mut tables = Vec::with_capacity(n);
    for (i, (u, r, rec)) in reqs.iter().enumerate() {
        let ty = slices_json[i]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|e| e["uid"]["type"].as_str())
            .unwrap_or("?")
            .to_string();
        creqs.push(
            Request::new(
                euid("User", u)?,
                euid("Action", r.as_str())?,
                euid(&ty, rec)?,
                Context::empty(),
                None,
            )
            .map_err(|e| e.to_string())?,
        );
        tables.push(ty.to_lowercase());
    }
    let auth = Authorizer::new();
    let mut cedar = serde_json::Map::new();
    cedar.insert("policies".into(), json!(pset.num_of_policies()));
    cedar.insert("policyParseMs".into(), json!(parse_ms));

    let run_mode = |label: &str, ents: &[&Entities]| -> Value {
        let decide = |i: usize| -> (bool, usize) {
            let resp = auth.is_authorized(&creqs[i], &pset, ents[i]);
            (
                resp.decision() == Decision::Allow,
                resp.diagnostics().errors().count(),
            )
        };
        // One pass, timed in batches: the median batch gives the per-check latency, the
        // whole pass the throughput (Cedar has no batch call: a loop of is_authorized).
        let mut errors = 0;
        let mut got = vec![false; n];
        let mut per = Vec::new();
        let all = Instant::now();
        let mut b = 0;
        while b < n {
            let end = (b + BATCH).min(n);
            let t = Instant::now();
            for i in b..end {
                let (d, e) = decide(i);
                got[i] = d;
                errors += e;
            }
            per.push(t.elapsed().as_nanos() as f64 / (end - b) as f64);
            b = end;
        }
        let tput = n as f64 / secs(all);
        let ns = median(&mut per);
        let mut dis = Disagreements::new();
        let mut allowed = 0;
        for i in 0..n {
            allowed += usize::from(got[i]);
            if got[i] != decisions[i] {
                dis.add(&org, &tables[i], reqs[i], decisions[i]);
            }
        }
        eprintln!(
            "cedar ({label})  check median {:.0} ns, loop {:.3} M/s, {} allowed, {} disagreements with crm-policy, {} evaluation errors",
            ns,
            tput / 1e6,
            allowed,
            dis.total,
            errors
        );
        json!({ "checkNs": ns, "throughputPerSec": tput, "allowed": allowed, "evaluationErrors": errors, "disagreements": dis.to_json() })
    };

    // Full entity store, when prepare wrote one.
    if let Ok(text) = read(&dir, "cedar-entities.json") {
        let text = String::from_utf8(text).map_err(|e| e.to_string())?;
        let base = alloc::reset_peak();
        let t = Instant::now();
        let entities =
            Entities::from_json_str(&text, None).map_err(|e| format!("entities: {e}"))?;
        let load_s = secs(t);
        let mem = alloc::current().saturating_sub(base);
        let peak = alloc::peak().saturating_sub(base);
        eprintln!(
            "cedar (full store)  entities from JSON ({:.1} MB) {:.3} s, memory {:.1} MB (peak {:.1} MB)",
            text.len() as f64 / 1e6,
            load_s,
            mem as f64 / 1e6,
            peak as f64 / 1e6
        );
        drop(text);
        let mut r = run_mode("full store", &vec![&entities; n]);
        r["loadMs"] = json!(load_s * 1e3 + parse_ms);
        r["memoryBytes"] = json!(mem);
        r["peakBytes"] = json!(peak);
        r["entities"] = json!(entities.len());
        cedar.insert("full".into(), r);
    }

    // Per-request slices, built before timing.
    let base = alloc::reset_peak();
    let t = Instant::now();
    let slices: Vec<Entities> = slices_json
        .iter()
        .map(|v| Entities::from_json_value(v.clone(), None).map_err(|e| format!("slice: {e}")))
        .collect::<Res<_>>()?;
    let build_s = secs(t);
    let mem = alloc::current().saturating_sub(base);
    drop(slices_json);
    let refs: Vec<&Entities> = slices.iter().collect();
    let mut r = run_mode("slices", &refs);
    r["sliceBuildNsPerRequest"] = json!(build_s * 1e9 / n as f64);
    r["slicesMemoryBytes"] = json!(mem);
    r["loadMs"] = json!(parse_ms);
    cedar.insert("slices".into(), r);
    out.insert("cedar".into(), Value::Object(cedar));

    let text = serde_json::to_vec_pretty(&Value::Object(out)).map_err(|e| e.to_string())?;
    write(&dir, "native.json", text)?;
    Ok(())
}
