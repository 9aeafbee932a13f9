//! The counting engine: histograms of one column and contingency tables of several, exact in `u64`.
//!
//! # Strategy
//! Every column is first reduced to *codes* `0..card`:
//! - **offset** codes `key − min` when the column's observed range is small (one vectorised min/max
//!   pass decides), so no lookup is needed at all;
//! - **dictionary** codes (the rank of the value among the distinct values) when the range is large,
//!   built by a parallel hash count of the column.
//!
//! Columns are then combined into one mixed-radix code per sample, in blocks of [`BLOCK`] samples,
//! and counted into
//! - a **dense** table when the product of cardinalities is at most [`dense_limit`] cells,
//! - a **hashed** table (`cells` proportional to the number of distinct combinations) otherwise,
//! - a **sorted rows** table when the product does not even fit in 64 bits.
//!
//! No table is ever proportional to the product of alphabet sizes unless that product is small.
//!
//! # Parallelism and determinism
//! Dense tables are counted from a shared queue of chunks of 2^16 samples, which the pool's threads
//! take in turn, each into its own table (`u32` counts; inputs past 2^31 samples are split into one
//! contiguous part per thread instead); hashed tables from one contiguous part per thread. The
//! tables are added in `u64`. Integer counts do not depend on the split, so every table is
//! identical for any number of threads; tables are always reported in ascending order of value.
//! `docs/kernels.md` gives the cost of each pass.
//!
//! # Files
//! This file chooses the strategy ([`joint_counts`], [`histogram`], [`contingency`]);
//! `table.rs` holds the counted table and its queries (marginals, cells in order), `dense.rs` the
//! dense part tables and `sparse.rs` the hashed part tables, their merge, and the sorted rows.

use crate::runtime::memory;
use crate::samples::label::extremes;
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Inputs shorter than this are counted on the calling thread.
const PARALLEL_MIN: usize = 1 << 15;
/// Samples per block in the multi-column path.
const BLOCK: usize = 2048;
/// In a joint table that cannot be dense, columns whose range is at most this keep offset codes.
const SMALL_RANGE: u64 = 1 << 10;
/// Hard cap on dense table cells (128 MiB of `u64`).
const MAX_DENSE_CELLS: u64 = 1 << 24;
/// Largest number of samples counted into one `u32` part table.
const MAX_PART: usize = 1 << 31;

/// Largest dense table (in cells) worth allocating for `n` samples: zeroing and scanning a cell is
/// far cheaper than hashing a sample, so up to 8 cells per sample, within [2^12, 2^24].
#[must_use]
pub fn dense_limit(n: usize) -> u64 {
    (8 * n as u64).clamp(1 << 12, MAX_DENSE_CELLS)
}

mod dense;
#[doc(hidden)]
pub mod passes;
mod sorted;
mod sparse;
mod table;
mod weighted;

use dense::{dense_counts, over_parts};
use sparse::{count_part, merge_parts, sorted_rows, Part};
use table::Cells;
pub use table::{Codebook, JointCounts};
pub use weighted::{weighted_counts, RealTable, Weighted};

/// A two-way contingency table in coordinate form.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    /// Keys of the observed values of `x`, one vector per column of `x`, in ascending order.
    pub x_values: Vec<Vec<u64>>,
    /// Keys of the observed values of `y`, likewise.
    pub y_values: Vec<Vec<u64>>,
    /// Row (index into `x_values`), column (index into `y_values`) and count of each non-empty cell,
    /// in ascending order of (row, column).
    pub rows: Vec<u64>,
    pub columns: Vec<u64>,
    pub counts: Vec<u64>,
}

