//! The counted table: codes of each column ([`Codebook`]), the cells (dense, hashed or sorted
//! rows) and the queries the estimators need (marginals, cells in order, histograms).

use super::dense_limit;
use crate::runtime::memory;
use crate::samples::hashmap::U64Map;
use crate::Result;
use rayon::prelude::*;

/// How codes of one column map back to its labels' keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Codebook {
    /// Code `c` stands for key `min + c`, for `c < card` (some codes may be unobserved).
    Offset { min: u64, card: u64 },
    /// Code `c` stands for key `keys[c]`; `keys` is sorted and every key was observed.
    Keys(Vec<u64>),
}

impl Codebook {
    /// Number of codes.
    #[must_use]
    pub fn card(&self) -> u64 {
        match self {
            Codebook::Offset { card, .. } => *card,
            Codebook::Keys(keys) => keys.len() as u64,
        }
    }

    /// The key code `code` stands for.
    #[must_use]
    pub fn key(&self, code: u64) -> u64 {
        match self {
            Codebook::Offset { min, .. } => min + code,
            Codebook::Keys(keys) => keys[code as usize],
        }
    }
}

/// The cells of a table.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cells {
    /// All `Π card` cells, row-major (the last column varies fastest).
    Dense(Vec<u64>),
    /// Non-empty cells only: mixed-radix keys in ascending order, with their counts.
    Sparse { keys: Vec<u64>, counts: Vec<u64> },
    /// Non-empty cells only, when `Π card` overflows `u64`: code tuples (`k` per cell, row-major) in
    /// lexicographic order, with their counts.
    Rows { codes: Vec<u64>, counts: Vec<u64> },
}

/// Counts of every combination of values of `k ≥ 1` columns (a histogram when `k = 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct JointCounts {
    pub(super) codebooks: Vec<Codebook>,
    pub(super) cells: Cells,
    pub(super) total: u64,
}

/// Decodes mixed-radix `key` into `out` (one code per column).
#[inline]
pub(super) fn decode(mut key: u64, cards: impl DoubleEndedIterator<Item = u64>, out: &mut [u64]) {
    for (slot, card) in out.iter_mut().rev().zip(cards.rev()) {
        *slot = key % card;
        key /= card;
    }
}

/// Mixed-radix key of `codes` (the product of `cards` must fit in `u64`).
pub(super) fn encode(codes: &[u64], cards: impl Iterator<Item = u64>) -> u64 {
    codes
        .iter()
        .zip(cards)
        .fold(0u64, |acc, (&c, card)| acc * card + c)
}

pub(super) fn checked_product(cards: impl IntoIterator<Item = u64>) -> Option<u64> {
    cards.into_iter().try_fold(1u64, u64::checked_mul)
}

