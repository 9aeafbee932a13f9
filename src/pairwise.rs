//! Pairwise matrices between two sets of distributions, and the `k` nearest rows without the matrix.
//!
//! # Formulations
//! - **GEMM metrics.** `KL(p_i ‖ q_j) = CE_ij − H_i` with `CE = −P · (ln Q)ᵀ`; cross-entropy is `CE`;
//!   Jeffreys is `CE_ij + CE'_ji − H_i − H_j`; Hellinger and Bhattacharyya come from the Bhattacharyya
//!   coefficient `BC = √P · √Qᵀ`. The products run through the `gemm` crate (runtime-dispatched
//!   AVX-512 / AVX2 kernels), one sequential product per row block so the result does not depend on
//!   the thread count.
//! - **Direct metrics.** Jensen–Shannon as `½(Σ p ln p + Σ q ln q − Σ s ln s) + ½ ln 2 · Σ s` with
//!   `s = p + q` (one vectorised logarithm per element, [`crate::simd`]), total variation as
//!   `½ Σ |p − q|`.
//!
//! # Accuracy
//! The fast forms subtract large, nearly equal numbers when two rows are close. Each entry carries an
//! error bound `E = γ_k · (sum of the magnitudes combined)`, `γ_k = 8 √k u` (`u = 2⁻⁵³`); wherever
//! `E` could exceed 5·10⁻¹³, or the value is below `10⁶ E` (relative error possibly above 10⁻⁶), the
//! entry is recomputed from its definition by the exact kernels of [`crate::pmf::pair`]. Infinities
//! (KL, cross-entropy, Jeffreys on support mismatch; Bhattacharyya on disjoint supports) are set
//! exactly from support bitsets, never left to the floating-point products.

use crate::pmf::{pair, Distributions};
use crate::simd::CenteredSums;
use crate::{Error, Result};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

/// A pairwise metric between distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Kullback–Leibler divergence `Σ p ln(p/q)`.
    KlDivergence,
    /// Cross-entropy `−Σ p ln q`.
    CrossEntropy,
    /// Jensen–Shannon divergence (not its square root).
    JsDivergence,
    /// Symmetric KL `KL(p‖q) + KL(q‖p)`.
    Jeffreys,
    /// Hellinger distance `‖√p − √q‖₂ / √2` (`= √(1 − Σ √(pq))` for distributions), in `[0, 1]`.
    Hellinger,
    /// Bhattacharyya distance `−ln Σ √(pq)` (0 for identical rows).
    Bhattacharyya,
    /// Total variation distance `½ Σ |p − q|`, in `[0, 1]`.
    TotalVariation,
}

impl Metric {
    /// Every metric's name, as accepted by [`Metric::from_str`].
    pub const NAMES: [&'static str; 7] = [
        "kl",
        "cross_entropy",
        "js",
        "jeffreys",
        "hellinger",
        "bhattacharyya",
        "total_variation",
    ];

    /// Whether the metric is measured in nats (so `base` applies).
    #[must_use]
    pub fn is_logarithmic(self) -> bool {
        !matches!(self, Metric::Hellinger | Metric::TotalVariation)
    }

    /// The exact definition of the metric for one pair of (normalised) rows.
    #[must_use]
    pub fn exact(self, p: &[f64], q: &[f64]) -> f64 {
        match self {
            Metric::KlDivergence => pair::kl_divergence(p, q),
            Metric::CrossEntropy => pair::cross_entropy(p, q),
            Metric::JsDivergence => pair::js_divergence(p, q),
            Metric::Jeffreys => pair::jeffreys(p, q),
            Metric::Hellinger => pair::hellinger(p, q),
            Metric::Bhattacharyya => pair::bhattacharyya(p, q),
            Metric::TotalVariation => pair::total_variation(p, q),
        }
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "kl" => Metric::KlDivergence,
            "cross_entropy" => Metric::CrossEntropy,
            "js" => Metric::JsDivergence,
            "jeffreys" => Metric::Jeffreys,
            "hellinger" => Metric::Hellinger,
            "bhattacharyya" => Metric::Bhattacharyya,
            "total_variation" => Metric::TotalVariation,
            other => {
                return Err(Error::InvalidArgument {
                    argument: "metric",
                    message: format!(
                        "unknown metric {other:?}; expected one of {:?}",
                        Metric::NAMES
                    ),
                })
            }
        })
    }
}

/// Rows of output per task of the direct metrics and per tile of [`nearest`].
const ROW_BLOCK: usize = 64;
/// Multiply-adds per (parallel) matrix product of the GEMM metrics, about 0.05–0.1 s of work on
/// two cores: Ctrl-C is checked between products, and each product packs the whole of `Q` once,
/// so fewer, larger products pack it fewer times.
const PRODUCT_WORK: usize = 1 << 32;
/// Bytes of `Q` rows per cache tile of the Jensen–Shannon loop.
const JS_TILE_BYTES: usize = 256 * 1024;
/// Columns of `Q` per tile in [`nearest`].
const COLUMN_BLOCK: usize = 2048;
/// Row sums for which a matrix product may run over a row as given and be scaled by `1 / sum`
/// afterwards: the weights are then at most 2⁶⁴ (no product term overflows) and any subnormal
/// weight is below 2⁶⁴ · 2⁻¹⁰²² of its normalised value's scale (what it loses is far below
/// every error bound).
const RAW_SUMS: std::ops::RangeInclusive<f64> =
    5.421_010_862_427_522e-20..=1.844_674_407_370_955_2e19;
