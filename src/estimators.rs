//! Entropy estimators: from a histogram of counts to an estimate of the entropy, in nats.
//!
//! Every estimator here is a symmetric function of the counts, so it only depends on the
//! histogram's [`Fingerprint`] (how many cells hold each count: the "counts of counts"). With `n`
//! samples, `n_i` the count of cell `i`, `m` the number of occupied cells and `p_i = n_i / n`:
//!
//! | estimator | formula | corrects |
//! |---|---|---|
//! | plug-in | `Ĥ = −Σ p_i ln p_i` | nothing: biased down by about `(K − 1) / (2n)` |
//! | Miller–Madow (Miller 1955) | `Ĥ + (m − 1) / (2n)` | the first-order bias term, with `K ≈ m` |
//! | jackknife (Zahl 1977; Efron & Stein 1981) | `n Ĥ − (n − 1)/n Σ_j Ĥ_{−j}` | the `1/n` term of the bias, whatever its constant |
//! | Grassberger (2003, eq. 35) | `ln n − (1/n) Σ n_i G(n_i)`, `G(k) = ψ(k) + ½ (−1)^k (ψ((k+1)/2) − ψ(k/2))` | the bias of `ln p_i` for small counts |
//! | Chao–Shen (2003) | `−Σ C p_i ln(C p_i) / (1 − (1 − C p_i)^n)`, `C = 1 − f_1 / n` | unseen cells (coverage `C`, `f_1` singletons) and their inclusion probabilities (Horvitz–Thompson) |
//! | NSB (Nemenman, Shafee & Bialek 2002) | `E[H | counts]` under a mixture of Dirichlet priors, flat in the prior mean entropy | the strong bias of any fixed Dirichlet prior when `n ≲ K` |
//!
//! `Ĥ_{−j}` is the plug-in entropy of the sample without observation `j`; grouping the samples by
//! cell gives the closed form used here,
//! `Ĥ_JK = Ĥ + (1/n) Σ_i n_i h(n_i) − h(n)`, with `h(k) = (k − 1) ln(1 − 1/k) + 1 = Σ_{j≥1} k^{−j} / (j (j+1))`
//! (`h(1) = 1`), which never subtracts two large numbers.
//!
//! Chao–Shen follows the reference implementation of the R package `entropy`: when every sample is
//! a singleton (`f_1 = n`), `f_1 = n − 1` so that the coverage stays positive.
//!
//! A histogram with a single occupied cell (a constant sample) has estimate 0 for every estimator.
//! This is a convention only for Grassberger's, whose formula gives `ln n − G(n) = O(±1/n)` there;
//! it keeps `I(X; c) = 0` and `H(X | c) = H(X)` for a constant `c`.
//!
//! NSB needs the alphabet size `K` (the number of possible values, observed or not). [`nsb`] takes
//! it as an argument; [`estimate`] and [`correction`] (which the samples functions use) take the
//! number of *observed* values `K = m`, which makes the estimate a Bayesian shrinkage towards the
//! uniform distribution over the observed values. The posterior mean is
//! `Ĥ = ∫ E[H | n, β] p(n | β) ξ'(β) dβ / ∫ p(n | β) ξ'(β) dβ` with
//! - `ξ(β) = ψ(Kβ + 1) − ψ(β + 1)`, the prior mean entropy of a symmetric Dirichlet(β) prior;
//! - `p(n | β) = Γ(Kβ) / Γ(n + Kβ) · Π_i Γ(n_i + β) / Γ(β)`, the Dirichlet-multinomial evidence;
//! - `E[H | n, β] = ψ(n + Kβ + 1) − Σ_i (n_i + β) / (n + Kβ) · ψ(n_i + β + 1)` (empty cells
//!   included), the posterior mean entropy for one β (Wolpert & Wolf 1995).
//!
//! The integral is taken over `t = ln β`: the peak of the log-integrand is located by a coarse
//! scan and a golden-section search, the range where the integrand exceeds `e^−50` of its peak is
//! bracketed, and both integrals are computed with adaptive Gauss–Kronrod (7–15) quadrature to a
//! relative error of about 1e-12. It agrees with `ndd` 1.6.1 (`2.840012048914245` for its README
//! example) and with an independent mpmath quadrature to ~1e-10.
//!
//! # Corrections
//! Conditional entropies and informations combine entropy estimates (`H(A | C) = Ĥ(A, C) − Ĥ(C)`,
//! `I(A; B) = Ĥ(A) + Ĥ(B) − Ĥ(A, B)`); the plug-in part is summed term by term elsewhere
//! ([`crate::estimate`]), and [`correction`] gives each table's `Ĥ_estimator − Ĥ_plugin`
//! computed directly (not as a difference of two entropies), so that small informations keep
//! their accuracy.
//!
//! # Special functions
//! [`ln_gamma`], [`digamma`] and [`trigamma`] for positive arguments: shifted by the recurrences to
//! `x ≥ 10`, then their asymptotic (Stirling / Bernoulli) series, accurate to a few ulps in
//! absolute terms (relative for `ψ` and `ψ₁`).
//!
//! # References
//! - G. A. Miller, "Note on the bias of information estimates", in *Information Theory in
//!   Psychology* (1955), 95–100.
//! - S. Zahl, "Jackknifing an index of diversity", *Ecology* 58 (1977), 907–913; B. Efron and
//!   C. Stein, "The jackknife estimate of variance", *Ann. Statist.* 9 (1981), 586–596.
//! - P. Grassberger, "Entropy estimates from insufficient samplings", arXiv:physics/0307138 (2003).
//! - A. Chao and T.-J. Shen, "Nonparametric estimation of Shannon's index of diversity when there
//!   are unseen species in sample", *Environ. Ecol. Stat.* 10 (2003), 429–443.
//! - I. Nemenman, F. Shafee and W. Bialek, "Entropy and inference, revisited", *NIPS* 14 (2002),
//!   arXiv:physics/0108025.
//! - D. H. Wolpert and D. R. Wolf, "Estimating functions of probability distributions from a
//!   finite set of samples", *Phys. Rev. E* 52 (1995), 6841.

