//! Compact JSON text of the snapshot, history, query and simulation outputs, byte for byte
//! what serde_json writes for their derived `Serialize` (`tests/json_out.rs` compares
//! both): `Org::to_json` and the wasm binding write them with this one small writer
//! instead of serde's per-type serializer code (about 10 KB of wasm), so native and wasm
//! output come from the same code.

use crate::access::{Level, Right};
use crate::change::{Change, SideEffect};
use crate::explain::{Denial, Explanation, GrantInfo, Reason};
use crate::history::{HistoryEntry, Version};
use crate::impact::{AccessChange, AssertionChange, Impact, RightChange};
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Record, Relationship, Role,
    RoleAssignment, Settings, Share, Snapshot, Table, Team, TeamKind, User, SETTING_NAMES,
};
use crate::query::{AssertionResult, Finding, RecordPage, RightAccess, TableAccess};
use crate::validate::{PrincipalIn, RecordIn};

/// JSON text being written. `first`: nothing is written yet in the innermost open
/// object or array (so the next key or item takes no comma). `sink`: where the text goes
/// in pieces of about [`PIECE`] bytes ([`text_in_pieces`]); without one it all stays in
/// `buf`.
pub struct Out<'s> {
    buf: String,
    first: bool,
    sink: Option<&'s mut dyn FnMut(&str)>,
}

/// The size of a piece of [`text_in_pieces`].
const PIECE: usize = 4 << 20;

