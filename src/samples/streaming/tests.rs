#![allow(clippy::float_cmp)] // bit-identical results are the point of these tests

use super::*;
use crate::samples::agreement::Average;
use crate::testing::SplitMix;
use crate::Estimator;
use crate::{conditional_entropy, conditional_mutual_information, entropy, mutual_information};

const INT: &str = "int";

fn int_column<'a>(labels: Labels<'a>, kind: &'a Kind) -> Column<'a> {
    Column {
        labels,
        values: None,
        kind,
        name: "x".into(),
    }
}

/// Three columns: small (16 values), signed with a wide range, and wide (hashed tables).
fn columns(n: usize, seed: u64) -> (Vec<u8>, Vec<i64>, Vec<u64>) {
    let mut rng = SplitMix(seed);
    let a: Vec<u8> = (0..n).map(|_| (rng.next() % 16) as u8).collect();
    let b: Vec<i64> = a
        .iter()
        .map(|&a| i64::from(a % 4) * 1_000_000_007 - (rng.next() % 3) as i64)
        .collect();
    let c: Vec<u64> = (0..n).map(|_| (rng.next() % 5000) << 40).collect();
    (a, b, c)
}

/// An accumulator of the three columns, counted in batches ending at `cuts`.
fn counted(a: &[u8], b: &[i64], c: &[u64], cuts: &[usize]) -> Accumulator {
    let kind = Kind::new(INT);
    let mut acc = Accumulator::new(Layout::Joint(3));
    let mut start = 0;
    for &end in cuts.iter().chain([a.len()].iter()) {
        let batch = acc
            .count_near(
                &[
                    int_column(Labels::from(&a[start..end]), &kind),
                    int_column(Labels::from(&b[start..end]), &kind),
                    int_column(Labels::from(&c[start..end]), &kind),
                ],
                &std::sync::atomic::AtomicBool::new(false),
            )
            .unwrap();
        acc.check(&batch).unwrap();
        acc.commit(batch).unwrap();
        start = end;
    }
    acc
}

#[test]
fn every_estimate_has_the_bits_of_the_concatenated_labels() {
    let n = 20_000;
    let (a, b, c) = columns(n, 3);
    let acc = counted(&a, &b, &c, &[0, 1, 777, 5000, 5000, 19_999]);
    assert_eq!(acc.n(), n as u64);
    let (la, lb, lc) = ([Labels::from(&a)], [Labels::from(&b)], [Labels::from(&c)]);
    for &e in &[
        Estimator::Plugin,
        Estimator::MillerMadow,
        Estimator::Jackknife,
        Estimator::Grassberger,
        Estimator::ChaoShen,
        Estimator::Nsb,
    ] {
        assert_eq!(
            acc.conditional_entropy(&[0], &[], e).unwrap(),
            entropy(&la, e).unwrap()
        );
        assert_eq!(
            acc.conditional_entropy(&[2], &[], e).unwrap(),
            entropy(&lc, e).unwrap()
        );
        assert_eq!(
            acc.conditional_entropy(&[0], &[1], e).unwrap(),
            conditional_entropy(&la, &lb, e).unwrap()
        );
        assert_eq!(
            acc.information(&[0], &[1], &[], e).unwrap(),
            mutual_information(&la, &lb, e).unwrap()
        );
        assert_eq!(
            acc.information(&[2], &[0], &[], e).unwrap(),
            mutual_information(&lc, &la, e).unwrap()
        );
        assert_eq!(
            acc.information(&[0], &[2], &[1], e).unwrap(),
            conditional_mutual_information(&la, &lc, &lb, e).unwrap()
        );
        let ab = [Labels::from(&a), Labels::from(&b)];
        assert_eq!(
            acc.information(&[0, 1], &[2], &[], e).unwrap(),
            mutual_information(&ab, &lc, e).unwrap()
        );
    }
}

