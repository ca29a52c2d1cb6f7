//! Role-depth reach counted by business unit, for `simulate` (SPEC §6).
//!
//! Apart from ownership, sharing and hierarchy (which reach a small, enumerable set of
//! records per user), a user's right `x` on table `t` reaches every record of `t` whose
//! owning unit is in one set: the anchors of its local grants, the subtrees of its deep
//! grants, every unit for a global grant (every record for an organization-owned table).
//! That set is a [`Cov`]; the records it reaches are counted from per-(unit, table) record
//! counts ([`Base`]) instead of being enumerated one by one.

use crate::access::{Level, Right};
use crate::sort::SortTotal;
use crate::state::{new_map, Map, State, NONE};

/// Sentinel unit of a record that does not exist in a state.
pub const DEAD: u32 = NONE - 1;

/// The units whose records a right reaches by role depth.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cov {
    /// Every record of the table (global grant, or any grant on an organization-owned table).
    pub all: bool,
    /// Unit bitset (unit index -> bit).
    pub bits: Vec<u64>,
}

impl Cov {
    /// Whether a record of this unit (`NONE` for organization-owned, [`DEAD`] for deleted or
    /// not yet created) is reached.
    #[inline]
    pub fn covers(&self, unit: u32) -> bool {
        if unit == DEAD {
            return false;
        }
        self.all || (unit != NONE && bit(&self.bits, unit))
    }
}

#[inline]
fn bit(bits: &[u64], b: u32) -> bool {
    bits.get((b / 64) as usize)
        .is_some_and(|w| w & (1u64 << (b % 64)) != 0)
}

fn set_bit(bits: &mut Vec<u64>, b: u32) {
    let w = (b / 64) as usize;
    if bits.len() <= w {
        bits.resize(w + 1, 0);
    }
    if let Some(x) = bits.get_mut(w) {
        *x |= 1u64 << (b % 64);
    }
}

/// Units reached by `a` and not by `b` (ascending), among units `0..n_units`; and whether
/// records without a unit (organization-owned) are among them.
pub fn difference(a: &Cov, b: &Cov, n_units: usize, out: &mut Vec<u32>) -> bool {
    out.clear();
    if b.all || (!a.all && a.bits.iter().all(|&w| w == 0)) {
        return false;
    }
    let words = if a.all {
        n_units.div_ceil(64)
    } else {
        a.bits.len()
    };
    for w in 0..words {
        let wa = if a.all {
            u64::MAX
        } else {
            a.bits.get(w).copied().unwrap_or(0)
        };
        let mut x = wa & !b.bits.get(w).copied().unwrap_or(0);
        while x != 0 {
            let i = x.trailing_zeros();
            let unit = (w * 64) as u32 + i;
            if (unit as usize) < n_units {
                out.push(unit);
            }
            x &= x - 1;
        }
    }
    a.all
}

/// Signature of the depth grants of one (table, right) slot.
type Signature = Vec<(Level, u32)>;

/// The coverages of one state, interned: id 0 reaches nothing, id 1 everything.
pub struct CovPool {
    covs: Vec<Cov>,
    ids: Map<Signature, u32>,
    single: Map<(Level, u32), Vec<u64>>,
    /// Units in pre-order.
    pre: Vec<u32>,
}

impl CovPool {
    /// An empty pool for the units of `st`.
    pub fn new(st: &State) -> CovPool {
        let mut pre: Vec<u32> = (0..st.units.len() as u32)
            .filter(|&b| st.unit(b).is_some_and(|u| u.alive))
            .collect();
        // Pre-order positions are distinct; the unit index breaks ties should one be missing.
        pre.sort_total_by_key(|&b| (st.tree.pre.get(b as usize).copied().unwrap_or(u32::MAX), b));
        CovPool {
            covs: vec![
                Cov::default(),
                Cov {
                    all: true,
                    bits: Vec::new(),
                },
            ],
            ids: new_map(),
            single: new_map(),
            pre,
        }
    }

