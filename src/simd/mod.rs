//! The one place for runtime-dispatched vector kernels: a vectorised natural log and the per-pair
//! reductions of the pairwise divergences.
//!
//! # Levels
//! Each kernel is one `#[inline(always)]` body written on arrays of [`LANES`] `f64` lanes, compiled
//! three times: for the baseline x86-64 (SSE2, or whatever the build targets elsewhere), under
//! `#[target_feature(enable = "avx2")]` and under `#[target_feature(enable = "avx512f")]`. The
//! crate is never built with `target-cpu=native` or global target features; [`level`] picks the
//! best compiled variant the CPU supports, once, at run time. The environment variable
//! `FASTINFO_SIMD` (`scalar`, `avx2` or `avx512`) lowers that choice — never above what the CPU
//! has, and an unknown value is ignored — and the `*_with` functions run any level directly, so
//! one machine can test every path.
//!
//! # Determinism
//! Every result is a fixed function of the input and the level, so it never depends on the number
//! of threads. `ln`, `ln_slice` and `sum_abs_diff` return the same bits at every level, so they do
//! not depend on the machine either, nor do the row kernels of the pairwise preparation
//! (`checked_sum`, `divide_into`, `column_extremes`, `centered_sums`, `center_logs`); the `s ln s`
//! reductions do too at the scalar and AVX2 levels, while on AVX-512 they run the division-free
//! table kernels of [`table`] (within a few ulps of the terms, or about 1e-16 · (1 + |ln s|) · s for
//! the block kernel `sums_xlogx_of_sum`; used where the callers bound and repair their rounding
//! anyway):
//! - the three variants are the *same source*: lane `i` of a block performs exactly the scalar
//!   operations of [`ln`], in the same order. Rust never contracts `a * b + c` into a fused
//!   multiply-add, and FMA is not enabled anyway, so every product and sum is rounded as written;
//!   division is IEEE-exact on every level. The exponent is converted to `f64` with integer bit
//!   operations (no conversion instruction that one level has and another lacks);
//! - reductions always keep [`LANES`] = 8 partial sums: element `k` goes to lane `k mod 8`, a
//!   ragged tail is zero-padded to a full block, and the lanes are combined in one fixed tree,
//!   `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`. AVX-512 holds the 8 lanes in one
//!   register, AVX2 in two, the baseline in four; the arithmetic is identical. A term
//!   `s ln s` is the product of `s` and [`ln`]`(s)`, bit for bit.
//!
//! # The logarithm
//! fdlibm's `e_log.c` (as in musl): `x = 2^k · m` with `m ∈ [√½, √2)`, `f = m − 1`,
//! `s = f / (2 + f)`, `ln(1 + f) = f − f²/2 + s (f²/2 + R(s²))` with a degree-14 even polynomial `R`,
//! and `k ln 2` added in two parts. The error is below 1 ulp. Edge classes are exact:
//! `ln(1) = +0`, `ln(±0) = −∞`, `ln(+∞) = +∞`, and `NaN` (the canonical [`f64::NAN`]) for `NaN`
//! and for negative input, `−∞` included. Subnormal inputs are scaled by `2^54` first.

use std::sync::OnceLock;

#[cfg(target_arch = "x86_64")]
mod table;

/// Partial sums kept by every reduction, whatever the vector width.
pub const LANES: usize = 8;

/// A compiled variant of the kernels, from the baseline to the widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Baseline code for the build target (SSE2 on x86-64): runs anywhere.
    Scalar,
    /// 256-bit vectors (`avx2`).
    Avx2,
    /// 512-bit vectors (`avx512f`).
    Avx512,
}

impl Level {
    /// Every level, from the baseline to the widest.
    pub const ALL: [Level; 3] = [Level::Scalar, Level::Avx2, Level::Avx512];

    /// Whether this CPU can run the level (the baseline always can).
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx2 => is_x86_feature_detected!("avx2"),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx512 => {
                is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx2")
            }
            #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
            _ => false,
        }
    }

    /// The widest level this CPU can run, ignoring `FASTINFO_SIMD`.
    #[must_use]
    pub fn best_available() -> Level {
        Level::ALL
            .into_iter()
            .rev()
            .find(|level| level.is_available())
            .unwrap_or(Level::Scalar)
    }

    /// The lowercase name used by `FASTINFO_SIMD`: `scalar`, `avx2` or `avx512`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// This level if the CPU has it, else the widest available level below it.
    #[must_use]
    pub fn usable(self) -> Level {
        if self.is_available() {
            self
        } else {
            self.min(Level::best_available())
        }
    }
}

/// The level chosen for `request` (the value of `FASTINFO_SIMD`) on this CPU.
fn choose(request: Option<&str>) -> Level {
    let requested = request.and_then(|value| {
        let value = value.trim();
        Level::ALL
            .into_iter()
            .find(|level| level.name().eq_ignore_ascii_case(value))
    });
    requested.unwrap_or(Level::Avx512).usable()
}

