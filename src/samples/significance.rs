//! Is a mutual information more than noise: permutation tests and the G-test.
//!
//! # Permutation test
//! The statistic is `I(X; Y)` (or `I(X; Y | Z)`) under an [`Estimator`]. Under the null
//! hypothesis of (conditional) independence, `y` is exchangeable (within each stratum of `z`): the
//! null distribution is that of the statistic after shuffling `y` (within strata). Shuffling keeps
//! both margins of every stratum's table, and the table's law then depends on those margins only,
//! so a null value is drawn as one random table per stratum with fixed margins — by Patefield's
//! algorithm (`O(cells)`) or by shuffling (`O(samples)`), whichever is cheaper for that stratum
//! (see [`NullMethod`]); both have exactly the law of the shuffled data.
//!
//! The p-value is `(k + 1) / (N + 1)` with `N` permutations of which `k` give a value at least the
//! statistic (Phipson & Smyth 2010): never 0, and exact (valid) for any `N`.
//!
//! **Ties.** A null value counts when it is `≥ statistic − γ` with
//! `γ = 8 ε (1 + ln n) + 100 ε |statistic|` nats (`ε = 2^-52`). For the plug-in and Miller–Madow
//! estimators the statistic and every null value are computed by the same fixed-margin formula
//! `I = (Σ_cells k ln k − Σ_rows a ln a − Σ_columns b ln b + Σ_strata m ln m) / n`, whose `k ln k`
//! terms are added exactly (in 128-bit fixed point with 52 fractional bits), so tables with the
//! same cells give identical values and a null table equal to the observed one always counts;
//! `γ` only absorbs the rounding of `k ln k` itself (at most `~ε ln n` per nat), for tables whose
//! values are equal in exact arithmetic but not cell for cell (`4 ln 4 = 2 · 2 ln 2`). The
//! second term of `γ` is scipy's relative tolerance (`100 ε`) for estimators computed by other
//! formulas.
//!
//! **Reproducibility.** Permutation `i` uses its own random stream derived from `(seed, i)`
//! (`random::Rng::stream`), so the null distribution is identical for any number of threads.
//!
//! # G-test
//! `G = 2 n I(X; Y)` (plug-in, nats) `= 2 Σ O ln(O / E)`; under independence it is approximately
//! chi-squared with `(r − 1)(c − 1)` degrees of freedom, `r` and `c` the numbers of observed
//! values of `x` and `y` (every row and column of the table is non-empty, as in
//! `scipy.stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)`); the p-value
//! is `Q((r − 1)(c − 1) / 2, G / 2)`. With one row or one column (0 degrees of freedom) `G = 0`
//! and the p-value is 1, as in scipy.
//!
//! # References
//! - B. Phipson, G. K. Smyth, "Permutation p-values should never be zero", Stat. Appl. Genet.
//!   Mol. Biol. 9 (2010).
//! - W. M. Patefield, "Algorithm AS 159", Applied Statistics 30 (1981).
//! - R. R. Sokal, F. J. Rohlf, *Biometry*, 3rd ed. (1995), §17 (the G-test).

mod null;
pub(crate) mod random;
mod strata;
mod tables;

use crate::numeric::special::regularized_upper_gamma;
use crate::samples::counts::joint_counts;
use crate::samples::estimate::{check_same_length, information_of_table};
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use null::{fixed_margin_null, resampled_null};
use std::sync::atomic::AtomicBool;
use strata::observed_strata;

crate::options::named_options! {
    /// How random tables of the null distribution are drawn.
    pub enum NullMethod("method") {
        /// Per stratum, whichever of the two is expected to be faster: Patefield for tables with few
        /// cells relative to their samples, shuffling otherwise.
        Auto = "auto",
        /// Shuffle the `y` labels of every stratum (Fisher–Yates).
        Shuffle = "shuffle",
        /// Patefield's algorithm for every stratum.
        Table = "table",
    }
}

/// The outcome of [`permutation_test`].
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationTest {
    /// The (conditional) mutual information of the data, nats.
    pub statistic: f64,
    /// `(k + 1) / (N + 1)`, `k` the null values at least the statistic (up to the tie tolerance).
    pub pvalue: f64,
    /// The statistic of each permutation, in order of permutation index.
    pub null_distribution: Vec<f64>,
}

/// The outcome of [`g_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GTest {
    /// `G = 2 n I(X; Y)`, `I` the plug-in MI in nats.
    pub statistic: f64,
    /// Observed values of `x` (rows of the table) and of `y` (columns).
    pub rows: u64,
    pub columns: u64,
    /// The chi-squared survival function of `G` with `(rows − 1)(columns − 1)` degrees of freedom.
    pub pvalue: f64,
}

