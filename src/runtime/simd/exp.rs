//! The exponential and the log-sum-exp of rows of scores (the cross-entropy losses), without ever
//! materialising a softmax.
//!
//! `exp` is evaluated branch-free lane by lane (`exp_lane`: a table of `2^(j/16)` and a degree-6
//! polynomial with fused multiply-adds, within 2 ulps); each level computes the same operations,
//! correctly rounded, so every level gives the same bits. On AVX-512 the block kernel `add_exp` is
//! written with intrinsics (the table lookup as one two-register permutation).

use super::{combine, dispatch, load, multiversion, Float, Level, LANES};

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
pub(crate) fn log_of_sum(ties: f64, rest: f64) -> f64 {
    if ties == 1.0 {
        rest.ln_1p()
    } else {
        super::ln(ties + rest)
    }
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
    use super::{combine, exp_or_tie, load, prefetch_ahead, Float, LANES, MAX_LANES};

    /// The largest value of a non-empty row, as `f64` (`NaN`s are skipped or returned; either way
    /// the sum of exponentials that follows is `NaN`).
    #[inline(always)]
    pub(super) fn row_max<T: Float>(row: &[T]) -> f64 {
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

    /// The tail of a row, widened, minus `m`, padded with `−∞` (whose exponential adds 0).
    #[inline(always)]
    pub(super) fn tail_offsets<T: Float>(tail: &[T], m: f64) -> [f64; LANES] {
        let mut d = [f64::NEG_INFINITY; LANES];
        for (d, &x) in d.iter_mut().zip(tail) {
            *d = x.to_f64() - m;
        }
        d
    }

    /// `sums` plus the block's terms `exp(z_j − m)` (element `j` in lane `j mod 8`): `sums[0]`
    /// accumulates the terms of logits below `m`, `sums[1]` counts the logits equal to `m`.
    #[inline(always)]
    pub(super) fn add_exp<T: Float>(
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
    pub(super) fn sum_exp_and_gaps<T: Float>(row: &[T], m: f64) -> (f64, f64, f64) {
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
    pub(super) fn probability_sums<T: Float>(row: &[T], logs: bool) -> (f64, f64, bool) {
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

multiversion! {
    fn row_max[T: Float](row: &[T]) -> f64;
    fn add_exp[T: Float](block: &[T], m: f64, sums: Sums) -> Sums;
    fn sum_exp_and_gaps[T: Float](row: &[T], m: f64) -> (f64, f64, f64);
    fn probability_sums[T: Float](row: &[T], logs: bool) -> (f64, f64, bool);
}

/// The partial sums of [`body::add_exp`]: the other terms and the count of maxima, per lane.
type Sums = [[f64; LANES]; 2];

/// [`body::add_exp`] written with AVX-512 intrinsics: the same operations lane by lane (so the same
/// bits), with the table lookup of `exp_lane` as one two-register permutation (`vpermt2pd`)
/// instead of the gather the compiler would emit.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx512_exp {
    use super::body::tail_offsets;
    use super::{
        exp_or_tie, prefetch_ahead, Float, Sums, EXP2_SIXTEENTHS, EXP_MIN, LANES, LN2_HI_16,
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
    unsafe fn load<T: Float>(chunk: &[T]) -> __m512d {
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
    pub(super) unsafe fn add_exp<T: Float>(block: &[T], m: f64, sums: Sums) -> Sums {
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

/// [`body::add_exp`] at `level` (a value of [`level`](super::level) or [`Level::usable`]); the
/// AVX-512 variant is the hand-written one of `avx512_exp`.
fn add_exp<T: Float>(level: Level, block: &[T], m: f64, sums: Sums) -> Sums {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if level == Level::Avx512 {
        // SAFETY: the level is available, so the CPU has AVX-512F, AVX2 and FMA.
        return unsafe { avx512_exp::add_exp(block, m, sums) };
    }
    dispatch!(level, add_exp(block, m, sums))
}

/// The largest value of a non-empty row, as `f64`, at `level` (a value of
/// [`level`](super::level) or [`Level::usable`]).
pub(crate) fn row_max<T: Float>(level: Level, row: &[T]) -> f64 {
    dispatch!(level, row_max(row))
}

/// `(ties, rest, gaps)` of a row whose maximum is `m` (for label smoothing): the number of values
/// equal to `m`, `Σ exp(z_j − m)` over the others, and `Σ_j (m − z_j)`.
pub(crate) fn sum_exp_and_gaps<T: Float>(level: Level, row: &[T], m: f64) -> (f64, f64, f64) {
    dispatch!(level, sum_exp_and_gaps(row, m))
}

/// `(Σ_j p_j, Σ_j ln p_j, all p_j ∈ [0, 1])` of a row of probabilities; the log sum only when
/// `logs` is set.
pub(crate) fn probability_sums<T: Float>(level: Level, row: &[T], logs: bool) -> (f64, f64, bool) {
    dispatch!(level, probability_sums(row, logs))
}

/// `(m, ties, rest)` with `m = max_j z_j`, `ties` the number of logits equal to `m` and `rest` the
/// sum of `exp(z_j − m)` over the others, in one pass over the row: block by block ([`BLOCK`]
/// values, in L1 cache), the block's maximum first, then its exponentials relative to the running
/// maximum; when the maximum grows, the sums (ties included) are rescaled by `exp(m_old − m_new)`.
/// `rest` is `NaN` if the row holds a `NaN` or `+∞` or is all `−∞`.
pub(crate) fn max_and_sum_exp<T: Float>(level: Level, row: &[T]) -> (f64, f64, f64) {
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
/// kernels: the losses use [`level`](super::level).
#[must_use]
pub fn log_sum_exp_with<T: Float>(level: Level, row: &[T]) -> f64 {
    let level = level.usable();
    if row.is_empty() {
        return f64::NEG_INFINITY;
    }
    let (m, ties, rest) = max_and_sum_exp(level, row);
    m + log_of_sum(ties, rest)
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::testing::{ulps, SplitMix};

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
}
