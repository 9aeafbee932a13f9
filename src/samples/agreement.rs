//! Comparing two labelings of the same samples (two clusterings, or a clustering and the truth):
//! normalised and adjusted mutual information, and the variation of information.
//!
//! With `n` samples, the contingency table `n_ij`, its row sums `a_i` and column sums `b_j`:
//!
//! - `NMI = I(X; Y) / mean(H(X), H(Y))`, the mean being the minimum, geometric mean, arithmetic
//!   mean or maximum ([`Average`]);
//! - `AMI = (I − E[I]) / (mean(H(X), H(Y)) − E[I])`, where `E[I]` is the expected mutual
//!   information of two random labelings with the same cluster sizes (the hypergeometric model of
//!   Vinh, Epps & Bailey 2010; [`expected_mutual_information`]);
//! - `VI = H(X | Y) + H(Y | X) = Σ (n_ij / n) ln(a_i b_j / n_ij²)`, a metric on labelings, in nats.
//!
//! Every quantity is the plug-in estimate, in nats, summed term by term from the joint counts of
//! [`crate::samples::counts::joint_counts`]; every result is identical for any number of threads.
//!
//! # Special cases (those of scikit-learn's `normalized_mutual_info_score` and
//! `adjusted_mutual_info_score`, 1.x)
//! - both labelings a single cluster (this includes `n = 1`): NMI = AMI = 1;
//! - exactly one labeling a single cluster: NMI = AMI = 0;
//! - NMI is 0 whenever `I = 0`;
//! - AMI clamps `I − E[I]` and `mean − E[I]` away from zero to `±ε` (keeping their sign), as
//!   scikit-learn does, so rounding never divides 0 by 0;
//! - labelings identical up to a renaming of the labels (one non-empty cell per row and per
//!   column, which includes two all-distinct labelings): NMI = AMI = 1 exactly (scikit-learn
//!   returns 1 up to rounding, and for two all-distinct labelings its `0 / 0` guard returns 1);
//! - one labeling all-distinct (one sample per cluster) and the other not: AMI = 0 exactly
//!   (`I = E[I] = H` of the other labeling, for every permutation);
//! - one labeling a refinement of the other (one non-empty cell per row, or per column):
//!   `I = H` of the coarser one, so NMI with the `min` average is 1 exactly.
//!
//! # References
//! - N. X. Vinh, J. Epps, J. Bailey, "Information theoretic measures for clusterings comparison:
//!   variants, properties, normalization and correction for chance", JMLR 11 (2010).
//! - M. Meilă, "Comparing clusterings — an information based distance", J. Multivariate Anal. 98
//!   (2007).

use crate::numeric::compensated_sum;
use crate::numeric::special::{deviance, hypergeometric_pmf, hypergeometric_support};
use crate::samples::counts::{joint_counts_with, JointCounts};
use crate::samples::estimate::{
    check_same_length, conditional_entropy_of_table, entropy_from_counts, information_of_table,
};
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

crate::options::named_options! {
    /// The mean of `H(X)` and `H(Y)` that normalises the mutual information.
    pub enum Average("average") {
        /// `min(H(X), H(Y))`.
        Min = "min",
        /// `√(H(X) H(Y))`.
        Geometric = "geometric",
        /// `(H(X) + H(Y)) / 2` (scikit-learn's default).
        Arithmetic = "arithmetic",
        /// `max(H(X), H(Y))`.
        Max = "max",
    }
}

impl Average {
    /// The mean of `u` and `v` (as scikit-learn's `_generalized_average` computes it).
    #[must_use]
    pub fn of(self, u: f64, v: f64) -> f64 {
        match self {
            Average::Min => u.min(v),
            Average::Geometric => (u * v).sqrt(),
            Average::Arithmetic => f64::midpoint(u, v),
            Average::Max => u.max(v),
        }
    }
}

