//! Large working arrays, and the memory budget.
//!
//! # The budget
//! One rule for memory: before allocating anything whose size grows with the input or the output
//! (an output matrix, a dense table, codes of every sample), the core checks the size against
//! [`budget`] with [`check`] (or [`check_within`], for a share of it) and returns
//! [`Error::TooLarge`] — a `MemoryError` in Python, naming the size, the budget and what to do
//! instead — rather than let the allocation abort the process. The budget is the environment
//! variable `FASTINFO_MEMORY_LIMIT` (bytes), read at each call, or half of the machine's physical
//! memory. Python-side allocations of the same kind ask the extension ([`check`] through
//! `_native.check_memory`), so there is one budget and one message.
//!
//! A fresh multi-megabyte array costs one page fault per 4 KiB page on first touch; for the
//! pairwise matrices that is a sizeable share of the run time (about 2 µs per fault here, 16 000
//! faults for 64 MiB). On Linux, [`zeroed`] asks for transparent huge pages on such arrays, so
//! first touch faults once per 2 MiB instead. The request is advisory: where it is refused the
//! array behaves exactly the same.
//!
//! The pairwise work arrays (normalised rows, logarithms) are taken with [`work`] and given back
//! with [`recycle`]: up to 64 MiB of them stay allocated between calls, so that a loop of calls
//! neither zeroes nor faults them again. That memory is outside `FASTINFO_MEMORY_LIMIT` (which
//! bounds outputs).

use crate::{Error, Result};
use std::sync::{Mutex, TryLockError};

/// The memory budget in bytes: `FASTINFO_MEMORY_LIMIT` if set (a positive number of bytes,
/// e.g. `1e9`), else half of physical memory (8 GiB where that is unknown).
pub fn budget() -> Result<u64> {
    match std::env::var("FASTINFO_MEMORY_LIMIT") {
        Ok(text) if !text.is_empty() => match text.trim().parse::<f64>() {
            Ok(limit) if limit > 0.0 && limit.is_finite() => Ok(limit as u64),
            _ => Err(Error::InvalidArgument {
                argument: "FASTINFO_MEMORY_LIMIT".into(),
                message: format!("must be a positive number of bytes, got {text:?}"),
            }),
        },
        _ => Ok(physical_memory().map_or(8 << 30, |bytes| bytes / 2)),
    }
}

#[cfg(unix)]
fn physical_memory() -> Option<u64> {
    // SAFETY: `sysconf` only reads system configuration.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let (pages, size) = (u64::try_from(pages).ok()?, u64::try_from(size).ok()?);
    pages.checked_mul(size)
}

#[cfg(not(unix))]
fn physical_memory() -> Option<u64> {
    None
}

/// [`check_within`] the whole [`budget`].
pub fn check(what: impl FnOnce() -> String, bytes: u128, advice: &str) -> Result<()> {
    check_within(what, bytes, budget()?, advice)
}

/// `Err(`[`Error::TooLarge`]`)` naming `what` when `bytes` exceed `limit` (the budget, or the
/// share of it left to this allocation); `advice` says what to do instead.
pub fn check_within(
    what: impl FnOnce() -> String,
    bytes: u128,
    limit: u64,
    advice: &str,
) -> Result<()> {
    if bytes > u128::from(limit) {
        return Err(Error::TooLarge {
            what: what(),
            bytes,
            budget: limit,
            advice: advice.to_string(),
        });
    }
    Ok(())
}

/// A vector of `len` copies of `value`, allocated fallibly: [`Error::TooLarge`] naming `what`
/// (with `advice`) when the allocator refuses, instead of aborting the process. Callers check the
/// budget first ([`check`]); this catches what the budget cannot see (an address-space limit, a
/// machine already short of memory).
pub fn try_filled<T: Clone>(
    len: usize,
    value: T,
    what: impl FnOnce() -> String,
    advice: &str,
) -> Result<Vec<T>> {
    let mut v = Vec::new();
    try_reserve(&mut v, len, what, advice)?;
    v.resize(len, value);
    Ok(v)
}

/// Reserves room for `additional` more elements in `v` fallibly (see [`try_filled`]).
pub fn try_reserve<T>(
    v: &mut Vec<T>,
    additional: usize,
    what: impl FnOnce() -> String,
    advice: &str,
) -> Result<()> {
    let bytes = (additional as u128) * std::mem::size_of::<T>() as u128;
    if refused_for_test() {
        return Err(refused(what, bytes, advice));
    }
    v.try_reserve_exact(additional)
        .map_err(|_| refused(what, bytes, advice))
}

/// Reserves room for `additional` more entries in `map` fallibly (see [`try_filled`]).
pub fn try_reserve_map<K: std::hash::Hash + Eq, V, S: std::hash::BuildHasher>(
    map: &mut std::collections::HashMap<K, V, S>,
    additional: usize,
    what: impl FnOnce() -> String,
    advice: &str,
) -> Result<()> {
    // hashbrown: an entry and a control byte per slot, at a load of at most 7/8.
    let entry = (std::mem::size_of::<(K, V)>() + 1) as u128;
    let bytes = (map.len() + additional) as u128 * entry * 8 / 7;
    if refused_for_test() {
        return Err(refused(what, bytes, advice));
    }
    map.try_reserve(additional)
        .map_err(|_| refused(what, bytes, advice))
}

/// The error of an allocation of `bytes` that the allocator refused.
fn refused(what: impl FnOnce() -> String, bytes: u128, advice: &str) -> Error {
    Error::TooLarge {
        what: what(),
        bytes,
        budget: budget().unwrap_or(0),
        advice: format!("the allocation failed; {advice}"),
    }
}

