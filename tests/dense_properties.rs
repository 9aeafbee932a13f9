//! Property tests of the dense counting path: every integer type, ranges that straddle the dense
//! table limit, values outside the range guessed from a sample, lengths that are not multiples of
//! the block or unroll sizes, and 1 and 2 threads giving the same table bit for bit.
//!
//! Run with `cargo test --profile ci --test dense_properties`.
#![allow(clippy::float_cmp)] // bit-identical results are the point

use fastinfo::{entropy, joint_counts, mutual_information, Estimator, Labels};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Split-mix 64: a reproducible stream for inputs too long to draw element by element.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A column of one of the eight label types.
#[derive(Debug)]
enum Column {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// The extremes of type number `t` (0..8, in the order of [`Column`]).
fn extremes(t: usize) -> (i128, i128) {
    match t {
        0 => (0, 255),
        1 => (0, 65_535),
        2 => (0, u32::MAX.into()),
        3 => (0, u64::MAX.into()),
        4 => (-128, 127),
        5 => (-32_768, 32_767),
        6 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

impl Column {
    fn new(t: usize, values: &[i128]) -> Column {
        macro_rules! cast {
            ($variant:ident) => {
                Column::$variant(
                    values
                        .iter()
                        .map(|&v| v.try_into().expect("in range"))
                        .collect(),
                )
            };
        }
        match t {
            0 => cast!(U8),
            1 => cast!(U16),
            2 => cast!(U32),
            3 => cast!(U64),
            4 => cast!(I8),
            5 => cast!(I16),
            6 => cast!(I32),
            _ => cast!(I64),
        }
    }

    fn labels(&self) -> Labels<'_> {
        match self {
            Column::U8(v) => Labels::from(v),
            Column::U16(v) => Labels::from(v),
            Column::U32(v) => Labels::from(v),
            Column::U64(v) => Labels::from(v),
            Column::I8(v) => Labels::from(v),
            Column::I16(v) => Labels::from(v),
            Column::I32(v) => Labels::from(v),
            Column::I64(v) => Labels::from(v),
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    n: usize,
    types: Vec<usize>,
    /// Ratio of the product of the column widths to the dense limit, in eighths.
    fill: u64,
    /// Where the range sits in the type: 0 low end, 1 middle, 2 high end.
    place: Vec<u8>,
    /// Values outside the bulk range, at positions the range guess does not sample.
    outliers: Vec<(u8, i64)>,
}

fn case() -> impl Strategy<Value = Case> {
    case_of_length(prop_oneof![1usize..=5000, 32_700usize..=40_000])
}

/// Inputs of several chunks of the shared queue of the dense counting (2^16 samples each), so that
/// threads share the chunks and a value outside the guess can lie in any chunk.
fn long_case() -> impl Strategy<Value = Case> {
    case_of_length(prop_oneof![131_000usize..=140_000, 196_000usize..=200_000])
}

fn case_of_length(n: impl Strategy<Value = usize>) -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        n,
        prop::collection::vec(0usize..8, 1..=3),
        1u64..=16,
        prop::collection::vec(0u8..3, 3),
        prop::collection::vec((0u8..3, -3i64..=3), 0..3),
    )
        .prop_map(|(seed, n, mut types, fill, place, outliers)| {
            // Often the same type for the first two columns (the fused pair pass).
            if seed % 2 == 0 && types.len() > 1 {
                types[1] = types[0];
            }
            Case {
                seed,
                n,
                types,
                fill,
                place,
                outliers,
            }
        })
}

/// The columns of `c`: widths whose product is about `fill / 8` of the dense limit for `n`
/// (each clipped to its type), values uniform in each range, and a few values outside.
fn columns(c: &Case) -> Vec<Column> {
    let mut rng = SplitMix(c.seed);
    let limit = (8 * c.n as u64).clamp(1 << 12, 1 << 24) as f64;
    let k = c.types.len();
    let target = (limit * c.fill as f64 / 8.0)
        .powf(1.0 / k as f64)
        .round()
        .max(1.0) as i128;
    let mut out = Vec::new();
    for (j, &t) in c.types.iter().enumerate() {
        let (lo, hi) = extremes(t);
        let width = target.min(hi - lo + 1);
        let min = match c.place[j] {
            0 => lo,
            1 => lo + (hi - lo + 1 - width) / 2,
            _ => hi - width + 1,
        };
        let mut values: Vec<i128> = (0..c.n)
            .map(|_| min + i128::from(rng.next() % width as u64))
            .collect();
        for &(column, delta) in &c.outliers {
            if usize::from(column) % k == j && c.n > 2 {
                // Away from the ends and the evenly spaced sample of the range guess.
                let at = 1 + (rng.next() as usize) % (c.n - 2);
                let v = if delta < 0 {
                    min + i128::from(delta)
                } else {
                    min + width - 1 + i128::from(delta)
                };
                values[at] = v.clamp(lo, hi);
            }
        }
        out.push(Column::new(t, &values));
    }
    out
}

fn brute_force(columns: &[Labels<'_>]) -> BTreeMap<Vec<u64>, u64> {
    let mut map = BTreeMap::new();
    for i in 0..columns[0].len() {
        *map.entry(columns.iter().map(|c| c.key(i)).collect())
            .or_insert(0) += 1;
    }
    map
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// The table of `columns` as exact keys and counts, and two estimates as bits.
fn everything(columns: &[Labels<'_>]) -> (Vec<Vec<u64>>, Vec<u64>, Vec<u64>) {
    let (keys, counts) = joint_counts(columns).unwrap().nonzero_cells();
    let mut bits = vec![entropy(columns, Estimator::Plugin).unwrap().to_bits()];
    if columns.len() > 1 {
        bits.push(
            mutual_information(&columns[..1], &columns[1..], Estimator::Plugin)
                .unwrap()
                .to_bits(),
        );
    }
    (keys, counts, bits)
}

fn check(c: &Case) -> std::result::Result<(), TestCaseError> {
    let owned = columns(c);
    let labels: Vec<Labels<'_>> = owned.iter().map(Column::labels).collect();
    let one = pool(1).install(|| everything(&labels));
    let two = pool(2).install(|| everything(&labels));
    let three = pool(3).install(|| everything(&labels));
    prop_assert_eq!(&one, &two);
    prop_assert_eq!(&one, &three);
    let (keys, counts, _) = one;
    let counted: BTreeMap<Vec<u64>, u64> = (0..counts.len())
        .map(|i| (keys.iter().map(|k| k[i]).collect(), counts[i]))
        .collect();
    prop_assert_eq!(counted, brute_force(&labels));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn dense_counts_are_exact_and_thread_independent(c in case()) {
        check(&c)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn chunked_counts_are_exact_and_thread_independent(c in long_case()) {
        check(&c)?;
    }
}
