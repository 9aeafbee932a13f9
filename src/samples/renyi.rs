//! Rényi and Tsallis entropies of order `α ≥ 0`, from samples (the empirical distribution) and from
//! distributions given as rows of weights.
//!
//! # Definitions
//! For a distribution `p` over its support (`p_i > 0`), in nats:
//!
//! - Rényi (1961): `H_α = ln(Σ p_i^α) / (1 − α)`; `H_0 = ln |support|` (Hartley),
//!   `H_1 = −Σ p_i ln p_i` (Shannon), `H_∞ = −ln max p_i` (min-entropy);
//! - Tsallis (1988): `S_q = (1 − Σ p_i^q) / (q − 1)`; `S_0 = |support| − 1`, `S_1` = Shannon,
//!   `S_∞ = 0`.
//!
//! Both are continuous in the order, and the limits are taken exactly (no `0/0`). Near order 1
//! they are evaluated as `−ln(1 + Σ p_i expm1(δ ln p_i)) / δ` and `−Σ p_i expm1(δ ln p_i) / δ` with
//! `δ = α − 1`, which keep their relative accuracy as `δ → 0`; far from it, Rényi's sum is scaled by
//! the largest probability (`Σ p^α = p_max^α Σ (p/p_max)^α`), so large orders neither underflow
//! nor lose the min-entropy limit. Sums are compensated, in a fixed order.
//!
//! # References
//! - A. Rényi, "On measures of entropy and information", Proc. Fourth Berkeley Symp. Math. Statist.
//!   Prob. 1 (1961), 547-561.
//! - C. Tsallis, "Possible generalization of Boltzmann-Gibbs statistics", J. Stat. Phys. 52 (1988),
//!   479-487.

use crate::numeric::compensated_sum;
use crate::pmf::rows::{pair, Distributions};
use crate::samples::counts::joint_counts;
use crate::samples::estimate::entropy_of_counts;
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use rayon::prelude::*;

/// Orders within this distance of 1 use the `expm1` forms.
const NEAR_ONE: f64 = 0.5;

/// Which generalised entropy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// Rényi entropy of order `α`.
    Renyi(f64),
    /// Tsallis entropy of index `q`.
    Tsallis(f64),
}

impl Family {
    fn order(self) -> (f64, &'static str) {
        match self {
            Family::Renyi(a) => (a, "alpha"),
            Family::Tsallis(q) => (q, "q"),
        }
    }

    fn check(self) -> Result<()> {
        let (order, argument) = self.order();
        if order.is_nan() || order < 0.0 {
            return Err(Error::InvalidArgument {
                argument: argument.into(),
                message: format!("must be a number >= 0 (inf allowed), got {order}"),
            });
        }
        Ok(())
    }

    /// The entropy of the distribution whose support has the weights `terms` (`(weight,
    /// multiplicity)` pairs, weights `> 0`, in a fixed order), normalised by their sum `total`.
    /// `shannon` is called for order 1.
    #[allow(clippy::float_cmp)] // the limits are exact orders
    fn of(self, terms: &[(f64, f64)], total: f64, shannon: impl FnOnce() -> f64) -> f64 {
        let (order, _) = self.order();
        if order == 1.0 {
            return shannon();
        }
        let support = compensated_sum(terms.iter().map(|&(_, m)| m));
        let largest = terms.iter().map(|&(w, _)| w).fold(0.0f64, f64::max) / total;
        match self {
            Family::Renyi(_) if order == 0.0 => support.ln(),
            Family::Renyi(_) if order.is_infinite() => -largest.ln(),
            Family::Tsallis(_) if order.is_infinite() => 0.0,
            Family::Tsallis(_) if order == 0.0 => support - 1.0,
            _ => {
                let delta = order - 1.0;
                if delta.abs() <= NEAR_ONE {
                    // Σ p^α / Σ p − 1 = Σ p (p^δ − 1) / Σ p.
                    let excess = compensated_sum(terms.iter().map(|&(w, m)| {
                        let p = w / total;
                        m * p * (delta * p.ln()).exp_m1()
                    }));
                    match self {
                        Family::Renyi(_) => -excess.ln_1p() / delta,
                        Family::Tsallis(_) => -excess / delta,
                    }
                } else {
                    match self {
                        Family::Renyi(_) => {
                            let scaled = compensated_sum(
                                terms
                                    .iter()
                                    .map(|&(w, m)| m * ((w / total) / largest).powf(order)),
                            );
                            (order * largest.ln() + scaled.ln()) / (1.0 - order)
                        }
                        Family::Tsallis(_) => {
                            let sum = compensated_sum(
                                terms.iter().map(|&(w, m)| m * (w / total).powf(order)),
                            );
                            (1.0 - sum) / delta
                        }
                    }
                }
            }
        }
    }
}