#[cfg(test)]
thread_local! {
    /// Tests only: how many more fallible reservations of this thread succeed before one is
    /// refused as if the allocator had refused it (`None`: all succeed).
    static REFUSE_AFTER: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Tests only: makes the reservations ([`try_reserve`], [`try_filled`], [`try_reserve_map`]) of
/// this thread fail after `n` more have succeeded (`None`: never), to test what a caller leaves
/// behind when the allocator refuses.
#[cfg(test)]
pub fn refuse_after(n: Option<usize>) {
    REFUSE_AFTER.with(|r| r.set(n));
}

/// Whether a test asked for this reservation to be refused.
#[inline]
fn refused_for_test() -> bool {
    #[cfg(test)]
    {
        REFUSE_AFTER.with(|r| match r.get() {
            Some(0) => true,
            Some(n) => {
                r.set(Some(n - 1));
                false
            }
            None => false,
        })
    }
    #[cfg(not(test))]
    false
}

/// `bytes` for a message: `"512 bytes"`, `"63.5 MiB"`, `"2.0 GiB"`.
#[must_use]
pub fn size_text(bytes: u128) -> String {
    for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift {
            return format!("{:.1} {unit}", bytes as f64 / (1u128 << shift) as f64);
        }
    }
    format!("{bytes} bytes")
}

/// Arrays at least this large (bytes) are advised to use huge pages.
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// Capacity (bytes) of the work arrays kept between calls by [`recycle`].
const SPARE_BYTES: usize = 64 << 20;

/// Large work arrays given back by finished calls, for later calls to reuse.
struct Pool {
    /// Most recent last.
    spare: Mutex<Vec<Vec<f64>>>,
    /// Capacity (bytes) kept at most.
    budget: usize,
}

impl Pool {
    /// The smallest kept array with room for `len` values, if the pool is free at once (never
    /// waiting: a call may run in a forked child whose parent held the lock when it forked).
    fn take(&self, len: usize) -> Option<Vec<f64>> {
        let mut spare = match self.spare.try_lock() {
            Ok(spare) => spare,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        let i = (0..spare.len())
            .filter(|&i| spare[i].capacity() >= len)
            .min_by_key(|&i| spare[i].capacity())?;
        Some(spare.remove(i))
    }

    /// Keeps `v`, freeing the oldest arrays beyond the budget (after releasing the lock).
    fn give(&self, v: Vec<f64>) {
        let bytes = |v: &Vec<f64>| v.capacity() * std::mem::size_of::<f64>();
        if bytes(&v) < HUGE_PAGE_THRESHOLD || bytes(&v) > self.budget {
            return;
        }
        let mut evicted = Vec::new();
        {
            let mut spare = match self.spare.try_lock() {
                Ok(spare) => spare,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            spare.push(v);
            while spare.iter().map(bytes).sum::<usize>() > self.budget {
                evicted.push(spare.remove(0));
            }
        }
        drop(evicted);
    }
}

/// The work arrays of every call.
static POOL: Pool = Pool {
    spare: Mutex::new(Vec::new()),
    budget: SPARE_BYTES,
};

/// A work array of `len` values for a caller that writes every element before reading it: a
/// large one is an array given back to [`recycle`] by an earlier call when one is big enough
/// (its contents are left as they were: no zeroing and no page faults), else a fresh [`zeroed`]
/// one.
#[must_use]
pub fn work(len: usize) -> Vec<f64> {
    if len * std::mem::size_of::<f64>() >= HUGE_PAGE_THRESHOLD {
        if let Some(mut v) = POOL.take(len) {
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

/// Keeps a large work array (4 MiB or more) for a later [`work`], within [`SPARE_BYTES`] in all:
/// the oldest are freed first.
pub fn recycle(v: Vec<f64>) {
    POOL.give(v);
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
    /// On a pool of its own, so that tests running at the same time cannot interfere.
    #[test]
    fn work_arrays_are_reused_within_the_budget() {
        use super::{Pool, HUGE_PAGE_THRESHOLD};
        use std::sync::Mutex;
        let len = (HUGE_PAGE_THRESHOLD / 8) * 2;
        let budget = 5 * len * 8;
        let pool = Pool {
            spare: Mutex::new(Vec::new()),
            budget,
        };
        let a = vec![1.0; len];
        let pointer = a.as_ptr();
        pool.give(a);
        // The same allocation comes back for a length it can hold, and only once.
        let b = pool.take(len - 5).unwrap();
        assert_eq!(b.as_ptr(), pointer);
        assert!(pool.take(len).is_none());
        pool.give(b);
        assert!(pool.take(len + 1).is_none());
        // The smallest that fits is taken.
        pool.give(vec![0.0; 2 * len]);
        let c = pool.take(len).unwrap();
        assert_eq!(c.as_ptr(), pointer);
        // Never more than the budget is kept; small arrays are not kept at all.
        for _ in 0..10 {
            pool.give(vec![0.0; len]);
        }
        pool.give(vec![0.0; 10]);
        let kept = pool.spare.lock().unwrap();
        let bytes: usize = kept.iter().map(|v| v.capacity() * 8).sum();
        assert!(bytes <= budget && kept.len() >= 2, "{bytes}");
        assert!(kept.iter().all(|v| v.capacity() >= len));
        drop(kept);
        // A pool that is busy is passed over, never waited for.
        let guard = pool.spare.lock().unwrap();
        assert!(pool.take(len).is_none());
        pool.give(vec![0.0; len]);
        drop(guard);
        // The process-wide pool hands out arrays of the length asked for.
        let w = super::work(len + 3);
        assert_eq!(w.len(), len + 3);
        super::recycle(w);
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
