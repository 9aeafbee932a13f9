//! Property tests of the public Rust API: information identities, exact counts, and the same
//! answer, bit for bit, whatever the counting path, the integer type or the number of threads.
//!
//! Run with `cargo test --release --test properties` (the thread tests count 10^5 samples a case).
#![allow(clippy::float_cmp)] // bit-identical results are the point of several of these tests

use fastinfo::pmf::{self, Distributions};
use fastinfo::{
    conditional_entropy, conditional_mutual_information, contingency, entropy, histogram,
    joint_counts, joint_entropy, mutual_information, Estimator, Label, Labels,
};
use proptest::collection::vec;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::LN_2;

/// Absolute tolerance of identities between estimates (entropies here are at most ~10 nats).
const TOL: f64 = 1e-12;
const ESTIMATORS: [Estimator; 2] = [Estimator::Plugin, Estimator::MillerMadow];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

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

    /// Uniform in `0..bound` (`bound > 0`; the modulo bias is irrelevant here).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn l<T>(v: &[T]) -> Labels<'_>
where
    for<'a> Labels<'a>: From<&'a [T]>,
{
    Labels::from(v)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// Brute-force joint counts of `columns` keyed by the tuple of label keys.
fn brute_force(columns: &[Labels<'_>]) -> BTreeMap<Vec<u64>, u64> {
    let mut map = BTreeMap::new();
    for i in 0..columns[0].len() {
        *map.entry(columns.iter().map(|c| c.key(i)).collect())
            .or_insert(0) += 1;
    }
    map
}

/// `joint_counts(columns)` as a map from key tuples to counts, checking the cells come in order.
fn counted(columns: &[Labels<'_>]) -> BTreeMap<Vec<u64>, u64> {
    let table = joint_counts(columns).unwrap();
    assert_eq!(table.total(), columns[0].len() as u64);
    let (keys, counts) = table.nonzero_cells();
    assert_eq!(keys.len(), columns.len());
    let tuples: Vec<Vec<u64>> = (0..counts.len())
        .map(|i| keys.iter().map(|k| k[i]).collect())
        .collect();
    assert!(
        tuples.windows(2).all(|w| w[0] < w[1]),
        "cells are strictly ascending"
    );
    tuples.into_iter().zip(counts).collect()
}

/// Every estimate of the sample API on `x`, `y`, `z`, as raw bits (for exact comparisons).
fn all_estimates(x: Labels<'_>, y: Labels<'_>, z: Labels<'_>) -> Vec<u64> {
    let mut out = Vec::new();
    for e in ESTIMATORS {
        out.extend(
            [
                entropy(&[x], e),
                entropy(&[y, z], e),
                joint_entropy(&[&[x], &[y], &[z]], e),
                conditional_entropy(&[y], &[x], e),
                conditional_entropy(&[x], &[y, z], e),
                mutual_information(&[x], &[y], e),
                mutual_information(&[y], &[x], e),
                mutual_information(&[x], &[y, z], e),
                mutual_information(&[x, z], &[y], e),
                conditional_mutual_information(&[x], &[y], &[z], e),
            ]
            .into_iter()
            .map(|r| r.unwrap().to_bits()),
        );
    }
    out
}

/// Cell counts (in ascending order of cells) of the tables the estimates above are built from.
fn all_counts(x: Labels<'_>, y: Labels<'_>, z: Labels<'_>) -> Vec<Vec<u64>> {
    vec![
        histogram(x).unwrap().histogram().1,
        histogram(y).unwrap().histogram().1,
        joint_counts(&[x, y]).unwrap().nonzero_cells().1,
        joint_counts(&[y, x]).unwrap().nonzero_cells().1,
        joint_counts(&[x, y, z]).unwrap().nonzero_cells().1,
    ]
}

/// Three dependent columns of small labels: `z` free, `x` depends on `z`, `y` on `x` (a copy, a
/// function of it, or noise), so MI and CMI take every kind of value, including 0 and H(X).
#[derive(Debug, Clone)]
struct Sample {
    x: Vec<i64>,
    y: Vec<i64>,
    z: Vec<i64>,
}

fn sample(max_n: usize, max_alphabet: i64) -> impl Strategy<Value = Sample> {
    (
        1..=max_n,
        1..=max_alphabet,
        1..=max_alphabet,
        1..=6i64,
        0u32..=100,
        -3i64..=3,
    )
        .prop_flat_map(move |(n, a, b, c, coupling, shift)| {
            vec((0..a, 0..b, 0..c, 0u32..100, 0u32..3), n).prop_map(move |rows| {
                let mut s = Sample {
                    x: Vec::with_capacity(n),
                    y: Vec::with_capacity(n),
                    z: Vec::with_capacity(n),
                };
                for (xa, yb, zc, coin, how) in rows {
                    let x = if coin < coupling / 2 {
                        (zc * 7) % a
                    } else {
                        xa
                    };
                    let y = if coin < coupling {
                        match how {
                            0 => x % b,
                            1 => (x * 5 + 1) % b,
                            _ => (x / 2) % b,
                        }
                    } else {
                        yb
                    };
                    // Some samples negative, to cross zero in signed keys.
                    s.x.push(x + shift);
                    s.y.push(y - shift);
                    s.z.push(zc);
                }
                s
            })
        })
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= TOL,
        "{what}: {a} vs {b} (difference {:e})",
        a - b
    );
}

// ---------------------------------------------------------------------------------------------
// Information identities
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn information_identities(s in sample(2000, 12)) {
        let (x, y, z) = (l(&s.x), l(&s.y), l(&s.z));
        for e in ESTIMATORS {
            let hx = entropy(&[x], e).unwrap();
            let hy = entropy(&[y], e).unwrap();
            let hxy = joint_entropy(&[&[x], &[y]], e).unwrap();
            let hy_x = conditional_entropy(&[y], &[x], e).unwrap();
            let hx_y = conditional_entropy(&[x], &[y], e).unwrap();
            let ixy = mutual_information(&[x], &[y], e).unwrap();
            let iyx = mutual_information(&[y], &[x], e).unwrap();
            prop_assert!(hx >= 0.0 && hy_x >= -TOL);
            // Symmetry and bounds.
            assert_close(ixy, iyx, "I(X;Y) = I(Y;X)");
            prop_assert!(ixy >= 0.0);
            // Chain rule, both ways (holds for Miller–Madow too: the corrections telescope).
            assert_close(hxy, hx + hy_x, "H(X,Y) = H(X) + H(Y|X)");
            assert_close(hxy, hy + hx_y, "H(X,Y) = H(Y) + H(X|Y)");
            // MI from entropies (MI is clamped at 0, which only a bias correction can reach).
            assert_close(ixy, (hx + hy - hxy).max(0.0), "I = H(X) + H(Y) - H(X,Y)");
            if e == Estimator::Plugin {
                prop_assert!(ixy <= hx.min(hy) + TOL, "I = {ixy} > min({hx}, {hy})");
                assert_close(mutual_information(&[x], &[x], e).unwrap(), hx, "I(X;X) = H(X)");
                assert_close(hx_y, hx - ixy, "H(X|Y) = H(X) - I(X;Y)");
            }
            // Conditional MI: non-negative, and the chain rule I(X;Y,Z) = I(X;Z) + I(X;Y|Z).
            let cmi = conditional_mutual_information(&[x], &[y], &[z], e).unwrap();
            prop_assert!(cmi >= 0.0);
            if e == Estimator::Plugin {
                let ix_yz = mutual_information(&[x], &[y, z], e).unwrap();
                let ixz = mutual_information(&[x], &[z], e).unwrap();
                assert_close(ix_yz, ixz + cmi, "I(X;Y,Z) = I(X;Z) + I(X;Y|Z)");
                assert_close(
                    cmi,
                    conditional_mutual_information(&[y], &[x], &[z], e).unwrap(),
                    "I(X;Y|Z) = I(Y;X|Z)",
                );
                let hx_z = conditional_entropy(&[x], &[z], e).unwrap();
                let hx_yz = conditional_entropy(&[x], &[y, z], e).unwrap();
                assert_close(cmi, hx_z - hx_yz, "I(X;Y|Z) = H(X|Z) - H(X|Y,Z)");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dense path = factorised (hashed) path
// ---------------------------------------------------------------------------------------------

/// Order-preserving injective spreads of small labels to values far apart: the counting engine
/// can no longer index a table by value and must factorise (and, for several such columns, hash).
fn spread_shift(v: &[i64]) -> Vec<i64> {
    v.iter().map(|&v| v * (1 << 40) + 12_345).collect()
}

/// Near the ends of `i64` (|v| < 128): keys close to 0 and to 2^64.
fn spread_extremes(v: &[i64]) -> Vec<i64> {
    v.iter().map(|&v| v * (1 << 56) + 77).collect()
}

/// XOR with a huge constant whose low 32 bits are zero: order-preserving for 0 ≤ v < 2^32, and
/// the results lie above 2^63.
fn spread_xor(v: &[i64]) -> Vec<u64> {
    v.iter()
        .map(|&v| (v + 1000) as u64 ^ 0xC3A5_96F0_0000_0000)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn dense_path_equals_factorised_path(s in sample(3000, 40)) {
        let (x, y, z) = (l(&s.x), l(&s.y), l(&s.z));
        let dense_counts = all_counts(x, y, z);
        let dense = all_estimates(x, y, z);
        let (xs, ys, zs) = (spread_shift(&s.x), spread_extremes(&s.y), spread_xor(&s.z));
        let (xx, yx) = (spread_xor(&s.x), spread_xor(&s.y));
        for (a, b, c) in [
            (l(&xs), l(&ys), l(&zs)),  // every column wide
            (l(&xs), y, z),            // one wide column among narrow ones
            (x, l(&ys), l(&zs)),       // two wide columns
            (l(&xx), l(&yx), z),       // u64 above 2^63 next to i64
        ] {
            prop_assert_eq!(&all_counts(a, b, c), &dense_counts);
            prop_assert_eq!(&all_estimates(a, b, c), &dense);
        }
    }
}

/// Tables of more than one summation chunk (2^14 cells), dense with empty cells (gaps in the
/// observed values, and every value times `gap`) on one side and factorised without them on the
/// other.
#[derive(Debug, Clone, Copy)]
struct Large {
    seed: u64,
    n: usize,
    range: u64,
    gap: i64,
    columns: usize,
}

fn large() -> impl Strategy<Value = Large> {
    (
        any::<u64>(),
        20_000usize..=60_000,
        1u64..=3,
        1i64..=3,
        1usize..=3,
    )
        .prop_map(|(seed, n, range_kind, gap, columns)| Large {
            seed,
            n,
            gap,
            // A single column over up to 60 000 values; pairs over 200 × 200; triples 40^3.
            range: match (columns, range_kind) {
                (1, 1) => 20_000,
                (1, 2) => 60_000,
                (1, _) => n as u64 * 2,
                (2, _) => 150 + 25 * range_kind,
                _ => 30 + 5 * range_kind,
            },
            columns,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn dense_path_equals_factorised_path_on_large_tables(c in large()) {
        let mut rng = SplitMix(c.seed);
        let cols: Vec<Vec<i64>> = (0..c.columns)
            .map(|_| (0..c.n).map(|_| rng.below(c.range) as i64).collect())
            .collect();
        let wide: Vec<Vec<i64>> = cols.iter().map(|v| spread_shift(v)).collect();
        let gapped: Vec<Vec<i64>> = cols
            .iter()
            .map(|v| v.iter().map(|&v| v * c.gap).collect())
            .collect();
        let narrow: Vec<Labels<'_>> = gapped.iter().map(|v| l(v)).collect();
        let spread: Vec<Labels<'_>> = wide.iter().map(|v| l(v)).collect();
        prop_assert_eq!(
            joint_counts(&narrow).unwrap().nonzero_cells().1,
            joint_counts(&spread).unwrap().nonzero_cells().1
        );
        for e in ESTIMATORS {
            let h = entropy(&narrow, e).unwrap();
            let hs = entropy(&spread, e).unwrap();
            prop_assert_eq!(h.to_bits(), hs.to_bits(), "H: dense {} vs factorised {}", h, hs);
            if c.columns >= 2 {
                let i = mutual_information(&narrow[..1], &narrow[1..], e).unwrap();
                let is = mutual_information(&spread[..1], &spread[1..], e).unwrap();
                prop_assert_eq!(i.to_bits(), is.to_bits(), "I: dense {} vs factorised {}", i, is);
            }
        }
    }
}

/// The smallest cases found of the property above: the same counts in the same order, once in a
/// dense table with empty cells between them and once without, must give the same bits.
#[test]
fn empty_cells_between_counts_do_not_change_estimates() {
    let x: Vec<i64> = (0..40_000i64).map(|i| (i * i + i) % 60_000).collect();
    let wide: Vec<i64> = x.iter().map(|&v| v << 40).collect();
    assert_eq!(
        histogram(l(&x)).unwrap().histogram().1,
        histogram(l(&wide)).unwrap().histogram().1
    );
    for e in ESTIMATORS {
        let dense = entropy(&[l(&x)], e).unwrap();
        let factorised = entropy(&[l(&wide)], e).unwrap();
        assert_eq!(
            dense.to_bits(),
            factorised.to_bits(),
            "{e:?}: H(x) = {dense:?} but H(x << 40) = {factorised:?}"
        );
    }

    let a: Vec<i64> = (0..40_000i64).map(|i| (3 * i * i + i) % 199).collect();
    let b: Vec<i64> = (0..40_000i64)
        .map(|i| (7 * i + (i * i) % 13) % 197)
        .collect();
    let a2: Vec<i64> = a.iter().map(|&v| 2 * v).collect();
    for e in ESTIMATORS {
        let plain = mutual_information(&[l(&a)], &[l(&b)], e).unwrap();
        let gapped = mutual_information(&[l(&a2)], &[l(&b)], e).unwrap();
        assert_eq!(
            plain.to_bits(),
            gapped.to_bits(),
            "{e:?}: I(a; b) = {plain:?} but I(2a; b) = {gapped:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Every integer type gives the same answer
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn every_integer_type_gives_the_same_result(s in sample(2000, 40)) {
        // Labels within 0..=127 (u8, i8 and every wider type hold them), and shifted to -64..=63.
        let base = |v: &[i64]| -> Vec<i64> { v.iter().map(|&v| (v + 3).rem_euclid(128)).collect() };
        let (x, y, z) = (base(&s.x), base(&s.y), base(&s.z));
        let reference = all_estimates(l(&x), l(&y), l(&z));
        let reference_counts = all_counts(l(&x), l(&y), l(&z));

        macro_rules! check_types {
            ($reference:expr, $reference_counts:expr; $($t:ty),*) => {$(
                let cast = |v: &[i64]| -> Vec<$t> {
                    v.iter().map(|&v| <$t>::try_from(v).unwrap()).collect()
                };
                let (a, b, c) = (cast(&x), cast(&y), cast(&z));
                prop_assert_eq!(
                    &all_estimates(l(&a), l(&b), l(&c)), $reference, "type {}", stringify!($t)
                );
                prop_assert_eq!(
                    &all_counts(l(&a), l(&b), l(&c)), $reference_counts, "type {}", stringify!($t)
                );
                // Mixed types in one call: x of this type, y and z as i64.
                prop_assert_eq!(
                    &all_estimates(l(&a), l(&y), l(&z)), &reference, "{} with i64", stringify!($t)
                );
            )*};
        }
        check_types!(&reference, &reference_counts; u8, u16, u32, u64, i8, i16, i32);

        let signed = |v: &[i64]| -> Vec<i64> { v.iter().map(|&v| v - 64).collect() };
        let (x, y, z) = (signed(&x), signed(&y), signed(&z));
        let reference_signed = all_estimates(l(&x), l(&y), l(&z));
        prop_assert_eq!(&reference_signed, &reference);
        let reference_counts_signed = all_counts(l(&x), l(&y), l(&z));
        check_types!(&reference_signed, &reference_counts_signed; i8, i16, i32);
    }
}

// ---------------------------------------------------------------------------------------------
// One thread = many threads
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `i32` labels in a narrow range: dense tables.
    Narrow,
    /// `i64` labels spread over 2^62 and `u64` labels above 2^63: factorised columns.
    Wide,
    /// A mix of the two, with four columns of distinct labels (the product of their alphabets
    /// overflows `u64`: sorted rows).
    Mixed,
}

#[derive(Debug, Clone, Copy)]
struct Long {
    seed: u64,
    n: usize,
    alphabet: u64,
    shape: Shape,
}

fn long() -> impl Strategy<Value = Long> {
    (
        any::<u64>(),
        100_000usize..=140_000,
        2u64..=600,
        prop_oneof![Just(Shape::Narrow), Just(Shape::Wide), Just(Shape::Mixed)],
    )
        .prop_map(|(seed, n, alphabet, shape)| Long {
            seed,
            n,
            alphabet,
            shape,
        })
}

/// Everything computed from `columns` (at least three), as exact values and float bits.
#[derive(Debug, PartialEq)]
struct Everything {
    histograms: Vec<(Vec<u64>, Vec<u64>)>,
    tables: Vec<(Vec<Vec<u64>>, Vec<u64>)>,
    contingency: fastinfo::Contingency,
    estimates: Vec<u64>,
}

fn everything(columns: &[Labels<'_>]) -> Everything {
    let (x, y, z) = (columns[0], columns[1], columns[2]);
    let mut estimates = all_estimates(x, y, z);
    for e in ESTIMATORS {
        estimates.push(entropy(columns, e).unwrap().to_bits());
        estimates.push(
            mutual_information(&columns[..1], &columns[1..], e)
                .unwrap()
                .to_bits(),
        );
        estimates.push(
            conditional_mutual_information(&columns[..1], &columns[1..2], &columns[2..], e)
                .unwrap()
                .to_bits(),
        );
    }
    Everything {
        histograms: columns
            .iter()
            .map(|&c| histogram(c).unwrap().histogram())
            .collect(),
        tables: vec![
            joint_counts(&columns[..2]).unwrap().nonzero_cells(),
            joint_counts(&columns[..3]).unwrap().nonzero_cells(),
            joint_counts(columns).unwrap().nonzero_cells(),
        ],
        contingency: contingency(&columns[..1], &columns[1..3]).unwrap(),
        estimates,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn thread_count_does_not_change_results(c in long()) {
        let mut rng = SplitMix(c.seed);
        let a = c.alphabet;
        // x free; y a noisy function of x; z free and small.
        let x: Vec<u64> = (0..c.n).map(|_| rng.below(a)).collect();
        let y: Vec<u64> = x
            .iter()
            .map(|&v| if rng.below(3) == 0 { rng.below(a) } else { (v * 7 + 3) % a })
            .collect();
        let z: Vec<u64> = (0..c.n).map(|_| rng.below(5)).collect();
        // Wide encodings: distinct random i64s over ±2^62 and u64s above 2^63.
        let table: Vec<i64> = (0..a).map(|_| (rng.next() >> 1) as i64 - (1 << 62)).collect();
        let wide = |v: &[u64]| -> Vec<i64> { v.iter().map(|&v| table[v as usize]).collect() };
        let high = |v: &[u64]| -> Vec<u64> {
            v.iter().map(|&v| (1 << 63) + v * 0x1_0000_0001).collect()
        };
        let narrow32 = |v: &[u64]| -> Vec<i32> { v.iter().map(|&v| v as i32 - 100).collect() };
        let (xn, yn, zn) = (narrow32(&x), narrow32(&y), narrow32(&z));
        let (xw, yw, zw) = (wide(&x), high(&y), wide(&z));
        let ids: Vec<Vec<u64>> = (0..4).map(|_| (0..c.n).map(|_| rng.next()).collect()).collect();
        let columns: Vec<Labels<'_>> = match c.shape {
            Shape::Narrow => vec![l(&xn), l(&yn), l(&zn)],
            Shape::Wide => vec![l(&xw), l(&yw), l(&zw)],
            Shape::Mixed => [l(&xw), l(&yn), l(&zw)]
                .into_iter()
                .chain(ids.iter().map(|v| l(v)))
                .collect(),
        };
        let one = pool(1).install(|| everything(&columns));
        for threads in [2, 4] {
            let many = pool(threads).install(|| everything(&columns));
            prop_assert_eq!(&many, &one, "{} threads", threads);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counts are exact
// ---------------------------------------------------------------------------------------------

fn u64_label() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(u64::MAX),
        Just(1u64 << 63),
        Just((1u64 << 63) - 1),
        0u64..16,
        (1u64 << 63)..(1u64 << 63) + 16,
        (u64::MAX - 16)..=u64::MAX,
        any::<u64>(),
    ]
}

fn i64_label() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0i64),
        Just(-1i64),
        -8i64..8,
        i64::MIN..i64::MIN + 16,
        (i64::MAX - 16)..=i64::MAX,
        any::<i64>(),
    ]
}

/// A column drawn from a pool of a few labels (so values repeat), long enough to run in parallel
/// when `long` is set.
fn pooled<T: Clone + std::fmt::Debug>(
    label: impl Strategy<Value = T>,
) -> impl Strategy<Value = Vec<T>> {
    (vec(label, 1..40), any::<u64>(), 1usize..3000, any::<bool>()).prop_map(
        |(pool, seed, n, long)| {
            let n = if long { n + 40_000 } else { n };
            let mut rng = SplitMix(seed);
            (0..n)
                .map(|_| pool[rng.below(pool.len() as u64) as usize].clone())
                .collect()
        },
    )
}

fn brute_histogram<T: Ord + Copy>(v: &[T]) -> BTreeMap<T, u64> {
    let mut map = BTreeMap::new();
    for &x in v {
        *map.entry(x).or_insert(0) += 1;
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn histogram_of_u64_is_exact(v in pooled(u64_label())) {
        let (keys, counts) = histogram(l(&v)).unwrap().histogram();
        let expected = brute_histogram(&v);
        prop_assert_eq!(keys, expected.keys().copied().collect::<Vec<_>>());
        prop_assert_eq!(counts, expected.values().copied().collect::<Vec<_>>());
    }

    #[test]
    fn histogram_of_i64_is_exact(v in pooled(i64_label())) {
        let (keys, counts) = histogram(l(&v)).unwrap().histogram();
        let expected = brute_histogram(&v);
        let values: Vec<i64> = keys.into_iter().map(i64::from_key).collect();
        prop_assert_eq!(values, expected.keys().copied().collect::<Vec<_>>());
        prop_assert_eq!(counts, expected.values().copied().collect::<Vec<_>>());
    }

    #[test]
    fn histogram_of_small_types_is_exact(
        v in vec(any::<i8>(), 1..3000),
        w in vec(any::<u16>(), 1..3000),
    ) {
        let (keys, counts) = histogram(l(&v)).unwrap().histogram();
        let expected = brute_histogram(&v);
        let values: Vec<i8> = keys.into_iter().map(i8::from_key).collect();
        prop_assert_eq!(values, expected.keys().copied().collect::<Vec<_>>());
        prop_assert_eq!(counts, expected.values().copied().collect::<Vec<_>>());
        let (keys, counts) = histogram(l(&w)).unwrap().histogram();
        let expected = brute_histogram(&w);
        let values: Vec<u16> = keys.into_iter().map(u16::from_key).collect();
        prop_assert_eq!(values, expected.keys().copied().collect::<Vec<_>>());
        prop_assert_eq!(counts, expected.values().copied().collect::<Vec<_>>());
    }

    #[test]
    fn joint_counts_and_contingency_are_exact(
        a in pooled(i64_label()),
        seed in any::<u64>(),
        narrow in 1u64..20,
    ) {
        // Four columns of four types: i64 extremes, u64 above 2^63, narrow u8 and i16.
        let n = a.len();
        let mut rng = SplitMix(seed);
        let b: Vec<u64> = a.iter().map(|&v| {
            if rng.below(4) == 0 { u64::MAX - rng.below(3) } else { (v as u64) | (1 << 63) }
        }).collect();
        let c: Vec<u8> = (0..n).map(|_| rng.below(narrow) as u8).collect();
        let d: Vec<i16> = a.iter().map(|&v| (v % 7) as i16 - rng.below(2) as i16).collect();
        let (a, b, c, d) = (l(&a), l(&b), l(&c), l(&d));

        for cols in [vec![a], vec![a, b], vec![c, a], vec![a, c, d], vec![b, d, c, a]] {
            prop_assert_eq!(counted(&cols), brute_force(&cols));
        }

        // contingency(x = (a, c), y = (b, d)) against brute force over key tuples.
        let (x, y) = ([a, c], [b, d]);
        let table = contingency(&x, &y).unwrap();
        let mut expected: BTreeMap<(Vec<u64>, Vec<u64>), u64> = BTreeMap::new();
        for i in 0..n {
            let xs = x.iter().map(|c| c.key(i)).collect();
            let ys = y.iter().map(|c| c.key(i)).collect();
            *expected.entry((xs, ys)).or_insert(0) += 1;
        }
        let tuple = |values: &[Vec<u64>], r: u64| -> Vec<u64> {
            values.iter().map(|column| column[r as usize]).collect()
        };
        prop_assert_eq!(table.x_values.len(), 2);
        prop_assert_eq!(table.y_values.len(), 2);
        let rows_of = |values: &[Vec<u64>]| -> Vec<Vec<u64>> {
            (0..values[0].len() as u64).map(|r| tuple(values, r)).collect()
        };
        let (x_rows, y_rows) = (rows_of(&table.x_values), rows_of(&table.y_values));
        prop_assert!(x_rows.windows(2).all(|w| w[0] < w[1]), "x values ascending and distinct");
        prop_assert!(y_rows.windows(2).all(|w| w[0] < w[1]), "y values ascending and distinct");
        let distinct_x: BTreeSet<&Vec<u64>> = expected.keys().map(|k| &k.0).collect();
        let distinct_y: BTreeSet<&Vec<u64>> = expected.keys().map(|k| &k.1).collect();
        prop_assert_eq!(x_rows.iter().collect::<BTreeSet<_>>(), distinct_x);
        prop_assert_eq!(y_rows.iter().collect::<BTreeSet<_>>(), distinct_y);
        prop_assert_eq!(table.rows.len(), table.counts.len());
        prop_assert_eq!(table.columns.len(), table.counts.len());
        let cells: Vec<(u64, u64)> = table
            .rows
            .iter()
            .copied()
            .zip(table.columns.iter().copied())
            .collect();
        prop_assert!(cells.windows(2).all(|w| w[0] < w[1]), "cells ascending by (row, column)");
        let got: BTreeMap<(Vec<u64>, Vec<u64>), u64> = cells
            .iter()
            .zip(&table.counts)
            .map(|(&(r, c), &count)| {
                ((tuple(&table.x_values, r), tuple(&table.y_values, c)), count)
            })
            .collect();
        prop_assert_eq!(got, expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

/// `rows × k` weights, each row with at least one positive weight, many zeros.
fn distributions() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, usize)> {
    (1usize..=4, 1usize..=8).prop_flat_map(|(rows, k)| {
        let weight = prop_oneof![2 => Just(0.0), 5 => 1e-3..1.0f64, 1 => 1.0..1e3f64];
        (
            vec(weight.clone(), rows * k),
            vec(weight, rows * k),
            Just(k),
        )
            .prop_map(|(mut p, mut q, k)| {
                for row in p.chunks_mut(k).chain(q.chunks_mut(k)) {
                    if row.iter().all(|&w| w == 0.0) {
                        row[0] = 0.5;
                    }
                }
                (p, q, k)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn pmf_divergences((p, q, k) in distributions(), normalize_q in any::<bool>()) {
        let dp = Distributions::new(&p, k, "p").unwrap();
        let dq = Distributions::new(&q, k, "q").unwrap();
        // Identical rows: exactly zero divergence.
        for d in pmf::kl_divergence(&dp, &dp, true).unwrap() {
            prop_assert_eq!(d, 0.0);
        }
        for d in pmf::js_divergence(&dp, &dp, true).unwrap() {
            prop_assert_eq!(d, 0.0);
        }
        let h = pmf::entropy(&dp, true).unwrap();
        let kl = pmf::kl_divergence(&dp, &dq, true).unwrap();
        let cross = pmf::cross_entropy(&dp, &dq, true).unwrap();
        let js = pmf::js_divergence(&dp, &dq, true).unwrap();
        let js_back = pmf::js_divergence(&dq, &dp, true).unwrap();
        for r in 0..dp.rows() {
            let (pr, qr) = (dp.row(r), dq.row(r));
            let mismatch = pr.iter().zip(qr).any(|(&a, &b)| a > 0.0 && b == 0.0);
            prop_assert!(h[r] >= 0.0 && h[r] <= (k as f64).ln() + TOL);
            prop_assert!((0.0..=LN_2).contains(&js[r]), "JS = {}", js[r]);
            prop_assert!((js[r] - js_back[r]).abs() <= TOL, "JS symmetric");
            if mismatch {
                prop_assert_eq!(kl[r], f64::INFINITY);
                prop_assert_eq!(cross[r], f64::INFINITY);
            } else {
                prop_assert!(kl[r].is_finite() && kl[r] >= 0.0);
                let scale = 1f64.max(cross[r].abs());
                prop_assert!(
                    (cross[r] - (h[r] + kl[r])).abs() <= TOL * scale,
                    "H(p,q) = {} but H(p) + KL = {} + {}", cross[r], h[r], kl[r]
                );
            }
        }
        // Scaling a row does not change a normalised result (beyond rounding).
        if normalize_q {
            let scaled: Vec<f64> = q.iter().map(|&w| w * 3.0).collect();
            let ds = Distributions::new(&scaled, k, "q").unwrap();
            let kl_scaled = pmf::kl_divergence(&dp, &ds, true).unwrap();
            for (a, b) in kl.iter().zip(&kl_scaled) {
                prop_assert!(a == b || (a - b).abs() <= TOL * 1f64.max(a.abs()));
            }
        }
    }

    #[test]
    fn kl_is_infinite_on_support_mismatch((p, _q, k) in distributions(), pick in any::<usize>()) {
        // q = p with one positive weight of p set to zero (and something else positive).
        let dp = Distributions::new(&p, k, "p").unwrap();
        let mut q = p.clone();
        for row in q.chunks_mut(k) {
            let positive: Vec<usize> = (0..k).filter(|&i| row[i] > 0.0).collect();
            let i = positive[pick % positive.len()];
            row[i] = 0.0;
            if row.iter().all(|&w| w == 0.0) {
                if k == 1 {
                    return Ok(()); // no distribution on one outcome misses its support
                }
                row[(i + 1) % k] = 1.0;
            }
        }
        let dq = Distributions::new(&q, k, "q").unwrap();
        for d in pmf::kl_divergence(&dp, &dq, true).unwrap() {
            prop_assert_eq!(d, f64::INFINITY);
        }
        for d in pmf::cross_entropy(&dp, &dq, true).unwrap() {
            prop_assert_eq!(d, f64::INFINITY);
        }
        for d in pmf::js_divergence(&dp, &dq, true).unwrap() {
            prop_assert!(d.is_finite() && (0.0..=LN_2).contains(&d));
        }
    }
}
