//! Cross-entropy losses of a model's outputs: multi-class from logits (or probabilities) and
//! binary, computed row by row without ever materialising a softmax.
//!
//! # Definitions
//! All results are in nats. A batch of `n` rows of `k` scores is a row-major `&[T]` (`T` is `f32`
//! or `f64`; values are widened to `f64` on reading and every sum is accumulated in `f64`).
//!
//! **Multi-class, from logits** `z` with class labels `y ∈ [0, k)`:
//! - `LSE(z) = m + ln Σ_j exp(z_j − m)` with `m = max_j z_j`: every exponent is `≤ 0`, so nothing
//!   overflows, and the sum is at least 1 (the maximum contributes `exp(0)`), so its logarithm is
//!   well conditioned; the log-softmax is `ln p_j = z_j − LSE(z)`;
//! - the loss of a row is `ℓ = −ln p_y = (m − z_y) + ln Σ_j exp(z_j − m)`;
//! - label smoothing `ε ∈ [0, 1]`, as `torch.nn.CrossEntropyLoss` defines it: the target is
//!   `t = (1 − ε)·onehot(y) + ε/k`, and
//!   `ℓ = −Σ_j t_j ln p_j = (1 − ε)·(LSE − z_y) + (ε/k)·Σ_j (LSE − z_j)`,
//!   evaluated as `(1 − ε)·ℓ_y + ε·(ln Σ_j exp(z_j − m) + (1/k) Σ_j (m − z_j))`;
//! - a term whose weight is exactly 0 contributes 0 even if its factor is `+∞` (the `0 · ln 0 = 0`
//!   convention): with `ε = 1` an infinite `−ln p_y` does not matter.
//!
//! Logits may be `−∞` (a class the model rules out: `p_j = 0`); a label whose logit is `−∞` has loss
//! `+∞`, and so has every row with a `−∞` logit once `ε > 0`. `NaN` and `+∞` logits, and rows whose
//! logits are all `−∞` (no distribution), are errors naming the row and the class.
//!
//! **Multi-class, from probabilities** `p` (each entry in `[0, 1]`, each row summing to 1 within
//! [`sum_tolerance`]): `ℓ = −ln p_y`, `+∞` where `p_y = 0`; with smoothing
//! `ℓ = (1 − ε)·(−ln p_y) + ε·(−(1/k) Σ_j ln p_j)`.
//!
//! **Binary**, elementwise, labels `y ∈ [0, 1]` (soft labels allowed), from a logit `z`:
//! `ℓ = −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − z·y + ln(1 + exp(−|z|))` (finite `z`;
//! for `z = +∞` the loss is 0 if `y = 1` and `+∞` otherwise, for `z = −∞` 0 if `y = 0`, else `+∞`);
//! from a probability `p ∈ [0, 1]`: `ℓ = −[y ln p + (1 − y) ln(1 − p)]` with `0 · ln 0 = 0`, so `+∞`
//! exactly where the label puts weight on an outcome of probability 0 (`PyTorch`'s `BCELoss` clamps
//! each logarithm at −100 instead; fastinfo does not).
//!
//! # Reductions
//! `Mean` divides the sum by the number of rows *not* ignored (`PyTorch`'s `ignore_index`
//! semantics; `NaN` when there are none), `Sum` adds them (0 for none), `None` returns one value per
//! row, 0 for an ignored row.
//!
//! # Speed and determinism
//! Each row is read twice: once for its maximum, once more — from cache, a row of 32 000 `f32` is
//! 125 KiB — for `Σ exp(z_j − m)` with a branch-free vectorised exponential, compiled for the
//! baseline, AVX2 and AVX-512 and chosen at run time like [`crate::simd`] (every level gives the
//! same bits). Rows are processed in parallel in fixed chunks whose size depends only on `k`; the
//! row losses of a chunk are added with a compensated sum and the chunk sums combined in order, so
//! the result is identical, bit for bit, for any number of threads.

use crate::estimate::compensated_sum;
use crate::simd::{self, Level};
use crate::{Error, Result};
use rayon::prelude::*;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

