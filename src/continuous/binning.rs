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
//! - **Near-uniform edges** (such as `np.linspace`'s): the bin is guessed arithmetically,
//!   `g = (v − e_0) · B / (e_B − e_0)`, `i = ⌊g⌋`. The guess is *trusted* only when its fractional
//!   part is farther from an integer than the largest error of the guess at the edges themselves
//!   (`|g(e_i) − i|`, measured once per set of edges); since rounding preserves order, such a `v`
//!   provably lies in bin `i` (see [`Edges::new`]). This pass is branch-free and vectorised
//!   (compiled for the baseline, AVX2 and AVX-512, chosen at run time by [`crate::runtime::simd::level`]);
//!   a block of [`GUESS_BLOCK`] samples with an untrusted guess — a value on or within a few ulps
//!   of an edge, or outside the range — is redone exactly. So values on an edge, or one ulp
//!   either side of it, land where `np.digitize` puts them, whatever the rounding of the guess.
//! - **Other edges**, and the exact redo: a binary search over the inner edges.
//!
//! # Layout, parallelism, determinism
//! [`Samples`] is a matrix of `rows` samples of `columns` variables, row-major (`(n, d)` C order) or
//! column-major (each variable contiguous). Each column is processed in fixed chunks of [`CHUNK`]
//! rows, in parallel; labels are integers and minima/maxima are exact, so every result is identical
//! for any number of threads and any SIMD level. When several samples are invalid, the error names
//! the first one (the smallest row of the first column that has one).
//!
//! # Memory
//! The labels take at most 4 bytes per sample, no more than a float32 input (and a quarter of a
//! float64 one with up to 256 bins), so they are allocated without a separate budget check; the
//! differential entropy's joint table comes from [`crate::joint_counts`], which bounds its own.
//!
//! # Differential entropy
//! [`differential_entropy`] is the histogram ("plug-in") estimate
//! `ĥ = H(labels) + E[ln w(X)] = −Σ_b p_b ln(p_b / w_b)`, `p_b` the fraction of samples in bin `b`
//! and `w_b` its width (volume). For `d` columns the bins are the cells of the joint histogram and
//! `w_b` is the product of the cell's widths, so `E[ln w] = Σ_j E[ln w_j(X_j)]` is a sum of
//! per-column terms. It estimates `h(X) = −∫ f ln f` (Cover & Thomas 2006, §8.3: `H(X^Δ) + ln Δ →
//! h(X)` as the bin width `Δ → 0`).

use crate::error::Argument;
use crate::numeric::compensated_sum;
use crate::runtime::simd;
pub use crate::runtime::simd::bins::BinLabel;
use crate::runtime::simd::bins::{self, Guess};
pub use crate::runtime::simd::Float;
use crate::samples::counts::joint_counts;
use crate::samples::estimate::conditional_entropy_of_table;
use crate::Estimator;
use crate::{Error, Labels, Result};
use rayon::prelude::*;
use std::ops::Range;

/// Rows per chunk of every parallel pass (fixed: chunk boundaries depend only on the input size).
pub const CHUNK: usize = 1 << 16;

/// How the samples of a [`Samples`] matrix are laid out in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Sample `i` of column `j` at `i · columns + j` (a C-ordered `(n, d)` array).
    RowMajor,
    /// Sample `i` of column `j` at `j · rows + i` (each column contiguous).
    ColumnMajor,
}

/// `rows` samples of `columns` continuous variables, and their names in error messages.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a, T> {
    data: &'a [T],
    rows: usize,
    columns: usize,
    layout: Layout,
    names: &'a [String],
}

impl<'a, T: Float> Samples<'a, T> {
    /// Wraps `data`: `columns ≥ 1` variables with `data.len() / columns ≥ 1` samples each.
    pub fn new(data: &'a [T], columns: usize, layout: Layout) -> Result<Self> {
        if columns == 0 || data.is_empty() {
            return Err(Error::EmptyInput {
                argument: "x".into(),
            });
        }
        if !data.len().is_multiple_of(columns) {
            return Err(Error::ShapeMismatch {
                argument: "x".into(),
                expected: vec![data.len() / columns, columns],
                found: vec![data.len()],
            });
        }
        Ok(Samples {
            data,
            rows: data.len() / columns,
            columns,
            layout,
            names: &[],
        })
    }

