//! The strata of a permutation test: the contingency table of `(given, x)` against `y` cut into
//! one table per value of `given`, with margins, observed cells and how each stratum's null
//! tables are drawn.

use super::{check_lengths, NullMethod};
use crate::samples::counts::{contingency, Contingency};
use crate::{Labels, Result};

/// How the null tables of one stratum are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Draw {
    /// One row or one column: the table is fixed by its margins.
    Fixed,
    Table,
    Shuffle,
}

/// One stratum of `given` (the whole data when there is none): its margins and observed cells.
#[derive(Debug, Clone)]
pub(super) struct Stratum {
    /// Row sums, ascending (so the largest row is the one Patefield and shuffling leave free).
    pub(super) rows: Vec<u64>,
    /// Column sums, ascending.
    pub(super) columns: Vec<u64>,
    pub(super) n: u64,
    /// Non-zero cells: (local row in the order of `rows`, local column, count).
    pub(super) cells: Vec<(u32, u32, u64)>,
    pub(super) draw: Draw,
}

/// Largest stratum the shuffling path handles (its scratch holds one `u32` per sample: 256 MiB
/// per thread at most).
pub(super) const MAX_SHUFFLE: u64 = 1 << 26;

impl Stratum {
    /// Nanoseconds, roughly, to draw one null table of this stratum by each method (measured on
    /// a 2-core x86-64 machine: a hypergeometric draw costs ~90 ns — ~50 ns for `σ < 4` by
    /// inversion plus ~8 ns per unit of `σ`, ratio-of-uniforms rejection above; shuffling costs
    /// ~4.5 ns per shuffled label and ~2 ns per counted one).
    pub(super) fn costs(&self) -> (f64, f64) {
        let (r, c) = (self.rows.len() as f64, self.columns.len() as f64);
        let draws = (r - 1.0) * (c - 1.0);
        let spread = (self.n as f64 / (r * c)).sqrt().min(4.0);
        let table = draws * (60.0 + 8.0 * spread) + 2.0 * c;
        let largest = *self.rows.last().unwrap_or(&0) as f64;
        let shuffle = 4.5 * (self.n as f64 - largest) + 2.0 * self.n as f64 + 2.0 * c;
        (table, shuffle)
    }

    pub(super) fn choose(&mut self, method: NullMethod) {
        self.draw = if self.rows.len() == 1 || self.columns.len() == 1 {
            Draw::Fixed
        } else if self.n > MAX_SHUFFLE || u32::try_from(self.columns.len()).is_err() {
            Draw::Table
        } else {
            match method {
                NullMethod::Table => Draw::Table,
                NullMethod::Shuffle => Draw::Shuffle,
                NullMethod::Auto => {
                    let (table, shuffle) = self.costs();
                    if table <= shuffle {
                        Draw::Table
                    } else {
                        Draw::Shuffle
                    }
                }
            }
        };
    }
}

/// Splits a contingency table of `(z…, x…)` against `y` into strata of the first `z_columns`
/// columns of its rows (rows are sorted, so a stratum's rows are consecutive).
pub(super) fn strata(table: &Contingency, z_columns: usize) -> Vec<Stratum> {
    let row_count = table.x_values.first().map_or(0, Vec::len);
    let same_stratum = |r: usize| {
        table.x_values[..z_columns]
            .iter()
            .all(|keys| keys[r] == keys[r - 1])
    };
    // First row of each stratum, and an end marker.
    let mut starts: Vec<usize> = (0..row_count)
        .filter(|&r| r == 0 || !same_stratum(r))
        .collect();
    starts.push(row_count);
    let mut out = Vec::with_capacity(starts.len() - 1);
    let mut cell = 0;
    for bounds in starts.windows(2) {
        let (first_row, end_row) = (bounds[0] as u64, bounds[1] as u64);
        let begin = cell;
        while cell < table.rows.len() && table.rows[cell] < end_row {
            cell += 1;
        }
        let range = begin..cell;
        let mut row_sums = vec![0u64; (end_row - first_row) as usize];
        let mut column_ids: Vec<u64> = table.columns[range.clone()].to_vec();
        column_ids.sort_unstable();
        column_ids.dedup();
        let mut column_sums = vec![0u64; column_ids.len()];
        let mut cells = Vec::with_capacity(range.len());
        for i in range {
            let row = (table.rows[i] - first_row) as usize;
            let column = column_ids
                .binary_search(&table.columns[i])
                .expect("every column of the stratum is listed");
            row_sums[row] += table.counts[i];
            column_sums[column] += table.counts[i];
            cells.push((row, column, table.counts[i]));
        }
        // Ascending sums: rename rows and columns by rank.
        let rank = |sums: &[u64]| -> (Vec<u64>, Vec<u32>) {
            let mut order: Vec<usize> = (0..sums.len()).collect();
            order.sort_by_key(|&i| (sums[i], i));
            let mut position = vec![0u32; sums.len()];
            for (p, &i) in order.iter().enumerate() {
                position[i] = p as u32;
            }
            (order.iter().map(|&i| sums[i]).collect(), position)
        };
        let (rows, row_position) = rank(&row_sums);
        let (columns, column_position) = rank(&column_sums);
        let n = rows.iter().sum();
        out.push(Stratum {
            rows,
            columns,
            n,
            cells: cells
                .into_iter()
                .map(|(r, c, k)| (row_position[r], column_position[c], k))
                .collect(),
            draw: Draw::Fixed,
        });
    }
    out
}

/// The contingency table of `(given…, x…)` against `y`, split into strata of `given`.
pub(super) fn observed_strata(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    given: &[Labels<'_>],
) -> Result<(Vec<Stratum>, u64)> {
    let n = check_lengths(&[("x", x), ("y", y), ("given", given)])?;
    let rows: Vec<Labels<'_>> = given.iter().chain(x).copied().collect();
    let table = contingency(&rows, y)?;
    Ok((strata(&table, given.len()), n as u64))
}
