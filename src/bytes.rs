//! The compact, versioned binary snapshot (`Org::to_bytes` / `Org::from_bytes`).
//!
//! Every integer is an unsigned LEB128 varint unless marked otherwise. Layout (format 2):
//!
//! ```text
//! file        := "CRMP" format:varint(=2) snapshotVersion:varint strings body
//! strings     := count × (prefix:varint ≤ 64, len:varint, utf8 bytes)   front-coded: the
//!                string is the first `prefix` bytes of the previous one + the bytes
//! body        := settings:u8 (bit i = setting i of SETTING_NAMES)
//!                units tables relationships roles users teams templates
//!                records shares accessTeams hierarchy assertions      (each a count + items)
//! unit        := id name parent? disabled:u8 roles
//! table       := name ownership:u8
//! relationship:= parent child assign:u8 share:u8 unshare:u8 reparent:u8 delete:u8
//! role        := id name count × (table 8 × level:u8)
//! user        := id name businessUnit manager? disabled:u8 category? roles
//! team        := id name kind:u8 businessUnit members roles inheritance:u8
//! template    := id table rights
//! records     := n ids name table owner unit parent        (columns of n values each)
//! ids         := prefix:column suffixLength:column bytes:varint + bytes   front-coded in
//!                record order: id i is the first prefix[i] bytes of id i - 1 + its suffix
//! name        := column of (0 | string + 1)
//! table       := column of (string × 2 + active)
//! owner       := column of (0 | principal + 1)
//! unit        := column of (0 | string + 1)   0: the owner's unit (or none)
//! parent      := column of (0 | record + 1)
//! share       := record:Δ principal rights:u8 (bit i = Right::ALL[i])
//! accessTeam  := template record members
//! hierarchy   := 0 | 1 model:u8 depth:varint tables
//! assertion   := user right:u8 record expect:u8 note?
//! column      := width:u8 (0…4) then n × width bytes, each value little-endian (width 0:
//!                every value is 0)
//! ```
//!
//! A string is the varint index of the string table entry, `x?` is `0` (absent) or
//! `index + 1`, a principal is `string × 2 + (0 user | 1 team)`, a record is the index of
//! the record in `records` or, past the last one, `records + string` (an id that names no
//! record: the loader reports it), `Δ` is the zigzag difference from the previous value of
//! the same column, `roles` is a count of `(role, businessUnit?)`, `rights` a count of
//! right bytes, `members` a count of strings, enums are their declaration order in
//! [`crate::model`] / [`crate::access`]. The encoder puts table names first in the string
//! table, then unit, user, team, role and template ids, so the columns that hold them
//! stay one or two bytes wide.
//!
//! The records are columns so that [`load`] builds the engine's state from them directly:
//! no per-record string or model struct. Ids land in the id arena as they are decoded, the
//! id table is filled in one sweep with the records' fields ([`crate::state::Interner::build`],
//! after the record columns are checked), names are slices
//! of the string table (which becomes the names arena), and each reference is a range
//! check or one lookup in a per-string memo (`string index -> user`, …). Users, teams and
//! the other small sections take the loader of JSON snapshots.
//!
//! Decoding checks everything it reads and never panics: truncation, corruption, bad
//! UTF-8, out-of-range indexes, bad enum tags and widths, trailing bytes and counts larger
//! than the rest of the input are `bad-bytes` errors at `/bytes/<offset>`; another format
//! version (format 1 included) is `unsupported-version`. Allocations are bounded by the
//! input size (front-coded prefixes are at most 64 bytes, record ids at most
//! [`MAX_ID_BYTES`]; the strings materialised are bounded to 64 × the input size plus
//! 16 MiB, `limit-exceeded`). The snapshot is then validated as a JSON one is (SPEC §7),
//! with the same codes and paths; errors about records, shares, access teams and
//! assertions are only looked for once the rest of the snapshot is valid.

use crate::access::{Level, Right, RightSet};
use crate::error::{at, cat3, in_other_unit, q, q2, short_id, Errors, PolicyError};
use crate::limits::{MAX_ID_BYTES, MAX_INPUT_BYTES};
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, Cascade, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Privileges, Record, Relationship,
    Role, RoleAssignment, Settings, Share, Snapshot, Table, TablePrivileges, Team, TeamKind, User,
    SETTING_NAMES,
};
use crate::sort::SortTotal;
use crate::state::{
    team_principal, tiers, Interner, Map, RecordCore, Records, ShareEntry, State, ACTIVE, ALIVE,
    NONE,
};
use crate::validate::{
    add_access_team, set_access_team_lists, AccessTeamLists, Ctx, PrincipalIn, RecordIn,
    ResolvedAccessTeam,
};

/// The four magic bytes every binary snapshot starts with.
pub const MAGIC: [u8; 4] = *b"CRMP";
/// The binary format version written by [`encode`] and read by [`decode`].
pub const FORMAT_VERSION: u64 = 2;
/// Longest front-coded prefix (bounds how much a string entry can expand).
const MAX_PREFIX: usize = 64;
/// Strings materialised from the table: at most this many times the input size…
const EXPANSION: usize = 64;
/// …plus this much.
const EXPANSION_FLOOR: usize = 16 << 20;

// ---------------------------------------------------------------------------
// Encoding

type FastMap<'a> = crate::map::Map<&'a str, u32>;

struct Encoder<'a> {
    /// Names and other strings.
    index: FastMap<'a>,
    /// Ids of units, users, teams, roles, tables and templates (small and hot).
    ids: FastMap<'a>,
    /// Record ids of at most 15 bytes, packed in a `u128` (no pointer chasing), to their
    /// record index (the first record with that id).
    records: crate::map::Map<u128, u32>,
    /// Longer record ids.
    long_records: FastMap<'a>,
    /// Number of records.
    n_records: u64,
    table: Vec<&'a str>,
    out: Vec<u8>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A string of at most 15 bytes as one `u128` (bytes, then the length in the top byte).
fn pack(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let v = b
        .iter()
        .rev()
        .fold(0u128, |acc, &c| (acc << 8) | u128::from(c));
    Some(v | (u128::from(b.len() as u8) << 120))
}

fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl<'a> Encoder<'a> {
    fn intern_id(&mut self, s: &'a str) {
        if !self.ids.contains_key(s) {
            let i = self.table.len() as u32;
            self.table.push(s);
            self.ids.insert(s, i);
        }
    }

    /// Any string: an id when it is one, else interned among the others.
    fn intern(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        self.intern_other(s)
    }

    /// A string that is not expected to be an id.
    fn intern_other(&mut self, s: &'a str) -> u32 {
        let next = self.table.len() as u32;
        match self.index.entry(s) {
            crate::map::Entry::Occupied(o) => *o.get(),
            crate::map::Entry::Vacant(v) => {
                v.insert(next);
                self.table.push(s);
                next
            }
        }
    }

    fn varint(&mut self, v: u64) {
        put_varint(&mut self.out, v);
    }

    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn flag(&mut self, b: bool) {
        self.out.push(u8::from(b));
    }

    fn count(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn str(&mut self, s: &'a str) {
        let i = self.intern(s);
        self.varint(u64::from(i));
    }

    fn opt(&mut self, s: Option<&'a str>) {
        match s {
            None => self.varint(0),
            Some(s) => {
                let i = self.intern(s);
                self.varint(u64::from(i) + 1);
            }
        }
    }

    /// Map a record id to its record index `i` unless an earlier record has that id.
    fn intern_record(&mut self, s: &'a str, i: u32) {
        match pack(s) {
            Some(k) => {
                self.records.entry(k).or_insert(i);
            }
            None => {
                self.long_records.entry(s).or_insert(i);
            }
        }
    }

    /// A reference to a record id: its record index, or past the records the string of an
    /// id that names no record.
    fn record_ref(&mut self, s: &'a str) -> u64 {
        let found = match pack(s) {
            Some(k) => self.records.get(&k),
            None => self.long_records.get(s),
        };
        match found {
            Some(&i) => u64::from(i),
            None => self.n_records + u64::from(self.intern(s)),
        }
    }

    /// A column of values (see the module docs), as narrow as its largest value allows.
    fn column(&mut self, values: &[u64]) {
        let max = values.iter().copied().max().unwrap_or(0);
        let width = match max {
            0 => 0,
            1..=0xff => 1,
            0x100..=0xffff => 2,
            0x1_0000..=0xff_ffff => 3,
            _ => 4,
        };
        self.byte(width as u8);
        self.out.reserve(values.len() * width);
        for &v in values {
            let v = u32::try_from(v).unwrap_or(u32::MAX);
            self.out
                .extend_from_slice(v.to_le_bytes().get(..width).unwrap_or_default());
        }
    }

    fn principal_code(&mut self, p: &'a Principal) -> u64 {
        self.principal_in_code(match p {
            Principal::User(id) => PrincipalIn::User(id),
            Principal::Team(id) => PrincipalIn::Team(id),
        })
    }

    fn principal_in_code(&mut self, p: PrincipalIn<'a>) -> u64 {
        match p {
            PrincipalIn::User(id) => u64::from(self.intern(id)) << 1,
            PrincipalIn::Team(id) => (u64::from(self.intern(id)) << 1) | 1,
        }
    }

    fn principal(&mut self, p: &'a Principal) {
        let c = self.principal_code(p);
        self.varint(c);
    }

    fn roles(&mut self, roles: &'a [RoleAssignment]) {
        self.count(roles.len());
        for r in roles {
            self.str(&r.role);
            self.opt(r.business_unit.as_deref());
        }
    }

    fn rights(&mut self, rights: &[Right]) {
        self.count(rights.len());
        for r in rights {
            self.byte(*r as u8);
        }
    }

    fn strs(&mut self, items: &'a [String]) {
        self.count(items.len());
        for s in items {
            self.str(s);
        }
    }
}

fn settings_bits(s: &Settings) -> u8 {
    SETTING_NAMES
        .iter()
        .enumerate()
        .fold(0u8, |acc, (i, name)| {
            if s.get(name) == Some(true) {
                acc | (1 << i)
            } else {
                acc
            }
        })
}

fn scope_tag(s: CascadeScope) -> u8 {
    match s {
        CascadeScope::All => 0,
        CascadeScope::Active => 1,
        CascadeScope::UserOwned => 2,
        CascadeScope::None => 3,
    }
}

fn delete_tag(d: DeleteCascade) -> u8 {
    match d {
        DeleteCascade::All => 0,
        DeleteCascade::RemoveLink => 1,
        DeleteCascade::Restrict => 2,
    }
}

/// Encode a snapshot in the compact binary form (see the module docs).
pub fn encode(s: &Snapshot) -> Vec<u8> {
    let records: Vec<RecordIn<'_>> = s.records.iter().map(RecordIn::of).collect();
    encode_with(s, &records)
}

/// [`encode`] with the records `records` (those of `s` are not read): how an org writes
/// itself, from [`crate::export::export`].
pub fn encode_with<'a>(s: &'a Snapshot, records: &'a [RecordIn<'a>]) -> Vec<u8> {
    let ids =
        s.business_units.len() + s.users.len() + s.teams.len() + s.roles.len() + s.tables.len();
    let mut e = Encoder {
        index: FastMap::with_capacity((records.len() / 4).min(1 << 20) + 1024),
        ids: FastMap::with_capacity(ids + 64),
        records: crate::map::Map::with_capacity(records.len()),
        long_records: FastMap::new(),
        n_records: records.len() as u64,
        table: Vec::with_capacity(s.users.len() + 1024),
        out: Vec::with_capacity(records.len() * 14 + s.shares.len() * 6 + 4096),
    };
    // Id columns first so that they sit together in the table and front-code well, tables
    // first of all (the record table column holds their indexes).
    for t in &s.tables {
        e.intern_id(&t.name);
    }
    for b in &s.business_units {
        e.intern_id(&b.id);
    }
    for u in &s.users {
        e.intern_id(&u.id);
    }
    for t in &s.teams {
        e.intern_id(&t.id);
    }
    for r in &s.roles {
        e.intern_id(&r.id);
    }
    for t in &s.access_team_templates {
        e.intern_id(&t.id);
    }
    for (i, r) in records.iter().enumerate() {
        e.intern_record(r.id, i as u32);
    }

    e.byte(settings_bits(&s.settings));

    e.count(s.business_units.len());
    for b in &s.business_units {
        e.str(&b.id);
        e.str(&b.name);
        e.opt(b.parent.as_deref());
        e.flag(b.disabled);
        e.roles(&b.default_team_roles);
    }

    e.count(s.tables.len());
    for t in &s.tables {
        e.str(&t.name);
        e.byte(match t.ownership {
            Ownership::User => 0,
            Ownership::Organization => 1,
        });
    }

    e.count(s.relationships.len());
    for r in &s.relationships {
        e.str(&r.parent);
        e.str(&r.child);
        e.byte(scope_tag(r.cascade.assign));
        e.byte(scope_tag(r.cascade.share));
        e.byte(scope_tag(r.cascade.unshare));
        e.byte(scope_tag(r.cascade.reparent));
        e.byte(delete_tag(r.cascade.delete));
    }

    e.count(s.roles.len());
    for r in &s.roles {
        e.str(&r.id);
        e.str(&r.name);
        e.count(r.privileges.len());
        for (table, p) in &r.privileges {
            e.str(table);
            for right in Right::ALL {
                e.byte(p.level(right) as u8);
            }
        }
    }

    e.count(s.users.len());
    for u in &s.users {
        e.str(&u.id);
        e.str(&u.name);
        e.str(&u.business_unit);
        e.opt(u.manager.as_deref());
        e.flag(u.disabled);
        e.opt(u.category.as_deref());
        e.roles(&u.roles);
    }

    e.count(s.teams.len());
    for t in &s.teams {
        e.str(&t.id);
        e.str(&t.name);
        e.byte(match t.kind {
            TeamKind::Owner => 0,
            TeamKind::Access => 1,
        });
        e.str(&t.business_unit);
        e.strs(&t.members);
        e.roles(&t.roles);
        e.byte(match t.inheritance {
            Inheritance::Team => 0,
            Inheritance::Direct => 1,
        });
    }

    e.count(s.access_team_templates.len());
    for t in &s.access_team_templates {
        e.str(&t.id);
        e.str(&t.table);
        e.rights(&t.rights);
    }

    // ---- records, as columns
    let n = records.len();
    e.count(n);
    let mut prefixes = Vec::with_capacity(n);
    let mut suffixes = Vec::with_capacity(n);
    let mut blob: Vec<u8> = Vec::with_capacity(n * 4);
    let mut prev: &str = "";
    for r in records {
        let mut p =
            r.id.bytes()
                .zip(prev.bytes())
                .take_while(|(a, b)| a == b)
                .count();
        while p > 0 && !r.id.is_char_boundary(p) {
            p -= 1;
        }
        let suffix = r.id.as_bytes().get(p..).unwrap_or_default();
        prefixes.push(p as u64);
        suffixes.push(suffix.len() as u64);
        blob.extend_from_slice(suffix);
        prev = r.id;
    }
    e.column(&prefixes);
    e.column(&suffixes);
    e.count(blob.len());
    e.out.extend_from_slice(&blob);
    drop((prefixes, suffixes, blob));
    // The unit a record gets from its owner when it names none: written as 0.
    let mut owner_units: FastMap<'_> = FastMap::with_capacity(s.users.len() + s.teams.len());
    let mut unit_names: Vec<&str> = Vec::with_capacity(s.users.len() + s.teams.len());
    for (id, unit) in s
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.business_unit.as_str()))
        .chain(
            s.teams
                .iter()
                .map(|t| (t.id.as_str(), t.business_unit.as_str())),
        )
    {
        if !owner_units.contains_key(id) {
            owner_units.insert(id, unit_names.len() as u32);
            unit_names.push(unit);
        }
    }
    let owner_unit = |p: PrincipalIn<'_>| -> Option<&str> {
        let (PrincipalIn::User(id) | PrincipalIn::Team(id)) = p;
        let i = *owner_units.get(id)?;
        unit_names.get(i as usize).copied()
    };
    let mut col = Vec::with_capacity(n);
    col.extend(
        records
            .iter()
            .map(|r| r.name.map_or(0, |x| u64::from(e.intern_other(x)) + 1)),
    );
    e.column(&col);
    col.clear();
    let mut last_table: Option<(&str, u64)> = None;
    for r in records {
        // records come grouped by table: skip the lookup when it repeats
        let t = match last_table {
            Some((name, i)) if name == r.table => i,
            _ => {
                let i = u64::from(e.intern(r.table));
                last_table = Some((r.table, i));
                i
            }
        };
        col.push(t << 1 | u64::from(r.active));
    }
    e.column(&col);
    col.clear();
    col.extend(
        records
            .iter()
            .map(|r| r.owner.map_or(0, |o| e.principal_in_code(o) + 1)),
    );
    e.column(&col);
    col.clear();
    for r in records {
        let implied = r.owner.and_then(owner_unit);
        col.push(match r.business_unit {
            Some(b) if implied != Some(b) => u64::from(e.intern(b)) + 1,
            _ => 0,
        });
    }
    e.column(&col);
    col.clear();
    col.extend(
        records
            .iter()
            .map(|r| r.parent.map_or(0, |p| e.record_ref(p) + 1)),
    );
    e.column(&col);
    drop(col);

    e.count(s.shares.len());
    let mut prev = 0i64;
    for sh in &s.shares {
        let i = e.record_ref(&sh.record) as i64;
        e.varint(zigzag(i - prev));
        prev = i;
        e.principal(&sh.principal);
        e.byte(RightSet::from_rights(&sh.rights).0);
    }

    e.count(s.access_teams.len());
    for a in &s.access_teams {
        e.str(&a.template);
        let i = e.record_ref(&a.record);
        e.varint(i);
        e.strs(&a.members);
    }

    match &s.hierarchy {
        None => e.byte(0),
        Some(h) => {
            e.byte(1);
            e.byte(match h.model {
                HierarchyModel::Manager => 0,
            });
            e.varint(u64::from(h.depth));
            e.strs(&h.tables);
        }
    }

    e.count(s.assertions.len());
    for a in &s.assertions {
        e.str(&a.user);
        e.byte(a.right as u8);
        let i = e.record_ref(&a.record);
        e.varint(i);
        e.flag(a.expect);
        e.opt(a.note.as_deref());
    }

    // Header + string table + body.
    let text: usize = e.table.iter().map(|s| s.len().min(64) + 3).sum();
    let mut out = Vec::with_capacity(16 + text + e.out.len());
    out.extend_from_slice(&MAGIC);
    put_varint(&mut out, FORMAT_VERSION);
    put_varint(&mut out, u64::from(s.version));
    put_varint(&mut out, e.table.len() as u64);
    let mut prev: &[u8] = &[];
    for s in &e.table {
        let bytes = s.as_bytes();
        let mut p = bytes
            .iter()
            .zip(prev)
            .take(MAX_PREFIX)
            .take_while(|(a, b)| a == b)
            .count();
        while p > 0 && !s.is_char_boundary(p) {
            p -= 1;
        }
        let suffix = bytes.get(p..).unwrap_or_default();
        put_varint(&mut out, p as u64);
        put_varint(&mut out, suffix.len() as u64);
        out.extend_from_slice(suffix);
        prev = bytes;
    }
    out.extend_from_slice(&e.out);
    out
}

// ---------------------------------------------------------------------------
// Decoding

fn bad(at: usize, msg: impl Into<String>) -> Errors {
    Errors::from(
        PolicyError::new("bad-bytes", format!("/bytes/{at}"), msg).with_help(
            "the binary snapshot is truncated or corrupted; re-export it with toBytes()",
        ),
    )
}

/// The decoded string table: one buffer and the end offset of each string.
struct Strings {
    text: String,
    /// `ends[i + 1]` is the end of string `i`; `ends[0] == 0`.
    ends: Vec<u32>,
}

impl Strings {
    fn len(&self) -> usize {
        self.ends.len().saturating_sub(1)
    }

