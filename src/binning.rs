//! Discretisation of continuous samples into histogram bins, and the histogram estimate of
//! differential entropy.
//!
//! # Bins
//! A histogram has `B ≥ 1` bins given by `B + 1` strictly increasing, finite edges
//! `e_0 < e_1 < … < e_B` ([`Edges`]). A value `v` falls in bin `i` when `e_i ≤ v < e_{i+1}`; the last
//! bin also holds its right edge, `e_{B−1} ≤ v ≤ e_B` — numpy's convention, so the labels equal
//! `np.digitize(v, edges[1:-1])` and the counts equal `np.histogram(v, edges)`. A value outside
//! `[e_0, e_B]` (or NaN, or ±∞) has no bin and is an error ([`BinningError`]).
//!
//! # Locating a bin
//! - **Near-uniform edges** (such as `np.linspace`'s, within a quarter of a bin width of
//!   `e_0 + i (e_B − e_0) / B`): the index is guessed arithmetically,
//!   `⌊(v − e_0) · B / (e_B − e_0)⌋` clamped to `[0, B − 1]`, then corrected by comparing `v` with
//!   the actual edges `e_i` and `e_{i+1}` until `e_i ≤ v < e_{i+1}`. The guess is within one bin, so
//!   the correction is one or two comparisons; the *edges* decide, so a value exactly on an edge,
//!   or one ulp either side of it, lands where `np.digitize` puts it, whatever the rounding of the
//!   guess.
//! - **Other edges**: a binary search over the inner edges.
//!
//! Values are compared as `f64` (exact for `f32`): with `f32` edges widened to `f64` this is the
//! same as comparing in `f32`, and with `f64` edges it is numpy's promotion rule.
//!
//! # Layout, parallelism, determinism
//! [`Samples`] is a matrix of `rows` samples of `columns` variables, row-major (`(n, d)` C order) or
//! column-major (each variable contiguous). Each column is processed in fixed chunks of [`CHUNK`]
//! rows, in parallel; labels are integers and minima/maxima are exact, so every result is identical
//! for any number of threads. When several samples are invalid, the error names the first one (the
//! smallest row of the first column that has one).
//!
//! # Differential entropy
//! [`differential_entropy`] is the histogram ("plug-in") estimate
//! `ĥ = H(labels) + E[ln w(X)] = −Σ_b p_b ln(p_b / w_b)`, `p_b` the fraction of samples in bin `b`
//! and `w_b` its width (volume). For `d` columns the bins are the cells of the joint histogram and
//! `w_b` is the product of the cell's widths, so `E[ln w] = Σ_j E[ln w_j(X_j)]` is a sum of
//! per-column terms. It estimates `h(X) = −∫ f ln f` (Cover & Thomas 2006, §8.3: `H(X^Δ) + ln Δ →
//! h(X)` as the bin width `Δ → 0`).

use crate::counts::joint_counts;
use crate::estimate::{compensated_sum, conditional_entropy_of_table, Estimator};
use crate::{Error, Labels};
use rayon::prelude::*;
use std::fmt;
use std::ops::Range;

/// Rows per chunk of every parallel pass (fixed: chunk boundaries depend only on the input size).
pub const CHUNK: usize = 1 << 16;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point sample type: `f32` or `f64`. Sealed.
pub trait Sample: Copy + PartialOrd + Send + Sync + sealed::Sealed + 'static {
    /// `+∞`, the starting minimum.
    const INFINITY: Self;
    /// `−∞`, the starting maximum.
    const NEG_INFINITY: Self;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// `true` unless NaN or ±∞.
    fn is_finite(self) -> bool;
}

