//! Labels: the eight integer types fastinfo counts, and their order-preserving map to `u64` keys.
//!
//! Every label `v` of any integer type maps to a key `v.key()` such that `a < b ⇔ a.key() < b.key()`:
//! unsigned values are widened, signed values are widened and have their sign bit flipped. Keys are
//! exact (no value of any type collides with another), so uint64 above 2^63 and the int64 extremes
//! are counted correctly, and `from_key` restores the original value.

mod sealed {
    pub trait Sealed {}
}

/// An integer type fastinfo can count (`u8`..`u64`, `i8`..`i64`). Sealed: the list is closed.
pub trait Label: Copy + Ord + Send + Sync + sealed::Sealed + 'static {
    /// Number of distinct values of the type if it is at most 2^16 (then a table indexed by value
    /// needs no range scan), `None` otherwise.
    const SMALL_ALPHABET: Option<usize>;
    /// The order-preserving `u64` key of this label.
    fn key(self) -> u64;
    /// The label whose key is `key`. `key` must have come from [`Label::key`] of the same type.
    fn from_key(key: u64) -> Self;
}

macro_rules! unsigned_label {
    ($($t:ty => $small:expr),*) => {$(
        impl sealed::Sealed for $t {}
        impl Label for $t {
            const SMALL_ALPHABET: Option<usize> = $small;
            #[inline(always)]
            fn key(self) -> u64 {
                u64::from(self)
            }
            #[inline(always)]
            fn from_key(key: u64) -> Self {
                key as $t
            }
        }
    )*};
}

macro_rules! signed_label {
    ($($t:ty => $small:expr),*) => {$(
        impl sealed::Sealed for $t {}
        impl Label for $t {
            const SMALL_ALPHABET: Option<usize> = $small;
            #[inline(always)]
            fn key(self) -> u64 {
                (i64::from(self) as u64) ^ (1u64 << 63)
            }
            #[inline(always)]
            fn from_key(key: u64) -> Self {
                (key ^ (1u64 << 63)) as i64 as $t
            }
        }
    )*};
}

unsigned_label!(u8 => Some(1 << 8), u16 => Some(1 << 16), u32 => None, u64 => None);
signed_label!(i8 => Some(1 << 8), i16 => Some(1 << 16), i32 => None, i64 => None);

/// A borrowed column of labels of any supported integer type.
///
/// This is how variables of different types travel together (`joint_entropy(x_u8, y_i64)`): each
/// kernel is generic over [`Label`] and [`Labels::dispatch`]-style matching picks the instance.
#[derive(Debug, Clone, Copy)]
pub enum Labels<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
}

/// Runs `$body` with `$slice` bound to the typed slice inside a [`Labels`] value.
#[macro_export]
#[doc(hidden)]
macro_rules! with_labels {
    ($labels:expr, $slice:ident => $body:expr) => {
        match $labels {
            $crate::Labels::U8($slice) => $body,
            $crate::Labels::U16($slice) => $body,
            $crate::Labels::U32($slice) => $body,
            $crate::Labels::U64($slice) => $body,
            $crate::Labels::I8($slice) => $body,
            $crate::Labels::I16($slice) => $body,
            $crate::Labels::I32($slice) => $body,
            $crate::Labels::I64($slice) => $body,
        }
    };
}

impl Labels<'_> {
    /// Number of samples.
    #[must_use]
    pub fn len(&self) -> usize {
        with_labels!(*self, s => s.len())
    }

    /// `true` if there are no samples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key of sample `i` (see [`Label::key`]).
    #[must_use]
    pub fn key(&self, i: usize) -> u64 {
        with_labels!(*self, s => s[i].key())
    }
}

macro_rules! labels_from {
    ($($t:ty => $variant:ident),*) => {$(
        impl<'a> From<&'a [$t]> for Labels<'a> {
            fn from(s: &'a [$t]) -> Self {
                Labels::$variant(s)
            }
        }
        impl<'a> From<&'a Vec<$t>> for Labels<'a> {
            fn from(s: &'a Vec<$t>) -> Self {
                Labels::$variant(s.as_slice())
            }
        }
    )*};
}

labels_from!(u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16, i32 => I32, i64 => I64);

/// The smallest and largest label of a non-empty slice, in one pass (independent lanes, so LLVM
/// vectorises the comparisons).
#[inline]
pub(crate) fn extremes<T: Label>(x: &[T]) -> (T, T) {
    const LANES: usize = 16;
    let mut lo = [x[0]; LANES];
    let mut hi = [x[0]; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for chunk in &mut chunks {
        for i in 0..LANES {
            lo[i] = if chunk[i] < lo[i] { chunk[i] } else { lo[i] };
            hi[i] = if chunk[i] > hi[i] { chunk[i] } else { hi[i] };
        }
    }
    let (mut l, mut h) = (x[0], x[0]);
    for &v in lo.iter().chain(&hi).chain(chunks.remainder()) {
        l = l.min(v);
        h = h.max(v);
    }
    (l, h)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros and infinities are the point of these tests
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order_and_round_trip() {
        let signed = [i64::MIN, -5, -1, 0, 1, i64::MAX];
        for w in signed.windows(2) {
            assert!(w[0].key() < w[1].key());
        }
        for v in signed {
            assert_eq!(i64::from_key(v.key()), v);
        }
        let unsigned = [0u64, 1, 1 << 63, u64::MAX];
        for w in unsigned.windows(2) {
            assert!(w[0].key() < w[1].key());
        }
        for v in [i8::MIN, -1, 0, i8::MAX] {
            assert_eq!(i8::from_key(v.key()), v);
            assert_eq!(v.key(), i64::from(v).key());
        }
    }
}
