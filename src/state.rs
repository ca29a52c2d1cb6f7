//! The org state: every entity interned to a dense `u32`, records as columns, and the
//! derived indexes (records by owner, unit, table, parent and sharee; team membership
//! both ways; direct reports) kept up to date by a small set of mutation primitives.
//!
//! Every primitive returns the value it replaced so that [`crate::journal`] can log an
//! exact inverse: undo replays inverses through the same primitives, which keeps every
//! derived index consistent without rebuilding it.

use crate::sort::SortTotal;
use std::sync::Arc;

use crate::access::{Level, RightSet};
use crate::grants::{UserGrants, UserTable};
use crate::model::{
    CascadeScope, DeleteCascade, HierarchyModel, Inheritance, Ownership, Settings, TeamKind,
};
use crate::units::UnitTree;

pub use crate::units::NONE;

/// High bit marking a team in an encoded principal/owner.
pub const TEAM_BIT: u32 = 1 << 31;

/// Most rows of [`State::table_grants`] (users × tables; 12 bytes each, 25 MB): above, a
/// decision reads the user's table grants from the user's compiled profile instead.
pub const FLAT_GRANTS_MAX: usize = 1 << 21;

/// Record flag: active (open).
pub const ACTIVE: u8 = 1;
/// Record flag: not deleted.
pub const ALIVE: u8 = 2;
/// Record flag: the record has shares (saves a map lookup per record on the check path).
pub const SHARED: u8 = 4;
/// Record flag: the record has access teams.
pub const HAS_ACCESS_TEAMS: u8 = 8;
/// Record flag: a record above this one (through parent links, whatever the inheritance
/// rules) has or had shares or access teams. Conservative: set when that may be so, never
/// cleared while the state lives; a record without it and without [`SHARED`] and
/// [`HAS_ACCESS_TEAMS`] gets nothing from sharing, so decisions skip its parent chain.
/// Invariant: a record whose parent has any of the three flags has this one.
pub const SHARED_ABOVE: u8 = 16;
/// The flags that mean "sharing may reach this record or its children".
pub const SHARING: u8 = SHARED | HAS_ACCESS_TEAMS | SHARED_ABOVE;

/// Hasher with a fixed seed, so iteration orders never leak randomness into outputs.
pub use crate::ids::FixedHasher;

/// The engine's hash map (fixed hasher, insertion order: [`crate::map`]).
pub use crate::map::Map;

/// Create an empty [`Map`].
pub fn new_map<K, V>() -> Map<K, V> {
    Map::new()
}

/// Encode a user as a principal/owner.
#[inline]
pub fn user_principal(u: u32) -> u32 {
    u
}

/// Encode a team as a principal/owner.
#[inline]
pub fn team_principal(t: u32) -> u32 {
    t | TEAM_BIT
}

/// Decode: `Some(user)` when the principal is a user.
#[inline]
pub fn as_user(p: u32) -> Option<u32> {
    (p != NONE && p & TEAM_BIT == 0).then_some(p)
}

/// Decode: `Some(team)` when the principal is a team.
#[inline]
pub fn as_team(p: u32) -> Option<u32> {
    (p != NONE && p & TEAM_BIT != 0).then_some(p & !TEAM_BIT)
}

/// Strings packed in one arena, looked up through an open-addressing table whose slots
/// also carry the fields a check reads of the record ([`Hot`]).
///
/// Each 32-byte slot (one aligned half cache line) holds the string's index, a copy of the
/// record's owner, owning unit, table and flags, and the key: ids of up to 16 bytes
/// inline, longer ones as a 32-bit hash tag and their place in the arena. A check on a
/// short id is thus one slot read (linear probing, load factor at most 3/4): the id
/// compare and the record's fields come with it, one cache miss on a cold
/// million-record table instead of two dependent ones (slot, then arena bytes and the
/// record's columns). [`Records`] keeps the copy current: every write of those fields goes
/// through [`Interner::set_hot`].
#[derive(Clone, Default)]
pub struct Interner {
    text: String,
    starts: Vec<u32>,
    slots: crate::pages::PageVec<Slot>,
    /// Occupied slots, tombstones included.
    used: usize,
    hasher: FixedHasher,
    /// The slot of the last string placed (its fields are set right after).
    last: (u32, usize),
}

/// The fields of a record that a check reads, copied into its id slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hot {
    /// Encoded owner or `NONE`.
    pub owner: u32,
    /// Owning unit or `NONE`.
    pub unit: u32,
    /// Table index.
    pub table: u16,
    /// Record flags ([`ACTIVE`], [`ALIVE`], sharing).
    pub flags: u8,
}

impl Hot {
    /// The hot part of a record's packed fields.
    #[inline(always)]
    pub fn of(c: RecordCore) -> Hot {
        Hot {
            owner: c.owner,
            unit: c.unit,
            table: c.table,
            flags: c.flags,
        }
    }
}

/// Items per call of a loader's `tier_*` function. V8 switches a wasm function to its
/// optimised code only when it is next called, so a load that is one long call runs in
/// the baseline compiler's code throughout (the first load of a fresh process: about 150
/// ms of a million-record binary load); the hot loops of a bulk load therefore run in
/// calls of this many items, and all but the first few calls get the optimised code.
/// `build.sh` keeps functions named `tier_*` out of line (wasm-opt inlines a function that
/// has one caller, whatever its size).
pub const TIER: usize = 1 << 14;

/// `0..n` in pieces of [`TIER`], as `(start, end)`.
pub fn tiers(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n)
        .step_by(TIER)
        .map(move |lo| (lo, lo.saturating_add(TIER).min(n)))
}

/// Ids up to this many bytes are stored in their slot.
const INLINE: usize = 16;
/// `klen` of a slot whose key is (tag, offset, length) into the arena.
const LONG: u8 = u8::MAX;

/// One hash-table slot: string index (or [`EMPTY`] / [`TOMBSTONE`]), the record's hot
/// fields, and the key (inline bytes when `klen <= 16`, else tag / offset / length).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(target_os = "linux", derive(bytemuck::Pod, bytemuck::Zeroable))]
#[repr(C, align(32))]
struct Slot {
    idx: u32,
    owner: u32,
    unit: u32,
    table: u16,
    flags: u8,
    klen: u8,
    key: [u8; INLINE],
}

const EMPTY: u32 = u32::MAX;
const TOMBSTONE: u32 = u32::MAX - 1;
const EMPTY_SLOT: Slot = Slot {
    idx: EMPTY,
    owner: NONE,
    unit: NONE,
    table: u16::MAX,
    flags: 0,
    klen: 0,
    key: [0; INLINE],
};

impl Slot {
    #[inline(always)]
    fn hot(&self) -> Hot {
        Hot {
            owner: self.owner,
            unit: self.unit,
            table: self.table,
            flags: self.flags,
        }
    }

    /// The key of string `s` (hash `h`, arena offset `off`).
    #[inline(always)]
    fn key_of(s: &[u8], h: u64, off: u32) -> (u8, [u8; INLINE]) {
        // built as one number: byte loops and `copy_from_slice` are calls in the size-built wasm
        if s.len() <= INLINE {
            let [a, b] = crate::ids::key16(s);
            let key = u128::from(a) | (u128::from(b) << 64);
            (s.len() as u8, key.to_le_bytes())
        } else {
            let key =
                u128::from(h as u32) | (u128::from(off) << 32) | (u128::from(s.len() as u32) << 64);
            (LONG, key.to_le_bytes())
        }
    }

    #[inline(always)]
    fn word(&self, i: usize) -> u32 {
        let mut w = [0u8; 4];
        if let Some(b) = self.key.get(i * 4..i * 4 + 4) {
            w.copy_from_slice(b);
        }
        u32::from_le_bytes(w)
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Interner({} strings)", self.len())
    }
}

