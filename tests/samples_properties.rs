//! Property tests of the multivariate, time-series and generalised-entropy kernels
//! (`fastinfo::samples`): every integer type, state spaces on both sides of the dense-table limit,
//! values far outside the bulk of a series, against the definitions through the counting engine.
//!
//! Run with `cargo test --profile ci --test samples_properties`.
#![allow(clippy::float_cmp)] // bit-identical results are the point of several of these tests

use fastinfo::samples::multivariate::{
    dual_total_correlation, interaction_information, o_information, total_correlation,
};
use fastinfo::samples::renyi::{sample_entropy, Family};
use fastinfo::samples::transfer::{
    active_information_storage, entropy_rate, transfer_entropy, transfer_entropy_matrix, Embedding,
};
use fastinfo::{
    conditional_entropy, conditional_mutual_information, entropy, mutual_information, Estimator,
    Labels,
};
use proptest::collection::vec;
use proptest::prelude::*;
use std::sync::atomic::AtomicBool;

static NEVER: AtomicBool = AtomicBool::new(false);

/// The lagged columns `x[t − lag]`, `t = warmup .. n`.
fn lagged(x: &[i64], lags: &[usize], warmup: usize) -> Vec<Vec<i64>> {
    lags.iter()
        .map(|&lag| x[warmup - lag..x.len() - lag].to_vec())
        .collect()
}

fn labels(columns: &[Vec<i64>]) -> Vec<Labels<'_>> {
    columns.iter().map(Labels::from).collect()
}

/// `x` cast to every integer type that holds its values, as owned vectors.
#[allow(clippy::type_complexity)]
fn casts(
    x: &[i64],
) -> (
    Vec<u8>,
    Vec<u16>,
    Vec<u32>,
    Vec<u64>,
    Vec<i8>,
    Vec<i16>,
    Vec<i32>,
) {
    (
        x.iter().map(|&v| v as u8).collect(),
        x.iter().map(|&v| v as u16).collect(),
        x.iter().map(|&v| v as u32).collect(),
        x.iter().map(|&v| v as u64).collect(),
        x.iter().map(|&v| v as i8).collect(),
        x.iter().map(|&v| v as i16).collect(),
        x.iter().map(|&v| v as i32).collect(),
    )
}