/// Entries whose error bound exceeds this are recomputed exactly.
const ABSOLUTE_BOUND: f64 = 5e-13;
/// Entries smaller than this multiple of their error bound are recomputed exactly.
const RELATIVE_MARGIN: f64 = 1e6;

/// Per-row results of preparing a side.
#[derive(Clone, Copy, Default)]
struct RowInfo {
    /// Whether the row has a zero.
    has_zero: bool,
    /// What a matrix product over the row as given must be multiplied by to be over the
    /// normalised row: `1 / Σ w` for a side whose values are not kept, 1 otherwise.
    scale: f64,
    /// `Σ p` (1 up to rounding when normalised; only JS, Hellinger and Bhattacharyya use it).
    mass: f64,
    /// `Σ p ln p` (JS only; 0 for the other metrics).
    negentropy: f64,
    /// `Σ v (ln v − c)`, `Σ v |ln v − c|`, `Σ v c`, `‖v‖₂` and `‖ln v − c‖₂` (over `v > 0`) for the
    /// logarithmic metrics; only `‖ln v − c‖₂` for a side whose values are not kept.
    centered: CenteredSums,
}

/// What a side does with logarithms.
#[derive(Clone, Copy)]
enum Logs<'r> {
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
type Extremes = (Vec<f64>, Vec<f64>);

