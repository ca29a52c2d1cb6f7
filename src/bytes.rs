//! The compact, versioned binary snapshot (`Org::to_bytes` / `Org::from_bytes`).
//!
//! Every integer is an unsigned LEB128 varint unless marked `u8`. Layout:
//!
//! ```text
//! file        := "CRMP" format:varint(=1) snapshotVersion:varint strings body
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
//! record      := flags:u8 id:Δ [name] table [owner:principal] [businessUnit] [parent]
//!                flags: 1 active, 2 name, 4 owner, 8 businessUnit, 16 parent
//! share       := record:Δ principal rights
//! accessTeam  := template record members
//! hierarchy   := 0 | 1 model:u8 depth:varint tables
//! assertion   := user right:u8 record expect:u8 note?
//! ```
//!
//! A string is the varint index of the string table entry, `x?` is `0` (absent) or
//! `index + 1`, a principal is `index × 2 + (0 user | 1 team)`, `Δ` is the zigzag
//! difference from the previous index of the same column, `roles` is a count of
//! `(role, businessUnit?)`, `rights` a count of right bytes, `members` a count of
//! strings, enums are their declaration order in [`crate::model`] / [`crate::access`].
//!
//! [`decode`] checks everything it reads and never panics: truncation, corruption,
//! bad UTF-8, out-of-range indexes, bad enum tags, trailing bytes and counts larger
//! than the rest of the input are `bad-bytes` errors at `/bytes/<offset>`; another
//! format version is `unsupported-version`. Allocations are bounded by the input
//! size (front-coded prefixes are at most 64 bytes; the strings materialised from
//! the table are bounded to 64 × the input size plus 16 MiB, `limit-exceeded`).
//! The snapshot itself is validated afterwards by the loader, like a JSON one.

use std::collections::BTreeMap;

use crate::access::{Level, Right};
use crate::error::{Errors, PolicyError};
use crate::limits::MAX_INPUT_BYTES;
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, Cascade, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Record, Relationship, Role,
    RoleAssignment, Settings, Share, Snapshot, Table, TablePrivileges, Team, TeamKind, User,
    SETTING_NAMES,
};
use crate::validate::{PrincipalIn, RecordIn, RecordSource};

/// The four magic bytes every binary snapshot starts with.
pub const MAGIC: [u8; 4] = *b"CRMP";
/// The binary format version written by [`encode`] and read by [`decode`].
pub const FORMAT_VERSION: u64 = 1;
/// Longest front-coded prefix (bounds how much a string entry can expand).
const MAX_PREFIX: usize = 64;
/// Strings materialised from the table: at most this many times the input size…
const EXPANSION: usize = 64;
/// …plus this much.
const EXPANSION_FLOOR: usize = 16 << 20;

const F_ACTIVE: u8 = 1;
const F_NAME: u8 = 2;
const F_OWNER: u8 = 4;
const F_UNIT: u8 = 8;
const F_PARENT: u8 = 16;

// ---------------------------------------------------------------------------
// Encoding

type FastMap<'a> = hashbrown::HashMap<&'a str, u32, foldhash::fast::FixedState>;

