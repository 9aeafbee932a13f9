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
//! Samples are split into one contiguous part per thread; each part is counted into its own table
//! (`u32` counts, parts are at most 2^31 samples) and the parts are added in `u64`. Integer counts do
//! not depend on the split, so every table is identical for any number of threads; tables are always
//! reported in ascending order of value.

use crate::samples::hashmap::{Dictionary, U64Map};
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;

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
enum Cells {
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
    codebooks: Vec<Codebook>,
    cells: Cells,
    total: u64,
}

/// Decodes mixed-radix `key` into `out` (one code per column).
#[inline]
fn decode(mut key: u64, cards: impl DoubleEndedIterator<Item = u64>, out: &mut [u64]) {
    for (slot, card) in out.iter_mut().rev().zip(cards.rev()) {
        *slot = key % card;
        key /= card;
    }
}

/// Mixed-radix key of `codes` (the product of `cards` must fit in `u64`).
fn encode(codes: &[u64], cards: impl Iterator<Item = u64>) -> u64 {
    codes
        .iter()
        .zip(cards)
        .fold(0u64, |acc, (&c, card)| acc * card + c)
}

fn checked_product(cards: impl IntoIterator<Item = u64>) -> Option<u64> {
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
    #[must_use]
    pub fn marginal(&self, keep: &[usize]) -> JointCounts {
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
                let mut table = vec![0u64; p as usize];
                self.for_each_cell(all, |codes, count| table[sub_key(codes) as usize] += count);
                Cells::Dense(table)
            }
            Some(_) => {
                let mut map = U64Map::with_capacity(self.stored_cells().min(1 << 20));
                self.for_each_cell(all, |codes, count| map.add(sub_key(codes), count));
                let (keys, counts) = map.into_sorted();
                Cells::Sparse { keys, counts }
            }
            None => {
                let mut rows: Vec<(Vec<u64>, u64)> = Vec::with_capacity(self.stored_cells());
                self.for_each_cell(all, |codes, count| {
                    rows.push((keep.iter().map(|&c| codes[c]).collect(), count));
                });
                rows_cells(rows)
            }
        };
        JointCounts {
            codebooks,
            cells,
            total: self.total,
        }
    }

    /// The stored index of the cell with the given codes, if it is stored.
    fn index_of(&self, codes: &[u64]) -> Option<usize> {
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

    /// The table of a one-column histogram as `(keys, counts)` of observed values, ascending.
    #[must_use]
    pub fn histogram(&self) -> (Vec<u64>, Vec<u64>) {
        let (mut keys, counts) = if self.columns() == 1 {
            self.nonzero_cells()
        } else {
            self.marginal(&[0]).nonzero_cells()
        };
        (keys.swap_remove(0), counts)
    }
}

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
    let table = joint_counts(&columns)?;
    let x_columns: Vec<usize> = (0..x.len()).collect();
    let y_columns: Vec<usize> = (x.len()..columns.len()).collect();
    let mx = table.marginal(&x_columns);
    let my = table.marginal(&y_columns);
    let (rank_x, rank_y) = (ranks(&mx), ranks(&my));
    let rank = |m: &JointCounts, r: &Option<Vec<u64>>, codes: &[u64]| {
        let i = m
            .index_of(codes)
            .expect("a marginal holds every observed cell");
        r.as_ref().map_or(i as u64, |r| r[i])
    };
    let (mut rows, mut cols, mut counts) = (Vec::new(), Vec::new(), Vec::new());
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

/// Minimum and maximum key of a non-empty column, in parallel.
pub(crate) fn key_range<T: Label>(x: &[T]) -> (u64, u64) {
    fn fold<T: Label>(x: &[T]) -> (T, T) {
        // Independent lanes so LLVM vectorises the comparisons.
        const LANES: usize = 16;
        let mut lo = [x[0]; LANES];
        let mut hi = [x[0]; LANES];
        let mut chunks = x.chunks_exact(LANES);
        for chunk in &mut chunks {
            for i in 0..LANES {
                lo[i] = if chunk[i] < lo[i] { chunk[i] } else { lo[i] };
                hi[i] = if chunk[i] > hi[i] { chunk[i] } else { hi[i] };
            }
        }
        let (mut l, mut h) = (x[0], x[0]);
        for &v in lo.iter().chain(&hi).chain(chunks.remainder()) {
            l = l.min(v);
            h = h.max(v);
        }
        (l, h)
    }
    let (lo, hi) = if x.len() < PARALLEL_MIN {
        fold(x)
    } else {
        x.par_chunks(1 << 16)
            .map(fold)
            .reduce_with(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .expect("x is not empty")
    };
    (lo.key(), hi.key())
}

/// Length of the contiguous part each thread counts.
fn part_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads().max(1))
        .clamp(PARALLEL_MIN, MAX_PART)
}