/// Per-thread scratch rows and column extremes while preparing a side.
struct Scratch {
    values: Vec<f64>,
    logs: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Scratch {
    fn new(k: usize, extremes: bool) -> Self {
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
fn raw_scale(first: f64, second: f64) -> f64 {
    if second == 1.0 && RAW_SUMS.contains(&first) {
        1.0 / first
    } else {
        f64::NAN
    }
}

/// `rows` mutable rows of `k` elements of `v`, or `rows` empty slices when `v` is empty.
fn row_slices(v: &mut [f64], rows: usize, k: usize) -> Vec<&mut [f64]> {
    if v.is_empty() {
        std::iter::repeat_with(<&mut [f64]>::default)
            .take(rows)
            .collect()
    } else {
        v.chunks_mut(k).collect()
    }
}

/// One side of a pairwise computation: checked, normalised rows and what the metric needs of them.
struct Prepared<'a> {
    source: &'a Distributions<'a>,
    normalize: bool,
    rows: usize,
    k: usize,
    /// Normalised rows, `rows × k`; empty when not kept (`Q` of KL and cross-entropy, whose
    /// products need only its logarithms): [`Prepared::row_into`] normalises a row again.
    values: Vec<f64>,
    /// `ln v − c_k` for each value `v > 0` of column `k`, 0 where `v = 0` (`Q` of KL and
    /// cross-entropy, both sides of Jeffreys; `ln v` until [`center`]). The column reference `c` is
    /// shared by both sides.
    logs: Vec<f64>,
    /// `√` of each value (Hellinger, Bhattacharyya).
    roots: Vec<f64>,
    /// Per row, bit `c` set where the value is 0 (`words` 64-bit words per row).
    zeros: Vec<u64>,
    words: usize,
    info: Vec<RowInfo>,
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        for v in [&mut self.values, &mut self.logs, &mut self.roots] {
            crate::memory::recycle(std::mem::take(v));
        }
    }
}

impl<'a> Prepared<'a> {
    /// Checks and normalises the rows of `d` in one parallel pass, deriving what `metric` needs
    /// from each row while it is in cache; returns the side and, for [`Logs::Raw`], the column
    /// extremes `(lo, hi)` of its finite logarithms.
    fn new(
        d: &'a Distributions<'a>,
        normalize: bool,
        metric: Metric,
        keep_values: bool,
        logs: Logs<'_>,
    ) -> Result<(Self, Extremes)> {
        let (rows, k) = (d.rows(), d.outcomes());
        let words = k.div_ceil(64);
        let roots_needed = matches!(metric, Metric::Hellinger | Metric::Bhattacharyya);
        let sums_needed = roots_needed || metric == Metric::JsDivergence;
        let keep_logs = match logs {
            Logs::None => false,
            Logs::Raw => true,
            Logs::Centered { keep, .. } => keep,
        };
        let raw = matches!(logs, Logs::Raw);
        let mut values = crate::memory::work(if keep_values { rows * k } else { 0 });
        let mut log_values = crate::memory::work(if keep_logs { rows * k } else { 0 });
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
                    info.has_zero = crate::simd::divide_into(d.row(r), first, second, row);
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
                            crate::simd::ln_slice(row, log_row);
                            crate::simd::column_extremes(log_row, lo, hi);
                        }
                        Logs::Centered { reference, .. } => {
                            crate::simd::ln_slice(row, log_row);
                            info.centered = crate::simd::centered_sums(row, log_row, reference);
                        }
                    }
                    // Only Jensen–Shannon, Hellinger and Bhattacharyya use the mass and Σ v ln v.
                    info.mass = if sums_needed { row.iter().sum() } else { 1.0 };
                    if metric == Metric::JsDivergence {
                        info.negentropy = crate::simd::sum_xlogx(row);
                    }
                    Ok(s)
                },
            )
            .try_reduce(|| Scratch::new(k, raw), |a, b| Ok(a.merge(&b)));
        let extremes = match pass {
            Ok(s) => (s.lo, s.hi),
            Err(e) => return Err(first_error(d, normalize).unwrap_or(e)),
        };
        let mut roots = crate::memory::work(if roots_needed { rows * k } else { 0 });
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
    fn row_into<'s>(&'s self, r: usize, scratch: &'s mut Vec<f64>) -> &'s [f64] {
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
    fn keep_unsafe_rows(&mut self) {
        if !self.values.is_empty() || self.info.iter().all(|i| !i.scale.is_nan()) {
            return;
        }
        let (k, normalize, source) = (self.k, self.normalize, self.source);
        let mut values = crate::memory::work(self.rows * k);
        values.par_chunks_mut(k).enumerate().for_each(|(r, row)| {
            // The row passed the same check in the first pass, so this cannot fail.
            let _ = source.normalized_row_into(r, normalize, row);
        });
        self.values = values;
        for info in &mut self.info {
            info.scale = 1.0;
        }
    }

    /// Rows `rows` as a product operand: the normalised values if kept, else the rows as given
    /// (each product row then needs multiplying by its [`RowInfo::scale`]).
    fn product_rows(&self, rows: &Range<usize>) -> &[f64] {
        if self.values.is_empty() {
            block(self.source.weights(), rows, self.k)
        } else {
            block(&self.values, rows, self.k)
        }
    }

    /// Row `r` of the kept values.
    fn row(&self, r: usize) -> &[f64] {
        &self.values[r * self.k..(r + 1) * self.k]
    }

    fn zero_bits(&self, r: usize) -> &[u64] {
        &self.zeros[r * self.words..(r + 1) * self.words]
    }

    /// Whether some outcome has `self[i] > 0` and `other[j] == 0`.
    fn mass_where_zero(&self, i: usize, other: &Prepared<'_>, j: usize) -> bool {
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
fn first_error(d: &Distributions<'_>, normalize: bool) -> Option<Error> {
    (0..d.rows()).find_map(|r| d.scale(r, normalize).err())
}

/// The column reference `c_k` of the logarithmic metrics from the extremes `(lo, hi)` of the
/// finite `ln q_jk`: their midpoint (0 for a column without a positive `q_jk`). A function of the
/// set of values, so no entry depends on the order of rows.
///
/// Products of centred logarithms add terms `v (ln v − c)` much smaller than `v ln v` when the
/// rows resemble each other, so the matrix products lose less to rounding and fewer entries need
/// to be recomputed; the `c` terms cancel exactly in every divergence.
fn reference((lo, hi): &Extremes) -> Vec<f64> {
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
fn center(side: &mut Prepared<'_>, reference: &[f64]) {
    let k = side.k;
    let value_rows = row_slices(&mut side.values, side.rows, k);
    side.logs
        .par_chunks_mut(k)
        .zip(value_rows)
        .zip(side.info.par_iter_mut())
        .for_each(|((logs, values), info)| {
            info.centered = if values.is_empty() {
                CenteredSums {
                    log_norm: crate::simd::center_logs(logs, reference),
                    ..CenteredSums::default()
                }
            } else {
                crate::simd::centered_sums(values, logs, reference)
            };
        });
}

/// `out (rows × cols, row-major) = a[rows] · b[cols]ᵀ`, both `· × k` row-major.
///
/// With `parallel`, gemm splits the output tiles over the current rayon pool; each output element
/// is still one dot product accumulated in the same order (gemm never splits the inner dimension
/// between threads), so the result does not depend on the number of threads.
fn product<'o>(
    a: &[f64],
    b: &[f64],
    k: usize,
    out: &'o mut [MaybeUninit<f64>],
    cols: usize,
    parallel: bool,
) -> &'o mut [f64] {
    let rows = out.len() / cols.max(1);
    if rows == 0 || cols == 0 {
        // SAFETY: there is no element to initialise.
        return unsafe { assume_init(out) };
    }
    debug_assert_eq!(a.len(), rows * k);
    debug_assert_eq!(b.len(), cols * k);

    // SAFETY: `out` holds rows × cols elements (row stride `cols`), `a` rows × k (row stride k) and
    // `b` cols × k (row stride k, read transposed); all pointers stay within those slices.
    unsafe {
        // Computed as the column-major `cols × rows` product `b · aᵀ` (the same dot products):
        // gemm's AVX-512 kernels run this orientation about 10–30% faster than a row-major
        // destination (measured single-threaded at 2000 × 2000 × 1000).
        gemm::gemm(
            cols,
            rows,
            k,
            out.as_mut_ptr().cast::<f64>(),
            cols as isize,
            1,
            false,
            b.as_ptr(),
            1,
            k as isize,
            a.as_ptr(),
            k as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            if parallel {
                gemm::Parallelism::Rayon(rayon::current_num_threads())
            } else {
                gemm::Parallelism::None
            },
        );
    }
    // SAFETY: gemm wrote every element of `out` (it does not read the destination: `read_dst`
    // is false).
    unsafe { assume_init(out) }
}

/// `s` as initialised.
///
/// # Safety
/// Every element of `s` must have been written.
unsafe fn assume_init(s: &mut [MaybeUninit<f64>]) -> &mut [f64] {
    // SAFETY: MaybeUninit<f64> has the layout of f64, and the caller guarantees initialisation.
    unsafe { &mut *(std::ptr::from_mut::<[MaybeUninit<f64>]>(s) as *mut [f64]) }
}

/// An initialised slice as writable uninitialised memory (only initialised values are written
/// through it).
fn as_uninit(s: &mut [f64]) -> &mut [MaybeUninit<f64>] {
    // SAFETY: same layout; every write through the result is of an initialised f64.
    unsafe { &mut *(std::ptr::from_mut::<[f64]>(s) as *mut [MaybeUninit<f64>]) }
}

/// `γ_k = (3 √k + 2) u`: the bound on the rounding error of a length-`k` product of the
/// matrix-product metrics, relative to the sum of the magnitudes of its terms (the `+ 2` covers
/// the logarithms and square roots that feed it).
///
/// Measured on this crate's products (`calibration` test below): the largest error over 64 × 64
/// products of random, skewed and widely spread data is 1.4 √k u at k = 16, 0.5 √k u at k = 1000
/// and 0.05 √k u at k = 16 000, so `γ_k` keeps a margin of 2 or more.
fn gamma(k: usize) -> f64 {
    (3.0 * (k as f64).sqrt() + 2.0) * f64::EPSILON / 2.0
}

/// Whether a fast value with error bound `bound` must be recomputed from the definition.
#[inline]
fn ill_conditioned(value: f64, bound: f64) -> bool {
    bound > ABSOLUTE_BOUND || value <= RELATIVE_MARGIN * bound
}

/// Rows `r` of a row-major matrix with `k` columns.
fn block<'a>(m: &'a [f64], r: &Range<usize>, k: usize) -> &'a [f64] {
    &m[r.start * k..r.end * k]
}

