//! Tests of the vector kernels: every level against `f64::ln`, naive loops and each other.

use super::*;
use crate::testing::{ulps, SplitMix};

/// Positive test values: random bit patterns over the whole finite range (subnormals
/// included), random subnormals, values near 1, in (0, 2), every power of two and the ends.
fn positive_values() -> Vec<f64> {
    let mut rng = SplitMix(0x5eed);
    let mut values = Vec::new();
    for _ in 0..1_000_000 {
        values.push(f64::from_bits(1 + rng.next() % 0x7fef_ffff_ffff_ffff));
    }
    for _ in 0..100_000 {
        values.push(f64::from_bits(1 + rng.next() % 0x000f_ffff_ffff_ffff));
        values.push(1.0 + (rng.unit() - 0.5) * 1e-3);
        values.push(1.0 + (rng.unit() - 0.5) * 0.9);
        values.push(2.0 * rng.unit() + f64::MIN_POSITIVE);
    }
    for step in 1..10_000u64 {
        values.push(f64::from_bits(1.0f64.to_bits() + step));
        values.push(f64::from_bits(1.0f64.to_bits() - step));
    }
    for e in -1074..=1023 {
        values.push(2f64.powi(e));
    }
    values.extend([
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::MAX,
        std::f64::consts::E,
        std::f64::consts::SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ]);
    values
}

#[test]
fn ln_is_within_one_ulp_and_every_level_is_bit_identical() {
    let values = positive_values();
    let mut worst = (0, 0.0);
    for &x in &values {
        let d = ulps(ln(x), x.ln());
        if d > worst.0 {
            worst = (d, x);
        }
    }
    assert!(worst.0 <= 1, "ln({:e}) is {} ulps off", worst.1, worst.0);
    let scalar: Vec<u64> = values.iter().map(|&x| ln(x).to_bits()).collect();
    let mut out = vec![0.0; values.len()];
    for level in Level::ALL {
        out.fill(0.0);
        ln_slice_with(level, &values, &mut out);
        let bits: Vec<u64> = out.iter().map(|y| y.to_bits()).collect();
        assert!(bits == scalar, "ln_slice at {level:?} differs from ln");
    }
    ln_slice(&values, &mut out);
    assert!(out.iter().zip(&scalar).all(|(y, &b)| y.to_bits() == b));
}

#[test]
fn ln_edge_classes_are_exact() {
    let tiny = f64::from_bits(1);
    let largest_subnormal = f64::from_bits(0x000f_ffff_ffff_ffff);
    let cases = [
        (1.0, 0.0),
        (0.0, f64::NEG_INFINITY),
        (-0.0, f64::NEG_INFINITY),
        (f64::INFINITY, f64::INFINITY),
        (f64::NAN, f64::NAN),
        (-f64::NAN, f64::NAN),
        (-1.0, f64::NAN),
        (-tiny, f64::NAN),
        (-f64::MAX, f64::NAN),
        (f64::NEG_INFINITY, f64::NAN),
        (tiny, tiny.ln()),
        (largest_subnormal, largest_subnormal.ln()),
        (f64::MAX, f64::MAX.ln()),
    ];
    for level in Level::ALL {
        // Every position of a block and of the ragged tail sees every case.
        let inputs: Vec<f64> = (0..3 * LANES + 3)
            .flat_map(|_| cases.iter().map(|c| c.0))
            .collect();
        let mut out = vec![0.0; inputs.len()];
        ln_slice_with(level, &inputs, &mut out);
        for ((&x, &y), &(_, want)) in inputs.iter().zip(&out).zip(cases.iter().cycle()) {
            assert_eq!(y.to_bits(), ln(x).to_bits(), "{level:?}: ln({x})");
            if want.is_nan() {
                assert!(y.is_nan(), "{level:?}: ln({x}) = {y}");
            } else if want.is_finite() && want != 0.0 {
                assert!(ulps(y, want) <= 1, "{level:?}: ln({x:e}) = {y}");
            } else {
                assert_eq!(y.to_bits(), want.to_bits(), "{level:?}: ln({x}) = {y}");
            }
        }
    }
    assert_eq!(ln(1.0).to_bits(), 0);
    for x in [tiny, largest_subnormal, f64::MIN_POSITIVE, f64::MAX] {
        assert!(ulps(ln(x), x.ln()) <= 1, "ln({x:e})");
    }
}