    /// The coverage with this id.
    pub fn get(&self, id: u32) -> &Cov {
        static EMPTY: Cov = Cov {
            all: false,
            bits: Vec::new(),
        };
        self.covs.get(id as usize).unwrap_or(&EMPTY)
    }

    fn grant_bits(&mut self, st: &State, level: Level, anchor: u32) -> Vec<u64> {
        if let Some(b) = self.single.get(&(level, anchor)) {
            return b.clone();
        }
        let mut bits = Vec::new();
        if level == Level::Local {
            set_bit(&mut bits, anchor);
        } else if let (Some(&lo), Some(&hi)) = (
            st.tree.pre.get(anchor as usize),
            st.tree.post.get(anchor as usize),
        ) {
            for &b in self.pre.get(lo as usize..=hi as usize).unwrap_or(&[]) {
                set_bit(&mut bits, b);
            }
        }
        self.single.insert((level, anchor), bits.clone());
        bits
    }

    fn intern(&mut self, st: &State, sig: Signature) -> u32 {
        if let Some(&id) = self.ids.get(&sig) {
            return id;
        }
        let mut bits: Vec<u64> = Vec::new();
        for &(level, anchor) in &sig {
            let b = self.grant_bits(st, level, anchor);
            if bits.len() < b.len() {
                bits.resize(b.len(), 0);
            }
            for (x, y) in bits.iter_mut().zip(&b) {
                *x |= y;
            }
        }
        let id = self.covs.len() as u32;
        self.covs.push(Cov { all: false, bits });
        self.ids.insert(sig, id);
        id
    }

    /// Per (table, right) slot (`table * 8 + right`), the coverage id of user `u`'s grants.
    pub fn user_slots(&mut self, st: &State, u: u32) -> Vec<u32> {
        let ntables = st.tables.len();
        let mut out = vec![0u32; ntables * 8];
        if (u as usize) >= st.users.len() || !st.user_enabled(u) {
            return out;
        }
        let Some(g) = st.grants.get(u as usize) else {
            return out;
        };
        let mut sig: Signature = Vec::new();
        for t in 0..ntables as u32 {
            let org = st.org_owned(t);
            for right in Right::ALL {
                let gs = g.get(t, right);
                if gs.is_empty() {
                    continue;
                }
                let slot = t as usize * 8 + right.index();
                if org || gs.iter().any(|x| x.level == Level::Global) {
                    if let Some(s) = out.get_mut(slot) {
                        *s = 1;
                    }
                    continue;
                }
                sig.clear();
                sig.extend(
                    gs.iter()
                        .filter(|x| matches!(x.level, Level::Local | Level::Deep))
                        .map(|x| (x.level, x.anchor)),
                );
                if sig.is_empty() {
                    continue;
                }
                sig.sort_total();
                sig.dedup();
                let id = self.intern(st, sig.clone());
                if let Some(s) = out.get_mut(slot) {
                    *s = id;
                }
            }
        }
        out
    }
}

/// The lowest record indexes of a set, at most `cap` (ascending after [`Low::finish`]).
#[derive(Debug, Clone)]
pub struct Low {
    v: Vec<u32>,
    cap: usize,
    full_max: Option<u32>,
}

/// Candidates kept per (user, table, right) before the ids are sorted.
pub const LOW_CAP: usize = crate::impact::SAMPLE;

impl Default for Low {
    fn default() -> Low {
        Low::new(LOW_CAP)
    }
}

impl Low {
    /// Keep the `cap` lowest.
    pub fn new(cap: usize) -> Low {
        Low {
            v: Vec::new(),
            cap: cap.max(1),
            full_max: None,
        }
    }

    /// Offer `r`; `false` when `r` (and so anything larger) cannot enter.
    #[inline]
    pub fn push(&mut self, r: u32) -> bool {
        if self.full_max.is_some_and(|m| r >= m) {
            return false;
        }
        if self.v.capacity() == 0 {
            self.reserve();
        }
        self.v.push(r);
        if self.v.len() >= self.cap * 4 {
            self.compact();
        }
        true
    }

    /// One allocation for the whole life of the set (it compacts at this length).
    #[cold]
    fn reserve(&mut self) {
        self.v.reserve_exact(self.cap * 4);
    }