    /// The same samples, with `names[j]` naming column `j` in errors (e.g. `"x"`, `"x[:, 1]"`);
    /// unnamed columns are called `"column j"`.
    #[must_use]
    pub fn named(self, names: &'a [String]) -> Self {
        Samples { names, ..self }
    }

    /// How errors name column `column`.
    fn name(&self, column: usize) -> Argument {
        match self.names.get(column) {
            Some(name) => name.clone().into(),
            None => format!("column {column}").into(),
        }
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
fn chunk_range<T: Float>(values: &[T]) -> std::result::Result<(T, T), usize> {
    let (min, max, finite) = bins::range(simd::level(), values);
    if finite {
        Ok((min, max))
    } else {
        Err(values.iter().position(|v| !v.is_finite()).unwrap_or(0))
    }
}

/// The smallest and largest sample of each column, after checking that every sample is finite.
///
/// This is what `np.histogram_bin_edges` needs for equal-width bins (`a.min()`, `a.max()`), in one
/// parallel pass that also finds the first NaN or ±∞ (an error naming its column and row).
pub fn finite_range<T: Float>(samples: &Samples<'_, T>) -> Result<Vec<(T, T)>> {
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
                return Err(Error::NotFinite {
                    argument: samples.name(column),
                    index: row,
                    value,
                });
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
        let invalid = |message: String| Error::InvalidArgument {
            argument: "bins".into(),
            message,
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

/// Samples per block of the vectorised pass: a block with an untrusted guess is redone by
/// [`Edges::locate`] while it is still in L1 cache.
const GUESS_BLOCK: usize = 256;

/// Bin index of each sample of `values` into `out`, or the offset of the first sample without a bin.
fn bin_chunk<T: Float, L: BinLabel>(
    values: &[T],
    edges: &Edges<'_>,
    out: &mut [L],
) -> std::result::Result<(), usize> {
    let exact = |start: usize, values: &[T], out: &mut [L]| {
        for (i, (&v, o)) in values.iter().zip(out.iter_mut()).enumerate() {
            match edges.locate(v.to_f64()) {
                Some(bin) => *o = L::from_bin(bin),
                None => return Err(start + i),
            }
        }
        Ok(())
    };
    if !edges.is_uniform() {
        return exact(0, values, out);
    }
    for (k, (block, labels)) in values
        .chunks(GUESS_BLOCK)
        .zip(out.chunks_mut(GUESS_BLOCK))
        .enumerate()
    {
        if !bin_guessed(block, edges, labels) {
            exact(k * GUESS_BLOCK, block, labels)?;
        }
    }
    Ok(())
}

/// The branch-free pass for near-uniform edges (see [`Edges::new`]): every sample's guessed bin,
/// and whether every guess was trusted. If not, the caller redoes the chunk with
/// [`Edges::locate`].
fn bin_guessed<T: Float, L: BinLabel>(values: &[T], edges: &Edges<'_>, out: &mut [L]) -> bool {
    let guess = Guess {
        lo: edges.values[0],
        scale: edges.scale,
        margin: edges.margin,
        bins: edges.bins() as f64,
    };
    bins::bin_guessed(simd::level(), values, &guess, out)
}

fn discretize_into<T: Float, L: BinLabel>(
    samples: &Samples<'_, T>,
    edges: &[Edges<'_>],
) -> Result<Vec<L>> {
    let rows = samples.rows();
    let (columns, width) = (samples.columns(), std::mem::size_of::<L>());
    let len = rows.saturating_mul(columns);
    let what =
        || format!("the bin labels of {rows} samples x {columns} columns ({width} bytes each)");
    let advice = "discretize fewer samples or columns at a time";
    crate::runtime::memory::check(what, len as u128 * width as u128, advice)?;
    let mut out = crate::runtime::memory::try_filled(len, L::default(), what, advice)?;
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
            Error::OutsideBins {
                argument: samples.name(column),
                index: row,
                value,
                lo: e[0],
                hi: e[e.len() - 1],
            }
        } else {
            Error::NotFinite {
                argument: samples.name(column),
                index: row,
                value,
            }
        });
    }
    Ok(out)
}

/// The bin index of every sample, column `j` binned by `edges[j]` (see the module docs for the
/// convention); column-major, in the smallest label type that holds every column's bins.
pub fn discretize<T: Float>(samples: &Samples<'_, T>, edges: &[Edges<'_>]) -> Result<Discretized> {
    if edges.len() != samples.columns() {
        return Err(Error::LengthMismatch {
            argument: "bins".into(),
            expected: samples.columns(),
            found: edges.len(),
        });
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
            argument: "bins".into(),
            message: format!("{bins} bins is more than the {} supported", u32::MAX_BINS),
        });
    })
}

