//! The engine's hash map and set ([`Map`], [`Set`]): entries in a `Vec` in insertion order
//! (a removal moves the last entry into the hole), found through an open-addressing
//! [`Index`] whose table logic (probing, growth, backward-shift deletion) is not generic,
//! so each key and value type adds only the thin layer that hashes and compares keys.
//!
//! Hashing has a fixed seed ([`crate::ids::FixedHasher`] for bytes) and iteration follows the entries,
//! so no order ever depends on randomness.

use core::borrow::Borrow;
use core::hash::{Hash, Hasher};
use core::mem;

/// The 32 bits of a key's hash the index keeps (fixed seed: deterministic).
#[inline]
fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u32 {
    let mut h = KeyHasher(0x5eed);
    key.hash(&mut h);
    let x = h.0 ^ (h.0 >> 32);
    (x.wrapping_mul(MUL) >> 32) as u32
}

/// Odd multiplier (2^64 / golden ratio).
const MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// The keys' hasher: integers are mixed in with one multiply each (a key's `Hash` inlines
/// to a few instructions), strings and byte slices go through [`crate::ids::hash_bytes`], one
/// shared function. Its state is only a `u64`, so every key type's hashing stays small.
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0 = crate::ids::hash_bytes(self.0, bytes);
    }
    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.write_u64(u64::from(x));
    }
    #[inline]
    fn write_u16(&mut self, x: u16) {
        self.write_u64(u64::from(x));
    }
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x).wrapping_mul(MUL).rotate_left(26);
    }
    #[inline]
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A free slot's entry number.
const FREE: u32 = u32::MAX;

/// One slot of the index: an entry number and that entry's hash.
#[derive(Clone, Copy, Debug)]
struct Slot {
    entry: u32,
    hash: u32,
}

/// A free slot (all bits set, so that clearing the index is a `memset`).
const EMPTY: Slot = Slot {
    entry: FREE,
    hash: u32::MAX,
};

/// Linear-probing table from a hash to entry numbers. A power-of-two number of slots, at
/// most 3/4 of them used; knows nothing of keys (it works from the stored hashes).
#[derive(Clone, Debug, Default)]
struct Index {
    slots: Vec<Slot>,
}

/// The slot count for `n` entries: a power of two with `n` at most 3/4 of it.
fn slots_for(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    n.saturating_add(n / 3)
        .saturating_add(1)
        .max(8)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX / 2 + 1)
}

impl Index {
    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Place entry `entry` (the table then holds `entry + 1` entries) under `hash`.
    fn insert(&mut self, hash: u32, entry: u32) {
        let want = (entry as usize).saturating_add(1);
        if want.saturating_mul(4) > self.slots.len().saturating_mul(3) {
            self.resize(slots_for(want).max(self.slots.len().saturating_mul(2)));
        }
        self.place(Slot { entry, hash });
    }