    /// Length of string `i` from the ends alone (the text is not touched).
    #[inline]
    fn byte_len(&self, i: usize) -> Option<usize> {
        match self.ends.get(i..i.checked_add(2)?)? {
            [s, e] => Some(e.saturating_sub(*s) as usize),
            _ => None,
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&str> {
        let pair = self.ends.get(i..i.checked_add(2)?)?;
        let (start, end) = match pair {
            [s, e] => (*s as usize, *e as usize),
            _ => return None,
        };
        self.text.get(start..end)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    strings: Strings,
    /// Bytes of strings still allowed to be materialised.
    budget: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn u8(&mut self) -> Result<u8, Errors> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| bad(self.pos, "unexpected end of input"))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Errors> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                bad(
                    self.pos,
                    format!("{n} bytes announced, {} left", self.remaining()),
                )
            })?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| bad(self.pos, "unexpected end of input"))?;
        self.pos = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, Errors> {
        let start = self.pos;
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(bad(start, "varint overflows 64 bits"));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(bad(start, "overlong varint"));
                }
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(bad(start, "varint longer than 10 bytes"));
            }
        }
    }

    fn u32(&mut self) -> Result<u32, Errors> {
        let at = self.pos;
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| bad(at, format!("{v} does not fit 32 bits")))
    }

    fn usize(&mut self) -> Result<usize, Errors> {
        let at = self.pos;
        let v = self.varint()?;
        usize::try_from(v).map_err(|_| bad(at, format!("{v} is too large")))
    }

    /// A count of items each taking at least `min` bytes; returns it with a safe capacity.
    fn count(&mut self, min: usize) -> Result<(usize, usize), Errors> {
        let at = self.pos;
        let n = self.usize()?;
        let room = self.remaining() / min.max(1);
        if n > room {
            return Err(bad(
                at,
                format!(
                    "count {n} exceeds what the {} remaining bytes can hold",
                    self.remaining()
                ),
            ));
        }
        Ok((n, n))
    }

    fn flag(&mut self) -> Result<bool, Errors> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(bad(at, format!("boolean byte {b}"))),
        }
    }

    fn tag(&mut self, limit: u8, what: &str) -> Result<u8, Errors> {
        let at = self.pos;
        let b = self.u8()?;
        if b >= limit {
            return Err(bad(at, format!("bad {what} tag {b}")));
        }
        Ok(b)
    }

    fn string_at(&mut self, at: usize, i: u64) -> Result<String, Errors> {
        let i = self.index_at(at, i)?;
        self.owned(at, i)
    }

    /// String `i` (already checked by [`Reader::index_at`]) as an owned `String`.
    fn owned(&self, at: usize, i: u32) -> Result<String, Errors> {
        self.strings
            .get(i as usize)
            .map(str::to_owned)
            .ok_or_else(|| bad(at, "string index out of range"))
    }

    /// Check string `i` exists and charge its length to the budget (as if materialised);
    /// returns the index.
    fn index_at(&mut self, at: usize, i: u64) -> Result<u32, Errors> {
        let len = usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.byte_len(i))
            .ok_or_else(|| {
                bad(
                    at,
                    format!(
                        "string index {i} out of range ({} strings)",
                        self.strings.len()
                    ),
                )
            })?;
        if len > self.budget {
            return Err(Errors::from(PolicyError::new(
                "limit-exceeded",
                format!("/bytes/{at}"),
                "the strings referenced expand far beyond the input size",
            )));
        }
        self.budget -= len;
        // in range of a table whose length fits u32 (ends are u32)
        u32::try_from(i).map_err(|_| bad(at, "string index out of range"))
    }

    fn str_index(&mut self) -> Result<u32, Errors> {
        let at = self.pos;
        let i = self.varint()?;
        self.index_at(at, i)
    }

    fn str(&mut self) -> Result<String, Errors> {
        let at = self.pos;
        let i = self.str_index()?;
        self.owned(at, i)
    }

    fn opt(&mut self) -> Result<Option<String>, Errors> {
        let at = self.pos;
        match self.varint()? {
            0 => Ok(None),
            i => self.string_at(at, i - 1).map(Some),
        }
    }

    fn roles(&mut self) -> Result<Vec<RoleAssignment>, Errors> {
        let (n, cap) = self.count(2)?;
        let mut v = Vec::with_capacity(cap);
        for _ in 0..n {
            v.push(RoleAssignment {
                role: self.str()?,
                business_unit: self.opt()?,
            });
        }
        Ok(v)
    }

    fn right(&mut self) -> Result<Right, Errors> {
        let t = self.tag(8, "right")?;
        Right::ALL
            .get(t as usize)
            .copied()
            .ok_or_else(|| bad(self.pos, "bad right tag"))
    }

    fn rights(&mut self) -> Result<Vec<Right>, Errors> {
        let (n, cap) = self.count(1)?;
        let mut v = Vec::with_capacity(cap);
        for _ in 0..n {
            v.push(self.right()?);
        }
        Ok(v)
    }

    fn level(&mut self) -> Result<Level, Errors> {
        Ok(match self.tag(5, "access level")? {
            0 => Level::None,
            1 => Level::Basic,
            2 => Level::Local,
            3 => Level::Deep,
            _ => Level::Global,
        })
    }

    fn scope(&mut self) -> Result<CascadeScope, Errors> {
        Ok(match self.tag(4, "cascade")? {
            0 => CascadeScope::All,
            1 => CascadeScope::Active,
            2 => CascadeScope::UserOwned,
            _ => CascadeScope::None,
        })
    }

    fn strs(&mut self) -> Result<Vec<String>, Errors> {
        let (n, cap) = self.count(1)?;
        let mut v = Vec::with_capacity(cap);
        for _ in 0..n {
            v.push(self.str()?);
        }
        Ok(v)
    }

    /// A column of `n` values (see the module docs), read in place.
    fn column(&mut self, n: usize) -> Result<Col<'a>, Errors> {
        let at = self.pos;
        let width = self.tag(5, "column width")? as usize;
        let len = n
            .checked_mul(width)
            .ok_or_else(|| bad(at, "column larger than the input"))?;
        let data = self.take(len)?;
        Ok(Col {
            width,
            data,
            at: at + 1,
        })
    }

    /// A record reference (see the module docs), checked against `n` records and the
    /// string table.
    fn record_ref(&mut self, n: usize) -> Result<u64, Errors> {
        let at = self.pos;
        let v = self.varint()?;
        self.check_record_ref(at, v, n)
    }

    fn check_record_ref(&mut self, at: usize, v: u64, n: usize) -> Result<u64, Errors> {
        if let Some(k) = v.checked_sub(n as u64) {
            self.index_at(at, k)?;
        }
        Ok(v)
    }
}

/// Read the front-coded string table.
fn read_strings(r: &mut Reader<'_>) -> Result<Strings, Errors> {
    let (n, cap) = r.count(2)?;
    let mut d = StringDecode {
        text: Vec::with_capacity(r.remaining().min(1 << 20)),
        ends: Vec::with_capacity(cap + 1),
        prev_start: 0,
    };
    d.ends.push(0);
    for (lo, hi) in tiers(n) {
        tier_strings(r, &mut d, hi - lo)?;
    }
    // Valid by construction (valid prefixes + valid suffixes); checked again for safety.
    let text = utf8_string(&d.text).ok_or_else(|| bad(r.pos, "string table is not valid UTF-8"))?;
    Ok(Strings { text, ends: d.ends })
}

/// The state of [`read_strings`] between two calls of [`tier_strings`].
struct StringDecode {
    text: Vec<u8>,
    ends: Vec<u32>,
    /// Start of the previous string in `text`.
    prev_start: usize,
}

/// Read the next `count` strings of the table (see [`crate::state::TIER`]): each suffix
/// checked as UTF-8 on its own and the shared prefix ending on a character boundary, so
/// the table is valid UTF-8 (checked again in pieces by [`utf8_string`]).
#[inline(never)]
fn tier_strings(r: &mut Reader<'_>, d: &mut StringDecode, count: usize) -> Result<(), Errors> {
    for _ in 0..count {
        let at = r.pos;
        let prefix = r.usize()?;
        let prev_len = d.text.len() - d.prev_start;
        if prefix > MAX_PREFIX || prefix > prev_len {
            return Err(bad(
                at,
                format!("shared prefix {prefix} is longer than allowed"),
            ));
        }
        // The prefix must end on a character boundary of the previous string.
        let prefix_end = d.prev_start + prefix;
        if d.text.get(prefix_end).is_some_and(|&b| (b as i8) < -0x40) {
            return Err(bad(at, "shared prefix splits a character"));
        }
        let len_at = r.pos;
        let len = r.usize()?;
        let suffix = std::str::from_utf8(r.take(len)?)
            .map_err(|_| bad(len_at, "string is not valid UTF-8"))?;
        let start = d.text.len();
        // in range (checked above)
        d.text.extend_from_within(d.prev_start..prefix_end);
        d.text.extend_from_slice(suffix.as_bytes());
        let end = u32::try_from(d.text.len())
            .map_err(|_| bad(at, "the string table is larger than 4 GiB"))?;
        d.ends.push(end);
        d.prev_start = start;
    }
    Ok(())
}

/// A column of fixed-width little-endian values, in place in the input.
#[derive(Debug, Clone, Copy)]
struct Col<'a> {
    width: usize,
    data: &'a [u8],
    /// Input offset of the first value.
    at: usize,
}

impl Col<'_> {
    /// Value `i` (0 past the end: the column was read for the record count).
    #[inline(always)]
    fn get(&self, i: usize) -> u32 {
        let s = i * self.width;
        match self.data.get(s..s + self.width) {
            Some(&[a]) => u32::from(a),
            Some(&[a, b]) => u32::from(u16::from_le_bytes([a, b])),
            Some(&[a, b, c]) => u32::from_le_bytes([a, b, c, 0]),
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// Input offset of value `i`.
    fn at(&self, i: usize) -> usize {
        self.at + i * self.width
    }
}

/// A share as read: record reference, principal code, rights; input offset.
struct ShareIn {
    at: usize,
    record: u64,
    principal: u64,
    rights: u8,
}

/// An access team as read: template string, record reference, member strings.
struct AccessTeamIn {
    template: u32,
    record: u64,
    members: Vec<u32>,
}

/// An assertion as read.
struct AssertionIn {
    user: u32,
    right: Right,
    record: u64,
    expect: bool,
    note: Option<u32>,
}

/// A binary snapshot read but not materialised: the snapshot without records, shares,
/// access teams and assertions, the string table, and those four as read.
struct Parts<'a> {
    snapshot: Snapshot,
    strings: Strings,
    /// Number of records.
    n: usize,
    /// Record ids: one arena, id `i` from `starts[i]` to the next start.
    ids: String,
    starts: Vec<u32>,
    names: Col<'a>,
    tables: Col<'a>,
    owners: Col<'a>,
    units: Col<'a>,
    parents: Col<'a>,
    shares: Vec<ShareIn>,
    access_teams: Vec<AccessTeamIn>,
    assertions: Vec<AssertionIn>,
    /// Bytes of strings still allowed to be materialised.
    budget: usize,
}

/// Read the record ids: decode the front coding into one arena, checking lengths, UTF-8
/// and character boundaries.
fn read_ids(r: &mut Reader<'_>, n: usize) -> Result<(String, Vec<u32>), Errors> {
    let prefixes = r.column(n)?;
    let suffixes = r.column(n)?;
    let (len, _) = r.count(1)?;
    let blob_at = r.pos;
    let blob = r.take(len)?;
    // Written in place with 16 bytes of room past the id being copied, so that the short
    // copies are 16-byte moves, not `memcpy` calls (as `extend_from_slice` is at
    // `opt-level = "z"`); allocated once at the decoded length the columns give (when
    // within the budget the ids are charged to), else grown by doubling within it.
    let cap = r.budget.saturating_add(CHUNK);
    let mut total = 0usize;
    for (lo, hi) in tiers(n) {
        total = total.saturating_add(tier_id_len(prefixes, suffixes, lo, hi));
    }
    let size = if total <= r.budget {
        total.saturating_add(CHUNK)
    } else {
        len.saturating_mul(2).saturating_add(CHUNK).min(cap)
    };
    let mut d = IdDecode {
        prefixes,
        suffixes,
        blob,
        blob_at,
        text: vec![0; size],
        cap,
        budget: r.budget,
        prev_start: 0,
        start: 0,
        used: 0,
    };
    let mut starts: Vec<u32> = vec![0; n];
    for (lo, hi) in tiers(n) {
        if let Some(chunk) = starts.get_mut(lo..hi) {
            tier_ids(&mut d, chunk, lo)?;
        }
    }
    r.budget = d.budget;
    if d.used != blob.len() {
        return Err(bad(blob_at, "id bytes left over"));
    }
    u32::try_from(d.start).map_err(|_| bad(blob_at, "record ids larger than 4 GiB"))?;
    let text = d
        .text
        .get(..d.start)
        .and_then(utf8_string)
        .ok_or_else(|| bad(blob_at, "a record id is not UTF-8"))?;
    drop(d.text);
    for (lo, hi) in tiers(n) {
        if let Some(i) = starts
            .get(lo..hi)
            .and_then(|chunk| tier_boundaries(&text, chunk))
        {
            return Err(bad(
                prefixes.at(lo + i),
                "a record id starts inside a character",
            ));
        }
    }
    Ok((text, starts))
}

/// Bytes checked as UTF-8 by one call in [`utf8_string`].
const UTF8_PIECE: usize = 1 << 16;

/// `b` as a `String` (`None`: not UTF-8), checked in pieces of [`UTF8_PIECE`] bytes, a
/// call each, so that V8 tiers the check up (see [`crate::state::TIER`]; one call over
/// a 10 MB arena runs in baseline code throughout).
fn utf8_string(b: &[u8]) -> Option<String> {
    let mut s = String::with_capacity(b.len());
    let mut rest = b;
    while !rest.is_empty() {
        let piece = rest.get(..rest.len().min(UTF8_PIECE))?;
        let ok = match std::str::from_utf8(piece) {
            Ok(v) => v,
            // a character split by the end of the piece: up to it, the rest next time
            Err(e) if e.error_len().is_none() && piece.len() < rest.len() => {
                std::str::from_utf8(piece.get(..e.valid_up_to())?).ok()?
            }
            Err(_) => return None,
        };
        if ok.is_empty() {
            return None;
        }
        s.push_str(ok);
        rest = rest.get(ok.len()..)?;
    }
    Some(s)
}