impl Sample for f32 {
    const INFINITY: Self = f32::INFINITY;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Sample for f64 {
    const INFINITY: Self = f64::INFINITY;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// What went wrong while binning: an invalid sample (reported against its column, so the caller can
/// name the variable) or an error of the crate.
#[derive(Debug, Clone, PartialEq)]
pub enum BinningError {
    /// Sample `row` of column `column` is NaN or ±∞.
    NotFinite {
        column: usize,
        row: usize,
        value: f64,
    },
    /// Sample `row` of column `column` lies outside the outer edges `[lo, hi]`.
    OutOfRange {
        column: usize,
        row: usize,
        value: f64,
        lo: f64,
        hi: f64,
    },
    /// Anything else (bad edges, a table too large, ...).
    Core(Error),
}

impl From<Error> for BinningError {
    fn from(error: Error) -> Self {
        BinningError::Core(error)
    }
}

impl BinningError {
    /// The column of the offending sample, if the error is about one.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        match self {
            BinningError::NotFinite { column, .. } | BinningError::OutOfRange { column, .. } => {
                Some(*column)
            }
            BinningError::Core(_) => None,
        }
    }

    /// The message, with `name` standing for the offending column (e.g. `"x"` or `"x[:, 1]"`).
    #[must_use]
    pub fn describe(&self, name: &str) -> String {
        match self {
            BinningError::NotFinite { row, value, .. } if value.is_nan() => format!(
                "{name} contains NaN at index {row}; drop or fill missing values before binning"
            ),
            BinningError::NotFinite { row, value, .. } => format!(
                "{name} contains {value:?} at index {row}; infinite values have no histogram bin \
                 (drop them, or clip to a finite range)"
            ),
            BinningError::OutOfRange {
                row, value, lo, hi, ..
            } => format!(
                "{name} has the value {value:?} at index {row}, outside the bin edges [{lo:?}, {hi:?}]; \
                 widen the edges or clip the values"
            ),
            BinningError::Core(error) => error.to_string(),
        }
    }
}

impl fmt::Display for BinningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column() {
            Some(column) => f.write_str(&self.describe(&format!("column {column}"))),
            None => f.write_str(&self.describe("")),
        }
    }
}

impl std::error::Error for BinningError {}

/// Shorthand for results of this module.
pub type Result<T, E = BinningError> = std::result::Result<T, E>;

/// How the samples of a [`Samples`] matrix are laid out in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Sample `i` of column `j` at `i · columns + j` (a C-ordered `(n, d)` array).
    RowMajor,
    /// Sample `i` of column `j` at `j · rows + i` (each column contiguous).
    ColumnMajor,
}

/// `rows` samples of `columns` continuous variables.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a, T> {
    data: &'a [T],
    rows: usize,
    columns: usize,
    layout: Layout,
}

impl<'a, T: Sample> Samples<'a, T> {
    /// Wraps `data`: `columns ≥ 1` variables with `data.len() / columns ≥ 1` samples each.
    pub fn new(data: &'a [T], columns: usize, layout: Layout) -> Result<Self> {
        if columns == 0 || data.is_empty() {
            return Err(Error::EmptyInput { argument: "x" }.into());
        }
        if !data.len().is_multiple_of(columns) {
            return Err(Error::ShapeMismatch {
                argument: "x",
                expected: vec![data.len() / columns, columns],
                found: vec![data.len()],
            }
            .into());
        }
        Ok(Samples {
            data,
            rows: data.len() / columns,
            columns,
            layout,
        })
    }

    /// Number of samples.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of variables.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Samples `rows` of column `column`, borrowed when they are contiguous, else gathered into
    /// `buffer`.
    fn chunk<'b>(&'b self, column: usize, rows: Range<usize>, buffer: &'b mut Vec<T>) -> &'b [T] {
        match self.layout {
            Layout::ColumnMajor => {
                let start = column * self.rows;
                &self.data[start + rows.start..start + rows.end]
            }
            Layout::RowMajor if self.columns == 1 => &self.data[rows],
            Layout::RowMajor => {
                buffer.clear();
                buffer.extend(
                    self.data[rows.start * self.columns + column..]
                        .iter()
                        .step_by(self.columns)
                        .take(rows.len())
                        .copied(),
                );
                buffer
            }
        }
    }