impl JointCounts {
    /// Total number of samples.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Number of columns.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.codebooks.len()
    }

    /// The codebook of each column.
    #[must_use]
    pub fn codebooks(&self) -> &[Codebook] {
        &self.codebooks
    }

    /// Number of stored cells (including empty ones of a dense table).
    #[must_use]
    pub fn stored_cells(&self) -> usize {
        match &self.cells {
            Cells::Dense(t) => t.len(),
            Cells::Sparse { counts, .. } | Cells::Rows { counts, .. } => counts.len(),
        }
    }

    /// Calls `f(codes, count)` for the non-empty cells among stored cells `range`, in order.
    ///
    /// A dense table is walked with an odometer over the codes (no division per cell).
    pub fn for_each_cell(&self, range: std::ops::Range<usize>, mut f: impl FnMut(&[u64], u64)) {
        let k = self.columns();
        let cards = self.codebooks.iter().map(Codebook::card);
        let mut codes = vec![0u64; k];
        match &self.cells {
            Cells::Dense(t) => {
                let cards: Vec<u64> = cards.collect();
                decode(range.start as u64, cards.iter().copied(), &mut codes);
                for &count in &t[range] {
                    if count != 0 {
                        f(&codes, count);
                    }
                    for (code, &card) in codes.iter_mut().zip(&cards).rev() {
                        *code += 1;
                        if *code < card {
                            break;
                        }
                        *code = 0;
                    }
                }
            }
            Cells::Sparse { keys, counts } => {
                for i in range {
                    decode(keys[i], cards.clone(), &mut codes);
                    f(&codes, counts[i]);
                }
            }
            Cells::Rows {
                codes: rows,
                counts,
            } => {
                for i in range {
                    f(&rows[i * k..(i + 1) * k], counts[i]);
                }
            }
        }
    }

    /// The stored cell counts in ascending order of the cells' values (a dense table includes its
    /// empty cells as zeros).
    #[must_use]
    pub fn stored_counts(&self) -> &[u64] {
        match &self.cells {
            Cells::Dense(t) => t.as_slice(),
            Cells::Sparse { counts, .. } | Cells::Rows { counts, .. } => counts.as_slice(),
        }
    }

    /// The dense table of a two-column table, row-major with `(rows, columns)`, if it is dense.
    #[must_use]
    pub fn as_dense_matrix(&self) -> Option<(&[u64], usize, usize)> {
        match (&self.cells, self.codebooks.as_slice()) {
            (Cells::Dense(t), [a, b]) => Some((t.as_slice(), a.card() as usize, b.card() as usize)),
            _ => None,
        }
    }

    /// Number of non-empty cells.
    #[must_use]
    pub fn occupied(&self) -> usize {
        self.stored_counts().iter().filter(|&&c| c != 0).count()
    }

    /// The count of the cell with the given codes (0 if it is empty).
    #[must_use]
    pub fn count_of(&self, codes: &[u64]) -> u64 {
        self.index_of(codes).map_or(0, |i| self.stored_counts()[i])
    }

    /// Counts of the columns in `keep` (in that order), summed over the others.
    ///
    /// With `keep` empty, the result is a table of one cell holding the total.
    ///
    /// Errors: [`crate::Error::TooLarge`] when its cells (at most as many as this table's) do not
    /// fit the memory budget or cannot be allocated.
    pub fn marginal(&self, keep: &[usize]) -> Result<JointCounts> {
        let codebooks: Vec<Codebook> = keep.iter().map(|&c| self.codebooks[c].clone()).collect();
        let cards: Vec<u64> = codebooks.iter().map(Codebook::card).collect();
        let mut sub = vec![0u64; keep.len()];
        let mut sub_key = |codes: &[u64]| {
            for (s, &c) in sub.iter_mut().zip(keep) {
                *s = codes[c];
            }
            encode(&sub, cards.iter().copied())
        };
        let all = 0..self.stored_cells();
        let cells = match checked_product(cards.iter().copied()) {
            Some(p) if p <= dense_limit(self.total as usize).max(self.stored_cells() as u64) => {
                let what = || format!("a marginal table of {p} cells");
                let mut table = memory::try_filled(p as usize, 0u64, what, ROWS_ADVICE)?;
                self.for_each_cell(all, |codes, count| table[sub_key(codes) as usize] += count);
                Cells::Dense(table)
            }
            Some(_) => {
                let mut map = U64Map::try_with_capacity(self.stored_cells().min(1 << 20))?;
                let mut result = Ok(());
                self.for_each_cell(all, |codes, count| {
                    if result.is_ok() {
                        result = map.add(sub_key(codes), count);
                    }
                });
                result?;
                let (keys, counts) = map.into_sorted()?;
                Cells::Sparse { keys, counts }
            }
            None => {
                let (stored, k) = (self.stored_cells(), keep.len());
                let what = || format!("the {stored} rows of a marginal table of {k} columns");
                let mut rows = reserve_rows(stored, k, &what)?;
                self.for_each_cell(all, |codes, count| {
                    rows.push((keep.iter().map(|&c| codes[c]).collect(), count));
                });
                rows_cells(rows)?
            }
        };
        Ok(JointCounts {
            codebooks,
            cells,
            total: self.total,
        })
    }

    /// The stored index of the cell with the given codes, if it is stored.
    pub(super) fn index_of(&self, codes: &[u64]) -> Option<usize> {
        match &self.cells {
            Cells::Dense(_) => {
                Some(encode(codes, self.codebooks.iter().map(Codebook::card)) as usize)
            }
            Cells::Sparse { keys, .. } => keys
                .binary_search(&encode(codes, self.codebooks.iter().map(Codebook::card)))
                .ok(),
            Cells::Rows { codes: rows, .. } => {
                let k = codes.len();
                let (mut lo, mut hi) = (0usize, rows.len() / k.max(1));
                while lo < hi {
                    let mid = usize::midpoint(lo, hi);
                    match rows[mid * k..(mid + 1) * k].cmp(codes) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return Some(mid),
                    }
                }
                None
            }
        }
    }

    /// The observed cells in ascending order: for each column the keys of its values, and the counts.
    #[must_use]
    pub fn nonzero_cells(&self) -> (Vec<Vec<u64>>, Vec<u64>) {
        let mut keys: Vec<Vec<u64>> = vec![Vec::new(); self.columns()];
        let mut counts = Vec::new();
        self.for_each_cell(0..self.stored_cells(), |codes, c| {
            for ((column, book), &code) in keys.iter_mut().zip(&self.codebooks).zip(codes) {
                column.push(book.key(code));
            }
            counts.push(c);
        });
        (keys, counts)
    }

    /// The histogram of the first column as `(keys, counts)` of observed values, ascending (the
    /// whole table for a one-column histogram).
    #[must_use]
    pub fn histogram(&self) -> (Vec<u64>, Vec<u64>) {
        if self.columns() == 1 {
            let (mut keys, counts) = self.nonzero_cells();
            return (keys.swap_remove(0), counts);
        }
        // Cells come in ascending order of their codes, the first column's most significant: its
        // equal codes are consecutive, and summing runs needs no table.
        let (mut keys, mut counts): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
        let mut last = None;
        self.for_each_cell(0..self.stored_cells(), |codes, c| {
            if last == Some(codes[0]) {
                *counts.last_mut().expect("a previous cell exists") += c;
            } else {
                keys.push(self.codebooks[0].key(codes[0]));
                counts.push(c);
                last = Some(codes[0]);
            }
        });
        (keys, counts)
    }
}