/// The first of `starts` not on a character boundary of `text` (see
/// [`crate::state::TIER`]).
#[inline(never)]
fn tier_boundaries(text: &str, starts: &[u32]) -> Option<usize> {
    starts
        .iter()
        .position(|&s| !text.is_char_boundary(s as usize))
}

/// Decoded length of ids `lo..hi` (the sum of their prefix and suffix lengths).
#[inline(never)]
fn tier_id_len(prefixes: Col<'_>, suffixes: Col<'_>, lo: usize, hi: usize) -> usize {
    (lo..hi).fold(0usize, |t, i| {
        t.saturating_add(prefixes.get(i) as usize + suffixes.get(i) as usize)
    })
}

/// The state of [`read_ids`] between two calls of [`tier_ids`].
struct IdDecode<'a> {
    prefixes: Col<'a>,
    suffixes: Col<'a>,
    blob: &'a [u8],
    blob_at: usize,
    /// The arena, with room past `start`.
    text: Vec<u8>,
    /// Most the arena may grow to.
    cap: usize,
    /// Bytes of strings still allowed to be materialised.
    budget: usize,
    /// Start of the previous id and of the next one in `text`; `blob` bytes used.
    prev_start: usize,
    start: usize,
    used: usize,
}

/// Decode ids `lo..lo + starts.len()` (see [`crate::state::TIER`]), writing their starts.
#[inline(never)]
fn tier_ids(d: &mut IdDecode<'_>, starts: &mut [u32], lo: usize) -> Result<(), Errors> {
    let (prefixes, suffixes, blob) = (d.prefixes, d.suffixes, d.blob);
    let (mut prev_start, mut start, mut used) = (d.prev_start, d.start, d.used);
    for (k, first) in starts.iter_mut().enumerate() {
        let i = lo + k;
        let p = prefixes.get(i) as usize;
        let l = suffixes.get(i) as usize;
        if p > start - prev_start {
            return Err(bad(
                prefixes.at(i),
                "shared prefix longer than the previous id",
            ));
        }
        if p + l > MAX_ID_BYTES {
            return Err(Errors::from(
                PolicyError::new(
                    "limit-exceeded",
                    at("/records/", i, "/id"),
                    format!(
                        "{} bytes; ids and names are limited to {MAX_ID_BYTES} bytes",
                        p + l
                    ),
                )
                .with_help("shorten the id or name"),
            ));
        }
        if used + l > blob.len() {
            return Err(bad(
                suffixes.at(i),
                "id suffix past the end of the id bytes",
            ));
        }
        if p + l > d.budget {
            return Err(Errors::from(PolicyError::new(
                "limit-exceeded",
                format!("/bytes/{}", prefixes.at(i)),
                "the record ids expand far beyond the input size",
            )));
        }
        d.budget -= p + l;
        let need = start + p + l + CHUNK;
        if need > d.text.len() {
            let grown = need.max(d.text.len().saturating_mul(2).min(d.cap));
            d.text.resize(grown, 0);
        }
        // in range: p <= the previous id's length, which ends at `start`
        copy_within(&mut d.text, prev_start, start, p);
        copy_from(&mut d.text, start + p, blob, used, l);
        used += l;
        *first =
            u32::try_from(start).map_err(|_| bad(d.blob_at, "record ids larger than 4 GiB"))?;
        prev_start = start;
        start += p + l;
    }
    (d.prev_start, d.start, d.used) = (prev_start, start, used);
    Ok(())
}

/// Bytes moved at once by [`copy_within`] and [`copy_from`].
const CHUNK: usize = 16;

#[inline(always)]
fn chunk(b: &[u8], at: usize) -> Option<[u8; CHUNK]> {
    b.get(at..at + CHUNK)
        .and_then(|s| <[u8; CHUNK]>::try_from(s).ok())
}

#[inline(always)]
fn put_chunk(b: &mut [u8], at: usize, c: [u8; CHUNK]) -> Option<()> {
    // an array assignment (two 8-byte stores), not `copy_from_slice` (a call at "z")
    let d: &mut [u8; CHUNK] = b.get_mut(at..at + CHUNK)?.try_into().ok()?;
    *d = c;
    Some(())
}

/// Copy `len` bytes of `b` from `from` to `to > from` (the ranges do not overlap), in
/// 16-byte pieces; `b` has 16 bytes of room past `to + len`, which may be overwritten.
#[inline(always)]
fn copy_within(b: &mut [u8], from: usize, to: usize, len: usize) {
    let mut k = 0;
    while k < len {
        match chunk(b, from + k) {
            Some(c) if put_chunk(b, to + k, c).is_some() => {}
            _ => return,
        }
        k += CHUNK;
    }
}

/// Copy `len` bytes of `src` from `from` into `b` at `to` (as [`copy_within`]; the last
/// piece bytewise when `src` ends within it).
#[inline(always)]
fn copy_from(b: &mut [u8], to: usize, src: &[u8], from: usize, len: usize) {
    let mut k = 0;
    while k < len {
        match chunk(src, from + k) {
            Some(c) if put_chunk(b, to + k, c).is_some() => {}
            _ => {
                let (Some(d), Some(s)) =
                    (b.get_mut(to + k..to + len), src.get(from + k..from + len))
                else {
                    return;
                };
                d.copy_from_slice(s);
                return;
            }
        }
        k += CHUNK;
    }
}

/// Read a whole binary snapshot (format checks only, no semantic validation).
fn parse(b: &[u8]) -> Result<Parts<'_>, Errors> {
    if b.len() > MAX_INPUT_BYTES {
        return Err(Errors::from(PolicyError::new(
            "limit-exceeded",
            "/bytes",
            format!("input is {} bytes; the limit is {MAX_INPUT_BYTES}", b.len()),
        )));
    }
    if b.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(bad(0, "not a crm-policy binary snapshot (bad magic)"));
    }
    let mut r = Reader {
        buf: b,
        pos: MAGIC.len(),
        strings: Strings {
            text: String::new(),
            ends: vec![0],
        },
        budget: b
            .len()
            .saturating_mul(EXPANSION)
            .saturating_add(EXPANSION_FLOOR),
    };
    let at = r.pos;
    let format = r.varint()?;
    if format != FORMAT_VERSION {
        return Err(Errors::from(
            PolicyError::new(
                "unsupported-version",
                format!("/bytes/{at}"),
                format!(
                    "binary format version {format}; this build reads version {FORMAT_VERSION}"
                ),
            )
            .with_help("export the snapshot again with this version's toBytes(), or use JSON"),
        ));
    }
    let version = r.u32()?;
    r.strings = read_strings(&mut r)?;
    let at = r.pos;
    let bits = r.u8()?;
    if bits >> SETTING_NAMES.len() != 0 {
        return Err(bad(at, format!("unknown settings bits {bits:#x}")));
    }
    let mut settings = Settings::default();
    for (i, name) in SETTING_NAMES.iter().enumerate() {
        settings.set(name, bits & (1 << i) != 0);
    }

    let (n, cap) = r.count(5)?;
    let mut business_units = Vec::with_capacity(cap);
    for _ in 0..n {
        business_units.push(BusinessUnit {
            id: r.str()?,
            name: r.str()?,
            parent: r.opt()?,
            disabled: r.flag()?,
            default_team_roles: r.roles()?,
        });
    }

    let (n, cap) = r.count(2)?;
    let mut tables = Vec::with_capacity(cap);
    for _ in 0..n {
        tables.push(Table {
            name: r.str()?,
            ownership: match r.tag(2, "ownership")? {
                0 => Ownership::User,
                _ => Ownership::Organization,
            },
        });
    }

    let (n, cap) = r.count(7)?;
    let mut relationships = Vec::with_capacity(cap);
    for _ in 0..n {
        let parent = r.str()?;
        let child = r.str()?;
        let cascade = Cascade {
            assign: r.scope()?,
            share: r.scope()?,
            unshare: r.scope()?,
            reparent: r.scope()?,
            delete: match r.tag(3, "delete cascade")? {
                0 => DeleteCascade::All,
                1 => DeleteCascade::RemoveLink,
                _ => DeleteCascade::Restrict,
            },
        };
        relationships.push(Relationship {
            parent,
            child,
            cascade,
        });
    }

    let (n, cap) = r.count(3)?;
    let mut roles = Vec::with_capacity(cap);
    for _ in 0..n {
        let id = r.str()?;
        let name = r.str()?;
        let (m, _) = r.count(9)?;
        let mut privileges = Privileges::new();
        for _ in 0..m {
            let at = r.pos;
            let table = r.str()?;
            let mut p = TablePrivileges::default();
            for right in Right::ALL {
                p.set_level(right, r.level()?);
            }
            if privileges.insert(table, p).is_some() {
                return Err(bad(at, "table listed twice in a role"));
            }
        }
        roles.push(Role {
            id,
            name,
            privileges,
        });
    }

    let (n, cap) = r.count(7)?;
    let mut users = Vec::with_capacity(cap);
    for _ in 0..n {
        users.push(User {
            id: r.str()?,
            name: r.str()?,
            business_unit: r.str()?,
            manager: r.opt()?,
            disabled: r.flag()?,
            category: r.opt()?,
            roles: r.roles()?,
        });
    }

    let (n, cap) = r.count(7)?;
    let mut teams = Vec::with_capacity(cap);
    for _ in 0..n {
        teams.push(Team {
            id: r.str()?,
            name: r.str()?,
            kind: match r.tag(2, "team kind")? {
                0 => TeamKind::Owner,
                _ => TeamKind::Access,
            },
            business_unit: r.str()?,
            members: r.strs()?,
            roles: r.roles()?,
            inheritance: match r.tag(2, "inheritance")? {
                0 => Inheritance::Team,
                _ => Inheritance::Direct,
            },
        });
    }

    let (n, cap) = r.count(3)?;
    let mut access_team_templates = Vec::with_capacity(cap);
    for _ in 0..n {
        access_team_templates.push(AccessTeamTemplate {
            id: r.str()?,
            table: r.str()?,
            rights: r.rights()?,
        });
    }

    // ---- records: n, then the id columns and bytes, then five columns
    let (n, _) = r.count(1)?;
    let (ids, starts) = read_ids(&mut r, n)?;
    let names = r.column(n)?;
    let tables_col = r.column(n)?;
    let owners = r.column(n)?;
    let units = r.column(n)?;
    let parents = r.column(n)?;

    let (m, cap) = r.count(3)?;
    let mut shares = Vec::with_capacity(cap);
    let mut prev = 0i64;
    for _ in 0..m {
        let at = r.pos;
        let d = unzigzag(r.varint()?);
        let record = prev
            .checked_add(d)
            .filter(|&i| i >= 0)
            .ok_or_else(|| bad(at, "record delta out of range"))?;
        prev = record;
        let record = r.check_record_ref(at, record as u64, n)?;
        let p_at = r.pos;
        let principal = r.varint()?;
        r.index_at(p_at, principal >> 1)?;
        shares.push(ShareIn {
            at,
            record,
            principal,
            rights: r.u8()?,
        });
    }

    let (m, cap) = r.count(3)?;
    let mut access_teams = Vec::with_capacity(cap);
    for _ in 0..m {
        let template = r.str_index()?;
        let record = r.record_ref(n)?;
        let (k, cap) = r.count(1)?;
        let mut members = Vec::with_capacity(cap);
        for _ in 0..k {
            members.push(r.str_index()?);
        }
        access_teams.push(AccessTeamIn {
            template,
            record,
            members,
        });
    }

    let hierarchy = if r.flag()? {
        r.tag(1, "hierarchy model")?;
        Some(Hierarchy {
            model: HierarchyModel::Manager,
            depth: r.u32()?,
            tables: r.strs()?,
        })
    } else {
        None
    };

    let (m, cap) = r.count(5)?;
    let mut assertions = Vec::with_capacity(cap);
    for _ in 0..m {
        let user = r.str_index()?;
        let right = r.right()?;
        let record = r.record_ref(n)?;
        let expect = r.flag()?;
        let at = r.pos;
        let note = match r.varint()? {
            0 => None,
            k => Some(r.index_at(at, k - 1)?),
        };
        assertions.push(AssertionIn {
            user,
            right,
            record,
            expect,
            note,
        });
    }

    if r.pos != b.len() {
        return Err(bad(
            r.pos,
            format!("{} unexpected trailing bytes", b.len() - r.pos),
        ));
    }

    let snapshot = Snapshot {
        version,
        settings,
        business_units,
        tables,
        relationships,
        roles,
        users,
        teams,
        access_team_templates,
        records: Vec::new(),
        shares: Vec::new(),
        access_teams: Vec::new(),
        hierarchy,
        assertions: Vec::new(),
    };
    Ok(Parts {
        snapshot,
        strings: std::mem::replace(
            &mut r.strings,
            Strings {
                text: String::new(),
                ends: vec![0],
            },
        ),
        n,
        ids,
        starts,
        names,
        tables: tables_col,
        owners,
        units,
        parents,
        shares,
        access_teams,
        assertions,
        budget: r.budget,
    })
}

