//! The kernels of dense counting: the code pass (each sample's offset `value − min` in its
//! column's range, checked against the range, and the mixed-radix code of several columns) and
//! the counting loops that add codes into tables of `u32` counters.
//!
//! # How the counting engine uses them
//! A thread counts its part of the samples block by block (a few hundred samples, so that the
//! block, its codes and the table stay in L1): the code pass reads the block's labels and writes
//! one `u32` code per sample, or only checks the block when one column is counted straight from
//! its labels; the counting loop then adds the codes into the table. The range check rides on the
//! code pass, so a range guessed from a sample of the data costs no pass of its own: a block with
//! a value outside the guess makes the kernel return `false` and the caller falls back to exact
//! ranges.
//!
//! # Exact offsets in the labels' own width
//! Offsets are computed in the labels' width with wrapping arithmetic, `(v − min) mod 2^w` for a
//! `w`-bit type, so that a vector holds as many lanes as the labels allow. This is exact whenever
//! `min + card − 1` is a value of the type (the callers' ranges are ranges of observed values):
//! `v − min` lies in `(−2^w, 2^w)`; if `0 ≤ v − min < card` the offset is `v − min`; if
//! `v − min < 0` the offset is `2^w + v − min`, and `2^w + v − min < card` would need
//! `v < min + card − 2^w ≤ MAX + 1 − 2^w = MIN`, which no value is; if `v − min ≥ card` the
//! offset is `v − min` itself. So `offset < card` exactly when `v` lies in `[min, min + card)`.
//!
//! # Levels
//! The code pass is written once in `body` and compiled for each level by `multiversion!`
//! (integer arithmetic: every level returns the same codes and the same verdict). The counting
//! loops are scalar: a table increment is a load and a store at a data-dependent address, which
//! no vector instruction does faster here (AVX-512 conflict detection costs more than it saves on
//! tables that fit in L1).

use super::{dispatch, multiversion, Level};

mod sealed {
    pub trait Sealed {}
}

/// An integer type the code pass reads: `u8`..`u64`, `i8`..`i64`. Sealed.
pub trait Lane: sealed::Sealed + Copy + Send + Sync + 'static {
    /// Width of the type in bits.
    const BITS: u32;
    /// `(self − min) mod 2^w` as `u32` (the low 32 bits for 64-bit types) and whether it is below
    /// `card` (see the module documentation for why this is exact).
    fn offset(self, min: Self, card: u32) -> (u32, bool);
}

macro_rules! lane {
    ($($t:ty => $u:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Lane for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)] // one body for 8 to 64 bits
            fn offset(self, min: Self, card: u32) -> (u32, bool) {
                let o = (self as $u).wrapping_sub(min as $u);
                // Compared in the wider of the two types, so a full 8- or 16-bit range is
                // never mistaken for an empty one and 64-bit offsets are not truncated first.
                let inside = if <$t>::BITS > 32 {
                    (o as u64) < u64::from(card)
                } else {
                    (o as u32) < card
                };
                (o as u32, inside)
            }
        }
    )*};
}

lane!(u8 => u8, u16 => u16, u32 => u32, u64 => u64, i8 => u8, i16 => u16, i32 => u32, i64 => u64);

/// The code pass, written once and compiled for each level. Each kernel reads every sample (no
/// early exit, so the loop vectorises) and reports whether all were inside their ranges.
mod body {
    use super::Lane;

    /// Whether every offset of `x` from `min` is below `card`.
    #[inline(always)]
    pub(super) fn inside<T: Lane>(x: &[T], min: T, card: u32) -> bool {
        let mut outside = 0u32;
        for &v in x {
            outside |= u32::from(!v.offset(min, card).1);
        }
        outside == 0
    }

    /// `out[i] = x[i] − min`; whether every offset is below `card`.
    #[inline(always)]
    pub(super) fn codes<T: Lane>(x: &[T], min: T, card: u32, out: &mut [u32]) -> bool {
        let mut outside = 0u32;
        for (o, &v) in out.iter_mut().zip(x) {
            let (c, inside) = v.offset(min, card);
            *o = c;
            outside |= u32::from(!inside);
        }
        outside == 0
    }

    /// `out[i] = out[i] · card + (x[i] − min)` (one more column of a mixed-radix code); whether
    /// every offset is below `card`.
    #[inline(always)]
    pub(super) fn push_codes<T: Lane>(x: &[T], min: T, card: u32, out: &mut [u32]) -> bool {
        let mut outside = 0u32;
        for (o, &v) in out.iter_mut().zip(x) {
            let (c, inside) = v.offset(min, card);
            *o = o.wrapping_mul(card).wrapping_add(c);
            outside |= u32::from(!inside);
        }
        outside == 0
    }