// ---------------------------------------------------------------------------------------------
// Tables counted elsewhere (the streaming accumulators of `samples::streaming`), so that every
// estimate of `samples::estimate` applies to them unchanged.

impl JointCounts {
    /// The table whose non-empty cells are `(keys[i], counts[i])`: mixed-radix keys over `cards`
    /// (codes `0..card` of each column, the last varying fastest) in strictly ascending order,
    /// counts positive. The product of `cards` must fit `u64`.
    #[must_use]
    pub fn from_sorted_keys(cards: &[u64], keys: Vec<u64>, counts: Vec<u64>) -> JointCounts {
        debug_assert!(checked_product(cards.iter().copied()).is_some());
        debug_assert!(keys.windows(2).all(|w| w[0] < w[1]) && keys.len() == counts.len());
        JointCounts {
            codebooks: offset_codebooks(cards),
            total: counts.iter().sum(),
            cells: Cells::Sparse { keys, counts },
        }
    }

    /// The table of `(codes, count)` rows (`cards.len()` codes each, in any order; equal tuples
    /// are merged) from [`JointCounts::reserve_rows`]. Errors: the merged rows cannot be
    /// allocated.
    pub(crate) fn from_rows(cards: &[u64], rows: Vec<(Vec<u64>, u64)>) -> Result<JointCounts> {
        let cells = rows_cells(rows)?;
        let Cells::Rows { counts, .. } = &cells else {
            unreachable!("rows make rows")
        };
        Ok(JointCounts {
            codebooks: offset_codebooks(cards),
            total: counts.iter().sum(),
            cells,
        })
    }

    /// Room for `len` rows of `k` codes for [`JointCounts::from_rows`], checked against the
    /// memory budget and reserved fallibly; `what` names them.
    pub(crate) fn reserve_rows(
        len: usize,
        k: usize,
        what: &dyn Fn() -> String,
    ) -> Result<Vec<(Vec<u64>, u64)>> {
        reserve_rows(len, k, what)
    }

    /// The table whose non-empty cells are the code tuples `codes` (`cards.len()` codes per cell,
    /// row-major) in strictly ascending lexicographic order, with positive `counts`.
    #[must_use]
    pub fn from_sorted_rows(cards: &[u64], codes: Vec<u64>, counts: Vec<u64>) -> JointCounts {
        debug_assert_eq!(codes.len(), cards.len() * counts.len());
        JointCounts {
            codebooks: offset_codebooks(cards),
            total: counts.iter().sum(),
            cells: Cells::Rows { codes, counts },
        }
    }
}

fn offset_codebooks(cards: &[u64]) -> Vec<Codebook> {
    cards
        .iter()
        .map(|&card| Codebook::Offset { min: 0, card })
        .collect()
}

/// What to do instead when a table's rows do not fit the budget.
pub(super) const ROWS_ADVICE: &str =
    "use fewer samples or columns at a time, or labels with fewer distinct values";

/// An empty vector with room for `len` rows of `k` codes, checked against the memory budget
/// (each row's codes are an allocation of their own) and reserved fallibly; `what` names them.
pub(super) fn reserve_rows(
    len: usize,
    k: usize,
    what: &dyn Fn() -> String,
) -> Result<Vec<(Vec<u64>, u64)>> {
    memory::check(what, len as u128 * (48 + 8 * k as u128), ROWS_ADVICE)?;
    let mut rows = Vec::new();
    memory::try_reserve(&mut rows, len, what, ROWS_ADVICE)?;
    Ok(rows)
}

/// Sorts `(codes, count)` rows and merges equal code tuples. Errors: the merged rows cannot be
/// allocated.
pub(super) fn rows_cells(mut rows: Vec<(Vec<u64>, u64)>) -> Result<Cells> {
    rows.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let distinct = rows.len() - rows.windows(2).filter(|w| w[0].0 == w[1].0).count();
    let k = rows.first().map_or(0, |r| r.0.len());
    let what = || format!("the {distinct} distinct rows of a table of {k} columns");
    let mut flat = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    memory::try_reserve(&mut flat, distinct * k, what, ROWS_ADVICE)?;
    memory::try_reserve(&mut counts, distinct, what, ROWS_ADVICE)?;
    let mut last: Option<&[u64]> = None;
    for (tuple, count) in &rows {
        if last == Some(tuple.as_slice()) {
            *counts.last_mut().expect("a previous row exists") += count;
        } else {
            flat.extend_from_slice(tuple);
            counts.push(*count);
            last = Some(tuple);
        }
    }
    Ok(Cells::Rows {
        codes: flat,
        counts,
    })
}
