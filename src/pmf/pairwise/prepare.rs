//! One side of a pairwise computation: rows checked and normalised in one parallel pass, with
//! what the metric needs of them (logarithms centred on a shared column reference, square roots,
//! zero patterns, per-row sums).

use super::{Form, Metric};
use crate::pmf::Distributions;
use crate::runtime::memory;
use crate::runtime::simd::{self, CenteredSums};
use crate::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;

/// Row sums for which a matrix product may run over a row as given and be scaled by `1 / Σ w`
/// afterwards: the weights are then at most 2⁶⁴, so no product term overflows, and with
/// `Σ w ≥ 2⁻⁶⁴` the absolute error of a product term over a subnormal weight (at most 2⁻¹⁰⁷⁵)
/// becomes at most 2⁻¹⁰¹¹ after the scaling, far below every error bound.
pub(super) const RAW_SUMS: std::ops::RangeInclusive<f64> =
    5.421_010_862_427_522e-20..=1.844_674_407_370_955_2e19;

/// Per-row results of preparing a side.
#[derive(Clone, Copy, Default)]
pub(super) struct RowInfo {
    /// Whether the row has a zero.
    pub(super) has_zero: bool,
    /// What a matrix product over the row as given must be multiplied by to be over the
    /// normalised row, for a side whose values are not kept: `1 / Σ w` ([`raw_scale`]; 1 with
    /// `normalize = false`), or `NaN` for a sum outside [`RAW_SUMS`] until
    /// [`Prepared::keep_unsafe_rows`] keeps the values (only P's products use it). 1 for a side
    /// whose values are kept.
    pub(super) scale: f64,
    /// `Σ p` (1 up to rounding when normalised; only JS, Hellinger and Bhattacharyya use it).
    pub(super) mass: f64,
    /// `Σ p ln p` (JS only; 0 for the other metrics).
    pub(super) negentropy: f64,
    /// `Σ v (ln v − c)`, `Σ v |ln v − c|`, `Σ v c`, `‖v‖₂` and `‖ln v − c‖₂` (over `v > 0`) for the
    /// logarithmic metrics; only `‖ln v − c‖₂` for a side whose values are not kept.
    pub(super) centered: CenteredSums,
}

/// What a side does with logarithms.
#[derive(Clone, Copy)]
pub(super) enum Logs<'r> {
    /// None (the metrics that are not logarithmic).
    None,
    /// Keeps `ln v` (−∞ where `v = 0`) and finds the column extremes that define the reference
    /// of [`center`]: `Q` of the logarithmic metrics, prepared first.
    Raw,
    /// Centres them on `reference` while the row is in cache and sums them, keeping them only for
    /// `keep` (Jeffreys): `P` of the logarithmic metrics, prepared second.
    Centered { reference: &'r [f64], keep: bool },
}

/// Column by column, the smallest and largest finite `ln v` of a side.
pub(super) type Extremes = (Vec<f64>, Vec<f64>);

/// Scratch rows and column extremes of one rayon fold job while preparing a side.
pub(super) struct Scratch {
    values: Vec<f64>,
    logs: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Scratch {
    pub(super) fn new(k: usize, extremes: bool) -> Self {
        let columns = if extremes { k } else { 0 };
        Scratch {
            values: Vec::new(),
            logs: Vec::new(),
            lo: vec![f64::INFINITY; columns],
            hi: vec![f64::NEG_INFINITY; columns],
        }
    }

    fn merge(mut self, other: &Scratch) -> Scratch {
        for (a, b) in self.lo.iter_mut().zip(&other.lo) {
            *a = a.min(*b);
        }
        for (a, b) in self.hi.iter_mut().zip(&other.hi) {
            *a = a.max(*b);
        }
        self
    }
}

/// What a product over a row as given must be multiplied by, `1 / sum`, when the row's sum is in
/// [`RAW_SUMS`] (`second`, from [`Distributions::scale`], is 1 unless the sum overflowed); else
/// `NaN`: a product over these weights could overflow or lose bits to underflow, and
/// [`Prepared::keep_unsafe_rows`] keeps the normalised rows instead.
#[allow(clippy::float_cmp)] // `second` is exactly 1.0 unless the row's sum overflowed
pub(super) fn raw_scale(first: f64, second: f64) -> f64 {
    if second == 1.0 && RAW_SUMS.contains(&first) {
        1.0 / first
    } else {
        f64::NAN
    }
}

/// `rows` mutable rows of `k` elements of `v`, or `rows` empty slices when `v` is empty.
pub(super) fn row_slices(v: &mut [f64], rows: usize, k: usize) -> Vec<&mut [f64]> {
    if v.is_empty() {
        std::iter::repeat_with(<&mut [f64]>::default)
            .take(rows)
            .collect()
    } else {
        v.chunks_mut(k).collect()
    }
}

/// Whether `metric` uses the mass `Σ v` of each row (and, for JS, `Σ v ln v`).
fn needs_mass(metric: Metric) -> bool {
    match metric {
        Metric::JsDivergence | Metric::Hellinger | Metric::Bhattacharyya => true,
        Metric::KlDivergence | Metric::CrossEntropy | Metric::Jeffreys | Metric::TotalVariation => {
            false
        }
    }
}

/// Rows `r` of a row-major matrix with `k` columns.
pub(super) fn block<'a>(m: &'a [f64], r: &Range<usize>, k: usize) -> &'a [f64] {
    &m[r.start * k..r.end * k]
}