impl Interner {
    /// Make room for `n` more strings of `bytes` bytes in total.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        self.starts.reserve(n);
        self.text.reserve(bytes);
        let need = self.used.saturating_add(n);
        if Self::over_load(need, self.slots.len()) {
            self.rehash(need);
        }
    }

    /// Slots for `n` strings: twice as many, so the load is at most 1/2. A lookup then
    /// reads the home slot's cache line and rarely another: at 3/4 (1.33 slots a string),
    /// a found string sat 1.5 slots past its home on average and 3% of them 11 or more,
    /// and on a million-record org the lines past the home line were most of the time of
    /// a check in wasm (random reads, each a cache and TLB miss). 64 bytes a string.
    #[inline(always)]
    fn cap_for(n: usize) -> usize {
        n.max(4).saturating_mul(2).saturating_add(1)
    }

    /// Whether `used` occupied slots overload a table of `cap` (more than half full).
    #[inline(always)]
    fn over_load(used: usize, cap: usize) -> bool {
        used.saturating_mul(2) > cap
    }

    /// Number of strings pushed (deleted ones included).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The string with index `i` ("" when out of range).
    #[inline]
    pub fn get_str(&self, i: u32) -> &str {
        let i = i as usize;
        let start = self.starts.get(i).copied().unwrap_or(0) as usize;
        let end = self
            .starts
            .get(i + 1)
            .copied()
            .map(|e| e as usize)
            .unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("")
    }

    #[inline(always)]
    fn hash(&self, s: &[u8]) -> u64 {
        crate::ids::hash_id(&self.hasher, s)
    }

    /// Home slot of hash `h` in a table of `cap` slots: the high bits of a Fibonacci
    /// multiplication (so that similar ids, `acc-000001`, `acc-000002`, …, spread instead
    /// of clustering under linear probing), scaled to `cap` by a multiply-shift, so the
    /// table needs no power-of-two size.
    #[inline(always)]
    fn home(h: u64, cap: usize) -> usize {
        let x = h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        ((x * cap as u64) >> 32) as usize
    }

    /// The slot after `pos` (wrapping around).
    #[inline(always)]
    fn next(pos: usize, cap: usize) -> usize {
        if pos + 1 >= cap {
            0
        } else {
            pos + 1
        }
    }

    /// The slot position holding `s`, or the first free position on its probe sequence.
    /// (One copy in the size-built wasm, inlined natively.)
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn probe(&self, h: u64, b: &[u8]) -> (usize, Option<usize>) {
        let slots: &[Slot] = &self.slots;
        let cap = slots.len();
        let (klen, key) = Slot::key_of(b, h, 0);
        let tag = h as u32;
        let mut pos = Self::home(h, cap);
        let mut free = None;
        for _ in 0..cap {
            let Some(slot) = slots.get(pos) else {
                break;
            };
            if slot.idx == EMPTY {
                return (free.unwrap_or(pos), None);
            }
            if slot.idx == TOMBSTONE {
                free.get_or_insert(pos);
            } else if slot.klen == klen {
                if klen != LONG {
                    // (as one number: an array compare is a `memcmp` call in the wasm)
                    if u128::from_le_bytes(slot.key) == u128::from_le_bytes(key) {
                        return (pos, Some(pos));
                    }
                } else if slot.word(0) == tag && slot.word(2) as usize == b.len() {
                    let a = slot.word(1) as usize;
                    if self.text.as_bytes().get(a..a + b.len()) == Some(b) {
                        return (pos, Some(pos));
                    }
                }
            }
            pos = Self::next(pos, cap);
        }
        (free.unwrap_or(usize::MAX), None)
    }

    /// Look up a string's index.
    #[inline]
    pub fn find(&self, s: &str) -> Option<u32> {
        self.find_hot(s).map(|(i, _)| i)
    }

    /// Look up a string's index and the record fields kept in its slot.
    #[inline(always)]
    pub fn find_hot(&self, s: &str) -> Option<(u32, Hot)> {
        let slots: &[Slot] = &self.slots;
        if slots.is_empty() {
            return None;
        }
        let (_, found) = self.probe(self.hash(s.as_bytes()), s.as_bytes());
        let slot = slots.get(found?)?;
        Some((slot.idx, slot.hot()))
    }

    /// The hash of `s`: the first step of a batched lookup (then [`Interner::touch_home`],
    /// then [`Interner::find_hot_from`]).
    #[inline(always)]
    pub fn hash_of(&self, s: &[u8]) -> u64 {
        self.hash(s)
    }

    /// The first words of hash `h`'s home slot and of the slot two after it, in the next
    /// cache line (`EMPTY` past the end): for [`Interner::find_hot_from`], the first, and
    /// the second read only so that a lookup probing past its home's line finds that line
    /// loaded. A batch does this for all its ids in a loop of its own (no hashing in it),
    /// so that many of these reads are in flight at once.
    #[inline(always)]
    pub fn touch_home(&self, h: u64) -> (u32, u32) {
        let slots: &[Slot] = &self.slots;
        let home = Self::home(h, slots.len());
        let word = |i: usize| slots.get(i).map_or(EMPTY, |x| x.idx);
        (word(home), word(home + 2))
    }

    /// Last step of a batched lookup: `h` must be `hash_of(s)` and `first` the first word
    /// [`Interner::touch_home`] read for it, on this table, unchanged since.
    #[inline(always)]
    pub fn find_hot_from(&self, s: &[u8], (h, first): (u64, u32)) -> Option<(u32, Hot)> {
        if first == EMPTY {
            return None;
        }
        let slots: &[Slot] = &self.slots;
        let (_, found) = self.probe(h, s);
        let slot = slots.get(found?)?;
        Some((slot.idx, slot.hot()))
    }

    /// Append a string (indexed), returning its index; `None` when there are too many
    /// strings or the arena is full (4 GiB).
    pub fn push(&mut self, s: &str) -> Option<u32> {
        match self.push_new(s) {
            Some(Ok(i)) => Some(i),
            _ => None,
        }
    }

    /// Append a string unless it is already indexed: `Ok(new index)`, `Err(existing
    /// index)`, or `None` when it does not fit (see [`Interner::push`]). One hash, one probe.
    pub fn push_new(&mut self, s: &str) -> Option<Result<u32, u32>> {
        let idx = u32::try_from(self.starts.len())
            .ok()
            .filter(|&i| i < TOMBSTONE)?;
        let start = u32::try_from(self.text.len()).ok()?;
        u32::try_from(self.text.len() + s.len()).ok()?;
        self.grow_for_one();
        let h = self.hash(s.as_bytes());
        let (pos, found) = self.probe(h, s.as_bytes());
        if let Some(at) = found {
            return Some(Err(self.slots.get(at).map_or(EMPTY, |x| x.idx)));
        }
        self.occupy(pos, h, idx, start, s.as_bytes())?;
        self.starts.push(start);
        self.text.push_str(s);
        Some(Ok(idx))
    }

    fn grow_for_one(&mut self) {
        if Self::over_load(self.used + 1, self.slots.len()) {
            // (at least doubles, so pushes one by one stay amortised O(1))
            let live = (self.len() + 1).max(self.slots.len());
            self.rehash(live);
        }
    }

    /// Rebuild the table for at least `n` entries (tombstones dropped).
    fn rehash(&mut self, n: usize) {
        // (any size: see `home`)
        let cap = Self::cap_for(n);
        let old = std::mem::replace(
            &mut self.slots,
            crate::pages::PageVec::filled(EMPTY_SLOT, cap),
        );
        self.used = 0;
        self.last = (EMPTY, 0);
        for &slot in old.iter() {
            if slot.idx == EMPTY || slot.idx == TOMBSTONE {
                continue;
            }
            let h = self.hash(self.get_str(slot.idx).as_bytes());
            let mut pos = Self::home(h, cap);
            while self.slots.get(pos).is_some_and(|x| x.idx != EMPTY) {
                pos = Self::next(pos, cap);
            }
            if let Some(x) = self.slots.get_mut(pos) {
                *x = slot;
                self.used += 1;
            }
        }
    }

    /// Make `i` findable by its string again (its fields are set by the caller next).
    pub fn index(&mut self, i: u32) {
        let Some(&start) = self.starts.get(i as usize) else {
            return;
        };
        self.grow_for_one();
        let s = self.get_str(i);
        let h = self.hash(s.as_bytes());
        let (pos, found) = self.probe(h, s.as_bytes());
        if let Some(at) = found {
            self.last = (i, at);
            return;
        }
        let key = Slot::key_of(s.as_bytes(), h, start);
        self.place(pos, i, key);
    }

    /// Write the slot at `pos` (free or a tombstone) for string `idx` with hash `h`.
    fn occupy(&mut self, pos: usize, h: u64, idx: u32, off: u32, s: &[u8]) -> Option<()> {
        if s.len() > u32::MAX as usize {
            return None;
        }
        self.place(pos, idx, Slot::key_of(s, h, off));
        self.slots.get(pos).map(|_| ())
    }

    fn place(&mut self, pos: usize, idx: u32, (klen, key): (u8, [u8; INLINE])) {
        let Some(slot) = self.slots.get_mut(pos) else {
            return;
        };
        if slot.idx == EMPTY {
            self.used += 1;
        }
        *slot = Slot {
            idx,
            klen,
            key,
            ..EMPTY_SLOT
        };
        self.last = (idx, pos);
    }

    /// The slot position of string `i`, when it is indexed.
    fn slot_of(&self, i: u32) -> Option<usize> {
        let (idx, pos) = self.last;
        if idx == i && self.slots.get(pos).is_some_and(|x| x.idx == i) {
            return Some(pos);
        }
        if self.slots.is_empty() {
            return None;
        }
        let s = self.get_str(i);
        let (_, found) = self.probe(self.hash(s.as_bytes()), s.as_bytes());
        found.filter(|&at| self.slots.get(at).is_some_and(|x| x.idx == i))
    }

    /// Store the record fields of string `i` in its slot (nothing when it is not indexed).
    pub fn set_hot(&mut self, i: u32, hot: Hot) {
        if let Some(pos) = self.slot_of(i) {
            if let Some(slot) = self.slots.get_mut(pos) {
                slot.owner = hot.owner;
                slot.unit = hot.unit;
                slot.table = hot.table;
                slot.flags = hot.flags;
            }
        }
    }

    /// Make `i` unfindable (the string stays in the arena).
    pub fn unindex(&mut self, i: u32) {
        if let Some(pos) = self.slot_of(i) {
            if let Some(slot) = self.slots.get_mut(pos) {
                slot.idx = TOMBSTONE;
            }
        }
    }

    /// Remove the last pushed string entirely.
    pub fn pop(&mut self) {
        if let Some(last) = self.starts.len().checked_sub(1) {
            let i = last as u32;
            self.unindex(i);
            if let Some(start) = self.starts.pop() {
                self.text.truncate(start as usize);
            }
        }
    }

    /// String `i` as bytes (without the character boundary checks of `get_str`), its hash
    /// (the one [`Interner::hash`] computes) and its offset.
    #[inline(never)]
    fn bytes_at(&self, i: usize) -> (&[u8], u64, u32) {
        let (b, off) = self.bytes_of(i);
        (b, crate::ids::hash_id(&self.hasher, b), off)
    }

    /// String `i` as bytes and its offset (as [`Interner::bytes_at`], without the hash).
    #[inline(always)]
    fn bytes_of(&self, i: usize) -> (&[u8], u32) {
        let off = self.starts.get(i).copied().unwrap_or(0) as usize;
        let to = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e as usize);
        (self.text.as_bytes().get(off..to).unwrap_or(&[]), off as u32)
    }

    /// An interner holding every string of `text`, string `i` starting at `starts[i]` and
    /// ending where the next one starts (the caller checks that the starts rise and fall on
    /// character boundaries), each indexed with the record fields `hot[i]` in its slot
    /// (empty fields past the end of `hot`). Returns it with the strings equal to an
    /// earlier one (not indexed), in ascending order, and the slot of each string (`NONE`
    /// for those), for [`Interner::set_loaded_flags`].
    ///
    /// The table is sized as [`Interner::reserve`] sizes it. The slots are made first, in
    /// string order (each string and its fields read once, in order), bucketed by home
    /// (one counting-sort pass on the top bits), so that the inserts sweep the table once
    /// instead of writing at random all over it (on a million ids, 42 MB: a cache and TLB
    /// miss per id otherwise). Equal strings share a home, and a bucket keeps index order,
    /// so the first of equal strings is the one indexed.
    pub fn build(
        text: String,
        starts: Vec<u32>,
        hot: &[RecordCore],
    ) -> (Interner, Vec<u32>, Vec<u32>) {
        let n = starts.len();
        let cap = Self::cap_for(n);
        let mut it = Interner {
            text,
            starts,
            slots: crate::pages::PageVec::filled(EMPTY_SLOT, cap),
            used: 0,
            hasher: FixedHasher::default(),
            last: (EMPTY, 0),
        };
        // few buckets: the writes of the bucketing go to few pages at a time (the TLB),
        // and one bucket's slots and counts still fit in the cache
        // (the loops run in calls of `TIER` strings: see there)
        const BUCKET_BITS: u32 = 6;
        // the top BUCKET_BITS bits of a home (a shift: no division per string)
        let shift = (usize::BITS - cap.leading_zeros()).saturating_sub(BUCKET_BITS);
        let mut homes: Vec<u32> = vec![0; n];
        let mut at = vec![0u32; (1 << BUCKET_BITS) + 1];
        for (lo, hi) in tiers(n) {
            if let Some(h) = homes.get_mut(lo..hi) {
                it.tier_homes(cap, shift, h, &mut at, lo);
            }
        }
        for k in 1..at.len() {
            let prev = at.get(k - 1).copied().unwrap_or(0);
            if let Some(c) = at.get_mut(k) {
                *c += prev;
            }
        }
        // The slots to write, bucketed, each with its key and fields (read here, in string
        // order, rather than at random below); a long key keeps its home in its unused
        // last word until it is placed.
        let mut order: Vec<Slot> = vec![EMPTY_SLOT; n];
        let mut fill = at;
        for (lo, hi) in tiers(n) {
            if let Some(h) = homes.get(lo..hi) {
                it.tier_order(shift, h, hot, &mut fill, &mut order, lo);
            }
        }
        drop(homes);
        // In bucket order, each slot goes to the first free one from its home (a part of
        // the table that stays in the cache), unless an equal string is on the way.
        let mut pos_of = vec![NONE; n];
        let mut dups = Vec::new();
        for (lo, hi) in tiers(n) {
            if let Some(o) = order.get(lo..hi) {
                it.tier_place(cap, o, &mut pos_of, &mut dups);
            }
        }
        it.last = (EMPTY, 0);
        dups.sort_total();
        (it, dups, pos_of)
    }

    /// [`Interner::build`]: the homes of strings `lo..lo + homes.len()`, counted per
    /// bucket in `at` (bucket `b` at `b + 1`).
    #[inline(never)]
    fn tier_homes(&self, cap: usize, shift: u32, homes: &mut [u32], at: &mut [u32], lo: usize) {
        for (k, home) in homes.iter_mut().enumerate() {
            *home = Self::home(self.bytes_at(lo + k).1, cap) as u32;
            if let Some(c) = at.get_mut((*home >> shift) as usize + 1) {
                *c += 1;
            }
        }
    }

    /// [`Interner::build`]: the slots of strings `lo..lo + homes.len()` (homes `homes`,
    /// fields `hot`) into `order`, at the next place of their bucket (`fill`).
    #[inline(never)]
    fn tier_order(
        &self,
        shift: u32,
        homes: &[u32],
        hot: &[RecordCore],
        fill: &mut [u32],
        order: &mut [Slot],
        lo: usize,
    ) {
        for (k, &home) in homes.iter().enumerate() {
            let i = lo + k;
            // (the hash again only for a long key, whose tag it is: a short key is its bytes)
            let (b, off) = self.bytes_of(i);
            let h = if b.len() > INLINE {
                crate::ids::hash_id(&self.hasher, b)
            } else {
                0
            };
            let (klen, mut key) = Slot::key_of(b, h, off);
            if klen == LONG {
                key = (u128::from_le_bytes(key) | (u128::from(home) << 96)).to_le_bytes();
            }
            let c = hot.get(i).copied().unwrap_or(NO_RECORD);
            let Some(f) = fill.get_mut((home >> shift) as usize) else {
                continue;
            };
            if let Some(o) = order.get_mut(*f as usize) {
                *o = Slot {
                    idx: i as u32,
                    owner: c.owner,
                    unit: c.unit,
                    table: c.table,
                    flags: c.flags,
                    klen,
                    key,
                };
            }
            *f += 1;
        }
    }

    /// [`Interner::build`]: place the slots `order` (a piece of the bucketed slots), each
    /// at the first free slot from its home unless an equal string is on the way (then
    /// its index goes to `dups`); `pos_of[i]`: where string `i` went.
    #[inline(never)]
    fn tier_place(&mut self, cap: usize, order: &[Slot], pos_of: &mut [u32], dups: &mut Vec<u32>) {
        let home_of = |x: &Slot| {
            if x.klen == LONG {
                x.word(3) as usize
            } else {
                let k = u128::from_le_bytes(x.key);
                let h = crate::ids::hash16([k as u64, (k >> 64) as u64], usize::from(x.klen));
                Self::home(h, cap)
            }
        };
        let text = self.text.as_bytes();
        let slots: &mut [Slot] = &mut self.slots;
        let mut used = 0;
        for &new in order {
            let mut new = new;
            let mut pos = home_of(&new);
            let mut found = false;
            for _ in 0..cap {
                let Some(x) = slots.get(pos) else {
                    break;
                };
                if x.idx == EMPTY {
                    break;
                }
                if x.klen == new.klen
                    && if new.klen != LONG {
                        // (as one number: an array compare is a `memcmp` call in wasm)
                        u128::from_le_bytes(x.key) == u128::from_le_bytes(new.key)
                    } else {
                        // tag and length, then the bytes (the offsets differ)
                        let (a, len, o) =
                            (x.word(1) as usize, x.word(2) as usize, new.word(1) as usize);
                        x.word(0) == new.word(0)
                            && len == new.word(2) as usize
                            && text.get(a..a + len) == text.get(o..o + len)
                    }
                {
                    found = true;
                    break;
                }
                pos = Self::next(pos, cap);
            }
            if found {
                dups.push(new.idx);
            } else if let Some(slot) = slots.get_mut(pos) {
                if new.klen == LONG {
                    new.key = (u128::from_le_bytes(new.key) & (u128::MAX >> 32)).to_le_bytes();
                }
                *slot = new;
                used += 1;
                if let Some(p) = pos_of.get_mut(new.idx as usize) {
                    *p = pos as u32;
                }
            }
        }
        self.used += used;
    }

    /// After [`Interner::build`]: copy the sharing flags of the records that have some
    /// into their slots (`pos[i]`: the slot of record `i`).
    pub fn set_loaded_flags(&mut self, pos: &[u32], core: &[RecordCore]) {
        for (lo, hi) in tiers(pos.len().min(core.len())) {
            if let (Some(p), Some(c)) = (pos.get(lo..hi), core.get(lo..hi)) {
                self.tier_flags(p, c);
            }
        }
    }

    /// [`Interner::set_loaded_flags`] of a piece of the records.
    #[inline(never)]
    fn tier_flags(&mut self, pos: &[u32], core: &[RecordCore]) {
        for (&p, c) in pos.iter().zip(core) {
            if c.flags & SHARING != 0 {
                if let Some(slot) = self.slots.get_mut(p as usize) {
                    slot.flags = c.flags;
                }
            }
        }
    }

    /// Bytes held (for memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.starts.capacity() * 4 + self.slots.bytes()
    }
}