    /// Put `s` in the first free slot of its probe sequence (there always is one).
    fn place(&mut self, s: Slot) {
        let mask = self.mask();
        let mut pos = s.hash as usize & mask;
        while let Some(slot) = self.slots.get_mut(pos) {
            if slot.entry == FREE {
                *slot = s;
                return;
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Rehash into `n` slots (a power of two, more than the entries need).
    fn resize(&mut self, n: usize) {
        let old = mem::replace(&mut self.slots, vec![EMPTY; n]);
        for s in old {
            if s.entry != FREE {
                self.place(s);
            }
        }
    }

    /// Make room for `n` entries without growing.
    fn reserve(&mut self, n: usize) {
        let n = slots_for(n);
        if n > self.slots.len() {
            self.resize(n);
        }
    }

    /// Free slot `hole`, shifting later slots of the probe run back so lookups still find them.
    fn erase(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(&s) = self.slots.get(j) else { return };
            if s.entry == FREE {
                break;
            }
            // `s` may move back to `hole` when `hole` lies between its home and `j`.
            let home = s.hash as usize & mask;
            if j.wrapping_sub(hole) & mask <= j.wrapping_sub(home) & mask {
                if let Some(h) = self.slots.get_mut(hole) {
                    *h = s;
                }
                hole = j;
            }
        }
        if let Some(h) = self.slots.get_mut(hole) {
            *h = EMPTY;
        }
    }

    /// The slot under `hash` holding entry `from` now holds entry `to`.
    fn repoint(&mut self, hash: u32, from: u32, to: u32) {
        let mask = self.mask();
        let mut pos = hash as usize & mask;
        while let Some(slot) = self.slots.get_mut(pos) {
            if slot.entry == from {
                slot.entry = to;
                return;
            }
            if slot.entry == FREE {
                return;
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Free the slot under `hash` holding entry `entry`.
    fn forget(&mut self, hash: u32, entry: u32) {
        let mask = self.mask();
        let mut pos = hash as usize & mask;
        while let Some(slot) = self.slots.get(pos) {
            if slot.entry == entry {
                self.erase(pos);
                return;
            }
            if slot.entry == FREE {
                return;
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Forget every entry, keeping the slots.
    fn clear(&mut self) {
        self.slots.fill(EMPTY);
    }
}

/// A hash map with the fixed hasher, iterated in insertion order (see the module doc).
#[derive(Clone)]
pub struct Map<K, V> {
    entries: Vec<(K, V)>,
    index: Index,
}

impl<K, V> Default for Map<K, V> {
    fn default() -> Self {
        Map::new()
    }
}

impl<K: core::fmt::Debug, V: core::fmt::Debug> core::fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V> Map<K, V> {
    /// An empty map (allocates nothing).
    pub const fn new() -> Self {
        Map {
            entries: Vec::new(),
            index: Index { slots: Vec::new() },
        }
    }

    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries fit before the index grows.
    pub fn capacity(&self) -> usize {
        self.index.slots.len() / 4 * 3
    }

    /// The entries in order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut(self.entries.iter_mut())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &K> + DoubleEndedIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &V> + DoubleEndedIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in order, mutable.
    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut V> + DoubleEndedIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The values in order, by value.
    pub fn into_values(self) -> impl ExactSizeIterator<Item = V> + DoubleEndedIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The keys in order, by value.
    pub fn into_keys(self) -> impl ExactSizeIterator<Item = K> + DoubleEndedIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    /// Take every entry out, in order.
    pub fn drain(&mut self) -> std::vec::Drain<'_, (K, V)> {
        self.index.clear();
        self.entries.drain(..)
    }
}

impl<K: Hash + Eq, V> Map<K, V> {
    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        let mut m = Map::new();
        m.reserve(n);
        m
    }

    /// Make room for `additional` more entries.
    pub fn reserve(&mut self, additional: usize) {
        let n = self.entries.len().saturating_add(additional);
        self.entries.reserve(additional);
        self.index.reserve(n);
    }

    /// Remove every entry, keeping the allocations. A table with few entries frees just
    /// their slots (a map cleared per user keeps the table its biggest user needed).
    pub fn clear(&mut self) {
        if self.entries.len().saturating_mul(8) < self.index.slots.len() {
            for (i, (k, _)) in self.entries.iter().enumerate() {
                self.index.forget(hash_of(k), i as u32);
            }
        } else {
            self.index.clear();
        }
        self.entries.clear();
    }

    /// `(slot, entry)` of `key`, whose hash is `hash`.
    #[inline]
    fn find<Q>(&self, hash: u32, key: &Q) -> Option<(usize, usize)>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mask = self.index.mask();
        let mut pos = hash as usize & mask;
        loop {
            let s = self.index.slots.get(pos)?;
            if s.entry == FREE {
                return None;
            }
            if s.hash == hash {
                let i = s.entry as usize;
                if self.entries.get(i).is_some_and(|(k, _)| k.borrow() == key) {
                    return Some((pos, i));
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    /// The entry number of `key`.
    #[inline]
    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.entries.is_empty() {
            return None;
        }
        self.find(hash_of(key), key).map(|(_, i)| i)
    }

    /// The value under `key`.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.position(key)?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The key and value under `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.position(key)?;
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The value under `key`, mutable.
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.position(key)?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.position(key).is_some()
    }

    /// Append an entry known to be new, under its hash.
    fn push(&mut self, hash: u32, key: K, value: V) -> usize {
        let i = self.entries.len();
        self.index.insert(hash, i as u32);
        self.entries.push((key, value));
        i
    }

    /// Set `key`'s value, returning the one it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = hash_of(&key);
        match self.find(hash, &key) {
            Some((_, i)) => self.entries.get_mut(i).map(|(_, v)| mem::replace(v, value)),
            None => {
                self.push(hash, key, value);
                None
            }
        }
    }

    /// Remove `key`, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Remove `key`, returning its entry. The last entry takes the removed one's place.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.entries.is_empty() {
            return None;
        }
        let (slot, i) = self.find(hash_of(key), key)?;
        Some(self.take(slot, i))
    }

    /// Remove entry `i`, found in slot `slot`.
    fn take(&mut self, slot: usize, i: usize) -> (K, V) {
        self.index.erase(slot);
        let last = self.entries.len().wrapping_sub(1);
        if i != last {
            if let Some((k, _)) = self.entries.last() {
                self.index.repoint(hash_of(k), last as u32, i as u32);
            }
        }
        self.entries.swap_remove(i)
    }

    /// Keep the entries `keep` accepts (in order).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before {
            self.index.clear();
            for (i, (k, _)) in self.entries.iter().enumerate() {
                self.index.place(Slot {
                    entry: i as u32,
                    hash: hash_of(k),
                });
            }
        }
    }

    /// The entry of `key`, to read, insert or update in place.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let hash = hash_of(&key);
        match self.find(hash, &key) {
            Some((slot, i)) => Entry::Occupied(OccupiedEntry { map: self, slot, i }),
            None => Entry::Vacant(VacantEntry {
                map: self,
                hash,
                key,
            }),
        }
    }
}

/// A place in a [`Map`], from [`Map::entry`].
pub enum Entry<'a, K, V> {
    /// The key has a value.
    Occupied(OccupiedEntry<'a, K, V>),
    /// The key has none.
    Vacant(VacantEntry<'a, K, V>),
}

/// An entry with a value.
pub struct OccupiedEntry<'a, K, V> {
    map: &'a mut Map<K, V>,
    slot: usize,
    i: usize,
}

/// An entry without a value.
pub struct VacantEntry<'a, K, V> {
    map: &'a mut Map<K, V>,
    hash: u32,
    key: K,
}

