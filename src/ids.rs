//! The user and team id indexes ([`IdMap`]): id → index in an open-addressing table whose
//! slots identify ids of up to 16 bytes by two words ([`key16`]), so a lookup is one
//! multiply-hash, one slot read and a two-word compare (no pointer to follow, no `memcmp`
//! or `memcpy` call); [`key16`] and [`hash16`] serve the record id table too.

/// Ids up to this many bytes live in their slot.
const INLINE: usize = 16;
/// `len` of a free slot.
const FREE: u32 = u32::MAX;
/// `len` of a removed entry (probing goes on past it).
const GONE: u32 = u32::MAX - 1;

#[derive(Clone, Copy)]
struct IdSlot {
    /// Byte length of the id, or [`FREE`] / [`GONE`].
    len: u32,
    value: u32,
    /// [`key16`] of a short id; (hash, 0) of a longer one.
    key: [u64; 2],
    /// Offset of the id's bytes in the arena.
    off: u32,
}

const FREE_SLOT: IdSlot = IdSlot {
    len: FREE,
    value: 0,
    key: [0; 2],
    off: 0,
};

/// A map from id strings to `u32` indexes (see the module docs), with the calls of the
/// hash map it replaces: `get`, `contains_key`, `insert`, `remove`, `len`.
#[derive(Clone)]
pub struct IdMap {
    slots: Vec<IdSlot>,
    /// Every id's bytes (a removed id's stay until the next rehash).
    text: String,
    live: usize,
    /// Live and removed entries (what the load factor counts).
    used: usize,
    hasher: FixedHasher,
}

impl Default for IdMap {
    fn default() -> Self {
        IdMap {
            slots: Vec::new(),
            text: String::new(),
            live: 0,
            used: 0,
            hasher: FixedHasher::with_seed(0x1d5),
        }
    }
}

impl std::fmt::Debug for IdMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdMap({} ids)", self.live)
    }
}