/// The joint table of two labelings with their column positions and margins.
struct Pair {
    table: JointCounts,
    x: Vec<usize>,
    y: Vec<usize>,
    /// Non-zero row sums (cluster sizes of `x`) and column sums (of `y`).
    row_sums: Vec<u64>,
    column_sums: Vec<u64>,
}

impl Pair {
    fn new(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<Pair> {
        Pair::new_with(x, y, &AtomicBool::new(false))
    }

    /// [`Pair::new`], stopping with [`Error::Interrupted`] once `interrupt` is raised.
    fn new_with(x: &[Labels<'_>], y: &[Labels<'_>], interrupt: &AtomicBool) -> Result<Pair> {
        let n = x
            .first()
            .ok_or(Error::EmptyInput {
                argument: "x".into(),
            })?
            .len();
        check_same_length("x", x, n)?;
        check_same_length("y", y, n)?;
        let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
        let table = joint_counts_with(&columns, interrupt)?;
        let xs: Vec<usize> = (0..x.len()).collect();
        let ys: Vec<usize> = (x.len()..columns.len()).collect();
        let nonzero = |m: JointCounts| -> Vec<u64> {
            m.stored_counts()
                .iter()
                .copied()
                .filter(|&c| c != 0)
                .collect()
        };
        let row_sums = nonzero(table.marginal(&xs)?);
        let column_sums = nonzero(table.marginal(&ys)?);
        Ok(Pair {
            table,
            x: xs,
            y: ys,
            row_sums,
            column_sums,
        })
    }

    fn mutual_information(&self) -> Result<f64> {
        information_of_table(&self.table, &self.x, &self.y, &[], Estimator::Plugin)
    }

    /// `H(X)` and `H(Y)` from the cluster sizes (the same sum, term for term, as
    /// [`crate::entropy`]).
    fn entropies(&self) -> (f64, f64) {
        (
            entropy_from_counts(&self.row_sums, Estimator::Plugin),
            entropy_from_counts(&self.column_sums, Estimator::Plugin),
        )
    }

    /// One non-empty cell per row and per column: the labelings are equal up to renaming.
    fn identical(&self) -> bool {
        let cells = self.table.occupied();
        cells == self.row_sums.len() && cells == self.column_sums.len()
    }

    /// One non-empty cell per row or per column: one labeling determines the other, and
    /// neither is a single cluster (then `I = 0 = min(H(X), H(Y))`, and NMI is 0 by convention).
    fn nested(&self) -> bool {
        let (rows, columns) = (self.row_sums.len(), self.column_sums.len());
        let cells = self.table.occupied();
        rows > 1 && columns > 1 && (cells == rows || cells == columns)
    }

    /// One labeling puts every sample in a cluster of its own.
    fn one_all_distinct(&self) -> bool {
        let n: u64 = self.row_sums.iter().sum();
        self.row_sums.len() as u64 == n || self.column_sums.len() as u64 == n
    }
}

/// Normalised mutual information `I(X; Y) / mean(H(X), H(Y))`, in `[0, 1]` (see the module
/// documentation for the special cases, which follow scikit-learn).
pub fn normalized_mutual_information(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    average: Average,
) -> Result<f64> {
    let pair = Pair::new(x, y)?;
    if pair.identical() || (average == Average::Min && pair.nested()) {
        return Ok(1.0);
    }
    let mi = pair.mutual_information()?;
    if mi == 0.0 {
        return Ok(0.0);
    }
    let (hx, hy) = pair.entropies();
    // `I ≤ min(H(X), H(Y)) ≤ mean` for the plug-in estimates: keep rounding inside [0, 1].
    Ok((mi / average.of(hx, hy)).clamp(0.0, 1.0))
}

/// Adjusted mutual information `(I − E[I]) / (mean(H(X), H(Y)) − E[I])`, with the exact expected
/// mutual information under the hypergeometric model: 1 for identical labelings, about 0 for
/// independent ones, and negative when they agree less than chance.
///
/// The expected MI is the long part (seconds for thousands of clusters): it stops with
/// [`Error::Interrupted`] once `interrupt` is raised.
pub fn adjusted_mutual_information(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    average: Average,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let pair = Pair::new_with(x, y, interrupt)?;
    let (rows, columns) = (pair.row_sums.len(), pair.column_sums.len());
    if rows == 1 && columns == 1 {
        return Ok(1.0);
    }
    if rows == 1 || columns == 1 {
        return Ok(0.0);
    }
    if pair.identical() {
        return Ok(1.0);
    }
    if pair.one_all_distinct() {
        // I = E[I] = H(the other labeling) in theory; computed, they differ by rounding.
        return Ok(0.0);
    }
    let mi = pair.mutual_information()?;
    let emi = expected_mutual_information(&pair.row_sums, &pair.column_sums, interrupt)?;
    let (hx, hy) = pair.entropies();
    let away_from_zero = |v: f64| {
        if v < 0.0 {
            v.min(-f64::EPSILON)
        } else {
            v.max(f64::EPSILON)
        }
    };
    let denominator = away_from_zero(average.of(hx, hy) - emi);
    let numerator = away_from_zero(mi - emi);
    Ok(numerator / denominator)
}

/// Variation of information `H(X | Y) + H(Y | X)` in nats: a metric on labelings, 0 exactly when
/// they are equal up to renaming.
pub fn variation_of_information(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<f64> {
    let pair = Pair::new(x, y)?;
    let x_given_y = conditional_entropy_of_table(&pair.table, &pair.y, Estimator::Plugin)?;
    let y_given_x = conditional_entropy_of_table(&pair.table, &pair.x, Estimator::Plugin)?;
    Ok(x_given_y + y_given_x)
}

/// Relative size below which the rest of a pair's sum is dropped (a bound, not an estimate).
const PRUNE: f64 = f64::EPSILON / 1024.0;

/// `Σ_k P(k) D(k, μ)` over the hypergeometric law of the cell count `k` given row sum `a`,
/// column sum `b` and `n` samples, with `μ = ab / n` and `D(k, μ) = k ln(k / μ) + μ − k`.
///
/// This is `n ×` the pair's share of the expected MI: since `Σ_k P(k) (k − μ) = 0`,
/// `Σ_k P(k) (k / n) ln(k n / (a b)) = Σ_k P(k) D(k, μ) / n`, a sum of non-negative terms (no
/// cancellation, unlike the textbook form whose terms change sign around `μ`).
///
/// The terms are walked outwards from the mode by the ratios
/// `P(k + 1) / P(k) = (a − k)(b − k) / ((k + 1)(n − a − b + k + 1))`, starting from an accurate
/// `P(mode)`; a side stops when the bound `P(k) max D · r / (1 − r)` on its tail (`r` the last
/// ratio, which only decreases away from the mode: the law is log-concave) falls below
/// [`PRUNE`] times the sum so far. Cost: `O(σ + 1)` terms, `σ` the law's standard deviation.
fn pair_expectation(a: u64, b: u64, n: u64) -> f64 {
    let (lo, hi) = hypergeometric_support(n, a, b);
    // μ = ab / n = whole + fraction, so k − μ = (k − whole) − fraction with one rounding.
    let ab = u128::from(a) * u128::from(b);
    let whole = (ab / u128::from(n)) as u64;
    let fraction = (ab % u128::from(n)) as f64 / n as f64;
    let mean = whole as f64 + fraction;
    let d = |k: u64| {
        let difference = (k as i64 - whole as i64) as f64 - fraction;
        deviance(k as f64, mean, difference)
    };
    if lo == hi {
        return d(lo);
    }
    let mode = ((u128::from(a) + 1) * (u128::from(b) + 1) / (u128::from(n) + 2)) as u64;
    let mode = mode.clamp(lo, hi);
    let p_mode = hypergeometric_pmf(mode, n, a, b);
    let largest = d(lo).max(d(hi));
    let mut sum = p_mode * d(mode);
    // n − a − b + k as an exact float (it is ≥ 0 on the support).
    let rest = |k: u64| (u128::from(n) + u128::from(k) - u128::from(a) - u128::from(b)) as f64;
    let (mut k, mut p) = (mode, p_mode);
    while k < hi {
        let ratio = ((a - k) as f64 * (b - k) as f64) / ((k + 1) as f64 * (rest(k) + 1.0));
        p *= ratio;
        k += 1;
        sum += p * d(k);
        if p == 0.0 || (ratio < 1.0 && p * largest * ratio / (1.0 - ratio) <= PRUNE * sum) {
            break;
        }
    }
    let (mut k, mut p) = (mode, p_mode);
    while k > lo {
        let ratio = (k as f64 * rest(k)) / ((a - k + 1) as f64 * (b - k + 1) as f64);
        p *= ratio;
        k -= 1;
        sum += p * d(k);
        if p == 0.0 || (ratio < 1.0 && p * largest * ratio / (1.0 - ratio) <= PRUNE * sum) {
            break;
        }
    }
    sum
}

/// The distinct non-zero values of `sizes`, ascending, with their multiplicities.
fn distinct(sizes: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted: Vec<u64> = sizes.iter().copied().filter(|&s| s != 0).collect();
    sorted.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some((value, count)) if *value == s => *count += 1,
            _ => out.push((s, 1)),
        }
    }
    out
}

