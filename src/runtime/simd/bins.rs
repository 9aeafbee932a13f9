//! The two passes of the histogram binning: the range (minimum, maximum, all finite) of a chunk of
//! samples, and the branch-free arithmetic guess of every sample's bin for near-uniform edges.
//! Min and max are exact and the guess is the same arithmetic at every level, so every level
//! gives the same results.

use super::{dispatch, multiversion, Float, Level};

/// Lanes of the range pass.
const RANGE_LANES: usize = 16;

/// An integer type that holds bin indices: `u8`, `u16` or `u32`.
pub trait BinLabel: Copy + Default + Send + Sync + 'static {
    /// Largest number of bins whose indices fit.
    const MAX_BINS: usize;
    /// The label of bin `bin` (`bin < MAX_BINS`).
    fn from_bin(bin: usize) -> Self;
    /// The label of bin `bin` (`0 <= bin < MAX_BINS`), from the `i32` of the vectorised pass.
    fn from_i32(bin: i32) -> Self;
}

macro_rules! bin_label {
    ($($t:ty),*) => {$(
        impl BinLabel for $t {
            const MAX_BINS: usize = <$t>::MAX as usize + 1;
            #[inline(always)]
            fn from_bin(bin: usize) -> Self {
                bin as $t
            }
            #[inline(always)]
            fn from_i32(bin: i32) -> Self {
                bin as $t
            }
        }
    )*};
}

bin_label!(u8, u16, u32);

/// The constants of the arithmetic guess (see `Edges::new` in the binning module); `bins < 2³¹`.
pub struct Guess {
    /// The first edge `e_0`.
    pub lo: f64,
    /// `B / (e_B − e_0)`.
    pub scale: f64,
    /// How far from an integer a guess must be to be trusted.
    pub margin: f64,
    /// The number of bins `B`, as `f64`.
    pub bins: f64,
}

/// The kernels, written once and compiled for each level.
mod body {
    use super::{BinLabel, Float, Guess, RANGE_LANES};

    /// `(min, max, all finite)` in [`RANGE_LANES`] independent lanes (which the compiler vectorises).
    #[inline(always)]
    pub(super) fn range<T: Float>(values: &[T]) -> (T, T, bool) {
        let mut lo = [T::INFINITY; RANGE_LANES];
        let mut hi = [T::NEG_INFINITY; RANGE_LANES];
        // `v − v` is 0 for a finite `v` and NaN for NaN or ±∞; the NaN sticks in the sum.
        let mut probe = [T::ZERO; RANGE_LANES];
        let mut blocks = values.chunks_exact(RANGE_LANES);
        for block in &mut blocks {
            for k in 0..RANGE_LANES {
                let v = block[k];
                lo[k] = if v < lo[k] { v } else { lo[k] };
                hi[k] = if v > hi[k] { v } else { hi[k] };
                #[allow(clippy::eq_op)] // `v − v` on purpose: 0, or NaN for a non-finite `v`
                {
                    probe[k] = probe[k] + (v - v);
                }
            }
        }
        let mut all_finite = probe.iter().all(|&p| p == T::ZERO);
        for &v in blocks.remainder() {
            lo[0] = if v < lo[0] { v } else { lo[0] };
            hi[0] = if v > hi[0] { v } else { hi[0] };
            all_finite &= v.is_finite();
        }
        let min = lo
            .iter()
            .fold(T::INFINITY, |acc, &v| if v < acc { v } else { acc });
        let max = hi
            .iter()
            .fold(T::NEG_INFINITY, |acc, &v| if v > acc { v } else { acc });
        (min, max, all_finite)
    }

    /// The guessed bin of every sample ([`bin_guessed`](super::bin_guessed)), compiled once per level. The guess is clamped to `[0, B]`
    /// before the conversion (a NaN becomes 0: the comparisons are written so that they compile to
    /// single `max`/`min` instructions), so every index fits; an index `B` has fraction 0 and is never
    /// trusted, so it needs no clamp (its block is redone). An untrusted sample is only flagged.
    #[inline(always)]
    #[allow(clippy::needless_bitwise_bool)] // branch-free on purpose: the loop vectorises
    pub(super) fn bin_guessed<T: Float, L: BinLabel>(
        values: &[T],
        guess: &Guess,
        out: &mut [L],
    ) -> bool {
        let mut untrusted = 0u32;
        for (&v, o) in values.iter().zip(out.iter_mut()) {
            let g = (v.to_f64() - guess.lo) * guess.scale;
            let g = if g > 0.0 { g } else { 0.0 };
            let g = if g < guess.bins { g } else { guess.bins };
            // SAFETY: `g` is in `[0, bins]` with `bins < 2³¹` (a NaN failed `g > 0`), so it is finite
            // and its integer part fits `i32`. (The saturating `as` does not vectorise below AVX-512.)
            let i: i32 = unsafe { g.to_int_unchecked() };
            let f = g - f64::from(i);
            let trusted = (f > guess.margin) & (f < 1.0 - guess.margin);
            untrusted |= u32::from(!trusted);
            *o = L::from_i32(i);
        }
        untrusted == 0
    }
}

multiversion! {
    fn range[T: Float](values: &[T]) -> (T, T, bool);
    fn bin_guessed[T: Float, L: BinLabel](values: &[T], guess: &Guess, out: &mut [L]) -> bool;
}

/// `(min, max, all finite)` of `values` at `level` (a value of [`level`](super::level) or
/// [`Level::usable`]).
pub fn range<T: Float>(level: Level, values: &[T]) -> (T, T, bool) {
    dispatch!(level, range(values))
}

/// The guessed bin of every sample of `values` into `out`, and whether every guess was trusted
/// (if not, the caller redoes the chunk by binary search), at `level` (a value of
/// [`level`](super::level) or [`Level::usable`]).
pub fn bin_guessed<T: Float, L: BinLabel>(
    level: Level,
    values: &[T],
    guess: &Guess,
    out: &mut [L],
) -> bool {
    dispatch!(level, bin_guessed(values, guess, out))
}