/// The level the dispatched kernels use: the widest the CPU supports, lowered by the environment
/// variable `FASTINFO_SIMD` (`scalar`, `avx2`, `avx512`; an unknown value is ignored). Detected
/// on the first call and cached.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| choose(std::env::var("FASTINFO_SIMD").ok().as_deref()))
}

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

#[inline(always)]
fn load(chunk: &[f64]) -> [f64; LANES] {
    std::array::from_fn(|i| chunk[i])
}

/// The fixed combination of the lane sums.
#[inline(always)]
fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
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
    pub(super) fn checked_sum(row: &[f64]) -> (f64, bool) {
        let mut acc = [0.0; LANES];
        let mut bad = [false; LANES];
        let chunks = row.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let w = load(chunk);
            for i in 0..LANES {
                bad[i] |= !(0.0..=f64::MAX).contains(&w[i]);
                acc[i] += w[i];
            }
        }
        for (i, &w) in tail.iter().enumerate() {
            bad[i] |= !(0.0..=f64::MAX).contains(&w);
            acc[i] += w;
        }
        (combine(acc), bad.iter().any(|&b| b))
    }

    #[inline(always)]
    #[allow(clippy::float_cmp)] // `second` is exactly 1.0 unless a row's sum overflowed
    pub(super) fn divide_into(row: &[f64], first: f64, second: f64, out: &mut [f64]) -> bool {
        let mut zero = [false; LANES];
        let mut rows = row.chunks_exact(LANES);
        let mut outs = out.chunks_exact_mut(LANES);
        if second == 1.0 {
            for (w, o) in (&mut rows).zip(&mut outs) {
                for i in 0..LANES {
                    o[i] = w[i] / first;
                    zero[i] |= o[i] == 0.0;
                }
            }
        } else {
            for (w, o) in (&mut rows).zip(&mut outs) {
                for i in 0..LANES {
                    o[i] = (w[i] / first) / second;
                    zero[i] |= o[i] == 0.0;
                }
            }
        }
        for (&w, o) in rows.remainder().iter().zip(outs.into_remainder()) {
            *o = if second == 1.0 {
                w / first
            } else {
                (w / first) / second
            };
            zero[0] |= *o == 0.0;
        }
        zero.iter().any(|&z| z)
    }

    #[inline(always)]
    pub(super) fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]) {
        for ((&l, lo), hi) in logs.iter().zip(lo.iter_mut()).zip(hi.iter_mut()) {
            // ln 0 = −∞ marks an absent outcome: it never lowers the minimum.
            let low = if l == f64::NEG_INFINITY {
                f64::INFINITY
            } else {
                l
            };
            *lo = if low < *lo { low } else { *lo };
            *hi = if l > *hi { l } else { *hi };
        }
    }

    #[inline(always)]
    fn two_sum(sum: &mut f64, compensation: &mut f64, v: f64) {
        let t = *sum + v;
        let z = t - *sum;
        *compensation += (*sum - (t - z)) + (v - z);
        *sum = t;
    }

    /// The compensated lanes `(sum, compensation)` added in lane order.
    #[inline(always)]
    fn two_sum_lanes(sum: [f64; LANES], compensation: [f64; LANES]) -> f64 {
        let (mut total, mut error) = (0.0, 0.0);
        for i in 0..LANES {
            two_sum(&mut total, &mut error, sum[i]);
            error += compensation[i];
        }
        total + error
    }

    #[inline(always)]
    pub(super) fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64 {
        let mut squares = [0.0; LANES];
        let mut ls = logs.chunks_exact_mut(LANES);
        let mut cs = reference.chunks_exact(LANES);
        for (l, c) in (&mut ls).zip(&mut cs) {
            for i in 0..LANES {
                let e = if l[i] == f64::NEG_INFINITY {
                    0.0
                } else {
                    l[i] - c[i]
                };
                l[i] = e;
                squares[i] += e * e;
            }
        }
        for (i, (l, &c)) in ls
            .into_remainder()
            .iter_mut()
            .zip(cs.remainder())
            .enumerate()
        {
            let e = if *l == f64::NEG_INFINITY { 0.0 } else { *l - c };
            *l = e;
            squares[i] += e * e;
        }
        combine(squares).sqrt()
    }

    #[inline(always)]
    pub(super) fn centered_sums(
        values: &[f64],
        logs: &mut [f64],
        reference: &[f64],
    ) -> super::CenteredSums {
        // Lanes of the compensated Σ v e, Σ v |e|, Σ v c (and their errors) and the plain Σ v²,
        // Σ e²: separate local arrays, so that each stays in one vector register.
        let (mut own, mut own_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut abs, mut abs_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut refs, mut refs_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut norm, mut log_norm) = ([0.0; LANES], [0.0; LANES]);
        let n = values.len();
        let whole = n - n % LANES;
        let mut block = |v: [f64; LANES], l: &mut [f64], c: [f64; LANES], lanes: usize| {
            for i in 0..lanes {
                let e = if l[i] == f64::NEG_INFINITY {
                    0.0
                } else {
                    l[i] - c[i]
                };
                l[i] = e;
                two_sum(&mut own[i], &mut own_error[i], v[i] * e);
                two_sum(&mut abs[i], &mut abs_error[i], v[i] * e.abs());
                two_sum(&mut refs[i], &mut refs_error[i], v[i] * c[i]);
                norm[i] += v[i] * v[i];
                log_norm[i] += e * e;
            }
        };
        for start in (0..whole).step_by(LANES) {
            let (v, c) = (load(&values[start..]), load(&reference[start..]));
            block(v, &mut logs[start..start + LANES], c, LANES);
        }
        if whole < n {
            let (mut v, mut c) = ([0.0; LANES], [0.0; LANES]);
            v[..n - whole].copy_from_slice(&values[whole..]);
            c[..n - whole].copy_from_slice(&reference[whole..n]);
            block(v, &mut logs[whole..n], c, n - whole);
        }
        super::CenteredSums {
            own: two_sum_lanes(own, own_error),
            own_abs: two_sum_lanes(abs, abs_error),
            reference: two_sum_lanes(refs, refs_error),
            norm: combine(norm).sqrt(),
            log_norm: combine(log_norm).sqrt(),
        }
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

/// The kernels compiled for one set of target features.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
macro_rules! compiled_for {
    ($module:ident, $features:tt) => {
        mod $module {
            use super::body;

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn ln_slice(x: &[f64], out: &mut [f64]) {
                body::ln_slice(x, out);
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn sum_xlogx(p: &[f64]) -> f64 {
                body::sum_xlogx(p)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn sum_xlogx_of_sum(p: &[f64], q: &[f64]) -> f64 {
                body::sum_xlogx_of_sum(p, q)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn sum_abs_diff(p: &[f64], q: &[f64]) -> f64 {
                body::sum_abs_diff(p, q)
            }
            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn checked_sum(row: &[f64]) -> (f64, bool) {
                body::checked_sum(row)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn divide_into(
                row: &[f64],
                first: f64,
                second: f64,
                out: &mut [f64],
            ) -> bool {
                body::divide_into(row, first, second, out)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]) {
                body::column_extremes(logs, lo, hi)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64 {
                body::center_logs(logs, reference)
            }

            /// # Safety
            /// The CPU must support the module's target features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn centered_sums(
                values: &[f64],
                logs: &mut [f64],
                reference: &[f64],
            ) -> super::CenteredSums {
                body::centered_sums(values, logs, reference)
            }
        }
    };
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
compiled_for!(avx2, "avx2");
// `avx512f` as a `target_feature` is stable since Rust 1.89.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
compiled_for!(avx512, "avx512f");

/// Runs `$kernel($args)` compiled for `$level`, which must be available: a value of [`level`]
/// or of [`Level::usable`].
macro_rules! dispatch {
    ($level:expr, $kernel:ident($($arg:expr),*)) => {
        match $level {
            // SAFETY: `level()` and `usable()` return only levels whose target features the CPU
            // was detected to have.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx512 => unsafe { avx512::$kernel($($arg),*) },
            // SAFETY: as above.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx2 => unsafe { avx2::$kernel($($arg),*) },
            _ => body::$kernel($($arg),*),
        }
    };
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
/// [`table`](self::table) on AVX-512, the lane kernels elsewhere.
fn xlogx_at(level: Level, p: &[f64], q: Option<&[f64]>) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx512 {
        // SAFETY: `level` is available, so the CPU has AVX-512F.
        if let Some(sum) = unsafe { table::sum_xlogx(p, q) } {
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
/// all the rows (the terms are accurate to about 1e-16 · (1 + |ln s|) · s: see `table.rs`);
/// elsewhere [`sum_xlogx_of_sum`] runs per row.
///
/// # Panics
/// If `rows` does not hold `out.len()` rows of `p.len()` values.
pub fn sums_xlogx_of_sum(p: &[f64], rows: &[f64], out: &mut [f64]) {
    assert_eq!(rows.len(), p.len() * out.len(), "sums_xlogx_of_sum: rows");
    #[cfg(target_arch = "x86_64")]
    if level() == Level::Avx512 {
        // SAFETY: the level is available, so the CPU has AVX-512F.
        unsafe { table::sums_xlogx_of_sum(p, rows, out) };
        return;
    }
    for (o, q) in out.iter_mut().zip(rows.chunks_exact(p.len().max(1))) {
        *o = sum_xlogx_of_sum(p, q);
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

/// `(Σ w, bad)` over a row of weights, `bad` when some weight is not finite and `≥ 0` (`NaN`,
/// infinite or negative). The sum keeps [`LANES`] partial sums (element `k` in lane `k mod 8`,
/// combined in the fixed tree), so its bits are the same at every level.
#[must_use]
pub fn checked_sum(row: &[f64]) -> (f64, bool) {
    dispatch!(level(), checked_sum(row))
}

/// `out[k] = row[k] / first` (then `/ second` unless `second` is 1; IEEE division, the same bits at
/// every level); returns whether some `out[k]` is 0.
///
/// # Panics
/// If `row` and `out` differ in length.
pub fn divide_into(row: &[f64], first: f64, second: f64, out: &mut [f64]) -> bool {
    assert_eq!(
        row.len(),
        out.len(),
        "divide_into: input and output lengths"
    );
    dispatch!(level(), divide_into(row, first, second, out))
}

/// Column by column, lowers `lo` to the finite logarithms of `logs` and raises `hi` to all of
/// them; `−∞` (the logarithm of an absent outcome) never lowers `lo`.
///
/// # Panics
/// If the lengths differ.
pub fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]) {
    assert!(
        logs.len() == lo.len() && logs.len() == hi.len(),
        "column_extremes: lengths"
    );
    dispatch!(level(), column_extremes(logs, lo, hi));
}

/// The sums of one row of values `v` over centred logarithms `e = ln v − c` (see
/// [`centered_sums`]); the first three are compensated (as accurate as in twice the precision).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CenteredSums {
    /// `Σ v e`.
    pub own: f64,
    /// `Σ v |e|`.
    pub own_abs: f64,
    /// `Σ v c`.
    pub reference: f64,
    /// `‖v‖₂`.
    pub norm: f64,
    /// `‖e‖₂`.
    pub log_norm: f64,
}

/// Centres a row of logarithms in place like [`centered_sums`] and returns only the norm `‖e‖₂`
/// of the centred row.
///
/// # Panics
/// If the lengths differ.
pub fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64 {
    assert_eq!(logs.len(), reference.len(), "center_logs: lengths");
    dispatch!(level(), center_logs(logs, reference))
}

/// Centres a row of logarithms in place, `logs[k] ← ln v_k − reference[k]`, with `−∞` (the
/// logarithm of `v_k = 0`) becoming 0, and returns the row's [`CenteredSums`]. The same bits at
/// every level.
///
/// # Panics
/// If the lengths differ.
pub fn centered_sums(values: &[f64], logs: &mut [f64], reference: &[f64]) -> CenteredSums {
    assert!(
        values.len() == logs.len() && values.len() == reference.len(),
        "centered_sums: lengths"
    );
    dispatch!(level(), centered_sums(values, logs, reference))
}

// ---------------------------------------------------------------------------------------------
// Population counts: integers, so every path returns the same count.

/// `Σ popcount(a_k & b_k)` over the common length of `a` and `b` (the rows two bit-packed binary
/// columns share), with the CPU's `popcnt` instruction when it has one and `FASTINFO_SIMD` is not
/// `scalar` (detected once); the baseline x86-64 has no population count instruction.
#[must_use]
pub fn and_popcount(a: &[u64], b: &[u64]) -> u64 {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        static POPCNT: OnceLock<bool> = OnceLock::new();
        let hardware =
            *POPCNT.get_or_init(|| level() != Level::Scalar && is_x86_feature_detected!("popcnt"));
        if hardware {
            // SAFETY: the CPU was detected to support `popcnt`.
            return unsafe { and_popcount_popcnt(a, b) };
        }
    }
    and_popcount_body(a, b)
}

#[inline(always)]
fn and_popcount_body(a: &[u64], b: &[u64]) -> u64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    // Four independent accumulators so consecutive counts do not wait on each other.
    let mut acc = [0u64; 4];
    let (mut ca, mut cb) = (a.chunks_exact(4), b.chunks_exact(4));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..4 {
            acc[k] += u64::from((x[k] & y[k]).count_ones());
        }
    }
    let tail: u64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| u64::from((x & y).count_ones()))
        .sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// # Safety
/// The CPU must support `popcnt`.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[target_feature(enable = "popcnt")]
unsafe fn and_popcount_popcnt(a: &[u64], b: &[u64]) -> u64 {
    and_popcount_body(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ulps, SplitMix};

    /// Positive test values: random bit patterns over the whole finite range (subnormals
    /// included), random subnormals, values near 1, in (0, 2), every power of two and the ends.
    fn positive_values() -> Vec<f64> {
        let mut rng = SplitMix(0x5eed);
        let mut values = Vec::new();
        for _ in 0..1_000_000 {
            values.push(f64::from_bits(1 + rng.next() % 0x7fef_ffff_ffff_ffff));
        }
        for _ in 0..100_000 {
            values.push(f64::from_bits(1 + rng.next() % 0x000f_ffff_ffff_ffff));
            values.push(1.0 + (rng.unit() - 0.5) * 1e-3);
            values.push(1.0 + (rng.unit() - 0.5) * 0.9);
            values.push(2.0 * rng.unit() + f64::MIN_POSITIVE);
        }
        for step in 1..10_000u64 {
            values.push(f64::from_bits(1.0f64.to_bits() + step));
            values.push(f64::from_bits(1.0f64.to_bits() - step));
        }
        for e in -1074..=1023 {
            values.push(2f64.powi(e));
        }
        values.extend([
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MAX,
            std::f64::consts::E,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
        ]);
        values
    }

    #[test]
    fn ln_is_within_one_ulp_and_every_level_is_bit_identical() {
        let values = positive_values();
        let mut worst = (0, 0.0);
        for &x in &values {
            let d = ulps(ln(x), x.ln());
            if d > worst.0 {
                worst = (d, x);
            }
        }
        assert!(worst.0 <= 1, "ln({:e}) is {} ulps off", worst.1, worst.0);
        let scalar: Vec<u64> = values.iter().map(|&x| ln(x).to_bits()).collect();
        let mut out = vec![0.0; values.len()];
        for level in Level::ALL {
            out.fill(0.0);
            ln_slice_with(level, &values, &mut out);
            let bits: Vec<u64> = out.iter().map(|y| y.to_bits()).collect();
            assert!(bits == scalar, "ln_slice at {level:?} differs from ln");
        }
        ln_slice(&values, &mut out);
        assert!(out.iter().zip(&scalar).all(|(y, &b)| y.to_bits() == b));
    }

    #[test]
    fn ln_edge_classes_are_exact() {
        let tiny = f64::from_bits(1);
        let largest_subnormal = f64::from_bits(0x000f_ffff_ffff_ffff);
        let cases = [
            (1.0, 0.0),
            (0.0, f64::NEG_INFINITY),
            (-0.0, f64::NEG_INFINITY),
            (f64::INFINITY, f64::INFINITY),
            (f64::NAN, f64::NAN),
            (-f64::NAN, f64::NAN),
            (-1.0, f64::NAN),
            (-tiny, f64::NAN),
            (-f64::MAX, f64::NAN),
            (f64::NEG_INFINITY, f64::NAN),
            (tiny, tiny.ln()),
            (largest_subnormal, largest_subnormal.ln()),
            (f64::MAX, f64::MAX.ln()),
        ];
        for level in Level::ALL {
            // Every position of a block and of the ragged tail sees every case.
            let inputs: Vec<f64> = (0..3 * LANES + 3)
                .flat_map(|_| cases.iter().map(|c| c.0))
                .collect();
            let mut out = vec![0.0; inputs.len()];
            ln_slice_with(level, &inputs, &mut out);
            for ((&x, &y), &(_, want)) in inputs.iter().zip(&out).zip(cases.iter().cycle()) {
                assert_eq!(y.to_bits(), ln(x).to_bits(), "{level:?}: ln({x})");
                if want.is_nan() {
                    assert!(y.is_nan(), "{level:?}: ln({x}) = {y}");
                } else if want.is_finite() && want != 0.0 {
                    assert!(ulps(y, want) <= 1, "{level:?}: ln({x:e}) = {y}");
                } else {
                    assert_eq!(y.to_bits(), want.to_bits(), "{level:?}: ln({x}) = {y}");
                }
            }
        }
        assert_eq!(ln(1.0).to_bits(), 0);
        for x in [tiny, largest_subnormal, f64::MIN_POSITIVE, f64::MAX] {
            assert!(ulps(ln(x), x.ln()) <= 1, "ln({x:e})");
        }
    }

    const LENGTHS: [usize; 20] = [
        0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 255, 256, 257, 1000, 1023, 4099,
    ];

    /// Weights in [0, 1) with about one zero in five, and now and then a subnormal or a large one.
    fn weights(rng: &mut SplitMix, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| match rng.next() % 50 {
                0..=9 => 0.0,
                10 => f64::from_bits(1 + rng.next() % 0x000f_ffff_ffff_ffff),
                11 => 1e6 * rng.unit(),
                _ => rng.unit(),
            })
            .collect()
    }

    #[test]
    fn every_level_gives_the_same_bits() {
        let mut rng = SplitMix(7);
        for n in LENGTHS {
            for _ in 0..4 {
                let p = weights(&mut rng, n);
                let q = weights(&mut rng, n);
                let xlogx = sum_xlogx_of_sum_with(Level::Scalar, &p, &q).to_bits();
                let single = sum_xlogx_with(Level::Scalar, &p).to_bits();
                let abs = sum_abs_diff_with(Level::Scalar, &p, &q).to_bits();
                let mut logs = vec![0.0; n];
                ln_slice_with(Level::Scalar, &p, &mut logs);
                for level in Level::ALL {
                    if level == Level::Avx512 {
                        // The division-free table kernel (`table.rs`): a few ulps of the terms.
                        let scale = |x: &[f64], y: &[f64]| {
                            x.iter()
                                .zip(y)
                                .map(|(a, b)| a + b)
                                .filter(|&s| s > 0.0)
                                .map(|s| s * (1.0 + s.ln().abs()))
                                .sum::<f64>()
                        };
                        let zeros = vec![0.0; n];
                        let close = |got: f64, want: u64, bound: f64| {
                            let diff = (got - f64::from_bits(want)).abs();
                            assert!(diff <= bound * (8.0 * f64::EPSILON), "{got:e} vs {want}");
                        };
                        close(sum_xlogx_of_sum_with(level, &p, &q), xlogx, scale(&p, &q));
                        close(sum_xlogx_with(level, &p), single, scale(&p, &zeros));
                    } else {
                        assert_eq!(
                            sum_xlogx_of_sum_with(level, &p, &q).to_bits(),
                            xlogx,
                            "{level:?}, n = {n}"
                        );
                        assert_eq!(sum_xlogx_with(level, &p).to_bits(), single);
                    }
                    assert_eq!(sum_abs_diff_with(level, &p, &q).to_bits(), abs);
                    let mut out = vec![0.0; n];
                    ln_slice_with(level, &p, &mut out);
                    assert!(out
                        .iter()
                        .zip(&logs)
                        .all(|(a, b)| a.to_bits() == b.to_bits()));
                }
                assert_eq!(sum_abs_diff(&p, &q).to_bits(), abs);
            }
        }
    }

    #[test]
    fn reductions_match_a_naive_loop() {
        let mut rng = SplitMix(11);
        let xlogx = |s: f64| if s == 0.0 { 0.0 } else { s * s.ln() };
        for n in LENGTHS {
            for _ in 0..4 {
                let p = weights(&mut rng, n);
                let q = weights(&mut rng, n);
                let terms: Vec<f64> = p.iter().zip(&q).map(|(a, b)| xlogx(a + b)).collect();
                let naive: f64 = terms.iter().sum();
                let scale: f64 = terms.iter().map(|t| t.abs()).sum();
                let got = sum_xlogx_of_sum(&p, &q);
                assert!(
                    (got - naive).abs() <= 1e-14 * scale,
                    "n = {n}: {got} vs {naive}"
                );

                let naive: f64 = p.iter().map(|&a| xlogx(a)).sum();
                let scale: f64 = p.iter().map(|&a| xlogx(a).abs()).sum();
                let got = sum_xlogx(&p);
                assert!(
                    (got - naive).abs() <= 1e-14 * scale,
                    "n = {n}: {got} vs {naive}"
                );

                let naive: f64 = p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum();
                let got = sum_abs_diff(&p, &q);
                assert!(
                    (got - naive).abs() <= 1e-14 * naive,
                    "n = {n}: {got} vs {naive}"
                );
            }
        }
        // Normalised 256-bin rows, the Jensen–Shannon workload.
        for _ in 0..100 {
            let mut p = weights(&mut rng, 256);
            let mut q = weights(&mut rng, 256);
            for row in [&mut p, &mut q] {
                let total: f64 = row.iter().sum();
                for w in row.iter_mut() {
                    *w /= total;
                }
            }
            let naive: f64 = p.iter().zip(&q).map(|(a, b)| xlogx(a + b)).sum();
            let got = sum_xlogx_of_sum(&p, &q);
            assert!(
                (got - naive).abs() <= 1e-14 * naive.abs(),
                "{got} vs {naive}"
            );
        }
    }

    #[test]
    fn reduction_conventions() {
        for level in Level::ALL {
            assert_eq!(sum_xlogx_of_sum_with(level, &[], &[]).to_bits(), 0);
            assert_eq!(
                sum_xlogx_of_sum_with(level, &[0.0; 9], &[0.0; 9]).to_bits(),
                0
            );
            assert_eq!(sum_xlogx_with(level, &[1.0; 17]).to_bits(), 0);
            assert_eq!(
                sum_xlogx_of_sum_with(level, &[0.5; 3], &[0.5; 3]).to_bits(),
                0
            );
            let half = 0.5 * 0.5f64.ln();
            let bits = |x: f64| x.to_bits();
            let near = (sum_xlogx_with(level, &[0.5, 0.0, 0.5]) - (half + half)).abs();
            assert!(near <= 4.0 * f64::EPSILON, "{level:?}");
            assert_eq!(
                bits(sum_abs_diff_with(level, &[1.0, 0.0, 2.5], &[0.0, 1.0, 0.5])),
                bits(4.0)
            );
            assert_eq!(
                bits(sum_xlogx_of_sum_with(level, &[f64::MAX], &[f64::MAX])),
                bits(f64::INFINITY)
            );
            assert_eq!(
                bits(sum_xlogx_with(level, &[f64::INFINITY])),
                bits(f64::INFINITY)
            );
            assert_eq!(bits(sum_xlogx_with(level, &[-0.0, 0.0])), 0);
            for bad in [-1.0, -f64::from_bits(1), f64::NAN, f64::NEG_INFINITY] {
                assert!(
                    sum_xlogx_with(level, &[0.5, bad]).is_nan(),
                    "{level:?}: {bad}"
                );
            }
        }
        // Each term is `s * ln(s)`, bit for bit, whatever the lane.
        let mut rng = SplitMix(3);
        let values = weights(&mut rng, 10_000);
        for (i, &s) in values.iter().enumerate() {
            let mut row = [0.0; 11];
            row[i % 11] = s;
            let want = if s == 0.0 { 0.0 } else { s * ln(s) };
            for level in Level::ALL {
                let got = sum_xlogx_with(level, &row);
                if level == Level::Avx512 && s > 0.0 {
                    let bound = s * (1.0 + s.ln().abs()) * (4.0 * f64::EPSILON);
                    assert!((got - want).abs() <= bound, "{s:e}: {got:e} vs {want:e}");
                } else {
                    assert_eq!(got.to_bits(), want.to_bits());
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "lengths")]
    fn mismatched_lengths_panic() {
        let _ = sum_xlogx_of_sum(&[1.0, 2.0], &[1.0]);
    }

    #[test]
    fn level_choice_never_exceeds_the_cpu() {
        let best = Level::best_available();
        assert!(best.is_available());
        assert!(Level::Scalar.is_available());
        assert_eq!(choose(None), best);
        assert_eq!(choose(Some("no such level")), best);
        assert_eq!(choose(Some("")), best);
        assert_eq!(choose(Some("scalar")), Level::Scalar);
        assert_eq!(choose(Some(" AVX2 ")), Level::Avx2.min(best));
        assert_eq!(choose(Some("avx512")), best);
        for level in Level::ALL {
            assert_eq!(choose(Some(level.name())), level.min(best));
            assert!(level.usable().is_available());
            assert!(level.usable() <= level);
        }
        assert!(level().is_available());
        eprintln!(
            "simd levels on this CPU: best {best:?}, dispatched {:?}",
            level()
        );
    }

    #[test]
    fn and_popcount_paths_agree() {
        let a: Vec<u64> = (0..1001u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let b: Vec<u64> = (0..1003u64)
            .map(|i| i.wrapping_mul(0xBF58_476D_1CE4_E5B9))
            .collect();
        let expected: u64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| u64::from((x & y).count_ones()))
            .sum();
        assert_eq!(and_popcount(&a, &b), expected);
        assert_eq!(and_popcount_body(&a, &b), expected);
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if is_x86_feature_detected!("popcnt") {
            // SAFETY: detected just above.
            assert_eq!(unsafe { and_popcount_popcnt(&a, &b) }, expected);
        }
    }

    /// The row kernels of the pairwise preparation at every level: the same bits, and the
    /// values of a naive loop.
    #[test]
    #[allow(clippy::float_cmp)] // exact results are expected
    fn row_kernels_match_a_naive_loop_at_every_level() {
        let mut rng = SplitMix(23);
        for n in LENGTHS {
            for _ in 0..3 {
                let w = weights(&mut rng, n);
                let mut lanes = [0.0; LANES];
                for (i, &x) in w.iter().enumerate() {
                    lanes[i % LANES] += x;
                }
                let naive = combine(lanes);
                let sums: Vec<(f64, bool)> = Level::ALL
                    .iter()
                    .map(|&l| dispatch!(l.usable(), checked_sum(&w)))
                    .collect();
                for &(sum, bad) in &sums {
                    assert_eq!((sum.to_bits(), bad), (naive.to_bits(), false), "n = {n}");
                }
                for bad_value in [f64::NAN, f64::INFINITY, -1.0, f64::NEG_INFINITY] {
                    if n == 0 {
                        continue;
                    }
                    let mut v = w.clone();
                    v[(rng.next() as usize) % n] = bad_value;
                    for l in Level::ALL {
                        assert!(
                            dispatch!(l.usable(), checked_sum(&v)).1,
                            "{bad_value} at n = {n}"
                        );
                    }
                }

                let total = naive.max(f64::MIN_POSITIVE);
                for second in [1.0, 3.0] {
                    let expected: Vec<f64> = w
                        .iter()
                        .map(|&x| {
                            if second == 1.0 {
                                x / total
                            } else {
                                (x / total) / second
                            }
                        })
                        .collect();
                    for l in Level::ALL {
                        let mut out = vec![f64::NAN; n];
                        let zero = dispatch!(l.usable(), divide_into(&w, total, second, &mut out));
                        assert_eq!(zero, expected.contains(&0.0), "n = {n}");
                        assert!(out
                            .iter()
                            .zip(&expected)
                            .all(|(a, b)| a.to_bits() == b.to_bits()));
                    }
                }

                let mut logs = vec![0.0; n];
                ln_slice(&w, &mut logs);
                let (mut lo, mut hi) = (vec![1.0; n], vec![-50.0; n]);
                column_extremes(&logs, &mut lo, &mut hi);
                for c in 0..n {
                    let finite = if w[c] > 0.0 { logs[c] } else { f64::INFINITY };
                    assert_eq!(lo[c], finite.min(1.0), "n = {n}, column {c}");
                    assert_eq!(hi[c], logs[c].max(-50.0), "n = {n}, column {c}");
                }

                let reference: Vec<f64> = (0..n).map(|_| -10.0 * rng.unit()).collect();
                let centred: Vec<f64> = logs
                    .iter()
                    .zip(&reference)
                    .map(|(&l, &c)| if l == f64::NEG_INFINITY { 0.0 } else { l - c })
                    .collect();
                let dot = |f: &dyn Fn(usize) -> f64| -> (f64, f64) {
                    let terms: Vec<f64> = (0..n).map(f).collect();
                    (terms.iter().sum(), terms.iter().map(|t| t.abs()).sum())
                };
                let (own, own_scale) = dot(&|c| w[c] * centred[c]);
                let (own_abs, _) = dot(&|c| w[c] * centred[c].abs());
                let (refs, refs_scale) = dot(&|c| w[c] * reference[c]);
                let norm = dot(&|c| w[c] * w[c]).0.sqrt();
                let log_norm = dot(&|c| centred[c] * centred[c]).0.sqrt();
                let mut results = Vec::new();
                for l in Level::ALL {
                    let mut e = logs.clone();
                    let sums = dispatch!(l.usable(), centered_sums(&w, &mut e, &reference));
                    assert_eq!(e, centred, "n = {n}");
                    let mut e = logs.clone();
                    let only = dispatch!(l.usable(), center_logs(&mut e, &reference));
                    assert_eq!(e, centred, "n = {n}");
                    assert_eq!(only.to_bits(), sums.log_norm.to_bits());
                    results.push(sums);
                }
                assert!(results.iter().all(|r| *r == results[0]), "n = {n}");
                let r = results[0];
                let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-14 * scale.max(1e-300);
                assert!(close(r.own, own, own_scale), "n = {n}: {} vs {own}", r.own);
                assert!(close(r.own_abs, own_abs, own_abs), "n = {n}");
                assert!(close(r.reference, refs, refs_scale), "n = {n}");
                assert!(close(r.norm, norm, norm) && close(r.log_norm, log_norm, log_norm));
            }
        }
    }

    /// The block kernel of the pairwise Jensen–Shannon loop against the scalar per-row sum, on
    /// rows with zeros, subnormals, exact ones and every length: within the error the pairwise
    /// bound allows for it (3.3e-17 · Σ|s ln s| + 1.5e-16 · Σ s, see `table.rs`) plus summation.
    #[test]
    fn block_xlogx_sums_match_the_scalar_sum() {
        let mut rng = SplitMix(31);
        for n in LENGTHS {
            if n == 0 {
                continue;
            }
            let p = weights(&mut rng, n);
            let mut rows = Vec::new();
            for r in 0..9 {
                let mut q = weights(&mut rng, n);
                match r {
                    0 => q.clone_from(&p),
                    1 => q.iter_mut().for_each(|v| *v = 0.0),
                    2 => {
                        // p + q = 1 exactly where p < 1.
                        for (v, &a) in q.iter_mut().zip(&p) {
                            *v = if a < 1.0 { 1.0 - a } else { 0.0 };
                        }
                    }
                    3 => q.iter_mut().for_each(|v| *v *= 1e-310),
                    _ => {}
                }
                rows.extend(q);
            }
            let mut got = vec![f64::NAN; 9];
            sums_xlogx_of_sum(&p, &rows, &mut got);
            for (j, q) in rows.chunks_exact(n).enumerate() {
                let terms: Vec<f64> = p
                    .iter()
                    .zip(q)
                    .map(|(a, b)| {
                        let s = a + b;
                        if s == 0.0 {
                            0.0
                        } else {
                            s * s.ln()
                        }
                    })
                    .collect();
                let exact: f64 = terms.iter().sum();
                let magnitude: f64 = terms.iter().map(|t| t.abs()).sum();
                let mass: f64 = p.iter().zip(q).map(|(a, b)| a + b).sum();
                let allowed =
                    (3.3e-17 + (n as f64 + 16.0) * f64::EPSILON) * magnitude + 1.5e-16 * mass;
                assert!(
                    (got[j] - exact).abs() <= allowed,
                    "n = {n}, row {j}: {} vs {exact} (allowed {allowed})",
                    got[j]
                );
                let per_row = sum_xlogx_of_sum_with(Level::Scalar, &p, q);
                assert!((got[j] - per_row).abs() <= 2.0 * allowed);
            }
        }
    }
}