    /// Every `(column, chunk of rows)` task, column by column, chunks in order.
    fn tasks(&self) -> Vec<(usize, Range<usize>)> {
        let chunks = self.rows.div_ceil(CHUNK);
        (0..self.columns)
            .flat_map(|j| {
                (0..chunks).map(move |c| (j, c * CHUNK..((c + 1) * CHUNK).min(self.rows)))
            })
            .collect()
    }
}

/// `(column, minimum and maximum or the offset of the first non-finite value, first row)` of one
/// chunk.
type RangePart<T> = (usize, std::result::Result<(T, T), usize>, usize);

/// Minimum and maximum of `values`, or the offset of the first non-finite value.
fn chunk_range<T: Sample>(values: &[T]) -> std::result::Result<(T, T), usize> {
    const LANES: usize = 8;
    let mut lo = [T::INFINITY; LANES];
    let mut hi = [T::NEG_INFINITY; LANES];
    let mut finite = [true; LANES];
    let mut blocks = values.chunks_exact(LANES);
    for block in &mut blocks {
        for k in 0..LANES {
            let v = block[k];
            lo[k] = if v < lo[k] { v } else { lo[k] };
            hi[k] = if v > hi[k] { v } else { hi[k] };
            finite[k] &= v.is_finite();
        }
    }
    let mut all_finite = finite.iter().all(|&f| f);
    for &v in blocks.remainder() {
        lo[0] = if v < lo[0] { v } else { lo[0] };
        hi[0] = if v > hi[0] { v } else { hi[0] };
        all_finite &= v.is_finite();
    }
    if !all_finite {
        return Err(values.iter().position(|v| !v.is_finite()).unwrap_or(0));
    }
    let min = lo
        .iter()
        .fold(T::INFINITY, |acc, &v| if v < acc { v } else { acc });
    let max = hi
        .iter()
        .fold(T::NEG_INFINITY, |acc, &v| if v > acc { v } else { acc });
    Ok((min, max))
}

/// The smallest and largest sample of each column, after checking that every sample is finite.
///
/// This is what `np.histogram_bin_edges` needs for equal-width bins (`a.min()`, `a.max()`), in one
/// parallel pass that also finds the first NaN or ±∞ (an error naming its column and row).
pub fn finite_range<T: Sample>(samples: &Samples<'_, T>) -> Result<Vec<(T, T)>> {
    let parts: Vec<RangePart<T>> = samples
        .tasks()
        .into_par_iter()
        .map(|(column, rows)| {
            let mut buffer = Vec::new();
            let start = rows.start;
            let values = samples.chunk(column, rows, &mut buffer);
            (column, chunk_range(values), start)
        })
        .collect();
    let mut ranges = vec![(T::INFINITY, T::NEG_INFINITY); samples.columns()];
    for (column, part, start) in parts {
        match part {
            Ok((lo, hi)) => {
                let range = &mut ranges[column];
                if lo < range.0 {
                    range.0 = lo;
                }
                if hi > range.1 {
                    range.1 = hi;
                }
            }
            Err(offset) => {
                let row = start + offset;
                let mut buffer = Vec::new();
                let value = samples.chunk(column, row..row + 1, &mut buffer)[0].to_f64();
                return Err(BinningError::NotFinite { column, row, value });
            }
        }
    }
    Ok(ranges)
}

/// Validated bin edges, with what is needed to locate a value quickly.
#[derive(Debug, Clone, Copy)]
pub struct Edges<'a> {
    values: &'a [f64],
    /// `B / (e_B − e_0)`: the guess of a value's bin is `g(v) = (v − e_0) · scale` (in `f64`).
    scale: f64,
    /// `g(v)` is trusted when its fractional part lies in `(margin, 1 − margin)`: `margin` exceeds
    /// the largest `|g(e_i) − i|` (see [`Edges::new`]); `∞` disables the arithmetic guess.
    margin: f64,
}