/// Fills `out` (`rows.len() × cols.len()`) with the metric between `p` rows and `q` rows.
#[allow(clippy::too_many_arguments)]
fn fill_block<'o>(
    metric: Metric,
    p: &Prepared,
    rows: Range<usize>,
    q: &Prepared,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    scratch: &mut Vec<f64>,
    parallel: bool,
) -> &'o mut [f64] {
    match metric {
        Metric::KlDivergence | Metric::CrossEntropy | Metric::Jeffreys => {
            fill_logarithmic(metric, p, rows, q, cols, out, scratch, parallel)
        }
        Metric::Hellinger | Metric::Bhattacharyya => {
            fill_roots(metric, p, rows, q, cols, out, parallel)
        }
        Metric::JsDivergence => fill_js(p, rows, q, cols, out),
        Metric::TotalVariation => {
            let width = cols.len();
            for (bi, i) in rows.enumerate() {
                for (bj, j) in cols.clone().enumerate() {
                    let tv = 0.5 * crate::simd::sum_abs_diff(p.row(i), q.row(j));
                    out[bi * width + bj].write(tv.min(1.0));
                }
            }
            // SAFETY: every entry was written above.
            unsafe { assume_init(out) }
        }
    }
}

/// Calls `fix(i, row_of_out, row_of_scratch)` for every output row, in parallel if asked.
fn for_each_row(
    rows: Range<usize>,
    width: usize,
    out: &mut [f64],
    scratch: &[f64],
    parallel: bool,
    fix: impl Fn(usize, &mut [f64], &[f64]) + Sync,
) {
    let scratch_rows = |b: usize| scratch.get(b * width..(b + 1) * width).unwrap_or(&[]);
    if parallel {
        out.par_chunks_mut(width)
            .enumerate()
            .for_each(|(b, row)| fix(rows.start + b, row, scratch_rows(b)));
    } else {
        for (b, row) in out.chunks_mut(width).enumerate() {
            fix(rows.start + b, row, scratch_rows(b));
        }
    }
}

