//! The searches against a loop over every pair, and the estimators against their formulas.

#![allow(clippy::float_cmp)] // exact distances are the point

use super::search::{searcher, Best, Rows};
use super::*;
use crate::testing::SplitMix;

fn never() -> AtomicBool {
    AtomicBool::new(false)
}

/// `n × d` values: uniform, or rounded to a coarse grid (many ties) when `ties`.
fn data(seed: u64, n: usize, d: usize, ties: bool) -> Vec<f64> {
    let mut rng = SplitMix(seed);
    (0..n * d)
        .map(|_| {
            let u = rng.unit() * 4.0 - 2.0;
            if ties {
                (u * 4.0).round() / 4.0
            } else {
                u
            }
        })
        .collect()
}

fn distance(a: &[f64], b: &[f64], norm: Norm) -> f64 {
    match norm {
        Norm::Max => a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs())),
        Norm::Euclidean => a
            .iter()
            .zip(b)
            .fold(0.0, |s, (x, y)| s + (x - y) * (x - y))
            .sqrt(),
    }
}

/// The `k` nearest `(distance, index)` of row `i` (itself excluded), ranked by both.
fn naive_neighbours(p: &Points<'_>, i: usize, k: usize, norm: Norm) -> Vec<(f64, u32)> {
    let mut all: Vec<(f64, u32)> = (0..p.rows())
        .filter(|&j| j != i)
        .map(|j| (distance(p.row(i), p.row(j), norm), j as u32))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.truncate(k);
    all
}