use crate::estimate::compensated_sum;
use crate::{Error, Estimator, Result};
use rayon::prelude::*;

// ---------------------------------------------------------------------------------------------
// Special functions

/// Stirling's series `ln Γ(y) − [(y − ½) ln y − y + ½ ln 2π] = Σ B_2k / (2k (2k − 1) y^(2k − 1))`,
/// for `y ≥ 10`.
fn stirling_series(y: f64) -> f64 {
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    inv * (1.0 / 12.0
        + inv2
            * (-1.0 / 360.0
                + inv2
                    * (1.0 / 1260.0
                        + inv2
                            * (-1.0 / 1680.0
                                + inv2
                                    * (1.0 / 1188.0
                                        + inv2 * (-691.0 / 360_360.0 + inv2 / 156.0))))))
}

/// `ln Γ(x)` for `x > 0`.
#[must_use]
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    // Shift to x ≥ 10: ln Γ(x) = ln Γ(x + k) − ln(x (x + 1) ⋯ (x + k − 1)).
    let (mut y, mut product) = (x, 1.0f64);
    while y < 10.0 {
        product *= y;
        y += 1.0;
    }
    let half_ln_two_pi = 0.918_938_533_204_672_8;
    (y - 0.5) * y.ln() - y + half_ln_two_pi + stirling_series(y) - product.ln()
}

/// `ln Γ(x + c) − ln Γ(x)` (the log of the rising factorial) for `x > 0`, `c ≥ 0`, accurate even
/// when `x` is huge and the two log-gammas nearly cancel.
#[must_use]
pub fn ln_rising(x: f64, c: f64) -> f64 {
    if c == 0.0 {
        return 0.0;
    }
    if x < 10.0 {
        return ln_gamma(x + c) - ln_gamma(x);
    }
    // From Stirling's formula: (x − ½) ln(1 + c/x) + c ln(x + c) − c + S(x + c) − S(x).
    (x - 0.5) * (c / x).ln_1p() + c * (x + c).ln() - c
        + (stirling_series(x + c) - stirling_series(x))
}

/// `ln x − ψ(x)` for `x ≥ 10`, from the asymptotic series (no cancellation).
fn ln_minus_digamma_large(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    0.5 * inv
        + inv2
            * (1.0 / 12.0
                + inv2
                    * (-1.0 / 120.0
                        + inv2
                            * (1.0 / 252.0
                                + inv2
                                    * (-1.0 / 240.0
                                        + inv2
                                            * (1.0 / 132.0
                                                + inv2 * (-691.0 / 32760.0 + inv2 / 12.0))))))
}

