//! The natural logarithm and the reductions built on it: `ln` of a slice, `Σ s ln s` of a row or of
//! the sum of two rows (entropy and Jensen–Shannon terms), and `Σ |p − q|`.
//!
//! See the parent module for the algorithm of the logarithm, its edge cases and why every level
//! gives the same bits.

use super::{combine, dispatch, level, load, multiversion, Level, LANES};

// fdlibm e_log.c constants, by their bits: ln 2 in two parts (`LN2_HI` has 32 trailing zero bits,
// so `k · LN2_HI` is exact) and the coefficients of `R(z) ≈ Lg1 z + Lg2 z² + ... + Lg7 z⁷`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593); // 6.666666666666735130e-01
const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04); // 3.999999999940941908e-01
const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359); // 2.857142874366239149e-01
const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af); // 2.222219843214978396e-01
const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de); // 1.818357216161805012e-01
const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f); // 1.531383769920937332e-01
const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244); // 1.479819860511658591e-01
/// 2^54, the scale that makes a subnormal normal.
const TWO54: f64 = 18_014_398_509_481_984.0;
/// 2^52: `from_bits(bits(2^52) | n) − 2^52 = n` converts a small integer exactly.
const TWO52: f64 = 4_503_599_627_370_496.0;
/// Added to the bits of `x` so that the exponent field rounds `x` to `2^k` with
/// `x / 2^k ∈ [√½, √2)`: `0x3ff00000 − 0x3fe6a09e` in the high word.
const SQRT_HALF_SHIFT: u64 = 0x0009_5f62_0000_0000;
/// High word of √½ (rounded down), the bottom of the reduced range.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_0000_0000;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;