    /// `out[i] = (a[i] − min[0]) · card[1] + (b[i] − min[1])`, reading both columns at once;
    /// whether every offset is below its column's cardinality.
    #[inline(always)]
    pub(super) fn pair_codes<T: Lane>(
        a: &[T],
        b: &[T],
        min: [T; 2],
        card: [u32; 2],
        out: &mut [u32],
    ) -> bool {
        let mut outside = 0u32;
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            let (i, inside_a) = x.offset(min[0], card[0]);
            let (j, inside_b) = y.offset(min[1], card[1]);
            *o = i.wrapping_mul(card[1]).wrapping_add(j);
            outside |= u32::from(!(inside_a & inside_b));
        }
        outside == 0
    }
}

multiversion! {
    fn inside[T: Lane](x: &[T], min: T, card: u32) -> bool;
    fn codes[T: Lane](x: &[T], min: T, card: u32, out: &mut [u32]) -> bool;
    fn push_codes[T: Lane](x: &[T], min: T, card: u32, out: &mut [u32]) -> bool;
    fn pair_codes[T: Lane](a: &[T], b: &[T], min: [T; 2], card: [u32; 2], out: &mut [u32]) -> bool;
}

/// Whether every sample of `x` lies in `[min, min + card)` (`min + card − 1` must be a value of
/// the type), at `level` (a value of [`level`](super::level) or [`Level::usable`]).
#[must_use]
pub fn inside<T: Lane>(level: Level, x: &[T], min: T, card: u32) -> bool {
    dispatch!(level, inside(x, min, card))
}

/// Writes `x[i] − min` into `out[i]` for the common length of `x` and `out`, and returns whether
/// every sample lies in `[min, min + card)` (if not, the codes of the samples outside are
/// meaningless), at `level`.
pub fn codes<T: Lane>(level: Level, x: &[T], min: T, card: u32, out: &mut [u32]) -> bool {
    dispatch!(level, codes(x, min, card, out))
}

/// Appends a column to mixed-radix codes: `out[i] = out[i] · card + (x[i] − min)` (wrapping), for
/// the common length of `x` and `out`; returns whether every sample lies in `[min, min + card)`,
/// at `level`.
pub fn push_codes<T: Lane>(level: Level, x: &[T], min: T, card: u32, out: &mut [u32]) -> bool {
    dispatch!(level, push_codes(x, min, card, out))
}

/// The codes `(a[i] − min[0]) · card[1] + (b[i] − min[1])` of two columns of one type read
/// together (one pass instead of [`codes`] then [`push_codes`]), for the common length of `a`,
/// `b` and `out`; returns whether every sample lies in its column's range, at `level`.
pub fn pair_codes<T: Lane>(
    level: Level,
    a: &[T],
    b: &[T],
    min: [T; 2],
    card: [u32; 2],
    out: &mut [u32],
) -> bool {
    dispatch!(level, pair_codes(a, b, min, card, out))
}

/// Mixed-radix codes of one block of samples, built column by column, and counted into a table
/// once every column is in. The codes can only be written by the checked code pass, so counting
/// needs no bounds check per sample.
pub struct CodeBlock<'a> {
    codes: &'a mut [u32],
    /// Product of the cardinalities pushed so far (every code is below it if `inside`).
    cells: u64,
    /// No column pushed yet.
    empty: bool,
    /// Every sample pushed so far was inside its column's range.
    inside: bool,
}