/// One side of a pairwise computation: checked, normalised rows and what the metric needs of them.
pub(super) struct Prepared<'a> {
    pub(super) source: &'a Distributions<'a>,
    pub(super) normalize: bool,
    pub(super) rows: usize,
    pub(super) k: usize,
    /// Normalised rows, `rows × k`; empty when not kept (`Q` of KL and cross-entropy, whose
    /// products need only its logarithms, and `P` of those, whose products run over its rows as
    /// given unless [`Prepared::keep_unsafe_rows`]): [`Prepared::row_into`] normalises a row again.
    pub(super) values: Vec<f64>,
    /// `ln v − c_k` for each value `v > 0` of column `k`, 0 where `v = 0` (`Q` of KL and
    /// cross-entropy, both sides of Jeffreys; `ln v` until [`center`]). The column reference `c` is
    /// shared by both sides.
    pub(super) logs: Vec<f64>,
    /// `√` of each value (Hellinger, Bhattacharyya).
    pub(super) roots: Vec<f64>,
    /// Per row, bit `c` set where the value is 0 (`words` 64-bit words per row).
    pub(super) zeros: Vec<u64>,
    pub(super) words: usize,
    pub(super) info: Vec<RowInfo>,
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        for v in [&mut self.values, &mut self.logs, &mut self.roots] {
            memory::recycle(std::mem::take(v));
        }
    }
}