/// Expected mutual information (nats) of two labelings drawn uniformly at random with cluster
/// sizes `a` (rows) and `b` (columns), which must have the same positive total `n` (zeros are
/// ignored):
///
/// ```text
/// E[I] = Σ_i Σ_j Σ_k (k / n) ln(k n / (a_i b_j)) · C(a_i, k) C(n − a_i, b_j − k) / C(n, b_j)
/// ```
///
/// (Vinh, Epps & Bailey 2010, eq. 24a), summed per pair of sizes in the cancellation-free form
/// `Σ_k P(k) D(k, a b / n) / n` (non-negative terms, `D(k, m) = k ln(k / m) + m − k`). Clusters
/// of equal size share their terms, so the cost is `O(Σ over distinct size pairs of (σ + 1))`,
/// with at most `~2n` distinct pairs whatever the number of labels (the distinct sizes of a
/// labeling of `n` samples are fewer than `√(2n)`), in parallel over the distinct row sizes.
/// The result is the same for any number of threads.
///
/// Accuracy: each `P(k)` comes from Loader's decomposition and the terms are positive, so the
/// relative error is a few ulps times the number of terms walked — far below that of the
/// textbook evaluation by `exp` of a sum of nine log-gammas (`~n ln n · ε` relative per term).
///
/// `interrupt` is checked before each distinct row size; once raised, the call returns
/// [`Error::Interrupted`].
pub fn expected_mutual_information(a: &[u64], b: &[u64], interrupt: &AtomicBool) -> Result<f64> {
    let total_a: u128 = a.iter().map(|&v| u128::from(v)).sum();
    let total_b: u128 = b.iter().map(|&v| u128::from(v)).sum();
    if total_a == 0 {
        return Err(Error::EmptyInput {
            argument: "a".into(),
        });
    }
    if total_a != total_b || total_a >= 1 << 62 {
        return Err(Error::InvalidArgument {
            argument: "b".into(),
            message: format!(
                "the cluster sizes must have the same total below 2^62; got {total_a} and {total_b}"
            ),
        });
    }
    let n = total_a as u64;
    let rows = distinct(a);
    let columns = distinct(b);
    let row_sums: Vec<f64> = rows
        .par_iter()
        .with_max_len(1)
        .map(|&(u, _)| {
            if interrupt.load(Ordering::Relaxed) {
                return 0.0;
            }
            compensated_sum(
                columns
                    .iter()
                    .map(|&(v, count)| count as f64 * pair_expectation(u, v, n)),
            )
        })
        .collect();
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    let total = compensated_sum(
        rows.iter()
            .zip(&row_sums)
            .map(|(&(_, count), &s)| count as f64 * s),
    );
    Ok(total / n as f64)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact special-case values are the point of several tests
mod tests {
    use super::*;
    use crate::numeric::special::ln_factorial;

    /// The textbook triple sum with log-factorials (what scikit-learn evaluates), for small `n`.
    fn textbook_emi(a: &[u64], b: &[u64]) -> f64 {
        let n: u64 = a.iter().sum();
        let nf = n as f64;
        let mut emi = 0.0;
        for &ai in a {
            for &bj in b {
                let lo = (ai + bj).saturating_sub(n).max(1);
                for k in lo..=ai.min(bj) {
                    let kf = k as f64;
                    let ln_p = ln_factorial(ai)
                        + ln_factorial(bj)
                        + ln_factorial(n - ai)
                        + ln_factorial(n - bj)
                        - ln_factorial(n)
                        - ln_factorial(k)
                        - ln_factorial(ai - k)
                        - ln_factorial(bj - k)
                        - ln_factorial(n + k - ai - bj);
                    emi += kf / nf * (kf * nf / (ai as f64 * bj as f64)).ln() * ln_p.exp();
                }
            }
        }
        emi
    }

    #[test]
    fn expected_mi_matches_the_textbook_sum() {
        let cases: [(&[u64], &[u64]); 6] = [
            (&[1, 1], &[1, 1]),
            (&[2, 2], &[1, 3]),
            (&[5, 3, 2], &[4, 4, 2]),
            (&[10, 1, 1, 7, 3], &[6, 6, 6, 4]),
            (&[1; 12], &[3, 3, 3, 3]),
            (&[40, 30, 20, 9, 1], &[25, 25, 25, 25]),
        ];
        for (a, b) in cases {
            let fast = expected_mutual_information(a, b, &AtomicBool::new(false)).unwrap();
            let slow = textbook_emi(a, b);
            assert!(
                (fast - slow).abs() <= 1e-13 * slow.abs().max(1e-3),
                "{a:?} {b:?}: {fast} vs {slow}"
            );
            let swapped = expected_mutual_information(b, a, &AtomicBool::new(false)).unwrap();
            assert!((fast - swapped).abs() <= 1e-14 * fast.abs().max(1e-3));
        }
    }

    #[test]
    fn expected_mi_of_all_distinct_labels_is_ln_n() {
        // Every table with unit margins is a permutation matrix, whose MI is ln n.
        let ones = vec![1u64; 500];
        let emi = expected_mutual_information(&ones, &ones, &AtomicBool::new(false)).unwrap();
        assert!((emi - 500f64.ln()).abs() < 1e-12);
        // One labeling all distinct: every table has MI = H(other).
        let other = [200u64, 250, 50];
        let h: f64 = other
            .iter()
            .map(|&c| -(c as f64 / 500.0) * (c as f64 / 500.0).ln())
            .sum();
        let emi = expected_mutual_information(&ones, &other, &AtomicBool::new(false)).unwrap();
        assert!((emi - h).abs() < 1e-13, "{emi} vs {h}");
    }

    #[test]
    fn expected_mi_is_tiny_for_a_single_cluster_and_rejects_bad_totals() {
        assert_eq!(
            expected_mutual_information(&[10], &[3, 7], &AtomicBool::new(false)).unwrap(),
            0.0
        );
        assert!(expected_mutual_information(&[3, 4], &[3, 3], &AtomicBool::new(false)).is_err());
        assert!(expected_mutual_information(&[], &[], &AtomicBool::new(false)).is_err());
        assert!(expected_mutual_information(&[0, 0], &[0], &AtomicBool::new(false)).is_err());
    }

    #[test]
    fn large_tables_approach_the_asymptotic_bias() {
        // E[I] ≈ (r − 1)(c − 1) / (2n) for many samples per cell.
        let a = vec![100_000u64; 10];
        let b = vec![50_000u64; 20];
        let emi = expected_mutual_information(&a, &b, &AtomicBool::new(false)).unwrap();
        let asymptotic = 9.0 * 19.0 / (2.0 * 1e6);
        assert!(
            (emi / asymptotic - 1.0).abs() < 1e-3,
            "{emi} vs {asymptotic}"
        );
    }

    #[test]
    fn special_cases_follow_scikit_learn() {
        fn l(v: &[u8]) -> [Labels<'_>; 1] {
            [Labels::U8(v)]
        }
        let same = vec![0u8, 0, 1, 1, 2];
        let constant = vec![7u8; 5];
        let distinct: Vec<u8> = (0..5).collect();
        for average in [
            Average::Min,
            Average::Geometric,
            Average::Arithmetic,
            Average::Max,
        ] {
            let ami = |x: &Vec<u8>, y: &Vec<u8>| {
                adjusted_mutual_information(&l(x), &l(y), average, &AtomicBool::new(false)).unwrap()
            };
            let nmi = |x: &Vec<u8>, y: &Vec<u8>| {
                normalized_mutual_information(&l(x), &l(y), average).unwrap()
            };
            assert_eq!(ami(&constant, &constant), 1.0);
            assert_eq!(nmi(&constant, &constant), 1.0);
            assert_eq!(ami(&constant, &same), 0.0);
            assert_eq!(nmi(&same, &constant), 0.0);
            assert_eq!(ami(&same, &same), 1.0);
            assert_eq!(nmi(&same, &same), 1.0);
            assert_eq!(ami(&distinct, &distinct), 1.0);
        }
        let one = vec![3i64];
        assert_eq!(
            adjusted_mutual_information(
                &[Labels::from(&one)],
                &[Labels::from(&one)],
                Average::Max,
                &AtomicBool::new(false),
            )
            .unwrap(),
            1.0
        );
    }

    #[test]
    fn variation_of_information_is_the_sum_of_conditional_entropies() {
        let x = vec![0u8, 0, 1, 1, 2, 2, 2, 0];
        let y = vec![1u16, 0, 1, 1, 0, 0, 5, 5];
        let vi = variation_of_information(&[Labels::from(&x)], &[Labels::from(&y)]).unwrap();
        let hxy = crate::joint_entropy(
            &[&[Labels::from(&x)], &[Labels::from(&y)]],
            Estimator::Plugin,
        )
        .unwrap();
        let hx = crate::entropy(&[Labels::from(&x)], Estimator::Plugin).unwrap();
        let hy = crate::entropy(&[Labels::from(&y)], Estimator::Plugin).unwrap();
        assert!((vi - (2.0 * hxy - hx - hy)).abs() < 1e-14);
        let renamed: Vec<i32> = x.iter().map(|&v| 10 - i32::from(v) * 3).collect();
        assert_eq!(
            variation_of_information(&[Labels::from(&x)], &[Labels::from(&renamed)]).unwrap(),
            0.0
        );
    }

    #[test]
    fn errors_name_the_argument() {
        let a = vec![1u8, 2, 3];
        let b = vec![1u8, 2];
        let empty: Vec<u8> = vec![];
        assert_eq!(
            variation_of_information(&[Labels::from(&a)], &[Labels::from(&b)]).unwrap_err(),
            Error::LengthMismatch {
                argument: "y".into(),
                expected: 3,
                found: 2
            }
        );
        assert_eq!(
            normalized_mutual_information(
                &[Labels::from(&empty)],
                &[Labels::from(&empty)],
                Average::Min
            )
            .unwrap_err(),
            Error::EmptyInput {
                argument: "x".into()
            }
        );
        assert!("mean".parse::<Average>().is_err());
    }
}