/// Entry `i` of `entries`, which the entry types know is there (they hold the map
/// borrowed, so the number stays valid).
#[allow(clippy::indexing_slicing)]
fn at<K, V>(entries: &[(K, V)], i: usize) -> &(K, V) {
    &entries[i]
}

/// [`at`], mutable.
#[allow(clippy::indexing_slicing)]
fn at_mut<K, V>(entries: &mut [(K, V)], i: usize) -> &mut (K, V) {
    &mut entries[i]
}

impl<'a, K: Hash + Eq, V> OccupiedEntry<'a, K, V> {
    /// The value.
    pub fn get(&self) -> &V {
        &at(&self.map.entries, self.i).1
    }

    /// The value, mutable.
    pub fn get_mut(&mut self) -> &mut V {
        &mut at_mut(&mut self.map.entries, self.i).1
    }

    /// The value, mutable, for as long as the map is borrowed.
    pub fn into_mut(self) -> &'a mut V {
        &mut at_mut(&mut self.map.entries, self.i).1
    }

    /// The key.
    pub fn key(&self) -> &K {
        &at(&self.map.entries, self.i).0
    }

    /// Replace the value, returning the old one.
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Remove the entry, returning its value.
    pub fn remove(self) -> V {
        self.map.take(self.slot, self.i).1
    }
}

impl<'a, K: Hash + Eq, V> VacantEntry<'a, K, V> {
    /// The key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Give the key `value`.
    pub fn insert(self, value: V) -> &'a mut V {
        let i = self.map.push(self.hash, self.key, value);
        &mut at_mut(&mut self.map.entries, i).1
    }
}

impl<'a, K: Hash + Eq, V> Entry<'a, K, V> {
    /// The value, inserting `value` first if there is none.
    pub fn or_insert(self, value: V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(value),
        }
    }

    /// The value, inserting `make()` first if there is none.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(make()),
        }
    }

    /// The value, inserting the default first if there is none.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Update the value, if there is one.
    pub fn and_modify(mut self, f: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(o) = &mut self {
            f(o.get_mut());
        }
        self
    }

    /// The key.
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(o) => o.key(),
            Entry::Vacant(v) => v.key(),
        }
    }
}

/// A [`Map`]'s entries in order.
#[derive(Clone)]
pub struct Iter<'a, K, V>(core::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

/// A [`Map`]'s entries in order, values mutable.
pub struct IterMut<'a, K, V>(core::slice::IterMut<'a, (K, V)>);

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IterMut<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a Map<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut Map<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K, V> IntoIterator for Map<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Hash + Eq, V> Extend<(K, V)> for Map<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, items: I) {
        let items = items.into_iter();
        self.reserve(items.size_hint().0);
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for Map<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut m = Map::new();
        m.extend(items);
        m
    }
}

impl<K: Hash + Eq, V: PartialEq> PartialEq for Map<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Hash + Eq, V: Eq> Eq for Map<K, V> {}

/// A hash set: a [`Map`] to `()`.
#[derive(Clone, Default)]
pub struct Set<T>(Map<T, ()>);

impl<T: core::fmt::Debug> core::fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T> Set<T> {
    /// An empty set (allocates nothing).
    pub const fn new() -> Self {
        Set(Map::new())
    }