impl Out<'_> {
    fn new() -> Out<'static> {
        Out {
            buf: String::new(),
            first: true,
            sink: None,
        }
    }

    /// Between two items of a list: hand the text so far to the sink once it is a piece.
    fn piece(&mut self) {
        if self.buf.len() >= PIECE {
            if let Some(sink) = self.sink.as_mut() {
                sink(&self.buf);
                self.buf.clear();
            }
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

/// The compact JSON text of `v`, handed to `sink` in pieces of about [`PIECE`] bytes
/// (cut between two items of a list) and one last shorter piece: a million-record
/// snapshot's 160 MB of text never has to be in memory at once.
pub fn text_in_pieces<T: Json + ?Sized>(v: &T, sink: &mut dyn FnMut(&str)) {
    let mut o = Out {
        buf: String::with_capacity(PIECE + (PIECE >> 3)),
        first: true,
        sink: Some(sink),
    };
    v.json(&mut o);
    if let Some(sink) = o.sink.as_mut() {
        if !o.buf.is_empty() {
            sink(&o.buf);
        }
    }
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
            o.piece();
        }
        o.close(']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn json(&self, o: &mut Out) {
        self.as_slice().json(o);
    }
}

impl<T: Json + ?Sized> Json for &T {
    fn json(&self, o: &mut Out) {
        (**self).json(o);
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
        match self {
            Principal::User(id) => PrincipalIn::User(id),
            Principal::Team(id) => PrincipalIn::Team(id),
        }
        .json(o);
    }
}

impl Json for PrincipalIn<'_> {
    fn json(&self, o: &mut Out) {
        let (k, id) = match *self {
            PrincipalIn::User(id) => ("user", id),
            PrincipalIn::Team(id) => ("team", id),
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

impl Json for TeamKind {
    fn json(&self, o: &mut Out) {
        o.str(match self {
            TeamKind::Owner => "owner",
            TeamKind::Access => "access",
        });
    }
}

impl Json for Inheritance {
    fn json(&self, o: &mut Out) {
        o.str(match self {
            Inheritance::Team => "team",
            Inheritance::Direct => "direct",
        });
    }
}

impl Json for RoleAssignment {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("role", &self.role);
        o.some("businessUnit", &self.business_unit);
        o.close('}');
    }
}

impl Json for Change {
    fn json(&self, o: &mut Out) {
        o.tag("op", self.op());
        match self {
            Change::CreateBusinessUnit { id, name, parent } => {
                o.field("id", id);
                o.field("name", name);
                o.field("parent", parent);
            }
            Change::RenameBusinessUnit {
                business_unit,
                name,
            } => {
                o.field("businessUnit", business_unit);
                o.field("name", name);
            }
            Change::ReparentBusinessUnit {
                business_unit,
                parent,
            } => {
                o.field("businessUnit", business_unit);
                o.field("parent", parent);
            }
            Change::DisableBusinessUnit { business_unit }
            | Change::EnableBusinessUnit { business_unit }
            | Change::DeleteBusinessUnit { business_unit } => {
                o.field("businessUnit", business_unit);
            }
            Change::MergeBusinessUnits { from, into } => {
                o.field("from", from);
                o.field("into", into);
            }
            Change::CreateUser {
                id,
                name,
                business_unit,
                manager,
                disabled,
                category,
                roles,
            } => {
                o.field("id", id);
                o.field("name", name);
                o.field("businessUnit", business_unit);
                o.field("manager", manager);
                o.field("disabled", disabled);
                o.some("category", category);
                o.field("roles", roles);
            }
            Change::MoveUser {
                user,
                business_unit,
                move_records,
                reassign_records_to,
            } => {
                o.field("user", user);
                o.field("businessUnit", business_unit);
                o.some("moveRecords", move_records);
                o.some("reassignRecordsTo", reassign_records_to);
            }
            Change::MoveUsers {
                users,
                business_unit,
                move_records,
                reassign_records_to,
            } => {
                o.field("users", users);
                o.field("businessUnit", business_unit);
                o.some("moveRecords", move_records);
                o.some("reassignRecordsTo", reassign_records_to);
            }
            Change::SetManager { user, manager } => {
                o.field("user", user);
                o.field("manager", manager);
            }
            Change::DisableUser {
                user,
                reassign_records_to,
            } => {
                o.field("user", user);
                o.some("reassignRecordsTo", reassign_records_to);
            }
            Change::EnableUser { user } => o.field("user", user),
            Change::AssignRole {
                principal,
                role,
                business_unit,
            }
            | Change::RemoveRole {
                principal,
                role,
                business_unit,
            } => {
                o.field("principal", principal);
                o.field("role", role);
                o.some("businessUnit", business_unit);
            }
            Change::CreateTeam {
                id,
                name,
                kind,
                business_unit,
                members,
                roles,
                inheritance,
            } => {
                o.field("id", id);
                o.field("name", name);
                o.field("kind", kind);
                o.field("businessUnit", business_unit);
                o.field("members", members);
                o.field("roles", roles);
                o.field("inheritance", inheritance);
            }
            Change::DeleteTeam { team } => o.field("team", team),
            Change::AddTeamMembers { team, users } | Change::RemoveTeamMembers { team, users } => {
                o.field("team", team);
                o.field("users", users);
            }
            Change::MoveTeam {
                team,
                business_unit,
            } => {
                o.field("team", team);
                o.field("businessUnit", business_unit);
            }
            Change::AssignRecord { record, owner } => {
                o.field("record", record);
                o.field("owner", owner);
            }
            Change::ReassignRecords { from, to, table } => {
                o.field("from", from);
                o.field("to", to);
                o.some("table", table);
            }
            Change::SetRecordBusinessUnit {
                record,
                business_unit,
            } => {
                o.field("record", record);
                o.field("businessUnit", business_unit);
            }
            Change::CreateRecord {
                id,
                name,
                table,
                owner,
                business_unit,
                parent,
                active,
            } => {
                o.field("id", id);
                o.some("name", name);
                o.field("table", table);
                o.some("owner", owner);
                o.some("businessUnit", business_unit);
                o.field("parent", parent);
                o.field("active", active);
            }
            Change::DeleteRecord { record } => o.field("record", record),
            Change::Share {
                record,
                principal,
                rights,
            }
            | Change::ModifyShare {
                record,
                principal,
                rights,
            } => {
                o.field("record", record);
                o.field("principal", principal);
                o.field("rights", rights);
            }
            Change::Unshare { record, principal } => {
                o.field("record", record);
                o.field("principal", principal);
            }
            Change::AddAccessTeamMember {
                record,
                template,
                user,
            }
            | Change::RemoveAccessTeamMember {
                record,
                template,
                user,
            } => {
                o.field("record", record);
                o.field("template", template);
                o.field("user", user);
            }
            Change::SetSetting { name, value } => {
                o.field("name", name);
                o.field("value", value);
            }
        }
        o.close('}');
    }
}

/// An applied version written as its [`HistoryEntry`] (without cloning its changes).
impl Json for Version {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.key("version");
        o.u64(self.version);
        o.field("summary", &self.summary);
        o.field("changes", &self.changes);
        o.close('}');
    }
}

impl Json for HistoryEntry {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.key("version");
        o.u64(self.version);
        o.field("summary", &self.summary);
        o.field("changes", &self.changes);
        o.close('}');
    }
}

/// A unit enum's name.
macro_rules! names {
    ($($t:ident { $($v:ident => $n:literal),* })*) => {$(
        impl Json for $t {
            fn json(&self, o: &mut Out) {
                o.str(match self {
                    $($t::$v => $n),*
                });
            }
        }
    )*};
}

names! {
    Ownership { User => "user", Organization => "organization" }
    CascadeScope { All => "all", Active => "active", UserOwned => "userOwned", None => "none" }
    DeleteCascade { All => "all", RemoveLink => "removeLink", Restrict => "restrict" }
    HierarchyModel { Manager => "manager" }
}

impl Json for Settings {
    fn json(&self, o: &mut Out) {
        o.open('{');
        for name in SETTING_NAMES {
            o.field(name, &self.get(name).unwrap_or_default());
        }
        o.close('}');
    }
}

impl Json for BusinessUnit {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", &self.id);
        o.field("name", &self.name);
        o.field("parent", &self.parent);
        o.field("disabled", &self.disabled);
        o.nonempty("defaultTeamRoles", &self.default_team_roles);
        o.close('}');
    }
}

impl Json for Table {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("name", &self.name);
        o.field("ownership", &self.ownership);
        o.close('}');
    }
}