impl<'a> Prepared<'a> {
    /// Checks and normalises the rows of `d` in one parallel pass, deriving what `metric` needs
    /// from each row while it is in cache; returns the side and, for [`Logs::Raw`], the column
    /// extremes `(lo, hi)` of its finite logarithms.
    pub(super) fn new(
        d: &'a Distributions<'a>,
        normalize: bool,
        metric: Metric,
        keep_values: bool,
        logs: Logs<'_>,
    ) -> Result<(Self, Extremes)> {
        let (rows, k) = (d.rows(), d.outcomes());
        let words = k.div_ceil(64);
        let sums_needed = needs_mass(metric);
        let keep_logs = match logs {
            Logs::None => false,
            Logs::Raw => true,
            Logs::Centered { keep, .. } => keep,
        };
        let raw = matches!(logs, Logs::Raw);
        let mut values = memory::work(if keep_values { rows * k } else { 0 });
        let mut log_values = memory::work(if keep_logs { rows * k } else { 0 });
        let mut zeros = vec![0u64; rows * words];
        let mut info = vec![RowInfo::default(); rows];
        let value_rows = row_slices(&mut values, rows, k);
        let log_rows = row_slices(&mut log_values, rows, k);
        let pass = value_rows
            .into_par_iter()
            .zip(log_rows)
            .zip(zeros.par_chunks_mut(words.max(1)))
            .zip(info.par_iter_mut())
            .enumerate()
            .try_fold(
                || Scratch::new(k, raw),
                |mut s, (r, (((row, log_row), bits), info))| -> Result<Scratch> {
                    let Scratch {
                        values: scratch_values,
                        logs: scratch_logs,
                        lo,
                        hi,
                    } = &mut s;
                    let row = if keep_values {
                        row
                    } else {
                        scratch_values.resize(k, 0.0);
                        scratch_values.as_mut_slice()
                    };
                    let (first, second) = d.scale(r, normalize)?;
                    info.has_zero = simd::divide_into(d.row(r), first, second, row);
                    info.scale = if keep_values {
                        1.0
                    } else {
                        raw_scale(first, second)
                    };
                    if info.has_zero {
                        for (c, &v) in row.iter().enumerate() {
                            if v == 0.0 {
                                bits[c / 64] |= 1 << (c % 64);
                            }
                        }
                    }
                    let log_row = if keep_logs {
                        log_row
                    } else {
                        scratch_logs.resize(k, 0.0);
                        scratch_logs.as_mut_slice()
                    };
                    match logs {
                        Logs::None => {}
                        Logs::Raw => {
                            simd::ln_slice(row, log_row);
                            simd::column_extremes(log_row, lo, hi);
                        }
                        Logs::Centered { reference, .. } => {
                            simd::ln_slice(row, log_row);
                            info.centered = simd::centered_sums(row, log_row, reference);
                        }
                    }
                    // Only Jensen–Shannon, Hellinger and Bhattacharyya use the mass and Σ v ln v.
                    info.mass = if sums_needed { row.iter().sum() } else { 1.0 };
                    if metric == Metric::JsDivergence {
                        info.negentropy = simd::sum_xlogx(row);
                    }
                    Ok(s)
                },
            )
            .try_reduce(|| Scratch::new(k, raw), |a, b| Ok(a.merge(&b)));
        let extremes = match pass {
            Ok(s) => (s.lo, s.hi),
            Err(e) => return Err(first_error(d, normalize).unwrap_or(e)),
        };
        let roots_needed = metric.form() == Form::RootProduct;
        let mut roots = memory::work(if roots_needed { rows * k } else { 0 });
        if roots_needed {
            roots
                .par_iter_mut()
                .zip(values.par_iter())
                .for_each(|(o, &v)| *o = v.sqrt());
        }
        let side = Prepared {
            source: d,
            normalize,
            rows,
            k,
            values,
            logs: log_values,
            roots,
            zeros,
            words,
            info,
        };
        Ok((side, extremes))
    }

    /// Row `r`, normalised (which needs `scratch` when the values are not kept).
    pub(super) fn row_into<'s>(&'s self, r: usize, scratch: &'s mut Vec<f64>) -> &'s [f64] {
        if self.values.is_empty() {
            scratch.resize(self.k, 0.0);
            // The row passed the same check when the side was prepared, so this cannot fail.
            let _ = self.source.normalized_row_into(r, self.normalize, scratch);
            scratch
        } else {
            self.row(r)
        }
    }

    /// When some row's sum is outside [`RAW_SUMS`], keeps the normalised values of every row, so
    /// that the products run over them instead of the rows as given.
    pub(super) fn keep_unsafe_rows(&mut self) {
        if !self.values.is_empty() || self.info.iter().all(|i| !i.scale.is_nan()) {
            return;
        }
        let (k, normalize, source) = (self.k, self.normalize, self.source);
        let mut values = memory::work(self.rows * k);
        values.par_chunks_mut(k).enumerate().for_each(|(r, row)| {
            // The row passed the same check in the first pass, so this cannot fail (unless the
            // caller's array changed during the call).
            let checked = source.normalized_row_into(r, normalize, row);
            debug_assert!(checked.is_ok());
        });
        self.values = values;
        for info in &mut self.info {
            info.scale = 1.0;
        }
    }

    /// Rows `rows` as a product operand: the normalised values if kept, else the rows as given
    /// (each product row then needs multiplying by its [`RowInfo::scale`]).
    pub(super) fn product_rows(&self, rows: &Range<usize>) -> &[f64] {
        if self.values.is_empty() {
            block(self.source.weights(), rows, self.k)
        } else {
            block(&self.values, rows, self.k)
        }
    }

    /// Row `r` of the kept values.
    pub(super) fn row(&self, r: usize) -> &[f64] {
        &self.values[r * self.k..(r + 1) * self.k]
    }

    pub(super) fn zero_bits(&self, r: usize) -> &[u64] {
        &self.zeros[r * self.words..(r + 1) * self.words]
    }