    /// The number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The members in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + DoubleEndedIterator + Clone {
        self.0.keys()
    }
}

impl<T: Hash + Eq> Set<T> {
    /// An empty set with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        Set(Map::with_capacity(n))
    }

    /// Remove every member, keeping the allocations.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Make room for `additional` more members.
    pub fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    /// Add `value`; false when it was already there (the set keeps the old one).
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.entry(value) {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(());
                true
            }
        }
    }

    /// Whether `value` is a member.
    #[inline]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.contains_key(value)
    }

    /// The member equal to `value`.
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_key_value(value).map(|(k, _)| k)
    }

    /// Remove `value`; false when it was not there.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.remove(value).is_some()
    }

    /// Keep the members `keep` accepts (in order).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.0.retain(|k, _| keep(k));
    }
}

impl<'a, T> IntoIterator for &'a Set<T> {
    type Item = &'a T;
    type IntoIter = core::iter::Map<Iter<'a, T, ()>, fn((&'a T, &'a ())) -> &'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, _)| k)
    }
}

impl<T> IntoIterator for Set<T> {
    type Item = T;
    type IntoIter = core::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().map(|(k, _)| k)
    }
}

impl<T: Hash + Eq> Extend<T> for Set<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        let items = items.into_iter();
        self.reserve(items.size_hint().0);
        for t in items {
            self.insert(t);
        }
    }
}