/// A floating-point element type the losses read: `f32` or `f64`, widened to `f64` on reading.
pub trait Real: Copy + Send + Sync + PartialOrd + 'static {
    /// Machine epsilon of the type, as `f64`.
    const EPSILON: f64;
    /// `−∞` of the type.
    const NEG_INFINITY: Self;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    const EPSILON: f64 = f32::EPSILON as f64;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    const EPSILON: f64 = f64::EPSILON;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

/// How the per-row losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over the rows that are not ignored (`NaN` if there are none).
    Mean,
    /// The sum over all rows (ignored rows count 0).
    Sum,
    /// One loss per row (0 for an ignored row).
    None,
}

impl Reduction {
    /// Every reduction's name, as accepted by [`Reduction::from_str`].
    pub const NAMES: [&'static str; 3] = ["mean", "sum", "none"];
}

impl FromStr for Reduction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            "none" => Ok(Reduction::None),
            other => Err(Error::InvalidArgument {
                argument: "reduction",
                message: format!(
                    "unknown reduction {other:?}; expected one of {:?}",
                    Reduction::NAMES
                ),
            }),
        }
    }
}

/// A reduced loss: one number, or one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Loss {
    /// The mean or the sum.
    Total(f64),
    /// One value per row (`Reduction::None`).
    PerRow(Vec<f64>),
}

/// Options of [`cross_entropy_loss`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossEntropyOptions {
    /// `true`: rows are logits; `false`: rows are probabilities.
    pub from_logits: bool,
    /// Rows whose label equals this are skipped (and not counted by the mean).
    pub ignore_index: Option<i64>,
    /// `PyTorch`'s label smoothing `ε ∈ [0, 1]`.
    pub label_smoothing: f64,
    /// How the row losses are combined.
    pub reduction: Reduction,
}

impl Default for CrossEntropyOptions {
    fn default() -> Self {
        CrossEntropyOptions {
            from_logits: true,
            ignore_index: None,
            label_smoothing: 0.0,
            reduction: Reduction::Mean,
        }
    }
}

/// With `from_logits = false`, a row of `k` probabilities of a type with machine epsilon `epsilon`
/// must sum to 1 within `max(1e-6, k · epsilon)` (the error of summing `k` rounded probabilities).
#[must_use]
pub fn sum_tolerance(k: usize, epsilon: f64) -> f64 {
    (k as f64 * epsilon).max(1e-6)
}

// ---------------------------------------------------------------------------------------------
// The exponential.

/// Partial sums kept by every row reduction, whatever the vector width.
const LANES: usize = 8;
/// Lanes of the maximum (exact in any order, so as wide as an AVX-512 register of `f32`).
const MAX_LANES: usize = 16;
/// Values per block of the one-pass log-sum-exp: 4 KiB of `f32`, read twice from L1 cache.
const BLOCK: usize = 1024;

/// Below this, `exp(d)` is under `2^−1021` and counts as 0: the sum it joins is at least 1.
const EXP_MIN: f64 = -708.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `1.5 · 2^52`: `(t + SHIFTER) − SHIFTER` rounds `t` to the nearest integer, and the low bits of
/// `t + SHIFTER` hold that integer.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
// ln 2 in two parts (fdlibm): `LN2_HI` has 21 trailing zero bits, so `k · LN2_HI` is exact.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
// Taylor coefficients 1/j! (each division is rounded once, at compile time).
const C2: f64 = 1.0 / 2.0;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;
const C6: f64 = 1.0 / 720.0;
const C7: f64 = 1.0 / 5040.0;
const C8: f64 = 1.0 / 40_320.0;
const C9: f64 = 1.0 / 362_880.0;
const C10: f64 = 1.0 / 3_628_800.0;
const C11: f64 = 1.0 / 39_916_800.0;
const C12: f64 = 1.0 / 479_001_600.0;
const C13: f64 = 1.0 / 6_227_020_800.0;