/// A role assignment: role index and explicit anchor (`NONE` = the holder's unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assignment {
    /// Role index.
    pub role: u32,
    /// Explicit anchor unit, or `NONE`.
    pub unit: u32,
}

/// A business unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Parent unit or `NONE`.
    pub parent: u32,
    /// Disabled flag (the unit itself).
    pub disabled: bool,
    /// Not deleted.
    pub alive: bool,
    /// Its default team.
    pub default_team: u32,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// Logical name.
    pub name: String,
    /// Ownership type.
    pub ownership: Ownership,
    /// The parental relationship where this table is the child.
    pub parent_rel: u32,
    /// Whether hierarchy security applies.
    pub hierarchy: bool,
}

/// A parental relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelRow {
    /// Parent table.
    pub parent: u32,
    /// Child table.
    pub child: u32,
    /// Assign cascade.
    pub assign: CascadeScope,
    /// Share cascade (inheritance).
    pub share: CascadeScope,
    /// Unshare cascade.
    pub unshare: CascadeScope,
    /// Reparent cascade.
    pub reparent: CascadeScope,
    /// Delete cascade.
    pub delete: DeleteCascade,
}

/// A role: levels per table (dense by table index) and right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `levels[table][right]`.
    pub levels: Vec<[Level; 8]>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Business unit.
    pub unit: u32,
    /// Manager or `NONE`.
    pub manager: u32,
    /// Disabled flag.
    pub disabled: bool,
    /// Category.
    pub category: Option<String>,
    /// Direct role assignments.
    pub roles: Vec<Assignment>,
    /// Created and not removed.
    pub alive: bool,
}

/// What a decision reads of a user, copied from [`UserRow`] and the report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserHot {
    /// Business unit.
    pub unit: u32,
    /// Manager or `NONE`.
    pub manager: u32,
    /// [`SIGNS_IN`], [`HAS_REPORTS`].
    pub flags: u8,
}

impl Default for UserHot {
    fn default() -> UserHot {
        UserHot {
            unit: NONE,
            manager: NONE,
            flags: 0,
        }
    }
}

/// User flag: alive and not disabled (the unit may still be disabled).
pub const SIGNS_IN: u8 = 1;
/// User flag: has direct reports.
pub const HAS_REPORTS: u8 = 2;

/// A team (default teams included, `default_of != NONE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Owner or access.
    pub kind: TeamKind,
    /// Business unit.
    pub unit: u32,
    /// Members, sorted.
    pub members: Vec<u32>,
    /// Role assignments.
    pub roles: Vec<Assignment>,
    /// Inheritance mode.
    pub inheritance: Inheritance,
    /// Not deleted.
    pub alive: bool,
    /// The unit this is the default team of, or `NONE`.
    pub default_of: u32,
}

/// An access team template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    /// Id.
    pub id: String,
    /// Table.
    pub table: u32,
    /// Rights.
    pub rights: RightSet,
}

/// One share of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShareEntry {
    /// Encoded principal.
    pub principal: u32,
    /// Rights shared.
    pub rights: RightSet,
}

impl PartialOrd for RightSet {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RightSet {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// One record access team.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccessTeamEntry {
    /// Template index.
    pub template: u32,
    /// Members, sorted.
    pub members: Vec<u32>,
}

/// Hierarchy settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyRow {
    /// Model.
    pub model: HierarchyModel,
    /// Depth.
    pub depth: u32,
}

/// The fields a decision reads of one record, packed in 16 bytes so that one cache line
/// fetch serves a whole check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordCore {
    /// Encoded owner or `NONE`.
    pub owner: u32,
    /// Owning unit or `NONE`.
    pub unit: u32,
    /// Parent record or `NONE`.
    pub parent: u32,
    /// Table index.
    pub table: u16,
    /// [`ACTIVE`], [`ALIVE`].
    pub flags: u8,
}

const NO_RECORD: RecordCore = RecordCore {
    owner: NONE,
    unit: NONE,
    parent: NONE,
    table: u16::MAX,
    flags: 0,
};

/// Records: ids and names in arenas, the decision fields packed per record.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Ids.
    pub ids: Interner,
    /// Names arena.
    pub names: String,
    /// (offset, len) into `names`; len `NONE` when there is no name.
    pub name_at: Vec<(u32, u32)>,
    /// Owner, unit, parent, table and flags of each record.
    pub core: Vec<RecordCore>,
}

impl Records {
    /// Number of record slots (deleted included).
    pub fn len(&self) -> usize {
        self.core.len()
    }
    /// Whether there is no slot.
    pub fn is_empty(&self) -> bool {
        self.core.is_empty()
    }
    /// Record id.
    #[inline]
    pub fn id(&self, r: u32) -> &str {
        self.ids.get_str(r)
    }
    /// Record name.
    pub fn name(&self, r: u32) -> Option<&str> {
        let &(off, len) = self.name_at.get(r as usize)?;
        if len == NONE {
            return None;
        }
        self.names.get(off as usize..(off as usize + len as usize))
    }
    /// Change record `r`'s packed fields through `f`, keeping the copy in its id slot
    /// current (every write of the fields goes through here).
    #[inline]
    fn write(&mut self, r: u32, f: impl FnOnce(&mut RecordCore)) {
        if let Some(c) = self.core.get_mut(r as usize) {
            f(c);
            self.sync_slot(r);
        }
    }
    /// Copy record `r`'s packed fields into its id slot (after the id was (re)indexed).
    #[inline]
    fn sync_slot(&mut self, r: u32) {
        if let Some(&c) = self.core.get(r as usize) {
            self.ids.set_hot(r, Hot::of(c));
        }
    }
    /// The packed fields (a dead sentinel when out of range).
    #[inline(always)]
    pub fn core(&self, r: u32) -> RecordCore {
        self.core.get(r as usize).copied().unwrap_or(NO_RECORD)
    }
    /// Table.
    #[inline]
    pub fn table(&self, r: u32) -> u32 {
        match self.core.get(r as usize) {
            Some(c) => u32::from(c.table),
            None => NONE,
        }
    }
    /// Owner.
    #[inline]
    pub fn owner(&self, r: u32) -> u32 {
        self.core(r).owner
    }
    /// Owning unit.
    #[inline]
    pub fn unit(&self, r: u32) -> u32 {
        self.core(r).unit
    }
    /// Parent.
    #[inline]
    pub fn parent(&self, r: u32) -> u32 {
        self.core(r).parent
    }
    /// Active flag.
    #[inline]
    pub fn active(&self, r: u32) -> bool {
        self.core(r).flags & ACTIVE != 0
    }
    /// Not deleted.
    #[inline]
    pub fn alive(&self, r: u32) -> bool {
        self.core(r).flags & ALIVE != 0
    }
}

/// The complete state of an org.
#[derive(Debug, Clone)]
pub struct State {
    /// Settings.
    pub settings: Settings,
    /// Units.
    pub units: Vec<UnitRow>,
    /// Unit id -> index.
    pub unit_ids: Map<String, u32>,
    /// Tables.
    pub tables: Vec<TableRow>,
    /// Table name -> index.
    pub table_ids: Map<String, u32>,
    /// Relationships.
    pub rels: Vec<RelRow>,
    /// Roles.
    pub roles: Vec<RoleRow>,
    /// Role id -> index.
    pub role_ids: Map<String, u32>,
    /// Users.
    pub users: Vec<UserRow>,
    /// User id -> index.
    pub user_ids: crate::ids::IdMap,
    /// Teams.
    pub teams: Vec<TeamRow>,
    /// Team id -> index.
    pub team_ids: crate::ids::IdMap,
    /// Templates.
    pub templates: Vec<TemplateRow>,
    /// Template id -> index.
    pub template_ids: Map<String, u32>,
    /// Records.
    pub records: Records,
    /// Shares per record.
    pub shares: Map<u32, Vec<ShareEntry>>,
    /// Access teams per record.
    pub access_teams: Map<u32, Vec<AccessTeamEntry>>,
    /// Hierarchy security.
    pub hierarchy: Option<HierarchyRow>,
    /// Assertions, as written.
    pub assertions: Vec<crate::model::Assertion>,