impl<T: Hash + Eq> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut s = Set::new();
        s.extend(items);
        s
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::collections::HashMap as StdMap;

    /// Every entry is found through the index, and the index holds nothing else.
    fn check<K: Hash + Eq, V>(m: &Map<K, V>) {
        for (i, (k, _)) in m.entries.iter().enumerate() {
            assert_eq!(m.position(k), Some(i));
        }
        let used = m.index.slots.iter().filter(|s| s.entry != FREE).count();
        assert_eq!(used, m.len());
        assert!(m.len() * 4 <= m.index.slots.len() * 3);
    }

    #[test]
    fn insert_get_remove() {
        let mut m: Map<String, u32> = Map::new();
        assert_eq!(m.get("a"), None);
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.insert("b".into(), 2), None);
        assert_eq!(m.insert("a".into(), 3), Some(1));
        assert_eq!(m.get("a"), Some(&3));
        assert_eq!(m.len(), 2);
        *m.get_mut("b").unwrap() += 10;
        assert_eq!(m.get("b"), Some(&12));
        assert!(m.contains_key("b"));
        assert_eq!(m.remove("a"), Some(3));
        assert!(!m.contains_key("a"));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
        check(&m);
        m.clear();
        assert!(m.is_empty());
        assert_eq!(m.get("b"), None);
        check(&m);
        // a big table with few entries frees only their slots
        let mut m: Map<u32, u32> = (0..1000).map(|i| (i, i)).collect();
        m.clear();
        check(&m);
        for round in 0..3 {
            for i in 0..50 {
                m.insert(i * 31 + round, i);
            }
            check(&m);
            m.clear();
            check(&m);
        }
    }

    #[test]
    fn growth_keeps_order() {
        let mut m: Map<u32, u32> = Map::new();
        for i in 0..10_000 {
            m.insert(i * 7, i);
        }
        check(&m);
        assert!(m
            .iter()
            .enumerate()
            .all(|(i, (&k, &v))| k == i as u32 * 7 && v == i as u32));
        let w: Map<u32, u32> = Map::with_capacity(100);
        let slots = w.index.slots.len();
        let mut w = w;
        for i in 0..100 {
            w.insert(i, i);
        }
        assert_eq!(w.index.slots.len(), slots);
    }

    /// Keys that all land in one probe run, removed from its middle: the later ones shift
    /// back (including across the end of the table) and stay findable.
    #[test]
    fn backward_shift() {
        let mut m: Map<u32, u32> = Map::with_capacity(40);
        let mask = m.index.mask() as u32;
        let home = |k: &u32| hash_of(k) & mask;
        // keys whose home is the last slot or the one before it: their run wraps around
        let keys: Vec<u32> = (0..).filter(|k| home(k) >= mask - 1).take(12).collect();
        for &k in &keys {
            m.insert(k, k + 1);
        }
        check(&m);
        for (n, k) in keys.iter().enumerate().filter(|(n, _)| n % 3 == 1) {
            assert_eq!(m.remove(k), Some(k + 1), "{n}");
            check(&m);
        }
        for (n, k) in keys.iter().enumerate() {
            assert_eq!(m.get(k).copied(), (n % 3 != 1).then_some(k + 1));
        }
    }

    #[test]
    fn entry_and_retain() {
        let mut m: Map<u32, Vec<u32>> = Map::new();
        for i in 0..200 {
            m.entry(i % 17).or_default().push(i);
        }
        *m.entry(3).or_insert_with(|| vec![7]) = vec![1];
        assert_eq!(m.get(&3), Some(&vec![1]));
        match m.entry(99) {
            Entry::Vacant(v) => {
                v.insert(vec![99]);
            }
            Entry::Occupied(_) => unreachable!(),
        }
        match m.entry(99) {
            Entry::Occupied(o) => assert_eq!(o.remove(), vec![99]),
            Entry::Vacant(_) => unreachable!(),
        }
        assert_eq!(m.len(), 17);
        m.retain(|k, v| {
            v.push(0);
            k % 2 == 0
        });
        check(&m);
        assert_eq!(
            m.keys().copied().collect::<Vec<_>>(),
            (0..17).step_by(2).collect::<Vec<_>>()
        );
        assert!(m.values().all(|v| v.last() == Some(&0)));
        // removal moves the last entry into the hole
        m.remove(&2);
        assert_eq!(m.keys().copied().take(3).collect::<Vec<_>>(), [0, 16, 4]);
        check(&m);
        let s: Set<(u32, u32)> = [(1, 2), (3, 4), (1, 2)].into_iter().collect();
        assert_eq!(s.len(), 2);
        assert!(s.contains(&(3, 4)));
    }

    /// Mean distance of the entries from their home slots.
    fn displacement<K: Hash + Eq, V>(m: &Map<K, V>) -> f64 {
        let mask = m.index.mask();
        let total: usize = (m.index.slots.iter().enumerate())
            .filter(|(_, s)| s.entry != FREE)
            .map(|(pos, s)| pos.wrapping_sub(s.hash as usize & mask) & mask)
            .sum();
        total as f64 / m.len() as f64
    }

    /// The engine's typical keys (dense ids, tuples of small ids, ids as strings) spread
    /// over the slots about as well as random ones would.
    #[test]
    fn keys_spread() {
        for n in [1000, 3000, 6000, 100_000] {
            let ids: Map<u32, ()> = (0..n).map(|i| (i, ())).collect();
            let teams: Map<u32, ()> = (0..n).map(|i| (i | 1 << 31, ())).collect();
            let triples: Map<(u32, u32, u32), ()> =
                (0..n).map(|i| ((i % 7, i / 7 % 13, i / 91), ())).collect();
            let pairs: Map<(u32, u32), ()> = (0..n).map(|i| ((i % 100, i / 100), ())).collect();
            let names: Map<String, ()> = (0..n).map(|i| (format!("user-{i:06}"), ())).collect();
            let wide: Map<u128, ()> = (0..n).map(|i| (u128::from(i) << 64 | 7, ())).collect();
            for (what, d) in [
                ("ids", displacement(&ids)),
                ("teams", displacement(&teams)),
                ("triples", displacement(&triples)),
                ("pairs", displacement(&pairs)),
                ("names", displacement(&names)),
                ("wide", displacement(&wide)),
            ] {
                assert!(d < 2.0, "{what} {n}: {d}");
            }
        }
    }

    /// A random mix of operations, against std's map.
    #[test]
    fn against_std() {
        let mut x: u64 = 0x1234_5678;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut m: Map<u64, u64> = Map::new();
        let mut s: StdMap<u64, u64> = StdMap::new();
        for round in 0..60_000 {
            let r = next();
            // few distinct keys so that removals and replacements hit
            let k = r % 2048;
            match (r >> 32) % 10 {
                0..=3 => assert_eq!(m.insert(k, round), s.insert(k, round)),
                4..=6 => assert_eq!(m.remove(&k), s.remove(&k)),
                7 => assert_eq!(m.get(&k), s.get(&k)),
                8 => {
                    *m.entry(k).or_insert(0) += 1;
                    *s.entry(k).or_insert(0) += 1;
                }
                _ if round % 997 == 0 => {
                    m.retain(|k, _| k % 3 != 0);
                    s.retain(|k, _| k % 3 != 0);
                }
                _ => assert_eq!(m.contains_key(&k), s.contains_key(&k)),
            }
            if round % 5000 == 0 {
                check(&m);
            }
        }
        check(&m);
        assert_eq!(m.len(), s.len());
        let mut a: Vec<_> = m.iter().map(|(&k, &v)| (k, v)).collect();
        let mut b: Vec<_> = s.into_iter().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