impl Parts<'_> {
    /// Record id `i` ("" past the end).
    fn id(&self, i: usize) -> &str {
        let start = self.starts.get(i).copied().unwrap_or(0) as usize;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.ids.len(), |&e| e as usize);
        self.ids.get(start..end).unwrap_or("")
    }

    /// String `k` of the table, charged to the budget, or `bad-bytes` at `at`.
    fn string(&mut self, at: usize, k: u64) -> Result<String, Errors> {
        let s = usize::try_from(k)
            .ok()
            .and_then(|k| self.strings.get(k))
            .ok_or_else(|| bad(at, format!("string index {k} out of range")))?;
        if s.len() > self.budget {
            return Err(Errors::from(PolicyError::new(
                "limit-exceeded",
                format!("/bytes/{at}"),
                "the strings referenced expand far beyond the input size",
            )));
        }
        self.budget -= s.len();
        Ok(s.to_owned())
    }

    /// Optional string (`0` none, else `k - 1`).
    fn opt_string(&mut self, at: usize, v: u32) -> Result<Option<String>, Errors> {
        match v {
            0 => Ok(None),
            k => self.string(at, u64::from(k) - 1).map(Some),
        }
    }

    /// The id a record reference names.
    fn record_id(&mut self, at: usize, v: u64) -> Result<String, Errors> {
        match usize::try_from(v).ok().filter(|&i| i < self.n) {
            Some(i) => {
                let id = self.id(i).to_owned();
                if id.len() > self.budget {
                    return Err(bad(
                        at,
                        "the strings referenced expand far beyond the input",
                    ));
                }
                self.budget -= id.len();
                Ok(id)
            }
            None => self.string(at, v - self.n as u64),
        }
    }

    fn principal(&mut self, at: usize, code: u64) -> Result<Principal, Errors> {
        let id = self.string(at, code >> 1)?;
        Ok(if code & 1 == 0 {
            Principal::User(id)
        } else {
            Principal::Team(id)
        })
    }
}

fn rights_of(bits: u8) -> Vec<Right> {
    RightSet(bits).to_vec()
}

/// Decode the compact binary form written by [`encode`].
///
/// Returns `bad-bytes` (with the byte offset as `/bytes/<offset>`) for anything
/// malformed and `unsupported-version` for another format version. The result is
/// a plain snapshot: the loader validates its contents like a JSON one. (A record's
/// `businessUnit` that is its owner's is not stored: it comes back absent.)
pub fn decode(b: &[u8]) -> Result<Snapshot, Errors> {
    let mut p = parse(b)?;
    let mut records = Vec::with_capacity(p.n);
    for i in 0..p.n {
        let at = p.tables.at(i);
        let t = p.tables.get(i);
        let owner = match p.owners.get(i) {
            0 => None,
            c => Some(p.principal(p.owners.at(i), u64::from(c) - 1)?),
        };
        let parent = match p.parents.get(i) {
            0 => None,
            v => Some(p.record_id(p.parents.at(i), u64::from(v) - 1)?),
        };
        let id = p.record_id(at, i as u64)?;
        records.push(Record {
            id,
            name: p.opt_string(p.names.at(i), p.names.get(i))?,
            table: p.string(at, u64::from(t >> 1))?,
            owner,
            business_unit: p.opt_string(p.units.at(i), p.units.get(i))?,
            parent,
            active: t & 1 != 0,
        });
    }
    let mut shares = Vec::with_capacity(p.shares.len());
    for sh in std::mem::take(&mut p.shares) {
        shares.push(Share {
            record: p.record_id(sh.at, sh.record)?,
            principal: p.principal(sh.at, sh.principal)?,
            rights: rights_of(sh.rights),
        });
    }
    let mut access_teams = Vec::with_capacity(p.access_teams.len());
    for a in std::mem::take(&mut p.access_teams) {
        let mut members = Vec::with_capacity(a.members.len());
        for m in a.members {
            members.push(p.string(0, u64::from(m))?);
        }
        access_teams.push(AccessTeam {
            template: p.string(0, u64::from(a.template))?,
            record: p.record_id(0, a.record)?,
            members,
        });
    }
    let mut assertions = Vec::with_capacity(p.assertions.len());
    for a in std::mem::take(&mut p.assertions) {
        assertions.push(Assertion {
            user: p.string(0, u64::from(a.user))?,
            right: a.right,
            record: p.record_id(0, a.record)?,
            expect: a.expect,
            note: match a.note {
                None => None,
                Some(k) => Some(p.string(0, u64::from(k))?),
            },
        });
    }
    let mut s = p.snapshot;
    s.records = records;
    s.shares = shares;
    s.access_teams = access_teams;
    s.assertions = assertions;
    Ok(s)
}

/// Not looked up yet (in a [`Memo`]).
const UNSEEN: u32 = u32::MAX - 1;

/// Per string of the table, the entity of each kind it names (looked up once).
struct Memo {
    users: Vec<u32>,
    teams: Vec<u32>,
    units: Vec<u32>,
    tables: Vec<u32>,
}

/// An id index [`resolve`] looks strings up in.
trait Ids {
    fn id(&self, s: &str) -> Option<u32>;
}

impl Ids for Map<String, u32> {
    fn id(&self, s: &str) -> Option<u32> {
        self.get(s).copied()
    }
}

impl Ids for crate::ids::IdMap {
    fn id(&self, s: &str) -> Option<u32> {
        self.get(s).copied()
    }
}

/// Entity `memo[k]` named by string `k` through `map`: `None` when `k` is out of range,
/// `Some(NONE)` when it names nothing.
#[inline(always)]
fn resolve(memo: &mut [u32], strings: &Strings, k: u32, map: &impl Ids) -> Option<u32> {
    let m = memo.get_mut(k as usize)?;
    if *m == UNSEEN {
        *m = strings
            .get(k as usize)
            .and_then(|s| map.id(s))
            .unwrap_or(NONE);
    }
    Some(*m)
}

/// The fields of every record from the columns (`skip`: records left out, as
/// [`NO_CORE`]), with the errors of the record checks; `id(i)`: record `i`'s id as shown.
#[allow(clippy::type_complexity)]
fn record_fields(
    p: &Parts<'_>,
    st: &State,
    memo: &mut Memo,
    skip: &[u32],
    id: &dyn Fn(usize) -> String,
    e: &mut Ctx,
) -> Result<(Vec<RecordCore>, Vec<(u32, u32)>), Errors> {
    let n = p.n;
    // sized once and written in place (`opt-level = "z"` calls `Vec::push` out of line)
    let mut core: Vec<RecordCore> = vec![NO_CORE; n];
    let mut name_at: Vec<(u32, u32)> = vec![(0, NONE); n];
    for (lo, hi) in tiers(n) {
        if let (Some(core), Some(name_at)) = (core.get_mut(lo..hi), name_at.get_mut(lo..hi)) {
            let mut f = Fields {
                p,
                st,
                memo: &mut *memo,
                skip,
                id,
                e: &mut *e,
            };
            tier_fields(&mut f, core, name_at, lo, hi)?;
        }
    }
    Ok((core, name_at))
}

/// What [`tier_fields`] reads and writes besides the records' fields.
struct Fields<'a, 'b> {
    p: &'a Parts<'b>,
    st: &'a State,
    memo: &'a mut Memo,
    skip: &'a [u32],
    id: &'a dyn Fn(usize) -> String,
    e: &'a mut Ctx,
}