    fn compact(&mut self) {
        self.v.sort_total();
        self.v.dedup();
        self.v.truncate(self.cap);
        if self.v.len() == self.cap {
            self.full_max = self.v.last().copied();
        }
    }

    /// Offer an ascending list, stopping at the first that cannot enter.
    pub fn extend_sorted(&mut self, rs: &[u32], skip: impl Fn(u32) -> bool) {
        for &r in rs {
            if skip(r) {
                continue;
            }
            if !self.push(r) {
                break;
            }
        }
    }

    /// Offer an ascending list but the members of ascending `except`, stopping at the first
    /// that cannot enter (one merge pass instead of a search per record).
    pub fn extend_sorted_except(&mut self, rs: &[u32], except: &[u32]) {
        let mut ex = except.iter().copied().peekable();
        for &r in rs {
            while ex.next_if(|&x| x < r).is_some() {}
            if ex.peek() == Some(&r) {
                continue;
            }
            if !self.push(r) {
                break;
            }
        }
    }

    /// Merge another set in.
    pub fn merge(&mut self, other: &Low) {
        for &r in &other.v {
            self.push(r);
        }
    }

    /// The lowest indexes, ascending.
    pub fn finish(mut self) -> Vec<u32> {
        self.compact();
        self.v
    }

    /// Candidates held (at least `cap` once that many were offered).
    pub fn len(&self) -> usize {
        self.v.len()
    }

    /// Whether nothing was offered.
    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }
}

/// Records of one (unit, table) that the changeset does not touch.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// How many.
    pub count: usize,
    /// The lowest indexes (at most `2 * LOW_CAP`), ascending.
    pub low: Vec<u32>,
}

/// Untouched records counted per (unit, table) in the before state, computed per unit on
/// first use (untouched records have the same unit in both states).
pub struct Base {
    touched: Vec<u64>,
    /// Per table: untouched live records.
    untouched: Vec<usize>,
    units: Vec<Option<Vec<Group>>>,
    /// Every unit counted.
    complete: bool,
    /// Records scanned so far by unit-by-unit counting.
    scanned: usize,
    none: Option<Vec<Group>>,
    ntables: usize,
}

fn keep_low(v: &mut Vec<u32>) {
    let cap = 2 * LOW_CAP;
    crate::sort::keep_smallest(v, cap);
}