impl<'a> Edges<'a> {
    /// Checks `edges` (at least two, finite, strictly increasing) and decides how to search them.
    ///
    /// The arithmetic guess `g(v) = fl(fl(v − e_0) · scale)` is a monotone function of `v`
    /// (rounding preserves order), so `g(v) > g(e_i)` implies `v ≥ e_i` and `g(v) < g(e_{i+1})`
    /// implies `v < e_{i+1}`. With `δ = max_i |g(e_i) − i|` (computed exactly: each difference is
    /// between nearby floats), a value whose guess `g = i + f` has `i < B` and `δ < f < 1 − δ`
    /// satisfies `g(e_i) ≤ i + δ < g < i + 1 − δ ≤ g(e_{i+1})`, so it lies in bin `i` — no edge
    /// needs to be read. `margin = 2δ + 2⁻⁴⁰` also absorbs the rounding of `1 − margin`. Edges
    /// from `np.linspace` have `δ` of a few ulps, so only values within ~1e-12 bins of an edge,
    /// and values outside the range, take the binary search. If `δ ≥ 1/8` (uneven edges, or a
    /// range so narrow for its magnitude that the guess is meaningless) every value does.
    pub fn new(edges: &'a [f64]) -> Result<Self> {
        let invalid = |message: String| {
            BinningError::Core(Error::InvalidArgument {
                argument: "bins",
                message,
            })
        };
        if edges.len() < 2 {
            return Err(invalid(format!(
                "at least 2 bin edges are needed, got {}",
                edges.len()
            )));
        }
        if let Some(i) = edges.iter().position(|e| !e.is_finite()) {
            return Err(invalid(format!(
                "bin edge {i} is {}; edges must be finite",
                edges[i]
            )));
        }
        if let Some(i) = edges.windows(2).position(|w| w[0] >= w[1]) {
            return Err(invalid(format!(
                "bin edges must increase strictly, but edge {} ({}) >= edge {} ({})",
                i,
                edges[i],
                i + 1,
                edges[i + 1]
            )));
        }
        let bins = edges.len() - 1;
        let lo = edges[0];
        let scale = bins as f64 / (edges[bins] - lo);
        let mut margin = f64::INFINITY;
        if scale.is_finite() && scale > 0.0 {
            let delta = edges
                .iter()
                .enumerate()
                .map(|(i, &e)| ((e - lo) * scale - i as f64).abs())
                .fold(0.0f64, f64::max);
            let candidate = 2.0 * delta + f64::powi(2.0, -40);
            if candidate < 0.125 && bins < 1 << 31 {
                margin = candidate;
            }
        }
        Ok(Edges {
            values: edges,
            scale,
            margin,
        })
    }

    /// Number of bins `B`.
    #[must_use]
    pub fn bins(&self) -> usize {
        self.values.len() - 1
    }

    /// The edges.
    #[must_use]
    pub fn as_slice(&self) -> &'a [f64] {
        self.values
    }

    /// `true` if most values are located by the arithmetic guess, `false` if every value takes
    /// the binary search.
    #[must_use]
    pub fn is_uniform(&self) -> bool {
        self.margin.is_finite()
    }

    /// The bin of `v`: `i` with `e_i ≤ v < e_{i+1}` (`≤ e_B` for the last bin), or `None` if `v`
    /// is NaN or outside `[e_0, e_B]`.
    #[inline(always)]
    #[must_use]
    #[allow(clippy::needless_bitwise_bool)] // branch-free on purpose
    pub fn locate(&self, v: f64) -> Option<usize> {
        let e = self.values;
        let last = e.len() - 2;
        // The arithmetic guess (NaN, negative and huge guesses fail the test: a NaN fraction
        // compares false, and the saturating cast sends a huge guess past `last`).
        let g = (v - e[0]) * self.scale;
        let i = g as usize;
        let f = g - i as f64;
        if (f > self.margin) & (f < 1.0 - self.margin) & (i <= last) {
            return Some(i);
        }
        if !(v >= e[0] && v <= e[last + 1]) {
            return None;
        }
        Some(e[1..=last].partition_point(|&edge| edge <= v))
    }
}

