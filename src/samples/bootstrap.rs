//! The bootstrap of an entropy or information: its value on resamples of the data.
//!
//! Resampling `n` rows with replacement gives a table whose counts are multinomial with `n` trials
//! and the observed frequencies `n_i / n`. So each resample is drawn directly as a table, cell by
//! cell, with conditional binomials: cell `i` gets `Binomial(n − drawn, n_i / (n_i + n_{i+1} + …))`
//! (`O(cells)` per resample instead of `O(n)`), and the [`Quantity`] is evaluated on it with the
//! estimator of the data.
//!
//! # Determinism
//! Resample `b` draws from its own stream [`Rng::stream`]`(seed, b)` and writes its own slot, so the
//! resamples are the same for a given seed whatever the number of threads.
//!
//! # Binomial draws
//! Inversion (sequential search from 0) when `n p < 10`, else Hörmann's (1993) transformed
//! rejection with squeeze (BTRS), both on `p ≤ 1/2` (`Binomial(n, p) = n − Binomial(n, 1 − p)`).
//!
//! # References
//! - B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall (1993).
//! - W. Hörmann, "The generation of binomial random variates", *J. Statist. Comput. Simul.* 46
//!   (1993), 101–110.

use crate::numeric::special::ln_factorial;
use crate::samples::counts::JointCounts;
use crate::samples::estimators::Estimator;
use crate::samples::quantity::{of_table, Layout};
use crate::samples::significance::random::Rng;
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// `Binomial(n, p)` with `0 ≤ p ≤ 1`.
pub(crate) fn binomial(rng: &mut Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    let nf = n as f64;
    if nf * p < 10.0 {
        inversion(rng, n, p)
    } else {
        btrs(rng, n, p)
    }
}

/// Inversion: the smallest `x` with `F(x) ≥ u`, the pmf updated by its ratio.
fn inversion(rng: &mut Rng, n: u64, p: f64) -> u64 {
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let first = (n as f64 * (-p).ln_1p()).exp();
    loop {
        let mut u = rng.uniform();
        let mut r = first;
        let mut x = 0u64;
        loop {
            if u <= r {
                return x;
            }
            u -= r;
            x += 1;
            if x > n {
                break; // rounding left u above the total mass: draw again
            }
            r *= a / x as f64 - s;
        }
    }
}

/// Hörmann's BTRS for `n p ≥ 10`, `p ≤ 1/2`.
fn btrs(rng: &mut Rng, n: u64, p: f64) -> u64 {
    let nf = n as f64;
    let q = 1.0 - p;
    let spq = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * spq;
    let lpq = (p / q).ln();
    let m = ((nf + 1.0) * p).floor();
    let h = ln_factorial(m as u64) + ln_factorial(n - m as u64);
    loop {
        let u = rng.uniform() - 0.5;
        let v = rng.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + c).floor();
        if k < 0.0 || k > nf {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        let ki = k as u64;
        let lhs = (v * alpha / (a / (us * us) + b)).ln();
        if lhs <= h - ln_factorial(ki) - ln_factorial(n - ki) + (k - m) * lpq {
            return ki;
        }
    }
}

/// A multinomial draw of `sum(counts)` trials with probabilities `counts / sum(counts)` into `out`
/// (zero cells stay zero).
pub(crate) fn multinomial(rng: &mut Rng, counts: &[u64], out: &mut [u64]) {
    let mut mass: u64 = counts.iter().sum();
    let mut left = mass;
    for (o, &c) in out.iter_mut().zip(counts) {
        if c == 0 || left == 0 {
            *o = 0;
            continue;
        }
        let x = if c == mass {
            left
        } else {
            binomial(rng, left, c as f64 / mass as f64)
        };
        *o = x;
        left -= x;
        mass -= c;
    }
}

/// The estimate of the data and its `n_resamples` bootstrap replicates (in nats).
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    pub estimate: f64,
    pub resamples: Vec<f64>,
}