/// [`record_fields`] of records `lo..hi` (see [`crate::state::TIER`]), into `core` and `name_at` (their
/// slices).
#[inline(never)]
fn tier_fields(
    f: &mut Fields<'_, '_>,
    core: &mut [RecordCore],
    name_at: &mut [(u32, u32)],
    lo: usize,
    hi: usize,
) -> Result<(), Errors> {
    let (p, st, skip, id) = (f.p, f.st, f.skip, f.id);
    let (memo, e) = (&mut *f.memo, &mut *f.e);
    let across = st.settings.ownership_across_business_units;
    let strings = &p.strings;
    let out_of_range = |at: usize| bad(at, "string index out of range");
    for i in lo..hi {
        if !skip.is_empty() && skip.binary_search(&(i as u32)).is_ok() {
            // skipped, as the JSON loader skips it
            continue;
        }
        let name = match p.names.get(i) {
            0 => (0, NONE),
            v => {
                let k = (v - 1) as usize;
                let (start, len) = strings
                    .ends
                    .get(k..k + 2)
                    .and_then(|w| match *w {
                        [s, e] => Some((s, e.saturating_sub(s))),
                        _ => None,
                    })
                    .ok_or_else(|| out_of_range(p.names.at(i)))?;
                if len as usize > MAX_ID_BYTES {
                    e.err(
                        "limit-exceeded",
                        at("/records/", i, "/name"),
                        format!("{len} bytes; ids and names are limited to {MAX_ID_BYTES} bytes"),
                    );
                }
                (start, len)
            }
        };
        if let Some(x) = name_at.get_mut(i - lo) {
            *x = name;
        }
        let t = p.tables.get(i);
        let table = resolve(&mut memo.tables, strings, t >> 1, &st.table_ids)
            .ok_or_else(|| out_of_range(p.tables.at(i)))?;
        let id = || id(i);
        let table_name = strings.get((t >> 1) as usize).unwrap_or("");
        if table == NONE {
            e.err(
                "unknown-table",
                at("/records/", i, "/table"),
                q("table `", table_name, "` does not exist"),
            );
        }
        let ownership = st.tables.get(table as usize).map(|t| t.ownership);
        let (mut owner, mut unit) = (NONE, NONE);
        match (ownership, p.owners.get(i)) {
            (Some(Ownership::Organization), c) if c != 0 => e.err(
                "organization-owned",
                at("/records/", i, "/owner"),
                q(
                    "table `",
                    table_name,
                    "` is organization-owned; its records have no owner",
                ),
            ),
            (Some(Ownership::User), 0) => e.err(
                "missing-owner",
                at("/records/", i, "/owner"),
                q2(
                    "record `",
                    &id(),
                    "` of user-owned table `",
                    table_name,
                    "` needs an owner",
                ),
            ),
            (_, 0) => {}
            (_, c) => {
                let code = c - 1;
                let s = code >> 1;
                let pos = p.owners.at(i);
                let who = strings.get(s as usize).unwrap_or("");
                if code & 1 == 0 {
                    match resolve(&mut memo.users, strings, s, &st.user_ids)
                        .ok_or_else(|| out_of_range(pos))?
                    {
                        NONE => e.err(
                            "unknown-user",
                            at("/records/", i, "/owner/user"),
                            q("owner `", who, "` does not exist"),
                        ),
                        x => {
                            owner = x;
                            unit = st.user(x).map_or(NONE, |u| u.unit);
                        }
                    }
                } else {
                    match resolve(&mut memo.teams, strings, s, &st.team_ids)
                        .ok_or_else(|| out_of_range(pos))?
                    {
                        NONE => e.err(
                            "unknown-team",
                            at("/records/", i, "/owner/team"),
                            q("owner team `", who, "` does not exist"),
                        ),
                        x => {
                            let team = st.team(x);
                            if team.is_some_and(|t| t.kind == TeamKind::Access) {
                                e.err(
                                    "access-team-owner",
                                    at("/records/", i, "/owner/team"),
                                    q("access team `", who, "` cannot own records"),
                                );
                            }
                            owner = team_principal(x);
                            unit = team.map_or(NONE, |t| t.unit);
                        }
                    }
                }
            }
        }
        if let Some(k) = p.units.get(i).checked_sub(1) {
            let b = strings.get(k as usize).unwrap_or("");
            if ownership == Some(Ownership::Organization) {
                e.err(
                    "organization-owned",
                    at("/records/", i, "/businessUnit"),
                    q(
                        "table `",
                        table_name,
                        "` is organization-owned; its records have no owning unit",
                    ),
                );
            } else {
                let bu = resolve(&mut memo.units, strings, k, &st.unit_ids)
                    .ok_or_else(|| out_of_range(p.units.at(i)))?;
                if bu == NONE {
                    e.err(
                        "unknown-business-unit",
                        at("/records/", i, "/businessUnit"),
                        q("business unit `", b, "` does not exist"),
                    );
                } else if unit != NONE && bu != unit && !across {
                    e.err(
                        "business-unit-mismatch",
                        at("/records/", i, "/businessUnit"),
                        in_other_unit(&id(), b, st.unit_id(unit)),
                    );
                }
                if bu != NONE {
                    unit = bu;
                }
            }
        }
        if let Some(c) = core.get_mut(i - lo) {
            *c = RecordCore {
                owner,
                unit,
                parent: NONE,
                table: u16::try_from(table).unwrap_or(u16::MAX),
                flags: if t & 1 != 0 { ACTIVE | ALIVE } else { ALIVE },
            };
        }
    }
    Ok(())
}

/// Load a binary snapshot straight into the engine's state: the checks and the result of
/// [`crate::validate::load`] on the decoded snapshot, without materialising its records
/// (see the module docs).
pub fn load(b: &[u8]) -> Result<State, Errors> {
    let mut p = parse(b)?;
    let mut st = crate::validate::load(&p.snapshot)?;
    let n = p.n;
    let k = p.strings.len();
    let mut memo = Memo {
        users: vec![UNSEEN; k],
        teams: vec![UNSEEN; k],
        units: vec![UNSEEN; k],
        tables: vec![UNSEEN; k],
    };
    // The record columns are checked before the id table is built, so that the slots get
    // the records' fields as they are written; when ids turn out to be used twice, the
    // records are checked again without the repeats (as the JSON loader skips them).
    let mut e = Ctx::default();
    let first = record_fields(
        &p,
        &st,
        &mut memo,
        &[],
        &|i| short_id(p.id(i)).into_owned(),
        &mut e,
    );
    let hot = first.as_ref().map_or(&[][..], |(core, _)| core.as_slice());
    let (ids, dups, slot_of) = Interner::build(
        std::mem::take(&mut p.ids),
        std::mem::take(&mut p.starts),
        hot,
    );
    let (mut core, name_at) = if dups.is_empty() {
        first?
    } else {
        drop(first);
        e = Ctx::default();
        for &i in &dups {
            e.err(
                "duplicate-id",
                at("/records/", i as usize, "/id"),
                q("record id `", ids.get_str(i), "` is used twice"),
            );
        }
        let id = |i: usize| short_id(ids.get_str(i as u32)).into_owned();
        record_fields(&p, &st, &mut memo, &dups, &id, &mut e)?
    };
    let strings = &p.strings;
    let out_of_range = |at: usize| bad(at, "string index out of range");

    // ---- parents
    let find = |v: u64, at: usize| find_ref(strings, &ids, n, v, at);
    let ref_name = |v: u64| ref_name(strings, &ids, n, v);
    let parent_table: Vec<u32> = (0..st.tables.len() as u32)
        .map(|t| st.parent_rel(t).map_or(NONE, |r| r.parent))
        .collect();
    {
        let cx = ParentCx {
            p: &p,
            st: &st,
            ids: &ids,
            parent_table: &parent_table,
            dups: &dups,
        };
        for (lo, hi) in tiers(n) {
            tier_parents(&cx, &mut core, lo, hi, &mut e)?;
        }
    }
    // A cycle needs a record whose parent has a parent: without one (records one level
    // below their parents, the common shape) the walk is skipped.
    let deep = core.iter().any(|c| {
        c.parent != NONE
            && core
                .get(c.parent as usize)
                .is_some_and(|p| p.parent != NONE)
    });
    if dups.is_empty() && deep {
        let parent_col: Vec<u32> = core.iter().map(|c| c.parent).collect();
        for i in crate::validate::find_cycles(&parent_col) {
            e.err(
                "cycle",
                at("/records/", i, "/parent"),
                q("record `", ids.get_str(i as u32), "` is its own ancestor"),
            );
        }
    }
    let table_of = |r: u32| core.get(r as usize).map_or(NONE, |c| u32::from(c.table));

    // ---- shares: grouped by record (in input order within a record)
    let mut rows: Vec<(u32, u32, u32, u8)> = Vec::with_capacity(p.shares.len());
    for (i, sh) in p.shares.iter().enumerate() {
        let r = find(sh.record, sh.at)?;
        if r == NONE {
            e.err(
                "unknown-record",
                at("/shares/", i, "/record"),
                q("record `", ref_name(sh.record), "` does not exist"),
            );
        }
        let s = (sh.principal >> 1) as u32;
        let who = strings.get(s as usize).unwrap_or("");
        let principal = if sh.principal & 1 == 0 {
            match resolve(&mut memo.users, strings, s, &st.user_ids)
                .ok_or_else(|| out_of_range(sh.at))?
            {
                NONE => {
                    e.err(
                        "unknown-user",
                        at("/shares/", i, "/principal/user"),
                        q("user `", who, "` does not exist"),
                    );
                    NONE
                }
                u => u,
            }
        } else {
            match resolve(&mut memo.teams, strings, s, &st.team_ids)
                .ok_or_else(|| out_of_range(sh.at))?
            {
                NONE => {
                    e.err(
                        "unknown-team",
                        at("/shares/", i, "/principal/team"),
                        q("team `", who, "` does not exist"),
                    );
                    NONE
                }
                t => team_principal(t),
            }
        };
        if r == NONE || principal == NONE {
            continue;
        }
        if st.org_owned(table_of(r)) {
            e.err(
                "organization-owned",
                at("/shares/", i, "/record"),
                q(
                    "record `",
                    ids.get_str(r),
                    "` is organization-owned and cannot be shared",
                ),
            );
            continue;
        }
        rows.push((r, i as u32, principal, sh.rights));
    }
    if !rows.is_sorted() {
        rows.sort_total();
    }
    let mut groups: Vec<(u32, Vec<ShareEntry>)> = Vec::new();
    // (record, principal) of the records with many shares (a scan is enough for the rest)
    const SCAN: usize = 16;
    let mut seen: crate::map::Set<(u32, u32)> = crate::map::Set::new();
    for &(r, i, principal, rights) in &rows {
        if groups.last().is_none_or(|g| g.0 != r) {
            groups.push((r, Vec::new()));
        }
        let Some((_, list)) = groups.last_mut() else {
            continue;
        };
        let dup = if list.len() < SCAN {
            list.iter().any(|x| x.principal == principal)
        } else {
            if list.len() == SCAN {
                seen.extend(list.iter().map(|x| (r, x.principal)));
            }
            !seen.insert((r, principal))
        };
        if dup {
            e.err(
                "duplicate-id",
                at("/shares/", i as usize, ""),
                q(
                    "record `",
                    ids.get_str(r),
                    "` is shared twice with the same principal",
                ),
            );
            continue;
        }
        list.push(ShareEntry {
            principal,
            rights: RightSet(rights),
        });
    }
    drop(rows);

    // ---- access teams (few: as the JSON loader does them)
    let mut at_lists = AccessTeamLists::default();
    for (i, a) in p.access_teams.iter().enumerate() {
        let template_id = strings.get(a.template as usize).unwrap_or("");
        let template = match st.template_ids.get(template_id) {
            Some(&t) => t,
            None => {
                e.err(
                    "unknown-template",
                    at("/accessTeams/", i, "/template"),
                    q("access team template `", template_id, "` does not exist"),
                );
                NONE
            }
        };
        let r = find(a.record, 0)?;
        if r == NONE {
            e.err(
                "unknown-record",
                at("/accessTeams/", i, "/record"),
                q("record `", ref_name(a.record), "` does not exist"),
            );
        }
        let mut members = Vec::with_capacity(a.members.len());
        for (j, &m) in a.members.iter().enumerate() {
            match resolve(&mut memo.users, strings, m, &st.user_ids).unwrap_or(NONE) {
                NONE => e.err(
                    "unknown-user",
                    cat3(&at("/accessTeams/", i, "/members/"), &j.to_string(), ""),
                    q(
                        "member `",
                        strings.get(m as usize).unwrap_or(""),
                        "` does not exist",
                    ),
                ),
                u => members.push(u),
            }
        }
        if template == NONE || r == NONE {
            continue;
        }
        let team = ResolvedAccessTeam {
            i,
            template,
            template_id,
            record: r,
            record_id: ids.get_str(r),
            record_table: table_of(r),
        };
        add_access_team(&st, &mut at_lists, &team, members, &mut e);
    }

    // ---- assertions
    let mut assertions = Vec::with_capacity(p.assertions.len());
    for (i, a) in p.assertions.iter().enumerate() {
        let user = strings.get(a.user as usize).unwrap_or("");
        if !st.user_ids.contains_key(user) {
            e.err(
                "unknown-user",
                at("/assertions/", i, "/user"),
                q("user `", user, "` does not exist"),
            );
        }
        if find(a.record, 0)? == NONE {
            e.err(
                "unknown-record",
                at("/assertions/", i, "/record"),
                q("record `", ref_name(a.record), "` does not exist"),
            );
        }
        assertions.push(Assertion {
            user: user.to_owned(),
            right: a.right,
            record: ref_name(a.record).to_owned(),
            expect: a.expect,
            note: a
                .note
                .map(|k| strings.get(k as usize).unwrap_or("").to_owned()),
        });
    }
    if !e.errors.is_empty() {
        return Err(Errors(e.errors));
    }
    st.records.core = core;
    st.records.name_at = name_at;
    st.link_loaded_records();
    st.set_loaded_shares(groups);
    set_access_team_lists(&mut st, at_lists);
    st.assertions = assertions;
    drop(memo);
    st.records.names = std::mem::take(&mut p.strings.text);
    st.records.ids = ids;
    let Records { ids, core, .. } = &mut st.records;
    ids.set_loaded_flags(&slot_of, core);
    Ok(st)
}