/// The digamma function `ψ(x) = Γ'(x) / Γ(x)` for `x > 0`.
#[must_use]
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    // ψ(x) = ψ(x + k) − Σ_{j<k} 1 / (x + j).
    let (mut y, mut shift) = (x, 0.0f64);
    while y < 10.0 {
        shift += 1.0 / y;
        y += 1.0;
    }
    y.ln() - ln_minus_digamma_large(y) - shift
}

/// `ln x − ψ(x)` for `x > 0` (≈ `1/(2x)` for large `x`, computed without cancellation there).
#[must_use]
pub fn ln_minus_digamma(x: f64) -> f64 {
    if x >= 10.0 {
        ln_minus_digamma_large(x)
    } else {
        x.ln() - digamma(x)
    }
}

/// `ψ₁(x + 1) − 1/x` for `x ≥ 10`: `−1/(2x²) + 1/(6x³) − 1/(30x⁵) + …`.
fn trigamma_plus_one_minus_inverse_large(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    inv2 * (-0.5
        + inv
            * (1.0 / 6.0
                + inv2
                    * (-1.0 / 30.0
                        + inv2
                            * (1.0 / 42.0
                                + inv2
                                    * (-1.0 / 30.0
                                        + inv2 * (5.0 / 66.0 + inv2 * (-691.0 / 2730.0)))))))
}

/// The trigamma function `ψ₁(x) = ψ'(x)` for `x > 0`.
#[must_use]
pub fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return 0.0;
    }
    // ψ₁(x) = ψ₁(x + k) + Σ_{j<k} 1 / (x + j)².
    let (mut y, mut shift) = (x, 0.0f64);
    while y < 11.0 {
        shift += 1.0 / (y * y);
        y += 1.0;
    }
    // ψ₁(y) = ψ₁((y − 1) + 1) = 1/(y − 1) + [ψ₁((y−1) + 1) − 1/(y − 1)].
    let z = y - 1.0;
    1.0 / z + trigamma_plus_one_minus_inverse_large(z) + shift
}

/// `ψ₁(x + 1) − 1/x` for `x > 0`.
fn trigamma_plus_one_minus_inverse(x: f64) -> f64 {
    if x >= 10.0 {
        trigamma_plus_one_minus_inverse_large(x)
    } else {
        trigamma(x + 1.0) - 1.0 / x
    }
}

// ---------------------------------------------------------------------------------------------
// Fingerprints

/// Counts below this are tallied in an array when building a fingerprint.
const SMALL_COUNT: usize = 1024;
/// Cells per chunk when a fingerprint is built in parallel.
const FINGERPRINT_CHUNK: usize = 1 << 16;

/// A histogram's counts of counts: for each distinct non-zero count `c` (ascending), the number of
/// cells holding exactly `c` samples. Every estimator here depends on the counts only through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// `(count, multiplicity)` pairs, ascending by count, multiplicities ≥ 1.
    profile: Vec<(u64, u64)>,
    total: u64,
    occupied: u64,
}

fn tally(counts: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let mut small = vec![0u64; SMALL_COUNT];
    let mut large = Vec::new();
    for &c in counts {
        if (c as usize) < SMALL_COUNT {
            small[c as usize] += 1;
        } else {
            large.push(c);
        }
    }
    (small, large)
}

impl Fingerprint {
    /// The fingerprint of a histogram (zeros are allowed and ignored).
    #[must_use]
    pub fn from_counts(counts: &[u64]) -> Fingerprint {
        let (small, mut large) = if counts.len() <= FINGERPRINT_CHUNK {
            tally(counts)
        } else {
            counts.par_chunks(FINGERPRINT_CHUNK).map(tally).reduce(
                || (vec![0u64; SMALL_COUNT], Vec::new()),
                |(mut a, mut la), (b, lb)| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        *x += y;
                    }
                    la.extend(lb);
                    (a, la)
                },
            )
        };
        large.sort_unstable();
        let mut profile: Vec<(u64, u64)> = small
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, &m)| m != 0)
            .map(|(c, &m)| (c as u64, m))
            .collect();
        for c in large {
            match profile.last_mut() {
                Some((last, m)) if *last == c => *m += 1,
                _ => profile.push((c, 1)),
            }
        }
        Fingerprint::from_profile(profile)
    }

    fn from_profile(profile: Vec<(u64, u64)>) -> Fingerprint {
        let total = profile.iter().map(|&(c, m)| c * m).sum();
        let occupied = profile.iter().map(|&(_, m)| m).sum();
        Fingerprint {
            profile,
            total,
            occupied,
        }
    }

    /// `(count, multiplicity)` pairs, ascending by count.
    #[must_use]
    pub fn profile(&self) -> &[(u64, u64)] {
        &self.profile
    }

    /// Number of samples `n`.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Number of occupied cells `m`.
    #[must_use]
    pub fn occupied(&self) -> u64 {
        self.occupied
    }

    /// Number of cells holding exactly one sample, `f_1`.
    fn singletons(&self) -> u64 {
        match self.profile.first() {
            Some(&(1, m)) => m,
            _ => 0,
        }
    }

    /// Compensated `Σ multiplicity · f(count)` in ascending order of count.
    fn sum(&self, f: impl Fn(u64) -> f64) -> f64 {
        compensated_sum(self.profile.iter().map(|&(c, m)| m as f64 * f(c)))
    }
}