    // ---- derived ----
    /// The unit tree.
    pub tree: UnitTree,
    /// Teams of each user (sorted; default team included).
    pub user_teams: Vec<Vec<u32>>,
    /// Direct reports of each user.
    pub reports: Vec<Vec<u32>>,
    /// Per user, what a decision reads of them ([`UserHot`]), 12 bytes each, so that the
    /// rows, report lists and manager chains of 10,000 users take 120 KB of cache instead
    /// of a megabyte; kept by [`State::set_user`].
    pub user_hot: Vec<UserHot>,
    /// Records owned by each user.
    pub owned_by_user: Vec<Vec<u32>>,
    /// Records owned by each team.
    pub owned_by_team: Vec<Vec<u32>>,
    /// Records per owning unit.
    pub by_unit: Vec<Vec<u32>>,
    /// Records per table.
    pub by_table: Vec<Vec<u32>>,
    /// Children per record.
    pub children: Children,
    /// Position of each record in its owner, unit, table and parent's children lists
    /// ([`OWNER_LIST`], …), so that removing it from a list is O(1) (swap-remove) even
    /// when one owner holds 100,000 records.
    pub list_pos: Vec<[u32; 4]>,
    /// Records shared with each encoded principal.
    pub shared_with: Map<u32, Vec<u32>>,
    /// Records whose access teams include each user.
    pub access_team_records: Map<u32, Vec<u32>>,
    /// Compiled grants per user. Users with the same roles, anchors and owner teams share
    /// one compiled profile (10,000 generated users have about 1,400 distinct ones), so the
    /// profiles a decision reads stay in the processor's cache instead of one per user.
    pub grants: Vec<Arc<UserGrants>>,
    /// Per user and table, at `u * tables + t`: the user's grants on the table
    /// ([`UserTable`]), what a decision reads first (the privilege check denies most
    /// requests with it alone, and it holds the table's reach entry when there is one).
    /// One flat array, so a check reads one slot of it instead of following a user's
    /// profile pointer, then its table list, then its reach list (random reads; in wasm,
    /// with 4 KiB pages, each a TLB miss too). Written with `grants`, in
    /// [`State::refresh`]; empty when users × tables is over [`FLAT_GRANTS_MAX`], and then
    /// made from `grants` ([`State::user_table`]).
    pub table_grants: Vec<UserTable>,
    /// Users whose grants must be recompiled.
    pub dirty_grants: Vec<u32>,
    /// Unit tree must be rebuilt.
    pub dirty_tree: bool,
    /// While set, default-team membership changes of `set_user` (team, user, added) wait
    /// here and are applied together (one pass per team) by [`State::flush_members`]:
    /// moving 100,000 users one by one would otherwise shift a 100,000-member list each time.
    pub pending_members: Option<Vec<(u32, u32, bool)>>,
}

/// [`State::link_loaded_records`]: count the records `core` (a piece) per owner (users,
/// teams), unit and table in `counts`, and per parent in `kids`.
#[inline(never)]
fn tier_count(core: &[RecordCore], counts: &mut [Vec<u32>; 4], kids: &mut [u32]) {
    let [users, teams, units, tables] = counts;
    for c in core {
        match as_team(c.owner) {
            Some(t) => bump(teams, t),
            None if c.owner != NONE => bump(users, c.owner),
            None => {}
        }
        if c.unit != NONE {
            bump(units, c.unit);
        }
        bump(tables, u32::from(c.table));
        if let Some(k) = kids.get_mut(c.parent as usize) {
            *k += 1;
        }
    }
}

/// [`State::link_loaded_records`]: put records `lo..` (`core`) into their owner's (user's,
/// team's), unit's and table's list (`lists`) at `at`, and their positions there at the
/// end of `pos` (one entry per record: pushed as made, no fill of the whole list first).
#[inline(never)]
fn tier_link(
    core: &[RecordCore],
    pos: &mut Vec<[u32; 4]>,
    lists: [&mut Vec<Vec<u32>>; 4],
    at: &mut [Vec<u32>; 4],
    lo: u32,
) {
    let [by_user, by_team, by_unit, by_table] = lists;
    let [at_user, at_team, at_unit, at_table] = at;
    #[inline(always)]
    fn put(list: Option<&mut Vec<u32>>, at: Option<&mut u32>, pos: &mut u32, r: u32) {
        if let (Some(list), Some(at)) = (list, at) {
            if let Some(x) = list.get_mut(*at as usize) {
                *x = r;
                *pos = *at;
                *at += 1;
            }
        }
    }
    pos.extend(core.iter().enumerate().map(|(k, c)| {
        let r = lo + k as u32;
        let mut p = [NONE; 4];
        let [p_owner, p_unit, p_table, _] = &mut p;
        match as_team(c.owner) {
            Some(t) => put(
                by_team.get_mut(t as usize),
                at_team.get_mut(t as usize),
                p_owner,
                r,
            ),
            None if c.owner != NONE => put(
                by_user.get_mut(c.owner as usize),
                at_user.get_mut(c.owner as usize),
                p_owner,
                r,
            ),
            None => {}
        }
        put(
            by_unit.get_mut(c.unit as usize),
            at_unit.get_mut(c.unit as usize),
            p_unit,
            r,
        );
        put(
            by_table.get_mut(usize::from(c.table)),
            at_table.get_mut(usize::from(c.table)),
            p_table,
            r,
        );
        p
    }));
}

/// [`State::link_loaded_records`]: put records `lo..` (`core`, their `pos`) into their
/// parent's group of `grouped` (parent `p`'s from `start[p]`, next at `fill[p]`).
#[inline(never)]
fn tier_group(
    core: &[RecordCore],
    pos: &mut [[u32; 4]],
    start: &[u32],
    fill: &mut [u32],
    grouped: &mut [u32],
    lo: u32,
) {
    for (k, (c, lp)) in core.iter().zip(pos).enumerate() {
        let p = c.parent as usize;
        let (Some(at), Some(&first)) = (fill.get_mut(p), start.get(p)) else {
            continue;
        };
        if let Some(g) = grouped.get_mut(*at as usize) {
            *g = lo + k as u32;
        }
        if let Some(lp) = lp.get_mut(CHILD_LIST) {
            *lp = *at - first;
        }
        *at += 1;
    }
}

/// Children per record. A bulk load ([`State::link_loaded_records`]) leaves its lists in
/// one block, offsets and record indexes (a counting sort's output, no list or map entry
/// per parent: a third of a million parents took 30-40 ms of a million-record load in
/// wasm); a list changed since, or made by links one at a time, lives in a map that
/// overrides the loaded one (an empty list there hides it).
#[derive(Debug, Clone, Default)]
pub struct Children {
    /// Record `r`'s loaded children are `items[start[r]..start[r + 1]]` (records past
    /// `start.len() - 1` have none loaded).
    start: Vec<u32>,
    items: Vec<u32>,
    /// Lists changed or made since the load.
    changed: Map<u32, Vec<u32>>,
}

