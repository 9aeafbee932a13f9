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
//! Each row is read once from memory, in blocks of 1024 values that stay in L1 cache: the block's
//! maximum, then `exp(z_j − m)` relative to the running maximum `m` (the partial sums are rescaled
//! when it grows), with a branch-free vectorised double-precision exponential compiled for the
//! baseline, AVX2 + FMA and AVX-512 and chosen at run time like [`crate::runtime::simd`] (every level gives
//! the same bits). The logits equal to the maximum are counted apart, so that
//! `ln Σ_j exp(z_j − m) = ln_1p(rest)` keeps the relative precision of a tiny loss (a confident,
//! correct prediction; the textbook formula in `f64` rounds it to 0). With label smoothing the
//! row's maximum is needed first: two passes, the second from cache. Nothing of size `k` is
//! allocated. Rows are processed in parallel in fixed chunks whose size depends only on `k`; the
//! row losses of a chunk are added with a compensated sum and the chunk sums combined in order,
//! so the result is identical, bit for bit, for any number of threads.

use crate::numeric::compensated_sum;
use crate::runtime::simd::{self, Level};
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type the losses read: `f32` or `f64`, widened to `f64` on reading.
/// Sealed: the vector kernels rely on these two layouts.
pub trait Real: sealed::Sealed + Copy + Send + Sync + PartialOrd + 'static {
    /// Machine epsilon of the type, as `f64`.
    const EPSILON: f64;
    /// `−∞` of the type.
    const NEG_INFINITY: Self;
    /// Whether the type is `f32` (else `f64`).
    const IS_F32: bool;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    const EPSILON: f64 = f32::EPSILON as f64;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    const IS_F32: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    const EPSILON: f64 = f64::EPSILON;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    const IS_F32: bool = false;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

