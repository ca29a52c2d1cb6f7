//! Compact JSON text of the query and simulation outputs, byte for byte what serde_json
//! writes for their derived `Serialize` (`tests/json_out.rs` compares both): the wasm
//! binding writes them with this one small writer instead of serde's per-type serializer
//! code (about 10 KB of wasm).

use crate::access::{Level, Right};
use crate::change::SideEffect;
use crate::explain::{Denial, Explanation, GrantInfo, Reason};
use crate::impact::{AccessChange, AssertionChange, Impact, RightChange};
use crate::model::{Assertion, Principal};
use crate::query::{AssertionResult, Finding, RecordPage, RightAccess, TableAccess};

/// JSON text being written. `first`: nothing is written yet in the innermost open
/// object or array (so the next key or item takes no comma).
pub struct Out {
    buf: String,
    first: bool,
}

impl Out {
    fn new() -> Out {
        Out {
            buf: String::new(),
            first: true,
        }
    }

    fn open(&mut self, c: char) {
        self.buf.push(c);
        self.first = true;
    }

    fn close(&mut self, c: char) {
        self.buf.push(c);
        self.first = false;
    }

    fn comma(&mut self) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
    }

    /// `"k":` (a key of the output types: no character to escape).
    fn key(&mut self, k: &str) {
        self.comma();
        self.buf.push('"');
        self.buf.push_str(k);
        self.buf.push_str("\":");
    }

    /// Field `k` with value `v`.
    fn field<T: Json + ?Sized>(&mut self, k: &str, v: &T) {
        self.key(k);
        v.json(self);
    }

    /// Field `k` unless `v` is `None` (`skip_serializing_if = "Option::is_none"`).
    fn some<T: Json>(&mut self, k: &str, v: &Option<T>) {
        if let Some(v) = v {
            self.field(k, v);
        }
    }

    /// Field `k` unless `v` is empty (`skip_serializing_if = "Vec::is_empty"`).
    fn nonempty<T: Json>(&mut self, k: &str, v: &[T]) {
        if !v.is_empty() {
            self.field(k, v);
        }
    }

    /// The tag of an internally tagged enum (`{"kind":"name",...`).
    fn tag(&mut self, k: &str, name: &str) {
        self.open('{');
        self.key(k);
        self.str(name);
    }

    /// A string, escaped as serde_json escapes it.
    fn str(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.buf.push('"');
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc: &str = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                0x08 => "\\b",
                0x0c => "\\f",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.buf.push_str(s.get(start..i).unwrap_or_default());
            if esc.is_empty() {
                self.buf.push_str("\\u00");
                for d in [b >> 4, b & 15] {
                    self.buf
                        .push(char::from(HEX.get(usize::from(d)).copied().unwrap_or(b'0')));
                }
            } else {
                self.buf.push_str(esc);
            }
            start = i + 1;
        }
        self.buf.push_str(s.get(start..).unwrap_or_default());
        self.buf.push('"');
    }

    fn u64(&mut self, n: u64) {
        self.buf.push_str(&n.to_string());
    }
}

/// A value written as JSON text (as serde_json writes its derived `Serialize`).
pub trait Json {
    /// Append the value to `o`.
    fn json(&self, o: &mut Out);
}

/// The compact JSON text of `v`.
pub fn text<T: Json + ?Sized>(v: &T) -> String {
    let mut o = Out::new();
    v.json(&mut o);
    o.buf
}

impl Json for str {
    fn json(&self, o: &mut Out) {
        o.str(self);
    }
}

impl Json for String {
    fn json(&self, o: &mut Out) {
        o.str(self);
    }
}

impl Json for bool {
    fn json(&self, o: &mut Out) {
        o.buf.push_str(if *self { "true" } else { "false" });
    }
}

impl Json for usize {
    fn json(&self, o: &mut Out) {
        o.u64(*self as u64);
    }
}

impl Json for u32 {
    fn json(&self, o: &mut Out) {
        o.u64(u64::from(*self));
    }
}

impl<T: Json> Json for [T] {
    fn json(&self, o: &mut Out) {
        o.open('[');
        for x in self {
            o.comma();
            x.json(o);
        }
        o.close(']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn json(&self, o: &mut Out) {
        self.as_slice().json(o);
    }
}

impl<T: Json> Json for Option<T> {
    fn json(&self, o: &mut Out) {
        match self {
            Some(v) => v.json(o),
            None => o.buf.push_str("null"),
        }
    }
}

impl Json for Right {
    fn json(&self, o: &mut Out) {
        o.str(self.as_str());
    }
}

impl Json for Level {
    fn json(&self, o: &mut Out) {
        o.str(self.as_str());
    }
}

impl Json for Principal {
    fn json(&self, o: &mut Out) {
        let (k, id) = match self {
            Principal::User(id) => ("user", id),
            Principal::Team(id) => ("team", id),
        };
        o.open('{');
        o.field(k, id);
        o.close('}');
    }
}

impl Json for GrantInfo {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("role", &self.role);
        o.field("roleName", &self.role_name);
        o.field("via", &self.via);
        o.some("team", &self.team);
        o.field("level", &self.level);
        o.some("anchor", &self.anchor);
        o.close('}');
    }
}