/// Bootstraps `layout`'s quantity on `table` (see the module docs): `n_resamples` multinomial
/// resamples of the table, the `b`-th drawn from stream `(seed, b)`. Stops with
/// [`Error::Interrupted`] when `interrupt` is raised.
pub fn bootstrap(
    table: &JointCounts,
    layout: &Layout,
    estimator: Estimator,
    alphabet: Option<&[u64]>,
    n_resamples: usize,
    seed: u64,
    interrupt: &AtomicBool,
) -> Result<Bootstrap> {
    if n_resamples == 0 {
        return Err(Error::InvalidArgument {
            argument: "n_resamples".into(),
            message: "at least one resample is needed, got 0".into(),
        });
    }
    let estimate = of_table(table, layout, estimator, alphabet)?;
    crate::runtime::memory::check(
        || format!("{n_resamples} bootstrap values"),
        8 * n_resamples as u128,
        "use fewer resamples",
    )?;
    let counts = table.stored_counts();
    let resamples = (0..n_resamples)
        .into_par_iter()
        .map_init(
            || vec![0u64; counts.len()],
            |drawn, b| {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                let mut rng = Rng::stream(seed, b as u64);
                multinomial(&mut rng, counts, drawn);
                of_table(&table.with_counts(drawn), layout, estimator, alphabet)
            },
        )
        .collect::<Result<Vec<f64>>>()?;
    Ok(Bootstrap {
        estimate,
        resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::counts::joint_counts;
    use crate::samples::quantity::Quantity;
    use crate::Labels;

    fn moments(draws: &[u64]) -> (f64, f64) {
        let m = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        let v =
            draws.iter().map(|&d| (d as f64 - m).powi(2)).sum::<f64>() / (draws.len() as f64 - 1.0);
        (m, v)
    }

    #[test]
    fn binomial_has_the_right_mean_and_variance() {
        for (n, p) in [
            (5u64, 0.3),
            (40, 0.2),
            (1000, 0.5),
            (1000, 0.9),
            (100_000, 0.001),
            (1 << 40, 0.25),
        ] {
            let mut rng = Rng::stream(1, n);
            let draws: Vec<u64> = (0..20_000).map(|_| binomial(&mut rng, n, p)).collect();
            assert!(draws.iter().all(|&d| d <= n));
            let (m, v) = moments(&draws);
            let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // 6 standard errors of the sample mean and (roughly) of the sample variance.
            assert!(
                (m - mean).abs() < 6.0 * (var / 20_000.0).sqrt(),
                "{n} {p}: {m}"
            );
            assert!(
                (v / var - 1.0).abs() < 6.0 * (2.0 / 20_000f64).sqrt() + 0.01,
                "{v}"
            );
        }
    }

    #[test]
    fn multinomial_keeps_the_total_and_zeros() {
        let mut rng = Rng::stream(3, 0);
        let counts = [5u64, 0, 100, 1, 0, 2000];
        let mut out = [0u64; 6];
        for _ in 0..100 {
            multinomial(&mut rng, &counts, &mut out);
            assert_eq!(out.iter().sum::<u64>(), 2106);
            assert_eq!((out[1], out[4]), (0, 0));
        }
    }

    #[test]
    fn resamples_do_not_depend_on_the_thread_count() {
        let x: Vec<u16> = (0..3000u32).map(|i| ((i * 7919) % 13) as u16).collect();
        let y: Vec<u16> = x.iter().map(|&v| (v * 3 + 1) % 5).collect();
        let t = joint_counts(&[Labels::from(&x), Labels::from(&y)]).unwrap();
        let layout = Layout {
            quantity: Quantity::MutualInformation,
            widths: vec![1, 1],
        };
        let flag = AtomicBool::new(false);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| bootstrap(&t, &layout, Estimator::Plugin, None, 64, 9, &flag))
                .unwrap()
        };
        assert_eq!(run(1), run(3));
        flag.store(true, Ordering::Relaxed);
        assert_eq!(
            bootstrap(&t, &layout, Estimator::Plugin, None, 8, 9, &flag),
            Err(Error::Interrupted)
        );
    }
}