/// Checks that every column of every argument has the same, positive, length.
fn check_lengths(arguments: &[(&'static str, &[Labels<'_>])]) -> Result<usize> {
    let n = arguments
        .first()
        .and_then(|(_, columns)| columns.first())
        .ok_or(Error::EmptyInput {
            argument: "x".into(),
        })?
        .len();
    for &(argument, columns) in arguments {
        // No `given` columns means no conditioning.
        if !(columns.is_empty() && argument == "given") {
            check_same_length(argument, columns, n)?;
        }
    }
    Ok(n)
}

/// The survival function of the chi-squared distribution with `dof > 0` degrees of freedom at
/// `statistic ≥ 0`: `Q(dof / 2, statistic / 2)` (see
/// [`crate::numeric::special::regularized_upper_gamma`]).
#[must_use]
pub fn chi_squared_survival(statistic: f64, dof: f64) -> f64 {
    regularized_upper_gamma(dof / 2.0, statistic / 2.0)
}

/// The G-test of independence of `x` and `y` (each one or more columns forming one variable).
pub fn g_test(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<GTest> {
    let n = check_lengths(&[("x", x), ("y", y)])?;
    let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
    let table = joint_counts(&columns)?;
    let xs: Vec<usize> = (0..x.len()).collect();
    let ys: Vec<usize> = (x.len()..columns.len()).collect();
    let rows = table.marginal(&xs)?.occupied() as u64;
    let cols = table.marginal(&ys)?.occupied() as u64;
    if rows == 1 || cols == 1 {
        return Ok(GTest {
            statistic: 0.0,
            rows,
            columns: cols,
            pvalue: 1.0,
        });
    }
    let mi = information_of_table(&table, &xs, &ys, &[], Estimator::Plugin)?;
    let statistic = 2.0 * n as f64 * mi;
    let dof = (rows - 1) as f64 * (cols - 1) as f64;
    Ok(GTest {
        statistic,
        rows,
        columns: cols,
        pvalue: chi_squared_survival(statistic, dof),
    })
}

/// The tie tolerance `γ` of the module documentation.
fn tie_tolerance(statistic: f64, n: u64) -> f64 {
    8.0 * f64::EPSILON * (1.0 + (n as f64).ln()) + 100.0 * f64::EPSILON * statistic.abs()
}

/// The permutation test of `I(X; Y)` (or `I(X; Y | given)` when `given` has columns), with
/// `n_permutations ≥ 1` null values drawn from the random streams of `seed`; `interrupt` is
/// polled between permutations.
#[allow(clippy::too_many_arguments)]
pub fn permutation_test(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    given: &[Labels<'_>],
    n_permutations: usize,
    seed: u64,
    estimator: Estimator,
    method: NullMethod,
    interrupt: &AtomicBool,
) -> Result<PermutationTest> {
    if n_permutations == 0 {
        return Err(Error::InvalidArgument {
            argument: "n_permutations".into(),
            message: "at least one permutation is needed".into(),
        });
    }
    let (mut strata, n) = observed_strata(x, y, given)?;
    for s in &mut strata {
        s.choose(method);
    }
    let (statistic, null_distribution) =
        if estimator == Estimator::Plugin || estimator == Estimator::MillerMadow {
            fixed_margin_null(&strata, n, n_permutations, seed, estimator, interrupt)?
        } else {
            resampled_null(
                &strata,
                !given.is_empty(),
                n_permutations,
                seed,
                estimator,
                interrupt,
            )?
        };
    let threshold = statistic - tie_tolerance(statistic, n);
    let at_least = null_distribution
        .iter()
        .filter(|&&v| v >= threshold)
        .count();
    Ok(PermutationTest {
        statistic,
        pvalue: (at_least + 1) as f64 / (n_permutations + 1) as f64,
        null_distribution,
    })
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // bit-identical null distributions are the point of several tests
mod tests {
    use super::*;
    use crate::samples::estimate::{conditional_mutual_information, mutual_information};
    use random::Rng;

    fn data(n: usize, seed: u64, dependent: bool) -> (Vec<u8>, Vec<u16>, Vec<u8>) {
        let mut rng = Rng::stream(seed, 0);
        let x: Vec<u8> = (0..n).map(|_| rng.below(5) as u8).collect();
        let y: Vec<u16> = x
            .iter()
            .map(|&v| {
                if dependent && rng.below(3) == 0 {
                    u16::from(v)
                } else {
                    rng.below(4) as u16 + 10
                }
            })
            .collect();
        let z: Vec<u8> = (0..n).map(|_| rng.below(3) as u8).collect();
        (x, y, z)
    }

    fn run(
        x: &[u8],
        y: &[u16],
        z: Option<&[u8]>,
        estimator: Estimator,
        method: NullMethod,
    ) -> PermutationTest {
        let never = AtomicBool::new(false);
        let given: Vec<Labels<'_>> = z.into_iter().map(Labels::U8).collect();
        permutation_test(
            &[Labels::U8(x)],
            &[Labels::U16(y)],
            &given,
            200,
            42,
            estimator,
            method,
            &never,
        )
        .unwrap()
    }

    #[test]
    fn statistic_is_the_estimate_of_the_api() {
        let (x, y, z) = data(3000, 1, true);
        for estimator in [Estimator::Plugin, Estimator::MillerMadow] {
            let t = run(&x, &y, None, estimator, NullMethod::Auto);
            let mi =
                mutual_information(&[Labels::from(&x)], &[Labels::from(&y)], estimator).unwrap();
            assert!(
                (t.statistic - mi).abs() <= 1e-14 * mi.max(1.0),
                "{} vs {mi}",
                t.statistic
            );
            let t = run(&x, &y, Some(&z), estimator, NullMethod::Auto);
            let cmi = conditional_mutual_information(
                &[Labels::from(&x)],
                &[Labels::from(&y)],
                &[Labels::from(&z)],
                estimator,
            )
            .unwrap();
            assert!((t.statistic - cmi).abs() <= 1e-14 * cmi.max(1.0));
        }
    }

    #[test]
    fn generic_path_agrees_with_the_fixed_margin_formula() {
        let (x, y, z) = data(600, 2, false);
        let never = AtomicBool::new(false);
        for given in [vec![], vec![Labels::from(&z)]] {
            let (mut strata, n) =
                observed_strata(&[Labels::from(&x)], &[Labels::from(&y)], &given).unwrap();
            for s in &mut strata {
                s.choose(NullMethod::Auto);
            }
            for estimator in [Estimator::Plugin, Estimator::MillerMadow] {
                let (fast, _) = fixed_margin_null(&strata, n, 5, 1, estimator, &never).unwrap();
                let (slow, null) =
                    resampled_null(&strata, !given.is_empty(), 50, 1, estimator, &never).unwrap();
                assert!((fast - slow).abs() < 1e-14, "{fast} vs {slow}");
                assert!(null.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
        }
    }

    #[test]
    fn dependent_data_is_significant_and_pvalues_are_valid() {
        let (x, y, z) = data(2000, 3, true);
        let t = run(&x, &y, None, Estimator::Plugin, NullMethod::Auto);
        assert_eq!(t.pvalue, 1.0 / 201.0);
        let t = run(&x, &y, Some(&z), Estimator::Plugin, NullMethod::Auto);
        assert_eq!(t.pvalue, 1.0 / 201.0);
        let (x, y, _) = data(2000, 4, false);
        let t = run(&x, &y, None, Estimator::Plugin, NullMethod::Auto);
        assert!(t.pvalue > 0.001);
        assert_eq!(t.null_distribution.len(), 200);
    }

    #[test]
    fn methods_agree_in_law_and_each_is_reproducible() {
        let (x, y, z) = data(400, 5, false);
        for given in [None, Some(z.as_slice())] {
            let a = run(&x, &y, given, Estimator::Plugin, NullMethod::Table);
            let b = run(&x, &y, given, Estimator::Plugin, NullMethod::Shuffle);
            assert_eq!(a.statistic, b.statistic);
            let again = run(&x, &y, given, Estimator::Plugin, NullMethod::Table);
            assert_eq!(a, again);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (mean(&a.null_distribution), mean(&b.null_distribution));
            assert!((ma - mb).abs() < 0.25 * ma, "{ma} vs {mb}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (x, y, z) = data(5000, 6, false);
        let reference = run(&x, &y, Some(&z), Estimator::MillerMadow, NullMethod::Auto);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let other =
                pool.install(|| run(&x, &y, Some(&z), Estimator::MillerMadow, NullMethod::Auto));
            assert_eq!(reference, other);
        }
    }

    #[test]
    fn g_test_matches_the_chi_squared_law() {
        let (x, y, _) = data(1000, 7, true);
        let g = g_test(&[Labels::from(&x)], &[Labels::from(&y)]).unwrap();
        let mi = mutual_information(&[Labels::from(&x)], &[Labels::from(&y)], Estimator::Plugin)
            .unwrap();
        assert_eq!(g.statistic, 2000.0 * mi);
        assert_eq!((g.rows, g.columns), (5, 9));
        assert!(g.pvalue < 1e-10);
        let constant = vec![1u16; 1000];
        let g = g_test(&[Labels::from(&x)], &[Labels::from(&constant)]).unwrap();
        assert_eq!((g.statistic, g.pvalue), (0.0, 1.0));
        // Two degrees of freedom: Q(1, s/2) = exp(−s/2).
        assert!((chi_squared_survival(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-16);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let (x, y, _) = data(10, 8, false);
        let never = AtomicBool::new(false);
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y[..5])],
            &[],
            10,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &never,
        )
        .unwrap_err();
        assert!(matches!(err, Error::LengthMismatch { ref argument, .. } if argument == "y"));
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y)],
            &[],
            0,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &never,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidArgument { argument, .. } if argument == "n_permutations"
        ));
        let stop = AtomicBool::new(true);
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y)],
            &[],
            10,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &stop,
        )
        .unwrap_err();
        assert_eq!(err, Error::Interrupted);
        assert!("exact".parse::<NullMethod>().is_err());
    }
}