#[inline(always)]
fn read8(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

#[inline(always)]
fn read4(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// Two words that, with the length, identify a string of at most 16 bytes: its first and
/// last 8 bytes (overlapping), first and last 4, or first, middle and last byte. Built
/// from a few fixed-size loads, without a `memcpy` call.
#[inline(always)]
pub fn key16(b: &[u8]) -> [u64; 2] {
    let n = b.len();
    if n >= 8 {
        [read8(b, 0), read8(b, n - 8)]
    } else if n >= 4 {
        [read4(b, 0) | (read4(b, n - 4) << 32), 0]
    } else if n > 0 {
        let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
        [at(0) | (at(n / 2) << 8) | (at(n - 1) << 16), 0]
    } else {
        [0, 0]
    }
}

/// Hash of a short id from its [`key16`]: two 64-bit multiplies (no 128-bit product,
/// which wasm lacks), folded so that every input bit reaches the high bits that
/// the tables' multiply-shift home position reads.
#[inline(always)]
pub fn hash16(k: [u64; 2], len: usize) -> u64 {
    let a = (k[0] ^ 0x243f_6a88_85a3_08d3).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let b = (k[1] ^ 0x1319_8a2e_0370_7344 ^ len as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let x = a ^ b.rotate_left(32);
    x ^ (x >> 29)
}

/// The seeded hash of ids longer than [`INLINE`] bytes and of the maps' string keys
/// ([`crate::map`]): [`hash16`] chained over the bytes' 16-byte pieces (each a [`key16`]).
/// Fixed seeds, so iteration orders never leak randomness into outputs; the hashes live
/// only in memory (neither the snapshot nor the binary form holds one).
#[derive(Clone, Copy, Debug, Default)]
pub struct FixedHasher(u64);

impl FixedHasher {
    /// The hasher with this seed.
    pub const fn with_seed(seed: u64) -> FixedHasher {
        FixedHasher(seed)
    }

    /// The hash of `b`.
    #[inline]
    pub fn hash_one(&self, b: &[u8]) -> u64 {
        hash_bytes(self.0, b)
    }
}

/// [`FixedHasher`]'s hash of `bytes` under `seed` (one copy for every caller).
#[inline(never)]
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for piece in bytes.chunks(INLINE) {
        let k = key16(piece);
        h = hash16([k[0] ^ h, k[1]], piece.len());
    }
    h
}

/// Hash of an id, for [`IdMap`] and the record id table: [`hash16`] of its [`key16`] when
/// it is short, `hasher` over its bytes otherwise.
#[inline(always)]
pub fn hash_id(hasher: &FixedHasher, b: &[u8]) -> u64 {
    if b.len() <= INLINE {
        hash16(key16(b), b.len())
    } else {
        hasher.hash_one(b)
    }
}

impl IdMap {
    /// Number of ids.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there is no id.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    #[inline(always)]
    fn hash(&self, b: &[u8]) -> u64 {
        hash_id(&self.hasher, b)
    }

    #[inline(always)]
    fn home(h: u64, cap: usize) -> usize {
        let x = h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        ((x * cap as u64) >> 32) as usize
    }

    /// Position of `b` (hash `h`) and whether it is there; else the first reusable position.
    /// (One copy in the size-built wasm, inlined natively.)
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn probe(&self, h: u64, b: &[u8]) -> (usize, bool) {
        let slots = self.slots.as_slice();
        let cap = slots.len();
        let len = b.len() as u32;
        let short = b.len() <= INLINE;
        let key = if short { key16(b) } else { [h, 0] };
        let mut pos = Self::home(h, cap);
        let mut reuse = None;
        for _ in 0..cap {
            let Some(slot) = slots.get(pos) else { break };
            if slot.len == FREE {
                return (reuse.unwrap_or(pos), false);
            }
            if slot.len == GONE {
                reuse.get_or_insert(pos);
            } else if slot.len == len
                && (slot.key[0] ^ key[0]) | (slot.key[1] ^ key[1]) == 0
                && (short || self.id_of(slot).as_bytes() == b)
            {
                return (pos, true);
            }
            pos = if pos + 1 >= cap { 0 } else { pos + 1 };
        }
        (reuse.unwrap_or(usize::MAX), false)
    }

    /// The index of `id` (inlined into the check path natively; called on wasm, where the
    /// module is built for size).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn get(&self, id: &str) -> Option<&u32> {
        if self.slots.is_empty() {
            return None;
        }
        let b = id.as_bytes();
        match self.probe(self.hash(b), b) {
            (pos, true) => self.slots.get(pos).map(|s| &s.value),
            _ => None,
        }
    }

    /// Whether `id` is present.
    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Map `id` to `value`; returns the previous value.
    pub fn insert(&mut self, id: String, value: u32) -> Option<u32> {
        let b = id.as_bytes();
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.rehash((self.live + 1) * 2);
        }
        let h = self.hash(b);
        let (pos, found) = self.probe(h, b);
        if found {
            let slot = self.slots.get_mut(pos)?;
            return Some(std::mem::replace(&mut slot.value, value));
        }
        let key = if b.len() <= INLINE { key16(b) } else { [h, 0] };
        let Ok(off) = u32::try_from(self.text.len()) else {
            return None; // 4 GiB of ids: not reachable within the input limits
        };
        self.text.push_str(&id);
        if let Some(slot) = self.slots.get_mut(pos) {
            if slot.len == FREE {
                self.used += 1;
            }
            *slot = IdSlot {
                len: b.len() as u32,
                value,
                key,
                off,
            };
            self.live += 1;
        }
        None
    }

    /// Remove `id`; returns its value.
    pub fn remove(&mut self, id: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let b = id.as_bytes();
        let (pos, found) = self.probe(self.hash(b), b);
        if !found {
            return None;
        }
        let slot = self.slots.get_mut(pos)?;
        slot.len = GONE;
        self.live -= 1;
        Some(slot.value)
    }

    /// Every (id, value), in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.len < GONE)
            .map(|s| (self.id_of(s), s.value))
    }

    fn id_of(&self, s: &IdSlot) -> &str {
        let off = s.off as usize;
        self.text.get(off..off + s.len as usize).unwrap_or("")
    }

    /// Rebuild for `n` entries: removed entries and the bytes of removed long ids go.
    fn rehash(&mut self, n: usize) {
        let entries: Vec<(String, u32)> = self.iter().map(|(k, v)| (k.to_string(), v)).collect();
        self.slots = vec![FREE_SLOT; n.max(4) * 4 / 3 + 1];
        self.text.clear();
        self.live = 0;
        self.used = 0;
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn agrees_with_a_hash_map() {
        let mut m = IdMap::default();
        let mut r: HashMap<String, u32> = HashMap::new();
        let mut x = 12345u64;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 600) as usize;
            // lengths around the 16-byte limit, and some non-ASCII
            let id = match x % 4 {
                0 => format!("u{n}"),
                1 => format!("user-with-a-long-id-{n}"),
                2 => format!("é{n:014}"),
                _ => format!("{n:016}"),
            };
            if x % 3 == 0 {
                assert_eq!(m.remove(&id), r.remove(&id), "remove {id}");
            } else {
                assert_eq!(m.insert(id.clone(), i), r.insert(id, i));
            }
            assert_eq!(m.len(), r.len());
        }
        for (k, v) in &r {
            assert_eq!(m.get(k), Some(v));
        }
        assert_eq!(m.iter().count(), r.len());
        for (k, v) in m.iter() {
            assert_eq!(r.get(k), Some(&v));
        }
        assert_eq!(m.get("absent"), None);
        assert_eq!(m.get(""), None);
        assert!(IdMap::default().get("x").is_none());
    }
}