impl Children {
    /// The loaded children of `r`.
    fn loaded(&self, r: u32) -> &[u32] {
        let r = r as usize;
        match self.start.get(r..r.saturating_add(2)) {
            Some(&[a, b]) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The children of `r` (`None` when it has none).
    #[inline]
    pub fn get(&self, r: u32) -> Option<&[u32]> {
        let list = if self.changed.is_empty() {
            self.loaded(r)
        } else {
            match self.changed.get(&r) {
                Some(v) => v.as_slice(),
                None => self.loaded(r),
            }
        };
        Some(list).filter(|l| !l.is_empty())
    }

    /// Whether `r` has children.
    pub fn has(&self, r: u32) -> bool {
        self.get(r).is_some()
    }

    /// The list of `r`, to change (a loaded one is copied out first).
    fn list_mut(&mut self, r: u32) -> &mut Vec<u32> {
        if !self.changed.contains_key(&r) {
            let copy = self.loaded(r).to_vec();
            self.changed.insert(r, copy);
        }
        self.changed.entry(r).or_default()
    }

    /// After a removal from `r`'s list: forget an empty list that hides nothing.
    fn tidy(&mut self, r: u32) {
        if self.changed.get(&r).is_some_and(Vec::is_empty) && self.loaded(r).is_empty() {
            self.changed.remove(&r);
        }
    }

    /// The lists of a bulk load, in the form described above (no list changed yet).
    fn set_loaded(&mut self, start: Vec<u32>, items: Vec<u32>) {
        self.start = start;
        self.items = items;
        self.changed = new_map();
    }
}

/// Where [`State::set_loaded_shares`] gathers the records shared with principal `p`
/// (`users` users): a user's index, or a team's index after the users (`usize::MAX`
/// for a user out of range).
#[inline(always)]
fn share_slot(p: u32, users: usize) -> usize {
    match as_team(p) {
        Some(t) => users.saturating_add(t as usize),
        None if (p as usize) < users => p as usize,
        None => usize::MAX,
    }
}

/// [`State::set_loaded_shares`]: count the shares of `lists` (a piece) per principal
/// (at [`share_slot`]).
#[inline(never)]
fn tier_share_counts(lists: &[(u32, Vec<ShareEntry>)], users: usize, counts: &mut [u32]) {
    for (_, list) in lists {
        for s in list {
            if let Some(c) = counts.get_mut(share_slot(s.principal, users)) {
                *c += 1;
            }
        }
    }
}

/// Index of a record's position in its owner's list in [`State::list_pos`].
pub const OWNER_LIST: usize = 0;
/// … in its unit's list.
pub const UNIT_LIST: usize = 1;
/// … in its table's list.
pub const TABLE_LIST: usize = 2;
/// … in its parent's children list.
pub const CHILD_LIST: usize = 3;

/// Append record `r` to `list`, remembering where.
fn list_push(list: &mut Vec<u32>, pos: &mut [[u32; 4]], r: u32, k: usize) {
    if let Some(p) = pos.get_mut(r as usize).and_then(|p| p.get_mut(k)) {
        *p = list.len() as u32;
    }
    list.push(r);
}

/// Remove record `r` from `list` in O(1) by its remembered position (swap-remove, the
/// moved record's position updated); falls back to a scan if the position is stale.
fn list_remove(list: &mut Vec<u32>, pos: &mut [[u32; 4]], r: u32, k: usize) {
    let remembered = pos
        .get(r as usize)
        .and_then(|p| p.get(k))
        .map(|&p| p as usize);
    let at = match remembered {
        Some(p) if list.get(p) == Some(&r) => Some(p),
        _ => list.iter().position(|&y| y == r),
    };
    let Some(at) = at else { return };
    list.swap_remove(at);
    if let Some(&moved) = list.get(at) {
        if let Some(p) = pos.get_mut(moved as usize).and_then(|p| p.get_mut(k)) {
            *p = at as u32;
        }
    }
}

fn remove_value(v: &mut Vec<u32>, x: u32) {
    if let Some(pos) = v.iter().position(|&y| y == x) {
        v.swap_remove(pos);
    }
}

fn insert_sorted(v: &mut Vec<u32>, x: u32) {
    if let Err(pos) = v.binary_search(&x) {
        v.insert(pos, x);
    }
}

/// Of two ascending lists without repeats: (in `a` only, in `b` only), in one pass.
fn sorted_difference(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (a.iter().peekable(), b.iter().peekable());
    loop {
        match (i.peek(), j.peek()) {
            (Some(&&x), Some(&&y)) => {
                if x < y {
                    only_a.push(x);
                    i.next();
                } else if y < x {
                    only_b.push(y);
                    j.next();
                } else {
                    i.next();
                    j.next();
                }
            }
            (Some(&&x), None) => {
                only_a.push(x);
                i.next();
            }
            (None, Some(&&y)) => {
                only_b.push(y);
                j.next();
            }
            (None, None) => break,
        }
    }
    (only_a, only_b)
}

/// Sort and deduplicate indexes; a long list (a team's members) by marking, in time linear
/// in the list and its largest value, not by comparisons.
pub fn sort_dedup_indexes(v: &mut Vec<u32>) {
    if v.len() <= 64 {
        v.sort_total();
        v.dedup();
        return;
    }
    let n = v.iter().max().map_or(0, |&m| m as usize + 1);
    if n > v.len().saturating_mul(16) {
        // sparse: comparisons are cheaper than the marks
        v.sort_total();
        v.dedup();
        return;
    }
    let mut mark = vec![false; n];
    for &u in v.iter() {
        if let Some(m) = mark.get_mut(u as usize) {
            *m = true;
        }
    }
    v.clear();
    for (i, &m) in mark.iter().enumerate() {
        if m {
            v.push(i as u32);
        }
    }
}

/// The union of two ascending lists without repeats, ascending.
fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (a.iter().peekable(), b.iter().peekable());
    loop {
        let next = match (i.peek(), j.peek()) {
            (Some(&&x), Some(&&y)) => {
                if x <= y {
                    i.next();
                    if x == y {
                        j.next();
                    }
                    x
                } else {
                    j.next();
                    y
                }
            }
            (Some(&&x), None) => {
                i.next();
                x
            }
            (None, Some(&&y)) => {
                j.next();
                y
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

fn remove_sorted(v: &mut Vec<u32>, x: u32) {
    if let Ok(pos) = v.binary_search(&x) {
        v.remove(pos);
    }
}

/// Count one more at `i`, growing `counts` as needed: in place when `i` is in range (the
/// common case, inlined into the loading loop), out of line otherwise.
#[inline(always)]
fn bump(counts: &mut Vec<u32>, i: u32) {
    match counts.get_mut(i as usize) {
        Some(c) => *c += 1,
        None => bump_grown(counts, i),
    }
}

/// [`bump`] past the end of `counts`.
#[cold]
#[inline(never)]
fn bump_grown(counts: &mut Vec<u32>, i: u32) {
    if let Some(c) = slot(counts, i) {
        *c += 1;
    }
}

fn slot<T: Default>(v: &mut Vec<T>, i: u32) -> Option<&mut T> {
    let i = i as usize;
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    v.get_mut(i)
}

impl State {
    /// An empty state with the given settings.
    pub fn empty(settings: Settings) -> State {
        State {
            settings,
            units: Vec::new(),
            unit_ids: new_map(),
            tables: Vec::new(),
            table_ids: new_map(),
            rels: Vec::new(),
            roles: Vec::new(),
            role_ids: new_map(),
            users: Vec::new(),
            user_ids: crate::ids::IdMap::default(),
            teams: Vec::new(),
            team_ids: crate::ids::IdMap::default(),
            templates: Vec::new(),
            template_ids: new_map(),
            records: Records::default(),
            shares: new_map(),
            access_teams: new_map(),
            hierarchy: None,
            assertions: Vec::new(),
            tree: UnitTree::default(),
            user_teams: Vec::new(),
            reports: Vec::new(),
            user_hot: Vec::new(),
            owned_by_user: Vec::new(),
            owned_by_team: Vec::new(),
            by_unit: Vec::new(),
            by_table: Vec::new(),
            children: Children::default(),
            list_pos: Vec::new(),
            shared_with: new_map(),
            access_team_records: new_map(),
            grants: Vec::new(),
            table_grants: Vec::new(),
            dirty_grants: Vec::new(),
            dirty_tree: true,
            pending_members: None,
        }
    }

    // ------------------------------------------------------------------ lookups

    /// User by index.
    #[inline]
    pub fn user(&self, u: u32) -> Option<&UserRow> {
        self.users.get(u as usize)
    }
    /// Team by index.
    #[inline]
    pub fn team(&self, t: u32) -> Option<&TeamRow> {
        self.teams.get(t as usize)
    }
    /// Unit by index.
    #[inline]
    pub fn unit(&self, b: u32) -> Option<&UnitRow> {
        self.units.get(b as usize)
    }
    /// Unit id ("" when unknown).
    pub fn unit_id(&self, b: u32) -> &str {
        self.unit(b).map(|u| u.id.as_str()).unwrap_or("")
    }
    /// User id ("" when unknown).
    pub fn user_id(&self, u: u32) -> &str {
        self.user(u).map(|u| u.id.as_str()).unwrap_or("")
    }
    /// Team id ("" when unknown).
    pub fn team_id(&self, t: u32) -> &str {
        self.team(t).map(|t| t.id.as_str()).unwrap_or("")
    }
    /// Role id ("" when unknown).
    pub fn role_id(&self, r: u32) -> &str {
        self.roles
            .get(r as usize)
            .map(|r| r.id.as_str())
            .unwrap_or("")
    }
    /// Table name ("" when unknown).
    pub fn table_name(&self, t: u32) -> &str {
        self.tables
            .get(t as usize)
            .map(|t| t.name.as_str())
            .unwrap_or("")
    }
    /// Encoded principal -> `Principal`.
    pub fn principal(&self, p: u32) -> crate::model::Principal {
        match as_team(p) {
            Some(t) => crate::model::Principal::Team(self.team_id(t).to_string()),
            None => crate::model::Principal::User(self.user_id(p).to_string()),
        }
    }
    /// The unit of an encoded owner.
    pub fn owner_unit(&self, p: u32) -> u32 {
        if let Some(t) = as_team(p) {
            self.team(t).map(|t| t.unit).unwrap_or(NONE)
        } else {
            self.user(p).map(|u| u.unit).unwrap_or(NONE)
        }
    }
    /// Whether the user may sign in: enabled, and the unit and its ancestors enabled.
    #[inline(always)]
    pub fn user_enabled(&self, u: u32) -> bool {
        match self.user_hot.get(u as usize) {
            Some(h) => h.flags & SIGNS_IN != 0 && self.tree.is_active(h.unit),
            None => false,
        }
    }
    /// User `u`'s grants on `table`, folded ([`State::table_grants`]; none for an unknown
    /// user or table).
    #[inline(always)]
    pub fn user_table(&self, u: u32, table: u32) -> UserTable {
        let nt = self.tables.len();
        if (table as usize) < nt {
            let at = (u as usize)
                .saturating_mul(nt)
                .saturating_add(table as usize);
            if let Some(&x) = self.table_grants.get(at) {
                return x;
            }
        }
        self.user_table_made(u, table)
    }
    /// [`State::user_table`] made from the user's profile (the flat copy dropped; out of
    /// line: one copy of it in the module).
    #[inline(never)]
    fn user_table_made(&self, u: u32, table: u32) -> UserTable {
        if table as usize >= self.tables.len() {
            return UserTable::default();
        }
        self.grants
            .get(u as usize)
            .map(|g| UserTable::of(g, table))
            .unwrap_or_default()
    }
    /// Whether user `u` has direct reports.
    #[inline(always)]
    pub fn has_reports(&self, u: u32) -> bool {
        self.user_hot
            .get(u as usize)
            .is_some_and(|h| h.flags & HAS_REPORTS != 0)
    }
    /// Teams of a user (sorted).
    #[inline]
    pub fn teams_of(&self, u: u32) -> &[u32] {
        self.user_teams
            .get(u as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// Whether the user is a member of team `t`.
    #[inline]
    pub fn is_member(&self, u: u32, t: u32) -> bool {
        self.teams_of(u).binary_search(&t).is_ok()
    }
    /// Whether the encoded principal is the user or a team of the user.
    #[inline]
    pub fn names_user(&self, p: u32, u: u32) -> bool {
        match as_team(p) {
            Some(t) => self.is_member(u, t),
            None => p == u,
        }
    }
    /// Relationship through which record `r`'s table inherits from its parent table.
    pub fn parent_rel(&self, table: u32) -> Option<&RelRow> {
        let t = self.tables.get(table as usize)?;
        self.rels.get(t.parent_rel as usize)
    }
    /// Whether shares pass from `parent` to `child` (SPEC §4).
    pub fn inherits(&self, child: u32, parent: u32) -> bool {
        let Some(rel) = self.parent_rel(self.records.table(child)) else {
            return false;
        };
        match rel.share {
            CascadeScope::All => true,
            CascadeScope::Active => self.records.active(child),
            CascadeScope::UserOwned => {
                let o = self.records.owner(child);
                o != NONE && o == self.records.owner(parent)
            }
            CascadeScope::None => false,
        }
    }
    /// Shares of a record.
    #[inline]
    pub fn shares_of(&self, r: u32) -> &[ShareEntry] {
        self.shares_with(r, self.records.core(r).flags)
    }
    /// [`State::shares_of`] given the record's flags.
    #[inline]
    pub fn shares_with(&self, r: u32, flags: u8) -> &[ShareEntry] {
        if flags & SHARED == 0 {
            return &[];
        }
        self.shares.get(&r).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Access teams of a record.
    #[inline]
    pub fn access_teams_of(&self, r: u32) -> &[AccessTeamEntry] {
        self.access_teams_with(r, self.records.core(r).flags)
    }
    /// [`State::access_teams_of`] given the record's flags.
    #[inline]
    pub fn access_teams_with(&self, r: u32, flags: u8) -> &[AccessTeamEntry] {
        if flags & HAS_ACCESS_TEAMS == 0 {
            return &[];
        }
        self.access_teams.get(&r).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Template rights.
    pub fn template_rights(&self, t: u32) -> RightSet {
        self.templates
            .get(t as usize)
            .map(|t| t.rights)
            .unwrap_or_default()
    }
    /// Records owned by an encoded owner.
    pub fn owned_by(&self, p: u32) -> &[u32] {
        let v = match as_team(p) {
            Some(t) => self.owned_by_team.get(t as usize),
            None => self.owned_by_user.get(p as usize),
        };
        v.map(Vec::as_slice).unwrap_or(&[])
    }
    /// Whether the table has hierarchy security.
    #[inline]
    pub fn table_hierarchy(&self, table: u32) -> bool {
        self.tables.get(table as usize).is_some_and(|t| t.hierarchy)
    }
    /// Whether the table is organization-owned.
    pub fn org_owned(&self, table: u32) -> bool {
        self.tables
            .get(table as usize)
            .is_some_and(|t| t.ownership == Ownership::Organization)
    }
    /// Number of live records.
    pub fn live_records(&self) -> usize {
        self.by_table.iter().map(Vec::len).sum()
    }
    /// Distance from user `v` up to manager `m` (1 = direct), within `depth`.
    pub fn manager_distance(&self, m: u32, v: u32, depth: u32) -> Option<u32> {
        let mut cur = v;
        for d in 1..=depth {
            cur = self.user_hot.get(cur as usize)?.manager;
            if cur == NONE {
                return None;
            }
            if cur == m {
                return Some(d);
            }
        }
        None
    }

    // ------------------------------------------------------------------ primitives

    /// Set a record's owner and owning unit; returns the old pair.
    pub fn set_record_owner(&mut self, r: u32, owner: u32, unit: u32) -> (u32, u32) {
        let old = (self.records.owner(r), self.records.unit(r));
        let alive = self.records.alive(r);
        if alive {
            self.unlink_owner_unit(r, old.0, old.1);
        }
        self.records.write(r, |x| {
            x.owner = owner;
            x.unit = unit;
        });
        if alive {
            self.link_owner_unit(r, owner, unit);
        }
        old
    }

    fn unlink_owner_unit(&mut self, r: u32, owner: u32, unit: u32) {
        let list = match as_team(owner) {
            Some(t) => self.owned_by_team.get_mut(t as usize),
            None if owner != NONE => self.owned_by_user.get_mut(owner as usize),
            None => None,
        };
        if let Some(v) = list {
            list_remove(v, &mut self.list_pos, r, OWNER_LIST);
        }
        if let Some(v) = self.by_unit.get_mut(unit as usize) {
            list_remove(v, &mut self.list_pos, r, UNIT_LIST);
        }
    }

    fn link_owner_unit(&mut self, r: u32, owner: u32, unit: u32) {
        let list = match as_team(owner) {
            Some(t) => slot(&mut self.owned_by_team, t),
            None if owner != NONE => slot(&mut self.owned_by_user, owner),
            None => None,
        };
        if let Some(v) = list {
            list_push(v, &mut self.list_pos, r, OWNER_LIST);
        }
        if unit != NONE {
            if let Some(v) = slot(&mut self.by_unit, unit) {
                list_push(v, &mut self.list_pos, r, UNIT_LIST);
            }
        }
    }

    /// Set a record's parent; returns the old one.
    pub fn set_record_parent(&mut self, r: u32, parent: u32) -> u32 {
        let old = self.records.parent(r);
        if self.records.alive(r) {
            self.unlink_child(r, old);
            self.link_child(r, parent);
        }
        // the parent is not among the slot's fields: no slot write (one probe per record
        // at load otherwise)
        if let Some(x) = self.records.core.get_mut(r as usize) {
            x.parent = parent;
        }
        if parent != NONE && self.records.core(parent).flags & SHARING != 0 {
            self.mark_shared_above(r);
        }
        old
    }

    /// Give `r` and everything below it [`SHARED_ABOVE`] (see [`State::mark_below`]).
    fn mark_shared_above(&mut self, r: u32) {
        self.mark_below(vec![r]);
    }

    /// Give the records of `stack` and everything below them [`SHARED_ABOVE`], stopping at
    /// records that have it (the invariant says their subtrees have it too). Iterative:
    /// chains may be deep.
    /// (Returns the emptied stack, for reuse.)
    fn mark_below(&mut self, mut stack: Vec<u32>) -> Vec<u32> {
        while let Some(x) = stack.pop() {
            let flags = self.records.core(x).flags;
            if x as usize >= self.records.len() || flags & SHARED_ABOVE != 0 {
                continue;
            }
            let had = flags & SHARING != 0;
            self.records.write(x, |c| c.flags |= SHARED_ABOVE);
            if !had {
                if let Some(kids) = self.children.get(x) {
                    stack.extend_from_slice(kids);
                }
            }
        }
        stack
    }

    /// After `r` gained shares or access teams (or came back): its children get
    /// [`SHARED_ABOVE`]. `had` are its flags before; `0` forces the visit.
    fn mark_children_shared_above(&mut self, r: u32, had: u8) {
        if had & SHARING != 0 || self.records.core(r).flags & SHARING == 0 {
            return; // the children have it already, or there is nothing to pass on
        }
        let kids = self
            .children
            .get(r)
            .map(<[u32]>::to_vec)
            .unwrap_or_default();
        self.mark_below(kids);
    }

    fn unlink_child(&mut self, r: u32, parent: u32) {
        if parent == NONE {
            return;
        }
        if self.children.get(parent).is_some() {
            list_remove(
                self.children.list_mut(parent),
                &mut self.list_pos,
                r,
                CHILD_LIST,
            );
            self.children.tidy(parent);
        }
    }

    fn link_child(&mut self, r: u32, parent: u32) {
        if parent != NONE {
            list_push(
                self.children.list_mut(parent),
                &mut self.list_pos,
                r,
                CHILD_LIST,
            );
        }
    }

    /// Set a record's active flag; returns the old one.
    pub fn set_record_active(&mut self, r: u32, active: bool) -> bool {
        let old = self.records.active(r);
        self.set_flag(r, ACTIVE, active);
        old
    }

    /// Delete (`alive = false`) or restore a record slot; returns the old flag.
    pub fn set_record_alive(&mut self, r: u32, alive: bool) -> bool {
        let old = self.records.alive(r);
        if old == alive {
            return old;
        }
        let (owner, unit, parent, table) = (
            self.records.owner(r),
            self.records.unit(r),
            self.records.parent(r),
            self.records.table(r),
        );
        self.set_flag(r, ALIVE, alive);
        if alive {
            self.records.ids.index(r);
            self.records.sync_slot(r);
            self.link_owner_unit(r, owner, unit);
            self.link_child(r, parent);
            // sharing may have reached the parent (or this record) while it was deleted
            if parent != NONE && self.records.core(parent).flags & SHARING != 0 {
                self.mark_shared_above(r);
            }
            self.mark_children_shared_above(r, 0);
            if let Some(v) = slot(&mut self.by_table, table) {
                list_push(v, &mut self.list_pos, r, TABLE_LIST);
            }
        } else {
            self.records.ids.unindex(r);
            self.unlink_owner_unit(r, owner, unit);
            self.unlink_child(r, parent);
            if let Some(v) = self.by_table.get_mut(table as usize) {
                list_remove(v, &mut self.list_pos, r, TABLE_LIST);
            }
        }
        old
    }

    /// Append a new record; `None` when limits are exceeded.
    #[allow(clippy::too_many_arguments)]
    pub fn push_record(
        &mut self,
        id: &str,
        name: Option<&str>,
        table: u32,
        owner: u32,
        unit: u32,
        parent: u32,
        active: bool,
    ) -> Option<u32> {
        let r = self.records.ids.push(id)?;
        self.attach_record(r, name, table, owner, unit, parent, active)?;
        Some(r)
    }

    /// Give record `r`, whose id was just pushed to `records.ids`, its fields and index
    /// entries (the second half of [`State::push_record`]).
    #[allow(clippy::too_many_arguments)]
    pub fn attach_record(
        &mut self,
        r: u32,
        name: Option<&str>,
        table: u32,
        owner: u32,
        unit: u32,
        parent: u32,
        active: bool,
    ) -> Option<()> {
        let table16 = u16::try_from(table).ok()?;
        let name_at = match name {
            Some(n) => {
                let off = u32::try_from(self.records.names.len()).ok()?;
                let len = u32::try_from(n.len()).ok()?;
                self.records.names.push_str(n);
                (off, len)
            }
            None => (0, NONE),
        };
        self.records.name_at.push(name_at);
        let above = if parent != NONE && self.records.core(parent).flags & SHARING != 0 {
            SHARED_ABOVE
        } else {
            0
        };
        let core = RecordCore {
            owner,
            unit,
            parent,
            table: table16,
            flags: above | if active { ACTIVE | ALIVE } else { ALIVE },
        };
        self.records.core.push(core);
        self.records.sync_slot(r);
        if let Some(p) = slot(&mut self.list_pos, r) {
            *p = [NONE; 4];
        }
        self.link_owner_unit(r, owner, unit);
        self.link_child(r, parent);
        if let Some(v) = slot(&mut self.by_table, table) {
            list_push(v, &mut self.list_pos, r, TABLE_LIST);
        }
        Some(())
    }

    /// Link every record of `records.core` (all alive, none linked yet: a bulk load) into
    /// the owner, unit, table and children lists and [`State::list_pos`], in record order
    /// (the lists [`State::attach_record`] one by one and then [`State::set_record_parent`]
    /// would build), each list allocated once at its final size.
    pub fn link_loaded_records(&mut self) {
        let n = self.records.core.len();
        let mut kids: Vec<u32> = vec![0; n];
        let mut counts: [Vec<u32>; 4] = Default::default();
        // (the loops run in calls of `TIER` records: see there)
        for (lo, hi) in tiers(n) {
            if let Some(core) = self.records.core.get(lo..hi) {
                tier_count(core, &mut counts, &mut kids);
            }
        }
        // Each list is sized once; `at` is where its next record goes (written in place:
        // `opt-level = "z"` calls `Vec::push` out of line, three times per record).
        let [users, teams, units, tables] = &counts;
        let lists = [
            (&mut self.owned_by_user, users),
            (&mut self.owned_by_team, teams),
            (&mut self.by_unit, units),
            (&mut self.by_table, tables),
        ];
        let mut at: [Vec<u32>; 4] = Default::default();
        for ((lists, counts), at) in lists.into_iter().zip(&mut at) {
            if lists.len() < counts.len() {
                lists.resize_with(counts.len(), Vec::new);
            }
            for (v, &c) in lists.iter_mut().zip(counts) {
                at.push(v.len() as u32);
                v.resize(v.len() + c as usize, 0);
            }
        }
        self.list_pos.clear();
        self.list_pos.reserve(n);
        for (lo, hi) in tiers(n) {
            let lists = [
                &mut self.owned_by_user,
                &mut self.owned_by_team,
                &mut self.by_unit,
                &mut self.by_table,
            ];
            if let Some(core) = self.records.core.get(lo..hi) {
                tier_link(core, &mut self.list_pos, lists, &mut at, lo as u32);
            }
        }
        self.list_pos.resize(n, [NONE; 4]);
        // Children: the records with a parent grouped by parent (a counting sort), which
        // is the loaded part of `Children` as it is (no list or map entry per parent).
        let mut start: Vec<u32> = Vec::with_capacity(n + 1);
        let mut sum = 0u32;
        start.push(0);
        for &k in &kids {
            sum += k;
            start.push(sum);
        }
        let mut fill = kids;
        fill.iter_mut().zip(&start).for_each(|(f, &s)| *f = s);
        let mut grouped: Vec<u32> = vec![0; sum as usize];
        for (lo, hi) in tiers(n) {
            if let (Some(core), Some(pos)) =
                (self.records.core.get(lo..hi), self.list_pos.get_mut(lo..hi))
            {
                tier_group(core, pos, &start, &mut fill, &mut grouped, lo as u32);
            }
        }
        drop(fill);
        self.children.set_loaded(start, grouped);
    }

    /// Give loaded records (see [`State::link_loaded_records`]) their shares, one list per
    /// record (none empty, each record once): the lists, flags and sharee index
    /// [`State::set_shares`] would give them, without writing id slots (a bulk load fills
    /// them afterwards).
    pub fn set_loaded_shares(&mut self, lists: Vec<(u32, Vec<ShareEntry>)>) {
        self.shares.reserve(lists.len());
        // The records shared with each principal are gathered per user (at its index)
        // and team (after the users), each list allocated once at its length (pushed
        // into the map's lists, they grew and reallocated several times each).
        let users = self.users.len();
        let mut with: Vec<Vec<u32>> = {
            let mut counts = vec![0u32; users + self.teams.len()];
            // (in calls of `TIER` records: see there)
            for piece in lists.chunks(TIER) {
                tier_share_counts(piece, users, &mut counts);
            }
            counts
                .into_iter()
                .map(|c| Vec::with_capacity(c as usize))
                .collect()
        };
        let mut stack: Vec<u32> = Vec::new();
        let mut lists = lists.into_iter();
        while lists.len() > 0 {
            self.tier_shares(&mut lists, &mut stack, &mut with, users);
        }
        self.shared_with
            .reserve(with.iter().filter(|v| !v.is_empty()).count());
        for (k, v) in with.into_iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let p = match k.checked_sub(users) {
                Some(t) => team_principal(t as u32),
                None => user_principal(k as u32),
            };
            let list = self.shared_with.entry(p).or_default();
            if list.is_empty() {
                *list = v;
            } else {
                list.extend_from_slice(&v);
            }
        }
    }

    /// [`State::set_loaded_shares`] of the next [`TIER`] records of `lists`: the records
    /// shared with principal `p` go to `with[share_slot(p, users)]` (to the map when out
    /// of range).
    #[inline(never)]
    fn tier_shares(
        &mut self,
        lists: &mut std::vec::IntoIter<(u32, Vec<ShareEntry>)>,
        stack: &mut Vec<u32>,
        with: &mut [Vec<u32>],
        users: usize,
    ) {
        for (r, mut list) in lists.take(TIER) {
            list.sort_total();
            let had = self.records.core(r).flags;
            if let Some(c) = self.records.core.get_mut(r as usize) {
                c.flags |= SHARED;
            }
            // as `mark_children_shared_above` (without copying the children's list): a
            // record already sharing passed it on
            if had & SHARING == 0 {
                stack.extend_from_slice(self.children.get(r).unwrap_or(&[]));
                *stack = self.mark_below(std::mem::take(stack));
            }
            for s in &list {
                match with.get_mut(share_slot(s.principal, users)) {
                    Some(v) => v.push(r),
                    None => self.shared_with.entry(s.principal).or_default().push(r),
                }
            }
            self.shares.insert(r, list);
        }
    }

    /// Remove the last record slot (undo of a create).
    pub fn pop_record(&mut self) {
        let Some(last) = self.records.len().checked_sub(1) else {
            return;
        };
        let r = last as u32;
        self.set_shares(r, Vec::new());
        self.set_access_teams(r, Vec::new());
        self.set_record_alive(r, false);
        self.records.ids.pop();
        if let Some((off, len)) = self.records.name_at.pop() {
            if len != NONE {
                self.records.names.truncate(off as usize);
            }
        }
        self.records.core.pop();
        self.list_pos.truncate(self.records.core.len());
    }

    fn set_flag(&mut self, r: u32, flag: u8, on: bool) {
        self.records.write(r, |c| {
            if on {
                c.flags |= flag;
            } else {
                c.flags &= !flag;
            }
        });
    }

    /// Whether sharing may reach `r` (its own shares or access teams, or a record above
    /// it with some); when not, its share chain gives nothing.
    #[inline(always)]
    pub fn may_be_shared(&self, r: u32) -> bool {
        self.records.core(r).flags & SHARING != 0
    }

    /// Replace a record's shares; returns the old list.
    pub fn set_shares(&mut self, r: u32, mut list: Vec<ShareEntry>) -> Vec<ShareEntry> {
        list.sort_total();
        let had = self.records.core(r).flags;
        self.set_flag(r, SHARED, !list.is_empty());
        if !list.is_empty() {
            self.mark_children_shared_above(r, had);
        }
        let old = if list.is_empty() {
            self.shares.remove(&r).unwrap_or_default()
        } else {
            self.shares.insert(r, list.clone()).unwrap_or_default()
        };
        for s in &old {
            if let Some(v) = self.shared_with.get_mut(&s.principal) {
                remove_value(v, r);
            }
        }
        for s in &list {
            self.shared_with.entry(s.principal).or_default().push(r);
        }
        old
    }

    /// Replace a record's access teams; returns the old list.
    pub fn set_access_teams(
        &mut self,
        r: u32,
        mut list: Vec<AccessTeamEntry>,
    ) -> Vec<AccessTeamEntry> {
        list.sort_total();
        let had = self.records.core(r).flags;
        self.set_flag(r, HAS_ACCESS_TEAMS, !list.is_empty());
        if !list.is_empty() {
            self.mark_children_shared_above(r, had);
        }
        let old = if list.is_empty() {
            self.access_teams.remove(&r).unwrap_or_default()
        } else {
            self.access_teams
                .insert(r, list.clone())
                .unwrap_or_default()
        };
        for a in &old {
            for &m in &a.members {
                if let Some(v) = self.access_team_records.get_mut(&m) {
                    remove_value(v, r);
                }
            }
        }
        for a in &list {
            for &m in &a.members {
                let v = self.access_team_records.entry(m).or_default();
                if !v.contains(&r) {
                    v.push(r);
                }
            }
        }
        old
    }

    fn mark_dirty(&mut self, u: u32) {
        self.dirty_grants.push(u);
    }

    /// Replace (or append, when `u == users.len()`) a user row; returns the old row.
    pub fn set_user(&mut self, u: u32, row: UserRow) -> Option<UserRow> {
        let i = u as usize;
        let old = if i == self.users.len() {
            self.users.push(row.clone());
            slot(&mut self.user_teams, u);
            slot(&mut self.reports, u);
            slot(&mut self.owned_by_user, u);
            slot(&mut self.grants, u);
            None
        } else {
            let s = self.users.get_mut(i)?;
            Some(std::mem::replace(s, row.clone()))
        };
        let (old_alive, old_id, old_unit, old_mgr, old_member) = match &old {
            Some(o) => (
                o.alive,
                o.id.clone(),
                o.unit,
                o.manager,
                o.alive && !o.disabled,
            ),
            None => (false, String::new(), NONE, NONE, false),
        };
        // the id index changes only when the id or liveness does
        let same_id = old_alive && row.alive && old_id == row.id;
        if old_alive && !same_id {
            self.user_ids.remove(&old_id);
        }
        if row.alive && !same_id {
            self.user_ids.insert(row.id.clone(), u);
        }
        // manager links
        if old_mgr != NONE {
            if let Some(v) = self.reports.get_mut(old_mgr as usize) {
                remove_sorted(v, u);
            }
        }
        if row.manager != NONE && row.alive {
            if let Some(v) = slot(&mut self.reports, row.manager) {
                insert_sorted(v, u);
            }
        }
        // default team membership: enabled users of the unit
        let new_member = row.alive && !row.disabled;
        let old_default = self.unit(old_unit).map(|b| b.default_team).unwrap_or(NONE);
        let new_default = self.unit(row.unit).map(|b| b.default_team).unwrap_or(NONE);
        if old_member && old_default != NONE && (old_default != new_default || !new_member) {
            self.remove_member(old_default, u);
        }
        if new_member && new_default != NONE {
            self.add_member(new_default, u);
        }
        for x in [u, old_mgr, row.manager] {
            self.sync_user_hot(x);
        }
        self.mark_dirty(u);
        old
    }

    /// Copy user `u`'s row and report list into [`State::user_hot`].
    fn sync_user_hot(&mut self, u: u32) {
        let Some(row) = self.users.get(u as usize) else {
            return;
        };
        let reports = self.reports.get(u as usize).is_some_and(|v| !v.is_empty());
        let hot = UserHot {
            unit: row.unit,
            manager: row.manager,
            flags: if row.alive && !row.disabled {
                SIGNS_IN
            } else {
                0
            } | if reports { HAS_REPORTS } else { 0 },
        };
        if let Some(h) = slot(&mut self.user_hot, u) {
            *h = hot;
        }
    }

    fn add_member(&mut self, t: u32, u: u32) {
        if let Some(p) = &mut self.pending_members {
            p.push((t, u, true));
        } else if let Some(team) = self.teams.get_mut(t as usize) {
            insert_sorted(&mut team.members, u);
        }
        if let Some(v) = slot(&mut self.user_teams, u) {
            insert_sorted(v, t);
        }
        self.mark_dirty(u);
    }

    fn remove_member(&mut self, t: u32, u: u32) {
        if let Some(p) = &mut self.pending_members {
            p.push((t, u, false));
        } else if let Some(team) = self.teams.get_mut(t as usize) {
            remove_sorted(&mut team.members, u);
        }
        if let Some(v) = self.user_teams.get_mut(u as usize) {
            remove_sorted(v, t);
        }
        self.mark_dirty(u);
    }

    /// Hold default-team membership changes of [`State::set_user`] until
    /// [`State::flush_members`] (called by [`State::refresh`]). Team rows (`members`) are
    /// stale meanwhile; users' team lists are not. Only for runs of user changes that do not
    /// read team members (moving many users, reverting a log).
    pub fn defer_members(&mut self) {
        if self.pending_members.is_none() {
            self.pending_members = Some(Vec::new());
        }
    }

    /// Apply the held membership changes and stop holding them.
    pub fn flush_members(&mut self) {
        self.apply_pending_members();
        self.pending_members = None;
    }

    /// Apply the held membership changes (the last one per team and user wins), keeping
    /// the holding mode: one retain and one merge per team.
    fn apply_pending_members(&mut self) {
        let Some(p) = &mut self.pending_members else {
            return;
        };
        if p.is_empty() {
            return;
        }
        let list = std::mem::take(p);
        if list.len() <= 16 {
            for (t, u, add) in list {
                if let Some(team) = self.teams.get_mut(t as usize) {
                    if add {
                        insert_sorted(&mut team.members, u);
                    } else {
                        remove_sorted(&mut team.members, u);
                    }
                }
            }
            return;
        }
        // operations per team, in order; the few teams of a batch (a user leaving one
        // default team for another) are found without hashing through `recent`
        let mut groups: Vec<(u32, Vec<(u32, bool)>)> = Vec::new();
        let mut index: Map<u32, usize> = new_map();
        let mut recent: [(u32, usize); 2] = [(NONE, 0); 2];
        for (t, u, add) in list {
            let i = match recent.iter().find(|x| x.0 == t) {
                Some(&(_, i)) => i,
                None => {
                    let i = *index.entry(t).or_insert_with(|| {
                        groups.push((t, Vec::new()));
                        groups.len() - 1
                    });
                    recent = [(t, i), recent[0]];
                    i
                }
            };
            if let Some(g) = groups.get_mut(i) {
                g.1.push((u, add));
            }
        }
        // per user, the last operation of the team being applied: `base + 1` added,
        // `base + 2` removed (`base` grows by 3 per team, so one array serves every team)
        // (a popped user may be among them: sized by the operations, not `users`)
        let n = groups
            .iter()
            .flat_map(|g| g.1.iter())
            .map(|&(u, _)| u as usize + 1)
            .max()
            .unwrap_or(0);
        let mut last: Vec<u32> = vec![0; n];
        let mut base = 0u32;
        for (t, ops) in &groups {
            let Some(team) = self.teams.get_mut(*t as usize) else {
                continue;
            };
            let (added, removed) = (base + 1, base + 2);
            for &(u, add) in ops.iter() {
                if let Some(x) = last.get_mut(u as usize) {
                    *x = if add { added } else { removed };
                }
            }
            let state = |u: u32| last.get(u as usize).copied().unwrap_or(0);
            team.members.retain(|&m| state(m) != removed);
            let mut adds: Vec<u32> = ops
                .iter()
                .filter(|&&(u, add)| add && state(u) == added)
                .map(|&(u, _)| u)
                .collect();
            adds.sort_total();
            adds.dedup();
            if !adds.is_empty() {
                team.members = merge_sorted(&team.members, &adds);
            }
            base += 3;
        }
    }

    /// Remove the last user (undo of a create).
    pub fn pop_user(&mut self) {
        let Some(last) = self.users.len().checked_sub(1) else {
            return;
        };
        let u = last as u32;
        if let Some(mut row) = self.user(u).cloned() {
            row.alive = false;
            row.manager = NONE;
            self.set_user(u, row);
        }
        self.users.pop();
        self.user_hot.truncate(last);
        self.user_teams.truncate(last);
        self.reports.truncate(last);
        self.owned_by_user.truncate(last);
        self.grants.truncate(last);
        self.table_grants
            .truncate(last.saturating_mul(self.tables.len()));
        self.dirty_grants.retain(|&x| x != u);
    }

    /// Replace (or append) a team row; returns the old row.
    pub fn set_team(&mut self, t: u32, mut row: TeamRow) -> Option<TeamRow> {
        self.apply_pending_members();
        row.members.sort_total();
        row.members.dedup();
        let i = t as usize;
        let old = if i == self.teams.len() {
            self.teams.push(row.clone());
            slot(&mut self.owned_by_team, t);
            None
        } else {
            let s = self.teams.get_mut(i)?;
            Some(std::mem::replace(s, row.clone()))
        };
        let empty = Vec::new();
        let old_members = old.as_ref().map(|o| &o.members).unwrap_or(&empty).clone();
        if let Some(o) = &old {
            if o.alive {
                self.team_ids.remove(&o.id);
            }
        }
        if row.alive {
            self.team_ids.insert(row.id.clone(), t);
        }
        let (left, joined) = sorted_difference(&old_members, &row.members);
        for m in left {
            if let Some(v) = self.user_teams.get_mut(m as usize) {
                remove_sorted(v, t);
            }
            self.mark_dirty(m);
        }
        for m in joined {
            if let Some(v) = slot(&mut self.user_teams, m) {
                insert_sorted(v, t);
            }
            self.mark_dirty(m);
        }
        let grants_changed = old.as_ref().is_none_or(|o| {
            o.roles != row.roles
                || o.unit != row.unit
                || o.inheritance != row.inheritance
                || o.kind != row.kind
        });
        if grants_changed {
            for &m in &row.members {
                self.mark_dirty(m);
            }
        }
        old
    }

    /// Remove the last team (undo of a create).
    pub fn pop_team(&mut self) {
        let Some(last) = self.teams.len().checked_sub(1) else {
            return;
        };
        let t = last as u32;
        if let Some(mut row) = self.team(t).cloned() {
            row.alive = false;
            row.members.clear();
            self.set_team(t, row);
        }
        self.teams.pop();
        self.owned_by_team.truncate(last);
    }

    /// Replace (or append) a unit row; returns the old row.
    pub fn set_unit(&mut self, b: u32, row: UnitRow) -> Option<UnitRow> {
        let i = b as usize;
        let old = if i == self.units.len() {
            self.units.push(row.clone());
            slot(&mut self.by_unit, b);
            None
        } else {
            let s = self.units.get_mut(i)?;
            Some(std::mem::replace(s, row.clone()))
        };
        if let Some(o) = &old {
            if o.alive {
                self.unit_ids.remove(&o.id);
            }
        }
        if row.alive {
            self.unit_ids.insert(row.id.clone(), b);
        }
        self.dirty_tree = true;
        old
    }

    /// Remove the last unit (undo of a create).
    pub fn pop_unit(&mut self) {
        if let Some(row) = self.units.pop() {
            if row.alive {
                self.unit_ids.remove(&row.id);
            }
            self.by_unit.truncate(self.units.len());
            self.dirty_tree = true;
        }
    }

    /// Recompute what the primitives marked stale: the unit tree and users' grants.
    pub fn refresh(&mut self) {
        self.flush_members();
        if self.dirty_tree {
            let parent: Vec<u32> = self.units.iter().map(|u| u.parent).collect();
            let disabled: Vec<bool> = self.units.iter().map(|u| u.disabled).collect();
            let alive: Vec<bool> = self.units.iter().map(|u| u.alive).collect();
            self.tree = UnitTree::build(&parent, &disabled, &alive);
            self.dirty_tree = false;
        }
        if !self.dirty_grants.is_empty() {
            let mut dirty = std::mem::take(&mut self.dirty_grants);
            sort_dedup_indexes(&mut dirty);
            // Users with the same assignments (members of one big team) compile once (the
            // previous user's key is tried before the memo), and equal compiled grants share
            // one allocation (see `grants`).
            let mut memo: Map<crate::grants::GrantKey, Arc<UserGrants>> = new_map();
            let mut profiles: crate::map::Set<Arc<UserGrants>> = crate::map::Set::new();
            let mut prev: Option<(crate::grants::GrantKey, Arc<UserGrants>)> = None;
            for &u in &dirty {
                let key = crate::grants::grant_key(self, u);
                let shared = match &prev {
                    Some((k, g)) if *k == key => Arc::clone(g),
                    _ => {
                        let g = match memo.get(&key) {
                            Some(g) => Arc::clone(g),
                            None => {
                                let compiled = crate::grants::compile_key(self, &key);
                                let g = match profiles.get(&compiled) {
                                    Some(p) => Arc::clone(p),
                                    None => {
                                        let p = Arc::new(compiled);
                                        profiles.insert(Arc::clone(&p));
                                        p
                                    }
                                };
                                memo.insert(key.clone(), Arc::clone(&g));
                                g
                            }
                        };
                        prev = Some((key, Arc::clone(&g)));
                        g
                    }
                };
                if let Some(s) = slot(&mut self.grants, u) {
                    *s = shared;
                }
            }
            self.sync_table_grants(&dirty);
        }
    }

    /// Brings [`State::table_grants`] up to date after the grants of `dirty` were
    /// compiled: their rows are written (all rows when the array was empty), or the array
    /// is dropped when users × tables is over [`FLAT_GRANTS_MAX`].
    fn sync_table_grants(&mut self, dirty: &[u32]) {
        let nt = self.tables.len();
        let rows = self
            .users
            .len()
            .checked_mul(nt)
            .filter(|&n| n <= FLAT_GRANTS_MAX);
        let Some(rows) = rows else {
            self.table_grants = Vec::new();
            return;
        };
        let all: Vec<u32>;
        let users = if self.table_grants.is_empty() {
            all = (0..self.users.len() as u32).collect();
            &all
        } else {
            dirty
        };
        self.table_grants.resize(rows, UserTable::default());
        for &u in users {
            let Some(g) = self.grants.get(u as usize) else {
                continue;
            };
            let row = self.table_grants.iter_mut().skip(u as usize * nt).take(nt);
            for (t, x) in row.enumerate() {
                *x = UserTable::of(g, t as u32);
            }
        }
    }

    /// Recompile every user's grants (after a load).
    pub fn refresh_all(&mut self) {
        self.dirty_tree = true;
        self.dirty_grants = (0..self.users.len() as u32).collect();
        self.refresh();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::collections::HashMap as StdMap;

    fn hot(i: u32) -> Hot {
        Hot {
            owner: i.wrapping_mul(3),
            unit: i ^ 0x55,
            table: (i % 7) as u16,
            flags: (i % 32) as u8,
        }
    }

    /// Ids of every length around the inline limit, shared prefixes, unicode.
    fn id(n: u32) -> String {
        let len = (n % 40) as usize;
        let base = format!("é{n:x}-");
        base.chars().cycle().take(len.max(1)).collect::<String>() + &n.to_string()
    }

    /// Random pushes, deletions, restorations, pops and field writes against a plain map.
    #[test]
    fn interner_agrees_with_a_map() {
        let mut x: u64 = 11;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut ids = Interner::default();
        let mut model: StdMap<String, (u32, Hot)> = StdMap::new();
        let mut live: Vec<bool> = Vec::new();
        for step in 0..20_000u32 {
            match next() % 10 {
                0..=4 => {
                    let s = id((next() % 3_000) as u32);
                    let got = ids.push_new(&s).unwrap();
                    match model.get(&s) {
                        Some(&(i, _)) => assert_eq!(got, Err(i)),
                        None => {
                            let i = got.unwrap();
                            assert_eq!(i as usize, live.len());
                            ids.set_hot(i, hot(i));
                            model.insert(s, (i, hot(i)));
                            live.push(true);
                        }
                    }
                }
                5 if !live.is_empty() => {
                    let i = (next() % live.len() as u64) as u32;
                    let s = ids.get_str(i).to_string();
                    if live[i as usize] {
                        ids.unindex(i);
                        model.remove(&s);
                        live[i as usize] = false;
                    } else if let std::collections::hash_map::Entry::Vacant(e) = model.entry(s) {
                        ids.index(i);
                        ids.set_hot(i, hot(i + step));
                        e.insert((i, hot(i + step)));
                        live[i as usize] = true;
                    }
                }
                6 if !live.is_empty() => {
                    let i = (next() % live.len() as u64) as u32;
                    ids.set_hot(i, hot(step));
                    if live[i as usize] {
                        model.insert(ids.get_str(i).to_string(), (i, hot(step)));
                    }
                }
                7 if !live.is_empty() && next() % 4 == 0 => {
                    let i = live.len() as u32 - 1;
                    let s = ids.get_str(i).to_string();
                    ids.pop();
                    if live.pop() == Some(true) {
                        model.remove(&s);
                    }
                }
                _ => {
                    let s = id((next() % 3_000) as u32);
                    assert_eq!(ids.find_hot(&s), model.get(&s).copied(), "{s}");
                }
            }
        }
        for (s, &(i, h)) in &model {
            assert_eq!(ids.find_hot(s), Some((i, h)));
            assert_eq!(ids.get_str(i), s);
        }
        assert!(ids.find("").is_none());
        assert!(ids.find(&"x".repeat(5_000)).is_none());
    }

    /// A built table finds the first of equal strings with its fields, reports the others,
    /// and stays a working table (groups that wrap around the end included).
    #[test]
    fn build_agrees_with_a_map() {
        for n in (0u32..300).chain([1_000, 4_099]) {
            let mut text = String::new();
            let mut starts = Vec::new();
            let mut core = Vec::new();
            // the first strings have homes at the end of the table: their group wraps around
            let cap = Interner::cap_for(n as usize);
            let probe = Interner::default();
            let mut strs: Vec<String> = Vec::new();
            let mut last = (0..)
                .map(id)
                .filter(|s| Interner::home(probe.hash(s.as_bytes()), cap) + 3 >= cap);
            for i in 0..n {
                starts.push(text.len() as u32);
                // every fifth string repeats an earlier one
                let s = if i % 5 == 4 {
                    strs[(i as usize * 3 / 5) % i as usize].clone()
                } else if i < 8 {
                    last.next().unwrap()
                } else {
                    id(i + 100_000)
                };
                text.push_str(&s);
                strs.push(s);
                let h = hot(i);
                core.push(RecordCore {
                    owner: h.owner,
                    unit: h.unit,
                    parent: NONE,
                    table: h.table,
                    flags: h.flags,
                });
            }
            let (mut ids, dups, pos) = Interner::build(text, starts, &core);
            let mut model: StdMap<String, u32> = StdMap::new();
            let mut want = Vec::new();
            for i in 0..n {
                let s = ids.get_str(i).to_string();
                if let std::collections::hash_map::Entry::Vacant(e) = model.entry(s) {
                    e.insert(i);
                } else {
                    want.push(i);
                    assert_eq!(pos[i as usize], NONE, "n {n} i {i}");
                }
            }
            assert_eq!(dups, want, "n {n}");
            for (s, &i) in &model {
                assert_eq!(ids.find_hot(s), Some((i, hot(i))), "n {n} {s}");
                assert_eq!(ids.slots[pos[i as usize] as usize].idx, i);
            }
            for c in &mut core {
                c.flags |= SHARED;
            }
            ids.set_loaded_flags(&pos, &core);
            for &i in model.values() {
                assert_eq!(
                    ids.find_hot(ids.get_str(i)).unwrap().1.flags,
                    hot(i).flags | SHARED
                );
            }
            // still a table to push into and remove from
            for (i, (s, &j)) in model.iter().take(50).enumerate() {
                assert_eq!(ids.push_new(s).unwrap(), Err(j));
                let new = format!("new-{i}");
                let j = ids.push_new(&new).unwrap().unwrap();
                assert_eq!(ids.find(&new), Some(j));
            }
        }
    }

    #[test]
    fn slot_is_half_a_cache_line() {
        assert_eq!(std::mem::size_of::<Slot>(), 32);
        assert_eq!(std::mem::align_of::<Slot>(), 32);
    }
}