fn series(len: std::ops::Range<usize>, card: i64) -> impl Strategy<Value = Vec<i64>> {
    vec(0..card, len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Transfer entropy is the CMI of the lagged columns, bit for bit, for cardinalities and
    /// histories whose state spaces lie below and above the dense-table limit (8 n states).
    #[test]
    fn transfer_entropy_is_the_cmi_of_lagged_columns(
        y in series(40..600, 9),
        card in prop_oneof![Just(2i64), Just(3), Just(9)],
        k in 1usize..5,
        l in 1usize..3,
        u in 1usize..3,
        mm in any::<bool>(),
    ) {
        let y: Vec<i64> = y.iter().map(|v| v % card).collect();
        let x: Vec<i64> = y.iter().enumerate().map(|(t, v)| (v + t as i64 % 2) % card).collect();
        let e = Embedding { history: k, source_history: l, delay: u };
        let estimator = if mm { Estimator::MillerMadow } else { Estimator::Plugin };
        let w = k.max(u + l - 1);
        prop_assume!(x.len() > w);
        let te = transfer_entropy(
            &[Labels::from(&y)], &[Labels::from(&x)], &[], e, estimator, false, &NEVER,
        ).unwrap().value;
        let future = lagged(&x, &[0], w);
        let source = lagged(&y, &(0..l).map(|i| u + l - 1 - i).collect::<Vec<_>>(), w);
        let past = lagged(&x, &(0..k).map(|i| k - i).collect::<Vec<_>>(), w);
        let cmi = conditional_mutual_information(
            &labels(&future), &labels(&source), &labels(&past), estimator,
        ).unwrap();
        prop_assert_eq!(te, cmi);
    }

    /// Every integer type gives the same bits (offset codes from each type's keys).
    #[test]
    fn every_dtype_gives_the_same_transfer_entropy(
        y in series(30..400, 4),
        x in series(30..400, 4),
        k in 1usize..4,
    ) {
        let n = y.len().min(x.len());
        let (y, x) = (&y[..n], &x[..n]);
        prop_assume!(n > k);
        let e = Embedding { history: k, source_history: 1, delay: 1 };
        let run = |a: Labels<'_>, b: Labels<'_>| {
            transfer_entropy(&[a], &[b], &[], e, Estimator::Plugin, true, &NEVER).unwrap()
        };
        let expected = run(Labels::from(y), Labels::from(x));
        let (y8, y16, y32, y64, yi8, yi16, yi32) = casts(y);
        let (x8, x16, x32, x64, xi8, xi16, xi32) = casts(x);
        prop_assert_eq!(&run(Labels::from(&y8), Labels::from(&x16)), &expected);
        prop_assert_eq!(&run(Labels::from(&y16), Labels::from(&x8)), &expected);
        prop_assert_eq!(&run(Labels::from(&y32), Labels::from(&xi32)), &expected);
        prop_assert_eq!(&run(Labels::from(&y64), Labels::from(&x64)), &expected);
        prop_assert_eq!(&run(Labels::from(&yi8), Labels::from(&xi16)), &expected);
        prop_assert_eq!(&run(Labels::from(&yi16), Labels::from(&x32)), &expected);
        prop_assert_eq!(&run(Labels::from(&yi8), Labels::from(&xi8)), &expected);
        prop_assert_eq!(&run(Labels::from(&yi32), Labels::from(&xi16)), &expected);
    }

    /// One value far outside the bulk (so the series is coded by rank, not offset) changes nothing
    /// but the labels: an order-preserving relabelling gives the same counts and local values.
    #[test]
    fn outliers_are_coded_by_rank(
        x in series(20..500, 5),
        at in any::<prop::sample::Index>(),
        far in prop_oneof![Just(1i64 << 40), Just(-(1i64 << 62)), Just(i64::MAX)],
    ) {
        let mut x = x;
        let i = at.index(x.len());
        x[i] = far;
        // The same series with the outlier mapped to a nearby value of the same rank.
        let near: Vec<i64> = x
            .iter()
            .map(|&v| if v == far { if far > 0 { 5 } else { -1 } } else { v })
            .collect();
        for f in [active_information_storage, entropy_rate] {
            let a = f(&[Labels::from(&x)], 2, Estimator::Plugin, true, &NEVER);
            let b = f(&[Labels::from(&near)], 2, Estimator::Plugin, true, &NEVER);
            match (a, b) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
            }
        }
    }

    /// Trials pool their observations: the storage of a series cut into trials is the MI of the
    /// concatenated lagged columns of each trial, and AIS + entropy rate = H(future).
    #[test]
    fn trials_pool_their_observations(
        a in series(5..200, 3),
        b in series(5..200, 3),
        k in 1usize..4,
    ) {
        let n = a.len().min(b.len());
        prop_assume!(n > k);
        let (a, b) = (&a[..n], &b[..n]);
        let trials = [Labels::from(a), Labels::from(b)];
        let ais = active_information_storage(&trials, k, Estimator::Plugin, false, &NEVER)
            .unwrap()
            .value;
        let rate = entropy_rate(&trials, k, Estimator::Plugin, false, &NEVER).unwrap().value;
        let lags: Vec<usize> = (0..k).map(|i| k - i).collect();
        let mut future = lagged(a, &[0], k);
        future[0].extend(&lagged(b, &[0], k)[0]);
        let mut past = lagged(a, &lags, k);
        for (column, extra) in past.iter_mut().zip(lagged(b, &lags, k)) {
            column.extend(extra);
        }
        let mi = mutual_information(&labels(&future), &labels(&past), Estimator::Plugin).unwrap();
        let h = conditional_entropy(&labels(&future), &labels(&past), Estimator::Plugin).unwrap();
        prop_assert_eq!(ais, mi);
        prop_assert_eq!(rate, h);
        let hf = entropy(&labels(&future), Estimator::Plugin).unwrap();
        prop_assert!((ais + rate - hf).abs() < 1e-12);
    }

    /// Every matrix entry is the pair's transfer entropy, on both counting paths (bitsets for
    /// few states, pairs otherwise).
    #[test]
    fn matrix_entries_are_pairs(
        columns in vec(series(50..51, 3), 2..5),
        binary in any::<bool>(),
        k in 1usize..4,
    ) {
        let columns: Vec<Vec<i64>> = if binary {
            columns.iter().map(|c| c.iter().map(|v| v % 2).collect()).collect()
        } else {
            columns
        };
        let trials: Vec<[Labels<'_>; 1]> = columns.iter().map(|c| [Labels::from(c)]).collect();
        let views: Vec<&[Labels<'_>]> = trials.iter().map(<[Labels<'_>; 1]>::as_slice).collect();
        let e = Embedding { history: k, source_history: 1, delay: 1 };
        let m = transfer_entropy_matrix(&views, e, Estimator::Plugin, &NEVER).unwrap();
        let d = columns.len();
        for i in 0..d {
            for j in 0..d {
                let expected = if i == j {
                    0.0
                } else {
                    transfer_entropy(views[i], views[j], &[], e, Estimator::Plugin, false, &NEVER)
                        .unwrap()
                        .value
                };
                prop_assert_eq!(m[i * d + j], expected);
            }
        }
    }

    /// TC, DTC, O and II against sums of joint entropies from the counting engine, on columns
    /// of every width (a 300-valued column forces hashed folds).
    #[test]
    fn multivariate_measures_are_sums_of_entropies(
        columns in vec(series(1..120, 4), 1..6),
        wide in any::<bool>(),
    ) {
        let n = columns.iter().map(Vec::len).min().unwrap();
        let mut columns: Vec<Vec<i64>> = columns.iter().map(|c| c[..n].to_vec()).collect();
        if wide {
            columns[0] = columns[0].iter().enumerate().map(|(t, v)| v * 1000 + t as i64 % 300).collect();
        }
        let d = columns.len();
        let single: Vec<[Labels<'_>; 1]> = columns.iter().map(|c| [Labels::from(c)]).collect();
        let vars: Vec<&[Labels<'_>]> = single.iter().map(<[Labels<'_>; 1]>::as_slice).collect();
        let h = |keep: &[usize]| {
            if keep.is_empty() {
                return 0.0;
            }
            let cols: Vec<Labels<'_>> = keep.iter().map(|&i| Labels::from(&columns[i])).collect();
            entropy(&cols, Estimator::Plugin).unwrap()
        };
        let all: Vec<usize> = (0..d).collect();
        let joint = h(&all);
        let marginals: f64 = (0..d).map(|i| h(&[i])).sum();
        let rest: f64 = (0..d)
            .map(|i| h(&all.iter().copied().filter(|&j| j != i).collect::<Vec<_>>()))
            .sum();
        let tc = total_correlation(&vars, Estimator::Plugin, u64::MAX, &NEVER).unwrap();
        let dtc = dual_total_correlation(&vars, Estimator::Plugin, u64::MAX, &NEVER).unwrap();
        let o = o_information(&vars, Estimator::Plugin, u64::MAX, &NEVER).unwrap();
        let tol = 1e-11 * (1.0 + d as f64 * joint);
        prop_assert!((tc - (marginals - joint).max(0.0)).abs() < tol);
        prop_assert!((dtc - (rest - (d as f64 - 1.0) * joint).max(0.0)).abs() < tol);
        prop_assert!((o - ((d as f64 - 2.0) * joint + marginals - rest)).abs() < tol);
        if d >= 2 {
            let mut co = 0.0;
            for mask in 1u32..(1 << d) {
                let keep: Vec<usize> = (0..d).filter(|&i| mask & (1 << i) != 0).collect();
                let sign = if keep.len() % 2 == 1 { 1.0 } else { -1.0 };
                co += sign * h(&keep);
            }
            let expected = if d.is_multiple_of(2) { co } else { -co };
            let ii = interaction_information(&vars, Estimator::Plugin, u64::MAX, &NEVER).unwrap();
            prop_assert!((ii - expected).abs() < tol);
        }
    }

    /// Rényi and Tsallis of order 1 are the plug-in entropy, bit for bit; Rényi never increases
    /// with the order.
    #[test]
    fn generalised_entropies(x in series(1..300, 20), orders in vec(0.0f64..20.0, 1..6)) {
        let xs = [Labels::from(&x)];
        let h = entropy(&xs, Estimator::Plugin).unwrap();
        prop_assert_eq!(sample_entropy(&xs, Family::Renyi(1.0)).unwrap(), h);
        prop_assert_eq!(sample_entropy(&xs, Family::Tsallis(1.0)).unwrap(), h);
        let mut orders = orders;
        orders.sort_by(f64::total_cmp);
        orders.push(f64::INFINITY);
        let values: Vec<f64> = orders
            .iter()
            .map(|&a| sample_entropy(&xs, Family::Renyi(a)).unwrap())
            .collect();
        for w in values.windows(2) {
            prop_assert!(w[1] <= w[0] + 1e-12, "{:?} {:?}", orders, values);
        }
    }
}