#[test]
fn partitions_and_merge_orders_give_the_same_bytes() {
    let n = 6000;
    let (a, b, c) = columns(n, 11);
    let whole = counted(&a, &b, &c, &[]);
    let parts: Vec<Accumulator> = [(0, 1000), (1000, 1001), (1001, 4000), (4000, 6000)]
        .iter()
        .map(|&(s, e)| counted(&a[s..e], &b[s..e], &c[s..e], &[]))
        .collect();
    let mut forward = Accumulator::new(Layout::Joint(3));
    for p in &parts {
        forward.merge(p).unwrap();
    }
    let mut backward = parts[3].clone();
    backward.merge(&parts[1]).unwrap();
    let mut left = parts[2].clone();
    left.merge(&parts[0]).unwrap();
    backward.merge(&left).unwrap();
    let bytes = whole.to_bytes();
    assert_eq!(forward.to_bytes(), bytes);
    assert_eq!(backward.to_bytes(), bytes);
    let e = Estimator::Grassberger;
    let value = whole.information(&[0], &[2], &[1], e).unwrap();
    assert_eq!(backward.information(&[0], &[2], &[1], e).unwrap(), value);
    let restored = Accumulator::from_bytes(&bytes, "state").unwrap();
    assert_eq!(restored.to_bytes(), bytes);
    assert_eq!(restored.information(&[0], &[2], &[1], e).unwrap(), value);
}

#[test]
fn integer_types_merge_by_value() {
    let kind = Kind::new(INT);
    let small: Vec<u8> = vec![0, 1, 200, 7];
    let signed: Vec<i64> = vec![-1, 200, 0, 0, 1 << 40];
    let big: Vec<u64> = vec![u64::MAX, 7];
    let mut acc = Accumulator::new(Layout::Joint(1));
    for labels in [
        Labels::from(&small),
        Labels::from(&signed),
        Labels::from(&big),
    ] {
        let batch = Accumulator::count(acc.layout(), &[int_column(labels, &kind)]).unwrap();
        acc.check(&batch).unwrap();
        acc.commit(batch).unwrap();
    }
    let (values, counts) = acc.counts(&[0]).unwrap();
    assert_eq!(
        values,
        vec![Values::Integers(vec![
            -1,
            0,
            1,
            7,
            200,
            1 << 40,
            i128::from(u64::MAX)
        ])]
    );
    assert_eq!(counts, vec![1, 3, 1, 2, 2, 1, 1]);
}