const LENGTHS: [usize; 20] = [
    0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 255, 256, 257, 1000, 1023, 4099,
];

/// Weights in [0, 1) with about one zero in five, and now and then a subnormal or a large one.
fn weights(rng: &mut SplitMix, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| match rng.next() % 50 {
            0..=9 => 0.0,
            10 => f64::from_bits(1 + rng.next() % 0x000f_ffff_ffff_ffff),
            11 => 1e6 * rng.unit(),
            _ => rng.unit(),
        })
        .collect()
}

#[test]
fn every_level_gives_the_same_bits() {
    let mut rng = SplitMix(7);
    for n in LENGTHS {
        for _ in 0..4 {
            let p = weights(&mut rng, n);
            let q = weights(&mut rng, n);
            let xlogx = sum_xlogx_of_sum_with(Level::Scalar, &p, &q).to_bits();
            let single = sum_xlogx_with(Level::Scalar, &p).to_bits();
            let abs = sum_abs_diff_with(Level::Scalar, &p, &q).to_bits();
            let mut logs = vec![0.0; n];
            ln_slice_with(Level::Scalar, &p, &mut logs);
            for level in Level::ALL {
                if level == Level::Avx512 {
                    // The division-free table kernel (`table.rs`): a few ulps of the terms.
                    let scale = |x: &[f64], y: &[f64]| {
                        x.iter()
                            .zip(y)
                            .map(|(a, b)| a + b)
                            .filter(|&s| s > 0.0)
                            .map(|s| s * (1.0 + s.ln().abs()))
                            .sum::<f64>()
                    };
                    let zeros = vec![0.0; n];
                    let close = |got: f64, want: u64, bound: f64| {
                        let diff = (got - f64::from_bits(want)).abs();
                        assert!(diff <= bound * (8.0 * f64::EPSILON), "{got:e} vs {want}");
                    };
                    close(sum_xlogx_of_sum_with(level, &p, &q), xlogx, scale(&p, &q));
                    close(sum_xlogx_with(level, &p), single, scale(&p, &zeros));
                } else {
                    assert_eq!(
                        sum_xlogx_of_sum_with(level, &p, &q).to_bits(),
                        xlogx,
                        "{level:?}, n = {n}"
                    );
                    assert_eq!(sum_xlogx_with(level, &p).to_bits(), single);
                }
                assert_eq!(sum_abs_diff_with(level, &p, &q).to_bits(), abs);
                let mut out = vec![0.0; n];
                ln_slice_with(level, &p, &mut out);
                assert!(out
                    .iter()
                    .zip(&logs)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
            }
            assert_eq!(sum_abs_diff(&p, &q).to_bits(), abs);
        }
    }
}

#[test]
fn reductions_match_a_naive_loop() {
    let mut rng = SplitMix(11);
    let xlogx = |s: f64| if s == 0.0 { 0.0 } else { s * s.ln() };
    for n in LENGTHS {
        for _ in 0..4 {
            let p = weights(&mut rng, n);
            let q = weights(&mut rng, n);
            let terms: Vec<f64> = p.iter().zip(&q).map(|(a, b)| xlogx(a + b)).collect();
            let naive: f64 = terms.iter().sum();
            let scale: f64 = terms.iter().map(|t| t.abs()).sum();
            let got = sum_xlogx_of_sum(&p, &q);
            assert!(
                (got - naive).abs() <= 1e-14 * scale,
                "n = {n}: {got} vs {naive}"
            );

            let naive: f64 = p.iter().map(|&a| xlogx(a)).sum();
            let scale: f64 = p.iter().map(|&a| xlogx(a).abs()).sum();
            let got = sum_xlogx(&p);
            assert!(
                (got - naive).abs() <= 1e-14 * scale,
                "n = {n}: {got} vs {naive}"
            );

            let naive: f64 = p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum();
            let got = sum_abs_diff(&p, &q);
            assert!(
                (got - naive).abs() <= 1e-14 * naive,
                "n = {n}: {got} vs {naive}"
            );
        }
    }
    // Normalised 256-bin rows, the Jensen–Shannon workload.
    for _ in 0..100 {
        let mut p = weights(&mut rng, 256);
        let mut q = weights(&mut rng, 256);
        for row in [&mut p, &mut q] {
            let total: f64 = row.iter().sum();
            for w in row.iter_mut() {
                *w /= total;
            }
        }
        let naive: f64 = p.iter().zip(&q).map(|(a, b)| xlogx(a + b)).sum();
        let got = sum_xlogx_of_sum(&p, &q);
        assert!(
            (got - naive).abs() <= 1e-14 * naive.abs(),
            "{got} vs {naive}"
        );
    }
}

#[test]
fn reduction_conventions() {
    for level in Level::ALL {
        assert_eq!(sum_xlogx_of_sum_with(level, &[], &[]).to_bits(), 0);
        assert_eq!(
            sum_xlogx_of_sum_with(level, &[0.0; 9], &[0.0; 9]).to_bits(),
            0
        );
        assert_eq!(sum_xlogx_with(level, &[1.0; 17]).to_bits(), 0);
        assert_eq!(
            sum_xlogx_of_sum_with(level, &[0.5; 3], &[0.5; 3]).to_bits(),
            0
        );
        let half = 0.5 * 0.5f64.ln();
        let bits = |x: f64| x.to_bits();
        let near = (sum_xlogx_with(level, &[0.5, 0.0, 0.5]) - (half + half)).abs();
        assert!(near <= 4.0 * f64::EPSILON, "{level:?}");
        assert_eq!(
            bits(sum_abs_diff_with(level, &[1.0, 0.0, 2.5], &[0.0, 1.0, 0.5])),
            bits(4.0)
        );
        assert_eq!(
            bits(sum_xlogx_of_sum_with(level, &[f64::MAX], &[f64::MAX])),
            bits(f64::INFINITY)
        );
        assert_eq!(
            bits(sum_xlogx_with(level, &[f64::INFINITY])),
            bits(f64::INFINITY)
        );
        assert_eq!(bits(sum_xlogx_with(level, &[-0.0, 0.0])), 0);
        for bad in [-1.0, -f64::from_bits(1), f64::NAN, f64::NEG_INFINITY] {
            assert!(
                sum_xlogx_with(level, &[0.5, bad]).is_nan(),
                "{level:?}: {bad}"
            );
        }
    }
    // Each term is `s * ln(s)`, bit for bit, whatever the lane.
    let mut rng = SplitMix(3);
    let values = weights(&mut rng, 10_000);
    for (i, &s) in values.iter().enumerate() {
        let mut row = [0.0; 11];
        row[i % 11] = s;
        let want = if s == 0.0 { 0.0 } else { s * ln(s) };
        for level in Level::ALL {
            let got = sum_xlogx_with(level, &row);
            if level == Level::Avx512 && s > 0.0 {
                let bound = s * (1.0 + s.ln().abs()) * (4.0 * f64::EPSILON);
                assert!((got - want).abs() <= bound, "{s:e}: {got:e} vs {want:e}");
            } else {
                assert_eq!(got.to_bits(), want.to_bits());
            }
        }
    }
}

#[test]
#[should_panic(expected = "lengths")]
fn mismatched_lengths_panic() {
    let _ = sum_xlogx_of_sum(&[1.0, 2.0], &[1.0]);
}

#[test]
fn level_choice_never_exceeds_the_cpu() {
    let best = Level::best_available();
    assert!(best.is_available());
    assert!(Level::Scalar.is_available());
    assert_eq!(choose(None), best);
    assert_eq!(choose(Some("no such level")), best);
    assert_eq!(choose(Some("")), best);
    assert_eq!(choose(Some("scalar")), Level::Scalar);
    assert_eq!(choose(Some(" AVX2 ")), Level::Avx2.min(best));
    assert_eq!(choose(Some("avx512")), best);
    for level in Level::ALL {
        assert_eq!(choose(Some(level.name())), level.min(best));
        assert!(level.usable().is_available());
        assert!(level.usable() <= level);
    }
    assert!(level().is_available());
    eprintln!(
        "simd levels on this CPU: best {best:?}, dispatched {:?}",
        level()
    );
}

#[test]
fn and_popcount_paths_agree() {
    let a: Vec<u64> = (0..1001u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let b: Vec<u64> = (0..1003u64)
        .map(|i| i.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .collect();
    let expected: u64 = a
        .iter()
        .zip(&b)
        .map(|(x, y)| u64::from((x & y).count_ones()))
        .sum();
    assert_eq!(and_popcount(&a, &b), expected);
    assert_eq!(and_popcount_body(&a, &b), expected);
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if is_x86_feature_detected!("popcnt") {
        // SAFETY: detected just above.
        assert_eq!(unsafe { and_popcount_popcnt(&a, &b) }, expected);
    }
}

/// The row kernels of the pairwise preparation at every level: the same bits, and the
/// values of a naive loop.
#[test]
#[allow(clippy::float_cmp)] // exact results are expected
fn row_kernels_match_a_naive_loop_at_every_level() {
    let mut rng = SplitMix(23);
    for n in LENGTHS {
        for _ in 0..3 {
            let w = weights(&mut rng, n);
            let mut lanes = [0.0; LANES];
            for (i, &x) in w.iter().enumerate() {
                lanes[i % LANES] += x;
            }
            let naive = combine(lanes);
            let sums: Vec<(f64, bool)> = Level::ALL
                .iter()
                .map(|&l| rows::at::checked_sum(l, &w))
                .collect();
            for &(sum, bad) in &sums {
                assert_eq!((sum.to_bits(), bad), (naive.to_bits(), false), "n = {n}");
            }
            for bad_value in [f64::NAN, f64::INFINITY, -1.0, f64::NEG_INFINITY] {
                if n == 0 {
                    continue;
                }
                let mut v = w.clone();
                v[(rng.next() as usize) % n] = bad_value;
                for l in Level::ALL {
                    assert!(rows::at::checked_sum(l, &v).1, "{bad_value} at n = {n}");
                }
            }

            let total = naive.max(f64::MIN_POSITIVE);
            for second in [1.0, 3.0] {
                let expected: Vec<f64> = w
                    .iter()
                    .map(|&x| {
                        if second == 1.0 {
                            x / total
                        } else {
                            (x / total) / second
                        }
                    })
                    .collect();
                for l in Level::ALL {
                    let mut out = vec![f64::NAN; n];
                    let zero = rows::at::divide_into(l, &w, total, second, &mut out);
                    assert_eq!(zero, expected.contains(&0.0), "n = {n}");
                    assert!(out
                        .iter()
                        .zip(&expected)
                        .all(|(a, b)| a.to_bits() == b.to_bits()));
                }
            }

            let mut logs = vec![0.0; n];
            ln_slice(&w, &mut logs);
            let (mut lo, mut hi) = (vec![1.0; n], vec![-50.0; n]);
            column_extremes(&logs, &mut lo, &mut hi);
            for c in 0..n {
                let finite = if w[c] > 0.0 { logs[c] } else { f64::INFINITY };
                assert_eq!(lo[c], finite.min(1.0), "n = {n}, column {c}");
                assert_eq!(hi[c], logs[c].max(-50.0), "n = {n}, column {c}");
            }

            let reference: Vec<f64> = (0..n).map(|_| -10.0 * rng.unit()).collect();
            let centred: Vec<f64> = logs
                .iter()
                .zip(&reference)
                .map(|(&l, &c)| if l == f64::NEG_INFINITY { 0.0 } else { l - c })
                .collect();
            let dot = |f: &dyn Fn(usize) -> f64| -> (f64, f64) {
                let terms: Vec<f64> = (0..n).map(f).collect();
                (terms.iter().sum(), terms.iter().map(|t| t.abs()).sum())
            };
            let (own, own_scale) = dot(&|c| w[c] * centred[c]);
            let (own_abs, _) = dot(&|c| w[c] * centred[c].abs());
            let (refs, refs_scale) = dot(&|c| w[c] * reference[c]);
            let norm = dot(&|c| w[c] * w[c]).0.sqrt();
            let log_norm = dot(&|c| centred[c] * centred[c]).0.sqrt();
            let mut results = Vec::new();
            for l in Level::ALL {
                let mut e = logs.clone();
                let sums = rows::at::centered_sums(l, &w, &mut e, &reference);
                assert_eq!(e, centred, "n = {n}");
                let mut e = logs.clone();
                let only = rows::at::center_logs(l, &mut e, &reference);
                assert_eq!(e, centred, "n = {n}");
                assert_eq!(only.to_bits(), sums.log_norm.to_bits());
                results.push(sums);
            }
            assert!(results.iter().all(|r| *r == results[0]), "n = {n}");
            let r = results[0];
            let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-14 * scale.max(1e-300);
            assert!(close(r.own, own, own_scale), "n = {n}: {} vs {own}", r.own);
            assert!(close(r.own_abs, own_abs, own_abs), "n = {n}");
            assert!(close(r.reference, refs, refs_scale), "n = {n}");
            assert!(close(r.norm, norm, norm) && close(r.log_norm, log_norm, log_norm));
        }
    }
}

/// The block kernel of the pairwise Jensen–Shannon loop, at every level, against a direct
/// sum on rows with zeros, subnormals, exact ones and every length: within the per-term error
/// of `table.rs` plus the summation's.
#[test]
fn block_xlogx_sums_match_a_direct_sum() {
    let mut rng = SplitMix(31);
    for n in LENGTHS {
        if n == 0 {
            continue;
        }
        let p = weights(&mut rng, n);
        let mut rows = Vec::new();
        for r in 0..9 {
            let mut q = weights(&mut rng, n);
            match r {
                0 => q.clone_from(&p),
                1 => q.iter_mut().for_each(|v| *v = 0.0),
                2 => {
                    // p + q = 1 exactly where p < 1.
                    for (v, &a) in q.iter_mut().zip(&p) {
                        *v = if a < 1.0 { 1.0 - a } else { 0.0 };
                    }
                }
                3 => q.iter_mut().for_each(|v| *v *= 1e-310),
                _ => {}
            }
            rows.extend(q);
        }
        for level in Level::ALL {
            let mut got = vec![f64::NAN; 9];
            sums_xlogx_of_sum_with(level, &p, &rows, &mut got);
            for (j, q) in rows.chunks_exact(n).enumerate() {
                let (mut exact, mut magnitude, mut mass) = (0.0, 0.0, 0.0);
                for (a, b) in p.iter().zip(q) {
                    let s = a + b;
                    let term = if s == 0.0 { 0.0 } else { s * s.ln() };
                    exact += term;
                    magnitude += term.abs();
                    mass += s;
                }
                // Per term 3.2e-16 (s + |s ln s|), plus (n/16 + 4) u of Σ |terms| to sum.
                let summing = (n as f64 / 16.0 + 4.0) * f64::EPSILON / 2.0;
                let allowed = 3.2e-16 * (mass + magnitude) + summing * magnitude + 1e-300;
                assert!(
                    (got[j] - exact).abs() <= allowed,
                    "{level:?}, n = {n}, row {j}: {} vs {exact} (allowed {allowed})",
                    got[j]
                );
            }
        }
    }
}

/// One term of the block kernel against `f64::ln` (itself within an ulp), over the whole range
/// of `s` a pair of probabilities can sum to: within 3.2e-16 (1 + |ln s|) s plus that ulp.
#[test]
fn block_xlogx_terms_are_within_the_stated_error() {
    let mut rng = SplitMix(37);
    let mut values: Vec<f64> = (0..200_000)
        .map(|_| match rng.next() % 4 {
            0 => 2.0 * rng.unit(),
            1 => 1.0 + (rng.unit() - 0.5) * 1e-6,
            2 => f64::from_bits(1 + rng.next() % 0x000f_ffff_ffff_ffff),
            _ => 2f64.powf(-1022.0 * rng.unit()),
        })
        .collect();
    values.extend([0.0, 1.0, 2.0, f64::MIN_POSITIVE, 0.5, 1.5]);
    let zeros = vec![0.0; values.len()];
    for (chunk, zero) in values.chunks(8).zip(zeros.chunks(8)) {
        // One row per value: p = [s], q = [0].
        let mut got = vec![0.0; chunk.len()];
        for (g, (&s, &z)) in got.iter_mut().zip(chunk.iter().zip(zero)) {
            sums_xlogx_of_sum(&[s], &[z], std::slice::from_mut(g));
        }
        for (&g, &s) in got.iter().zip(chunk) {
            let exact = if s == 0.0 { 0.0 } else { s * s.ln() };
            let allowed = 3.2e-16 * (1.0 + s.ln().abs()) * s + 2.0 * f64::EPSILON * exact.abs();
            let subnormal = s < f64::MIN_POSITIVE && (g - exact).abs() <= 37.0 * s;
            assert!(
                (g - exact).abs() <= allowed || subnormal,
                "s = {s:e}: {g} vs {exact}"
            );
        }
    }
}
