//! Columns with many distinct values: how many a sample of them shows, and the histogram of one
//! such column by sorting its keys.
//!
//! Hashing every sample into per-thread dictionaries and merging them (`sparse.rs`) costs time and
//! memory per *distinct* value, several times what a sort costs per sample: entropy of 4·10⁶
//! distinct int64 took 2.6 s that way against `np.unique`'s 0.49 s, and grew faster than n log n.
//! Sorting a copy of the keys is O(n log n) with a small constant (rayon's parallel pattern-defeating
//! quicksort) and needs 8 bytes per sample, checked against the budget first.

use super::table::{Cells, Codebook, JointCounts};
use crate::runtime::memory;
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Samples looked at by [`sampled_distinct`].
const SAMPLE: usize = 4096;

/// The number of distinct values among `s` samples of `column` spread evenly over it (all of them
/// when it is shorter): a lower bound of its number of distinct values.
pub(crate) fn sampled_distinct(column: Labels<'_>, s: usize) -> usize {
    let n = column.len();
    let stride = (n / s.max(1)).max(1);
    let mut keys: Vec<u64> =
        with_labels!(column, x => x.iter().step_by(stride).take(s).map(|v| v.key()).collect());
    keys.sort_unstable();
    keys.dedup();
    keys.len()
}

/// Whether most values of `column` look distinct (more than half of an even sample of [`SAMPLE`]
/// values are), so that sorting beats hashing. Short columns say no: either way is fast.
pub(super) fn mostly_distinct(column: Labels<'_>) -> bool {
    column.len() >= 4 * SAMPLE && 2 * sampled_distinct(column, SAMPLE) > SAMPLE
}

/// The histogram of one column, by sorting a copy of its keys: codebook of the sorted distinct
/// keys, one (dense) cell per key. Returns [`Error::Interrupted`] if `interrupt` is raised.
pub(super) fn sorted_histogram(column: Labels<'_>, interrupt: &AtomicBool) -> Result<JointCounts> {
    let n = column.len();
    let what = || format!("sorting the {n} values of a column with many distinct values");
    let advice = "count fewer samples at a time";
    // The sorted keys, then the counts (at most one per key).
    memory::check(what, 16 * n as u128, advice)?;
    let mut keys: Vec<u64> = Vec::new();
    memory::try_reserve(&mut keys, n, what, advice)?;
    with_labels!(column, x => keys.par_extend(x.par_iter().map(|v| v.key())));
    keys.par_sort_unstable();
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    let distinct = 1 + keys.windows(2).filter(|w| w[0] != w[1]).count();
    let mut counts: Vec<u64> = Vec::new();
    memory::try_reserve(&mut counts, distinct, what, advice)?;
    let mut write = 0;
    for read in 0..n {
        if read > 0 && keys[read] == keys[write - 1] {
            counts[write - 1] += 1;
        } else {
            keys[write] = keys[read];
            counts.push(1);
            write += 1;
        }
    }
    keys.truncate(write);
    keys.shrink_to_fit();
    Ok(JointCounts {
        codebooks: vec![Codebook::Keys(keys)],
        cells: Cells::Dense(counts),
        total: n as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_matches_hashing() {
        let never = AtomicBool::new(false);
        let mut state = 11u64;
        let x: Vec<i64> = (0..50_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                if i % 5 == 1 {
                    i64::MIN + (i % 7)
                } else {
                    (state >> 20) as i64 - (1 << 42)
                }
            })
            .collect();
        let labels = Labels::from(&x);
        assert!(mostly_distinct(labels));
        let sorted = sorted_histogram(labels, &never).unwrap();
        let mut brute = std::collections::BTreeMap::new();
        for &v in &x {
            *brute.entry(v.key()).or_insert(0u64) += 1;
        }
        let (keys, counts) = sorted.histogram();
        assert_eq!(keys, brute.keys().copied().collect::<Vec<_>>());
        assert_eq!(counts, brute.values().copied().collect::<Vec<_>>());
        assert_eq!(super::super::joint_counts(&[labels]).unwrap(), sorted);
        assert_eq!(sorted.total(), 50_000);
        let few: Vec<u32> = (0..50_000).map(|i| (i % 100) << 20).collect();
        assert!(!mostly_distinct(Labels::from(&few)));
        assert_eq!(sampled_distinct(Labels::from(&few), 4096), 25);
    }

    #[test]
    fn an_interrupt_stops_it() {
        let x: Vec<u64> = (0..20_000).collect();
        let raised = AtomicBool::new(true);
        assert_eq!(
            sorted_histogram(Labels::from(&x), &raised),
            Err(Error::Interrupted)
        );
    }
}