impl<'a> CodeBlock<'a> {
    /// An empty block over `codes` (one per sample).
    pub fn new(codes: &'a mut [u32]) -> CodeBlock<'a> {
        CodeBlock {
            codes,
            cells: 1,
            empty: true,
            inside: true,
        }
    }

    /// Appends the column `x` (one label per sample of the block) with range `[min, min + card)`;
    /// `min + card − 1` must be a value of the type. Once a sample was outside, the block is
    /// spoilt and further columns are skipped.
    ///
    /// # Panics
    /// If `x` does not hold one label per code, or the product of the cardinalities passes 2^32.
    pub fn push<T: Lane>(&mut self, level: Level, x: &[T], min: T, card: u32) {
        assert_eq!(x.len(), self.codes.len(), "one label per sample");
        self.grow(card);
        if self.inside {
            self.inside = if std::mem::replace(&mut self.empty, false) {
                codes(level, x, min, card, self.codes)
            } else {
                push_codes(level, x, min, card, self.codes)
            };
        }
    }

    /// Appends two columns of one type at once ([`pair_codes`]: one pass instead of two).
    ///
    /// # Panics
    /// As [`CodeBlock::push`].
    pub fn push_pair<T: Lane>(
        &mut self,
        level: Level,
        a: &[T],
        b: &[T],
        min: [T; 2],
        card: [u32; 2],
    ) {
        if !self.empty {
            self.push(level, a, min[0], card[0]);
            self.push(level, b, min[1], card[1]);
            return;
        }
        assert!(
            a.len() == self.codes.len() && b.len() == self.codes.len(),
            "one label per sample"
        );
        self.grow(card[0]);
        self.grow(card[1]);
        self.empty = false;
        self.inside = pair_codes(level, a, b, min, card, self.codes);
    }

    /// Whether every sample pushed so far was inside its column's range.
    #[must_use]
    pub fn inside(&self) -> bool {
        self.inside
    }

    fn grow(&mut self, card: u32) {
        self.cells *= u64::from(card);
        assert!(self.cells <= 1 << 32, "codes fit in u32");
    }

    /// If every sample was inside its ranges, adds one to `table[(i mod S) · cells + code_i]` for
    /// every sample `i` (`S` interleaved sub-tables of `cells` = the product of the cardinalities
    /// counters each, so that runs of one code do not wait on one counter's previous store) and
    /// returns `true`; else leaves `table` alone and returns `false`.
    ///
    /// # Panics
    /// If `table` holds fewer than `S · cells` counters.
    pub fn count<const S: usize>(self, table: &mut [u32]) -> bool {
        if !self.inside {
            return false;
        }
        let cells = self.cells as usize;
        assert!(table.len() >= S * cells, "S sub-tables of every cell");
        let base = table.as_mut_ptr();
        let mut groups = self.codes.chunks_exact(S);
        for group in &mut groups {
            for (s, &c) in group.iter().enumerate() {
                // SAFETY: every code was written by the code pass with each column's offset below
                // its cardinality (`inside`), so `c < cells`; with `s < S` the index is below
                // `S · cells ≤ table.len()`.
                unsafe { *base.add(s * cells + c as usize) += 1 };
            }
        }
        for &c in groups.remainder() {
            // SAFETY: as above, in sub-table 0.
            unsafe { *base.add(c as usize) += 1 };
        }
        true
    }
}

/// If every sample of `x` lies in `[min, min + card)` (checked first, at `level`), adds one to
/// `table[(i mod S) · card + x_i − min]` for every sample `i` and returns `true`; else leaves
/// `table` alone and returns `false`. One column counted straight from its labels: no code
/// buffer.
///
/// # Panics
/// If `table` holds fewer than `S · card` counters.
pub fn count_offsets<T: Lane, const S: usize>(
    level: Level,
    x: &[T],
    min: T,
    card: u32,
    table: &mut [u32],
) -> bool {
    if !inside(level, x, min, card) {
        return false;
    }
    let cells = card as usize;
    assert!(table.len() >= S * cells, "S sub-tables of every cell");
    let base = table.as_mut_ptr();
    let mut groups = x.chunks_exact(S);
    for group in &mut groups {
        for (s, &v) in group.iter().enumerate() {
            let o = v.offset(min, card).0 as usize;
            // SAFETY: `o < card` for every sample (`inside`) and `s < S`, so the index is below
            // `S · card ≤ table.len()`.
            unsafe { *base.add(s * cells + o) += 1 };
        }
    }
    for &v in groups.remainder() {
        let o = v.offset(min, card).0 as usize;
        // SAFETY: as above, in sub-table 0.
        unsafe { *base.add(o) += 1 };
    }
    true
}

/// Adds one to `table[(i mod S) · 256 + ((x_i − min) mod 256)]` for every sample `i` of an 8-bit
/// column: every offset has a cell, so there is nothing to check. The caller reads the cells at
/// and above its range's cardinality to learn whether a value fell outside.
///
/// # Panics
/// If the labels are wider than 8 bits or `table` holds fewer than `S · 256` counters.
pub fn count_bytes<T: Lane, const S: usize>(x: &[T], min: T, table: &mut [u32]) {
    assert!(T::BITS == 8, "8-bit labels");
    let table = &mut table[..S * 256];
    let mut groups = x.chunks_exact(S);
    for group in &mut groups {
        for (s, &v) in group.iter().enumerate() {
            // `& 0xff` is a no-op on 8-bit offsets and lets the compiler drop the bounds check.
            table[s * 256 + (v.offset(min, 256).0 & 0xff) as usize] += 1;
        }
    }
    for &v in groups.remainder() {
        table[(v.offset(min, 256).0 & 0xff) as usize] += 1;
    }
}

#[cfg(test)]
#[allow(clippy::cast_lossless)] // `as i128` on every width from one macro
mod tests {
    use super::*;
    use crate::testing::SplitMix;