impl Base {
    /// For `st` (the before state), with `tr` the touched records.
    pub fn new(st: &State, tr: &[u32]) -> Base {
        let mut touched = vec![0u64; st.records.len().div_ceil(64)];
        for &r in tr {
            if let Some(w) = touched.get_mut((r / 64) as usize) {
                *w |= 1u64 << (r % 64);
            }
        }
        let mut untouched: Vec<usize> = st.by_table.iter().map(Vec::len).collect();
        for &r in tr {
            if (r as usize) < st.records.len() && st.records.alive(r) {
                if let Some(n) = untouched.get_mut(st.records.table(r) as usize) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        Base {
            touched,
            untouched,
            units: Vec::new(),
            complete: false,
            scanned: 0,
            none: None,
            ntables: st.tables.len(),
        }
    }

    /// Untouched live records of `table`.
    pub fn untouched(&self, table: u32) -> usize {
        self.untouched.get(table as usize).copied().unwrap_or(0)
    }

    fn is_touched(&self, r: u32) -> bool {
        bit(&self.touched, r)
    }

    fn build(&self, st: &State, records: &[u32], want_none: bool) -> Vec<Group> {
        let mut per: Vec<Vec<u32>> = vec![Vec::new(); self.ntables];
        let mut counts = vec![0usize; self.ntables];
        for &r in records {
            if self.is_touched(r) || !st.records.alive(r) {
                continue;
            }
            if want_none && st.records.unit(r) != NONE {
                continue;
            }
            let t = st.records.table(r) as usize;
            if let (Some(v), Some(c)) = (per.get_mut(t), counts.get_mut(t)) {
                *c += 1;
                v.push(r);
                if v.len() > 8 * LOW_CAP {
                    keep_low(v);
                }
            }
        }
        per.into_iter()
            .zip(counts)
            .map(|(mut low, count)| {
                keep_low(&mut low);
                Group { count, low }
            })
            .collect()
    }

    /// Make sure `units` are counted: unit by unit when they hold few records, else every
    /// unit in one sequential pass over the records (cheaper than visiting most units' lists).
    pub fn prepare(&mut self, st: &State, units: &[u32]) {
        if self.complete {
            return;
        }
        let missing: usize = units
            .iter()
            .filter(|&&b| self.units.get(b as usize).is_none_or(Option::is_none))
            .map(|&b| st.by_unit.get(b as usize).map_or(0, Vec::len))
            .sum();
        if missing <= st.records.len() / 8 {
            return;
        }
        self.count_all(st);
    }

    /// Count every unit in one sequential pass over the records.
    fn count_all(&mut self, st: &State) {
        let n_units = st.units.len();
        let cap = 2 * LOW_CAP;
        let cells = n_units * self.ntables;
        let mut counts = vec![0usize; cells];
        // the lowest records of each (unit, table), `cap` slots per cell (one buffer)
        let mut lows = vec![0u32; cells * cap];
        for r in 0..st.records.len() as u32 {
            let c = st.records.core(r);
            if c.flags & crate::state::ALIVE == 0 || c.unit == NONE || self.is_touched(r) {
                continue;
            }
            let i = c.unit as usize * self.ntables + usize::from(c.table);
            if let Some(n) = counts.get_mut(i) {
                if *n < cap {
                    if let Some(x) = lows.get_mut(i * cap + *n) {
                        *x = r;
                    }
                }
                *n += 1;
            }
        }
        let nt = self.ntables.max(1);
        self.units = counts
            .chunks(nt)
            .zip(lows.chunks(nt * cap))
            .map(|(c, l)| {
                Some(
                    c.iter()
                        .zip(l.chunks(cap))
                        .map(|(&count, low)| Group {
                            count,
                            low: low.get(..count.min(cap)).unwrap_or(&[]).to_vec(),
                        })
                        .collect(),
                )
            })
            .collect();
        self.complete = true;
    }

    /// Untouched records of `unit` (`NONE`: records without a unit) and `table`.
    pub fn group(&mut self, st: &State, unit: u32, table: u32) -> Option<&Group> {
        if unit == NONE {
            if self.none.is_none() {
                let mut all = Vec::new();
                for t in 0..self.ntables as u32 {
                    if st.org_owned(t) {
                        all.extend_from_slice(st.by_table.get(t as usize).map_or(&[][..], |v| v));
                    }
                }
                self.none = Some(self.build(st, &all, true));
            }
            return self.none.as_ref()?.get(table as usize);
        }
        let i = unit as usize;
        if self.units.len() <= i {
            self.units.resize(i + 1, None);
        }
        if !self.complete && self.units.get(i).is_some_and(Option::is_none) {
            let list = st.by_unit.get(i).map_or(&[][..], |v| v);
            // units asked for one by one add up: past an eighth of the records, one
            // sequential pass over all of them is cheaper than more scattered unit lists
            self.scanned += list.len();
            if self.scanned > st.records.len() / 8 {
                self.count_all(st);
                return self.units.get(i)?.as_ref()?.get(table as usize);
            }
            let g = self.build(st, list, false);
            if let Some(s) = self.units.get_mut(i) {
                *s = Some(g);
            }
        }
        self.units.get(i)?.as_ref()?.get(table as usize)
    }

    /// Every untouched record of `unit` and `table` (slow path for samples).
    pub fn scan(&self, st: &State, unit: u32, table: u32, out: &mut Vec<u32>) {
        let list: &[u32] = if unit == NONE {
            st.by_table.get(table as usize).map_or(&[][..], |v| v)
        } else {
            st.by_unit.get(unit as usize).map_or(&[][..], |v| v)
        };
        out.extend(list.iter().copied().filter(|&r| {
            !self.is_touched(r)
                && st.records.alive(r)
                && st.records.table(r) == table
                && st.records.unit(r) == unit
        }));
    }
}
