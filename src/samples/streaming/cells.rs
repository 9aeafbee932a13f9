//! The counted cells of one table of an accumulator, keyed by the ids of its variables' values.
//!
//! A cell's key packs the ids of its columns, `bits[j]` bits for column `j` (the first column in
//! the high bits). The store follows the number of occupied cells, never the number of samples:
//! - **dense** (`2^Σbits` counts) while that is at most [`DENSE_MIN`] cells or at most
//!   [`DENSE_FILL`] times the occupied cells (and at most [`DENSE_MAX`]);
//! - **hashed** ([`U64Map`], non-empty cells only) while the key fits 64 bits;
//! - **wide** (a map from id tuples) beyond.
//!
//! When a variable gains values beyond `2^bits`, its width grows to the next power of two and the
//! cells are re-keyed (amortised: the widths at most double).

use crate::runtime::memory;
use crate::samples::hashmap::U64Map;
use crate::Result;
use std::collections::HashMap;

/// What to do instead when the cells do not fit.
const ADVICE: &str = "count fewer variables or values at a time";

/// Dense stores at most this many cells whatever the occupancy (32 KiB).
const DENSE_MIN: u64 = 1 << 12;
/// Dense stores at most this many cells at all (32 MiB).
const DENSE_MAX: u64 = 1 << 22;
/// Dense while the cells are at most this many times the occupied ones.
const DENSE_FILL: u64 = 4;

#[derive(Debug, Clone)]
enum Store {
    Dense { counts: Vec<u64>, occupied: usize },
    Hashed(U64Map),
    Wide(HashMap<Box<[u32]>, u64, foldhash::fast::RandomState>),
}

/// Cells of one table: `(ids of each column) → count`, counts positive.
#[derive(Debug, Clone)]
pub(super) struct Cells {
    bits: Vec<u32>,
    store: Store,
}

/// Bits that hold ids `0 .. len`.
fn bits_for(len: usize) -> u32 {
    if len <= 1 {
        0
    } else {
        usize::BITS - (len - 1).leading_zeros()
    }
}

