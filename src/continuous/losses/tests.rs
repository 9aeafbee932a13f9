//! Tests of the losses: every level and thread count against the textbook formulas.

use super::*;
use crate::runtime::simd::exp::log_sum_exp_with;
use crate::testing::{ulps, SplitMix};

fn never() -> AtomicBool {
    AtomicBool::new(false)
}

fn options(reduction: Reduction) -> CrossEntropyOptions<'static> {
    CrossEntropyOptions {
        reduction,
        ..CrossEntropyOptions::default()
    }
}

fn per_row(loss: Loss) -> Vec<f64> {
    match loss {
        Loss::PerRow(v) => v,
        Loss::Total(t) => panic!("expected per-row values, got the total {t}"),
    }
}

#[allow(clippy::needless_pass_by_value)] // called on the temporaries the kernels return
fn total(loss: Loss) -> f64 {
    match loss {
        Loss::Total(t) => t,
        Loss::PerRow(_) => panic!("expected a total"),
    }
}

/// The textbook loss of one row, in plain scalar f64 with the standard library's exp and ln.
fn textbook(row: &[f64], label: usize) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = row.iter().map(|&z| (z - m).exp()).sum();
    m + s.ln() - row[label]
}

/// Rows of every awkward length (tails, several blocks) with logits of several scales and
/// the odd `−∞`.
fn rows(rng: &mut SplitMix) -> Vec<Vec<f64>> {
    let lengths = [
        1, 2, 7, 8, 9, 15, 16, 17, 63, 1023, 1024, 1025, 2047, 2048, 3001,
    ];
    let mut out = Vec::new();
    for (i, &k) in lengths.iter().enumerate() {
        let scale = [1.0, 10.0, 1e4, 1e-3][i % 4];
        let mut row: Vec<f64> = (0..k).map(|_| scale * (2.0 * rng.unit() - 1.0)).collect();
        if k > 3 {
            row[rng.below(k)] = f64::NEG_INFINITY;
        }
        // A large value late in the row makes the running maximum move (rescaling).
        if k > 1500 {
            row[k - 7] = 50.0 * scale;
        }
        out.push(row);
    }
    out
}

#[test]
fn every_level_gives_the_same_bits_and_the_textbook_value() {
    let mut rng = SplitMix(11);
    for row in rows(&mut rng) {
        let k = row.len();
        let lse = log_sum_exp_with(Level::Scalar, &row);
        for level in Level::ALL {
            assert_eq!(
                log_sum_exp_with(level, &row).to_bits(),
                lse.to_bits(),
                "{level:?}, k = {k}"
            );
            let as_f32: Vec<f32> = row.iter().map(|&x| x as f32).collect();
            let widened: Vec<f64> = as_f32.iter().map(|&x| f64::from(x)).collect();
            assert_eq!(
                log_sum_exp_with(level, &as_f32).to_bits(),
                log_sum_exp_with(Level::Scalar, &widened).to_bits(),
                "float32 at {level:?}, k = {k}"
            );
        }
        let label = (0..k).find(|&j| row[j].is_finite()).unwrap();
        for epsilon in [0.0, 0.1, 1.0] {
            let opts = CrossEntropyOptions {
                label_smoothing: epsilon,
                reduction: Reduction::None,
                ..CrossEntropyOptions::default()
            };
            let reference = per_row(
                cross_entropy_loss_with(Level::Scalar, &row, k, &[label as i64], &opts, &never())
                    .unwrap(),
            )[0];
            for level in Level::ALL {
                let v = per_row(
                    cross_entropy_loss_with(level, &row, k, &[label as i64], &opts, &never())
                        .unwrap(),
                )[0];
                assert_eq!(
                    v.to_bits(),
                    reference.to_bits(),
                    "{level:?} k = {k} ε = {epsilon}"
                );
            }
            if epsilon == 0.0 {
                let want = textbook(&row, label);
                let tolerance = 4.0 * f64::EPSILON * (row[label].abs() + want.abs() + 1.0);
                assert!(
                    (reference - want).abs() <= tolerance,
                    "k = {k}: {reference} vs {want}"
                );
            }
        }
    }
}

