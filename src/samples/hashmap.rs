//! A small open-addressing hash map from `u64` keys to non-zero `u64` values, built for counting.
//!
//! Why not `std::collections::HashMap`: counting labels is a loop of one probe per sample, and with
//! at most a few thousand distinct labels the table sits in L1. A flat `(key, value)` array with
//! linear probing, where value 0 marks an empty slot, does a probe in a multiply, a shift and one
//! cache line, and lets us merge per-thread maps without rehashing through a generic API.
//!
//! The hash is a keyed multiply–xorshift mix (a bijection on `u64`, so two keys only share a slot
//! through the truncation to the table size); the key is drawn per process, so crafted inputs cannot
//! aim at a known slot sequence. Results never depend on the key: callers sort what they extract.
//!
//! Growth is fallible: a table that doubles past [`BUDGETED`] bytes asks the memory budget
//! ([`memory::check`], `FASTINFO_MEMORY_LIMIT`) first, and every new array is reserved fallibly,
//! so that too many distinct values give [`Error::TooLarge`] (a `MemoryError`), never an abort.
//! The check sits on the cold growth path only: the probe loop pays one well-predicted branch on
//! the returned `Result`, which is `Ok` except after a failed growth.

use crate::runtime::memory;
use crate::{Error, Result};
use std::hash::BuildHasher;

/// Tables (and extracted arrays) of at least this many bytes are checked against the memory
/// budget before they are allocated; smaller ones are only reserved fallibly.
const BUDGETED: usize = 1 << 20;

/// What to do instead when a table of distinct values does not fit.
const ADVICE: &str = "use fewer samples at a time, or labels with fewer distinct values";

/// The memory budget ([`memory::budget`]; in unit tests, a per-thread override when set).
fn budget() -> Result<u64> {
    #[cfg(test)]
    if let Some(limit) = BUDGET.with(std::cell::Cell::get) {
        return Ok(limit);
    }
    memory::budget()
}

/// A vector of `len` copies of `value` for a table that replaces (or adds to) `live` bytes still
/// held: checked against the budget when large, then allocated fallibly.
#[cold]
fn table<T: Clone>(len: usize, value: T, live: usize, what: &dyn Fn() -> String) -> Result<Vec<T>> {
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    if bytes >= BUDGETED {
        memory::check_within(what, bytes as u128 + live as u128, budget()?, ADVICE)?;
    }
    memory::try_filled(len, value, what, ADVICE)
}

/// Reserves room for `additional` more elements of `v` (which holds `live` bytes besides),
/// checked against the budget when large.
#[cold]
fn reserve<T>(
    v: &mut Vec<T>,
    additional: usize,
    live: usize,
    what: &dyn Fn() -> String,
) -> Result<()> {
    let bytes = (v.len() + additional).saturating_mul(std::mem::size_of::<T>());
    if bytes >= BUDGETED {
        memory::check_within(what, bytes as u128 + live as u128, budget()?, ADVICE)?;
    }
    memory::try_reserve(v, additional, what, ADVICE)
}

/// The slots of a [`U64Map`] for `expected` keys (a load of at most 1/2).
fn capacity_for(expected: usize) -> Result<usize> {
    expected
        .checked_mul(2)
        .and_then(usize::checked_next_power_of_two)
        .ok_or_else(|| Error::TooLarge {
            what: format!("a hash table for {expected} distinct cells"),
            bytes: expected as u128 * 32,
            budget: memory::budget().unwrap_or(0),
            advice: ADVICE.to_string(),
        })
}

/// Map from `u64` to non-zero `u64`, with linear probing. Value 0 means "empty slot".
#[derive(Clone, Debug)]
pub(crate) struct U64Map {
    slots: Vec<(u64, u64)>,
    len: usize,
    shift: u32,
    seed: u64,
}

/// A fresh hash key for each table: the process's random key mixed with a per-table counter.
///
/// Tables must not share a key: copying one table into another in slot order would then insert
/// keys in increasing hash order, which piles them into long probe runs (quadratic time).
fn table_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static SEED: OnceLock<u64> = OnceLock::new();
    static TABLES: AtomicU64 = AtomicU64::new(0);
    let base =
        *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64));
    let mut z = TABLES
        .fetch_add(1, Ordering::Relaxed)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ base;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

impl U64Map {
    /// An empty map sized for about `expected` keys (a small number: see [`U64Map::try_with_capacity`]).
    pub(crate) fn with_capacity(expected: usize) -> Self {
        let capacity = (expected.max(8) * 2).next_power_of_two();
        U64Map {
            slots: vec![(0, 0); capacity],
            len: 0,
            shift: 64 - capacity.trailing_zeros(),
            seed: table_seed(),
        }
    }

