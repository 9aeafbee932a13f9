//! Large working arrays.
//!
//! A fresh multi-megabyte array costs one page fault per 4 KiB page on first touch; for the
//! pairwise matrices that is a sizeable share of the run time (about 2 µs per fault here, 16 000
//! faults for 64 MiB). On Linux, [`zeroed`] asks for transparent huge pages on such arrays, so
//! first touch faults once per 2 MiB instead. The request is advisory: where it is refused the
//! array behaves exactly the same.

use std::sync::{Mutex, PoisonError};

/// Arrays at least this large (bytes) are advised to use huge pages.
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// Capacity (bytes) of the work arrays kept between calls by [`recycle`].
const SPARE_BYTES: usize = 64 << 20;

/// Work arrays returned by [`recycle`], most recent last.
static SPARE: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

/// A work array of `len` values for a caller that writes every element before reading it: a
/// large one is an array given back to [`recycle`] by an earlier call when one is big enough
/// (its contents are left as they were: no zeroing and no page faults), else a fresh [`zeroed`]
/// one.
#[must_use]
pub fn work(len: usize) -> Vec<f64> {
    if len * std::mem::size_of::<f64>() >= HUGE_PAGE_THRESHOLD {
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        let fitting = spare
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        if let Some(i) = fitting {
            let mut v = spare.remove(i);
            drop(spare);
            if v.len() >= len {
                v.truncate(len);
            } else {
                v.resize(len, 0.0);
            }
            return v;
        }
    }
    zeroed(len)
}

/// Keeps a large work array for a later [`work`], within [`SPARE_BYTES`] in all (the oldest
/// are freed first).
pub fn recycle(v: Vec<f64>) {
    let bytes = |v: &Vec<f64>| v.capacity() * std::mem::size_of::<f64>();
    if bytes(&v) < HUGE_PAGE_THRESHOLD || bytes(&v) > SPARE_BYTES {
        return;
    }
    let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    spare.push(v);
    while spare.iter().map(bytes).sum::<usize>() > SPARE_BYTES {
        spare.remove(0);
    }
}

/// A vector of `len` zeros; large ones backed by transparent huge pages where the kernel allows.
#[must_use]
pub fn zeroed<T: Copy + Default>(len: usize) -> Vec<T> {
    let v = vec![T::default(); len];
    advise_huge_pages(v.as_ptr(), std::mem::size_of_val(v.as_slice()));
    v
}

/// An empty vector with room for `len` elements, for callers that write every element before
/// reading any (through [`Vec::spare_capacity_mut`]): no time is spent zeroing it. Large ones
/// are backed by transparent huge pages where the kernel allows.
#[must_use]
pub fn with_capacity<T>(len: usize) -> Vec<T> {
    let v = Vec::with_capacity(len);
    advise_huge_pages(v.as_ptr(), len * std::mem::size_of::<T>());
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(start: *const T, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < HUGE_PAGE_THRESHOLD {
        return;
    }
    let start = start as usize;
    let first = start.next_multiple_of(HUGE);
    let end = (start + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: [first, end) lies within the allocation and is aligned to 2 MiB; MADV_HUGEPAGE
        // only changes how the kernel backs those pages, never their contents, and a failure is
        // harmless, so the result is ignored.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_start: *const T, _bytes: usize) {}

#[cfg(test)]
mod tests {
    #[test]
    fn work_arrays_are_reused_within_the_budget() {
        let len = (super::HUGE_PAGE_THRESHOLD / 8) * 2;
        let a = super::work(len);
        assert_eq!(a.len(), len);
        let pointer = a.as_ptr();
        super::recycle(a);
        // The same allocation comes back, at the length asked for.
        let b = super::work(len - 5);
        assert_eq!((b.as_ptr(), b.len()), (pointer, len - 5));
        super::recycle(b);
        let c = super::work(len + 1);
        assert_eq!(c.len(), len + 1);
        assert_ne!(c.as_ptr(), pointer);
        // Never more than the budget is kept.
        for _ in 0..(super::SPARE_BYTES / (len * 8) + 3) {
            super::recycle(super::work(len));
            super::recycle(vec![0.0; len]);
        }
        let spare = super::SPARE.lock().unwrap();
        let kept: usize = spare.iter().map(|v| v.capacity() * 8).sum();
        assert!(kept <= super::SPARE_BYTES, "{kept}");
        drop(spare);
        // Small arrays are not kept.
        super::recycle(vec![0.0; 10]);
        assert!(super::SPARE
            .lock()
            .unwrap()
            .iter()
            .all(|v| v.capacity() >= len));
    }

    #[test]
    fn zeroed_is_zero() {
        for len in [0, 1, 1000, 3 << 20] {
            let v: Vec<f64> = super::zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }
}