#[test]
fn codes_stand_for_their_values_and_kinds_must_agree() {
    let text = Kind::new("str");
    let words = |w: &[&str]| Values::Texts(w.iter().map(|s| s.as_bytes().into()).collect());
    let first = words(&["b", "a"]);
    let second = words(&["c", "a", "zz"]);
    let codes1: Vec<i8> = vec![0, 1, 1, 0];
    let codes2: Vec<i64> = vec![2, 1, 0];
    let mut acc = Accumulator::new(Layout::Joint(1));
    for (codes, values) in [
        (Labels::from(&codes1), &first),
        (Labels::from(&codes2), &second),
    ] {
        let column = Column {
            labels: codes,
            values: Some(values),
            kind: &text,
            name: "x".into(),
        };
        let batch = Accumulator::count(acc.layout(), &[column]).unwrap();
        acc.check(&batch).unwrap();
        acc.commit(batch).unwrap();
    }
    let (values, counts) = acc.counts(&[0]).unwrap();
    assert_eq!(values, vec![words(&["a", "b", "c", "zz"])]);
    assert_eq!(counts, vec![3, 2, 1, 1]);
    // Integers after strings: refused, and the counts are unchanged.
    let before = acc.to_bytes();
    let int = Kind::new(INT);
    let numbers: Vec<i32> = vec![1, 2];
    let batch =
        Accumulator::count(acc.layout(), &[int_column(Labels::from(&numbers), &int)]).unwrap();
    assert!(matches!(acc.check(&batch), Err(Error::WrongKind { .. })));
    assert_eq!(acc.to_bytes(), before);
    // A code beyond the values is an error, not a panic.
    let bad: Vec<i64> = vec![0, 3];
    let column = Column {
        labels: Labels::from(&bad),
        values: Some(&first),
        kind: &text,
        name: "x".into(),
    };
    assert!(matches!(
        Accumulator::count(acc.layout(), &[column]),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn contingency_matches_the_core() {
    let (a, b, _) = columns(3000, 5);
    let kind = Kind::new(INT);
    let mut acc = Accumulator::new(Layout::Joint(2));
    for (s, e) in [(0, 100), (100, 3000)] {
        let batch = Accumulator::count(
            acc.layout(),
            &[
                int_column(Labels::from(&a[s..e]), &kind),
                int_column(Labels::from(&b[s..e]), &kind),
            ],
        )
        .unwrap();
        acc.commit(batch).unwrap();
    }
    let mine = acc.contingency(&[0], &[1]).unwrap();
    let core = crate::contingency(&[Labels::from(&a)], &[Labels::from(&b)]).unwrap();
    assert_eq!(mine.rows, core.rows);
    assert_eq!(mine.columns, core.columns);
    assert_eq!(mine.counts, core.counts);
    let as_ints = |keys: &[u64], signed: bool| -> Values {
        Values::Integers(
            keys.iter()
                .map(|&k| {
                    if signed {
                        i128::from((k ^ (1 << 63)) as i64)
                    } else {
                        i128::from(k)
                    }
                })
                .collect(),
        )
    };
    assert_eq!(mine.x_values, vec![as_ints(&core.x_values[0], false)]);
    assert_eq!(mine.y_values, vec![as_ints(&core.y_values[0], true)]);
}

#[test]
fn pairs_and_target_layouts_match_the_dataset_functions() {
    use crate::samples::dataset::{mutual_information_matrix, mutual_information_with, Columns};
    let (a, b, c) = columns(4000, 9);
    let kind = Kind::new(INT);
    let b8: Vec<u8> = b.iter().map(|&v| v.rem_euclid(7) as u8).collect();
    let mut pairs = Accumulator::new(Layout::Pairs(3));
    let mut target = Accumulator::new(Layout::Target(2));
    for (s, e) in [(0, 1500), (1500, 4000)] {
        let cols = [
            int_column(Labels::from(&a[s..e]), &kind),
            int_column(Labels::from(&b8[s..e]), &kind),
            int_column(Labels::from(&c[s..e]), &kind),
        ];
        pairs
            .commit(Accumulator::count(pairs.layout(), &cols).unwrap())
            .unwrap();
        target
            .commit(Accumulator::count(target.layout(), &cols).unwrap())
            .unwrap();
    }
    let x = Columns::Separate(vec![Labels::from(&a), Labels::from(&b8), Labels::from(&c)]);
    let no = std::sync::atomic::AtomicBool::new(false);
    for e in [Estimator::Plugin, Estimator::ChaoShen] {
        for normalized in [None, Some(Average::Geometric)] {
            assert_eq!(
                pairs.information_matrix(e, normalized).unwrap(),
                mutual_information_matrix(&x, e, normalized, u64::MAX, &no).unwrap()
            );
        }
        let x2 = Columns::Separate(vec![Labels::from(&a), Labels::from(&b8)]);
        assert_eq!(
            target.information_with(e).unwrap(),
            mutual_information_with(&x2, Labels::from(&c), e, u64::MAX, &no).unwrap()
        );
    }
    assert!(pairs.information_with(Estimator::Plugin).is_err());
}

#[test]
fn corrupt_bytes_are_errors_not_panics() {
    let (a, b, c) = columns(500, 2);
    let bytes = counted(&a, &b, &c, &[250]).to_bytes();
    for cut in 0..bytes.len() {
        assert!(
            Accumulator::from_bytes(&bytes[..cut], "state").is_err(),
            "cut {cut}"
        );
    }
    let mut rng = SplitMix(1);
    for _ in 0..2000 {
        let mut flipped = bytes.clone();
        let i = (rng.next() % bytes.len() as u64) as usize;
        flipped[i] ^= 1 << (rng.next() % 8);
        // Either an error or a valid state that encodes back to the same bytes.
        if let Ok(acc) = Accumulator::from_bytes(&flipped, "state") {
            assert_eq!(acc.to_bytes(), flipped);
        }
    }
    let empty = Accumulator::new(Layout::Target(4));
    let restored = Accumulator::from_bytes(&empty.to_bytes(), "state").unwrap();
    assert_eq!(restored.layout(), Layout::Target(4));
    assert_eq!(restored.n(), 0);
}

/// Counting each batch over the key ranges of the one before (`count_near`) gives the counts of
/// counting it afresh (`count`), whatever the ranges and label types of consecutive batches:
/// narrower, wider, disjoint, signed after unsigned (keys that do not fit the new type), 8-bit
/// after wider (8-bit labels are counted modulo 256 with no check), and back.
#[test]
fn counting_near_the_last_ranges_gives_the_fresh_counts() {
    let kind = Kind::new(INT);
    let mut rng = SplitMix(11);
    let mut near = Accumulator::new(Layout::Joint(2));
    let mut fresh = Accumulator::new(Layout::Joint(2));
    let mut all: Vec<(i128, i128)> = Vec::new();
    for round in 0..40u64 {
        let n = 1 + (rng.next() % 3000) as usize;
        let (lo, width) = match round % 5 {
            0 => (0i64, 64i64),
            1 => (10, 20),
            2 => (-300, 900),
            3 => (200, 56),
            _ => (1 << 40, 100),
        };
        let x: Vec<i64> = (0..n)
            .map(|_| lo + (rng.next() % width as u64) as i64)
            .collect();
        let y: Vec<i64> = x
            .iter()
            .map(|&v| (v + (rng.next() % 3) as i64) % 7)
            .collect();
        all.extend(
            x.iter()
                .zip(&y)
                .map(|(&a, &b)| (i128::from(a), i128::from(b))),
        );
        let (x8, y8): (Vec<u8>, Vec<u8>) = (
            x.iter().map(|&v| v as u8).collect(),
            y.iter().map(|&v| v as u8).collect(),
        );
        let (x32, y32): (Vec<i32>, Vec<i32>) = (
            x.iter().map(|&v| v as i32).collect(),
            y.iter().map(|&v| v as i32).collect(),
        );
        let xu: Vec<u16> = x.iter().map(|&v| v as u16).collect();
        // The types a batch may come in: those that hold every value of this round.
        let fits8 = lo >= 0 && lo + width <= 256;
        let fits32 = lo + width < 1 << 31;
        let fitsu = lo >= 0 && lo + width <= 1 << 16;
        let choice = rng.next() % 4;
        let cols: Vec<Labels<'_>> = match choice {
            0 if fits8 => vec![Labels::from(&x8), Labels::from(&y8)],
            1 if fits32 => vec![Labels::from(&x32), Labels::from(&y32)],
            2 if fitsu => vec![Labels::from(&xu), Labels::from(&y8)],
            _ => vec![Labels::from(&x), Labels::from(&y)],
        };
        let columns: Vec<Column<'_>> = cols.iter().map(|&l| int_column(l, &kind)).collect();
        let a = near
            .count_near(&columns, &std::sync::atomic::AtomicBool::new(false))
            .unwrap();
        near.check(&a).unwrap();
        near.commit(a).unwrap();
        let b = Accumulator::count(fresh.layout(), &columns).unwrap();
        fresh.check(&b).unwrap();
        fresh.commit(b).unwrap();
        for e in [Estimator::Plugin, Estimator::MillerMadow] {
            assert_eq!(
                near.conditional_entropy(&[0, 1], &[], e).unwrap(),
                fresh.conditional_entropy(&[0, 1], &[], e).unwrap()
            );
            assert_eq!(
                near.conditional_entropy(&[0], &[1], e).unwrap(),
                fresh.conditional_entropy(&[0], &[1], e).unwrap()
            );
        }
    }
    // And the counts are those of all the labels: values and their joint counts.
    let mut expected: HashMap<(i128, i128), u64> = HashMap::new();
    for pair in &all {
        *expected.entry(*pair).or_insert(0) += 1;
    }
    let batch = near.as_batch().unwrap();
    let Values::Integers(xs) = &batch.values[0] else {
        panic!("integer values")
    };
    let Values::Integers(ys) = &batch.values[1] else {
        panic!("integer values")
    };
    let mut found: HashMap<(i128, i128), u64> = HashMap::new();
    let cells = &batch.tables[0];
    for (ids, &count) in cells.indices.chunks_exact(2).zip(&cells.counts) {
        found.insert((xs[ids[0] as usize], ys[ids[1] as usize]), count);
    }
    assert_eq!(found, expected);
}

/// Commits `batch` into copies of `acc` whose `r`-th reservation the allocator refuses, for every
/// `r` until none is: each refused commit is `TooLarge` and leaves the counts, values and kinds
/// as they were, and the copy then takes the batch as `acc` does. Returns the refusals seen.
fn commit_refusing_each_reservation(acc: &mut Accumulator, batch: &Batch) -> usize {
    let before = acc.to_bytes();
    let mut expected = acc.clone();
    expected.commit(batch.clone()).unwrap();
    let expected = expected.to_bytes();
    for r in 0.. {
        let mut trial = acc.clone();
        crate::runtime::memory::refuse_after(Some(r));
        let result = trial.commit(batch.clone());
        crate::runtime::memory::refuse_after(None);
        match result {
            Ok(()) => {
                assert_eq!(trial.to_bytes(), expected);
                *acc = trial;
                return r;
            }
            Err(Error::TooLarge { .. }) => {
                assert_eq!(trial.to_bytes(), before, "refusal {r} changed the counts");
                assert_eq!(trial.kinds(), acc.kinds(), "refusal {r} changed the kinds");
                assert_eq!(trial.n(), acc.n());
                trial.commit(batch.clone()).unwrap();
                assert_eq!(trial.to_bytes(), expected, "after refusal {r}");
            }
            Err(e) => panic!("refusal {r}: {e}"),
        }
    }
    unreachable!()
}

#[test]
fn a_refused_allocation_in_commit_leaves_the_counts_unchanged() {
    // Widths grow batch by batch (dense stores re-keyed, then hashed: column c has 5000 values
    // spread over 2^52), values are new and known, and a variable's first batch installs its
    // dictionary and kind.
    let (a, b, c) = columns(6000, 21);
    let kind = Kind::new(INT);
    let mut joint = Accumulator::new(Layout::Joint(3));
    let mut pairs = Accumulator::new(Layout::Pairs(3));
    let mut refusals = 0;
    let mut start = 0;
    for end in [1, 40, 700, 3000, 6000] {
        let cols = [
            int_column(Labels::from(&a[start..end]), &kind),
            int_column(Labels::from(&b[start..end]), &kind),
            int_column(Labels::from(&c[start..end]), &kind),
        ];
        for acc in [&mut joint, &mut pairs] {
            let batch = Accumulator::count(acc.layout(), &cols).unwrap();
            acc.check(&batch).unwrap();
            refusals += commit_refusing_each_reservation(acc, &batch);
        }
        start = end;
    }
    // Strings, and a merge (whose copy of the other accumulator is refused first).
    let text = Kind::new("str");
    let words = Values::Texts(
        ["b", "a", "zz"]
            .iter()
            .map(|s| s.as_bytes().into())
            .collect(),
    );
    let codes: Vec<u8> = vec![0, 1, 2, 2, 1];
    let mut strings = Accumulator::new(Layout::Joint(1));
    let column = Column {
        labels: Labels::from(&codes),
        values: Some(&words),
        kind: &text,
        name: "x".into(),
    };
    let batch = Accumulator::count(strings.layout(), &[column]).unwrap();
    refusals += commit_refusing_each_reservation(&mut strings, &batch);
    let mut merged = strings.clone();
    crate::runtime::memory::refuse_after(Some(0));
    let copy = merged.merge(&strings);
    crate::runtime::memory::refuse_after(None);
    assert!(matches!(copy, Err(Error::TooLarge { .. })));
    assert_eq!(merged.to_bytes(), strings.to_bytes());
    refusals += commit_refusing_each_reservation(&mut merged, &strings.as_batch().unwrap());
    assert_eq!(merged.counts(&[0]).unwrap().1, vec![4, 2, 4]);
    // Every commit reserved something (ids, dictionaries, stores) before adding.
    assert!(refusals >= 20, "only {refusals} reservations");
}

#[test]
fn counts_past_2_to_the_64_are_refused_not_wrapped() {
    let int = Kind::new(INT);
    let values = [Values::Integers(vec![0, 1]), Values::Integers(vec![0, 1])];
    let table = |counts: &[u64]| {
        Accumulator::table_batch(
            Layout::Joint(2),
            &[int.clone(), int.clone()],
            &values,
            &[0, 0, 1, 1],
            counts,
        )
        .unwrap()
    };
    let mut big = Accumulator::new(Layout::Joint(2));
    big.commit(table(&[1 << 63, 1 << 62])).unwrap();
    let before = big.to_bytes();
    assert!(matches!(
        big.merge(&big.clone()),
        Err(Error::InvalidArgument { .. })
    ));
    let one = table(&[1, 0]);
    big.check(&one).unwrap();
    let mut full = Accumulator::new(Layout::Joint(2));
    full.commit(table(&[u64::MAX, 0])).unwrap();
    assert!(matches!(
        full.check(&one),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(big.to_bytes(), before);
    assert_eq!(full.n(), u64::MAX);
}