/// `exp(d)` for `d ≤ 0` (`−∞` included), branch-free: one lane of every vector variant.
///
/// `d = k ln 2 + r` with `k = round(d / ln 2)` and `|r| ≤ ½ ln 2`; `exp(r)` is the Taylor
/// polynomial of degree 13 (truncation error below `4·10⁻¹⁸`), and `2^k` is built from its bits.
/// The error is about 1 ulp. Values below `EXP_MIN` (and `−∞`) give exactly 0; `NaN` gives `NaN`.
/// Positive `d` is not supported (the caller subtracts the maximum first).
#[inline(always)]
fn exp_lane(d: f64) -> f64 {
    // Branch-free (so that the lanes vectorise): all ones unless `d` underflows (`NaN` keeps
    // all ones and propagates).
    let keep = u64::from(d < EXP_MIN).wrapping_sub(1);
    let x = f64::from_bits((d.to_bits() & keep) | (EXP_MIN.to_bits() & !keep));
    let shifted = x.mul_add(LOG2_E, SHIFTER);
    let k = shifted - SHIFTER;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, x));
    let mut q = C13;
    for c in [C12, C11, C10, C9, C8, C7, C6, C5, C4, C3, C2, 1.0, 1.0] {
        q = q.mul_add(r, c);
    }
    let p = q;
    // The low 12 bits of `shifted` are `k mod 2^12`; `k + 1023 ∈ [2, 1023]` is the biased exponent.
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    f64::from_bits((p * scale).to_bits() & keep)
}

/// `exp(d)` for `d ≤ 0`, bit-identical to every lane of the row kernels (see `exp_lane`).
#[must_use]
pub fn exp_nonpositive(d: f64) -> f64 {
    exp_lane(d)
}

/// The fixed combination of the lane sums (the tree of [`crate::simd`]).
#[inline(always)]
fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// The row kernels, written once on arrays of lanes and compiled for each level.
mod body {
    use super::{combine, exp_lane, Real, LANES, MAX_LANES};

    /// The largest value of a non-empty row, as `f64` (`NaN`s are skipped or returned; either way
    /// the sum of exponentials that follows is `NaN`).
    #[inline(always)]
    pub(super) fn row_max<T: Real>(row: &[T]) -> f64 {
        let mut acc = [T::NEG_INFINITY; MAX_LANES];
        let chunks = row.chunks_exact(MAX_LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            for (a, &x) in acc.iter_mut().zip(chunk) {
                *a = if x > *a { x } else { *a };
            }
        }
        for (a, &x) in acc.iter_mut().zip(tail) {
            *a = if x > *a { x } else { *a };
        }
        let mut m = acc[0];
        for &a in &acc[1..] {
            m = if a > m { a } else { m };
        }
        m.to_f64()
    }

    /// One block of [`LANES`] values, widened to `f64`.
    #[inline(always)]
    fn load<T: Real>(chunk: &[T]) -> [f64; LANES] {
        std::array::from_fn(|i| chunk[i].to_f64())
    }

    /// The tail of a row, widened, minus `m`, padded with `−∞` (whose exponential adds 0).
    #[inline(always)]
    fn tail_offsets<T: Real>(tail: &[T], m: f64) -> [f64; LANES] {
        let mut d = [f64::NEG_INFINITY; LANES];
        for (d, &x) in d.iter_mut().zip(tail) {
            *d = x.to_f64() - m;
        }
        d
    }