/// The record a record reference names (see the module docs): `NONE` for an id that
/// names none, `bad-bytes` at `at` for a string index out of range.
fn find_ref(strings: &Strings, ids: &Interner, n: usize, v: u64, at: usize) -> Result<u32, Errors> {
    match usize::try_from(v).ok().filter(|&i| i < n) {
        Some(i) => Ok(i as u32),
        None => {
            let s = usize::try_from(v - n as u64)
                .ok()
                .and_then(|k| strings.get(k))
                .ok_or_else(|| bad(at, "string index out of range"))?;
            Ok(ids.find(s).unwrap_or(NONE))
        }
    }
}

/// The id a record reference names ("" when out of range).
fn ref_name<'a>(strings: &'a Strings, ids: &'a Interner, n: usize, v: u64) -> &'a str {
    match usize::try_from(v).ok().filter(|&i| i < n) {
        Some(i) => ids.get_str(i as u32),
        None => usize::try_from(v - n as u64)
            .ok()
            .and_then(|k| strings.get(k))
            .unwrap_or(""),
    }
}

/// What [`tier_parents`] reads.
struct ParentCx<'a, 'b> {
    p: &'a Parts<'b>,
    st: &'a State,
    ids: &'a Interner,
    /// Per table, the table of its parents (`NONE`: none).
    parent_table: &'a [u32],
    /// Records left out (repeated ids).
    dups: &'a [u32],
}

/// The parents of records `lo..hi` (see [`crate::state::TIER`]): checked, and set in
/// `core`.
#[inline(never)]
fn tier_parents(
    cx: &ParentCx<'_, '_>,
    core: &mut [RecordCore],
    lo: usize,
    hi: usize,
    e: &mut Ctx,
) -> Result<(), Errors> {
    let (p, st, n) = (cx.p, cx.st, cx.p.n);
    for i in lo..hi {
        let Some(v) = p.parents.get(i).checked_sub(1) else {
            continue;
        };
        if !cx.dups.is_empty() && cx.dups.binary_search(&(i as u32)).is_ok() {
            continue;
        }
        let v = u64::from(v);
        let pi = find_ref(&p.strings, cx.ids, n, v, p.parents.at(i))?;
        if pi == NONE {
            e.err(
                "unknown-record",
                at("/records/", i, "/parent"),
                q(
                    "parent record `",
                    ref_name(&p.strings, cx.ids, n, v),
                    "` does not exist",
                ),
            );
            continue;
        }
        let ct = core.get(i).map_or(NONE, |c| u32::from(c.table));
        let pt = core.get(pi as usize).map_or(NONE, |c| u32::from(c.table));
        if ct as usize >= st.tables.len() || pt as usize >= st.tables.len() {
            continue; // an unknown table, reported above
        }
        if cx.parent_table.get(ct as usize).copied() != Some(pt) {
            crate::validate::no_relationship(e, st, i, pt, ct);
            continue;
        }
        if let Some(c) = core.get_mut(i) {
            c.parent = pi;
        }
    }
    Ok(())
}

