//! A batch's small-alphabet integer columns counted all at once with the data-set kernels.
//!
//! The tables of [`Layout::Pairs`] whose two columns are integer columns with a key range of at
//! most [`NARROW`] values are counted the way `mutual_information_matrix` counts them
//! ([`crate::samples::dataset`]): each such column is encoded once to one-byte codes, and the
//! pairs are counted by popcounts and by blocks of many pairs per pass over the rows. The pair
//! tables (dense, over codes) are then turned into local cells keyed by value, like those of
//! `count_table`; every other table (a string, hashed or wide column) is left to it. Counts are
//! exact, so the cells, and every result, are the same whichever path counted them.
//!
//! [`Layout::Target`] stays with `count_table`: the target kernel of `mutual_information_with`
//! (units of columns coded jointly against the target) took 0.020 CPU-s for a batch of 2^20 rows
//! of 16 sixteen-valued columns and a target, where the 16 pair counts take 0.008.

use super::{Column, Layout, Local, LocalCells, Ranges};
use crate::runtime::memory;
use crate::samples::dataset::{
    encode_ranged, encoded_bytes, interrupted, key_ranges, narrow_pair_tables, Columns, NARROW,
};
use crate::{Labels, Result};
use std::sync::atomic::AtomicBool;

/// Batches of fewer rows go through `count_table` alone: the block kernels clear a table of up
/// to 2^16 cells per block, which small batches do not repay.
pub(super) const BLOCK_MIN_ROWS: usize = 1 << 10;

/// The index of table `(i, j)`, `i < j`, among the tables of [`Layout::Pairs`] of `d` columns.
fn pair_index(d: usize, i: usize, j: usize) -> usize {
    i * (2 * d - i - 1) / 2 + (j - i - 1)
}

/// The cells of a dense `rows × columns` table (row-major) whose row and column codes have the
/// local indices `rows` and `columns`.
fn local_cells(table: &[u64], rows: &[u32], columns: &[u32]) -> LocalCells {
    let mut cells = LocalCells::default();
    let width = columns.len();
    for (r, run) in table.chunks_exact(width.max(1)).enumerate() {
        for (c, &count) in run.iter().enumerate() {
            if count > 0 {
                cells.indices.push(rows[r]);
                cells.indices.push(columns[c]);
                cells.counts.push(count);
            }
        }
    }
    cells
}

