//! Large flat tables in transparent huge pages: [`PageVec`], the storage of the id table.
//!
//! A check on a million-record org is one random access into a ~40 MB table. With 4 KiB
//! pages that access also misses the TLB (the table spans ten thousand pages), and the page
//! walk adds to the memory latency: 157–179 ns per dependent access over 42 MB on the
//! development machine, 140–146 ns with 2 MiB pages; 255 ns against 153–182 ns over
//! 400 MB (a 10M-record org). Linux gives a process huge pages for memory it asks for with
//! `madvise(MADV_HUGEPAGE)` when transparent huge pages are in `madvise` mode (the common
//! default) or `always`.
//!
//! On Linux a [`PageVec`] of at least [`MAPPED_BYTES`] is an anonymous mapping advised so
//! (through `memmap2`'s safe API; the crate itself has no `unsafe`), elsewhere — wasm
//! included — and for small tables a plain `Vec`. Either way it is a fixed-length slice of
//! plain-old-data elements; growing means building a new one.

use std::ops::{Deref, DerefMut};

/// Tables at least this large are mapped (smaller ones gain nothing from 2 MiB pages).
pub const MAPPED_BYTES: usize = 4 << 20;

/// Element types a [`PageVec`] holds: plain old data (any bit pattern, no padding).
#[cfg(target_os = "linux")]
pub trait Plain: bytemuck::Pod {}
#[cfg(target_os = "linux")]
impl<T: bytemuck::Pod> Plain for T {}
/// Element types a [`PageVec`] holds.
#[cfg(not(target_os = "linux"))]
pub trait Plain: Copy {}
#[cfg(not(target_os = "linux"))]
impl<T: Copy> Plain for T {}

/// A fixed-length table of `T`, in huge pages when large (see the module docs).
pub struct PageVec<T: Plain> {
    store: Store<T>,
}

enum Store<T> {
    Heap(Vec<T>),
    #[cfg(target_os = "linux")]
    Mapped(memmap2::MmapMut),
}

impl<T: Plain> PageVec<T> {
    /// `n` copies of `value`.
    pub fn filled(value: T, n: usize) -> PageVec<T> {
        #[cfg(target_os = "linux")]
        if let Some(bytes) = n.checked_mul(std::mem::size_of::<T>()) {
            if bytes >= MAPPED_BYTES && std::mem::align_of::<T>() <= 4096 {
                if let Ok(map) = memmap2::MmapMut::map_anon(bytes) {
                    // Advice before the first touch, so the pages are faulted in huge. A kernel
                    // without THP refuses the advice: the table still works, in small pages.
                    let _ = map.advise(memmap2::Advice::HugePage);
                    let mut v = PageVec {
                        store: Store::Mapped(map),
                    };
                    if v.len() == n {
                        v.fill(value);
                        return v;
                    }
                }
            }
        }
        PageVec {
            store: Store::Heap(vec![value; n]),
        }
    }

    /// Bytes held (for memory accounting).
    pub fn bytes(&self) -> usize {
        match &self.store {
            Store::Heap(v) => v.capacity() * std::mem::size_of::<T>(),
            #[cfg(target_os = "linux")]
            Store::Mapped(m) => m.len(),
        }
    }

    /// Whether the table lives in an advised mapping (huge pages when the kernel allows).
    pub fn is_mapped(&self) -> bool {
        !matches!(self.store, Store::Heap(_))
    }
}

impl<T: Plain> Deref for PageVec<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        match &self.store {
            Store::Heap(v) => v,
            // A page-aligned mapping of `n * size_of::<T>()` bytes always casts.
            #[cfg(target_os = "linux")]
            Store::Mapped(m) => bytemuck::try_cast_slice(m).unwrap_or(&[]),
        }
    }
}

impl<T: Plain> DerefMut for PageVec<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.store {
            Store::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Store::Mapped(m) => bytemuck::try_cast_slice_mut(m).unwrap_or(&mut []),
        }
    }
}

impl<T: Plain> Default for PageVec<T> {
    fn default() -> Self {
        PageVec {
            store: Store::Heap(Vec::new()),
        }
    }
}

impl<T: Plain> Clone for PageVec<T> {
    fn clone(&self) -> Self {
        match self.first() {
            Some(&x) => {
                let mut v = PageVec::filled(x, self.len());
                v.copy_from_slice(self);
                v
            }
            None => PageVec::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_tables_hold_what_is_written() {
        for n in [0usize, 3, MAPPED_BYTES / 8 + 5] {
            let mut v = PageVec::filled(7u64, n);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|&x| x == 7));
            if let Some(x) = v.last_mut() {
                *x = 9;
            }
            let c = v.clone();
            assert_eq!(&c[..], &v[..]);
            assert_eq!(
                c.is_mapped(),
                cfg!(target_os = "linux") && n * 8 >= MAPPED_BYTES
            );
            assert!(c.bytes() >= n * 8);
        }
    }
}