/// Runs `count(begin, end)` over the thread parts of `0..n` and returns the results in order.
fn over_parts<R: Send>(n: usize, count: impl Fn(usize, usize) -> R + Sync) -> Vec<R> {
    if n < PARALLEL_MIN {
        return vec![count(0, n)];
    }
    let len = part_len(n);
    (0..n.div_ceil(len))
        .into_par_iter()
        .map(|p| count(p * len, ((p + 1) * len).min(n)))
        .collect()
}

/// Sums `u32` part tables into one `u64` table; `None` if any part is `None`.
fn add_parts(parts: Vec<Option<Vec<u32>>>, cells: usize) -> Option<Vec<u64>> {
    let mut total = vec![0u64; cells];
    for part in parts {
        for (t, &c) in total.iter_mut().zip(&part?) {
            *t += u64::from(c);
        }
    }
    Some(total)
}

/// Histogram of `x` into `card` bins of `key − min`, in `u32` (`x.len()` ≤ 2^31).
/// `None` as soon as a value falls outside `[min, min + card)`.
fn histogram_part<T: Label>(x: &[T], min: u64, card: usize) -> Option<Vec<u32>> {
    let index = |v: T| v.key().wrapping_sub(min) as usize;
    if card <= 1024 {
        // Four interleaved sub-histograms: runs of one label do not serialise on one counter.
        let mut table = vec![0u32; 4 * card];
        {
            let (t01, t23) = table.split_at_mut(2 * card);
            let (t0, t1) = t01.split_at_mut(card);
            let (t2, t3) = t23.split_at_mut(card);
            let mut quads = x.chunks_exact(4);
            for q in &mut quads {
                let (i0, i1, i2, i3) = (index(q[0]), index(q[1]), index(q[2]), index(q[3]));
                if i0.max(i1).max(i2).max(i3) >= card {
                    return None;
                }
                t0[i0] += 1;
                t1[i1] += 1;
                t2[i2] += 1;
                t3[i3] += 1;
            }
            for &v in quads.remainder() {
                *t0.get_mut(index(v))? += 1;
            }
        }
        let (head, rest) = table.split_at_mut(card);
        for sub in rest.chunks_exact(card) {
            for (h, s) in head.iter_mut().zip(sub) {
                *h += s;
            }
        }
        table.truncate(card);
        Some(table)
    } else {
        let mut table = vec![0u32; card];
        for &v in x {
            *table.get_mut(index(v))? += 1;
        }
        Some(table)
    }
}

/// Dense histogram of `key − min` over `card` bins, in parallel (`None` if a value is outside).
fn dense_histogram<T: Label>(x: &[T], min: u64, card: usize) -> Option<Vec<u64>> {
    let parts = over_parts(x.len(), |b, e| histogram_part(&x[b..e], min, card));
    add_parts(parts, card)
}

/// Dense joint histogram of two offset-coded columns (`cards[0] × cards[1]` cells, row-major).
/// `None` if a value falls outside its column's range.
fn dense_pair_histogram<A: Label, B: Label>(
    a: &[A],
    b: &[B],
    mins: [u64; 2],
    cards: [u64; 2],
) -> Option<Vec<u64>> {
    let cells = (cards[0] * cards[1]) as usize;
    let parts = over_parts(a.len(), |begin, end| {
        let mut table = vec![0u32; cells];
        for (&x, &y) in a[begin..end].iter().zip(&b[begin..end]) {
            let (i, j) = (x.key().wrapping_sub(mins[0]), y.key().wrapping_sub(mins[1]));
            if i >= cards[0] || j >= cards[1] {
                return None;
            }
            table[(i * cards[1] + j) as usize] += 1;
        }
        Some(table)
    });
    add_parts(parts, cells)
}