impl Json for Reason {
    fn json(&self, o: &mut Out) {
        let grant = match self {
            Reason::Owner { grant } => {
                o.tag("kind", "owner");
                grant
            }
            Reason::TeamOwner { team, grant } => {
                o.tag("kind", "teamOwner");
                o.field("team", team);
                grant
            }
            Reason::Role { grant } => {
                o.tag("kind", "role");
                grant
            }
            Reason::Share { principal, grant } => {
                o.tag("kind", "share");
                o.field("principal", principal);
                grant
            }
            Reason::AccessTeam { template, grant } => {
                o.tag("kind", "accessTeam");
                o.field("template", template);
                grant
            }
            Reason::InheritedShare {
                from_record,
                principal,
                template,
                grant,
            } => {
                o.tag("kind", "inheritedShare");
                o.field("fromRecord", from_record);
                o.some("principal", principal);
                o.some("template", template);
                grant
            }
            Reason::Hierarchy {
                report,
                distance,
                grant,
            } => {
                o.tag("kind", "hierarchy");
                o.field("report", report);
                o.field("distance", distance);
                grant
            }
        };
        o.field("grant", grant);
        o.close('}');
    }
}

impl Json for Denial {
    fn json(&self, o: &mut Out) {
        match self {
            Denial::DisabledUser => o.tag("kind", "disabledUser"),
            Denial::DisabledBusinessUnit { business_unit } => {
                o.tag("kind", "disabledBusinessUnit");
                o.field("businessUnit", business_unit);
            }
            Denial::NoPrivilege { table, right } => {
                o.tag("kind", "noPrivilege");
                o.field("table", table);
                o.field("right", right);
            }
            Denial::LevelTooLow { best, needed } => {
                o.tag("kind", "levelTooLow");
                o.field("best", best);
                o.field("needed", needed);
            }
            Denial::ShareWithoutPrivilege { principal } => {
                o.tag("kind", "shareWithoutPrivilege");
                o.field("principal", principal);
            }
        }
        o.close('}');
    }
}

impl Json for Explanation {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("allowed", &self.allowed);
        o.field("reasons", &self.reasons);
        o.some("denial", &self.denial);
        o.close('}');
    }
}

impl Json for RecordPage {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("total", &self.total);
        o.field("records", &self.records);
        o.close('}');
    }
}

impl Json for RightAccess {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("right", &self.right);
        o.field("level", &self.level);
        o.field("sources", &self.sources);
        o.close('}');
    }
}

impl Json for TableAccess {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("table", &self.table);
        o.field("rights", &self.rights);
        o.close('}');
    }
}

impl Json for Assertion {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("user", &self.user);
        o.field("right", &self.right);
        o.field("record", &self.record);
        o.field("expect", &self.expect);
        o.some("note", &self.note);
        o.close('}');
    }
}

impl Json for AssertionResult {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("assertion", &self.assertion);
        o.field("actual", &self.actual);
        o.field("pass", &self.pass);
        o.close('}');
    }
}

impl Json for Finding {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("kind", &self.kind);
        o.field("severity", &self.severity);
        o.field("message", &self.message);
        o.some("user", &self.user);
        o.some("record", &self.record);
        o.some("businessUnit", &self.business_unit);
        o.some("table", &self.table);
        o.nonempty("rights", &self.rights);
        o.some("count", &self.count);
        o.nonempty("sample", &self.sample);
        o.close('}');
    }
}

impl Json for SideEffect {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("change", &self.change);
        o.field("kind", &self.kind);
        o.field("message", &self.message);
        o.some("user", &self.user);
        o.some("team", &self.team);
        o.some("record", &self.record);
        o.some("role", &self.role);
        o.some("count", &self.count);
        o.close('}');
    }
}

impl Json for RightChange {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("table", &self.table);
        o.field("right", &self.right);
        o.field("count", &self.count);
        o.field("sample", &self.sample);
        o.close('}');
    }
}

impl Json for AccessChange {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("user", &self.user);
        o.field("gained", &self.gained);
        o.field("lost", &self.lost);
        o.close('}');
    }
}

impl Json for AssertionChange {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("assertion", &self.assertion);
        o.field("before", &self.before);
        o.field("after", &self.after);
        o.field("pass", &self.pass);
        o.close('}');
    }
}

impl Json for Impact {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("accessChanges", &self.access_changes);
        o.field("sideEffects", &self.side_effects);
        o.field("warnings", &self.warnings);
        o.field("assertions", &self.assertions);
        o.key("records");
        o.open('{');
        o.field("before", &self.records.before);
        o.field("after", &self.records.after);
        o.close('}');
        o.close('}');
    }
}