// ---------------------------------------------------------------------------------------------
// Estimators

/// Plug-in (maximum-likelihood) entropy `−Σ p_i ln p_i`.
#[must_use]
pub fn plugin(fingerprint: &Fingerprint) -> f64 {
    let n = fingerprint.total as f64;
    if fingerprint.total == 0 {
        return 0.0;
    }
    fingerprint.sum(|c| {
        let p = c as f64 / n;
        -p * p.ln()
    })
}

/// `h(k) = (k − 1) ln(1 − 1/k) + 1 = Σ_{j≥1} k^{−j} / (j (j + 1))`, `h(1) = 1`.
fn jackknife_term(k: u64) -> f64 {
    if k <= 16 {
        if k <= 1 {
            return 1.0;
        }
        let kf = k as f64;
        return (kf - 1.0) * (-1.0 / kf).ln_1p() + 1.0;
    }
    let x = 1.0 / k as f64;
    let (mut power, mut sum) = (1.0f64, 0.0f64);
    for j in 1..64u32 {
        power *= x;
        let term = power / (f64::from(j) * f64::from(j + 1));
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Grassberger's `ln k − G(k)`, `G(k) = ψ(k) + ½ (−1)^k (ψ((k + 1)/2) − ψ(k/2))`.
fn grassberger_term(k: u64) -> f64 {
    let kf = k as f64;
    let half_difference = 0.5 * (digamma(0.5 * (kf + 1.0)) - digamma(0.5 * kf));
    let alternating = if k.is_multiple_of(2) {
        half_difference
    } else {
        -half_difference
    };
    ln_minus_digamma(kf) - alternating
}

/// `Ĥ_estimator − Ĥ_plugin` of one histogram, computed directly where the estimator allows it.
///
/// NSB uses the number of observed values as the alphabet size (see the module docs). A histogram
/// with at most one occupied cell has no correction (its estimate is 0 for every estimator).
#[must_use]
pub fn correction(fingerprint: &Fingerprint, estimator: Estimator) -> f64 {
    let total = fingerprint.total;
    if fingerprint.occupied <= 1 {
        return 0.0;
    }
    let n = total as f64;
    match estimator {
        Estimator::Plugin => 0.0,
        Estimator::MillerMadow => (fingerprint.occupied as f64 - 1.0) / (2.0 * n),
        Estimator::Jackknife => {
            fingerprint.sum(|c| c as f64 * jackknife_term(c)) / n - jackknife_term(total)
        }
        Estimator::Grassberger => fingerprint.sum(|c| c as f64 * grassberger_term(c)) / n,
        Estimator::ChaoShen => chao_shen(fingerprint) - plugin(fingerprint),
        Estimator::Nsb => nsb_observed(fingerprint) - plugin(fingerprint),
    }
}

/// The estimate of the entropy (nats) by `estimator`. NSB uses the number of observed values as
/// alphabet size. At most one occupied cell gives 0 for every estimator (Grassberger's formula
/// alone would give `ln n − G(n)`, of order `±1/n`, for a constant sample).
#[must_use]
pub fn estimate(fingerprint: &Fingerprint, estimator: Estimator) -> f64 {
    if fingerprint.occupied <= 1 {
        return 0.0;
    }
    match estimator {
        Estimator::ChaoShen => chao_shen(fingerprint),
        Estimator::Nsb => nsb_observed(fingerprint),
        e => plugin(fingerprint) + correction(fingerprint, e),
    }
}

/// Miller–Madow entropy `Ĥ + (m − 1) / (2n)`.
#[must_use]
pub fn miller_madow(fingerprint: &Fingerprint) -> f64 {
    estimate(fingerprint, Estimator::MillerMadow)
}

/// Jackknife entropy `n Ĥ − (n − 1)/n Σ_j Ĥ_{−j}` (0 for one sample).
#[must_use]
pub fn jackknife(fingerprint: &Fingerprint) -> f64 {
    estimate(fingerprint, Estimator::Jackknife)
}

/// Grassberger's (2003) entropy `ln n − (1/n) Σ n_i G(n_i)`.
#[must_use]
pub fn grassberger(fingerprint: &Fingerprint) -> f64 {
    estimate(fingerprint, Estimator::Grassberger)
}

/// Chao–Shen entropy `−Σ C p_i ln(C p_i) / (1 − (1 − C p_i)^n)`.
#[must_use]
pub fn chao_shen(fingerprint: &Fingerprint) -> f64 {
    let total = fingerprint.total;
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    let mut singletons = fingerprint.singletons();
    if singletons == total {
        singletons = total - 1;
    }
    let coverage = 1.0 - singletons as f64 / n;
    fingerprint.sum(|c| {
        let pa = coverage * (c as f64 / n);
        // 1 − (1 − pa)^n without cancellation.
        let inclusion = -(n * (-pa).ln_1p()).exp_m1();
        -pa * pa.ln() / inclusion
    })
}

fn nsb_observed(fingerprint: &Fingerprint) -> f64 {
    nsb_unchecked(fingerprint, fingerprint.occupied)
}

/// NSB entropy (Nemenman, Shafee & Bialek 2002) with alphabet size `alphabet_size` (`None`: the
/// number of observed values). Errors if the alphabet is smaller than the number of observed
/// values.
pub fn nsb(fingerprint: &Fingerprint, alphabet_size: Option<u64>) -> Result<f64> {
    let k = alphabet_size.unwrap_or(fingerprint.occupied);
    if k < fingerprint.occupied {
        return Err(Error::InvalidArgument {
            argument: "alphabet_size",
            message: format!(
                "the alphabet size must be at least the number of observed values ({}), got {k}",
                fingerprint.occupied
            ),
        });
    }
    Ok(nsb_unchecked(fingerprint, k))
}

fn nsb_unchecked(fingerprint: &Fingerprint, k: u64) -> f64 {
    if fingerprint.total == 0 || k <= 1 {
        return 0.0;
    }
    let model = Nsb {
        profile: &fingerprint.profile,
        n: fingerprint.total as f64,
        k: k as f64,
        empty: (k - fingerprint.occupied) as f64,
    };
    model.posterior_mean()
}

// ---------------------------------------------------------------------------------------------
// NSB quadrature

/// Range of `t = ln β` explored.
const T_MIN: f64 = -600.0;
const T_MAX: f64 = 600.0;
/// The integrand is negligible where its log is this far below the peak.
const LOG_CUTOFF: f64 = 50.0;

struct Nsb<'a> {
    profile: &'a [(u64, u64)],
    n: f64,
    k: f64,
    /// Number of empty cells, `K − m`.
    empty: f64,
}

impl Nsb<'_> {
    /// `ξ'(β) = K ψ₁(Kβ + 1) − ψ₁(β + 1)`, without the cancellation of the two `1/β` terms for
    /// large β.
    fn prior_slope(&self, beta: f64) -> f64 {
        let k = self.k;
        if beta < 1.0 {
            k * trigamma(k * beta + 1.0) - trigamma(beta + 1.0)
        } else {
            k * trigamma_plus_one_minus_inverse(k * beta) - trigamma_plus_one_minus_inverse(beta)
        }
    }

    /// `ln [p(n | β) ξ'(β) β]` at `β = e^t` (the integrand over `t`, up to a constant).
    fn log_weight(&self, t: f64) -> f64 {
        let beta = t.exp();
        let counts = compensated_sum(
            self.profile
                .iter()
                .map(|&(c, m)| m as f64 * ln_rising(beta, c as f64)),
        );
        let slope = self.prior_slope(beta);
        counts - ln_rising(self.k * beta, self.n) + slope.ln() + t
    }

    /// `E[H | n, β]`, the posterior mean entropy under one Dirichlet(β) prior.
    fn conditional_mean(&self, beta: f64) -> f64 {
        let a = self.n + self.k * beta;
        let cells = compensated_sum(
            self.profile
                .iter()
                .map(|&(c, m)| m as f64 * (c as f64 + beta) * digamma(c as f64 + beta + 1.0))
                .chain(std::iter::once(self.empty * beta * digamma(beta + 1.0))),
        );
        digamma(a + 1.0) - cells / a
    }

    fn posterior_mean(&self) -> f64 {
        let f = |t: f64| self.log_weight(t);
        // Coarse scan for the peak, extended while it sits at an edge.
        let (mut lo, mut hi) = (-40.0f64, 40.0f64);
        let (mut best_t, mut best) = (0.0f64, f64::NEG_INFINITY);
        let scan = |from: f64, to: f64, best_t: &mut f64, best: &mut f64| {
            let mut t = from;
            while t <= to + 1e-9 {
                let v = f(t);
                if v > *best {
                    *best = v;
                    *best_t = t;
                }
                t += 1.0;
            }
        };
        scan(lo, hi, &mut best_t, &mut best);
        while best_t >= hi - 0.5 && hi < T_MAX {
            let next = (hi + 40.0).min(T_MAX);
            scan(hi + 1.0, next, &mut best_t, &mut best);
            hi = next;
        }
        while best_t <= lo + 0.5 && lo > T_MIN {
            let next = (lo - 40.0).max(T_MIN);
            scan(next, lo - 1.0, &mut best_t, &mut best);
            lo = next;
        }
        if !best.is_finite() {
            // Degenerate evidence everywhere (should not happen for K ≥ 2): fall back to the
            // Dirichlet(β = 1) posterior mean.
            return self.conditional_mean(1.0);
        }
        // Golden-section refinement of the peak within one coarse step on each side.
        let (peak, peak_value) = golden_max(&f, best_t - 1.0, best_t + 1.0, best_t, best);
        // Bracket the range where the integrand is within e^−LOG_CUTOFF of its peak.
        let reach = |direction: f64| {
            let mut step = 1e-3;
            loop {
                let t = peak + direction * step;
                if !(T_MIN..=T_MAX).contains(&t) {
                    return t.clamp(T_MIN, T_MAX);
                }
                if f(t) < peak_value - LOG_CUTOFF || step > 1e3 {
                    return t;
                }
                step *= 2.0;
            }
        };
        let (a, b) = (reach(-1.0), reach(1.0));
        let integrand = |t: f64| {
            let w = (self.log_weight(t) - peak_value).exp();
            if w == 0.0 {
                [0.0, 0.0]
            } else {
                [w, w * self.conditional_mean(t.exp())]
            }
        };
        let [z, zh] = adaptive_gauss_kronrod(&integrand, &[a, peak, b]);
        if z > 0.0 && zh.is_finite() {
            zh / z
        } else {
            self.conditional_mean(peak.exp())
        }
    }
}