crate::options::named_options! {
    /// How the per-row losses are combined.
    pub enum Reduction("reduction") {
        /// The mean over the rows that are not ignored (`NaN` if there are none).
        Mean = "mean",
        /// The sum over all rows (ignored rows count 0).
        Sum = "sum",
        /// One loss per row (0 for an ignored row).
        None = "none",
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

/// Below this, `exp(d)` is under `3.4·10⁻³⁰⁸` and counts as 0: the sum it joins is at least 1.
const EXP_MIN: f64 = -708.0;
/// `16 / ln 2` (exact: a power-of-two multiple of `log2 e`).
const SIXTEEN_LOG2_E: f64 = 16.0 * std::f64::consts::LOG2_E;
/// `1.5 · 2^52`: `(t + SHIFTER) − SHIFTER` rounds `t` to the nearest integer, and the low bits of
/// `t + SHIFTER` hold that integer.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
// ln 2 / 16 in two parts (fdlibm's split of ln 2, divided by 16 exactly): `LN2_HI` has 21
// trailing zero bits, so `n · LN2_HI_16` is exact for the `|n| < 2^15` used here.
const LN2_HI_16: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / 16.0;
const LN2_LO_16: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / 16.0;
/// `2^(j/16)` for `j < 16`, correctly rounded (computed with mpmath at 200 bits).
const EXP2_SIXTEENTHS: [u64; 16] = [
    0x3ff0_0000_0000_0000,
    0x3ff0_b558_6cf9_890f,
    0x3ff1_72b8_3c7d_517b,
    0x3ff2_387a_6e75_6238,
    0x3ff3_06fe_0a31_b715,
    0x3ff3_dea6_4c12_3422,
    0x3ff4_bfda_d536_2a27,
    0x3ff5_ab07_dd48_5429,
    0x3ff6_a09e_667f_3bcd,
    0x3ff7_a114_73eb_0187,
    0x3ff8_ace5_422a_a0db,
    0x3ff9_c491_82a3_f090,
    0x3ffa_e89f_995a_d3ad,
    0x3ffc_199b_dd85_529c,
    0x3ffd_5818_dcfb_a487,
    0x3ffe_a4af_a2a4_90da,
];
/// `exp(r) ≈ 1 + r + r² (Q0 r⁴ + Q1 r³ + Q2 r² + Q3 r + Q4)` on `|r| ≤ ln 2 / 32`: a Chebyshev fit
/// of `(exp(r) − 1 − r) / r²` (mpmath `chebyfit`), relative error below `3·10⁻¹⁷`.
const Q: [f64; 5] = [
    0.001_388_903_434_859_946_4,
    0.008_333_449_701_253_456,
    0.041_666_666_664_960_45,
    0.166_666_666_653_016_9,
    0.5,
];

/// `exp(d)` for `d ≤ 0` (`−∞` included), branch-free: one lane of every vector variant.
///
/// `d = (16 e + j) ln 2 / 16 + r` with `16 e + j = round(16 d / ln 2)`, `0 ≤ j < 16` and
/// `|r| ≤ ln 2 / 32`; `exp(d) = 2^e · 2^(j/16) · exp(r)`, the table value with `e` added to its
/// exponent bits, and `exp(r)` a polynomial of degree 6 evaluated with fused multiply-adds. The
/// error is within 2 ulps. Every operation is correctly rounded (an FMA included: the baseline
/// build calls the C library's `fma`), so every vector level gives the same bits. Values below
/// `EXP_MIN` (and `−∞`) give exactly 0; `NaN` gives `NaN`. Positive `d` is not supported (the
/// caller subtracts the maximum first).
#[inline(always)]
fn exp_lane(d: f64) -> f64 {
    // Branch-free (so that the lanes vectorise): all ones unless `d` underflows (`NaN` keeps
    // all ones and propagates). Below `EXP_MIN` the arithmetic gives garbage, masked to 0.
    let keep = u64::from(d < EXP_MIN).wrapping_sub(1);
    let shifted = d.mul_add(SIXTEEN_LOG2_E, SHIFTER);
    let n = shifted - SHIFTER;
    let r = (-n).mul_add(LN2_LO_16, (-n).mul_add(LN2_HI_16, d));
    let q = Q[0]
        .mul_add(r, Q[1])
        .mul_add(r, Q[2])
        .mul_add(r, Q[3])
        .mul_add(r, Q[4]);
    let p = q.mul_add(r, 1.0).mul_add(r, 1.0);
    // The low bits of `shifted` hold `n` (two's complement, |n| < 2^15): `j = n mod 16` and
    // `e = floor(n / 16)`, whose low 12 bits shifted to the exponent field scale the table value.
    let bits = shifted.to_bits();
    let table = EXP2_SIXTEENTHS[(bits & 15) as usize];
    let scale = f64::from_bits(table.wrapping_add((bits >> 4) << 52));
    f64::from_bits((p * scale).to_bits() & keep)
}

/// `exp(d)` for `d ≤ 0`, bit-identical to every lane of the row kernels (see `exp_lane`).
#[must_use]
pub fn exp_nonpositive(d: f64) -> f64 {
    exp_lane(d)
}

/// `(exp(d), 0)`, or `(0, 1)` for `d = 0` (a logit equal to the maximum), branch-free: the terms
/// of the maximum are counted apart so that `ln(ties + rest)` can be `ln_1p(rest)`, accurate
/// when the other terms are tiny (a confident prediction).
#[inline(always)]
fn exp_or_tie(d: f64) -> (f64, f64) {
    let tie = u64::from(d == 0.0).wrapping_neg();
    let e = exp_lane(d);
    (
        f64::from_bits(e.to_bits() & !tie),
        f64::from_bits(1f64.to_bits() & tie),
    )
}

/// `ln(ties + rest)` where `ties ≥ 1` logits equal the maximum and `rest` is the sum of the other
/// exponentials: `ln_1p(rest)` for a single maximum (full relative precision for tiny `rest`).
#[allow(clippy::float_cmp)] // `ties` is an exact small count
fn log_of_sum(ties: f64, rest: f64) -> f64 {
    if ties == 1.0 {
        rest.ln_1p()
    } else {
        simd::ln(ties + rest)
    }
}

/// The fixed combination of the lane sums (the tree of [`crate::runtime::simd`]).
#[inline(always)]
fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// How far ahead of the values being read the kernels ask for memory: 8 KiB. The hardware
/// prefetchers stop at 4 KiB page boundaries; measured on a Sapphire Rapids, this brings a pass over
/// rows in main memory to the speed of one over rows in cache.
const PREFETCH_BYTES: usize = 8192;

/// Asks the processor to bring the cache line `PREFETCH_BYTES` after `values` into L1 (a hint: no
/// effect on results; the address may lie past the end of the data, which a prefetch tolerates).
#[inline(always)]
fn prefetch_ahead<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let ahead = values.as_ptr().cast::<i8>().wrapping_add(PREFETCH_BYTES);
        // SAFETY: a prefetch never faults and does not access memory architecturally; SSE is part
        // of the x86-64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ahead) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// The row kernels, written once on arrays of lanes and compiled for each level.
mod body {
    use super::{combine, exp_or_tie, prefetch_ahead, Real, LANES, MAX_LANES};

    /// The largest value of a non-empty row, as `f64` (`NaN`s are skipped or returned; either way
    /// the sum of exponentials that follows is `NaN`).
    #[inline(always)]
    pub(super) fn row_max<T: Real>(row: &[T]) -> f64 {
        let mut acc = [T::NEG_INFINITY; MAX_LANES];
        let chunks = row.chunks_exact(MAX_LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            prefetch_ahead(chunk);
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
    pub(super) fn tail_offsets<T: Real>(tail: &[T], m: f64) -> [f64; LANES] {
        let mut d = [f64::NEG_INFINITY; LANES];
        for (d, &x) in d.iter_mut().zip(tail) {
            *d = x.to_f64() - m;
        }
        d
    }

    /// `sums` plus the block's terms `exp(z_j − m)` (element `j` in lane `j mod 8`): `sums[0]`
    /// accumulates the terms of logits below `m`, `sums[1]` counts the logits equal to `m`.
    #[inline(always)]
    pub(super) fn add_exp<T: Real>(
        block: &[T],
        m: f64,
        sums: [[f64; LANES]; 2],
    ) -> [[f64; LANES]; 2] {
        let [mut acc, mut ties] = sums;
        let chunks = block.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            prefetch_ahead(chunk);
            let x = load(chunk);
            for ((a, t), &x) in acc.iter_mut().zip(ties.iter_mut()).zip(&x) {
                let (e, tie) = exp_or_tie(x - m);
                *a += e;
                *t += tie;
            }
        }
        if !tail.is_empty() {
            let d = tail_offsets(tail, m);
            for ((a, t), &d) in acc.iter_mut().zip(ties.iter_mut()).zip(&d) {
                let (e, tie) = exp_or_tie(d);
                *a += e;
                *t += tie;
            }
        }
        [acc, ties]
    }

    /// `(ties, rest, gaps)` for label smoothing, with `m` the row's maximum: the number of logits
    /// equal to `m`, `Σ exp(z_j − m)` over the others, and `Σ_j (m − z_j)`.
    #[inline(always)]
    pub(super) fn sum_exp_and_gaps<T: Real>(row: &[T], m: f64) -> (f64, f64, f64) {
        let mut acc = [0.0; LANES];
        let mut ties = [0.0; LANES];
        let mut gaps = [0.0; LANES];
        let chunks = row.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let x = load(chunk);
            for (i, &x) in x.iter().enumerate() {
                let d = x - m;
                let (e, tie) = exp_or_tie(d);
                acc[i] += e;
                ties[i] += tie;
                gaps[i] -= d;
            }
        }
        if !tail.is_empty() {
            let d = tail_offsets(tail, m);
            for (i, &d) in d.iter().enumerate() {
                let (e, tie) = exp_or_tie(d);
                acc[i] += e;
                ties[i] += tie;
                if i < tail.len() {
                    gaps[i] -= d;
                }
            }
        }
        (combine(ties), combine(acc), combine(gaps))
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
            prefetch_ahead(chunk);
            let p = load(chunk);
            for ((s, v), &p) in sums.iter_mut().zip(invalid.iter_mut()).zip(&p) {
                *v |= u64::from(!(0.0..=1.0).contains(&p));
                *s += p;
            }
            if logs {
                for (l, &p) in log_sums.iter_mut().zip(&p) {
                    *l += crate::runtime::simd::ln(p);
                }
            }
        }
        for (i, &x) in tail.iter().enumerate() {
            let p = x.to_f64();
            invalid[i] |= u64::from(!(0.0..=1.0).contains(&p));
            sums[i] += p;
            if logs {
                log_sums[i] += crate::runtime::simd::ln(p);
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
            use super::{body, Real};

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn row_max<T: Real>(row: &[T]) -> f64 {
                body::row_max(row)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn sum_exp_and_gaps<T: Real>(row: &[T], m: f64) -> (f64, f64, f64) {
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

/// The partial sums of [`body::add_exp`]: the other terms and the count of maxima, per lane.
type Sums = [[f64; LANES]; 2];

/// [`body::add_exp`] under AVX2 + FMA.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx2_exp {
    use super::{body, Real, Sums};

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn add_exp<T: Real>(block: &[T], m: f64, sums: Sums) -> Sums {
        body::add_exp(block, m, sums)
    }
}

/// [`body::add_exp`] written with AVX-512 intrinsics: the same operations lane by lane (so the same
/// bits), with the table lookup of `exp_lane` as one two-register permutation (`vpermt2pd`)
/// instead of the gather the compiler would emit.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx512_exp {
    use super::body::tail_offsets;
    use super::{
        exp_or_tie, prefetch_ahead, Real, Sums, EXP2_SIXTEENTHS, EXP_MIN, LANES, LN2_HI_16,
        LN2_LO_16, Q, SHIFTER, SIXTEEN_LOG2_E,
    };
    #[cfg(target_arch = "x86")]
    use std::arch::x86::{
        __m512d, _mm256_loadu_ps, _mm512_add_epi64, _mm512_castpd_si512, _mm512_castsi512_pd,
        _mm512_cmp_pd_mask, _mm512_cvtps_pd, _mm512_fmadd_pd, _mm512_fnmadd_pd, _mm512_loadu_pd,
        _mm512_mask_add_pd, _mm512_mul_pd, _mm512_permutex2var_pd, _mm512_set1_pd,
        _mm512_setzero_pd, _mm512_slli_epi64, _mm512_srli_epi64, _mm512_storeu_pd, _mm512_sub_pd,
        _CMP_EQ_OQ, _CMP_NLT_UQ,
    };
    #[cfg(target_arch = "x86_64")]
    use std::arch::x86_64::{
        __m512d, _mm256_loadu_ps, _mm512_add_epi64, _mm512_castpd_si512, _mm512_castsi512_pd,
        _mm512_cmp_pd_mask, _mm512_cvtps_pd, _mm512_fmadd_pd, _mm512_fnmadd_pd, _mm512_loadu_pd,
        _mm512_mask_add_pd, _mm512_mul_pd, _mm512_permutex2var_pd, _mm512_set1_pd,
        _mm512_setzero_pd, _mm512_slli_epi64, _mm512_srli_epi64, _mm512_storeu_pd, _mm512_sub_pd,
        _CMP_EQ_OQ, _CMP_NLT_UQ,
    };

    /// Eight values from `chunk` (exactly [`LANES`] long), widened to `f64`.
    ///
    /// # Safety
    /// AVX-512F must be available.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load<T: Real>(chunk: &[T]) -> __m512d {
        debug_assert_eq!(chunk.len(), LANES);
        if T::IS_F32 {
            // SAFETY: `T` is `f32` (the trait is sealed) and `chunk` holds 8 of them.
            unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(chunk.as_ptr().cast::<f32>())) }
        } else {
            // SAFETY: `T` is `f64` and `chunk` holds 8 of them.
            unsafe { _mm512_loadu_pd(chunk.as_ptr().cast::<f64>()) }
        }
    }

    /// # Safety
    /// The CPU must support AVX-512F and FMA.
    #[target_feature(enable = "avx512f,fma")]
    pub(super) unsafe fn add_exp<T: Real>(block: &[T], m: f64, sums: Sums) -> Sums {
        // SAFETY: each pointer addresses 8 readable `f64` (the table is 16 `u64` bit patterns).
        let (mut acc, mut ties, low_table, high_table) = unsafe {
            let table = EXP2_SIXTEENTHS.as_ptr().cast::<f64>();
            (
                _mm512_loadu_pd(sums[0].as_ptr()),
                _mm512_loadu_pd(sums[1].as_ptr()),
                _mm512_loadu_pd(table),
                _mm512_loadu_pd(table.add(8)),
            )
        };
        let max = _mm512_set1_pd(m);
        let one = _mm512_set1_pd(1.0);
        let chunks = block.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            prefetch_ahead(chunk);
            // SAFETY: AVX-512F is available (this function's contract).
            let d = _mm512_sub_pd(unsafe { load(chunk) }, max);
            let shifted =
                _mm512_fmadd_pd(d, _mm512_set1_pd(SIXTEEN_LOG2_E), _mm512_set1_pd(SHIFTER));
            let n = _mm512_sub_pd(shifted, _mm512_set1_pd(SHIFTER));
            let r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_HI_16), d);
            let r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_LO_16), r);
            let mut q = _mm512_set1_pd(Q[0]);
            for &c in &Q[1..] {
                q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(c));
            }
            let p = _mm512_fmadd_pd(_mm512_fmadd_pd(q, r, one), r, one);
            let bits = _mm512_castpd_si512(shifted);
            let entry = _mm512_permutex2var_pd(low_table, bits, high_table);
            let exponent = _mm512_slli_epi64(_mm512_srli_epi64(bits, 4), 52);
            let scale = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(entry), exponent));
            let e = _mm512_mul_pd(p, scale);
            // `!(d < EXP_MIN)` (NaN included) and `d == 0`, as in `exp_lane` and `exp_or_tie`.
            let keep = _mm512_cmp_pd_mask(d, _mm512_set1_pd(EXP_MIN), _CMP_NLT_UQ);
            let tie = _mm512_cmp_pd_mask(d, _mm512_setzero_pd(), _CMP_EQ_OQ);
            acc = _mm512_mask_add_pd(acc, keep & !tie, acc, e);
            ties = _mm512_mask_add_pd(ties, tie, ties, one);
        }
        let mut out = [[0.0; LANES]; 2];
        // SAFETY: each pointer addresses 8 writable `f64`.
        unsafe {
            _mm512_storeu_pd(out[0].as_mut_ptr(), acc);
            _mm512_storeu_pd(out[1].as_mut_ptr(), ties);
        }
        if !tail.is_empty() {
            let [acc, ties] = &mut out;
            for ((a, t), &d) in acc
                .iter_mut()
                .zip(ties.iter_mut())
                .zip(&tail_offsets(tail, m))
            {
                let (e, tie) = exp_or_tie(d);
                *a += e;
                *t += tie;
            }
        }
        out
    }
}