impl Json for Relationship {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("parent", &self.parent);
        o.field("child", &self.child);
        o.key("cascade");
        let c = &self.cascade;
        o.open('{');
        o.field("assign", &c.assign);
        o.field("share", &c.share);
        o.field("unshare", &c.unshare);
        o.field("reparent", &c.reparent);
        o.field("delete", &c.delete);
        o.close('}');
        o.close('}');
    }
}

impl Json for Role {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", &self.id);
        o.field("name", &self.name);
        o.key("privileges");
        o.open('{');
        for (table, p) in &self.privileges {
            o.comma();
            o.str(table);
            o.buf.push(':');
            o.open('{');
            for right in Right::ALL {
                let level = p.level(right);
                if !level.is_none() {
                    o.field(right.as_str(), &level);
                }
            }
            o.close('}');
        }
        o.close('}');
        o.close('}');
    }
}

impl Json for User {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", &self.id);
        o.field("name", &self.name);
        o.field("businessUnit", &self.business_unit);
        o.field("manager", &self.manager);
        o.field("disabled", &self.disabled);
        o.some("category", &self.category);
        o.field("roles", &self.roles);
        o.close('}');
    }
}

impl Json for Team {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", &self.id);
        o.field("name", &self.name);
        o.field("kind", &self.kind);
        o.field("businessUnit", &self.business_unit);
        o.field("members", &self.members);
        o.field("roles", &self.roles);
        o.field("inheritance", &self.inheritance);
        o.close('}');
    }
}

impl Json for AccessTeamTemplate {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", &self.id);
        o.field("table", &self.table);
        o.field("rights", &self.rights);
        o.close('}');
    }
}

impl Json for Record {
    fn json(&self, o: &mut Out) {
        RecordIn::of(self).json(o);
    }
}

impl Json for RecordIn<'_> {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("id", self.id);
        if let Some(name) = self.name {
            o.field("name", name);
        }
        o.field("table", self.table);
        o.some("owner", &self.owner);
        if let Some(unit) = self.business_unit {
            o.field("businessUnit", unit);
        }
        o.field("parent", &self.parent);
        o.field("active", &self.active);
        o.close('}');
    }
}

impl Json for Share {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("record", &self.record);
        o.field("principal", &self.principal);
        o.field("rights", &self.rights);
        o.close('}');
    }
}

impl Json for AccessTeam {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("template", &self.template);
        o.field("record", &self.record);
        o.field("members", &self.members);
        o.close('}');
    }
}

impl Json for Hierarchy {
    fn json(&self, o: &mut Out) {
        o.open('{');
        o.field("model", &self.model);
        o.field("depth", &self.depth);
        o.field("tables", &self.tables);
        o.close('}');
    }
}

impl Json for Snapshot {
    fn json(&self, o: &mut Out) {
        snapshot(self, &self.records, o);
    }
}

impl Json for crate::export::Export<'_> {
    fn json(&self, o: &mut Out) {
        snapshot(&self.snapshot, &self.records, o);
    }
}

/// A snapshot with the records `records` (those of `s` are not read).
fn snapshot(s: &Snapshot, records: &dyn Json, o: &mut Out) {
    o.open('{');
    o.field("version", &s.version);
    o.field("settings", &s.settings);
    o.field("businessUnits", &s.business_units);
    o.field("tables", &s.tables);
    o.field("relationships", &s.relationships);
    o.field("roles", &s.roles);
    o.field("users", &s.users);
    o.field("teams", &s.teams);
    o.field("accessTeamTemplates", &s.access_team_templates);
    o.field("records", records);
    o.field("shares", &s.shares);
    o.field("accessTeams", &s.access_teams);
    o.some("hierarchy", &s.hierarchy);
    o.field("assertions", &s.assertions);
    o.close('}');
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The history as the wasm binding writes it (the applied versions) is the text of
    /// `Org::history()`.
    #[test]
    fn versions_are_written_as_history_entries() {
        let mut org = crate::Org::from_json(
            r#"{"version":1,"businessUnits":[{"id":"root","name":"Root"}],
               "tables":[{"name":"account","ownership":"user"}],
               "users":[{"id":"u1","name":"U","businessUnit":"root"}]}"#,
        )
        .unwrap();
        assert_eq!(text(&org.history.applied), "[]");
        let ops = [
            r#"[{"op":"createBusinessUnit","id":"b","name":"B \"x\"","parent":"root"},
                {"op":"createUser","id":"u2","name":"V","businessUnit":"b"}]"#,
            r#"{"changes":[{"op":"moveUser","user":"u2","businessUnit":"root","moveRecords":true},
                {"op":"createRecord","id":"r1","table":"account","owner":{"user":"u1"}},
                {"op":"createRecord","id":"r2","name":"n","table":"account","owner":{"user":"u2"}}]}"#,
            "[]",
        ];
        for json in ops {
            let changes = crate::Org::parse_changes(json).unwrap();
            org.apply(changes).unwrap();
            assert_eq!(
                text(&org.history.applied),
                serde_json::to_string(&org.history()).unwrap()
            );
        }
        assert!(org.undo());
        assert_eq!(
            text(&org.history.applied),
            serde_json::to_string(&org.history()).unwrap()
        );
    }
}
