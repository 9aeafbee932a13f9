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
//! table kernels of [`table`] (within a few ulps of the terms, or 3.2e-16 · (1 + |ln s|) · s for
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

mod rows;
pub(crate) use rows::{
    center_logs, centered_sums, checked_sum, column_extremes, divide_into, CenteredSums,
};

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
        unsafe { table::sums_xlogx_of_sum(p, rows, out) };
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
mod tests;