    /// Whether some outcome has `self[i] > 0` and `other[j] == 0`.
    pub(super) fn mass_where_zero(&self, i: usize, other: &Prepared<'_>, j: usize) -> bool {
        other.info[j].has_zero
            && self
                .zero_bits(i)
                .iter()
                .zip(other.zero_bits(j))
                .enumerate()
                .any(|(w, (&zi, &zj))| {
                    let valid = if (w + 1) * 64 <= self.k {
                        u64::MAX
                    } else {
                        (1u64 << (self.k % 64)) - 1
                    };
                    !zi & zj & valid != 0
                })
    }
}

/// The first row of `d` (in order) that fails its check, so that errors do not depend on the
/// scheduling of the parallel pass that found one.
pub(super) fn first_error(d: &Distributions<'_>, normalize: bool) -> Option<Error> {
    (0..d.rows()).find_map(|r| d.scale(r, normalize).err())
}

/// The column reference `c_k` of the logarithmic metrics from the extremes `(lo, hi)` of the
/// finite `ln q_jk`: their midpoint (0 for a column without a positive `q_jk`). A function of the
/// set of values, so no entry depends on the order of rows.
///
/// Products of centred logarithms add terms `v (ln v − c)` much smaller than `v ln v` when the
/// rows resemble each other, so the matrix products lose less to rounding and fewer entries need
/// to be recomputed; the `c` terms cancel exactly in every divergence.
pub(super) fn reference((lo, hi): &Extremes) -> Vec<f64> {
    lo.iter()
        .zip(hi)
        .map(|(&lo, &hi)| {
            if lo.is_finite() {
                0.5 * lo + 0.5 * hi
            } else {
                0.0
            }
        })
        .collect()
}

/// Centres the kept logarithms of `side` (prepared with [`Logs::Raw`]) on `reference`, filling
/// the rows' [`CenteredSums`] (only `‖ln v − c‖₂` when the values are not kept).
pub(super) fn center(side: &mut Prepared<'_>, reference: &[f64]) {
    let k = side.k;
    let value_rows = row_slices(&mut side.values, side.rows, k);
    side.logs
        .par_chunks_mut(k)
        .zip(value_rows)
        .zip(side.info.par_iter_mut())
        .for_each(|((logs, values), info)| {
            info.centered = if values.is_empty() {
                CenteredSums {
                    log_norm: simd::center_logs(logs, reference),
                    ..CenteredSums::default()
                }
            } else {
                simd::centered_sums(values, logs, reference)
            };
        });
}

pub(super) fn prepare_pair<'a>(
    p: &'a Distributions<'a>,
    q: &'a Distributions<'a>,
    metric: Metric,
    normalize: bool,
) -> Result<(Prepared<'a>, Prepared<'a>)> {
    if p.outcomes() != q.outcomes() {
        return Err(Error::ShapeMismatch {
            argument: "Q".into(),
            expected: vec![q.rows(), p.outcomes()],
            found: vec![q.rows(), q.outcomes()],
        });
    }
    if metric.form() != Form::LogProduct {
        let (prepared_p, _) = Prepared::new(p, normalize, metric, true, Logs::None)?;
        let (prepared_q, _) = Prepared::new(q, normalize, metric, true, Logs::None)?;
        return Ok((prepared_p, prepared_q));
    }
    // Q first: its logarithms define the column reference that P's are centred on in P's own
    // pass. The products use Q's values and P's logarithms only for Jeffreys (`(ln P) · Qᵀ`).
    let jeffreys = metric == Metric::Jeffreys;
    let (mut prepared_q, extremes) = match Prepared::new(q, normalize, metric, jeffreys, Logs::Raw)
    {
        Ok(side) => side,
        // P's errors are reported first, as everywhere else.
        Err(e) => return Err(first_error(p, normalize).unwrap_or(e)),
    };
    let reference = reference(&extremes);
    center(&mut prepared_q, &reference);
    let logs = Logs::Centered {
        reference: &reference,
        keep: jeffreys,
    };
    // KL and cross-entropy multiply P's rows as given and scale the products.
    let (mut prepared_p, _) = Prepared::new(p, normalize, metric, jeffreys, logs)?;
    prepared_p.keep_unsafe_rows();
    Ok((prepared_p, prepared_q))
}
