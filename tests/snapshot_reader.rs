//! The snapshot reader (`src/read.rs` driving our tokenizer `src/json_read.rs`, no serde)
//! against the derived `Deserialize` of `Snapshot` through serde_json: on valid snapshots,
//! on thousands of mutated ones and on hand-picked edge cases, both give the same snapshot
//! or the same error (code, path, message — serde_json's message with its line and
//! column; one documented exception for long floats, see `same`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use crm_policy::validate::{parse_json, parse_snapshot};
use crm_policy::Snapshot;
use serde_json::Value;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The known differences: one is a number of more than 15 significant digits in an
/// "invalid type: floating point `x`" message, which serde_json writes with the shortest
/// digits of the nearest `f64` and our reader with the written digits rounded to 17 (it
/// has no float formatting code; see `json_read::Float::text`). Such messages are
/// compared without the number; none of the replacements below is such a number.
/// (The other: a string quoted in a message keeps combining marks and unassigned code
/// points as they are, where serde_json's `Debug` escapes them; see `json_read::escaped`.
/// No input here has such a character.)
fn same(json: &str) {
    let derived = parse_json::<Snapshot>(json, "");
    let read = parse_snapshot(json);
    if let (Err(a), Err(b)) = (&read, &derived) {
        let float = |m: &str| {
            let (head, tail) = m.split_once("floating point `")?;
            let (_, rest) = tail.split_once('`')?;
            Some(format!("{head}floating point `?`{rest}"))
        };
        if a != b && a.code == b.code && a.path == b.path {
            if let (Some(x), Some(y)) = (float(&a.message), float(&b.message)) {
                assert_eq!(x, y, "input: {json}");
                return;
            }
        }
    }
    assert_eq!(read, derived, "input: {json}");
}