#[test]
fn conventions_and_extremes() {
    let k = 4;
    let uniform = [0.0; 4];
    let v =
        total(cross_entropy_loss(&uniform, k, &[2], &options(Reduction::Mean), &never()).unwrap());
    assert!(ulps(v, 4f64.ln()) <= 1);
    // No overflow at ±1e4 or ±1e300.
    for big in [1e4, 1e300] {
        let row = [big, -big];
        let l = per_row(
            cross_entropy_loss(&row, 2, &[1], &options(Reduction::None), &never()).unwrap(),
        );
        assert_eq!(l[0], 2.0 * big);
        let l = per_row(
            cross_entropy_loss(&row, 2, &[0], &options(Reduction::None), &never()).unwrap(),
        );
        assert_eq!(l[0], 0.0);
    }
    // A confident, correct prediction keeps its relative precision (ln_1p of the rest).
    let row = [3.0, 3.0 - 60.0, f64::NEG_INFINITY, 3.0 - 70.0];
    let l =
        per_row(cross_entropy_loss(&row, 4, &[0], &options(Reduction::None), &never()).unwrap())[0];
    let want = (-60f64).exp() + (-70f64).exp();
    assert!(
        (l - want).abs() <= 4.0 * f64::EPSILON * want,
        "{l} vs {want}"
    );
    // Two tied maxima: ln 2 plus the rest.
    let row = [5.0, 5.0, 0.0];
    let l =
        per_row(cross_entropy_loss(&row, 3, &[1], &options(Reduction::None), &never()).unwrap())[0];
    assert!(ulps(l, (2.0 + (-5f64).exp()).ln()) <= 1);
    // A label whose logit is −∞ has infinite loss; others are finite; smoothing makes it ∞.
    let row = [1.0, f64::NEG_INFINITY, 0.0];
    let l =
        per_row(cross_entropy_loss(&row, 3, &[1], &options(Reduction::None), &never()).unwrap());
    assert_eq!(l[0], f64::INFINITY);
    let l =
        per_row(cross_entropy_loss(&row, 3, &[0], &options(Reduction::None), &never()).unwrap());
    assert!(l[0].is_finite());
    let smooth = CrossEntropyOptions {
        label_smoothing: 0.1,
        reduction: Reduction::None,
        ..CrossEntropyOptions::default()
    };
    let l = per_row(cross_entropy_loss(&row, 3, &[0], &smooth, &never()).unwrap());
    assert_eq!(l[0], f64::INFINITY);
    // ε = 1 ignores the label entirely, even an impossible one (0 · ∞ = 0).
    let all_smooth = CrossEntropyOptions {
        label_smoothing: 1.0,
        ..smooth
    };
    let finite = [1.0, -2.0, 0.5];
    let a = per_row(cross_entropy_loss(&finite, 3, &[0], &all_smooth, &never()).unwrap())[0];
    let b = per_row(cross_entropy_loss(&finite, 3, &[1], &all_smooth, &never()).unwrap())[0];
    assert!(ulps(a, b) <= 1);
}

