//! Large working arrays.
//!
//! A fresh multi-megabyte array costs one page fault per 4 KiB page on first touch; for the
//! pairwise matrices that is a sizeable share of the run time (about 2 µs per fault here, 16 000
//! faults for 64 MiB). On Linux, [`zeroed`] asks for transparent huge pages on such arrays, so
//! first touch faults once per 2 MiB instead. The request is advisory: where it is refused the
//! array behaves exactly the same.

/// Arrays at least this large (bytes) are advised to use huge pages.
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// A vector of `len` zeros; large ones backed by transparent huge pages where the kernel allows.
#[must_use]
pub fn zeroed<T: Copy + Default>(len: usize) -> Vec<T> {
    let v = vec![T::default(); len];
    advise_huge_pages(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(v: &[T]) {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE_PAGE_THRESHOLD {
        return;
    }
    let start = v.as_ptr() as usize;
    let first = start.next_multiple_of(HUGE);
    let end = (start + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: [first, end) lies within the allocation of `v` and is aligned to 2 MiB;
        // MADV_HUGEPAGE only changes how the kernel backs those pages, never their contents
        // (they are zero and stay zero), and a failure is harmless, so the result is ignored.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_v: &[T]) {}

#[cfg(test)]
mod tests {
    #[test]
    fn zeroed_is_zero() {
        for len in [0, 1, 1000, 3 << 20] {
            let v: Vec<f64> = super::zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }
}