/// Histogram estimate of the differential entropy of the (joint) samples, in nats:
/// `−Σ_b p_b ln(p_b / w_b)` over the occupied cells `b` of the joint histogram, `w_b` the product
/// of the cell's bin widths (see the module docs).
pub fn differential_entropy<T: Float>(
    samples: &Samples<'_, T>,
    edges: &[Edges<'_>],
) -> Result<f64> {
    let labels = discretize(samples, edges)?;
    let columns = labels.columns(samples.columns());
    let table = joint_counts(&columns)?;
    let n = table.total() as f64;
    let discrete = conditional_entropy_of_table(&table, &[], Estimator::Plugin)?;
    let mut terms = Vec::new();
    for (j, column_edges) in edges.iter().enumerate() {
        let (bins, counts) = if columns.len() == 1 {
            table.histogram()
        } else {
            table.marginal(&[j])?.histogram()
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
                Err(Error::InvalidArgument { argument, .. }) if argument == "bins"
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
        assert!(
            matches!(&err, Error::NotFinite { argument, index, .. } if argument == "column 0" && *index == CHUNK + 3)
        );
        let names = ["x".to_string()];
        let err = finite_range(&samples.named(&names)).unwrap_err();
        assert!(err.to_string().starts_with("x contains NaN at index 65539"));
        let e = [0.0, 1.0];
        let err = discretize(&samples, &[Edges::new(&e).unwrap()]).unwrap_err();
        assert!(matches!(err, Error::NotFinite { index, .. } if index == CHUNK + 3));
        x[CHUNK + 3] = 2.5;
        let names = ["y".to_string()];
        let samples = Samples::new(&x, 1, Layout::RowMajor).unwrap().named(&names);
        let err = discretize(&samples, &[Edges::new(&e).unwrap()]).unwrap_err();
        assert_eq!(
            err,
            Error::OutsideBins {
                argument: "y".into(),
                index: CHUNK + 3,
                value: 2.5,
                lo: 0.0,
                hi: 1.0
            }
        );
        assert!(err.to_string().contains("outside the bin edges [0.0, 1.0]"));
        assert!(matches!(
            Samples::new(&x[..0], 1, Layout::RowMajor),
            Err(Error::EmptyInput { .. })
        ));
    }

    #[test]
    fn every_simd_level_agrees() {
        let e = linspace(-3.0, 5.0, 200);
        let edges = Edges::new(&e).unwrap();
        let guess = Guess {
            lo: e[0],
            scale: edges.scale,
            margin: edges.margin,
            bins: 200.0,
        };
        let mut x: Vec<f64> = (0..10_000)
            .map(|i| -3.0 + 8.0 * f64::from(i) / 9999.0)
            .collect();
        x.extend(e.iter().flat_map(|&v| [v.next_down(), v, v.next_up()]));
        x.extend([f64::NAN, -7.0, 1e300, f64::INFINITY]);
        let float32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let run = |level: simd::Level| {
            let mut labels = vec![0u16; x.len()];
            let mut labels32 = vec![0u16; x.len()];
            let trusted = bins::bin_guessed(level, &x, &guess, &mut labels);
            let trusted32 = bins::bin_guessed(level, &float32, &guess, &mut labels32);
            let range = bins::range(level, &x[..10_000]);
            let range32 = bins::range(level, &float32);
            (labels, labels32, trusted, trusted32, range, range32)
        };
        let baseline = run(simd::Level::Scalar);
        assert!(!baseline.2, "the edge values and NaN are not trusted");
        assert_eq!(baseline.4, (-3.0, 5.0, true));
        assert!(!baseline.5 .2);
        // A trusted guess is the exact bin; untrusted ones are the values on or next to an edge
        // and those without a bin.
        let mut untrusted = 0;
        for &v in &x {
            let mut label = [0u16];
            if bins::bin_guessed(simd::Level::Scalar, &[v], &guess, &mut label) {
                assert_eq!(usize::from(label[0]), brute(&e, v), "{v:e}");
            } else {
                untrusted += 1;
            }
        }
        assert!(untrusted <= 3 * e.len() + 4 + 8, "{untrusted}");
        for level in simd::Level::ALL {
            if level.is_available() {
                assert_eq!(run(level), baseline, "{level:?}");
            }
        }
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