/// An integer type that holds bin indices: `u8`, `u16` or `u32`.
pub trait BinLabel: Copy + Default + Send + Sync + 'static {
    /// Largest number of bins whose indices fit.
    const MAX_BINS: usize;
    /// The label of bin `bin` (`bin < MAX_BINS`).
    fn from_bin(bin: usize) -> Self;
}

macro_rules! bin_label {
    ($($t:ty),*) => {$(
        impl BinLabel for $t {
            const MAX_BINS: usize = <$t>::MAX as usize + 1;
            #[inline(always)]
            fn from_bin(bin: usize) -> Self {
                bin as $t
            }
        }
    )*};
}

bin_label!(u8, u16, u32);

/// Labels of every column, column-major (`columns × rows`), in the smallest unsigned type that holds
/// the largest bin index: `u8` up to 256 bins, `u16` up to 65 536, `u32` beyond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discretized {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Discretized {
    /// The labels of each of `columns` columns.
    #[must_use]
    pub fn columns(&self, columns: usize) -> Vec<Labels<'_>> {
        fn split<'a, L>(all: &'a [L], columns: usize) -> Vec<Labels<'a>>
        where
            Labels<'a>: From<&'a [L]>,
        {
            let rows = all.len() / columns.max(1);
            all.chunks_exact(rows.max(1)).map(Labels::from).collect()
        }
        match self {
            Discretized::U8(v) => split(v, columns),
            Discretized::U16(v) => split(v, columns),
            Discretized::U32(v) => split(v, columns),
        }
    }
}

/// Bin index of each sample of `values` into `out`, or the offset of the first sample without a bin.
fn bin_chunk<T: Sample, L: BinLabel>(
    values: &[T],
    edges: &Edges<'_>,
    out: &mut [L],
) -> std::result::Result<(), usize> {
    if edges.is_uniform() && bin_guessed(values, edges, out) {
        return Ok(());
    }
    for (i, (&v, o)) in values.iter().zip(out.iter_mut()).enumerate() {
        match edges.locate(v.to_f64()) {
            Some(bin) => *o = L::from_bin(bin),
            None => return Err(i),
        }
    }
    Ok(())
}

/// The branch-free pass for near-uniform edges (see [`Edges::new`]): every sample's guessed bin,
/// and whether every guess was trusted. If not, the caller redoes the chunk with
/// [`Edges::locate`]. Indices are `i32` here (bins < 2³¹), which the compiler vectorises.
#[allow(clippy::needless_bitwise_bool)] // branch-free on purpose: the loop vectorises
fn bin_guessed<T: Sample, L: BinLabel>(values: &[T], edges: &Edges<'_>, out: &mut [L]) -> bool {
    let (lo, scale, margin) = (edges.values[0], edges.scale, edges.margin);
    let last = (edges.bins() - 1) as i32;
    let mut trusted = true;
    for (&v, o) in values.iter().zip(out.iter_mut()) {
        let g = (v.to_f64() - lo) * scale;
        let i = g as i32;
        let f = g - f64::from(i);
        trusted &= (f > margin) & (f < 1.0 - margin) & (i <= last);
        *o = L::from_bin(i as usize);
    }
    trusted
}