/// A record's fields when it has none (never read: every indexed id has a record).
const NO_CORE: RecordCore = RecordCore {
    owner: NONE,
    unit: NONE,
    parent: NONE,
    table: u16::MAX,
    flags: 0,
};

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use crate::generate::{generate, GenerateSize};

    fn small() -> GenerateSize {
        GenerateSize {
            users: 60,
            business_units: 14,
            teams: 6,
            records: 400,
            shares: 50,
        }
    }

    /// A tiny snapshot touching every field and option.
    fn tiny() -> Snapshot {
        let mut s = generate(
            5,
            &GenerateSize {
                users: 4,
                business_units: 3,
                teams: 2,
                records: 12,
                shares: 3,
            },
        );
        s.settings.ownership_across_business_units = true;
        s.settings.share_to_previous_owner_on_assign = true;
        if let Some(u) = s.users.first_mut() {
            u.category = None;
            u.roles.push(RoleAssignment {
                role: "auditor".into(),
                business_unit: Some("bu0002".into()),
            });
        }
        if let Some(r) = s.records.first_mut() {
            r.name = None;
            r.active = false;
        }
        s.assertions.push(Assertion {
            user: "u00001".into(),
            right: Right::Share,
            record: "acc0000001".into(),
            expect: false,
            note: None,
        });
        s.business_units[0].name = "Contoso — Zürich ✓".into();
        s
    }

    /// `(code, path)` of every error, sorted.
    fn error_set(e: &Errors) -> Vec<(String, String)> {
        let mut v: Vec<_> =
            e.0.iter()
                .map(|e| (e.code.clone(), e.path.clone()))
                .collect();
        v.sort();
        v
    }

    /// Loading `s` directly and through its bytes (both [`load`] and [`decode`]) agree:
    /// the same canonical JSON, or the same errors.
    fn agrees(s: &Snapshot) {
        agrees_but(s, false);
    }

    /// [`agrees`]; with `subset`, the bytes may report fewer errors (the JSON loader stops
    /// at a record of an unknown table with a spurious `limit-exceeded`).
    fn agrees_but(s: &Snapshot, subset: bool) {
        let direct = crate::Org::from_snapshot(s);
        let b = encode(s);
        let via = load(&b);
        let decoded = decode(&b).and_then(|s| crate::Org::from_snapshot(&s));
        match (&direct, via, decoded) {
            (Ok(d), Ok(v), Ok(x)) => {
                let json = d.to_json();
                let v = crate::Org {
                    st: v,
                    history: Default::default(),
                };
                assert_eq!(v.to_json(), json);
                assert_eq!(x.to_json(), json);
                // the canonical snapshot encodes to the same bytes from either side
                assert_eq!(v.to_bytes(), d.to_bytes());
            }
            (Err(d), Err(v), Err(x)) if subset => {
                let all = error_set(d);
                assert!(error_set(&v).iter().all(|e| all.contains(e)), "{v:?}");
                assert!(error_set(&x).iter().all(|e| all.contains(e)), "{x:?}");
            }
            (Err(d), Err(v), Err(x)) => {
                assert_eq!(error_set(&v), error_set(d));
                assert_eq!(error_set(&x), error_set(d));
            }
            (d, v, x) => panic!(
                "direct {:?} / load {:?} / decode {:?}",
                d.as_ref().err(),
                v.err(),
                x.err()
            ),
        }
    }

    #[test]
    fn round_trips_generated_orgs() {
        for (seed, size) in [
            (1, small()),
            (2, GenerateSize::demo()),
            (3, GenerateSize::scaled(7)),
        ] {
            let s = generate(seed, &size);
            agrees(&s);
            let b = encode(&s);
            assert_eq!(encode(&s), b, "encoding is deterministic");
            let json = crate::json::text(&s);
            assert!(b.len() * 3 < json.len(), "{} vs {}", b.len(), json.len());
            // a canonical snapshot comes back as it went in, bar implied units
            let org = crate::Org::from_snapshot(&s).unwrap();
            let canon = org.to_snapshot();
            let mut back = decode(&org.to_bytes()).unwrap();
            for (r, c) in back.records.iter_mut().zip(&canon.records) {
                if r.business_unit.is_none() {
                    r.business_unit = c.business_unit.clone();
                }
            }
            assert_eq!(back, canon);
        }
        agrees(&tiny());
    }

    #[test]
    fn round_trips_edge_cases() {
        let mut s = generate(9, &small());
        s.version = 7;
        agrees(&s); // unsupported-version, from either side
        s.version = 1;
        s.hierarchy = None;
        s.shares.reverse(); // negative deltas
        s.records.reverse(); // forward parent references
        s.access_team_templates[0].rights = vec![Right::Write, Right::Read, Right::Read];
        agrees(&s);
        let ids: Vec<String> = s.records.iter().map(|r| r.id.clone()).collect();
        s.records[0].id = "é".repeat(100); // long, multibyte, shares a prefix with nothing
        s.records[1].id = format!("{}x", "é".repeat(100));
        s.records[2].id = format!("{}\u{20ac}", "a".repeat(63)); // prefix stops mid-character otherwise
        s.records[3].id = format!("{}\u{20ac}b", "a".repeat(63));
        s.records[4].id = String::new();
        // references to the old ids now name nothing: unknown-record, by name
        agrees(&s);
        for sh in &mut s.shares {
            if let Some(i) = ids.iter().take(5).position(|x| *x == sh.record) {
                sh.record = s.records[i].id.clone();
            }
        }
        for r in &mut s.records {
            if let Some(p) = &r.parent {
                if let Some(i) = ids.iter().take(5).position(|x| x == p) {
                    r.parent = Some(ids[i].clone());
                }
            }
        }
        for a in &mut s.access_teams {
            if let Some(i) = ids.iter().take(5).position(|x| *x == a.record) {
                a.record = s.records[i].id.clone();
            }
        }
        for a in &mut s.assertions {
            if let Some(i) = ids.iter().take(5).position(|x| *x == a.record) {
                a.record = s.records[i].id.clone();
            }
        }
        agrees(&s);
        let empty = Snapshot {
            version: 1,
            settings: Settings::default(),
            business_units: vec![],
            tables: vec![],
            relationships: vec![],
            roles: vec![],
            users: vec![],
            teams: vec![],
            access_team_templates: vec![],
            records: vec![],
            shares: vec![],
            access_teams: vec![],
            hierarchy: None,
            assertions: vec![],
        };
        assert_eq!(decode(&encode(&empty)).unwrap(), empty);
        agrees(&empty);
    }

    /// Every record rule of the loader, broken one at a time: the same errors either way.
    #[test]
    fn record_errors_agree_with_the_json_loader() {
        let base = generate(4, &small());
        let user_rec = base
            .records
            .iter()
            .position(|r| matches!(r.owner, Some(Principal::User(_))))
            .unwrap();
        let org_rec = base.records.iter().position(|r| r.owner.is_none()).unwrap();
        let child = base
            .records
            .iter()
            .position(|r| r.parent.is_some())
            .unwrap();
        let access = base
            .teams
            .iter()
            .find(|t| t.kind == TeamKind::Access)
            .map(|t| t.id.clone());
        let other_unit = base.business_units[1].id.clone();
        type Case = Box<dyn Fn(&mut Snapshot)>;
        let mut cases: Vec<Case> = vec![
            Box::new(move |s| s.records[1].id = s.records[0].id.clone()),
            Box::new(move |s| s.records[user_rec].table = "nope".into()),
            Box::new(move |s| s.records[user_rec].owner = None),
            Box::new(move |s| s.records[user_rec].owner = Some(Principal::User("ghost".into()))),
            Box::new(move |s| s.records[user_rec].owner = Some(Principal::Team("ghost".into()))),
            Box::new(move |s| s.records[org_rec].owner = Some(Principal::User("u00001".into()))),
            Box::new(move |s| s.records[org_rec].business_unit = Some("bu0001".into())),
            Box::new(move |s| s.records[user_rec].business_unit = Some("nowhere".into())),
            {
                let u = other_unit.clone();
                Box::new(move |s| s.records[user_rec].business_unit = Some(u.clone()))
            },
            {
                let u = other_unit;
                Box::new(move |s| {
                    s.settings.ownership_across_business_units = true;
                    s.records[user_rec].business_unit = Some(u.clone());
                })
            },
            Box::new(move |s| s.records[child].parent = Some("ghost".into())),
            Box::new(move |s| {
                let me = s.records[child].id.clone();
                s.records[child].parent = Some(me);
            }),
            Box::new(move |s| s.records[child].parent = Some(s.records[org_rec].id.clone())),
            Box::new(move |s| s.records[user_rec].name = Some("n".repeat(2000))),
            Box::new(move |s| s.records[user_rec].id = "i".repeat(2000)),
            Box::new(|s| s.shares[0].record = "ghost".into()),
            Box::new(|s| s.shares[0].principal = Principal::User("ghost".into())),
            Box::new(|s| s.shares[0].principal = Principal::Team("ghost".into())),
            Box::new(|s| {
                let d = s.shares[0].clone();
                s.shares.push(d);
            }),
            Box::new(move |s| s.shares[0].record = s.records[org_rec].id.clone()),
            Box::new(move |s| {
                // many shares on one record (past the scan), one of them twice
                let record = s.records[user_rec].id.clone();
                s.shares.retain(|x| x.record != record);
                for k in 0..24 {
                    s.shares.push(Share {
                        record: record.clone(),
                        principal: Principal::User(s.users[k % 20].id.clone()),
                        rights: vec![Right::Read],
                    });
                }
            }),
            Box::new(|s| s.access_teams[0].template = "ghost".into()),
            Box::new(|s| s.access_teams[0].record = "ghost".into()),
            Box::new(|s| s.access_teams[0].members.push("ghost".into())),
            Box::new(|s| {
                let m = s.access_teams[0].members[0].clone();
                s.access_teams[0].members.push(m);
            }),
            Box::new(|s| {
                let a = s.access_teams[0].clone();
                s.access_teams.push(a);
            }),
            Box::new(move |s| s.access_teams[0].record = s.records[org_rec].id.clone()),
            Box::new(|s| s.assertions[0].user = "ghost".into()),
            Box::new(|s| s.assertions[0].record = "ghost".into()),
        ];
        if let Some(t) = access {
            cases.push(Box::new(move |s| {
                s.records[user_rec].owner = Some(Principal::Team(t.clone()))
            }));
        }
        cases.push(Box::new(|s| {
            // an id longer than the slot's inline 16 bytes, twice
            s.records[0].id = "a-record-id-longer-than-sixteen-bytes".into();
            s.records[2].id = s.records[0].id.clone();
        }));
        cases.push(Box::new(|s| {
            // a parent cycle of two
            let (a, b) = (s.records[0].id.clone(), s.records[1].id.clone());
            s.relationships.push(Relationship {
                parent: s.records[0].table.clone(),
                child: s.records[0].table.clone(),
                cascade: s.relationships[0].cascade,
            });
            s.records[0].parent = Some(b);
            s.records[1].parent = Some(a);
        }));
        for (k, case) in cases.iter().enumerate() {
            let mut s = base.clone();
            if s.assertions.is_empty() {
                s.assertions.push(Assertion {
                    user: s.users[0].id.clone(),
                    right: Right::Read,
                    record: s.records[0].id.clone(),
                    expect: true,
                    note: None,
                });
            }
            case(&mut s);
            eprintln!("case {k}");
            agrees_but(&s, k == 1);
        }
    }

    fn code(r: Result<Snapshot, Errors>) -> String {
        r.unwrap_err().first().unwrap().code.clone()
    }

    #[test]
    fn utf8_string_checks_across_pieces() {
        // a character split by a piece boundary, at every offset of its bytes
        for k in 0..4 {
            let mut b = vec![b'a'; UTF8_PIECE - k];
            b.extend_from_slice("\u{1F600}é".as_bytes());
            b.extend(std::iter::repeat_n(b'z', UTF8_PIECE + 3));
            assert_eq!(utf8_string(&b).as_deref(), std::str::from_utf8(&b).ok());
            let mut bad = b.clone();
            bad.truncate(UTF8_PIECE - k + 2); // a cut character at the end
            assert_eq!(utf8_string(&bad), None);
            let mut bad = b.clone();
            bad[UTF8_PIECE - k + 1] = b'x'; // a broken character at the piece end
            assert_eq!(utf8_string(&bad), None);
            let mut bad = b;
            bad[2 * UTF8_PIECE - 1] = 0xff;
            assert_eq!(utf8_string(&bad), None);
        }
        assert_eq!(utf8_string(b"").as_deref(), Some(""));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = encode(&tiny());
        for n in 0..b.len() {
            for e in [decode(&b[..n]).map(|_| ()), load(&b[..n]).map(|_| ())] {
                let e = e.unwrap_err();
                let first = e.first().unwrap();
                assert_eq!(first.code, "bad-bytes", "prefix {n}");
                assert!(first.path.starts_with("/bytes/"), "{}", first.path);
            }
        }
    }

    #[test]
    fn header_errors() {
        let b = encode(&tiny());
        assert_eq!(code(decode(b"")), "bad-bytes");
        assert_eq!(code(decode(b"CRMQ\x02")), "bad-bytes");
        for format in [1, 3] {
            let mut other = b.clone();
            other[4] = format;
            let e = decode(&other).unwrap_err();
            assert_eq!(e.0[0].code, "unsupported-version");
            assert_eq!(e.0[0].path, "/bytes/4");
            assert_eq!(load(&other).unwrap_err().0[0].code, "unsupported-version");
        }
        let mut trailing = b.clone();
        trailing.push(0);
        let e = decode(&trailing).unwrap_err();
        assert_eq!(e.0[0].code, "bad-bytes");
        assert_eq!(e.0[0].path, format!("/bytes/{}", b.len()));
    }

    #[test]
    fn malformed_pieces_are_rejected() {
        // Hand-built inputs: magic, format 2, version 1, then a string table.
        let head = |rest: &[u8]| {
            let mut v = b"CRMP\x02\x01".to_vec();
            v.extend_from_slice(rest);
            v
        };
        // Absurd string count.
        assert_eq!(code(decode(&head(&[0xff, 0xff, 0xff, 0x7f]))), "bad-bytes");
        // Bad UTF-8.
        assert_eq!(code(decode(&head(&[1, 0, 2, 0xc3, 0x28]))), "bad-bytes");
        // Prefix longer than the previous string.
        assert_eq!(code(decode(&head(&[2, 0, 1, b'a', 2, 0]))), "bad-bytes");
        // Prefix splitting a character of the previous string.
        assert_eq!(
            code(decode(&head(&[2, 0, 2, 0xc3, 0xa9, 1, 1, 0xa9]))),
            "bad-bytes"
        );
        // Overlong / overflowing varints.
        assert_eq!(code(decode(&head(&[0x80, 0x00]))), "bad-bytes");
        assert_eq!(code(decode(&head(&[0xff; 11]))), "bad-bytes");
        // Empty table, bad settings bits.
        assert_eq!(code(decode(&head(&[0, 0x80]))), "bad-bytes");
        // Empty table, settings, one unit whose id index is out of range.
        assert_eq!(code(decode(&head(&[0, 0, 1, 5, 0, 0, 0, 0]))), "bad-bytes");
        // A valid empty snapshot: strings, settings, 7 sections, records (count, two id
        // columns, id bytes, five columns), shares, access teams, hierarchy, assertions.
        let ok = head(&[0; 22]);
        assert!(decode(&ok).is_ok());
        // Bad boolean in hierarchy flag.
        let mut bad_flag = ok.clone();
        bad_flag[6 + 20] = 2;
        assert_eq!(code(decode(&bad_flag)), "bad-bytes");
        // One record with an empty id, table string 0 ("t"): then a bad column width, a
        // column cut short, a string index out of range.
        let one = |cols: &[u8]| {
            let mut v = head(&[1, 0, 1, b't', 0, 0, 0, 0, 0, 0, 0, 0]);
            v.extend_from_slice(&[1, 0, 0, 0]);
            v.extend_from_slice(cols);
            v.extend_from_slice(&[0, 0, 0, 0]);
            v
        };
        assert!(decode(&one(&[0, 0, 0, 0, 0])).is_ok());
        assert_eq!(code(decode(&one(&[0, 5, 0, 0, 0]))), "bad-bytes");
        assert_eq!(code(decode(&one(&[0, 2, 7, 0, 0, 0]))), "bad-bytes");
        assert_eq!(code(decode(&one(&[0, 1, 4, 0, 0, 0]))), "bad-bytes");
        // (the loader finds it only once the rest is valid: here there is no unit)
        assert!(load(&one(&[0, 1, 4, 0, 0, 0])).is_err());
        // An id suffix past the id bytes, id bytes left over.
        let mut cut = head(&[0; 9]);
        cut.extend_from_slice(&[1, 0, 1, 3, 1, b'a']);
        assert_eq!(code(decode(&cut)), "bad-bytes");
    }

    #[test]
    fn amplification_is_bounded() {
        // One 60,000-byte string referenced by a million one-byte indexes (unit ids).
        let mut v = b"CRMP\x02\x01".to_vec();
        put_varint(&mut v, 1);
        put_varint(&mut v, 0);
        put_varint(&mut v, 60_000);
        v.extend(std::iter::repeat_n(b'x', 60_000));
        v.push(0); // settings
        put_varint(&mut v, 200_000);
        for _ in 0..200_000 {
            v.extend_from_slice(&[0, 0, 0, 0, 0]);
        }
        let e = decode(&v).unwrap_err();
        assert_eq!(e.0[0].code, "limit-exceeded");
    }

    /// xorshift for the fuzz loops.
    fn xs(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_corruption_never_panics() {
        let base = encode(&tiny());
        let mut st = 0x1234_5678_9abc_def1u64;
        let mut errors = 0;
        for _ in 0..20_000 {
            let mut b = base.clone();
            let flips = 1 + (xs(&mut st) % 4) as usize;
            for _ in 0..flips {
                let i = (xs(&mut st) % b.len() as u64) as usize;
                b[i] = xs(&mut st) as u8;
            }
            if decode(&b).is_err() {
                errors += 1;
            }
            let _ = load(&b);
        }
        assert!(errors > 1000);
        // Pure noise after a valid header.
        for len in 0..300 {
            let mut b = b"CRMP\x02\x01".to_vec();
            for _ in 0..len {
                b.push(xs(&mut st) as u8);
            }
            let _ = decode(&b);
            let _ = load(&b);
        }
    }

    #[test]
    fn every_single_byte_change_is_handled() {
        let base = encode(&tiny());
        for i in 0..base.len() {
            for v in [0u8, 1, 2, 0x7f, 0x80, 0xff, base[i] ^ 1] {
                let mut b = base.clone();
                b[i] = v;
                let _ = decode(&b);
                let _ = load(&b);
            }
        }
    }
}