/// Every snapshot of the fixtures (any object with a `version`), and a generated org.
fn corpus() -> Vec<Value> {
    fn walk(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Object(m) => {
                if m.contains_key("version") {
                    out.push(v.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, v) in common::fixtures()
        .into_iter()
        .chain(common::error_fixtures())
    {
        walk(&v, &mut out);
    }
    let size = crm_policy::generate::GenerateSize {
        users: 30,
        business_units: 6,
        teams: 4,
        records: 120,
        shares: 20,
    };
    let generated = crm_policy::generate::generate(3, &size);
    out.push(serde_json::to_value(&generated).unwrap());
    out
}

const REPLACEMENTS: &[&str] = &[
    "1",
    "0",
    "-1",
    "1.5",
    "4294967296",
    "1e400",
    "\"x\"",
    "\"\"",
    "null",
    "true",
    "false",
    "[]",
    "{}",
    "[1]",
    "[\"a\",\"b\"]",
    "{\"a\":1}",
    "{\"user\":\"u1\"}",
    "{\"team\":1}",
    "{\"user\":\"u1\",\"team\":\"t1\"}",
    "\"basic\"",
    "\"global\"",
    "\"read\"",
    "\"owner\"",
    "\"manager\"",
    "\"all\"",
    "[\"r\",null]",
    "[\"r\",\"b\",3]",
    "{\"role\":\"r\"}",
    "{\"read\":\"basic\",\"read\":\"local\"}",
    "{\"x\":{},\"x\":{}}",
    "{\"model\":\"manager\",\"depth\":2}",
    "[\"manager\",3,[\"a\"]]",
    "[\"manager\"]",
    "{\"unknown\":1}",
];

/// Replace one value (chosen at random) of the tree, drop a key, add a key or turn an
/// object into the array of its values.
fn mutate(v: &mut Value, rng: &mut Rng, depth: usize) {
    let descend = depth < 6 && rng.below(4) != 0;
    match v {
        Value::Object(m) if descend && !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = &keys[rng.below(keys.len())];
            match rng.below(8) {
                0 => {
                    m.remove(k);
                }
                1 => {
                    let name =
                        ["id", "name", "extra", "role", "parent", "businessUnit"][rng.below(6)];
                    m.insert(name.to_string(), Value::Null);
                }
                2 => {
                    let vals: Vec<Value> = m.values().cloned().collect();
                    let n = rng.below(vals.len() + 2);
                    *v = Value::Array(vals.into_iter().take(n).collect());
                }
                _ => mutate(m.get_mut(k.as_str()).unwrap(), rng, depth + 1),
            }
        }
        Value::Array(a) if descend && !a.is_empty() => {
            let i = rng.below(a.len());
            if rng.below(6) == 0 {
                a.remove(i);
            } else {
                mutate(&mut a[i], rng, depth + 1);
            }
        }
        _ => {
            // a placeholder, replaced by the raw text by `raw` (some are not valid for `Value`)
            *v = Value::String(format!("\u{0}{}\u{0}", rng.below(REPLACEMENTS.len())));
        }
    }
}

/// The text of `v` with the placeholders of `mutate` replaced.
fn raw(text: String) -> String {
    let mut s = text;
    for (k, r) in REPLACEMENTS.iter().enumerate() {
        s = s.replace(&format!("\"\\u0000{k}\\u0000\""), r);
    }
    s
}

/// Text-level damage: cut, a byte inserted or removed, a key doubled.
fn damage(text: &str, rng: &mut Rng) -> String {
    let mut s = text.to_string();
    let at = |rng: &mut Rng, s: &str| {
        let mut i = rng.below(s.len() + 1);
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match rng.below(5) {
        0 => {
            let i = at(rng, &s);
            s.truncate(i);
        }
        1 => {
            let i = at(rng, &s);
            let c = [
                "{", "}", "[", "]", ",", ":", "\"", "\\", "x", " ", "\n", "1", "-", "\u{1}",
            ][rng.below(14)];
            s.insert_str(i, c);
        }
        2 => {
            let i = at(rng, &s);
            if i < s.len() && s.is_char_boundary(i + 1) {
                s.remove(i);
            }
        }
        3 => {
            // double a key: `"k":` → `"k":<value>,"k":`
            if let Some(p) = s.match_indices("\":").nth(rng.below(40)).map(|(p, _)| p) {
                if let Some(q) = s[..p].rfind('"') {
                    let key = s[q..p + 2].to_string();
                    s.insert_str(p + 2, &format!("null,{key}"));
                }
            }
        }
        _ => {
            s = s.replace("\n", "\n ");
            s.push_str(" x");
        }
    }
    s
}

#[test]
fn the_reader_matches_the_derive_on_valid_snapshots() {
    for v in corpus() {
        same(&v.to_string());
        same(&serde_json::to_string_pretty(&v).unwrap());
    }
}

#[test]
fn the_reader_matches_the_derive_on_mutated_snapshots() {
    let corpus = corpus();
    let mut rng = Rng(7);
    for round in 0..6000 {
        let mut v = corpus[rng.below(corpus.len())].clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut v, &mut rng, 0);
        }
        let text = raw(if round % 3 == 0 {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            v.to_string()
        });
        same(&text);
        if round % 2 == 0 {
            same(&damage(&text, &mut rng));
        }
    }
}

/// Hand-picked places where serde_json raises an error late (after the enclosing struct's
/// closing bracket, or a comma), strings with escapes, numbers, enums in map form.
#[test]
fn the_reader_matches_the_derive_on_edge_cases() {
    let share = |s: &str| format!(r#"{{"version":1,"shares":[{s}]}}"#);
    let record = |r: &str| format!(r#"{{"version":1,"records":[{r}]}}"#);
    let cases = [
        share(r#"{"record":"r","principal":"user","rights":[]}"#),
        share(r#"{"record":"r","rights":[],"principal":"user"}"#),
        share(r#"{"record":"r","rights":[],"principal":"user" }"#),
        share(r#"["r","user",[]]"#),
        share(r#"["r","team" , []]"#),
        share(r#"["r","user"]"#),
        share(r#"["r","user" ]"#),
        share(r#"["r","user" x]"#),
        share(r#"{"record":"r","principal":"user" x}"#),
        share(r#"{"record":"r","principal":{"user":"u","team":"t"},"rights":[]}"#),
        share(r#"{"record":"r","principal":{"nobody":"u"},"rights":[]}"#),
        share(r#"{"record":"r","principal":{"user":5},"rights":[]}"#),
        share(r#"{"record":"r","principal":{"user" 5},"rights":[]}"#),
        share(r#"{"record":"r","principal":{},"rights":[]}"#),
        share(r#"{"record":"r","principal":{5:1},"rights":[]}"#),
        share(r#"{"record":"r","principal":{"user":"u"},"rights":["read",{"write":null},{"share":1},{"x":null},"nope"]}"#),
        share(r#"{"record":"r","principal":{"user":"u"},"rights":[{"write":null,"read":null}]}"#),
        share(r#"{"record":"r","principal":{"user":"u"},"rights":[],"x"}"#),
        share(r#"{"record":"r","principal":{"user":"u"},"rights":[],"x" }"#),
        share(r#"{"record":"r","principal":{"user":"u"},"rights":[],"x"  :1}"#),
        share(r#"{"record":"r","record" }"#),
        share(r#"{"record":"r","record"}"#),
        record(r#"{"id":"a","table":"t","owner":"team"}"#),
        record(r#"["a",null,"t","user"]"#),
        record(r#"["a",null,"t","user",null]"#),
        record(r#"["a",null,"t",null,null,null,true,1]"#),
        record(r#"{"id":"a\u00e9\ud83d\ude00\n","table":"t","active":"yes"}"#),
        record(r#"{"id":"a\ud83d","table":"t"}"#),
        record(r#"{"id":"\u0000","table":"t","extra\u0041":1}"#),
        record("{\"id\":\"a\",\"table\":\"t\",\"name\":\"\u{7f}é\u{1}\"}"),
        record(r#"{"id":"a","table":"t","name":"x\"y"}"#),
        record(r#"{"id":"a","table":"t","active":null}"#),
        record(r#"{"id":"a","table":"t","name":1e400}"#),
        record(r#"{"id":"a","table":"t","name":-0}"#),
        record(r#"{"id":"a","table":"t","name":1.25e-7}"#),
        record(r#"{"id":"a","table":"t","name":12345678901234567890123}"#),
        record(r#"{"id":"a","table":"t","name":0.1000000000000000055511}"#),
        record(r#"{"id":"a","table":"t","name":-12}"#),
        record(r#"{"id":"a","table":"t","name":[1]}"#),
        r#"{"version":-1}"#.to_string(),
        r#"{"version":1.0}"#.to_string(),
        r#"{"version":4294967296}"#.to_string(),
        r#"{"version":18446744073709551616}"#.to_string(),
        r#"{"version":1e3}"#.to_string(),
        r#"{"version":"1"}"#.to_string(),
        r#"{"version":01}"#.to_string(),
        r#"{"version":1,"hierarchy":null}"#.to_string(),
        r#"{"version":1,"hierarchy":{"model":{"manager":null},"depth":2}}"#.to_string(),
        r#"{"version":1,"hierarchy":{"model":{"manager":1},"depth":2}}"#.to_string(),
        r#"{"version":1,"hierarchy":{"model":{"manager":null,"x":1},"depth":2}}"#.to_string(),
        r#"{"version":1,"hierarchy":["manager",2,["a"],4]}"#.to_string(),
        r#"{"version":1,"hierarchy":5}"#.to_string(),
        r#"{"version":1,"roles":[{"id":"r","name":"n","privileges":{"a":{"read":"basic"},"a":{}}}]}"#.to_string(),
        r#"{"version":1,"roles":[{"id":"r","name":"n","privileges":{"a":{"read":"basik"}}}]}"#.to_string(),
        r#"{"version":1,"roles":[{"id":"r","name":"n","privileges":{"a\/b~":{"read":{"deep":null}}}}]}"#.to_string(),
        r#"{"version":1,"roles":[{"id":"r","name":"n","privileges":[]}]}"#.to_string(),
        r#"{"version":1,"settings":{"ownershipAcrossBusinessUnits":1}}"#.to_string(),
        r#"{"version":1,"settings":[true,false,true,false,true,false]}"#.to_string(),
        r#"{"version":1,"tables":[{"name":"t","ownership":"team"}]}"#.to_string(),
        r#"{"version":1,"relationships":[{"parent":"a","child":"b","cascade":{"delete":"none"}}]}"#.to_string(),
        r#"{"version":1,"teams":[{"id":"t","name":"n","kind":"owner","businessUnit":"b","inheritance":"both"}]}"#.to_string(),
        "\u{feff}{\"version\":1}".to_string(),
        " \n\t{\"version\":1}\r\n ".to_string(),
        "{\"version\":1}\n\nx".to_string(),
        format!("{}{}", "{\"version\":1,\"tables\":".repeat(3), "1}}}"),
        "{\"version\":1,\n\"users\":[\n{\"id\":\"u\",\n\"x\"\n:1}]}".to_string(),
    ];
    for json in &cases {
        same(json);
    }
}