/// `ln x` for positive finite `x` (subnormals included), branch-free; other inputs give garbage.
#[inline(always)]
fn ln_positive(x: f64) -> f64 {
    let subnormal = x < f64::MIN_POSITIVE;
    let xs = if subnormal { x * TWO54 } else { x };
    // 2^52 + the exponent bias, plus 54 for a scaled subnormal: `(2^52 + e) − this` is exact.
    let offset = if subnormal {
        TWO52 + 1023.0 + 54.0
    } else {
        TWO52 + 1023.0
    };
    let ix = xs.to_bits().wrapping_add(SQRT_HALF_SHIFT);
    let dk = f64::from_bits(TWO52.to_bits() | (ix >> 52)) - offset;
    let m = f64::from_bits((ix & MANTISSA) + SQRT_HALF_BITS);
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// Natural logarithm, branch-free: one lane of every vector variant.
#[inline(always)]
fn ln_lane(x: f64) -> f64 {
    let y = ln_positive(x);
    let special = if x == 0.0 {
        f64::NEG_INFINITY
    } else {
        f64::NAN
    };
    let y = if x > 0.0 { y } else { special };
    if x == f64::INFINITY {
        f64::INFINITY
    } else {
        y
    }
}

/// `s ln s`: the product of `s` and [`ln`]`(s)`, bit for bit, for `s > 0` (`+∞` for `+∞`), `±0`
/// for `s = ±0` (so a sum ignores it), `NaN` for `NaN` and negative `s`.
#[inline(always)]
fn xlogx_lane(s: f64) -> f64 {
    // `ln_positive` is finite for ±0 (about −746 and 673) and ±∞, so the product is ±0 for ±0,
    // +∞ for +∞, and NaN for NaN.
    let t = s * ln_positive(s);
    if s < 0.0 {
        f64::NAN
    } else {
        t
    }
}

/// Natural logarithm (fdlibm's algorithm, error below 1 ulp), bit-identical to every lane of
/// [`ln_slice`]. `ln(1) = 0`, `ln(±0) = −∞`, `ln(+∞) = +∞`, `NaN` for `NaN` and negative input.
#[must_use]
#[inline]
pub fn ln(x: f64) -> f64 {
    ln_lane(x)
}

#[inline(always)]
fn ln_block(x: [f64; LANES]) -> [f64; LANES] {
    let mut out = [0.0; LANES];
    for (o, &v) in out.iter_mut().zip(&x) {
        *o = ln_lane(v);
    }
    out
}

/// Adds `s ln s` (0 where `s = 0`) lane by lane.
#[inline(always)]
fn add_xlogx(s: [f64; LANES], acc: &mut [f64; LANES]) {
    for (a, &s) in acc.iter_mut().zip(&s) {
        *a += xlogx_lane(s);
    }
}

mod body {
    use super::{add_xlogx, combine, ln_block, ln_lane, load, LANES};

    #[inline(always)]
    pub(super) fn ln_slice(x: &[f64], out: &mut [f64]) {
        let mut xs = x.chunks_exact(LANES);
        let mut os = out.chunks_exact_mut(LANES);
        for (xc, oc) in (&mut xs).zip(&mut os) {
            oc.copy_from_slice(&ln_block(load(xc)));
        }
        for (&v, o) in xs.remainder().iter().zip(os.into_remainder()) {
            *o = ln_lane(v);
        }
    }

    #[inline(always)]
    pub(super) fn sum_xlogx(p: &[f64]) -> f64 {
        let mut acc = [0.0; LANES];
        let ps = p.chunks_exact(LANES);
        let tail = ps.remainder();
        for pc in ps {
            add_xlogx(load(pc), &mut acc);
        }
        if !tail.is_empty() {
            let mut s = [0.0; LANES];
            s[..tail.len()].copy_from_slice(tail);
            add_xlogx(s, &mut acc);
        }
        combine(acc)
    }

    #[inline(always)]
    pub(super) fn sum_xlogx_of_sum(p: &[f64], q: &[f64]) -> f64 {
        let mut acc = [0.0; LANES];
        let ps = p.chunks_exact(LANES);
        let qs = q.chunks_exact(LANES);
        let (pt, qt) = (ps.remainder(), qs.remainder());
        for (pc, qc) in ps.zip(qs) {
            let (a, b) = (load(pc), load(qc));
            add_xlogx(std::array::from_fn(|i| a[i] + b[i]), &mut acc);
        }
        if !pt.is_empty() {
            let mut s = [0.0; LANES];
            for ((s, &a), &b) in s.iter_mut().zip(pt).zip(qt) {
                *s = a + b;
            }
            add_xlogx(s, &mut acc);
        }
        combine(acc)
    }

    #[inline(always)]
    pub(super) fn sum_abs_diff(p: &[f64], q: &[f64]) -> f64 {
        let mut acc = [0.0; LANES];
        let ps = p.chunks_exact(LANES);
        let qs = q.chunks_exact(LANES);
        let (pt, qt) = (ps.remainder(), qs.remainder());
        for (pc, qc) in ps.zip(qs) {
            let (a, b) = (load(pc), load(qc));
            for (s, (&a, &b)) in acc.iter_mut().zip(a.iter().zip(&b)) {
                *s += (a - b).abs();
            }
        }
        for (s, (&a, &b)) in acc.iter_mut().zip(pt.iter().zip(qt)) {
            *s += (a - b).abs();
        }
        combine(acc)
    }
}

multiversion! {
    fn ln_slice(x: &[f64], out: &mut [f64]);
    fn sum_xlogx(p: &[f64]) -> f64;
    fn sum_xlogx_of_sum(p: &[f64], q: &[f64]) -> f64;
    fn sum_abs_diff(p: &[f64], q: &[f64]) -> f64;
}

/// `out[i] = ln(x[i])` ([`ln`], bit for bit) at the dispatched [`level`].
///
/// # Panics
/// If `x` and `out` differ in length.
pub fn ln_slice(x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len(), "ln_slice: input and output lengths");
    dispatch!(level(), ln_slice(x, out));
}

/// [`ln_slice`] at `level` (or the widest available level below it).
///
/// # Panics
/// If `x` and `out` differ in length.
pub fn ln_slice_with(level: Level, x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len(), "ln_slice: input and output lengths");
    dispatch!(level.usable(), ln_slice(x, out));
}

/// `Σ p_k ln p_k` with `0 · ln 0 = 0`, for finite `p_k ≥ 0` (the entropy of a row is minus this),
/// at the dispatched [`level`]; same lanes and logarithm as [`sum_xlogx_of_sum`]. A `+∞` weight
/// gives `+∞`; a negative or `NaN` one gives `NaN`.
#[must_use]
pub fn sum_xlogx(p: &[f64]) -> f64 {
    xlogx_at(level(), p, None)
}