#[test]
fn searches_and_counts_are_exact() {
    for (seed, d) in [(1, 1), (2, 2), (3, 3), (4, 5), (5, 8), (6, 9), (7, 12)] {
        for ties in [false, true] {
            for n in [2, 9, 17, 300] {
                let values = data(seed, n, d, ties);
                let p = Points::new(&values, d, "x").unwrap();
                for norm in [Norm::Max, Norm::Euclidean] {
                    let s = searcher(&[p], Rows::All, norm).unwrap();
                    assert_eq!(s.len(), n);
                    let mut order = s.order();
                    order.sort_unstable();
                    assert_eq!(order, (0..n as u32).collect::<Vec<_>>());
                    for k in [1, 3, n - 1] {
                        if k == 0 || k >= n {
                            continue;
                        }
                        for i in 0..n {
                            let mut best = Best::new(k, true);
                            s.neighbours(i, &mut best);
                            let found: Vec<(f64, u32)> = best
                                .items()
                                .iter()
                                .map(|&(r, j)| (s.distance(r), j))
                                .collect();
                            let expected = naive_neighbours(&p, i, k, norm);
                            let context = format!("d={d} n={n} ties={ties} k={k} i={i} {norm:?}");
                            let kth = s.distance(s.kth_distance(i, k));
                            assert_eq!(kth, s.distance(best.items()[k - 1].0));
                            // Euclidean distances may differ in the last bit (sqrt of the sum).
                            assert_eq!(found.len(), k, "{context}");
                            for (f, e) in found.iter().zip(&expected) {
                                assert!((f.0 - e.0).abs() <= 1e-15 * e.0.max(1.0), "{context}");
                                if norm == Norm::Max {
                                    assert_eq!(f, e, "{context}");
                                }
                            }
                        }
                    }
                    for i in (0..n).step_by(7) {
                        for r in [0.0, 0.1, 0.25, 0.5, 1.0, strictly_within(0.5)] {
                            let expected = (0..n)
                                .filter(|&j| distance(p.row(i), p.row(j), Norm::Max) <= r)
                                .count();
                            assert_eq!(s.count(i, r), expected, "d={d} n={n} r={r} i={i}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn neighbours_of_outside_points_and_listed_rows() {
    let values = data(11, 200, 2, true);
    let p = Points::new(&values, 2, "y").unwrap();
    let rows: Vec<u32> = (0..200).filter(|i| i % 3 != 0).collect();
    for d_values in [values.clone()] {
        let q = Points::new(&d_values, 2, "y").unwrap();
        let s = searcher(&[q], Rows::Listed(&rows), Norm::Euclidean).unwrap();
        assert_eq!(s.len(), rows.len());
        for probe in [[0.1, -0.3], [2.5, 2.5], [-1.0, 0.75]] {
            let mut best = Best::new(4, true);
            s.neighbours_of(&probe, &mut best);
            let mut all: Vec<(f64, u32)> = rows
                .iter()
                .enumerate()
                .map(|(t, &j)| {
                    let d = distance(&probe, p.row(j as usize), Norm::Euclidean);
                    (d * d, t as u32)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let found: Vec<u32> = best.items().iter().map(|&(_, t)| t).collect();
            let expected: Vec<u32> = all[..4].iter().map(|&(_, t)| t).collect();
            assert_eq!(found, expected);
        }
    }
    // One dimension.
    let line = [0.0, 1.0, 1.0, 3.0, 7.0];
    let s = searcher(&[Points::new(&line, 1, "y").unwrap()], Rows::All, Norm::Max).unwrap();
    let mut best = Best::new(3, true);
    s.neighbours_of(&[2.0], &mut best);
    assert_eq!(best.items(), &[(1.0, 1), (1.0, 2), (1.0, 3)]);
}

fn naive_ksg1(x: &[f64], y: &[f64], k: usize) -> f64 {
    let n = x.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut d: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (x[i] - x[j]).abs().max((y[i] - y[j]).abs()))
            .collect();
        d.sort_by(f64::total_cmp);
        let eps = d[k - 1];
        let nx = (0..n)
            .filter(|&j| j != i && (x[i] - x[j]).abs() < eps)
            .count();
        let ny = (0..n)
            .filter(|&j| j != i && (y[i] - y[j]).abs() < eps)
            .count();
        total += digamma((nx + 1) as f64) + digamma((ny + 1) as f64);
    }
    digamma(k as f64) + digamma(n as f64) - total / n as f64
}

#[test]
fn ksg_matches_its_formula() {
    let mut rng = SplitMix(5);
    let n = 3000;
    let x: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
    let y: Vec<f64> = x.iter().map(|&v| v * v + 0.1 * rng.unit()).collect();
    let px = Points::new(&x, 1, "x").unwrap();
    let py = Points::new(&y, 1, "y").unwrap();
    for k in [1, 3, 10] {
        let fast = mutual_information(px, py, k, Algorithm::First, u64::MAX, &never()).unwrap();
        let slow = naive_ksg1(&x, &y, k);
        assert!((fast - slow).abs() < 1e-12, "k={k}: {fast} vs {slow}");
    }
}

#[test]
fn results_are_identical_for_any_number_of_threads() {
    let values = data(9, 5000, 3, false);
    let x = Points::new(&values[..5000], 1, "x").unwrap();
    let y = Points::new(&values[5000..10_000], 1, "y").unwrap();
    let z = Points::new(&values[10_000..], 1, "given").unwrap();
    let xy = Points::new(&values[..10_000], 2, "x").unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let never = never();
            [
                mutual_information(x, y, 3, Algorithm::First, u64::MAX, &never).unwrap(),
                mutual_information(x, y, 3, Algorithm::Second, u64::MAX, &never).unwrap(),
                conditional_mutual_information(x, y, z, 4, u64::MAX, &never).unwrap(),
                differential_entropy(xy, 2, Norm::Euclidean, u64::MAX, &never).unwrap(),
                kl_divergence(x, z, 1, Norm::Max, u64::MAX, &never).unwrap(),
            ]
        })
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        let many = run(threads);
        for (a, b) in one.iter().zip(&many) {
            assert_eq!(a.to_bits(), b.to_bits(), "{threads} threads");
        }
    }
}

#[test]
fn entropy_of_a_uniform_sample_and_the_ball_volumes() {
    // ln V_d: 2^d for the max norm; π for the Euclidean disc, 4π/3 for the ball.
    assert!((Norm::Max.ln_unit_ball(3) - 8f64.ln()).abs() < 1e-15);
    assert!((Norm::Euclidean.ln_unit_ball(2) - std::f64::consts::PI.ln()).abs() < 1e-14);
    let ball = 4.0 / 3.0 * std::f64::consts::PI;
    assert!((Norm::Euclidean.ln_unit_ball(3) - ball.ln()).abs() < 1e-14);
    assert!((Norm::Euclidean.ln_unit_ball(1) - 2f64.ln()).abs() < 1e-14);
    // Uniform on [0, 2]²: h = ln 4.
    let values: Vec<f64> = data(3, 20_000, 2, false).iter().map(|v| v + 2.0).collect();
    let u: Vec<f64> = values.iter().map(|v| v / 2.0).collect();
    let p = Points::new(&u, 2, "x").unwrap();
    for norm in [Norm::Max, Norm::Euclidean] {
        let h = differential_entropy(p, 3, norm, u64::MAX, &never()).unwrap();
        assert!((h - 4f64.ln()).abs() < 0.03, "{norm:?}: {h}");
    }
}

#[test]
fn errors_name_the_argument() {
    let never = never();
    let mut values = data(1, 100, 1, false);
    let y = values.clone();
    values[17] = f64::NAN;
    let x = Points::new(&values, 1, "x").unwrap();
    let py = Points::new(&y, 1, "y").unwrap();
    let e = mutual_information(x, py, 3, Algorithm::First, u64::MAX, &never).unwrap_err();
    assert!(
        e.to_string().starts_with("x contains NaN at index 17; "),
        "{e}"
    );
    let e = mutual_information(py, py, 100, Algorithm::First, u64::MAX, &never).unwrap_err();
    assert!(e.to_string().starts_with("k: must be less"), "{e}");
    let short = Points::new(&y[..99], 1, "y").unwrap();
    let e = mutual_information(py, short, 3, Algorithm::First, u64::MAX, &never).unwrap_err();
    assert!(
        matches!(&e, Error::LengthMismatch { argument, .. } if argument == "y"),
        "{e}"
    );
    let e = mutual_information(py, py, 3, Algorithm::First, 10, &never).unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    let stop = AtomicBool::new(true);
    let e = mutual_information(py, py, 3, Algorithm::First, u64::MAX, &stop).unwrap_err();
    assert_eq!(e, Error::Interrupted);
    // Duplicates: three copies of a point leave its 2nd neighbour at distance 0.
    let mut dup = y.clone();
    dup[5] = dup[4];
    dup[6] = dup[4];
    let p = Points::new(&dup, 1, "x").unwrap();
    let h = differential_entropy(p, 2, Norm::Max, u64::MAX, &never).unwrap();
    assert!(h.is_infinite() && h < 0.0, "{h}");
    let h = differential_entropy(p, 3, Norm::Max, u64::MAX, &never).unwrap();
    assert!(h.is_finite());
    let e = mutual_information(p, p, 2, Algorithm::First, u64::MAX, &never).unwrap_err();
    assert!(
        e.to_string()
            .contains("sample 4 has 2 or more exact duplicates"),
        "{e}"
    );
    let e = kl_divergence(py, p, 2, Norm::Max, u64::MAX, &never).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("x: holds 2 or more exact copies of sample 4 of y"));
}

#[test]
fn ross_drops_singletons_and_reproduces_the_brute_force_radius() {
    let never = never();
    let y: Vec<f64> = vec![0.1, 0.5, 0.2, 0.9, 0.3, 0.35, 0.8, 0.15];
    let labels: Vec<u32> = vec![0, 1, 0, 2, 0, 1, 1, 0];
    let p = Points::new(&y, 1, "y").unwrap();
    let result =
        mixed_mutual_information_neighbourhoods(&labels, "x", p, 2, u64::MAX, &never).unwrap();
    // Sample 3 is alone in class 2: dropped.
    let kept: Vec<u32> = result.samples.iter().map(|&(i, _)| i).collect();
    assert_eq!(kept, vec![0, 1, 2, 4, 5, 6, 7]);
    // Sample 1 (0.5) in class 1 {0.5, 0.35, 0.8}: k = 2, radius 0.3, within it 0.2..0.8 minus
    // the ends: 0.3, 0.35, 0.5 and itself → m = 3 ... counted strictly inside (0.2, 0.8).
    let (_, one) = result.samples[1];
    assert_eq!(one.count[..2], [2, 3]);
    assert!((one.radius[0] - (0.8 - 0.5)).abs() < 1e-15);
    let inside = y
        .iter()
        .enumerate()
        .filter(|&(j, &v)| j != 3 && (v - 0.5f64).abs() < one.radius[0]);
    assert_eq!(one.count[2] as usize, inside.count());
    // The brute-force radius is |a − b| up to rounding.
    let r = sklearn::brute_force_radius(0.5, &[1, 5, 6], &p, 2);
    assert!((r - 0.3).abs() < 1e-12);
    let e = mixed_mutual_information(
        &[0, 1, 2],
        "x",
        Points::new(&y[..3], 1, "y").unwrap(),
        1,
        u64::MAX,
        &never,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("every class has a single sample"),
        "{e}"
    );
}