/// Maximises `f` on `[a, b]` by golden-section search, starting from a known point.
fn golden_max(f: &impl Fn(f64) -> f64, a: f64, b: f64, start: f64, start_value: f64) -> (f64, f64) {
    let ratio = 0.5 * (5f64.sqrt() - 1.0);
    let (mut a, mut b) = (a, b);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-7 {
        if fc >= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    let (t, v) = if fc >= fd { (c, fc) } else { (d, fd) };
    if v >= start_value {
        (t, v)
    } else {
        (start, start_value)
    }
}

/// Gauss–Kronrod 7–15 nodes (positive half, centre last) and weights.
const KRONROD_NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const KRONROD_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
/// Gauss weights of the 7-point rule, at Kronrod nodes 1, 3, 5 and the centre.
const GAUSS_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One G7–K15 panel on `[a, b]` of a two-component integrand: (Kronrod estimates, error estimate).
fn kronrod_panel(f: &impl Fn(f64) -> [f64; 2], a: f64, b: f64) -> ([f64; 2], f64) {
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let mut kronrod = [0.0f64; 2];
    let mut gauss = [0.0f64; 2];
    for (i, (&x, &wk)) in KRONROD_NODES.iter().zip(&KRONROD_WEIGHTS).enumerate() {
        let points: &[f64] = if x == 0.0 {
            &[centre]
        } else {
            &[centre - half * x, centre + half * x]
        };
        for &p in points {
            let v = f(p);
            for j in 0..2 {
                kronrod[j] += wk * v[j];
                if i % 2 == 1 {
                    gauss[j] += GAUSS_WEIGHTS[i / 2] * v[j];
                }
            }
        }
    }
    let scaled = [kronrod[0] * half, kronrod[1] * half];
    let error = ((kronrod[0] - gauss[0]) * half)
        .abs()
        .max(((kronrod[1] - gauss[1]) * half).abs());
    (scaled, error)
}

/// Global adaptive G7–K15 quadrature over consecutive `breakpoints`, to a relative error of about
/// 1e-12 of either component (at most 500 panels).
fn adaptive_gauss_kronrod(f: &impl Fn(f64) -> [f64; 2], breakpoints: &[f64]) -> [f64; 2] {
    let mut panels: Vec<(f64, f64, [f64; 2], f64)> = breakpoints
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let (v, e) = kronrod_panel(f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    for _ in 0..500 {
        let total = panels.iter().fold([0.0f64; 2], |acc, p| {
            [acc[0] + p.2[0].abs(), acc[1] + p.2[1].abs()]
        });
        let error: f64 = panels.iter().map(|p| p.3).sum();
        let scale = total[0].min(total[1]).max(f64::MIN_POSITIVE);
        let Some((worst, _)) = panels
            .iter()
            .enumerate()
            .max_by(|x, y| x.1 .3.total_cmp(&y.1 .3))
        else {
            break;
        };
        if error <= 1e-13 * scale {
            break;
        }
        let (a, b, _, _) = panels.swap_remove(worst);
        let mid = 0.5 * (a + b);
        if mid <= a || mid >= b {
            break;
        }
        for (lo, hi) in [(a, mid), (mid, b)] {
            let (v, e) = kronrod_panel(f, lo, hi);
            panels.push((lo, hi, v, e));
        }
    }
    // Sum in order of position so the result does not depend on the refinement order.
    panels.sort_by(|x, y| x.0.total_cmp(&y.0));
    [
        compensated_sum(panels.iter().map(|p| p.2[0])),
        compensated_sum(panels.iter().map(|p| p.2[1])),
    ]
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    clippy::unreadable_literal,
    clippy::excessive_precision
)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Reference values computed with mpmath (50 digits).
    #[test]
    fn special_functions_match_mpmath() {
        let cases: [(f64, f64, f64, f64); 8] = [
            // (x, ln Γ(x), ψ(x), ψ₁(x))
            (1e-9, 20.723265836369195, -1000000000.5772157, 1.0e18),
            (
                0.5,
                0.57236494292470009,
                -1.9635100260214235,
                4.9348022005446793,
            ),
            (1.0, 0.0, -0.57721566490153286, 1.6449340668482264),
            (
                2.5,
                0.28468287047291916,
                0.70315664064524319,
                0.49035775610023486,
            ),
            (
                7.3,
                7.147892523022249,
                1.9178203356379861,
                0.1467957681314271,
            ),
            (
                10.0,
                12.80182748008147,
                2.2517525890667211,
                0.10516633568168575,
            ),
            (
                123.456,
                469.60554712992947,
                4.8118293238289854,
                0.008132945834278198,
            ),
            (
                1e7,
                151180949.36947391,
                16.118095600958319,
                1.0000000500000017e-7,
            ),
        ];
        for (x, lg, psi, psi1) in cases {
            assert_relative_eq!(ln_gamma(x), lg, epsilon = 1e-13, max_relative = 1e-14);
            assert_relative_eq!(digamma(x), psi, max_relative = 1e-14);
            assert_relative_eq!(trigamma(x), psi1, max_relative = 1e-13);
        }
        assert_relative_eq!(
            ln_minus_digamma(1e6),
            5.0000008333333333e-7,
            max_relative = 1e-13
        );
        for (x, c, expected) in [
            (1e17, 5.0, 195.71973290449388),
            (3.5, 100.0, 374.09464618998998),
            (12.25, 0.5, 1.2425617145134655),
            (1e-8, 1e6, 12815486.148467012),
            (1e6, 1e6, 14201804.572510533),
        ] {
            assert_relative_eq!(ln_rising(x, c), expected, max_relative = 1e-14);
        }
    }

    #[test]
    fn fingerprint_groups_counts() {
        let fp = Fingerprint::from_counts(&[0, 3, 1, 3, 0, 2000, 1, 2000, 7]);
        assert_eq!(fp.profile(), &[(1, 2), (3, 2), (7, 1), (2000, 2)]);
        assert_eq!(fp.total(), 4015);
        assert_eq!(fp.occupied(), 7);
        let many: Vec<u64> = (0..200_000u64).map(|i| i % 5).collect();
        let fp = Fingerprint::from_counts(&many);
        assert_eq!(
            fp.profile(),
            &[(1, 40_000), (2, 40_000), (3, 40_000), (4, 40_000)]
        );
    }

    fn brute_jackknife(counts: &[u64]) -> f64 {
        let n: u64 = counts.iter().sum();
        let h = |c: &[u64]| {
            let total: u64 = c.iter().sum();
            c.iter()
                .filter(|&&x| x > 0)
                .map(|&x| {
                    let p = x as f64 / total as f64;
                    -p * p.ln()
                })
                .sum::<f64>()
        };
        let mut leave_one_out = 0.0;
        for i in 0..counts.len() {
            if counts[i] > 0 {
                let mut c = counts.to_vec();
                c[i] -= 1;
                leave_one_out += counts[i] as f64 * h(&c);
            }
        }
        n as f64 * h(counts) - (n - 1) as f64 / n as f64 * leave_one_out
    }

    #[test]
    fn jackknife_equals_leave_one_out() {
        for counts in [
            vec![1u64],
            vec![5],
            vec![1, 1],
            vec![3, 1, 4, 1, 5, 9, 2, 6],
            vec![100, 1, 1, 17],
            vec![1; 40],
        ] {
            let fp = Fingerprint::from_counts(&counts);
            assert_relative_eq!(
                jackknife(&fp),
                brute_jackknife(&counts),
                epsilon = 1e-12,
                max_relative = 1e-12
            );
        }
        for k in [2u64, 15, 16, 17, 1000, 1 << 40] {
            let x = 1.0 / k as f64;
            let direct: f64 = (1..200)
                .map(|j| x.powi(j) / (f64::from(j) * f64::from(j + 1)))
                .sum();
            assert_relative_eq!(jackknife_term(k), direct, max_relative = 1e-14);
        }
    }

    /// Values from an independent mpmath computation (see `tests/test_estimators.py`).
    #[test]
    fn estimators_match_independent_values() {
        let counts = [
            4u64, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2,
        ];
        let fp = Fingerprint::from_counts(&counts);
        assert_relative_eq!(plugin(&fp), 2.6354442646084577, max_relative = 1e-14);
        assert_relative_eq!(grassberger(&fp), 2.733853405184339, max_relative = 1e-13);
        assert_relative_eq!(chao_shen(&fp), 2.7616640475852182, max_relative = 1e-13);
        // ndd 1.6.1's README: ndd.entropy([12, 4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4,
        // 12, 12, 1, 2], k=100) = 2.840012048914245; mpmath gives 2.8400120488979766.
        let readme = [
            12u64, 4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2,
        ];
        let nsb100 = nsb(&Fingerprint::from_counts(&readme), Some(100)).unwrap();
        assert_relative_eq!(nsb100, 2.8400120488979766, max_relative = 1e-10);
        let nsb100 = nsb(&fp, Some(100)).unwrap();
        assert_relative_eq!(nsb100, 2.806096916054329, max_relative = 1e-10);
    }

    #[test]
    fn degenerate_histograms() {
        let one = Fingerprint::from_counts(&[7]);
        for e in [
            Estimator::Plugin,
            Estimator::MillerMadow,
            Estimator::Jackknife,
            Estimator::ChaoShen,
            Estimator::Nsb,
        ] {
            assert_eq!(estimate(&one, e), 0.0, "{e:?}");
        }
        let empty = Fingerprint::from_counts(&[]);
        assert_eq!(estimate(&empty, Estimator::Grassberger), 0.0);
        assert_eq!(jackknife(&Fingerprint::from_counts(&[1])), 0.0);
        // Two singletons: f1 = n, so Chao–Shen uses f1 = n − 1 and C = 1/2.
        let two = Fingerprint::from_counts(&[1, 1]);
        assert_relative_eq!(chao_shen(&two), 8.0 / 7.0 * 4f64.ln(), max_relative = 1e-15);
        assert!(nsb(&two, Some(1)).is_err());
        let h = nsb(&two, Some(1000)).unwrap();
        assert!(h > 2f64.ln() && h < 1000f64.ln());
    }

    #[test]
    fn nsb_is_finite_on_extreme_histograms() {
        for counts in [
            vec![1u64; 5000],
            vec![1_000_000, 1],
            vec![1 << 40, 1 << 40, 3],
            (1..300).collect::<Vec<u64>>(),
        ] {
            let fp = Fingerprint::from_counts(&counts);
            let h = estimate(&fp, Estimator::Nsb);
            assert!(
                h.is_finite() && h >= 0.0 && h <= (fp.occupied() as f64).ln() + 1e-12,
                "{h}"
            );
        }
    }
}