/// [`body::add_exp`] at `level` (a value of [`kernel_level`]).
fn add_exp<T: Real>(level: Level, block: &[T], m: f64, sums: Sums) -> Sums {
    match level {
        // SAFETY: `kernel_level` returns only levels whose target features (with FMA) the CPU
        // was detected to have.
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Level::Avx512 => unsafe { avx512_exp::add_exp(block, m, sums) },
        // SAFETY: as above.
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Level::Avx2 => unsafe { avx2_exp::add_exp(block, m, sums) },
        _ => body::add_exp(block, m, sums),
    }
}

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

/// `(m, ties, rest)` with `m = max_j z_j`, `ties` the number of logits equal to `m` and `rest` the
/// sum of `exp(z_j − m)` over the others, in one pass over the row: block by block ([`BLOCK`]
/// values, in L1 cache), the block's maximum first, then its exponentials relative to the running
/// maximum; when the maximum grows, the sums (ties included) are rescaled by `exp(m_old − m_new)`.
/// `rest` is `NaN` if the row holds a `NaN` or `+∞` or is all `−∞`.
fn max_and_sum_exp<T: Real>(level: Level, row: &[T]) -> (f64, f64, f64) {
    let mut m = f64::NEG_INFINITY;
    let mut sums = [[0.0; LANES]; 2];
    for block in row.chunks(BLOCK) {
        let block_max = dispatch!(level, row_max(block));
        if block_max > m {
            // `exp(−∞) = 0` for the first finite block; `+∞` zeroes the sums and then makes them
            // `NaN` (∞ − ∞).
            let factor = exp_lane(m - block_max);
            let [acc, ties] = &mut sums;
            for (a, t) in acc.iter_mut().zip(ties.iter_mut()) {
                *a = (*a + *t) * factor;
                *t = 0.0;
            }
            m = block_max;
        }
        if m == f64::NEG_INFINITY {
            // Only `−∞` (or `NaN`) so far: nothing to add, but a `NaN` must not be lost.
            if block.iter().any(|x| x.to_f64().is_nan()) {
                return (m, 0.0, f64::NAN);
            }
            continue;
        }
        sums = add_exp(level, block, m, sums);
    }
    if m == f64::NEG_INFINITY {
        return (m, 0.0, f64::NAN);
    }
    (m, combine(sums[1]), combine(sums[0]))
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
    let (m, ties, rest) = max_and_sum_exp(level, row);
    m + log_of_sum(ties, rest)
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
    let (m, ties, rest, gaps) = if epsilon > 0.0 {
        let m = dispatch!(level, row_max(row));
        let (ties, rest, gaps) = dispatch!(level, sum_exp_and_gaps(row, m));
        (m, ties, rest, gaps)
    } else {
        let (m, ties, rest) = max_and_sum_exp(level, row);
        (m, ties, rest, 0.0)
    };
    if rest.is_nan() || ties == 0.0 {
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
    let log_s = log_of_sum(ties, rest);
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
            argument: "label_smoothing".into(),
            message: format!("must lie in [0, 1], got {epsilon}"),
        });
    }
    if k == 0 {
        return Err(Error::InvalidArgument {
            argument: "logits".into(),
            message: "has no classes (k = 0): every row needs at least one class".to_string(),
        });
    }
    if n.checked_mul(k) != Some(logits.len()) {
        return Err(Error::ShapeMismatch {
            argument: "logits".into(),
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
                argument: "logits".into(),
                message,
            }
        })
    };
    let chunk = (CHUNK_ELEMENTS / k).clamp(1, 4096);
    reduce_items(n, chunk, options.reduction, interrupt, item)
}