    /// An empty map sized for about `expected` keys, allocated fallibly (and within the budget
    /// when large).
    pub(crate) fn try_with_capacity(expected: usize) -> Result<Self> {
        let capacity = capacity_for(expected.max(8))?;
        let what = || format!("a hash table for {expected} distinct cells");
        Ok(U64Map {
            slots: table(capacity, (0, 0), 0, &what)?,
            len: 0,
            shift: 64 - capacity.trailing_zeros(),
            seed: table_seed(),
        })
    }

    #[inline(always)]
    fn slot_of(&self, key: u64) -> usize {
        let mut h = (key ^ self.seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (h >> self.shift) as usize
    }

    /// Adds `amount` (> 0) to the value of `key`, inserting it if absent.
    ///
    /// Errors: [`Error::TooLarge`] when the table must double and the larger table is over the
    /// memory budget or cannot be allocated. The key is counted all the same (the table keeps a
    /// free slot), but the caller is expected to give up.
    #[inline(always)]
    pub(crate) fn add(&mut self, key: u64, amount: u64) -> Result<()> {
        debug_assert!(amount > 0);
        let mask = self.slots.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.1 == 0 {
                *slot = (key, amount);
                self.len += 1;
                if self.len * 2 > self.slots.len() {
                    return self.grow();
                }
                return Ok(());
            }
            if slot.0 == key {
                slot.1 += amount;
                return Ok(());
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes room for `expected` keys in all, fallibly (and within the budget when large): after
    /// it, [`U64Map::add`] never grows the table (so never fails) until it holds more keys. On an
    /// error the table is left as it was.
    pub(crate) fn try_reserve(&mut self, expected: usize) -> Result<()> {
        if expected.saturating_mul(2) <= self.slots.len() {
            return Ok(());
        }
        self.resize(capacity_for(expected)?)
    }

    /// Stores a key known to be absent, in a table with room for it (no growth).
    #[inline(always)]
    fn place(&mut self, key: u64, value: u64) {
        let mask = self.slots.len() - 1;
        let mut i = self.slot_of(key);
        while self.slots[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, value);
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value stored for `key`, or 0 if it is absent.
    #[cfg(test)]
    pub(crate) fn get(&self, key: u64) -> u64 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            let slot = self.slots[i];
            if slot.1 == 0 || slot.0 == key {
                return slot.1;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table (fallibly; on an error the table is left as it was).
    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> Result<()> {
        self.resize(self.slots.len() * 2)
    }

    /// Moves the keys to a table of `capacity` slots (a larger power of two; fallibly: on an
    /// error the table is left as it was).
    fn resize(&mut self, capacity: usize) -> Result<()> {
        debug_assert!(capacity.is_power_of_two() && capacity > self.slots.len());
        let old_bytes = std::mem::size_of_val(self.slots.as_slice());
        let len = self.len;
        let what = || format!("a hash table of more than {len} distinct cells");
        let fresh = table(capacity, (0, 0), old_bytes, &what)?;
        let old = std::mem::replace(&mut self.slots, fresh);
        self.shift = 64 - capacity.trailing_zeros();
        for (key, value) in old {
            if value != 0 {
                self.place(key, value);
            }
        }
        Ok(())
    }

    /// Calls `f(key, value)` for every entry, in slot order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(u64, u64)) {
        for &(key, value) in &self.slots {
            if value != 0 {
                f(key, value);
            }
        }
    }

    /// All `(key, value)` pairs, sorted by key (allocated fallibly, within the budget).
    pub(crate) fn into_sorted(self) -> Result<(Vec<u64>, Vec<u64>)> {
        let len = self.len;
        let what = || format!("the {len} distinct cells of a hash table, sorted");
        let live = std::mem::size_of_val(self.slots.as_slice());
        let mut pairs: Vec<(u64, u64)> = Vec::new();
        reserve(&mut pairs, len, live, &what)?;
        pairs.extend(self.slots.iter().copied().filter(|s| s.1 != 0));
        drop(self.slots);
        if pairs.len() > 1 << 16 {
            rayon::slice::ParallelSliceMut::par_sort_unstable_by_key(pairs.as_mut_slice(), |p| p.0);
        } else {
            pairs.sort_unstable_by_key(|p| p.0);
        }
        let live = std::mem::size_of_val(pairs.as_slice());
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        reserve(&mut keys, len, live + 8 * len, &what)?;
        reserve(&mut values, len, live, &what)?;
        for (key, value) in pairs {
            keys.push(key);
            values.push(value);
        }
        Ok((keys, values))
    }
}

/// Assigns dense codes `0, 1, 2, …` to `u64` keys in order of first appearance.
///
/// Slots hold only `code + 1` (`u32`, 0 = empty) and the key is checked through `keys[code]`: four
/// bytes a slot keep a dictionary of a thousand labels in L1 at a load of 1/16, where almost every
/// lookup hits on its first probe (a mispredicted probe loop, not the hash, is what costs).
#[derive(Clone, Debug)]
pub(crate) struct Dictionary {
    slots: Vec<u32>,
    keys: Vec<u64>,
    shift: u32,
    seed: u64,
}

impl Dictionary {
    pub(crate) fn new() -> Self {
        let capacity = 256usize;
        Dictionary {
            slots: vec![0; capacity],
            keys: Vec::new(),
            shift: 64 - capacity.trailing_zeros(),
            seed: table_seed(),
        }
    }

    /// Number of distinct keys seen.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The keys, indexed by code.
    pub(crate) fn keys(&self) -> &[u64] {
        &self.keys
    }

    #[inline(always)]
    fn slot_of(&self, key: u64) -> usize {
        let mut h = (key ^ self.seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 32;
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The code of `key`, assigning the next code if it is new.
    ///
    /// Errors: [`Error::TooLarge`] when a new key needs a larger table or key array over the
    /// memory budget, or one that cannot be allocated (the dictionary stays consistent).
    #[inline(always)]
    pub(crate) fn code(&mut self, key: u64) -> Result<u64> {
        let mask = self.slots.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            let c = self.slots[i];
            if c == 0 {
                return self.insert_at(i, key);
            }
            if self.keys[(c - 1) as usize] == key {
                return Ok(u64::from(c - 1));
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    #[inline(never)]
    fn insert_at(&mut self, slot: usize, key: u64) -> Result<u64> {
        let code = self.keys.len() as u64;
        let len = self.keys.len();
        // Slots hold `code + 1` as a `u32`.
        if code >= u64::from(u32::MAX) {
            return Err(Error::TooLarge {
                what: format!("a dictionary of more than {len} distinct values"),
                bytes: (len as u128 + 1) * 12,
                budget: memory::budget().unwrap_or(0),
                advice: format!(
                    "at most {} distinct values are supported; {ADVICE}",
                    u32::MAX
                ),
            });
        }
        if len == self.keys.capacity() {
            let what = || format!("the keys of a dictionary of more than {len} distinct values");
            let live = std::mem::size_of_val(self.slots.as_slice());
            reserve(&mut self.keys, len.max(64), live, &what)?;
        }
        self.keys.push(key);
        self.slots[slot] = self.keys.len() as u32;
        // Load at most 1/16 while the slots fit in 64 KiB, at most 1/4 beyond.
        let capacity = self.slots.len();
        let too_full = if capacity <= 1 << 14 {
            self.keys.len() * 16 > capacity
        } else {
            self.keys.len() * 4 > capacity
        };
        if too_full {
            self.rebuild(capacity * 2)?;
        }
        Ok(code)
    }

    /// Rehashes every key into `capacity` slots (fallibly; on an error the table is unchanged).
    #[cold]
    #[inline(never)]
    fn rebuild(&mut self, capacity: usize) -> Result<()> {
        let len = self.keys.len();
        let what = || format!("the hash table of a dictionary of more than {len} distinct values");
        let live = std::mem::size_of_val(self.slots.as_slice()) + 8 * self.keys.capacity();
        self.slots = table(capacity, 0, live, &what)?;
        self.shift = 64 - capacity.trailing_zeros();
        let mask = capacity - 1;
        for (code, &key) in self.keys.iter().enumerate() {
            let mut i = self.slot_of(key);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = code as u32 + 1;
        }
        Ok(())
    }
}

#[cfg(test)]
thread_local! {
    /// A memory budget for the tables built on this thread (tests only), in place of
    /// `FASTINFO_MEMORY_LIMIT`, which every test running at the same time would see.
    static BUDGET: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with a memory budget of `limit` bytes for the tables built on this thread (tests
/// only: work handed to other threads does not see it).
#[cfg(test)]
pub(crate) fn with_budget<R>(limit: u64, f: impl FnOnce() -> R) -> R {
    BUDGET.with(|b| b.set(Some(limit)));
    let result = f();
    BUDGET.with(|b| b.set(None));
    result
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros and infinities are the point of these tests
mod tests {
    use super::*;

    fn too_large(error: &Error) -> (&str, u128) {
        match error {
            Error::TooLarge { what, bytes, .. } => (what.as_str(), *bytes),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn a_map_growing_past_the_budget_is_an_error_not_an_abort() {
        let limit = 2u64 << 20;
        let (map, error) = with_budget(limit, || {
            let mut map = U64Map::with_capacity(1);
            for key in 0..1_000_000u64 {
                if let Err(e) = map.add(key * 0x1_0001, 1) {
                    return (map, e);
                }
            }
            panic!("a million keys fit a budget of 2 MiB");
        });
        let (what, bytes) = too_large(&error);
        assert!(what.contains("hash table"), "{what}");
        assert!(bytes > u128::from(limit), "{bytes}");
        // The last table that fit: 2^16 slots of 16 bytes (1 MiB, with the 512 KiB it replaced).
        assert_eq!(map.len(), (1 << 16) / 2 + 1);
        // The map is still consistent: every key counted once, the failed one included.
        let n = map.len() as u64;
        for key in 0..n {
            assert_eq!(map.get(key * 0x1_0001), 1);
        }
        // A budget that fits lets the same table grow.
        let mut map = map;
        for key in n..2 * n {
            map.add(key * 0x1_0001, 1).unwrap();
        }
        assert_eq!(map.len() as u64, 2 * n);
        // Extracting the sorted cells is within the budget too.
        let error = with_budget(1 << 20, || map.clone().into_sorted()).unwrap_err();
        assert!(too_large(&error).0.contains("sorted"));
        let (keys, values) = map.into_sorted().unwrap();
        assert_eq!(keys.len() as u64, 2 * n);
        assert!(keys.windows(2).all(|w| w[0] < w[1]) && values.iter().all(|&v| v == 1));
    }

    #[test]
    fn a_dictionary_growing_past_the_budget_is_an_error_not_an_abort() {
        let limit = 1u64 << 20;
        let (d, error) = with_budget(limit, || {
            let mut d = Dictionary::new();
            for key in 0..1_000_000u64 {
                if let Err(e) = d.code(key << 20) {
                    return (d, e);
                }
            }
            panic!("a million keys fit a budget of 1 MiB");
        });
        let (what, bytes) = too_large(&error);
        assert!(what.contains("dictionary"), "{what}");
        assert!(bytes > u128::from(limit), "{bytes}");
        assert!(d.len() < 1 << 17, "{}", d.len());
        // Still consistent: every key it took keeps its code.
        let mut d = d;
        for key in 0..d.len() as u64 {
            assert_eq!(d.code(key << 20).unwrap(), key);
        }
    }

    #[test]
    fn a_large_presized_map_is_within_the_budget() {
        assert!(with_budget(1 << 20, || U64Map::try_with_capacity(1 << 20)).is_err());
        assert!(U64Map::try_with_capacity(1 << 10).is_ok());
        assert!(U64Map::try_with_capacity(usize::MAX / 2).is_err());
    }

    #[test]
    fn counts_like_a_btreemap() {
        let mut map = U64Map::with_capacity(1);
        let mut reference = std::collections::BTreeMap::new();
        let mut x = 12345u64;
        for _ in 0..10_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let key = ((x >> 50) << 20) | (u64::from(x.is_multiple_of(3)) * u64::MAX);
            map.add(key, 1).unwrap();
            *reference.entry(key).or_insert(0u64) += 1;
        }
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), v);
        }
        assert_eq!(map.get(7), 0);
        let (keys, values) = map.into_sorted().unwrap();
        assert_eq!(keys, reference.keys().copied().collect::<Vec<_>>());
        assert_eq!(values, reference.values().copied().collect::<Vec<_>>());
    }

    #[test]
    fn dictionary_codes_in_order_of_appearance() {
        let mut d = Dictionary::new();
        let keys: Vec<u64> = (0..5000u64).map(|i| ((i * 7919) % 3001) << 33).collect();
        let mut first_seen = std::collections::HashMap::new();
        for &k in &keys {
            let next = first_seen.len() as u64;
            let expected = *first_seen.entry(k).or_insert(next);
            assert_eq!(d.code(k).unwrap(), expected);
        }
        assert_eq!(d.len(), first_seen.len());
        for (&k, &c) in &first_seen {
            assert_eq!(d.keys()[c as usize], k);
        }
    }
}