/// The ranks of `table`'s stored cells among its non-empty ones (identity unless dense).
fn ranks(table: &JointCounts) -> Option<Vec<u64>> {
    match &table.cells {
        Cells::Dense(t) => {
            let mut next = 0u64;
            Some(
                t.iter()
                    .map(|&c| {
                        let r = next;
                        next += u64::from(c != 0);
                        r
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// The contingency table of `x` against `y` (each one or more columns), non-empty cells only.
pub fn contingency(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<Contingency> {
    contingency_with(x, y, &AtomicBool::new(false))
}

/// [`contingency`], stopping with [`Error::Interrupted`] once `interrupt` is raised.
pub fn contingency_with(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    interrupt: &AtomicBool,
) -> Result<Contingency> {
    let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
    if x.is_empty() {
        return Err(Error::EmptyInput {
            argument: "x".into(),
        });
    }
    if y.is_empty() {
        return Err(Error::EmptyInput {
            argument: "y".into(),
        });
    }
    let table = joint_counts_with(&columns, interrupt)?;
    // The coordinates (and the bindings' int64 copies of them), 48 bytes per non-empty cell.
    let cells = table.stored_cells();
    memory::check(
        || format!("the {cells} cells of a contingency table"),
        48 * cells as u128,
        "use fewer samples, or labels with fewer distinct values",
    )?;
    let x_columns: Vec<usize> = (0..x.len()).collect();
    let y_columns: Vec<usize> = (x.len()..columns.len()).collect();
    let mx = table.marginal(&x_columns)?;
    let my = table.marginal(&y_columns)?;
    let (rank_x, rank_y) = (ranks(&mx), ranks(&my));
    let rank = |m: &JointCounts, r: &Option<Vec<u64>>, codes: &[u64]| {
        let i = m
            .index_of(codes)
            .expect("a marginal holds every observed cell");
        r.as_ref().map_or(i as u64, |r| r[i])
    };
    let (mut rows, mut cols, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    let what = || format!("the {cells} cells of a contingency table");
    let advice = "use fewer samples, or labels with fewer distinct values";
    memory::try_reserve(&mut rows, cells, what, advice)?;
    memory::try_reserve(&mut cols, cells, what, advice)?;
    memory::try_reserve(&mut counts, cells, what, advice)?;
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    table.for_each_cell(0..table.stored_cells(), |codes, c| {
        rows.push(rank(&mx, &rank_x, &codes[..x.len()]));
        cols.push(rank(&my, &rank_y, &codes[x.len()..]));
        counts.push(c);
    });
    Ok(Contingency {
        x_values: mx.nonzero_cells().0,
        y_values: my.nonzero_cells().0,
        rows,
        columns: cols,
        counts,
    })
}

/// Refuses, before anything is counted, a dense contingency table of `x` against `y` that is
/// certainly over the memory budget: it has at least as many rows (columns) as an even sample of
/// 2^16 values of any column of `x` (`y`) shows distinct values. Exact for shorter inputs.
pub fn check_dense_contingency(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<()> {
    const SAMPLE: usize = 1 << 16;
    let seen = |v: &[Labels<'_>]| {
        v.iter()
            .map(|c| sorted::sampled_distinct(*c, SAMPLE))
            .max()
            .unwrap_or(0) as u128
    };
    let (a, b) = (seen(x), seen(y));
    memory::check(
        || format!("a dense contingency table of at least {a} x {b} int64 cells"),
        8 * a * b,
        "pass sparse=True for the non-empty cells only, or call fastinfo.mutual_information, \
         which never builds the dense table",
    )
}

/// Minimum and maximum key of a non-empty column, in parallel.
pub(crate) fn key_range<T: Label>(x: &[T]) -> (u64, u64) {
    let (lo, hi) = if x.len() < PARALLEL_MIN {
        extremes(x)
    } else {
        x.par_chunks(1 << 16)
            .map(extremes)
            .reduce_with(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .expect("x is not empty")
    };
    (lo.key(), hi.key())
}

fn check_columns(columns: &[Labels<'_>]) -> Result<usize> {
    let first = columns.first().ok_or(Error::EmptyInput {
        argument: "variables".into(),
    })?;
    let n = first.len();
    if n == 0 {
        return Err(Error::EmptyInput {
            argument: "x".into(),
        });
    }
    for c in columns {
        if c.len() != n {
            return Err(Error::LengthMismatch {
                argument: "variables".into(),
                expected: n,
                found: c.len(),
            });
        }
    }
    Ok(n)
}

/// Counts of the values of one column (see [`JointCounts::histogram`]).
pub fn histogram(column: Labels<'_>) -> Result<JointCounts> {
    joint_counts(&[column])
}

/// A cheap guess of a column's key range: exact for short columns, else the range of its first and
/// last 4096 samples and of 4096 samples spread over it. Never wider than the true range.
fn guess_range<T: Label>(x: &[T]) -> (u64, u64) {
    const SAMPLE: usize = 4096;
    if x.len() <= 4 * SAMPLE {
        return key_range(x);
    }
    let stride = x.len() / SAMPLE;
    let spread = x.iter().step_by(stride).copied();
    let ends = x[..SAMPLE].iter().chain(&x[x.len() - SAMPLE..]).copied();
    let (lo, hi) = spread
        .chain(ends)
        .fold((x[0], x[0]), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo.key(), hi.key())
}

/// The mins and cardinalities of `ranges` if the product of their widths is at most `limit`.
fn small_product(ranges: &[(u64, u64)], limit: u64) -> Option<(Vec<u64>, Vec<u64>)> {
    let widths: Vec<u128> = ranges
        .iter()
        .map(|&(lo, hi)| u128::from(hi - lo) + 1)
        .collect();
    let product = widths
        .iter()
        .try_fold(1u128, |acc, &w| acc.checked_mul(w))?;
    (product <= u128::from(limit)).then(|| {
        (
            ranges.iter().map(|r| r.0).collect(),
            widths.iter().map(|&w| w as u64).collect(),
        )
    })
}

/// A dense table of `n` samples: cell codes `key − min` of each column, mixed radix `cards`.
fn dense_table(n: usize, mins: Vec<u64>, cards: Vec<u64>, table: Vec<u64>) -> JointCounts {
    JointCounts {
        codebooks: mins
            .into_iter()
            .zip(cards)
            .map(|(min, card)| Codebook::Offset { min, card })
            .collect(),
        cells: Cells::Dense(table),
        total: n as u64,
    }
}

/// `true` if `key` is the key of a value of `T` (a range from labels of another type may not be).
fn key_fits<T: Label>(_: &[T], key: u64) -> bool {
    T::from_key(key).key() == key
}

/// [`joint_counts`], trying first the key ranges `near` (`(lo, hi)` per column, e.g. the ranges of
/// the previous batch of a stream) in place of ranges guessed from a sample of the labels: one pass
/// over the labels and no sampling of cold memory when they hold. Ranges that are missing, do not
/// fit the column's type, or make too large a table are ignored; a value outside them falls back
/// to [`joint_counts`]. The counts are the same either way (only the table's layout differs).
pub fn joint_counts_near(
    columns: &[Labels<'_>],
    near: &[Option<(u64, u64)>],
) -> Result<JointCounts> {
    let n = check_columns(columns)?;
    let ranges: Option<Vec<(u64, u64)>> = (near.len() == columns.len())
        .then(|| {
            columns
                .iter()
                .zip(near)
                .map(|(c, r)| {
                    r.filter(|&(lo, hi)| {
                        lo <= hi && with_labels!(*c, s => key_fits(s, lo) && key_fits(s, hi))
                    })
                })
                .collect()
        })
        .flatten();
    if let Some((mins, cards)) = ranges.and_then(|r| small_product(&r, dense_limit(n))) {
        if let Some(table) = dense_counts(columns, &mins, &cards) {
            return Ok(dense_table(n, mins, cards, table));
        }
    }
    joint_counts(columns)
}

/// Counts of every combination of values of `columns` (all of the same length ≥ 1).
///
/// Dense path first: ranges are guessed from a sample and the data is counted in one pass, which
/// fails fast (and falls back to exact ranges) if a value lies outside the guess. One wide column
/// whose values look mostly distinct is sorted (`sorted.rs`); otherwise wide columns are
/// factorised on the fly by each thread and the parts merged.
pub fn joint_counts(columns: &[Labels<'_>]) -> Result<JointCounts> {
    joint_counts_with(columns, &AtomicBool::new(false))
}

/// Bytes per sample and factorised column that hashing mostly distinct values takes at its peak
/// (each thread's dictionary and cells, then the merge), measured at about 12 times an int64
/// input of two columns.
const HASHED_BYTES_PER_VALUE: u128 = 64;

/// [`joint_counts`], stopping with [`Error::Interrupted`] once `interrupt` is raised (checked
/// every [`BLOCK`] samples of the hashed path), and checking the memory budget before hashing
/// columns whose values look mostly distinct (which needs memory per distinct value).
pub fn joint_counts_with(columns: &[Labels<'_>], interrupt: &AtomicBool) -> Result<JointCounts> {
    let n = check_columns(columns)?;
    let limit = dense_limit(n);
    let dense =
        |mins: Vec<u64>, cards: Vec<u64>, table: Vec<u64>| dense_table(n, mins, cards, table);
    let guesses: Vec<(u64, u64)> = columns
        .iter()
        .map(|c| with_labels!(*c, s => guess_range(s)))
        .collect();
    let exact = |c: &Labels<'_>| with_labels!(*c, s => key_range(s));
    let ranges: Vec<Option<(u64, u64)>> =
        if let Some((mins, cards)) = small_product(&guesses, limit) {
            if let Some(table) = dense_counts(columns, &mins, &cards) {
                return Ok(dense(mins, cards, table));
            }
            // The sample missed some values: scan every column for its exact range.
            let ranges: Vec<(u64, u64)> = columns.iter().map(exact).collect();
            if let Some((mins, cards)) = small_product(&ranges, limit) {
                let table =
                    dense_counts(columns, &mins, &cards).expect("exact ranges hold every value");
                return Ok(dense(mins, cards, table));
            }
            ranges.into_iter().map(Some).collect()
        } else {
            // A guessed width is a lower bound: wide columns are factorised without a range scan.
            columns
                .iter()
                .zip(&guesses)
                .map(|(c, &(lo, hi))| (hi - lo < SMALL_RANGE).then(|| exact(c)))
                .collect()
        };
    let offsets: Vec<Option<(u64, u64)>> = ranges
        .iter()
        .map(|r| r.and_then(|(lo, hi)| (hi - lo < SMALL_RANGE).then_some((lo, hi - lo + 1))))
        .collect();
    let factorised: Vec<usize> = (0..columns.len())
        .filter(|&j| offsets[j].is_none())
        .collect();
    if factorised
        .iter()
        .any(|&j| sorted::mostly_distinct(columns[j]))
    {
        if let [column] = columns {
            return sorted::sorted_histogram(*column, interrupt);
        }
        if let Some(table) = sorted::sorted_joint(columns, &offsets, interrupt)? {
            return Ok(table);
        }
        let k = columns.len();
        memory::check(
            || format!("counting {k} columns of {n} samples with mostly distinct values"),
            HASHED_BYTES_PER_VALUE * (factorised.len() as u128 + 1) * n as u128,
            "use fewer samples at a time, or labels with fewer distinct values",
        )?;
    }
    let parts: Vec<Option<Part>> = over_parts(n, |b, e| {
        count_part(columns, &offsets, b, e, limit, interrupt)
    })
    .into_iter()
    .collect::<Result<_>>()?;
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    match parts.into_iter().collect::<Option<Vec<Part>>>() {
        Some(parts) => merge_parts(&parts, &offsets, n),
        None => sorted_rows(columns, &offsets, n),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros and infinities are the point of these tests
mod tests {
    use super::*;

    fn brute(columns: &[Vec<i64>]) -> std::collections::BTreeMap<Vec<i64>, u64> {
        let mut map = std::collections::BTreeMap::new();
        for i in 0..columns[0].len() {
            *map.entry(columns.iter().map(|c| c[i]).collect())
                .or_insert(0) += 1;
        }
        map
    }

    fn table_as_map(t: &JointCounts) -> std::collections::BTreeMap<Vec<i64>, u64> {
        let mut map = std::collections::BTreeMap::new();
        t.for_each_cell(0..t.stored_cells(), |codes, c| {
            let values = codes
                .iter()
                .zip(t.codebooks())
                .map(|(&code, book)| i64::from_key(book.key(code)))
                .collect();
            map.insert(values, c);
        });
        map
    }

    #[test]
    fn every_strategy_matches_brute_force() {
        let n = 5000;
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let small: Vec<i64> = (0..n).map(|_| (next() % 7) as i64 - 3).collect();
        let wide: Vec<i64> = (0..n).map(|_| ((next() % 50) as i64) << 40).collect();
        let huge: Vec<i64> = (0..n)
            .map(|_| (next() << 31) as i64 ^ next() as i64)
            .collect();
        for cols in [
            vec![small.clone()],
            vec![wide.clone()],
            vec![huge.clone()],
            vec![small.clone(), wide.clone()],
            vec![wide.clone(), huge.clone()],
            vec![huge.clone(), huge.clone(), wide.clone(), small.clone()],
            // Six wide columns: the product of their radices overflows u64 (sorted rows path).
            vec![
                huge.clone(),
                wide.clone(),
                huge.clone(),
                huge.clone(),
                huge.clone(),
                huge.clone(),
            ],
        ] {
            let labels: Vec<Labels<'_>> = cols.iter().map(Labels::from).collect();
            let table = joint_counts(&labels).unwrap();
            assert_eq!(table_as_map(&table), brute(&cols));
            assert_eq!(table.total(), n as u64);
            let m = table.marginal(&[cols.len() - 1]).unwrap();
            assert_eq!(table_as_map(&m), brute(&cols[cols.len() - 1..]));
        }
    }

    /// Hashed tables that outgrow the memory budget are errors (`MemoryError` in Python), from
    /// the part counts, their merge and the marginals alike, never aborts.
    #[test]
    fn hashed_tables_past_the_budget_are_errors() {
        use crate::samples::hashmap::with_budget;
        let never = AtomicBool::new(false);
        let n = 300_000usize;
        // Distinct values (a dictionary and cells of 300 000 keys: over 2 MiB each), counted on
        // this thread.
        let wide: Vec<i64> = (0..n as i64)
            .map(|i| i.wrapping_mul(0x9E37_79B9) << 8)
            .collect();
        let small: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        let columns = [Labels::from(&wide), Labels::from(&small)];
        let offsets = [None, Some((0, 3))];
        let part = with_budget(2 << 20, || {
            sparse::count_part(&columns, &offsets, 0, n, 1 << 12, &never)
        });
        match part {
            Err(Error::TooLarge { what, .. }) => assert!(what.contains("distinct"), "{what}"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("300 000 distinct keys fit 2 MiB"),
        }
        // Within a budget that fits, the same count succeeds. A marginal of two wide columns
        // needs a hashed table of 300 000 cells, over a small budget.
        let other: Vec<i64> = wide.iter().map(|v| v.rotate_left(17)).collect();
        let columns = [columns[0], Labels::from(&other), columns[1]];
        let table = joint_counts(&columns).unwrap();
        assert_eq!(table.occupied(), n);
        let refused = with_budget(2 << 20, || table.marginal(&[0, 1]));
        assert!(matches!(refused, Err(Error::TooLarge { .. })));
        let m = table.marginal(&[0, 1]).unwrap();
        assert_eq!(m.occupied(), n);
        // The first column's histogram needs no table at all.
        let (keys, counts) = table.histogram();
        assert_eq!((keys.len(), counts.iter().sum::<u64>()), (n, n as u64));
        assert!((keys, counts) == table.marginal(&[0]).unwrap().histogram());
    }

    #[test]
    fn extremes_are_exact() {
        let x = vec![u64::MAX, 0, 1 << 63, u64::MAX, (1 << 63) - 1];
        let (keys, counts) = histogram(Labels::from(&x)).unwrap().histogram();
        assert_eq!(keys, vec![0, (1 << 63) - 1, 1 << 63, u64::MAX]);
        assert_eq!(counts, vec![1, 1, 1, 2]);
        let y = vec![i64::MIN, i64::MAX, i64::MIN, 0, -1];
        let (keys, counts) = histogram(Labels::from(&y)).unwrap().histogram();
        let values: Vec<i64> = keys.into_iter().map(i64::from_key).collect();
        assert_eq!(values, vec![i64::MIN, -1, 0, i64::MAX]);
        assert_eq!(counts, vec![2, 1, 1, 1]);
    }

    #[test]
    fn errors_on_bad_shapes() {
        let a = vec![1u8, 2];
        let b = vec![1u8];
        let empty: Vec<u8> = vec![];
        assert!(matches!(
            joint_counts(&[Labels::from(&a), Labels::from(&b)]),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            histogram(Labels::from(&empty)),
            Err(Error::EmptyInput { .. })
        ));
        assert!(matches!(joint_counts(&[]), Err(Error::EmptyInput { .. })));
    }
}