/// Counts the tables of `layout` over `columns` that the block kernels can: the
/// entry of a table is `Some` when counted here, `None` when left to `count_table`. Records the
/// local index of every value met in `locals`, and each encoded column's key range in `ranges`.
pub(super) fn count_dense(
    layout: Layout,
    columns: &[Column<'_>],
    locals: &mut [Local<'_, '_>],
    ranges: &mut Ranges,
    interrupt: &AtomicBool,
) -> Result<Vec<Option<LocalCells>>> {
    let n = columns.first().map_or(0, |c| c.labels.len());
    let mut out: Vec<Option<LocalCells>> = vec![None; layout.tables().len()];
    let Layout::Pairs(d) = layout else {
        return Ok(out);
    };
    if n == 0 || d < 2 {
        return Ok(out);
    }
    // The candidates: integer columns (their labels are their values).
    let integer: Vec<usize> = (0..d).filter(|&v| columns[v].values.is_none()).collect();
    let labels: Vec<Labels<'_>> = integer.iter().map(|&v| columns[v].labels).collect();
    let mut dense = Vec::new();
    let mut dense_ranges = Vec::new();
    for (&v, (lo, hi)) in integer.iter().zip(key_ranges(&labels)) {
        if u128::from(hi - lo) < NARROW as u128 {
            dense.push(v);
            dense_ranges.push((lo, hi));
        }
    }
    if dense.len() < 2 {
        return Ok(out);
    }
    interrupted(interrupt)?;
    let dense_labels = Columns::Separate(dense.iter().map(|&v| columns[v].labels).collect());
    let encoded = encode_ranged(
        &dense_labels,
        n,
        &dense_ranges,
        memory::budget()?,
        interrupt,
    )?;
    interrupted(interrupt)?;
    // The local index of each code of each encoded column (every code is observed).
    let mut local_of_code: Vec<Vec<u32>> = Vec::with_capacity(dense.len());
    for (&v, column) in dense.iter().zip(&encoded) {
        let ids = column
            .keys()
            .iter()
            .map(|&key| locals[v].index_of_key(key))
            .collect::<Result<Vec<u32>>>()?;
        local_of_code.push(ids);
    }
    for (&v, &range) in dense.iter().zip(&dense_ranges) {
        ranges[v] = Some(range);
    }
    let memory = |packed: u128| {
        memory::check(
            || format!("the joint codes of groups of columns ({n} samples)"),
            packed + encoded_bytes(&encoded),
            "count fewer rows at a time",
        )
    };
    let cells = |a: usize, b: usize, table: &[u64]| {
        local_cells(table, &local_of_code[a], &local_of_code[b])
    };
    for (a, b, found) in narrow_pair_tables(&encoded, n, memory, interrupt, &cells)? {
        out[pair_index(d, dense[a], dense[b])] = Some(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::streaming::{Accumulator, Kind};
    use crate::testing::SplitMix;
    use std::borrow::Cow;

    #[test]
    fn pair_indices_follow_the_layout() {
        for d in 2..7 {
            let tables = Layout::Pairs(d).tables();
            for (k, t) in tables.iter().enumerate() {
                assert_eq!(pair_index(d, t[0], t[1]), k);
            }
        }
    }

    /// Columns of every kind: binary, constant, 16-valued, signed, a range of 256 values, one
    /// of 257 (left to `count_table`), a wide one.
    fn mixed(n: usize, seed: u64) -> Vec<Vec<i64>> {
        let mut rng = SplitMix(seed);
        let mut column = |f: &dyn Fn(u64) -> i64| (0..n).map(|_| f(rng.next())).collect();
        vec![
            column(&|r| (r % 2) as i64),
            column(&|_| -7),
            column(&|r| (r % 16) as i64),
            column(&|r| (r % 5) as i64 - 2),
            column(&|r| (r % 2) as i64 + 100),
            column(&|r| (r % 256) as i64 - 128),
            column(&|r| (r % 257) as i64),
            column(&|r| ((r % 3) as i64) << 40),
            column(&|r| (r % 3) as i64),
        ]
    }

    /// Every table counted here equals `count_table`'s (as cells keyed by value), for any `n`.
    #[test]
    fn block_counts_are_the_per_table_counts() {
        let kind = Kind::new("int");
        for (n, seed) in [(1usize, 1u64), (2, 2), (63, 3), (3000, 4)] {
            let data = mixed(n, seed);
            let d = data.len();
            let columns: Vec<Column<'_>> = data
                .iter()
                .enumerate()
                .map(|(j, c)| Column {
                    labels: Labels::from(c),
                    values: None,
                    kind: &kind,
                    name: Cow::Owned(format!("x{j}")),
                })
                .collect();
            for layout in [Layout::Pairs(d), Layout::Target(d - 1)] {
                let by_blocks =
                    Accumulator::count_with(layout, &columns, &[], &AtomicBool::new(false), 0)
                        .unwrap();
                let by_tables = Accumulator::count_with(
                    layout,
                    &columns,
                    &[],
                    &AtomicBool::new(false),
                    usize::MAX,
                )
                .unwrap();
                let mut a = Accumulator::new(layout);
                a.commit(by_blocks).unwrap();
                let mut b = Accumulator::new(layout);
                b.commit(by_tables).unwrap();
                assert_eq!(a.to_bytes(), b.to_bytes(), "n = {n}, {layout:?}");
            }
        }
    }

    #[test]
    fn an_interrupt_stops_the_blocks() {
        let kind = Kind::new("int");
        let data = mixed(2000, 9);
        let columns: Vec<Column<'_>> = data
            .iter()
            .map(|c| Column {
                labels: Labels::from(c),
                values: None,
                kind: &kind,
                name: Cow::Borrowed("x"),
            })
            .collect();
        let stop = AtomicBool::new(true);
        assert!(matches!(
            Accumulator::count_with(Layout::Pairs(data.len()), &columns, &[], &stop, 0),
            Err(crate::Error::Interrupted)
        ));
    }
}