/// Writes `key − min` of `column[start..start + out.len()]` into `out`; `false` if any code is
/// `card` or more (the value is outside the assumed range).
fn offset_codes(column: Labels<'_>, min: u64, card: u64, start: usize, out: &mut [u64]) -> bool {
    let end = start + out.len();
    let mut inside = true;
    with_labels!(column, s => {
        for (o, &v) in out.iter_mut().zip(&s[start..end]) {
            *o = v.key().wrapping_sub(min);
            inside &= *o < card;
        }
    });
    inside
}

/// Dense joint histogram of `k` offset-coded columns, through blocks of mixed-radix codes.
/// `None` if a value falls outside its column's range.
fn dense_joint_histogram(columns: &[Labels<'_>], mins: &[u64], cards: &[u64]) -> Option<Vec<u64>> {
    let n = columns[0].len();
    let cells = cards.iter().product::<u64>() as usize;
    let parts = over_parts(n, |begin, end| {
        let mut table = vec![0u32; cells];
        let mut acc = vec![0u64; BLOCK];
        let mut codes = vec![0u64; BLOCK];
        let mut start = begin;
        while start < end {
            let len = BLOCK.min(end - start);
            let acc = &mut acc[..len];
            acc.fill(0);
            for ((column, &min), &card) in columns.iter().zip(mins).zip(cards) {
                if !offset_codes(*column, min, card, start, &mut codes[..len]) {
                    return None;
                }
                for (a, &c) in acc.iter_mut().zip(&codes) {
                    *a = *a * card + c;
                }
            }
            for &c in acc.iter() {
                table[c as usize] += 1;
            }
            start += len;
        }
        Some(table)
    });
    add_parts(parts, cells)
}

/// Dense counts of `columns` over the ranges `mins[j] .. mins[j] + cards[j]`; `None` if a value
/// falls outside them (the ranges were a guess).
fn dense_counts(columns: &[Labels<'_>], mins: &[u64], cards: &[u64]) -> Option<Vec<u64>> {
    match columns {
        [x] => with_labels!(*x, s => dense_histogram(s, mins[0], cards[0] as usize)),
        [a, b] => with_labels!(*a, sa => with_labels!(*b, sb =>
            dense_pair_histogram(sa, sb, [mins[0], mins[1]], [cards[0], cards[1]]))),
        _ => dense_joint_histogram(columns, mins, cards),
    }
}

/// How one column is coded inside a thread's part of the samples.
enum PartCoder {
    /// `key − min`, fixed cardinality.
    Offset { min: u64, card: u64 },
    /// Codes in order of first appearance within the part.
    Factor(Dictionary),
}

impl PartCoder {
    fn codes(&mut self, column: Labels<'_>, start: usize, out: &mut [u64]) {
        match self {
            PartCoder::Offset { min, card } => {
                let inside = offset_codes(column, *min, *card, start, out);
                debug_assert!(inside, "offset columns were given their exact range");
            }
            PartCoder::Factor(dictionary) => with_labels!(column, s => {
                let end = start + out.len();
                for (o, &v) in out.iter_mut().zip(&s[start..end]) {
                    *o = dictionary.code(v.key());
                }
            }),
        }
    }

    /// The smallest radix (a power of two for factor codes) that holds every code seen so far.
    fn radix(&self, current: u64) -> u64 {
        match self {
            PartCoder::Offset { card, .. } => *card,
            PartCoder::Factor(d) => {
                let mut r = current.max(16);
                while (d.len() as u64) > r {
                    r *= 2;
                }
                r
            }
        }
    }
}

/// The cells of one part, over mixed-radix codes with the part's (growing) radices.
enum PartCells {
    Dense(Vec<u32>),
    Hashed(U64Map),
}

impl PartCells {
    fn new(radix: &[u64], limit: u64) -> Option<PartCells> {
        let cells = checked_product(radix.iter().copied())?;
        Some(if cells <= limit {
            PartCells::Dense(vec![0; cells as usize])
        } else {
            PartCells::Hashed(U64Map::with_capacity(1 << 12))
        })
    }

    /// Calls `f(codes, count)` for every non-empty cell (`radix` gives the cells' layout).
    fn for_each(&self, radix: &[u64], mut f: impl FnMut(&[u64], u64)) {
        let mut codes = vec![0u64; radix.len()];
        match self {
            PartCells::Dense(t) => {
                for &c in t {
                    if c != 0 {
                        f(&codes, u64::from(c));
                    }
                    for (code, &r) in codes.iter_mut().zip(radix).rev() {
                        *code += 1;
                        if *code < r {
                            break;
                        }
                        *code = 0;
                    }
                }
            }
            PartCells::Hashed(map) => map.for_each(|key, count| {
                decode(key, radix.iter().copied(), &mut codes);
                f(&codes, count);
            }),
        }
    }

    /// The same cells re-coded for new radices; `None` if their product overflows `u64`.
    fn relayout(&self, old: &[u64], new: &[u64], limit: u64) -> Option<PartCells> {
        let mut fresh = PartCells::new(new, limit)?;
        self.for_each(old, |codes, count| {
            fresh.add(encode(codes, new.iter().copied()), count);
        });
        Some(fresh)
    }

    #[inline]
    fn add(&mut self, key: u64, count: u64) {
        match self {
            PartCells::Dense(t) => t[key as usize] += count as u32,
            PartCells::Hashed(map) => map.add(key, count),
        }
    }
}

/// One thread's counts: its coders (with their dictionaries), radices and cells.
struct Part {
    coders: Vec<PartCoder>,
    radix: Vec<u64>,
    cells: PartCells,
}

/// Counts samples `begin..end` of `columns`, factorising wide columns on the fly.
/// `None` if the product of the part's radices overflows `u64`.
fn count_part(
    columns: &[Labels<'_>],
    offsets: &[Option<(u64, u64)>],
    begin: usize,
    end: usize,
    limit: u64,
) -> Option<Part> {
    let mut coders: Vec<PartCoder> = offsets
        .iter()
        .map(|o| match *o {
            Some((min, card)) => PartCoder::Offset { min, card },
            None => PartCoder::Factor(Dictionary::new()),
        })
        .collect();
    let mut radix: Vec<u64> = coders.iter().map(|c| c.radix(0)).collect();
    let mut cells = PartCells::new(&radix, limit)?;
    let mut codes = vec![vec![0u64; BLOCK]; columns.len()];
    let mut acc = vec![0u64; BLOCK];
    let mut start = begin;
    while start < end {
        let len = BLOCK.min(end - start);
        for ((coder, column), out) in coders.iter_mut().zip(columns).zip(codes.iter_mut()) {
            coder.codes(*column, start, &mut out[..len]);
        }
        let grown: Vec<u64> = coders
            .iter()
            .zip(&radix)
            .map(|(c, &r)| c.radix(r))
            .collect();
        if grown != radix {
            cells = cells.relayout(&radix, &grown, limit)?;
            radix = grown;
        }
        let acc = &mut acc[..len];
        acc.fill(0);
        for (column_codes, &r) in codes.iter().zip(&radix) {
            for (a, &c) in acc.iter_mut().zip(column_codes) {
                *a = *a * r + c;
            }
        }
        match &mut cells {
            PartCells::Dense(t) => {
                for &c in acc.iter() {
                    t[c as usize] += 1;
                }
            }
            PartCells::Hashed(map) => {
                for &c in acc.iter() {
                    map.add(c, 1);
                }
            }
        }
        start += len;
    }
    Some(Part {
        coders,
        radix,
        cells,
    })
}

/// Merges the parts' tables into one table over global codes (sorted keys for factorised columns).
fn merge_parts(parts: &[Part], offsets: &[Option<(u64, u64)>], n: usize) -> JointCounts {
    let k = offsets.len();
    let mut codebooks = Vec::with_capacity(k);
    // For each column, each part's map from its local codes to global codes.
    let mut local_to_global: Vec<Vec<Vec<u64>>> = Vec::with_capacity(k);
    for (j, offset) in offsets.iter().enumerate() {
        if let Some((min, card)) = *offset {
            codebooks.push(Codebook::Offset { min, card });
            local_to_global.push(Vec::new());
            continue;
        }
        let dictionaries: Vec<&[u64]> = parts
            .iter()
            .map(|p| match &p.coders[j] {
                PartCoder::Factor(d) => d.keys(),
                PartCoder::Offset { .. } => unreachable!("column {j} is factorised in every part"),
            })
            .collect();
        let mut keys: Vec<u64> = dictionaries
            .iter()
            .flat_map(|d| d.iter().copied())
            .collect();
        keys.par_sort_unstable();
        keys.dedup();
        local_to_global.push(
            dictionaries
                .iter()
                .map(|d| {
                    d.iter()
                        .map(|k| keys.binary_search(k).expect("key is in the union") as u64)
                        .collect()
                })
                .collect(),
        );
        codebooks.push(Codebook::Keys(keys));
    }
    let cards: Vec<u64> = codebooks.iter().map(Codebook::card).collect();
    let mut global = vec![0u64; k];
    let to_global = |part_index: usize, local: &[u64], global: &mut [u64]| {
        for j in 0..k {
            global[j] = if offsets[j].is_some() {
                local[j]
            } else {
                local_to_global[j][part_index][local[j] as usize]
            };
        }
    };
    let cells = match checked_product(cards.iter().copied()) {
        Some(p) if p <= dense_limit(n) => {
            let mut table = vec![0u64; p as usize];
            gather_dense_parts(parts, offsets, &local_to_global, &cards, &mut table);
            for (i, part) in parts.iter().enumerate() {
                if let PartCells::Hashed(_) = part.cells {
                    part.cells.for_each(&part.radix, |local, count| {
                        to_global(i, local, &mut global);
                        table[encode(&global, cards.iter().copied()) as usize] += count;
                    });
                }
            }
            Cells::Dense(table)
        }
        Some(_) => {
            let mut map = U64Map::with_capacity(1 << 12);
            for (i, part) in parts.iter().enumerate() {
                part.cells.for_each(&part.radix, |local, count| {
                    to_global(i, local, &mut global);
                    map.add(encode(&global, cards.iter().copied()), count);
                });
            }
            let (keys, counts) = map.into_sorted();
            Cells::Sparse { keys, counts }
        }
        None => {
            let mut rows: Vec<(Vec<u64>, u64)> = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                part.cells.for_each(&part.radix, |local, count| {
                    to_global(i, local, &mut global);
                    rows.push((global.clone(), count));
                });
            }
            rows_cells(rows)
        }
    };
    JointCounts {
        codebooks,
        cells,
        total: n as u64,
    }
}

/// Adds the dense parts into the dense global `table`, walking the global table in order and
/// gathering from each part's row (rows are contiguous in both layouts, so reads stay in cache where
/// scattering each part cell to its global place would miss on every cell).
fn gather_dense_parts(
    parts: &[Part],
    offsets: &[Option<(u64, u64)>],
    local_to_global: &[Vec<Vec<u64>>],
    cards: &[u64],
    table: &mut [u64],
) {
    const ABSENT: u64 = u64::MAX;
    let k = cards.len();
    // For each factorised column and part: global code → local code (ABSENT if unseen there).
    let global_to_local: Vec<Vec<Vec<u64>>> = (0..k)
        .map(|j| {
            local_to_global[j]
                .iter()
                .map(|l2g| {
                    let mut g2l = vec![ABSENT; cards[j] as usize];
                    for (l, &g) in l2g.iter().enumerate() {
                        g2l[g as usize] = l as u64;
                    }
                    g2l
                })
                .collect()
        })
        .collect();
    let local = |j: usize, part: usize, g: u64| {
        if offsets[j].is_some() {
            g
        } else {
            global_to_local[j][part][g as usize]
        }
    };
    let last = cards[k - 1] as usize;
    let prefix_cards = &cards[..k - 1];
    table
        .par_chunks_mut(last)
        .enumerate()
        .for_each(|(row, out)| {
            let mut prefix = vec![0u64; k - 1];
            decode(row as u64, prefix_cards.iter().copied(), &mut prefix);
            for (i, part) in parts.iter().enumerate() {
                let PartCells::Dense(cells) = &part.cells else {
                    continue;
                };
                let mut base = 0u64;
                for (j, &g) in prefix.iter().enumerate() {
                    let l = local(j, i, g);
                    if l == ABSENT {
                        base = ABSENT;
                        break;
                    }
                    base = base * part.radix[j] + l;
                }
                if base == ABSENT {
                    continue;
                }
                let width = part.radix[k - 1] as usize;
                let start = base as usize * width;
                let part_row = &cells[start..start + width];
                for (g, o) in out.iter_mut().enumerate() {
                    let l = local(k - 1, i, g as u64);
                    if l != ABSENT {
                        *o += u64::from(part_row[l as usize]);
                    }
                }
            }
        });
}

/// Sorts `(codes, count)` rows and merges equal code tuples.
fn rows_cells(mut rows: Vec<(Vec<u64>, u64)>) -> Cells {
    rows.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut flat = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
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
    Cells::Rows {
        codes: flat,
        counts,
    }
}

/// Cells of a table whose part radices overflow `u64` (many wide columns): each sample's code tuple,
/// from one dictionary per column, sorted and merged.
fn sorted_rows(columns: &[Labels<'_>], offsets: &[Option<(u64, u64)>], n: usize) -> JointCounts {
    let mut codebooks = Vec::with_capacity(columns.len());
    let mut codes: Vec<Vec<u64>> = Vec::with_capacity(columns.len());
    for (column, offset) in columns.iter().zip(offsets) {
        let mut out = vec![0u64; n];
        if let Some((min, card)) = *offset {
            offset_codes(*column, min, card, 0, &mut out);
            codebooks.push(Codebook::Offset { min, card });
        } else {
            let mut coder = PartCoder::Factor(Dictionary::new());
            coder.codes(*column, 0, &mut out);
            let PartCoder::Factor(dictionary) = coder else {
                unreachable!()
            };
            // Re-code by rank so codes follow the order of values.
            let mut order: Vec<u64> = (0..dictionary.len() as u64).collect();
            order.sort_unstable_by_key(|&c| dictionary.keys()[c as usize]);
            let mut rank = vec![0u64; order.len()];
            for (r, &c) in order.iter().enumerate() {
                rank[c as usize] = r as u64;
            }
            out.par_iter_mut().for_each(|c| *c = rank[*c as usize]);
            codebooks.push(Codebook::Keys(
                order
                    .iter()
                    .map(|&c| dictionary.keys()[c as usize])
                    .collect(),
            ));
        }
        codes.push(out);
    }
    let rows = (0..n)
        .map(|i| (codes.iter().map(|c| c[i]).collect(), 1))
        .collect();
    JointCounts {
        codebooks,
        cells: rows_cells(rows),
        total: n as u64,
    }
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

/// Counts of every combination of values of `columns` (all of the same length ≥ 1).
///
/// Dense path first: ranges are guessed from a sample and the data is counted in one pass, which
/// fails fast (and falls back to exact ranges) if a value lies outside the guess. Wide columns are
/// factorised on the fly by each thread and the parts merged.
pub fn joint_counts(columns: &[Labels<'_>]) -> Result<JointCounts> {
    let n = check_columns(columns)?;
    let limit = dense_limit(n);
    let dense = |mins: Vec<u64>, cards: Vec<u64>, table: Vec<u64>| JointCounts {
        codebooks: mins
            .into_iter()
            .zip(cards)
            .map(|(min, card)| Codebook::Offset { min, card })
            .collect(),
        cells: Cells::Dense(table),
        total: n as u64,
    };
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
    let parts: Option<Vec<Part>> = over_parts(n, |b, e| count_part(columns, &offsets, b, e, limit))
        .into_iter()
        .collect();
    Ok(match parts {
        Some(parts) => merge_parts(&parts, &offsets, n),
        None => sorted_rows(columns, &offsets, n),
    })
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
            let m = table.marginal(&[cols.len() - 1]);
            assert_eq!(table_as_map(&m), brute(&cols[cols.len() - 1..]));
        }
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