    /// A test type: its value as `i128` and back, and its extremes.
    trait Wide: Lane + Ord + std::fmt::Debug {
        const MIN: i128;
        const MAX: i128;
        fn wide(self) -> i128;
        fn narrow(v: i128) -> Self;
    }

    macro_rules! wide {
        ($($t:ty),*) => {$(
            impl Wide for $t {
                const MIN: i128 = <$t>::MIN as i128;
                const MAX: i128 = <$t>::MAX as i128;
                fn wide(self) -> i128 {
                    self as i128
                }
                fn narrow(v: i128) -> Self {
                    <$t>::try_from(v).expect("in range")
                }
            }
        )*};
    }
    wide!(u8, u16, u32, u64, i8, i16, i32, i64);

    /// Ranges `[min, min + card)` that fit the type, some at its ends, some of one value, and for
    /// 8- and 16-bit types the whole type; each with labels mostly inside, a few just outside and
    /// a few anywhere; lengths that are not multiples of any unroll.
    fn cases<T: Wide>(rng: &mut SplitMix) -> Vec<(Vec<T>, T, u32)> {
        let span = T::MAX - T::MIN + 1;
        let mut ranges: Vec<(i128, i128)> = vec![
            (T::MIN, 1),
            (T::MAX, 1),
            (T::MIN, 7),
            (T::MAX - 6, 7),
            (0, 256.min(span)),
            (T::MIN + span / 2 - 100, 200),
        ];
        if span <= 1 << 16 {
            ranges.push((T::MIN, span));
        }
        for _ in 0..6 {
            let card = 1 + (rng.next() % 5000) as i128;
            let card = card.min(span);
            let min = T::MIN + (rng.next() as i128).rem_euclid(span - card + 1);
            ranges.push((min, card));
        }
        // `min + card − 1` must be a value of the type (the kernels' contract).
        ranges.retain(|&(min, card)| min >= T::MIN && min + card - 1 <= T::MAX);
        let mut out = Vec::new();
        for (min, card) in ranges {
            for len in [0usize, 1, 3, 4, 5, 63, 64, 65, 257, 1000] {
                for outside_share in [0, 50] {
                    let x: Vec<T> = (0..len)
                        .map(|_| {
                            let r = rng.next() % 100;
                            let v = if r < outside_share / 2 {
                                // Anywhere in the type.
                                T::MIN + (rng.next() as i128).rem_euclid(span)
                            } else if r < outside_share {
                                // Just outside the range, where it fits the type.
                                let below = min - 1 - (rng.next() % 3) as i128;
                                let above = min + card + (rng.next() % 3) as i128;
                                if rng.next().is_multiple_of(2) && below >= T::MIN {
                                    below
                                } else if above <= T::MAX {
                                    above
                                } else {
                                    min
                                }
                            } else {
                                min + (rng.next() as i128).rem_euclid(card)
                            };
                            T::narrow(v)
                        })
                        .collect();
                    out.push((x, T::narrow(min), card as u32));
                }
            }
        }
        out
    }

    fn offset_of<T: Wide>(v: T, min: T, card: u32) -> Option<u32> {
        let o = v.wide() - min.wide();
        (0..i128::from(card)).contains(&o).then_some(o as u32)
    }