struct Encoder<'a> {
    /// Names and other strings.
    index: FastMap<'a>,
    /// Ids of units, users, teams, roles, tables and templates (small and hot).
    ids: FastMap<'a>,
    /// Record ids of at most 15 bytes, packed in a `u128` (no pointer chasing).
    records: hashbrown::HashMap<u128, u32, foldhash::fast::FixedState>,
    /// Longer record ids.
    long_records: FastMap<'a>,
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
            hashbrown::hash_map::Entry::Occupied(o) => *o.get(),
            hashbrown::hash_map::Entry::Vacant(v) => {
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

    /// Intern a record id (they get their own map, filled first, in record order).
    fn intern_record(&mut self, s: &'a str) -> u32 {
        let next = self.table.len() as u32;
        let slot = match pack(s) {
            Some(k) => match self.records.entry(k) {
                hashbrown::hash_map::Entry::Occupied(o) => Some(*o.get()),
                hashbrown::hash_map::Entry::Vacant(v) => {
                    v.insert(next);
                    None
                }
            },
            None => match self.long_records.entry(s) {
                hashbrown::hash_map::Entry::Occupied(o) => Some(*o.get()),
                hashbrown::hash_map::Entry::Vacant(v) => {
                    v.insert(next);
                    None
                }
            },
        };
        slot.unwrap_or_else(|| {
            self.table.push(s);
            next
        })
    }

    /// A reference to a record id: the record maps first, then the general one.
    fn record_ref(&mut self, s: &'a str) -> u32 {
        let found = match pack(s) {
            Some(k) => self.records.get(&k),
            None => self.long_records.get(s),
        };
        match found {
            Some(&i) => i,
            None => self.intern(s),
        }
    }

    /// Zigzag delta of index `i` against `prev`, which is updated.
    fn delta(&mut self, i: u32, prev: &mut i64) {
        let i = i64::from(i);
        self.varint(zigzag(i - *prev));
        *prev = i;
    }

    fn principal_code(&mut self, p: &'a Principal) -> u64 {
        match p {
            Principal::User(id) => u64::from(self.intern(id)) << 1,
            Principal::Team(id) => (u64::from(self.intern(id)) << 1) | 1,
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
    let ids =
        s.business_units.len() + s.users.len() + s.teams.len() + s.roles.len() + s.tables.len();
    let mut e = Encoder {
        index: FastMap::with_capacity_and_hasher(
            (s.records.len() / 4).min(1 << 20) + 1024,
            foldhash::fast::FixedState::default(),
        ),
        ids: FastMap::with_capacity_and_hasher(ids + 64, foldhash::fast::FixedState::default()),
        records: hashbrown::HashMap::with_capacity_and_hasher(
            s.records.len(),
            foldhash::fast::FixedState::default(),
        ),
        long_records: FastMap::with_hasher(foldhash::fast::FixedState::default()),
        table: Vec::with_capacity(s.records.len() + s.users.len() + 1024),
        out: Vec::with_capacity(s.records.len() * 12 + s.shares.len() * 8 + 4096),
    };
    // Id columns first so that they sit together in the table and front-code well.
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
    for t in &s.tables {
        e.intern_id(&t.name);
    }
    for t in &s.access_team_templates {
        e.intern_id(&t.id);
    }
    let record_index: Vec<u32> = s.records.iter().map(|r| e.intern_record(&r.id)).collect();

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

    e.count(s.records.len());
    let mut prev = -1i64;
    let mut last_table: Option<(&str, u32)> = None;
    for (r, &id) in s.records.iter().zip(&record_index) {
        let mut flags = 0u8;
        if r.active {
            flags |= F_ACTIVE;
        }
        if r.name.is_some() {
            flags |= F_NAME;
        }
        if r.owner.is_some() {
            flags |= F_OWNER;
        }
        if r.business_unit.is_some() {
            flags |= F_UNIT;
        }
        if r.parent.is_some() {
            flags |= F_PARENT;
        }
        e.byte(flags);
        e.delta(id, &mut prev);
        if let Some(n) = &r.name {
            let i = e.intern_other(n);
            e.varint(u64::from(i));
        }
        // Records come grouped by table: skip the lookup when it repeats.
        let t = match last_table {
            Some((name, i)) if name == r.table => i,
            _ => {
                let i = e.intern(&r.table);
                last_table = Some((&r.table, i));
                i
            }
        };
        e.varint(u64::from(t));
        if let Some(o) = &r.owner {
            e.principal(o);
        }
        if let Some(b) = &r.business_unit {
            e.str(b);
        }
        if let Some(p) = &r.parent {
            let i = e.record_ref(p);
            e.varint(u64::from(i));
        }
    }

    e.count(s.shares.len());
    let mut prev = -1i64;
    for sh in &s.shares {
        let i = e.record_ref(&sh.record);
        e.delta(i, &mut prev);
        e.principal(&sh.principal);
        e.rights(&sh.rights);
    }

    e.count(s.access_teams.len());
    for a in &s.access_teams {
        e.str(&a.template);
        let i = e.record_ref(&a.record);
        e.varint(u64::from(i));
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
        e.varint(u64::from(i));
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

    fn delta_index(&mut self, prev: &mut i64) -> Result<u32, Errors> {
        let at = self.pos;
        let d = unzigzag(self.varint()?);
        let i = prev
            .checked_add(d)
            .filter(|&i| i >= 0)
            .ok_or_else(|| bad(at, "index delta out of range"))?;
        *prev = i;
        self.index_at(at, i as u64)
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

    fn delta(&mut self, prev: &mut i64) -> Result<String, Errors> {
        let at = self.pos;
        let i = self.delta_index(prev)?;
        self.owned(at, i)
    }

    fn principal(&mut self) -> Result<Principal, Errors> {
        let at = self.pos;
        let c = self.varint()?;
        let id = self.string_at(at, c >> 1)?;
        Ok(if c & 1 == 0 {
            Principal::User(id)
        } else {
            Principal::Team(id)
        })
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
}

/// Read the front-coded string table.
fn read_strings(r: &mut Reader<'_>) -> Result<Strings, Errors> {
    let (n, cap) = r.count(2)?;
    let mut text: Vec<u8> = Vec::with_capacity(r.remaining().min(1 << 20));
    let mut ends: Vec<u32> = Vec::with_capacity(cap + 1);
    ends.push(0);
    let mut prev_start = 0usize;
    for _ in 0..n {
        let at = r.pos;
        let prefix = r.usize()?;
        let prev_len = text.len() - prev_start;
        if prefix > MAX_PREFIX || prefix > prev_len {
            return Err(bad(
                at,
                format!("shared prefix {prefix} is longer than allowed"),
            ));
        }
        // The prefix must end on a character boundary of the previous string.
        if prefix < prev_len {
            let b = text.get(prev_start + prefix).copied().unwrap_or(0);
            if (b as i8) < -0x40 {
                return Err(bad(at, "shared prefix splits a character"));
            }
        }
        let len_at = r.pos;
        let len = r.usize()?;
        let suffix = r.take(len)?;
        if std::str::from_utf8(suffix).is_err() {
            return Err(bad(len_at, "string is not valid UTF-8"));
        }
        let start = text.len();
        text.extend_from_within(prev_start..prev_start + prefix);
        text.extend_from_slice(suffix);
        let end = u32::try_from(text.len())
            .map_err(|_| bad(at, "the string table is larger than 4 GiB"))?;
        ends.push(end);
        prev_start = start;
    }
    // Valid by construction (valid prefixes + valid suffixes); checked again for safety.
    let text =
        String::from_utf8(text).map_err(|_| bad(r.pos, "string table is not valid UTF-8"))?;
    Ok(Strings { text, ends })
}

/// Decode the compact binary form written by [`encode`].
///
/// Returns `bad-bytes` (with the byte offset as `/bytes/<offset>`) for anything
/// malformed and `unsupported-version` for another format version. The result is
/// a plain snapshot: the loader validates its contents like a JSON one.
pub fn decode(b: &[u8]) -> Result<Snapshot, Errors> {
    let (mut snapshot, records) = decode_parts(b)?;
    snapshot.records = records.to_records();
    Ok(snapshot)
}

/// [`decode`] without materialising the records: the snapshot comes back with no
/// records, and the records as rows of string-table indexes that the loader reads in
/// place (see [`crate::validate::load_with`]). Same checks, same errors.
pub fn decode_parts(b: &[u8]) -> Result<(Snapshot, RawRecords), Errors> {
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
        let mut privileges = BTreeMap::new();
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

    let (n, cap) = r.count(3)?;
    let mut rows = Vec::with_capacity(cap);
    let mut prev = -1i64;
    for _ in 0..n {
        let at = r.pos;
        let flags = r.u8()?;
        if flags & !(F_ACTIVE | F_NAME | F_OWNER | F_UNIT | F_PARENT) != 0 {
            return Err(bad(at, format!("unknown record flags {flags:#x}")));
        }
        let mut row = RawRecord {
            flags,
            id: r.delta_index(&mut prev)?,
            name: 0,
            table: 0,
            owner: 0,
            unit: 0,
            parent: 0,
        };
        if flags & F_NAME != 0 {
            row.name = r.str_index()?;
        }
        row.table = r.str_index()?;
        if flags & F_OWNER != 0 {
            let at = r.pos;
            let c = r.varint()?;
            row.owner = r.index_at(at, c >> 1)?;
            if c & 1 == 1 {
                row.flags |= F_TEAM_OWNER;
            }
        }
        if flags & F_UNIT != 0 {
            row.unit = r.str_index()?;
        }
        if flags & F_PARENT != 0 {
            row.parent = r.str_index()?;
        }
        rows.push(row);
    }

    let (n, cap) = r.count(3)?;
    let mut shares = Vec::with_capacity(cap);
    let mut prev = -1i64;
    for _ in 0..n {
        shares.push(Share {
            record: r.delta(&mut prev)?,
            principal: r.principal()?,
            rights: r.rights()?,
        });
    }

    let (n, cap) = r.count(3)?;
    let mut access_teams = Vec::with_capacity(cap);
    for _ in 0..n {
        access_teams.push(AccessTeam {
            template: r.str()?,
            record: r.str()?,
            members: r.strs()?,
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

    let (n, cap) = r.count(5)?;
    let mut assertions = Vec::with_capacity(cap);
    for _ in 0..n {
        assertions.push(Assertion {
            user: r.str()?,
            right: r.right()?,
            record: r.str()?,
            expect: r.flag()?,
            note: r.opt()?,
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
        shares,
        access_teams,
        hierarchy,
        assertions,
    };
    let strings = std::mem::replace(
        &mut r.strings,
        Strings {
            text: String::new(),
            ends: vec![0],
        },
    );
    Ok((snapshot, RawRecords { strings, rows }))
}

/// Internal row flag (never in the format): the owner is a team.
const F_TEAM_OWNER: u8 = 128;

/// One decoded record: string-table indexes (checked in range), fields absent unless
/// their flag is set.
#[derive(Debug, Clone, Copy)]
struct RawRecord {
    flags: u8,
    id: u32,
    name: u32,
    table: u32,
    owner: u32,
    unit: u32,
    parent: u32,
}

/// The records of a binary snapshot, read in place from its string table.
pub struct RawRecords {
    strings: Strings,
    rows: Vec<RawRecord>,
}

impl std::fmt::Debug for RawRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawRecords({} records)", self.rows.len())
    }
}

impl RawRecords {
    /// The records as owned snapshot records.
    pub fn to_records(&self) -> Vec<Record> {
        (0..self.rows.len())
            .filter_map(|i| self.record(i))
            .map(|r| Record {
                id: r.id.to_owned(),
                name: r.name.map(str::to_owned),
                table: r.table.to_owned(),
                owner: r.owner.map(|p| match p {
                    PrincipalIn::User(u) => Principal::User(u.to_owned()),
                    PrincipalIn::Team(t) => Principal::Team(t.to_owned()),
                }),
                business_unit: r.business_unit.map(str::to_owned),
                parent: r.parent.map(str::to_owned),
                active: r.active,
            })
            .collect()
    }
}

impl RecordSource for RawRecords {
    fn count(&self) -> usize {
        self.rows.len()
    }

    fn id_bytes(&self) -> usize {
        // from the ends table alone: no string is sliced
        self.rows
            .iter()
            .filter_map(|row| self.strings.byte_len(row.id as usize))
            .sum()
    }

    #[inline]
    fn record(&self, i: usize) -> Option<RecordIn<'_>> {
        let row = self.rows.get(i)?;
        let s = |flag: u8, at: u32| {
            if row.flags & flag != 0 {
                self.strings.get(at as usize)
            } else {
                None
            }
        };
        Some(RecordIn {
            id: self.strings.get(row.id as usize)?,
            name: s(F_NAME, row.name),
            table: self.strings.get(row.table as usize)?,
            owner: s(F_OWNER, row.owner).map(|o| {
                if row.flags & F_TEAM_OWNER != 0 {
                    PrincipalIn::Team(o)
                } else {
                    PrincipalIn::User(o)
                }
            }),
            business_unit: s(F_UNIT, row.unit),
            parent: s(F_PARENT, row.parent),
            active: row.flags & F_ACTIVE != 0,
        })
    }
}

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

    #[test]
    fn round_trips_generated_orgs() {
        for (seed, size) in [
            (1, small()),
            (2, GenerateSize::demo()),
            (3, GenerateSize::scaled(7)),
        ] {
            let s = generate(seed, &size);
            let b = encode(&s);
            let back = decode(&b).unwrap();
            assert_eq!(back, s);
            assert_eq!(encode(&back), b, "encoding is deterministic");
            let json = serde_json::to_vec(&s).unwrap();
            assert!(b.len() * 3 < json.len(), "{} vs {}", b.len(), json.len());
        }
        let t = tiny();
        assert_eq!(decode(&encode(&t)).unwrap(), t);
    }

    #[test]
    fn round_trips_edge_cases() {
        let mut s = generate(9, &small());
        s.version = 7;
        s.hierarchy = None;
        s.shares.reverse(); // negative deltas
        s.records.reverse();
        s.access_team_templates[0].rights = vec![Right::Write, Right::Read, Right::Read];
        s.records[0].id = "é".repeat(100); // long, multibyte, shares a prefix with nothing
        s.records[1].id = format!("{}x", "é".repeat(100));
        s.records[2].id = format!("{}\u{20ac}", "a".repeat(63)); // prefix stops mid-character otherwise
        s.records[3].id = format!("{}\u{20ac}b", "a".repeat(63));
        s.records[4].id = String::new();
        let b = encode(&s);
        assert_eq!(decode(&b).unwrap(), s);
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
    }

    fn code(r: Result<Snapshot, Errors>) -> String {
        r.unwrap_err().first().unwrap().code.clone()
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = encode(&tiny());
        for n in 0..b.len() {
            let e = decode(&b[..n]).unwrap_err();
            let first = e.first().unwrap();
            assert_eq!(first.code, "bad-bytes", "prefix {n}");
            assert!(first.path.starts_with("/bytes/"), "{}", first.path);
        }
    }

    #[test]
    fn header_errors() {
        let b = encode(&tiny());
        assert_eq!(code(decode(b"")), "bad-bytes");
        assert_eq!(code(decode(b"CRMQ\x01")), "bad-bytes");
        let mut v2 = b.clone();
        v2[4] = 2;
        let e = decode(&v2).unwrap_err();
        assert_eq!(e.0[0].code, "unsupported-version");
        assert_eq!(e.0[0].path, "/bytes/4");
        let mut trailing = b.clone();
        trailing.push(0);
        let e = decode(&trailing).unwrap_err();
        assert_eq!(e.0[0].code, "bad-bytes");
        assert_eq!(e.0[0].path, format!("/bytes/{}", b.len()));
    }

    #[test]
    fn malformed_pieces_are_rejected() {
        // Hand-built inputs: magic, format 1, version 1, then a string table.
        let head = |rest: &[u8]| {
            let mut v = b"CRMP\x01\x01".to_vec();
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
        // A valid empty snapshot.
        let ok = head(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(decode(&ok).is_ok());
        // Bad boolean in hierarchy flag.
        let mut bad_flag = ok.clone();
        bad_flag[6 + 12] = 2;
        assert_eq!(code(decode(&bad_flag)), "bad-bytes");
    }

    #[test]
    fn amplification_is_bounded() {
        // One 60,000-byte string referenced by a million one-byte indexes (unit ids).
        let mut v = b"CRMP\x01\x01".to_vec();
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
        }
        assert!(errors > 1000);
        // Pure noise after a valid header.
        for len in 0..300 {
            let mut b = b"CRMP\x01\x01".to_vec();
            for _ in 0..len {
                b.push(xs(&mut st) as u8);
            }
            let _ = decode(&b);
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
            }
        }
    }
}