/// The store for keys of `total` bits with room for `occupied` cells, allocated fallibly.
fn empty_store(total: u32, occupied: usize) -> Result<Store> {
    let what = || format!("the counts of {occupied} cells");
    Ok(match store_kind(total, occupied) {
        StoreKind::Dense => Store::Dense {
            counts: memory::try_filled(1usize << total, 0, what, ADVICE)?,
            occupied: 0,
        },
        StoreKind::Hashed => Store::Hashed(U64Map::try_with_capacity(occupied.max(16))?),
        StoreKind::Wide => {
            let mut map = HashMap::default();
            memory::try_reserve_map(&mut map, occupied, what, ADVICE)?;
            Store::Wide(map)
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreKind {
    Dense,
    Hashed,
    Wide,
}

/// Which store suits keys of `total` bits holding about `occupied` cells.
fn store_kind(total: u32, occupied: usize) -> StoreKind {
    if total < 64 {
        let cells = 1u64 << total;
        let fill = DENSE_FILL.saturating_mul(occupied as u64);
        if cells <= DENSE_MIN || (cells <= fill && cells <= DENSE_MAX) {
            return StoreKind::Dense;
        }
    }
    if total <= 64 {
        StoreKind::Hashed
    } else {
        StoreKind::Wide
    }
}

impl Cells {
    /// No cells, for a table of `columns` columns.
    pub(super) fn new(columns: usize) -> Cells {
        Cells {
            bits: vec![0; columns],
            store: Store::Dense {
                counts: vec![0],
                occupied: 0,
            },
        }
    }

    fn total_bits(bits: &[u32]) -> u32 {
        bits.iter().sum()
    }

    #[inline]
    fn key(&self, ids: &[u32]) -> u64 {
        let mut key = 0u64;
        for (&id, &b) in ids.iter().zip(&self.bits) {
            // `b` may be 0 (one value): the shift of 0 leaves the key unchanged.
            key = if b == 0 {
                key
            } else {
                (key << b) | u64::from(id)
            };
        }
        key
    }

    #[inline]
    fn decode(&self, mut key: u64, out: &mut [u32]) {
        for (slot, &b) in out.iter_mut().zip(&self.bits).rev() {
            if b == 0 {
                *slot = 0;
            } else {
                *slot = (key & ((1u64 << b) - 1)) as u32;
                key >>= b;
            }
        }
    }

    /// Number of occupied cells.
    pub(super) fn occupied(&self) -> usize {
        match &self.store {
            Store::Dense { occupied, .. } => *occupied,
            Store::Hashed(map) => map.len(),
            Store::Wide(map) => map.len(),
        }
    }

    /// Bytes the cells would take with `occupied` cells and values ids below `lens` (an upper
    /// bound, for the memory budget).
    pub(super) fn footprint(lens: &[usize], occupied: usize) -> u128 {
        let total: u32 = lens.iter().map(|&l| bits_for(l)).sum();
        match store_kind(total, occupied) {
            StoreKind::Dense => 8u128 << total,
            // A U64Map holds 16-byte slots at a load between 1/4 and 1/2.
            StoreKind::Hashed => 64 * occupied as u128,
            StoreKind::Wide => (2 * (4 * lens.len() as u128 + 48)) * occupied as u128,
        }
    }

    /// Makes room for ids below `lens` (one per column) and for `occupied` cells in all,
    /// fallibly: after it, [`Cells::add`] of ids below `lens` into at most `occupied` cells
    /// allocates nothing (but a wide store's keys). On `Err` the cells hold the same counts
    /// (perhaps re-keyed wider).
    pub(super) fn try_reserve(&mut self, lens: &[usize], occupied: usize) -> Result<()> {
        let bits: Vec<u32> = lens
            .iter()
            .zip(&self.bits)
            .map(|(&l, &b)| bits_for(l).max(b))
            .collect();
        let total = Self::total_bits(&bits);
        let wanted = store_kind(total, occupied);
        let additional = occupied.saturating_sub(self.occupied());
        match (&mut self.store, wanted) {
            (Store::Dense { .. }, StoreKind::Dense) if bits == self.bits => return Ok(()),
            (Store::Hashed(map), StoreKind::Hashed) if bits == self.bits => {
                return map.try_reserve(occupied);
            }
            (Store::Wide(map), StoreKind::Wide) if bits == self.bits => {
                let what = || format!("the counts of {occupied} cells");
                return memory::try_reserve_map(map, additional, what, ADVICE);
            }
            _ => {}
        }
        let mut fresh = Cells {
            bits,
            store: empty_store(total, occupied.max(self.occupied()))?,
        };
        let mut ids = vec![0u32; lens.len()];
        self.for_each_with(&mut ids, |ids, count| fresh.add(ids, count));
        *self = fresh;
        Ok(())
    }

    /// Adds `count` (> 0) to the cell `ids` (which [`Cells::try_reserve`] made room for).
    #[inline]
    pub(super) fn add(&mut self, ids: &[u32], count: u64) {
        debug_assert!(count > 0);
        if let Store::Wide(map) = &mut self.store {
            *map.entry(ids.into()).or_insert(0) += count;
            return;
        }
        let key = self.key(ids);
        match &mut self.store {
            Store::Dense { counts, occupied } => {
                let slot = &mut counts[key as usize];
                *occupied += usize::from(*slot == 0);
                *slot += count;
            }
            Store::Hashed(map) => {
                // Reserved: the map has room for this cell and never grows here.
                let grew = map.add(key, count);
                debug_assert!(grew.is_ok(), "a reserved map grew");
            }
            Store::Wide(_) => unreachable!("handled above"),
        }
    }

    /// Calls `f(ids, count)` for every occupied cell, in no particular order.
    pub(super) fn for_each(&self, f: impl FnMut(&[u32], u64)) {
        let mut ids = vec![0u32; self.bits.len()];
        self.for_each_with(&mut ids, f);
    }

    fn for_each_with(&self, ids: &mut [u32], mut f: impl FnMut(&[u32], u64)) {
        match &self.store {
            Store::Dense { counts, .. } => {
                for (key, &count) in counts.iter().enumerate() {
                    if count != 0 {
                        self.decode(key as u64, ids);
                        f(ids, count);
                    }
                }
            }
            Store::Hashed(map) => map.for_each(|key, count| {
                self.decode(key, ids);
                f(ids, count);
            }),
            Store::Wide(map) => {
                for (key, &count) in map {
                    f(key, count);
                }
            }
        }
    }

    /// The key of `ids` (tests only).
    #[cfg(test)]
    fn key_of(&self, ids: &[u32]) -> u64 {
        self.key(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn contents(cells: &Cells) -> BTreeMap<Vec<u32>, u64> {
        let mut map = BTreeMap::new();
        cells.for_each(|ids, c| {
            map.insert(ids.to_vec(), c);
        });
        map
    }

    #[test]
    fn every_store_counts_alike_across_growth() {
        // Widths grow from 1 value to 2^12 (dense → hashed) and to 3 × 2^30 (65 bits: wide).
        let mut cells = Cells::new(3);
        let mut reference = BTreeMap::new();
        let mut state = 1u64;
        for round in 0..6u32 {
            let len = [1usize, 3, 70, 5000, 1 << 20, 3 << 30][round as usize];
            cells
                .try_reserve(&[len, 2, len], cells.occupied() + 500)
                .unwrap();
            for _ in 0..500 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let ids = [
                    ((state >> 20) % len as u64) as u32,
                    ((state >> 10) % 2) as u32,
                    ((state >> 40) % len as u64) as u32,
                ];
                cells.add(&ids, u64::from(round) + 1);
                *reference.entry(ids.to_vec()).or_insert(0) += u64::from(round) + 1;
            }
            assert_eq!(contents(&cells), reference);
            assert_eq!(cells.occupied(), reference.len());
        }
        assert!(matches!(cells.store, Store::Wide(_)));
    }

    #[test]
    fn keys_pack_ids_first_column_high() {
        let mut cells = Cells::new(2);
        cells.try_reserve(&[4, 8], 0).unwrap();
        assert_eq!(cells.key_of(&[3, 5]), (3 << 3) | 5);
        assert!(matches!(cells.store, Store::Dense { .. }));
        assert_eq!(bits_for(1), 0);
        assert_eq!(bits_for(2), 1);
        assert_eq!(bits_for(64), 6);
        assert_eq!(bits_for(65), 7);
    }
}
