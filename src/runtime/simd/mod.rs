//! The one place for runtime-dispatched vector kernels: a vectorised natural log and the per-pair
//! reductions of the pairwise divergences ([`log`](self::log), [`rows`](self::rows), `table`), the
//! exponential and log-sum-exp of the losses ([`exp`](self::exp)), and the range and binning
//! passes of the histograms ([`bins`](self::bins)).
//!
//! # Levels
//! Each kernel is one `#[inline(always)]` body written on arrays of [`LANES`] `f64` lanes in a
//! module named `body`, compiled three times by [`multiversion!`]: for the baseline x86-64 (SSE2, or
//! whatever the build targets elsewhere), under `#[target_feature(enable = "avx2,fma")]` and under
//! `#[target_feature(enable = "avx512f,avx2,fma")]`; [`dispatch!`] runs the variant of a level.
//! Every kernel module uses these two macros, so `FASTINFO_SIMD` reaches every kernel the same way.
//! The crate is never built with `target-cpu=native` or global target features; [`level`] picks
//! the best compiled variant the CPU supports, once, at run time. The environment variable
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

pub mod bins;
pub mod exp;
mod log;
mod rows;
#[cfg(target_arch = "x86_64")]
mod table;

pub(crate) use log::sums_xlogx_of_sum;
pub use log::{
    ln, ln_slice, ln_slice_with, sum_abs_diff, sum_abs_diff_with, sum_xlogx, sum_xlogx_of_sum,
    sum_xlogx_of_sum_with, sum_xlogx_with, sums_xlogx_of_sum_with,
};
pub(crate) use rows::{
    center_logs, centered_sums, checked_sum, column_extremes, divide_into, CenteredSums,
};

/// Partial sums kept by every reduction, whatever the vector width.
pub const LANES: usize = 8;

/// A compiled variant of the kernels, from the baseline to the widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Baseline code for the build target (SSE2 on x86-64): runs anywhere.
    Scalar,
    /// 256-bit vectors (`avx2`, with `fma`, which every AVX2 processor has).
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
            Level::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Level::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
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

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type the kernels read: `f32` or `f64`, widened to `f64` exactly.
/// Sealed: the vector kernels rely on these two layouts.
pub trait Float:
    sealed::Sealed
    + Copy
    + Default
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + Send
    + Sync
    + 'static
{
    /// Whether the type is `f32` (else `f64`).
    const IS_F32: bool;
    /// Machine epsilon of the type, as `f64`.
    const EPSILON: f64;
    /// `0`.
    const ZERO: Self;
    /// `+∞`.
    const INFINITY: Self;
    /// `−∞`.
    const NEG_INFINITY: Self;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// `true` unless NaN or ±∞.
    fn is_finite(self) -> bool;
}

macro_rules! float {
    ($t:ident, $is_f32:literal) => {
        impl Float for $t {
            const IS_F32: bool = $is_f32;
            const EPSILON: f64 = $t::EPSILON as f64;
            const ZERO: Self = 0.0;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
        }
    };
}
float!(f32, true);
float!(f64, false);

/// One block of [`LANES`] values, widened to `f64`.
#[inline(always)]
fn load<T: Float>(chunk: &[T]) -> [f64; LANES] {
    std::array::from_fn(|i| chunk[i].to_f64())
}

/// The fixed combination of the lane sums: `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`.
#[inline(always)]
fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// Compiles the kernels of the sibling module `body` for the wider levels.
///
/// ```text
/// multiversion! {
///     fn ln_slice(x: &[f64], out: &mut [f64]);
///     fn row_max[T: Float](row: &[T]) -> f64;
/// }
/// ```
/// declares the modules `avx2` and `avx512`, each holding an `unsafe` wrapper of every listed
/// kernel compiled under that level's target features (generics in square brackets). [`dispatch!`]
/// calls them. Only x86 has wider levels; elsewhere the macro declares nothing.
macro_rules! multiversion {
    ($(fn $name:ident $([$($generics:tt)*])? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)+) => {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        $crate::runtime::simd::multiversion!(@level avx2, "avx2,fma";
            $(fn $name $([$($generics)*])? ($($arg: $ty),*) $(-> $ret)?;)+);
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        $crate::runtime::simd::multiversion!(@level avx512, "avx512f,avx2,fma";
            $(fn $name $([$($generics)*])? ($($arg: $ty),*) $(-> $ret)?;)+);
    };
    (@level $module:ident, $features:literal;
        $(fn $name:ident $([$($generics:tt)*])? ($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)+) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                /// # Safety
                /// The CPU must support the module's target features.
                #[target_feature(enable = $features)]
                pub(super) unsafe fn $name $(<$($generics)*>)? ($($arg: $ty),*) $(-> $ret)? {
                    super::body::$name($($arg),*)
                }
            )+
        }
    };
}
pub(crate) use multiversion;

/// Runs `$kernel($args)` compiled for `$level` (from the caller's `body`, `avx2` and `avx512`
/// modules, see [`multiversion!`]). `$level` must be available: a value of [`level`] or of
/// [`Level::usable`].
macro_rules! dispatch {
    ($level:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $level {
            // SAFETY: `level()` and `usable()` return only levels whose target features the CPU
            // was detected to have.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            $crate::runtime::simd::Level::Avx512 => unsafe { avx512::$kernel($($arg),*) },
            // SAFETY: as above.
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            $crate::runtime::simd::Level::Avx2 => unsafe { avx2::$kernel($($arg),*) },
            _ => body::$kernel($($arg),*),
        }
    };
}
pub(crate) use dispatch;

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