/// KL, cross-entropy and Jeffreys from `P · (ln Q)ᵀ` (and `(ln P) · Qᵀ`).
#[allow(clippy::too_many_arguments)]
fn fill_logarithmic<'o>(
    metric: Metric,
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    scratch: &mut Vec<f64>,
    parallel: bool,
) -> &'o mut [f64] {
    let (k, width, gamma) = (p.k, cols.len(), gamma(p.k));
    let (a, b) = (p.product_rows(&rows), block(&q.logs, &cols, k));
    let out = product(a, b, k, out, width, parallel);
    if metric == Metric::Jeffreys {
        scratch.resize(out.len(), 0.0);
        let (a, b) = (block(&p.logs, &rows, k), block(&q.values, &cols, k));
        product(a, b, k, as_uninit(scratch), width, parallel);
    }
    let q_info = &q.info[cols.clone()];
    let largest_log_norm = q_info
        .iter()
        .map(|qj| qj.centered.log_norm)
        .fold(0.0, f64::max);
    let zero_column = q_info.iter().any(|qj| qj.has_zero);
    for_each_row(rows, width, out, scratch, parallel, |i, row, reverse| {
        let pi = &p.info[i].centered;
        let first = cols.start;
        // The rows for the few entries recomputed from the definition.
        let (mut p_row, mut q_row) = (Vec::new(), Vec::new());
        if metric == Metric::Jeffreys {
            for (bj, (out, qj)) in row.iter_mut().zip(q_info).enumerate() {
                let j = first + bj;
                let qj = &qj.centered;
                // Σ (p − q)(ln p − ln q) = Σ p E_p + Σ q E_q − Σ p E_q − Σ q E_p.
                let value = pi.own + qj.own - *out - reverse[bj];
                let bound = gamma
                    * (pi.own_abs + qj.own_abs + pi.norm * qj.log_norm + qj.norm * pi.log_norm);
                *out = if p.mass_where_zero(i, q, j) || q.mass_where_zero(j, p, i) {
                    f64::INFINITY
                } else if ill_conditioned(value, bound) {
                    pair::jeffreys(p.row(i), q.row_into(j, &mut q_row))
                } else {
                    value
                };
            }
            return;
        }
        // g_ij = Σ p_i (ln q_j − c): what the product computed. KL = Σ p (ln p − c) − g and
        // cross-entropy = −Σ p c − g; the bounds differ only in the first term.
        let cross_entropy = metric == Metric::CrossEntropy;
        let (offset, magnitude) = if cross_entropy {
            (-pi.reference, pi.reference.abs())
        } else {
            (pi.own, pi.own_abs)
        };
        // No entry of the row has a bound above `worst`: when that is below the absolute bound,
        // an entry above `threshold` is well conditioned, and one comparison clears it.
        let worst = gamma * (magnitude + pi.norm * largest_log_norm);
        let threshold = if worst > ABSOLUTE_BOUND {
            f64::INFINITY
        } else {
            RELATIVE_MARGIN * worst
        };
        if !finish_row(row, offset, p.info[i].scale, threshold) && !zero_column {
            return;
        }
        for (bj, (out, qj)) in row.iter_mut().zip(q_info).enumerate() {
            let value = *out;
            let bound = gamma * (magnitude + pi.norm * qj.centered.log_norm);
            if qj.has_zero || ill_conditioned(value, bound) {
                let j = first + bj;
                *out = if p.mass_where_zero(i, q, j) {
                    f64::INFINITY
                } else if !ill_conditioned(value, bound) {
                    value
                } else if cross_entropy {
                    pair::cross_entropy(p.row_into(i, &mut p_row), q.row_into(j, &mut q_row))
                } else {
                    pair::kl_divergence(p.row_into(i, &mut p_row), q.row_into(j, &mut q_row))
                };
            }
        }
    });
    out
}

/// `row[j] ← offset − scale · row[j]`; returns whether some result is at most `threshold`.
fn finish_row(row: &mut [f64], offset: f64, scale: f64, threshold: f64) -> bool {
    // Lanes of running minima (an ordered comparison, so the loop vectorises).
    let mut lowest = [f64::INFINITY; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for (v, low) in chunk.iter_mut().zip(&mut lowest) {
            *v = offset - scale * *v;
            *low = if *v < *low { *v } else { *low };
        }
    }
    for (v, low) in chunks.into_remainder().iter_mut().zip(&mut lowest) {
        *v = offset - scale * *v;
        *low = if *v < *low { *v } else { *low };
    }
    lowest.iter().any(|&low| low <= threshold)
}

/// Hellinger and Bhattacharyya from the coefficients `√P · √Qᵀ`.
fn fill_roots<'o>(
    metric: Metric,
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    parallel: bool,
) -> &'o mut [f64] {
    let (k, width, g) = (p.k, cols.len(), gamma(p.k));
    let (a, b) = (block(&p.roots, &rows, k), block(&q.roots, &cols, k));
    let out = product(a, b, k, out, width, parallel);
    for_each_row(rows, width, out, &[], parallel, |i, row, _| {
        for (bj, j) in cols.clone().enumerate() {
            // All terms of the coefficient are positive: its error is about γ · coefficient.
            let coefficient = row[bj];
            let bound = g * (coefficient.max(0.0) + 1.0);
            row[bj] = if metric == Metric::Hellinger {
                // h² = ½ Σ (√p − √q)² = ½ (Σ p + Σ q) − Σ √(pq); √ magnifies an error δ in h²
                // to δ / (2h).
                let h2 = 0.5 * (p.info[i].mass + q.info[j].mass) - coefficient;
                let h = h2.max(0.0).sqrt();
                if ill_conditioned(h2, bound) || ill_conditioned(h, bound / (2.0 * h)) {
                    metric.exact(p.row(i), q.row(j))
                } else {
                    h.min(1.0)
                }
            } else {
                // Rows that only nearly sum to 1 (`normalize = false`) shift x by their deficits:
                // below that, the rows may be identical (exactly 0) — decide exactly.
                let x = 1.0 - coefficient;
                let deficits = (1.0 - p.info[i].mass).abs() + (1.0 - q.info[j].mass).abs();
                if coefficient <= 0.0 || x <= 2.0 * deficits || ill_conditioned(x, bound) {
                    metric.exact(p.row(i), q.row(j))
                } else if x < 0.5 {
                    -(-x).ln_1p()
                } else {
                    -coefficient.ln()
                }
            };
        }
    });
    out
}