    /// `acc` plus `exp(z_j − m)` of the block, element `j` in lane `j mod 8`.
    #[inline(always)]
    pub(super) fn add_exp<T: Real>(block: &[T], m: f64, acc: [f64; LANES]) -> [f64; LANES] {
        let mut acc = acc;
        let chunks = block.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let x = load(chunk);
            for (a, &x) in acc.iter_mut().zip(&x) {
                *a += exp_lane(x - m);
            }
        }
        if !tail.is_empty() {
            let d = tail_offsets(tail, m);
            for (a, &d) in acc.iter_mut().zip(&d) {
                *a += exp_lane(d);
            }
        }
        acc
    }

    /// `(Σ_j exp(z_j − m), Σ_j (m − z_j))`, for label smoothing.
    #[inline(always)]
    pub(super) fn sum_exp_and_gaps<T: Real>(row: &[T], m: f64) -> (f64, f64) {
        let mut acc = [0.0; LANES];
        let mut gaps = [0.0; LANES];
        let chunks = row.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let x = load(chunk);
            for ((a, g), &x) in acc.iter_mut().zip(gaps.iter_mut()).zip(&x) {
                let d = x - m;
                *a += exp_lane(d);
                *g -= d;
            }
        }
        if !tail.is_empty() {
            let d = tail_offsets(tail, m);
            for (i, (a, g)) in acc.iter_mut().zip(gaps.iter_mut()).enumerate() {
                *a += exp_lane(d[i]);
                if i < tail.len() {
                    *g -= d[i];
                }
            }
        }
        (combine(acc), combine(gaps))
    }

    /// `(Σ_j p_j, Σ_j ln p_j, all p_j ∈ [0, 1])`; the log sum only when `logs` is set.
    #[inline(always)]
    pub(super) fn probability_sums<T: Real>(row: &[T], logs: bool) -> (f64, f64, bool) {
        let mut sums = [0.0; LANES];
        let mut log_sums = [0.0; LANES];
        let mut invalid = [0u64; LANES];
        let chunks = row.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let p = load(chunk);
            for ((s, v), &p) in sums.iter_mut().zip(invalid.iter_mut()).zip(&p) {
                *v |= u64::from(!(0.0..=1.0).contains(&p));
                *s += p;
            }
            if logs {
                for (l, &p) in log_sums.iter_mut().zip(&p) {
                    *l += crate::simd::ln(p);
                }
            }
        }
        for (i, &x) in tail.iter().enumerate() {
            let p = x.to_f64();
            invalid[i] |= u64::from(!(0.0..=1.0).contains(&p));
            sums[i] += p;
            if logs {
                log_sums[i] += crate::simd::ln(p);
            }
        }
        let valid = invalid.iter().all(|&v| v == 0);
        (combine(sums), combine(log_sums), valid)
    }
}