fn discretize_into<T: Sample, L: BinLabel>(
    samples: &Samples<'_, T>,
    edges: &[Edges<'_>],
) -> Result<Vec<L>> {
    let rows = samples.rows();
    let mut out = vec![L::default(); rows * samples.columns()];
    let tasks: Vec<(usize, usize, &mut [L])> = out
        .chunks_mut(rows)
        .enumerate()
        .flat_map(|(column, labels)| {
            labels
                .chunks_mut(CHUNK)
                .enumerate()
                .map(move |(c, part)| (column, c * CHUNK, part))
        })
        .collect();
    let failures: Vec<Option<(usize, usize)>> = tasks
        .into_par_iter()
        .map(|(column, start, part)| {
            let mut buffer = Vec::new();
            let values = samples.chunk(column, start..start + part.len(), &mut buffer);
            bin_chunk(values, &edges[column], part)
                .err()
                .map(|offset| (column, start + offset))
        })
        .collect();
    if let Some((column, row)) = failures.into_iter().flatten().next() {
        let mut buffer = Vec::new();
        let value = samples.chunk(column, row..row + 1, &mut buffer)[0].to_f64();
        let e = edges[column].as_slice();
        return Err(if value.is_finite() {
            BinningError::OutOfRange {
                column,
                row,
                value,
                lo: e[0],
                hi: e[e.len() - 1],
            }
        } else {
            BinningError::NotFinite { column, row, value }
        });
    }
    Ok(out)
}

/// The bin index of every sample, column `j` binned by `edges[j]` (see the module docs for the
/// convention); column-major, in the smallest label type that holds every column's bins.
pub fn discretize<T: Sample>(samples: &Samples<'_, T>, edges: &[Edges<'_>]) -> Result<Discretized> {
    if edges.len() != samples.columns() {
        return Err(Error::LengthMismatch {
            argument: "bins",
            expected: samples.columns(),
            found: edges.len(),
        }
        .into());
    }
    let bins = edges.iter().map(Edges::bins).max().unwrap_or(1);
    Ok(if bins <= u8::MAX_BINS {
        Discretized::U8(discretize_into(samples, edges)?)
    } else if bins <= u16::MAX_BINS {
        Discretized::U16(discretize_into(samples, edges)?)
    } else if bins <= u32::MAX_BINS {
        Discretized::U32(discretize_into(samples, edges)?)
    } else {
        return Err(Error::InvalidArgument {
            argument: "bins",
            message: format!("{bins} bins is more than the {} supported", u32::MAX_BINS),
        }
        .into());
    })
}