/// The Rényi or Tsallis entropy (nats) of the empirical distribution of `x` (one or more columns
/// forming one variable). Order 1 gives exactly the plug-in Shannon entropy of `entropy`.
pub fn sample_entropy(x: &[Labels<'_>], family: Family) -> Result<f64> {
    family.check()?;
    let n = x
        .first()
        .ok_or(Error::EmptyInput {
            argument: "x".into(),
        })?
        .len();
    crate::samples::estimate::check_same_length("x", x, n)?;
    let table = joint_counts(x)?;
    let counts = table.stored_counts();
    let fingerprint = crate::samples::estimators::Fingerprint::from_counts(counts);
    let terms: Vec<(f64, f64)> = fingerprint
        .profile()
        .iter()
        .map(|&(c, m)| (c as f64, m as f64))
        .collect();
    let value = family.of(&terms, table.total() as f64, || {
        entropy_of_counts(counts, table.total(), Estimator::Plugin)
    });
    Ok(value.max(0.0))
}

/// The Rényi or Tsallis entropy (nats) of every row of `p`. Order 1 gives exactly `pmf::entropy`.
pub fn pmf_entropy(p: &Distributions<'_>, family: Family, normalize: bool) -> Result<Vec<f64>> {
    family.check()?;
    let k = p.outcomes();
    let one = |buffer: &mut Vec<f64>, r: usize| -> Result<f64> {
        p.normalized_row_into(r, normalize, buffer)?;
        let terms: Vec<(f64, f64)> = buffer
            .iter()
            .filter(|&&w| w > 0.0)
            .map(|&w| (w, 1.0))
            .collect();
        let total = compensated_sum(terms.iter().map(|&(w, _)| w));
        Ok(family.of(&terms, total, || pair::entropy(buffer)).max(0.0))
    };
    let results: Vec<Result<f64>> = if p.weights().len() < 1 << 14 {
        let mut buffer = vec![0.0; k];
        (0..p.rows()).map(|r| one(&mut buffer, r)).collect()
    } else {
        (0..p.rows())
            .into_par_iter()
            .map_init(|| vec![0.0; k], one)
            .collect()
    };
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: &[f64], family: Family) -> f64 {
        pmf_entropy(&Distributions::new(p, p.len(), "p").unwrap(), family, true).unwrap()[0]
    }

    #[test]
    fn limits_are_exact_and_continuous() {
        let p = [0.5, 0.25, 0.125, 0.125, 0.0];
        let shannon = row(&p, Family::Renyi(1.0));
        assert!((shannon - 1.75 * std::f64::consts::LN_2).abs() < 1e-15);
        assert!((row(&p, Family::Renyi(0.0)) - 4f64.ln()).abs() < 1e-15);
        assert!((row(&p, Family::Renyi(f64::INFINITY)) - 2f64.ln()).abs() < 1e-15);
        assert!((row(&p, Family::Renyi(1e6)) - 2f64.ln()).abs() < 1e-5);
        assert!((row(&p, Family::Tsallis(0.0)) - 3.0).abs() < 1e-15);
        assert!(row(&p, Family::Tsallis(f64::INFINITY)).abs() < 1e-300);
        for delta in [1e-12, -1e-12, 1e-6, -1e-6] {
            let near = row(&p, Family::Renyi(1.0 + delta));
            assert!(
                (near - shannon).abs() < 2.0 * delta.abs() + 1e-15,
                "{delta}"
            );
            let near = row(&p, Family::Tsallis(1.0 + delta));
            assert!(
                (near - shannon).abs() < 2.0 * delta.abs() + 1e-15,
                "{delta}"
            );
        }
        // Collision entropy: -ln Σ p².
        let collision: f64 = -(0.25f64 + 0.0625 + 2.0 * 0.015_625).ln();
        assert!((row(&p, Family::Renyi(2.0)) - collision).abs() < 1e-15);
        let s2 = 1.0 - (0.25 + 0.0625 + 2.0 * 0.015_625);
        assert!((row(&p, Family::Tsallis(2.0)) - s2).abs() < 1e-15);
    }

    #[test]
    fn negative_and_nan_orders_are_errors() {
        let x = vec![0u8, 1];
        for family in [Family::Renyi(-0.5), Family::Tsallis(f64::NAN)] {
            assert!(matches!(
                sample_entropy(&[Labels::from(&x)], family),
                Err(Error::InvalidArgument { .. })
            ));
        }
    }

    #[test]
    fn samples_match_rows() {
        let x: Vec<u16> = (0..1000u16).map(|i| (i * i) % 13).collect();
        let (_, counts) = crate::histogram(Labels::from(&x)).unwrap().histogram();
        let weights: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        for family in [
            Family::Renyi(0.5),
            Family::Renyi(3.0),
            Family::Tsallis(0.7),
            Family::Tsallis(2.5),
        ] {
            let a = sample_entropy(&[Labels::from(&x)], family).unwrap();
            let b = row(&weights, family);
            assert!((a - b).abs() < 1e-14, "{family:?}: {a} vs {b}");
        }
    }
}
