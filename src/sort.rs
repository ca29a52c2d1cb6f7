//! Sorting for total orders: the standard library's sort natively; on wasm a small
//! heapsort (and a bounded heap for `keep_smallest`), because every element type and comparator instantiates the standard sort
//! again (several KB of code each, about 90 KB of the module in all).
//!
//! Only for comparisons under which equal elements are indistinguishable (whole values,
//! unique ids): the result is then the same whatever the algorithm, so native and wasm
//! agree byte for byte.

use std::cmp::Ordering;

/// `sort_total*`: sort a slice under a total order.
pub trait SortTotal<T> {
    /// Sort by `Ord`.
    fn sort_total(&mut self)
    where
        T: Ord;
    /// Sort by a comparator that is a total order on the elements.
    fn sort_total_by<F: FnMut(&T, &T) -> Ordering>(&mut self, f: F);
    /// Sort by a key that is unique among the elements (or whose ties are whole-value equal).
    fn sort_total_by_key<K: Ord, F: FnMut(&T) -> K>(&mut self, mut f: F) {
        self.sort_total_by(|a, b| f(a).cmp(&f(b)));
    }
}

impl<T> SortTotal<T> for [T] {
    fn sort_total(&mut self)
    where
        T: Ord,
    {
        self.sort_total_by(T::cmp);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sort_total_by<F: FnMut(&T, &T) -> Ordering>(&mut self, f: F) {
        self.sort_unstable_by(f);
    }

    #[cfg(target_arch = "wasm32")]
    fn sort_total_by<F: FnMut(&T, &T) -> Ordering>(&mut self, f: F) {
        heapsort(self, f);
    }
}

/// Sort indexes by their names, unique per index (users, records, units by id): one
/// instance for all such lists, the name looked up through `name`.
#[inline(never)]
pub fn sort_by_name<S>(st: &S, v: &mut [u32], name: fn(&S, u32) -> &str) {
    v.sort_total_by(|&a, &b| name(st, a).cmp(name(st, b)));
}

/// Keep the `n` smallest elements of `v`, sorted (all of them when there are fewer).
#[cfg(not(target_arch = "wasm32"))]
pub fn keep_smallest<T: Ord>(v: &mut Vec<T>, n: usize) {
    if v.len() > n {
        v.select_nth_unstable(n);
        v.truncate(n);
    }
    v.sort_unstable();
}

/// Keep the `n` smallest elements of `v`, sorted (all of them when there are fewer).
#[cfg(target_arch = "wasm32")]
pub fn keep_smallest<T: Ord>(v: &mut Vec<T>, n: usize) {
    keep_smallest_heap(v, n);
}

// The heaps work on indexes through one `&mut dyn Slots`, so their code exists once; each
// element type and comparator only instantiates `Slots` (compare two, swap two).

/// The elements being sorted, by index.
trait Slots {
    /// Whether element `i` is less than element `j`.
    fn less(&mut self, i: usize, j: usize) -> bool;
    fn swap(&mut self, i: usize, j: usize);
}

/// A slice and its comparator.
struct By<'a, T, F>(&'a mut [T], F);

impl<T, F: FnMut(&T, &T) -> Ordering> Slots for By<'_, T, F> {
    fn less(&mut self, i: usize, j: usize) -> bool {
        match (self.0.get(i), self.0.get(j)) {
            (Some(a), Some(b)) => (self.1)(a, b) == Ordering::Less,
            _ => false,
        }
    }
    fn swap(&mut self, i: usize, j: usize) {
        // (the heaps pass indexes below the length: no panic path per element type)
        let n = self.0.len();
        if i < n && j < n {
            self.0.swap(i, j);
        }
    }
}

/// `keep_smallest` on wasm: a max-heap of the `n` smallest seen so far, then a heapsort
/// (no `select_nth_unstable`, several KB of code on wasm).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn keep_smallest_heap<T: Ord>(v: &mut Vec<T>, n: usize) {
    let len = v.len();
    if len > n {
        keep_smallest_slots(&mut By(v.as_mut_slice(), T::cmp), len, n);
        v.truncate(n);
    }
    heapsort(v, T::cmp);
}

/// The heap of `keep_smallest_heap`: elements `0..n` end up the `n` smallest of `0..len`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn keep_smallest_slots(s: &mut dyn Slots, len: usize, n: usize) {
    for start in (0..n / 2).rev() {
        sift_down(s, start, n);
    }
    if n > 0 {
        for x in n..len {
            if s.less(x, 0) {
                s.swap(x, 0);
                sift_down(s, 0, n);
            }
        }
    }
}

/// In-place heapsort (O(n log n), no allocation, a few hundred bytes of code).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn heapsort<T, F: FnMut(&T, &T) -> Ordering>(v: &mut [T], f: F) {
    let n = v.len();
    heapsort_slots(&mut By(v, f), n);
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn heapsort_slots(s: &mut dyn Slots, n: usize) {
    // Most lists arrive sorted already (records in a canonical snapshot's order, ids
    // appended in order): one pass of n - 1 comparisons, in memory order, instead of
    // ~2 n log n at random (a million record ids for an export: about 1 s in wasm).
    if (1..n).all(|i| !s.less(i, i - 1)) {
        return;
    }
    for start in (0..n / 2).rev() {
        sift_down(s, start, n);
    }
    for end in (1..n).rev() {
        s.swap(0, end);
        sift_down(s, 0, end);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn sift_down(s: &mut dyn Slots, mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && s.less(child, child + 1) {
            child += 1;
        }
        if !s.less(root, child) {
            return;
        }
        s.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn heapsort_sorts_like_std() {
        let mut x: u64 = 7;
        for n in [0usize, 1, 2, 3, 10, 100, 1000] {
            let mut v: Vec<u32> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % 50) as u32
                })
                .collect();
            let mut w = v.clone();
            heapsort(&mut v, u32::cmp);
            w.sort_unstable();
            assert_eq!(v, w);
            // sorted input (the early exit), and sorted but for the last element
            heapsort(&mut v, u32::cmp);
            assert_eq!(v, w);
            let mut u = w.clone();
            u.push(0);
            heapsort(&mut u, u32::cmp);
            assert!(u.windows(2).all(|p| p[0] <= p[1]) && u.len() == w.len() + 1);
            let mut s: Vec<String> = w.iter().rev().map(|i| format!("id-{i}")).collect();
            s.sort_total();
            assert!(s.windows(2).all(|p| p[0] <= p[1]));
            for cap in [0usize, 1, 5, 64, 2000] {
                let mut k: Vec<u32> = v.iter().rev().copied().collect();
                let mut h = k.clone();
                keep_smallest(&mut k, cap);
                keep_smallest_heap(&mut h, cap);
                assert_eq!(k, w[..cap.min(w.len())]);
                assert_eq!(h, k);
            }
        }
    }
}