/// Histogram estimate of the differential entropy of the (joint) samples, in nats:
/// `−Σ_b p_b ln(p_b / w_b)` over the occupied cells `b` of the joint histogram, `w_b` the product
/// of the cell's bin widths (see the module docs).
pub fn differential_entropy<T: Sample>(
    samples: &Samples<'_, T>,
    edges: &[Edges<'_>],
) -> Result<f64> {
    let labels = discretize(samples, edges)?;
    let columns = labels.columns(samples.columns());
    let table = joint_counts(&columns)?;
    let n = table.total() as f64;
    let discrete = conditional_entropy_of_table(&table, &[], Estimator::Plugin);
    let mut terms = Vec::new();
    for (j, column_edges) in edges.iter().enumerate() {
        let (bins, counts) = if columns.len() == 1 {
            table.histogram()
        } else {
            table.marginal(&[j]).histogram()
        };
        let e = column_edges.as_slice();
        terms.extend(bins.iter().zip(&counts).map(|(&b, &c)| {
            let b = b as usize;
            (c as f64 / n) * (e[b + 1] - e[b]).ln()
        }));
    }
    Ok(discrete + compensated_sum(terms))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact edges and equal results are the point of these tests
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn linspace(lo: f64, hi: f64, bins: usize) -> Vec<f64> {
        let step = (hi - lo) / bins as f64;
        let mut e: Vec<f64> = (0..=bins).map(|i| lo + i as f64 * step).collect();
        e[bins] = hi;
        e
    }

    /// numpy's `digitize(v, edges[1:-1])` written out: the number of inner edges `≤ v`.
    fn brute(edges: &[f64], v: f64) -> usize {
        edges[1..edges.len() - 1]
            .iter()
            .filter(|&&e| e <= v)
            .count()
    }

    fn labels_u32(d: &Discretized) -> Vec<u32> {
        match d {
            Discretized::U8(v) => v.iter().map(|&x| u32::from(x)).collect(),
            Discretized::U16(v) => v.iter().map(|&x| u32::from(x)).collect(),
            Discretized::U32(v) => v.clone(),
        }
    }

    #[test]
    fn locate_matches_brute_force_on_and_around_every_edge() {
        for (lo, hi, bins) in [
            (0.0, 1.0, 10),
            (-3.7, 12.1, 256),
            (1e300, 1.7e300, 7),
            (-1e-300, 1e-300, 5),
            (1e6, 1e6 + 1e-6, 3),
            (0.0, 1.0, 1),
        ] {
            let e = linspace(lo, hi, bins);
            let edges = Edges::new(&e).unwrap();
            for &edge in &e {
                for v in [edge.next_down(), edge, edge.next_up()] {
                    let expected = (v >= lo && v <= hi).then(|| brute(&e, v));
                    assert_eq!(
                        edges.locate(v),
                        expected,
                        "{v:e} in {lo:e}..{hi:e} / {bins}"
                    );
                }
            }
        }
    }

    #[test]
    fn uneven_edges_use_binary_search() {
        let e = [0.0, 1e-9, 1.0, 1000.0];
        let edges = Edges::new(&e).unwrap();
        assert!(!edges.is_uniform());
        assert!(Edges::new(&linspace(0.0, 1.0, 9)).unwrap().is_uniform());
        for v in [0.0, 5e-10, 1e-9, 0.5, 1.0, 999.0, 1000.0] {
            assert_eq!(edges.locate(v), Some(brute(&e, v)));
        }
        assert_eq!(edges.locate(-1.0), None);
        assert_eq!(edges.locate(f64::NAN), None);
        assert_eq!(edges.locate(1000.0f64.next_up()), None);
    }

    #[test]
    fn bad_edges_are_refused() {
        for e in [
            vec![0.0],
            vec![0.0, 0.0],
            vec![1.0, 0.0],
            vec![0.0, f64::NAN],
        ] {
            assert!(matches!(
                Edges::new(&e),
                Err(BinningError::Core(Error::InvalidArgument {
                    argument: "bins",
                    ..
                }))
            ));
        }
    }

    #[test]
    fn layouts_and_label_types_agree() {
        let n = 3 * CHUNK + 17;
        let a: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 7.0).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % 313) as f64 - 100.0)
            .collect();
        let row_major: Vec<f64> = a.iter().zip(&b).flat_map(|(&x, &y)| [x, y]).collect();
        let column_major: Vec<f64> = a.iter().chain(&b).copied().collect();
        let (ea, eb) = (linspace(0.0, 999.0 / 7.0, 300), linspace(-100.0, 212.0, 40));
        let edges = [Edges::new(&ea).unwrap(), Edges::new(&eb).unwrap()];
        let rm = discretize(
            &Samples::new(&row_major, 2, Layout::RowMajor).unwrap(),
            &edges,
        )
        .unwrap();
        let cm = discretize(
            &Samples::new(&column_major, 2, Layout::ColumnMajor).unwrap(),
            &edges,
        )
        .unwrap();
        assert!(matches!(rm, Discretized::U16(_)));
        assert_eq!(rm, cm);
        let labels = labels_u32(&rm);
        for i in (0..n).step_by(101) {
            assert_eq!(labels[i] as usize, brute(&ea, a[i]));
            assert_eq!(labels[n + i] as usize, brute(&eb, b[i]));
        }
        let ranges = finite_range(&Samples::new(&row_major, 2, Layout::RowMajor).unwrap()).unwrap();
        assert_eq!(ranges, vec![(0.0, 999.0 / 7.0), (-100.0, 212.0)]);
    }

    #[test]
    fn float32_compares_exactly() {
        let x: Vec<f32> = vec![0.1, 0.2, 0.3, 0.7, 1.0];
        let e = [0.0, f64::from(0.2f32), f64::from(0.3f32), 1.0];
        let edges = [Edges::new(&e).unwrap()];
        let d = discretize(&Samples::new(&x, 1, Layout::RowMajor).unwrap(), &edges).unwrap();
        assert_eq!(d, Discretized::U8(vec![0, 1, 2, 2, 2]));
    }

    #[test]
    fn first_invalid_sample_is_reported() {
        let mut x = vec![0.5f64; 2 * CHUNK + 5];
        x[CHUNK + 3] = f64::NAN;
        x[2 * CHUNK + 1] = f64::INFINITY;
        let samples = Samples::new(&x, 1, Layout::RowMajor).unwrap();
        let err = finite_range(&samples).unwrap_err();
        assert!(matches!(err, BinningError::NotFinite { column: 0, row, .. } if row == CHUNK + 3));
        assert!(err.describe("x").contains("NaN at index 65539"));
        let e = [0.0, 1.0];
        let err = discretize(&samples, &[Edges::new(&e).unwrap()]).unwrap_err();
        assert!(matches!(err, BinningError::NotFinite { row, .. } if row == CHUNK + 3));
        x[CHUNK + 3] = 2.5;
        let samples = Samples::new(&x, 1, Layout::RowMajor).unwrap();
        let err = discretize(&samples, &[Edges::new(&e).unwrap()]).unwrap_err();
        assert_eq!(
            err,
            BinningError::OutOfRange {
                column: 0,
                row: CHUNK + 3,
                value: 2.5,
                lo: 0.0,
                hi: 1.0
            }
        );
        assert!(err
            .describe("y")
            .contains("outside the bin edges [0.0, 1.0]"));
        assert!(matches!(
            Samples::new(&x[..0], 1, Layout::RowMajor),
            Err(BinningError::Core(Error::EmptyInput { .. }))
        ));
    }

    #[test]
    fn identical_for_any_thread_count() {
        let n = 5 * CHUNK + 3;
        let x: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.618_034).fract()).collect();
        let e = linspace(0.0, 1.0, 1000);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let samples = Samples::new(&x, 1, Layout::RowMajor).unwrap();
                let edges = [Edges::new(&e).unwrap()];
                (
                    discretize(&samples, &edges).unwrap(),
                    differential_entropy(&samples, &edges).unwrap().to_bits(),
                    finite_range(&samples).unwrap(),
                )
            })
        };
        let one = run(1);
        assert_eq!(run(2), one);
        assert_eq!(run(3), one);
    }

    #[test]
    fn differential_entropy_of_a_uniform_grid() {
        // 1000 evenly spread points on [0, a), 10 bins: exactly 100 per bin, h = ln a.
        let a = 0.25;
        let x: Vec<f64> = (0..1000)
            .map(|i| a * (f64::from(i) + 0.5) / 1000.0)
            .collect();
        let e = linspace(0.0, a, 10);
        let samples = Samples::new(&x, 1, Layout::RowMajor).unwrap();
        let h = differential_entropy(&samples, &[Edges::new(&e).unwrap()]).unwrap();
        assert_relative_eq!(h, a.ln(), max_relative = 1e-12);
        // Two independent copies on the grid: the joint estimate is the sum.
        let both: Vec<f64> = x.iter().chain(x.iter().rev()).copied().collect();
        let samples = Samples::new(&both, 2, Layout::ColumnMajor).unwrap();
        let edges = [Edges::new(&e).unwrap(), Edges::new(&e).unwrap()];
        let h2 = differential_entropy(&samples, &edges).unwrap();
        // x and reversed x are dependent (a permutation pairing), so only check the width term:
        // each joint cell has width a²/100, 10 occupied cells of 100 samples each.
        assert_relative_eq!(h2, 10f64.ln() + (a * a / 100.0).ln(), max_relative = 1e-12);
    }
}