/// The row kernels compiled for one set of target features.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
macro_rules! compiled_for {
    ($module:ident, $features:tt) => {
        mod $module {
            use super::{body, Real, LANES};

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn row_max<T: Real>(row: &[T]) -> f64 {
                body::row_max(row)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn add_exp<T: Real>(
                block: &[T],
                m: f64,
                acc: [f64; LANES],
            ) -> [f64; LANES] {
                body::add_exp(block, m, acc)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn sum_exp_and_gaps<T: Real>(row: &[T], m: f64) -> (f64, f64) {
                body::sum_exp_and_gaps(row, m)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn probability_sums<T: Real>(
                row: &[T],
                logs: bool,
            ) -> (f64, f64, bool) {
                body::probability_sums(row, logs)
            }
        }
    };
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
compiled_for!(avx2, "avx2,fma");
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
compiled_for!(avx512, "avx512f,fma");

/// The level the row kernels run at for a requested `level`: [`Level::usable`], except that the
/// AVX2 variant also needs FMA (every AVX2 processor made has it; without it the baseline runs).
fn kernel_level(level: Level) -> Level {
    let level = level.usable();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if level == Level::Avx2 && !is_x86_feature_detected!("fma") {
        return Level::Scalar;
    }
    level
}

/// Runs `$kernel($args)` compiled for `$level`, which must be a value of [`kernel_level`].
macro_rules! dispatch {
    ($level:expr, $kernel:ident($($arg:expr),*)) => {
        match $level {
            // SAFETY: `kernel_level` returns only levels whose target features (with FMA) the
            // CPU was detected to have.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx512 => unsafe { avx512::$kernel($($arg),*) },
            // SAFETY: as above.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx2 => unsafe { avx2::$kernel($($arg),*) },
            _ => body::$kernel($($arg),*),
        }
    };
}

/// `(m, Σ_j exp(z_j − m))` with `m = max_j z_j`, in one pass over the row: block by block
/// ([`BLOCK`] values, in L1 cache), the block's maximum first, then its exponentials relative to
/// the running maximum; when the maximum grows, the partial sums are rescaled by
/// `exp(m_old − m_new)`. The sum is `NaN` if the row holds a `NaN` or `+∞` or is all `−∞`.
fn max_and_sum_exp<T: Real>(level: Level, row: &[T]) -> (f64, f64) {
    let mut m = f64::NEG_INFINITY;
    let mut acc = [0.0; LANES];
    for block in row.chunks(BLOCK) {
        let block_max = dispatch!(level, row_max(block));
        if block_max > m {
            // `exp(−∞) = 0` for the first finite block; `+∞` zeroes the sums and then makes them
            // `NaN` (∞ − ∞).
            let factor = exp_lane(m - block_max);
            for a in &mut acc {
                *a *= factor;
            }
            m = block_max;
        }
        if m == f64::NEG_INFINITY {
            // Only `−∞` (or `NaN`) so far: nothing to add, but a `NaN` must not be lost.
            if block.iter().any(|x| x.to_f64().is_nan()) {
                return (m, f64::NAN);
            }
            continue;
        }
        acc = dispatch!(level, add_exp(block, m, acc));
    }
    if m == f64::NEG_INFINITY {
        return (m, f64::NAN);
    }
    (m, combine(acc))
}

/// `LSE(z) = m + ln Σ_j exp(z_j − m)`, `m = max_j z_j`, of one row with the kernels at `level`
/// (or the widest available below it); `−∞` for an empty row. For tests and benchmarks of the
/// kernels: the losses use [`simd::level`].
#[must_use]
pub fn log_sum_exp_with<T: Real>(level: Level, row: &[T]) -> f64 {
    let level = kernel_level(level);
    if row.is_empty() {
        return f64::NEG_INFINITY;
    }
    let (m, s) = max_and_sum_exp(level, row);
    m + simd::ln(s)
}

// ---------------------------------------------------------------------------------------------
// Rows.

/// Why a row has no loss.
enum RowProblem {
    /// A `NaN` (or, for logits, `+∞`) at this class, or a probability outside `[0, 1]`.
    Value { index: usize, value: f64 },
    /// Logits all `−∞`.
    NoFiniteLogit,
    /// Probabilities that do not sum to 1.
    Sum(f64),
}

/// `w · v` with `0 · v = 0` for any `v` (infinite ones included).
#[inline]
fn weighted(w: f64, v: f64) -> f64 {
    if w == 0.0 {
        0.0
    } else {
        w * v
    }
}

/// `(1 − ε)·nll + ε·smooth` with the zero-weight convention.
#[inline]
fn smoothed(nll: f64, smooth: f64, epsilon: f64) -> f64 {
    weighted(1.0 - epsilon, nll) + weighted(epsilon, smooth)
}

fn logits_row<T: Real>(
    level: Level,
    row: &[T],
    label: usize,
    epsilon: f64,
) -> std::result::Result<f64, RowProblem> {
    // Label smoothing needs `Σ_j (m − z_j)` with the row's maximum known in advance: two passes
    // (the second from cache); without it, one blocked pass.
    let (m, s, gaps) = if epsilon > 0.0 {
        let m = dispatch!(level, row_max(row));
        let (s, gaps) = dispatch!(level, sum_exp_and_gaps(row, m));
        (m, s, gaps)
    } else {
        let (m, s) = max_and_sum_exp(level, row);
        (m, s, 0.0)
    };
    if s.is_nan() {
        // A `NaN` or `+∞` somewhere, or every logit `−∞`.
        return Err(
            match row.iter().position(|x| {
                let v = x.to_f64();
                v.is_nan() || (v.is_infinite() && v > 0.0)
            }) {
                Some(index) => RowProblem::Value {
                    index,
                    value: row[index].to_f64(),
                },
                None => RowProblem::NoFiniteLogit,
            },
        );
    }
    let log_s = simd::ln(s);
    let nll = (m - row[label].to_f64()) + log_s;
    if epsilon > 0.0 {
        let smooth = log_s + gaps / row.len() as f64;
        Ok(smoothed(nll, smooth, epsilon))
    } else {
        Ok(nll)
    }
}

fn probabilities_row<T: Real>(
    level: Level,
    row: &[T],
    label: usize,
    epsilon: f64,
) -> std::result::Result<f64, RowProblem> {
    let (sum, log_sum, valid) = dispatch!(level, probability_sums(row, epsilon > 0.0));
    if !valid {
        let index = row
            .iter()
            .position(|x| !(0.0..=1.0).contains(&x.to_f64()))
            .unwrap_or(0);
        return Err(RowProblem::Value {
            index,
            value: row[index].to_f64(),
        });
    }
    if (sum - 1.0).abs() > sum_tolerance(row.len(), T::EPSILON) {
        return Err(RowProblem::Sum(sum));
    }
    let nll = -simd::ln(row[label].to_f64());
    if epsilon > 0.0 {
        Ok(smoothed(nll, -log_sum / row.len() as f64, epsilon))
    } else {
        Ok(nll)
    }
}

// ---------------------------------------------------------------------------------------------
// Chunked, deterministic reductions.

/// Elements per chunk of work: a chunk of rows holds about this many values.
const CHUNK_ELEMENTS: usize = 1 << 16;

/// Runs `item(i)` (`Ok(None)` for an ignored item) for `i < n` in parallel chunks of `chunk` items
/// and reduces the results; the first error in item order wins.
fn reduce_items(
    n: usize,
    chunk: usize,
    reduction: Reduction,
    interrupt: &AtomicBool,
    item: impl Fn(usize) -> Result<Option<f64>> + Sync,
) -> Result<Loss> {
    let chunk = chunk.max(1);
    if reduction == Reduction::None {
        let mut values = vec![0.0; n];
        values
            .par_chunks_mut(chunk)
            .enumerate()
            .map(|(c, out)| {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                for (j, o) in out.iter_mut().enumerate() {
                    *o = item(c * chunk + j)?.unwrap_or(0.0);
                }
                Ok(())
            })
            .collect::<Vec<Result<()>>>()
            .into_iter()
            .collect::<Result<()>>()?;
        return Ok(Loss::PerRow(values));
    }
    let chunks = n.div_ceil(chunk);
    let partial: Vec<Result<(f64, usize)>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            if interrupt.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let (start, end) = (c * chunk, ((c + 1) * chunk).min(n));
            let mut values = Vec::with_capacity(end - start);
            for i in start..end {
                if let Some(v) = item(i)? {
                    values.push(v);
                }
            }
            Ok((compensated_sum(values.iter().copied()), values.len()))
        })
        .collect();
    let partial = partial.into_iter().collect::<Result<Vec<_>>>()?;
    let total = compensated_sum(partial.iter().map(|p| p.0));
    let counted: usize = partial.iter().map(|p| p.1).sum();
    Ok(Loss::Total(match reduction {
        Reduction::Mean if counted == 0 => f64::NAN,
        Reduction::Mean => total / counted as f64,
        _ => total,
    }))
}

// ---------------------------------------------------------------------------------------------
// The losses.

/// Cross-entropy loss of the `n = labels.len()` rows of `logits` (row-major, `classes` values per
/// row) against class-index `labels`, in nats (see the module documentation).
///
/// `options.from_logits = false` reads the rows as probabilities.
///
/// # Errors
/// `InvalidArgument` for `classes = 0`, a label outside `[0, classes)` (other than
/// `ignore_index`), `label_smoothing` outside `[0, 1]`, a `NaN` or `+∞` logit, a row of logits all
/// `−∞`, a probability outside `[0, 1]` or a row of probabilities not summing to 1 (each naming
/// the row and class); `ShapeMismatch` when `logits.len() ≠ n · classes`; `Interrupted` when
/// `interrupt` is raised.
pub fn cross_entropy_loss<T: Real>(
    logits: &[T],
    classes: usize,
    labels: &[i64],
    options: &CrossEntropyOptions,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    cross_entropy_loss_with(simd::level(), logits, classes, labels, options, interrupt)
}

/// [`cross_entropy_loss`] with the row kernels at `level` (or the widest available below it).
pub fn cross_entropy_loss_with<T: Real>(
    level: Level,
    logits: &[T],
    classes: usize,
    labels: &[i64],
    options: &CrossEntropyOptions,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    let level = kernel_level(level);
    let (n, k) = (labels.len(), classes);
    let epsilon = options.label_smoothing;
    if !(0.0..=1.0).contains(&epsilon) {
        return Err(Error::InvalidArgument {
            argument: "label_smoothing",
            message: format!("must lie in [0, 1], got {epsilon}"),
        });
    }
    if k == 0 {
        return Err(Error::InvalidArgument {
            argument: "logits",
            message: "has no classes (k = 0): every row needs at least one class".to_string(),
        });
    }
    if n.checked_mul(k) != Some(logits.len()) {
        return Err(Error::ShapeMismatch {
            argument: "logits",
            expected: vec![n, k],
            found: vec![logits.len()],
        });
    }
    let item = |r: usize| -> Result<Option<f64>> {
        let label = labels[r];
        if options.ignore_index == Some(label) {
            return Ok(None);
        }
        let Ok(class) = usize::try_from(label) else {
            return Err(bad_label(r, label, k));
        };
        if class >= k {
            return Err(bad_label(r, label, k));
        }
        let row = &logits[r * k..(r + 1) * k];
        let value = if options.from_logits {
            logits_row(level, row, class, epsilon)
        } else {
            probabilities_row(level, row, class, epsilon)
        };
        value.map(Some).map_err(|problem| {
            let message = match problem {
                RowProblem::Value { index, value } if options.from_logits => format!(
                    "row {r} has the logit {value} at class {index}; logits must be finite or -inf"
                ),
                RowProblem::Value { index, value } => format!(
                    "row {r} has the value {value} at class {index}; with from_logits=False \
                     every entry must be a probability in [0, 1]"
                ),
                RowProblem::NoFiniteLogit => format!(
                    "row {r} has no finite logit (all are -inf), so it defines no distribution"
                ),
                RowProblem::Sum(sum) => format!(
                    "row {r} sums to {sum}, not 1 (tolerance {:e}); with from_logits=False \
                     rows must be probability distributions",
                    sum_tolerance(k, T::EPSILON)
                ),
            };
            Error::InvalidArgument {
                argument: "logits",
                message,
            }
        })
    };
    let chunk = (CHUNK_ELEMENTS / k).clamp(1, 4096);
    reduce_items(n, chunk, options.reduction, interrupt, item)
}

fn bad_label(row: usize, label: i64, k: usize) -> Error {
    Error::InvalidArgument {
        argument: "labels",
        message: format!("labels[{row}] = {label} is not a class index in [0, {k})"),
    }
}

/// Binary cross-entropy from a logit: `max(z, 0) − z·y + ln(1 + exp(−|z|))`, with the limits at
/// `z = ±∞` (see the module documentation). `z` must not be `NaN`.
#[must_use]
pub fn binary_cross_entropy_of_logit(z: f64, y: f64) -> f64 {
    if z.is_infinite() {
        let weight = if z > 0.0 { 1.0 - y } else { y };
        return weighted(weight, f64::INFINITY);
    }
    z.max(0.0) - z * y + (-z.abs()).exp().ln_1p()
}

/// Binary cross-entropy from a probability: `−[y ln p + (1 − y) ln(1 − p)]`, `0 · ln 0 = 0`.
#[must_use]
pub fn binary_cross_entropy_of_probability(p: f64, y: f64) -> f64 {
    -(weighted(y, simd::ln(p)) + weighted(1.0 - y, (-p).ln_1p()))
}

/// Binary cross-entropy, elementwise, of `values` (logits, or probabilities when `from_logits` is
/// false) against `labels` in `[0, 1]`, in nats, reduced by `reduction` (`Mean` over all elements).
///
/// # Errors
/// `LengthMismatch` when the lengths differ; `InvalidArgument` for a `NaN` value, a probability
/// outside `[0, 1]` or a label outside `[0, 1]` (naming the element); `Interrupted`.
pub fn binary_cross_entropy<T: Real>(
    values: &[T],
    labels: &[f64],
    from_logits: bool,
    reduction: Reduction,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    if values.len() != labels.len() {
        return Err(Error::LengthMismatch {
            argument: "labels",
            expected: values.len(),
            found: labels.len(),
        });
    }
    let item = |i: usize| -> Result<Option<f64>> {
        let (v, y) = (values[i].to_f64(), labels[i]);
        if !(0.0..=1.0).contains(&y) {
            return Err(Error::InvalidArgument {
                argument: "labels",
                message: format!("element {i} is {y}; labels must lie in [0, 1]"),
            });
        }
        if from_logits {
            if v.is_nan() {
                return Err(Error::InvalidArgument {
                    argument: "logits_or_probs",
                    message: format!("element {i} is NaN"),
                });
            }
            Ok(Some(binary_cross_entropy_of_logit(v, y)))
        } else {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::InvalidArgument {
                    argument: "logits_or_probs",
                    message: format!(
                        "element {i} is {v}; with from_logits=False every value must be a \
                         probability in [0, 1]"
                    ),
                });
            }
            Ok(Some(binary_cross_entropy_of_probability(v, y)))
        }
    };
    reduce_items(values.len(), 1 << 14, reduction, interrupt, item)
}