/// Jensen–Shannon from `½(Σ p ln p + Σ q ln q − Σ s ln s + ln 2 · Σ s)`, `s = p + q`.
fn fill_js<'o>(
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
) -> &'o mut [f64] {
    let (width, g) = (cols.len(), gamma(p.k));
    // Tiles of Q rows that stay in the L2 cache (about 256 KiB) while every row of the block of
    // P passes over them: without tiling each row of P would stream all of Q from L3 or memory.
    let tile = (JS_TILE_BYTES / (8 * p.k.max(1))).max(8);
    let starts = (cols.start..cols.end).step_by(tile);
    let mut sums = vec![0.0; tile];
    for tile_start in starts {
        let tile_cols = tile_start..(tile_start + tile).min(cols.end);
        let q_tile = block(&q.values, &tile_cols, p.k);
        let sums = &mut sums[..tile_cols.len()];
        for (bi, i) in rows.clone().enumerate() {
            let pi = p.row(i);
            // Σ s ln s, s = p_i + q_j, for the whole tile at once (the rows were checked).
            crate::simd::sums_xlogx_of_sum(pi, q_tile, sums);
            for (j, &x) in tile_cols.clone().zip(sums.iter()) {
                let bj = j - cols.start;
                let (a, b) = (p.info[i].negentropy, q.info[j].negentropy);
                let mass = p.info[i].mass + q.info[j].mass;
                let value = 0.5 * (a + b - x + std::f64::consts::LN_2 * mass);
                let bound = g * (a.abs() + b.abs() + x.abs() + mass);
                out[bi * width + bj].write(if ill_conditioned(value, bound) {
                    pair::js_divergence(pi, q.row(j))
                } else {
                    value.clamp(0.0, std::f64::consts::LN_2)
                });
            }
        }
    }
    // SAFETY: the tiles cover every column, so every entry was written above.
    unsafe { assume_init(out) }
}