/// `Σ s ln s` over `p` (or `p + q`) at an available `level`: the table kernel of
/// [`table`](super::table) on AVX-512, the lane kernels elsewhere.
fn xlogx_at(level: Level, p: &[f64], q: Option<&[f64]>) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx512 {
        // SAFETY: `level` is available, so the CPU has AVX-512F.
        if let Some(sum) = unsafe { super::table::sum_xlogx(p, q) } {
            return sum;
        }
    }
    match q {
        Some(q) => dispatch!(level, sum_xlogx_of_sum(p, q)),
        None => dispatch!(level, sum_xlogx(p)),
    }
}

/// [`sum_xlogx`] at `level` (or the widest available level below it).
#[must_use]
pub fn sum_xlogx_with(level: Level, p: &[f64]) -> f64 {
    xlogx_at(level.usable(), p, None)
}

/// `Σ s_k ln s_k` with `s_k = p_k + q_k` and `0 · ln 0 = 0`, for finite `p_k, q_k ≥ 0` (the pair
/// term of the Jensen–Shannon divergence), at the dispatched [`level`]. Each term is
/// `s_k * ln(s_k)` with [`ln`], bit for bit; a negative or `NaN` sum `s_k` gives `NaN`.
///
/// # Panics
/// If `p` and `q` differ in length.
#[must_use]
pub fn sum_xlogx_of_sum(p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "sum_xlogx_of_sum: lengths of p and q");
    xlogx_at(level(), p, Some(q))
}

/// [`sum_xlogx_of_sum`] at `level` (or the widest available level below it).
///
/// # Panics
/// If `p` and `q` differ in length.
#[must_use]
pub fn sum_xlogx_of_sum_with(level: Level, p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "sum_xlogx_of_sum: lengths of p and q");
    xlogx_at(level.usable(), p, Some(q))
}

/// For each row `q_j` of `rows` (`p.len()` values each, row-major): `out[j] = Σ s ln s` with
/// `s = p + q_j` — [`sum_xlogx_of_sum`] over a block of rows, for weights the caller has checked
/// to be finite and non-negative. On AVX-512 one table kernel without validity masks runs over
/// all the rows (each term within 3.2e-16 · (1 + |ln s|) · s of the truth: see `table.rs`);
/// elsewhere [`sum_xlogx_of_sum`] runs per row.
///
/// # Panics
/// If `rows` does not hold `out.len()` rows of `p.len()` values.
pub(crate) fn sums_xlogx_of_sum(p: &[f64], rows: &[f64], out: &mut [f64]) {
    sums_xlogx_of_sum_with(level(), p, rows, out);
}

/// [`sums_xlogx_of_sum`] at `level` (or the widest available level below it).
///
/// # Panics
/// If `rows` does not hold `out.len()` rows of `p.len()` values.
pub fn sums_xlogx_of_sum_with(level: Level, p: &[f64], rows: &[f64], out: &mut [f64]) {
    assert_eq!(rows.len(), p.len() * out.len(), "sums_xlogx_of_sum: rows");
    let level = level.usable();
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx512 {
        // SAFETY: the level is available, so the CPU has AVX-512F.
        unsafe { super::table::sums_xlogx_of_sum(p, rows, out) };
        return;
    }
    if p.is_empty() {
        out.fill(0.0);
    }
    for (o, q) in out.iter_mut().zip(rows.chunks_exact(p.len().max(1))) {
        *o = xlogx_at(level, p, Some(q));
    }
}

/// `Σ |p_k − q_k|` (twice the total variation distance of two distributions), at the dispatched
/// [`level`].
///
/// # Panics
/// If `p` and `q` differ in length.
#[must_use]
pub fn sum_abs_diff(p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "sum_abs_diff: lengths of p and q");
    dispatch!(level(), sum_abs_diff(p, q))
}

/// [`sum_abs_diff`] at `level` (or the widest available level below it).
///
/// # Panics
/// If `p` and `q` differ in length.
#[must_use]
pub fn sum_abs_diff_with(level: Level, p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "sum_abs_diff: lengths of p and q");
    dispatch!(level.usable(), sum_abs_diff(p, q))
}