fn bad_label(row: usize, label: i64, k: usize) -> Error {
    Error::InvalidArgument {
        argument: "labels".into(),
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
            argument: "labels".into(),
            expected: values.len(),
            found: labels.len(),
        });
    }
    let item = |i: usize| -> Result<Option<f64>> {
        let (v, y) = (values[i].to_f64(), labels[i]);
        if !(0.0..=1.0).contains(&y) {
            return Err(Error::InvalidArgument {
                argument: "labels".into(),
                message: format!("element {i} is {y}; labels must lie in [0, 1]"),
            });
        }
        if from_logits {
            if v.is_nan() {
                return Err(Error::InvalidArgument {
                    argument: "logits_or_probs".into(),
                    message: format!("element {i} is NaN"),
                });
            }
            Ok(Some(binary_cross_entropy_of_logit(v, y)))
        } else {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::InvalidArgument {
                    argument: "logits_or_probs".into(),
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

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros, infinities and bit-identical results are the point
mod tests {
    use super::*;
    use crate::testing::{ulps, SplitMix};

    fn never() -> AtomicBool {
        AtomicBool::new(false)
    }

    fn options(reduction: Reduction) -> CrossEntropyOptions {
        CrossEntropyOptions {
            reduction,
            ..CrossEntropyOptions::default()
        }
    }

    fn per_row(loss: Loss) -> Vec<f64> {
        match loss {
            Loss::PerRow(v) => v,
            Loss::Total(t) => panic!("expected per-row values, got the total {t}"),
        }
    }

    #[allow(clippy::needless_pass_by_value)] // called on the temporaries the kernels return
    fn total(loss: Loss) -> f64 {
        match loss {
            Loss::Total(t) => t,
            Loss::PerRow(_) => panic!("expected a total"),
        }
    }

    /// The textbook loss of one row, in plain scalar f64 with the standard library's exp and ln.
    fn textbook(row: &[f64], label: usize) -> f64 {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = row.iter().map(|&z| (z - m).exp()).sum();
        m + s.ln() - row[label]
    }

    #[test]
    fn exp_is_within_two_ulps_with_exact_edges() {
        let mut rng = SplitMix(7);
        let mut worst = (0, 0.0);
        let mut check = |d: f64| {
            let e = ulps(exp_nonpositive(d), d.exp());
            if e > worst.0 {
                worst = (e, d);
            }
        };
        for _ in 0..2_000_000 {
            check(-708.0 * rng.unit());
        }
        for _ in 0..200_000 {
            check(-rng.unit());
            check(-1e-3 * rng.unit());
            check(-f64::from_bits(rng.next() % 0x3ff0_0000_0000_0000));
        }
        for k in 0..1021 {
            check(-f64::from(k) * std::f64::consts::LN_2);
            check(-(f64::from(k) + 0.5) * std::f64::consts::LN_2);
        }
        check(EXP_MIN);
        assert!(worst.0 <= 2, "exp({}) is {} ulps off", worst.1, worst.0);
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY).to_bits(), 0);
        assert_eq!(exp_nonpositive(-708.5).to_bits(), 0);
        assert_eq!(exp_nonpositive(-1e300).to_bits(), 0);
        assert!(exp_nonpositive(f64::NAN).is_nan());
        assert!(exp_nonpositive(-708.0) > 0.0 && exp_nonpositive(-708.0).is_normal());
    }

    /// Rows of every awkward length (tails, several blocks) with logits of several scales and
    /// the odd `−∞`.
    fn rows(rng: &mut SplitMix) -> Vec<Vec<f64>> {
        let lengths = [
            1, 2, 7, 8, 9, 15, 16, 17, 63, 1023, 1024, 1025, 2047, 2048, 3001,
        ];
        let mut out = Vec::new();
        for (i, &k) in lengths.iter().enumerate() {
            let scale = [1.0, 10.0, 1e4, 1e-3][i % 4];
            let mut row: Vec<f64> = (0..k).map(|_| scale * (2.0 * rng.unit() - 1.0)).collect();
            if k > 3 {
                row[rng.below(k)] = f64::NEG_INFINITY;
            }
            // A large value late in the row makes the running maximum move (rescaling).
            if k > 1500 {
                row[k - 7] = 50.0 * scale;
            }
            out.push(row);
        }
        out
    }

    #[test]
    fn every_level_gives_the_same_bits_and_the_textbook_value() {
        let mut rng = SplitMix(11);
        for row in rows(&mut rng) {
            let k = row.len();
            let lse = log_sum_exp_with(Level::Scalar, &row);
            for level in Level::ALL {
                assert_eq!(
                    log_sum_exp_with(level, &row).to_bits(),
                    lse.to_bits(),
                    "{level:?}, k = {k}"
                );
                let as_f32: Vec<f32> = row.iter().map(|&x| x as f32).collect();
                let widened: Vec<f64> = as_f32.iter().map(|&x| f64::from(x)).collect();
                assert_eq!(
                    log_sum_exp_with(level, &as_f32).to_bits(),
                    log_sum_exp_with(Level::Scalar, &widened).to_bits(),
                    "float32 at {level:?}, k = {k}"
                );
            }
            let label = (0..k).find(|&j| row[j].is_finite()).unwrap();
            for epsilon in [0.0, 0.1, 1.0] {
                let opts = CrossEntropyOptions {
                    label_smoothing: epsilon,
                    reduction: Reduction::None,
                    ..CrossEntropyOptions::default()
                };
                let reference = per_row(
                    cross_entropy_loss_with(
                        Level::Scalar,
                        &row,
                        k,
                        &[label as i64],
                        &opts,
                        &never(),
                    )
                    .unwrap(),
                )[0];
                for level in Level::ALL {
                    let v = per_row(
                        cross_entropy_loss_with(level, &row, k, &[label as i64], &opts, &never())
                            .unwrap(),
                    )[0];
                    assert_eq!(
                        v.to_bits(),
                        reference.to_bits(),
                        "{level:?} k = {k} ε = {epsilon}"
                    );
                }
                if epsilon == 0.0 {
                    let want = textbook(&row, label);
                    let tolerance = 4.0 * f64::EPSILON * (row[label].abs() + want.abs() + 1.0);
                    assert!(
                        (reference - want).abs() <= tolerance,
                        "k = {k}: {reference} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn conventions_and_extremes() {
        let k = 4;
        let uniform = [0.0; 4];
        let v = total(
            cross_entropy_loss(&uniform, k, &[2], &options(Reduction::Mean), &never()).unwrap(),
        );
        assert!(ulps(v, 4f64.ln()) <= 1);
        // No overflow at ±1e4 or ±1e300.
        for big in [1e4, 1e300] {
            let row = [big, -big];
            let l = per_row(
                cross_entropy_loss(&row, 2, &[1], &options(Reduction::None), &never()).unwrap(),
            );
            assert_eq!(l[0], 2.0 * big);
            let l = per_row(
                cross_entropy_loss(&row, 2, &[0], &options(Reduction::None), &never()).unwrap(),
            );
            assert_eq!(l[0], 0.0);
        }
        // A confident, correct prediction keeps its relative precision (ln_1p of the rest).
        let row = [3.0, 3.0 - 60.0, f64::NEG_INFINITY, 3.0 - 70.0];
        let l = per_row(
            cross_entropy_loss(&row, 4, &[0], &options(Reduction::None), &never()).unwrap(),
        )[0];
        let want = (-60f64).exp() + (-70f64).exp();
        assert!(
            (l - want).abs() <= 4.0 * f64::EPSILON * want,
            "{l} vs {want}"
        );
        // Two tied maxima: ln 2 plus the rest.
        let row = [5.0, 5.0, 0.0];
        let l = per_row(
            cross_entropy_loss(&row, 3, &[1], &options(Reduction::None), &never()).unwrap(),
        )[0];
        assert!(ulps(l, (2.0 + (-5f64).exp()).ln()) <= 1);
        // A label whose logit is −∞ has infinite loss; others are finite; smoothing makes it ∞.
        let row = [1.0, f64::NEG_INFINITY, 0.0];
        let l = per_row(
            cross_entropy_loss(&row, 3, &[1], &options(Reduction::None), &never()).unwrap(),
        );
        assert_eq!(l[0], f64::INFINITY);
        let l = per_row(
            cross_entropy_loss(&row, 3, &[0], &options(Reduction::None), &never()).unwrap(),
        );
        assert!(l[0].is_finite());
        let smooth = CrossEntropyOptions {
            label_smoothing: 0.1,
            reduction: Reduction::None,
            ..CrossEntropyOptions::default()
        };
        let l = per_row(cross_entropy_loss(&row, 3, &[0], &smooth, &never()).unwrap());
        assert_eq!(l[0], f64::INFINITY);
        // ε = 1 ignores the label entirely, even an impossible one (0 · ∞ = 0).
        let all_smooth = CrossEntropyOptions {
            label_smoothing: 1.0,
            ..smooth
        };
        let finite = [1.0, -2.0, 0.5];
        let a = per_row(cross_entropy_loss(&finite, 3, &[0], &all_smooth, &never()).unwrap())[0];
        let b = per_row(cross_entropy_loss(&finite, 3, &[1], &all_smooth, &never()).unwrap())[0];
        assert!(ulps(a, b) <= 1);
    }

    #[test]
    fn bad_rows_and_labels_are_named() {
        let logits = [0.0, 1.0, 2.0, 3.0, f64::NAN, 5.0];
        let err = cross_entropy_loss(&logits, 3, &[0, 1], &options(Reduction::Mean), &never());
        assert!(
            matches!(&err, Err(Error::InvalidArgument { argument, message }) if argument == "logits" && message.contains("row 1") && message.contains("class 1")),
            "{err:?}"
        );
        let logits = [0.0, f64::INFINITY, 2.0];
        let err = cross_entropy_loss(&logits, 3, &[0], &options(Reduction::Mean), &never());
        assert!(matches!(
            err,
            Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
        ));
        let logits = vec![f64::NEG_INFINITY; 3000];
        let err = cross_entropy_loss(&logits, 3000, &[0], &options(Reduction::Mean), &never());
        assert!(
            matches!(&err, Err(Error::InvalidArgument { message, .. }) if message.contains("no finite logit"))
        );
        // A NaN after a long stretch of −∞ is still found.
        let mut logits = vec![f64::NEG_INFINITY; 3000];
        logits[2500] = f64::NAN;
        let err = cross_entropy_loss(&logits, 3000, &[0], &options(Reduction::Mean), &never());
        assert!(
            matches!(&err, Err(Error::InvalidArgument { message, .. }) if message.contains("class 2500"))
        );
        for label in [-1, 3, i64::MIN, i64::MAX] {
            let err =
                cross_entropy_loss(&[0.0; 3], 3, &[label], &options(Reduction::Mean), &never());
            assert!(
                matches!(&err, Err(Error::InvalidArgument { argument, message }) if argument == "labels" && message.contains(&label.to_string())),
                "{err:?}"
            );
        }
        assert!(matches!(
            cross_entropy_loss(&[0.0; 5], 2, &[0, 1], &options(Reduction::Mean), &never()),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            cross_entropy_loss::<f64>(&[], 0, &[], &options(Reduction::Mean), &never()),
            Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
        ));
        let bad_smoothing = CrossEntropyOptions {
            label_smoothing: 1.5,
            ..CrossEntropyOptions::default()
        };
        assert!(matches!(
            cross_entropy_loss(&[0.0; 2], 2, &[0], &bad_smoothing, &never()),
            Err(Error::InvalidArgument { argument, .. }) if argument == "label_smoothing"
        ));
        assert!("average".parse::<Reduction>().is_err());
    }

    #[test]
    fn reductions_ignore_index_and_empty_input() {
        let logits = [0.0, 1.0, 2.0, 3.0, 1.0, -1.0];
        let mut opts = CrossEntropyOptions {
            ignore_index: Some(-100),
            reduction: Reduction::None,
            ..CrossEntropyOptions::default()
        };
        let (k, logits) = (2, &logits[..]);
        let labels = [1, -100, 0];
        let rows = per_row(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
        assert_eq!(rows[1], 0.0);
        assert!((rows[0] - textbook(&logits[0..2], 1)).abs() < 1e-15);
        assert!((rows[2] - textbook(&logits[4..6], 0)).abs() < 1e-15);
        opts.reduction = Reduction::Sum;
        let sum = total(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
        assert!(ulps(sum, rows[0] + rows[2]) <= 1);
        opts.reduction = Reduction::Mean;
        let mean = total(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
        assert!(ulps(mean, f64::midpoint(rows[0], rows[2])) <= 1);
        // Every row ignored: the mean is NaN, the sum 0; no rows at all: the same.
        let all = [-100, -100, -100];
        assert!(total(cross_entropy_loss(logits, k, &all, &opts, &never()).unwrap()).is_nan());
        assert!(total(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()).is_nan());
        opts.reduction = Reduction::Sum;
        assert_eq!(
            total(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()),
            0.0
        );
        opts.reduction = Reduction::None;
        assert!(
            per_row(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()).is_empty()
        );
    }

    #[test]
    fn probabilities_are_checked_and_match_logits() {
        let logits = [0.3, -1.2, 2.0, 0.0];
        let m = 2.0f64;
        let s: f64 = logits.iter().map(|&z| (z - m).exp()).sum();
        let p: Vec<f64> = logits.iter().map(|&z| (z - m).exp() / s).collect();
        for epsilon in [0.0, 0.3] {
            let opts = CrossEntropyOptions {
                label_smoothing: epsilon,
                reduction: Reduction::None,
                ..CrossEntropyOptions::default()
            };
            let from_p = CrossEntropyOptions {
                from_logits: false,
                ..opts
            };
            let a = per_row(cross_entropy_loss(&logits, 4, &[1], &opts, &never()).unwrap())[0];
            let b = per_row(cross_entropy_loss(&p, 4, &[1], &from_p, &never()).unwrap())[0];
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
        let from_p = CrossEntropyOptions {
            from_logits: false,
            reduction: Reduction::None,
            ..CrossEntropyOptions::default()
        };
        let zero = [1.0, 0.0];
        assert_eq!(
            per_row(cross_entropy_loss(&zero, 2, &[1], &from_p, &never()).unwrap())[0],
            f64::INFINITY
        );
        assert_eq!(
            per_row(cross_entropy_loss(&zero, 2, &[0], &from_p, &never()).unwrap())[0],
            0.0
        );
        for bad in [[0.5, 0.6], [1.5, -0.5], [f64::NAN, 1.0]] {
            assert!(matches!(
                cross_entropy_loss(&bad, 2, &[0], &from_p, &never()),
                Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
            ));
        }
        // float32 rows sum to 1 only within float32 rounding: the tolerance grows with k.
        let k = 30_000;
        let row: Vec<f32> = vec![1.0 / k as f32; k];
        assert!(cross_entropy_loss(&row, k, &[3], &from_p, &never()).is_ok());
        assert!(sum_tolerance(k, f64::EPSILON) == 1e-6);
    }

    #[test]
    fn binary_limits_and_stability() {
        let y = [0.0, 0.25, 1.0];
        for &yy in &y {
            for z in [-30.0f64, -1.0, 0.0, 0.7, 40.0] {
                let s = 1.0 / (1.0 + (-z).exp());
                let mut want = 0.0;
                if yy > 0.0 {
                    want -= yy * s.ln();
                }
                if yy < 1.0 {
                    want -= (1.0 - yy) * (1.0 - s).ln();
                }
                let got = binary_cross_entropy_of_logit(z, yy);
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "z {z} y {yy}"
                );
            }
        }
        assert_eq!(binary_cross_entropy_of_logit(f64::INFINITY, 1.0), 0.0);
        assert_eq!(
            binary_cross_entropy_of_logit(f64::INFINITY, 0.5),
            f64::INFINITY
        );
        assert_eq!(binary_cross_entropy_of_logit(f64::NEG_INFINITY, 0.0), 0.0);
        assert_eq!(
            binary_cross_entropy_of_logit(f64::NEG_INFINITY, 1e-9),
            f64::INFINITY
        );
        assert_eq!(binary_cross_entropy_of_logit(1e300, 0.0), 1e300);
        assert_eq!(binary_cross_entropy_of_logit(-1e4, 1.0), 1e4);
        // Far in the tail the loss is exp(−|z|), kept to full relative precision.
        let tiny = binary_cross_entropy_of_logit(50.0, 1.0);
        assert!(ulps(tiny, (-50f64).exp()) <= 2);
        assert_eq!(binary_cross_entropy_of_probability(0.0, 0.0), 0.0);
        assert_eq!(binary_cross_entropy_of_probability(1.0, 1.0), 0.0);
        assert_eq!(binary_cross_entropy_of_probability(0.0, 0.5), f64::INFINITY);
        assert!(
            ulps(
                binary_cross_entropy_of_probability(0.5, 1.0),
                std::f64::consts::LN_2
            ) <= 1
        );
        let err = binary_cross_entropy(
            &[0.0, f64::NAN],
            &[0.0, 1.0],
            true,
            Reduction::Mean,
            &never(),
        );
        assert!(matches!(
            err,
            Err(Error::InvalidArgument { argument, .. }) if argument == "logits_or_probs"
        ));
        let err = binary_cross_entropy(&[0.0, 2.0], &[0.0, 1.0], false, Reduction::Mean, &never());
        assert!(matches!(
            err,
            Err(Error::InvalidArgument { argument, .. }) if argument == "logits_or_probs"
        ));
        let err = binary_cross_entropy(&[0.0], &[1.5], true, Reduction::Mean, &never());
        assert!(matches!(
            err,
            Err(Error::InvalidArgument { argument, .. }) if argument == "labels"
        ));
        let err = binary_cross_entropy(&[0.0], &[], true, Reduction::Mean, &never());
        assert!(matches!(err, Err(Error::LengthMismatch { .. })));
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut rng = SplitMix(3);
        let (n, k) = (700, 333);
        let logits: Vec<f32> = (0..n * k)
            .map(|_| (8.0 * rng.unit() - 4.0) as f32)
            .collect();
        let labels: Vec<i64> = (0..n)
            .map(|i| if i % 9 == 0 { -1 } else { rng.below(k) as i64 })
            .collect();
        let binary: Vec<f64> = (0..n * k).map(|_| 20.0 * rng.unit() - 10.0).collect();
        let targets: Vec<f64> = (0..n * k).map(|_| rng.unit()).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut out = Vec::new();
                for reduction in [Reduction::Mean, Reduction::Sum, Reduction::None] {
                    let opts = CrossEntropyOptions {
                        ignore_index: Some(-1),
                        label_smoothing: 0.05,
                        reduction,
                        ..CrossEntropyOptions::default()
                    };
                    out.push(cross_entropy_loss(&logits, k, &labels, &opts, &never()).unwrap());
                    out.push(
                        binary_cross_entropy(&binary, &targets, true, reduction, &never()).unwrap(),
                    );
                }
                out
            })
        };
        let one = run(1);
        for threads in [2, 3, 5] {
            let other = run(threads);
            for (a, b) in one.iter().zip(&other) {
                match (a, b) {
                    (Loss::Total(x), Loss::Total(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                    (Loss::PerRow(x), Loss::PerRow(y)) => {
                        assert!(x.iter().zip(y).all(|(u, v)| u.to_bits() == v.to_bits()));
                    }
                    _ => panic!("different kinds of result"),
                }
            }
        }
    }

    #[test]
    fn interrupt_stops_the_work() {
        let stop = AtomicBool::new(true);
        let logits = vec![0.0f64; 1000];
        let labels = vec![0i64; 10];
        assert_eq!(
            cross_entropy_loss(&logits, 100, &labels, &options(Reduction::Mean), &stop),
            Err(Error::Interrupted)
        );
        assert_eq!(
            binary_cross_entropy(&logits, &logits, true, Reduction::None, &stop),
            Err(Error::Interrupted)
        );
    }
}