#[test]
fn bad_rows_and_labels_are_named() {
    let logits = [0.0, 1.0, 2.0, 3.0, f64::NAN, 5.0];
    let err = cross_entropy_loss(&logits, 3, &[0, 1], &options(Reduction::Mean), &never());
    assert!(
        matches!(&err, Err(Error::InvalidArgument { argument, message }) if argument == "logits" && message.contains("row 1") && message.contains("class 1")),
        "{err:?}"
    );
    let logits = [0.0, f64::INFINITY, 2.0];
    let err = cross_entropy_loss(&logits, 3, &[0], &options(Reduction::Mean), &never());
    assert!(matches!(
        err,
        Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
    ));
    let logits = vec![f64::NEG_INFINITY; 3000];
    let err = cross_entropy_loss(&logits, 3000, &[0], &options(Reduction::Mean), &never());
    assert!(
        matches!(&err, Err(Error::InvalidArgument { message, .. }) if message.contains("no finite logit"))
    );
    // A NaN after a long stretch of −∞ is still found.
    let mut logits = vec![f64::NEG_INFINITY; 3000];
    logits[2500] = f64::NAN;
    let err = cross_entropy_loss(&logits, 3000, &[0], &options(Reduction::Mean), &never());
    assert!(
        matches!(&err, Err(Error::InvalidArgument { message, .. }) if message.contains("class 2500"))
    );
    for label in [-1, 3, i64::MIN, i64::MAX] {
        let err = cross_entropy_loss(&[0.0; 3], 3, &[label], &options(Reduction::Mean), &never());
        assert!(
            matches!(&err, Err(Error::InvalidArgument { argument, message }) if argument == "labels" && message.contains(&label.to_string())),
            "{err:?}"
        );
    }
    assert!(matches!(
        cross_entropy_loss(&[0.0; 5], 2, &[0, 1], &options(Reduction::Mean), &never()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        cross_entropy_loss::<f64>(&[], 0, &[], &options(Reduction::Mean), &never()),
        Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
    ));
    let bad_smoothing = CrossEntropyOptions {
        label_smoothing: 1.5,
        ..CrossEntropyOptions::default()
    };
    assert!(matches!(
        cross_entropy_loss(&[0.0; 2], 2, &[0], &bad_smoothing, &never()),
        Err(Error::InvalidArgument { argument, .. }) if argument == "label_smoothing"
    ));
    assert!("average".parse::<Reduction>().is_err());
}

#[test]
fn reductions_ignore_index_and_empty_input() {
    let logits = [0.0, 1.0, 2.0, 3.0, 1.0, -1.0];
    let mut opts = CrossEntropyOptions {
        ignore_index: Some(-100),
        reduction: Reduction::None,
        ..CrossEntropyOptions::default()
    };
    let (k, logits) = (2, &logits[..]);
    let labels = [1, -100, 0];
    let rows = per_row(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
    assert_eq!(rows[1], 0.0);
    assert!((rows[0] - textbook(&logits[0..2], 1)).abs() < 1e-15);
    assert!((rows[2] - textbook(&logits[4..6], 0)).abs() < 1e-15);
    opts.reduction = Reduction::Sum;
    let sum = total(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
    assert!(ulps(sum, rows[0] + rows[2]) <= 1);
    opts.reduction = Reduction::Mean;
    let mean = total(cross_entropy_loss(logits, k, &labels, &opts, &never()).unwrap());
    assert!(ulps(mean, f64::midpoint(rows[0], rows[2])) <= 1);
    // Every row ignored: the mean is NaN, the sum 0; no rows at all: the same.
    let all = [-100, -100, -100];
    assert!(total(cross_entropy_loss(logits, k, &all, &opts, &never()).unwrap()).is_nan());
    assert!(total(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()).is_nan());
    opts.reduction = Reduction::Sum;
    assert_eq!(
        total(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()),
        0.0
    );
    opts.reduction = Reduction::None;
    assert!(per_row(cross_entropy_loss::<f64>(&[], k, &[], &opts, &never()).unwrap()).is_empty());
}

#[test]
fn probabilities_are_checked_and_match_logits() {
    let logits = [0.3, -1.2, 2.0, 0.0];
    let m = 2.0f64;
    let s: f64 = logits.iter().map(|&z| (z - m).exp()).sum();
    let p: Vec<f64> = logits.iter().map(|&z| (z - m).exp() / s).collect();
    for epsilon in [0.0, 0.3] {
        let opts = CrossEntropyOptions {
            label_smoothing: epsilon,
            reduction: Reduction::None,
            ..CrossEntropyOptions::default()
        };
        let from_p = CrossEntropyOptions {
            from_logits: false,
            ..opts
        };
        let a = per_row(cross_entropy_loss(&logits, 4, &[1], &opts, &never()).unwrap())[0];
        let b = per_row(cross_entropy_loss(&p, 4, &[1], &from_p, &never()).unwrap())[0];
        assert!((a - b).abs() < 1e-14, "{a} vs {b}");
    }
    let from_p = CrossEntropyOptions {
        from_logits: false,
        reduction: Reduction::None,
        ..CrossEntropyOptions::default()
    };
    let zero = [1.0, 0.0];
    assert_eq!(
        per_row(cross_entropy_loss(&zero, 2, &[1], &from_p, &never()).unwrap())[0],
        f64::INFINITY
    );
    assert_eq!(
        per_row(cross_entropy_loss(&zero, 2, &[0], &from_p, &never()).unwrap())[0],
        0.0
    );
    for bad in [[0.5, 0.6], [1.5, -0.5], [f64::NAN, 1.0]] {
        assert!(matches!(
            cross_entropy_loss(&bad, 2, &[0], &from_p, &never()),
            Err(Error::InvalidArgument { argument, .. })
                if argument == "probabilities (from_logits=False)"
        ));
    }
    // float32 rows sum to 1 only within float32 rounding: the tolerance grows with k.
    let k = 30_000;
    let row: Vec<f32> = vec![1.0 / k as f32; k];
    assert!(cross_entropy_loss(&row, k, &[3], &from_p, &never()).is_ok());
    assert!(sum_tolerance(k, f64::EPSILON) == 1e-6);
}

#[test]
fn binary_limits_and_stability() {
    let y = [0.0, 0.25, 1.0];
    for &yy in &y {
        for z in [-30.0f64, -1.0, 0.0, 0.7, 40.0] {
            let s = 1.0 / (1.0 + (-z).exp());
            let mut want = 0.0;
            if yy > 0.0 {
                want -= yy * s.ln();
            }
            if yy < 1.0 {
                want -= (1.0 - yy) * (1.0 - s).ln();
            }
            let got = binary_cross_entropy_of_logit(z, yy);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "z {z} y {yy}"
            );
        }
    }
    assert_eq!(binary_cross_entropy_of_logit(f64::INFINITY, 1.0), 0.0);
    assert_eq!(
        binary_cross_entropy_of_logit(f64::INFINITY, 0.5),
        f64::INFINITY
    );
    assert_eq!(binary_cross_entropy_of_logit(f64::NEG_INFINITY, 0.0), 0.0);
    assert_eq!(
        binary_cross_entropy_of_logit(f64::NEG_INFINITY, 1e-9),
        f64::INFINITY
    );
    assert_eq!(binary_cross_entropy_of_logit(1e300, 0.0), 1e300);
    assert_eq!(binary_cross_entropy_of_logit(-1e4, 1.0), 1e4);
    // Far in the tail the loss is exp(−|z|), kept to full relative precision.
    let tiny = binary_cross_entropy_of_logit(50.0, 1.0);
    assert!(ulps(tiny, (-50f64).exp()) <= 2);
    assert_eq!(binary_cross_entropy_of_probability(0.0, 0.0), 0.0);
    assert_eq!(binary_cross_entropy_of_probability(1.0, 1.0), 0.0);
    assert_eq!(binary_cross_entropy_of_probability(0.0, 0.5), f64::INFINITY);
    assert!(
        ulps(
            binary_cross_entropy_of_probability(0.5, 1.0),
            std::f64::consts::LN_2
        ) <= 1
    );
    let err = binary_cross_entropy(
        &[0.0, f64::NAN],
        &[0.0, 1.0],
        true,
        Reduction::Mean,
        None,
        &never(),
    );
    assert!(matches!(
        err,
        Err(Error::InvalidArgument { argument, .. }) if argument == "logits"
    ));
    let err = binary_cross_entropy(
        &[0.0, 2.0],
        &[0.0, 1.0],
        false,
        Reduction::Mean,
        None,
        &never(),
    );
    assert!(matches!(
        err,
        Err(Error::InvalidArgument { argument, .. }) if argument == "probabilities"
    ));
    let err = binary_cross_entropy(&[0.0], &[1.5], true, Reduction::Mean, None, &never());
    assert!(matches!(
        err,
        Err(Error::InvalidArgument { argument, .. }) if argument == "targets"
    ));
    let err = binary_cross_entropy(&[0.0], &[], true, Reduction::Mean, None, &never());
    assert!(matches!(err, Err(Error::LengthMismatch { .. })));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = SplitMix(3);
    let (n, k) = (700, 333);
    let logits: Vec<f32> = (0..n * k)
        .map(|_| (8.0 * rng.unit() - 4.0) as f32)
        .collect();
    let labels: Vec<i64> = (0..n)
        .map(|i| if i % 9 == 0 { -1 } else { rng.below(k) as i64 })
        .collect();
    let binary: Vec<f64> = (0..n * k).map(|_| 20.0 * rng.unit() - 10.0).collect();
    let targets: Vec<f64> = (0..n * k).map(|_| rng.unit()).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut out = Vec::new();
            for reduction in [Reduction::Mean, Reduction::Sum, Reduction::None] {
                let opts = CrossEntropyOptions {
                    ignore_index: Some(-1),
                    label_smoothing: 0.05,
                    reduction,
                    ..CrossEntropyOptions::default()
                };
                out.push(cross_entropy_loss(&logits, k, &labels, &opts, &never()).unwrap());
                out.push(
                    binary_cross_entropy(&binary, &targets, true, reduction, None, &never())
                        .unwrap(),
                );
            }
            out
        })
    };
    let one = run(1);
    for threads in [2, 3, 5] {
        let other = run(threads);
        for (a, b) in one.iter().zip(&other) {
            match (a, b) {
                (Loss::Total(x), Loss::Total(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                (Loss::PerRow(x), Loss::PerRow(y)) => {
                    assert!(x.iter().zip(y).all(|(u, v)| u.to_bits() == v.to_bits()));
                }
                _ => panic!("different kinds of result"),
            }
        }
    }
}

#[test]
fn interrupt_stops_the_work() {
    let stop = AtomicBool::new(true);
    let logits = vec![0.0f64; 1000];
    let labels = vec![0i64; 10];
    assert_eq!(
        cross_entropy_loss(&logits, 100, &labels, &options(Reduction::Mean), &stop),
        Err(Error::Interrupted)
    );
    assert_eq!(
        binary_cross_entropy(&logits, &logits, true, Reduction::None, None, &stop),
        Err(Error::Interrupted)
    );
}

#[test]
fn sample_weights_are_a_weighted_mean_and_integer_weights_repeat_rows() {
    let logits = [0.0, 1.0, 2.0, 3.0, 1.0, -1.0, 0.5, 0.25];
    let labels = [1, 0, 0, 1];
    let weights = [2.0, 0.0, 1.0, 3.0];
    let weighted = |reduction| {
        let opts = CrossEntropyOptions {
            reduction,
            sample_weight: Some(&weights),
            ..CrossEntropyOptions::default()
        };
        cross_entropy_loss(&logits, 2, &labels, &opts, &never()).unwrap()
    };
    let rows = per_row(
        cross_entropy_loss(&logits, 2, &labels, &options(Reduction::None), &never()).unwrap(),
    );
    let expected: Vec<f64> = rows.iter().zip(&weights).map(|(l, w)| l * w).collect();
    assert_eq!(per_row(weighted(Reduction::None)), expected);
    let sum = total(weighted(Reduction::Sum));
    assert!(ulps(sum, expected.iter().sum::<f64>()) <= 1);
    assert!(ulps(total(weighted(Reduction::Mean)), sum / 6.0) <= 1);
    // The rows repeated as many times as their weight.
    let (mut repeated, mut repeated_labels) = (Vec::new(), Vec::new());
    for (r, &w) in weights.iter().enumerate() {
        for _ in 0..w as usize {
            repeated.extend_from_slice(&logits[2 * r..2 * r + 2]);
            repeated_labels.push(labels[r]);
        }
    }
    let plain = total(
        cross_entropy_loss(
            &repeated,
            2,
            &repeated_labels,
            &options(Reduction::Mean),
            &never(),
        )
        .unwrap(),
    );
    assert!(ulps(total(weighted(Reduction::Mean)), plain) <= 2);
    // Binary: the same rule; a weight of 0 removes an infinite loss.
    let loss = binary_cross_entropy(
        &[0.0, 0.5],
        &[1.0, 1.0],
        false,
        Reduction::Mean,
        Some(&[0.0, 2.0]),
        &never(),
    );
    assert_eq!(total(loss.unwrap()), std::f64::consts::LN_2);
}

#[test]
fn bad_sample_weights_are_named() {
    for weights in [
        &[1.0, f64::NAN][..],
        &[1.0, -1.0],
        &[0.0, 0.0],
        &[1.0],
        &[1.0, f64::INFINITY],
    ] {
        let err = binary_cross_entropy(
            &[0.5, 0.5],
            &[1.0, 0.0],
            false,
            Reduction::Mean,
            Some(weights),
            &never(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("sample_weight"), "{err}");
    }
}

#[test]
fn the_weighted_mean_does_not_depend_on_the_scale_of_the_weights() {
    let values = [0.5, 0.5, 0.25];
    let labels = [1.0, 0.0, 1.0];
    let mean = |w: &[f64]| {
        total(
            binary_cross_entropy(&values, &labels, false, Reduction::Mean, Some(w), &never())
                .unwrap(),
        )
    };
    let reference = mean(&[1.0, 3.0, 2.0]);
    for scale in [
        f64::MIN_POSITIVE * f64::EPSILON,
        1e-310,
        1e-300,
        1e300,
        1e307,
    ] {
        let got = mean(&[scale, 3.0 * scale, 2.0 * scale]);
        assert!(ulps(got, reference) <= 2, "{scale}: {got} vs {reference}");
    }
    for s in [1e-320, 5e-324, 1.0, 3.0, 1e300, f64::MAX] {
        let scaled = s * mean_scale(s);
        let range = if s < f64::MIN_POSITIVE || s >= 1022.0_f64.exp2() {
            f64::EPSILON..4.0
        } else {
            1.0..2.0
        };
        assert!(range.contains(&scaled), "{s}: {scaled}");
    }
}