fn prepare_pair<'a>(
    p: &'a Distributions<'a>,
    q: &'a Distributions<'a>,
    metric: Metric,
    normalize: bool,
) -> Result<(Prepared<'a>, Prepared<'a>)> {
    if p.outcomes() != q.outcomes() {
        return Err(Error::ShapeMismatch {
            argument: "Q",
            expected: vec![q.rows(), p.outcomes()],
            found: vec![q.rows(), q.outcomes()],
        });
    }
    if !matches!(
        metric,
        Metric::KlDivergence | Metric::CrossEntropy | Metric::Jeffreys
    ) {
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

/// The `rows(P) × rows(Q)` matrix of `metric` between every row of `p` and every row of `q`,
/// row-major, in nats for the logarithmic metrics.
///
/// Rows are checked and normalised as by the row-wise functions of [`crate::pmf`]. Work proceeds in
/// blocks of rows on the current rayon pool; between blocks `interrupt` is checked and, if set, the
/// call returns [`Error::Interrupted`].
pub fn pairwise(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    metric: Metric,
    normalize: bool,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let (pp, pq) = prepare_pair(p, q, metric, normalize)?;
    let m = pq.rows;
    let len = pp.rows * m;
    // Every entry is written below, so the output is not zeroed first.
    let mut out: Vec<f64> = crate::memory::with_capacity(len);
    let entries = &mut out.spare_capacity_mut()[..len];
    if m == 0 {
        return Ok(Vec::new());
    }
    if matches!(metric, Metric::JsDivergence | Metric::TotalVariation) {
        // A logarithm (or difference) per pair and outcome: blocks of rows in parallel.
        entries
            .par_chunks_mut(ROW_BLOCK * m)
            .enumerate()
            .for_each(|(b, block)| {
                if interrupt.load(Ordering::Relaxed) {
                    return;
                }
                let start = b * ROW_BLOCK;
                let rows = start..start + block.len() / m;
                fill_block(metric, &pp, rows, &pq, 0..m, block, &mut Vec::new(), false);
            });
    } else {
        // One parallel matrix product per large block of rows (packing Q once per block).
        let mut scratch = Vec::new();
        // Jeffreys keeps a second product of the block (`scratch`): at most 64 MiB of it.
        let block_rows = (PRODUCT_WORK / (m * pp.k).max(1))
            .min((8 << 20) / m)
            .max(ROW_BLOCK);
        for (b, block) in entries.chunks_mut(block_rows * m).enumerate() {
            if interrupt.load(Ordering::Relaxed) {
                break;
            }
            let start = b * block_rows;
            let rows = start..start + block.len() / m;
            fill_block(metric, &pp, rows, &pq, 0..m, block, &mut scratch, true);
        }
    }
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    // SAFETY: without an interruption every block was filled, so all `len` entries are written.
    unsafe { out.set_len(len) };
    Ok(out)
}

/// For every row of `p`, the `k` rows of `q` with the smallest `metric` (ties: smaller index
/// first): `(indices, values)`, each `rows(P) × k` row-major, values ascending. Values are divided
/// by `unit` (`ln base`, positive; 1 for nats) before ranking, so ties are those of the reported
/// values.
///
/// Computed in tiles of [`ROW_BLOCK`] × [`COLUMN_BLOCK`]: memory stays proportional to the inputs
/// and `rows(P) × k`, never to `rows(P) × rows(Q)`.
pub fn nearest(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    k: usize,
    metric: Metric,
    normalize: bool,
    unit: f64,
    interrupt: &AtomicBool,
) -> Result<(Vec<u64>, Vec<f64>)> {
    if !(unit.is_finite() && unit > 0.0) {
        return Err(Error::InvalidArgument {
            argument: "base",
            message: format!("the unit ln(base) must be positive for a ranking, got {unit}"),
        });
    }
    if k == 0 || k > q.rows() {
        return Err(Error::InvalidArgument {
            argument: "k",
            message: format!(
                "must be between 1 and the number of rows of Q ({}), got {k}",
                q.rows()
            ),
        });
    }
    let (pp, pq) = prepare_pair(p, q, metric, normalize)?;
    let (n, m) = (pp.rows, pq.rows);
    let mut indices = vec![0u64; n * k];
    let mut values = vec![0.0; n * k];
    indices
        .par_chunks_mut(ROW_BLOCK * k)
        .zip(values.par_chunks_mut(ROW_BLOCK * k))
        .enumerate()
        .for_each(|(b, (block_indices, block_values))| {
            let start = b * ROW_BLOCK;
            let rows = start..start + block_values.len() / k;
            let mut best: Vec<Vec<(f64, u64)>> = vec![Vec::with_capacity(2 * k); rows.len()];
            let mut tile = Vec::new();
            let mut scratch = Vec::new();
            for c0 in (0..m).step_by(COLUMN_BLOCK) {
                if interrupt.load(Ordering::Relaxed) {
                    return;
                }
                let cols = c0..(c0 + COLUMN_BLOCK).min(m);
                let width = cols.len();
                tile.resize(rows.len() * width, 0.0);
                let tile = fill_block(
                    metric,
                    &pp,
                    rows.clone(),
                    &pq,
                    cols.clone(),
                    as_uninit(&mut tile),
                    &mut scratch,
                    false,
                );
                for (r, candidates) in best.iter_mut().enumerate() {
                    candidates.extend(
                        tile[r * width..(r + 1) * width]
                            .iter()
                            .enumerate()
                            .map(|(j, &v)| (v / unit, (c0 + j) as u64)),
                    );
                    keep_smallest(candidates, k);
                }
            }
            for (r, mut candidates) in best.into_iter().enumerate() {
                candidates.sort_unstable_by(order);
                for (c, (v, j)) in candidates.into_iter().enumerate() {
                    block_values[r * k + c] = v;
                    block_indices[r * k + c] = j;
                }
            }
        });
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok((indices, values))
}

fn order(a: &(f64, u64), b: &(f64, u64)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// Keeps the `k` smallest candidates (unordered).
fn keep_smallest(candidates: &mut Vec<(f64, u64)>, k: usize) {
    if candidates.len() > k {
        candidates.select_nth_unstable_by(k - 1, order);
        candidates.truncate(k);
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    fn random_rows(n: usize, k: usize, seed: u64, zeros: bool) -> Vec<f64> {
        let mut s = seed;
        (0..n * k)
            .map(|_| {
                let v = lcg(&mut s);
                if zeros && v < 0.2 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }

    #[test]
    fn every_entry_matches_the_definition() {
        let k = 37;
        let mut p = random_rows(70, k, 1, true);
        let q = random_rows(50, k, 2, true);
        // Near-duplicates of q's first row and exact copies.
        for r in 0..5 {
            for c in 0..k {
                p[r * k + c] = q[c] * (1.0 + 1e-8 * f64::from(r as u32 + 1) * (c as f64).sin());
            }
        }
        p[5 * k..6 * k].copy_from_slice(&q[..k]);
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for name in Metric::NAMES {
            let metric: Metric = name.parse().unwrap();
            let matrix = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let mut bp = vec![0.0; k];
            let mut bq = vec![0.0; k];
            for i in 0..dp.rows() {
                dp.normalized_row_into(i, true, &mut bp).unwrap();
                for j in 0..dq.rows() {
                    dq.normalized_row_into(j, true, &mut bq).unwrap();
                    let exact = metric.exact(&bp, &bq);
                    let got = matrix[i * dq.rows() + j];
                    if exact.is_infinite() || got.is_infinite() {
                        assert_eq!(got, exact, "{name} ({i}, {j})");
                    } else {
                        let err = (got - exact).abs();
                        assert!(err <= 1e-12, "{name} ({i}, {j}): {got} vs {exact}");
                        if exact > 1e-9 {
                            assert!(err <= 1e-6 * exact, "{name} ({i}, {j}): {got} vs {exact}");
                        }
                    }
                }
            }
            assert_eq!(
                matrix[5 * dq.rows()],
                if name == "cross_entropy" {
                    matrix[5 * dq.rows()]
                } else {
                    0.0
                }
            );
        }
    }

    #[test]
    fn nearest_matches_sorting_the_matrix() {
        let k = 16;
        let p = random_rows(100, k, 3, false);
        let q = random_rows(3000, k, 4, true);
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for metric in [
            Metric::KlDivergence,
            Metric::JsDivergence,
            Metric::Hellinger,
        ] {
            let matrix = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let (idx, val) = nearest(&dp, &dq, 5, metric, true, 1.0, &never).unwrap();
            for i in 0..dp.rows() {
                let mut row: Vec<(f64, u64)> = (0..dq.rows())
                    .map(|j| (matrix[i * dq.rows() + j], j as u64))
                    .collect();
                row.sort_unstable_by(order);
                for c in 0..5 {
                    assert_eq!((val[i * 5 + c], idx[i * 5 + c]), row[c]);
                }
            }
        }
    }

    /// The first bad row of P is reported, whatever the metric (KL prepares Q first) and
    /// however the parallel pass is scheduled.
    #[test]
    fn errors_name_the_first_bad_row_of_p_first() {
        let k = 300;
        let mut p = random_rows(400, k, 8, false);
        let mut q = random_rows(300, k, 9, false);
        p[250 * k + 7] = f64::NAN;
        p[390 * k + 1] = -1.0;
        q[5 * k] = f64::INFINITY;
        let (dp, dq) = (
            Distributions::new(&p, k, "P").unwrap(),
            Distributions::new(&q, k, "Q").unwrap(),
        );
        let never = AtomicBool::new(false);
        for metric in [Metric::KlDivergence, Metric::JsDivergence, Metric::Jeffreys] {
            for _ in 0..5 {
                match pairwise(&dp, &dq, metric, true, &never) {
                    Err(Error::InvalidProbability {
                        argument,
                        row,
                        index,
                        ..
                    }) => assert_eq!((argument, row, index), ("P", 250, 7)),
                    other => panic!("{other:?}"),
                }
                match pairwise(&dq, &dq, metric, true, &never) {
                    Err(Error::InvalidProbability { argument, row, .. }) => {
                        assert_eq!((argument, row), ("Q", 5));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// KL and cross-entropy multiply P's rows as given and scale the products: rows far from
    /// normalised (and with zeros) give the values of the normalised rows.
    #[test]
    fn unnormalised_rows_give_the_values_of_normalised_ones() {
        let k = 70;
        // Zeros in P only: with zeros in Q nearly every entry would be +inf.
        let mut p = random_rows(40, k, 3, true);
        let q = random_rows(30, k, 4, false);
        for (r, row) in p.chunks_mut(k).enumerate() {
            // The first and last are outside RAW_SUMS: P's values are then kept normalised.
            let factor = [1e-300, 1e-3, 7.0, 1e15, 1e200, 1e307][r % 6];
            for w in row.iter_mut() {
                *w *= factor;
            }
        }
        let normalised: Vec<f64> = p
            .chunks(k)
            .flat_map(|row| {
                // Rescaled by the largest weight first: the sum of the 1e307 rows overflows.
                let largest = row.iter().copied().fold(0.0, f64::max);
                let total: f64 = row.iter().map(|w| w / largest).sum();
                row.iter().map(move |w| (w / largest) / total)
            })
            .collect();
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dn = Distributions::new(&normalised, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for metric in [Metric::KlDivergence, Metric::CrossEntropy] {
            let scaled = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let direct = pairwise(&dn, &dq, metric, true, &never).unwrap();
            assert!(direct.iter().all(|v| v.is_finite()));
            for (a, b) in scaled.iter().zip(&direct) {
                assert!(
                    a == b || (a - b).abs() <= 1e-12 + 1e-9 * b.abs(),
                    "{metric:?}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn interrupt_stops_the_work() {
        let p = random_rows(10, 4, 5, false);
        let dp = Distributions::new(&p, 4, "P").unwrap();
        let stop = AtomicBool::new(true);
        assert_eq!(
            pairwise(&dp, &dp, Metric::KlDivergence, true, &stop),
            Err(Error::Interrupted)
        );
    }
}

#[cfg(test)]
mod calibration {
    #[test]
    #[ignore = "measurement, run by hand: cargo test --release -- --ignored calibration --nocapture"]
    fn gemm_error_relative_to_sqrt_k() {
        let mut seed = 1u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for &k in &[16usize, 100, 256, 1000, 4000, 16000] {
            let (n, m) = (64usize, 64usize);
            for kind in 0..3 {
                let gen = |next: &mut dyn FnMut() -> f64| -> f64 {
                    match kind {
                        0 => next(),
                        1 => next().powi(8),
                        _ => (next() * 40.0 - 20.0).exp(),
                    }
                };
                let a: Vec<f64> = (0..n * k).map(|_| gen(&mut next)).collect();
                let b: Vec<f64> = (0..m * k).map(|_| (gen(&mut next)).ln()).collect();
                let mut out = vec![0.0; n * m];
                super::product(&a, &b, k, super::as_uninit(&mut out), m, false);
                let mut worst: f64 = 0.0;
                for i in 0..n {
                    for j in 0..m {
                        let terms: Vec<f64> = (0..k).map(|c| a[i * k + c] * b[j * k + c]).collect();
                        let exact = crate::estimate::compensated_sum(terms.iter().copied());
                        let mag: f64 = terms.iter().map(|t| t.abs()).sum();
                        let err = (out[i * m + j] - exact).abs();
                        worst = worst.max(err / ((k as f64).sqrt() * f64::EPSILON / 2.0 * mag));
                    }
                }
                println!("k = {k:6} kind {kind}: max error / (sqrt(k) u |terms|) = {worst:.3}");
            }
        }
    }
}