    /// The pair kernel, codes then push, and the counting of the codes against `expected`.
    fn check_pair<T: Wide>(
        level: Level,
        (x, y): (&[T], &[T]),
        min: T,
        card: u32,
        expected: Option<&[u32]>,
        what: &str,
    ) {
        let mut pair = vec![0u32; x.len()];
        let ok = pair_codes(level, x, y, [min, min], [card, card], &mut pair);
        assert_eq!(ok, expected.is_some(), "pair {what}");
        let mut pushed = vec![0u32; x.len()];
        let mut block = CodeBlock::new(&mut pushed);
        block.push(level, x, min, card);
        block.push(level, y, min, card);
        let cells = card as usize * card as usize;
        let mut table = vec![0u32; 4 * cells];
        let counted = block.count::<4>(&mut table);
        assert_eq!(counted, expected.is_some(), "push {what}");
        if let Some(e) = expected {
            assert_eq!(pair, e, "pair {what}");
            assert_eq!(pushed, e, "push {what}");
            let mut naive = vec![0u32; cells];
            for &c in e {
                naive[c as usize] += 1;
            }
            let folded: Vec<u32> = (0..cells)
                .map(|c| (0..4).map(|s| table[s * cells + c]).sum())
                .collect();
            assert_eq!(folded, naive, "count {what}");
        } else {
            assert!(
                table.iter().all(|&c| c == 0),
                "a spoilt block counts nothing"
            );
        }
    }

    fn check_type<T: Wide>(seed: u64) {
        let mut rng = SplitMix(seed);
        let levels: Vec<Level> = Level::ALL
            .into_iter()
            .filter(|l| l.is_available())
            .collect();
        for (x, min, card) in cases::<T>(&mut rng) {
            let expected: Option<Vec<u32>> = x.iter().map(|&v| offset_of(v, min, card)).collect();
            let y: Vec<T> = x.iter().rev().copied().collect();
            let expected_y: Option<Vec<u32>> = y.iter().map(|&v| offset_of(v, min, card)).collect();
            for &level in &levels {
                let what = format!("{level:?} {min:?}+{card} len {}", x.len());
                assert_eq!(inside(level, &x, min, card), expected.is_some(), "{what}");
                let mut out = vec![u32::MAX; x.len()];
                let ok = codes(level, &x, min, card, &mut out);
                assert_eq!(ok, expected.is_some(), "codes {what}");
                if let Some(e) = &expected {
                    assert_eq!(&out, e, "codes {what}");
                }
                // Two columns: the pair kernel and codes-then-push agree with the naive code.
                let pair_expected = expected.as_ref().zip(expected_y.as_ref()).map(|(a, b)| {
                    a.iter()
                        .zip(b)
                        .map(|(&i, &j)| i * card + j)
                        .collect::<Vec<u32>>()
                });
                if card <= 256 {
                    check_pair(level, (&x, &y), min, card, pair_expected.as_deref(), &what);
                }
                // One column counted straight from its labels.
                let mut table = vec![0u32; 4 * card as usize];
                let ok = count_offsets::<T, 4>(level, &x, min, card, &mut table);
                assert_eq!(ok, expected.is_some(), "count_offsets {what}");
                if let Some(e) = &expected {
                    let mut naive = vec![0u32; card as usize];
                    for &c in e {
                        naive[c as usize] += 1;
                    }
                    let folded: Vec<u32> = (0..card as usize)
                        .map(|c| (0..4).map(|s| table[s * card as usize + c]).sum())
                        .collect();
                    assert_eq!(folded, naive, "count_offsets {what}");
                } else {
                    assert!(
                        table.iter().all(|&c| c == 0),
                        "nothing counted when outside"
                    );
                }
            }
            if T::BITS == 8 {
                let mut table = vec![0u32; 4 * 256];
                count_bytes::<T, 4>(&x, min, &mut table);
                let mut naive = vec![0u32; 256];
                for &v in &x {
                    naive[(v.wide() - min.wide()).rem_euclid(256) as usize] += 1;
                }
                let folded: Vec<u32> = (0..256)
                    .map(|c| (0..4).map(|s| table[s * 256 + c]).sum())
                    .collect();
                assert_eq!(folded, naive, "count_bytes {min:?}");
            }
        }
    }

    #[test]
    fn every_kernel_at_every_level_matches_a_naive_loop() {
        check_type::<u8>(1);
        check_type::<i8>(2);
        check_type::<u16>(3);
        check_type::<i16>(4);
        check_type::<u32>(5);
        check_type::<i32>(6);
        check_type::<u64>(7);
        check_type::<i64>(8);
    }

    #[test]
    fn a_spoilt_block_skips_further_columns_and_counts_nothing() {
        let x = [0i32, 1, 2, 9];
        let y = [0i32, 1, 2, 3];
        let mut codes = [0u32; 4];
        let mut block = CodeBlock::new(&mut codes);
        block.push(Level::Scalar, &x, 0, 4);
        block.push(Level::Scalar, &y, 0, 4);
        let mut table = [0u32; 16];
        assert!(!block.count::<1>(&mut table));
        assert_eq!(table, [0; 16]);
    }
}
