//! Functions of distributions (probability mass functions), row by row.
//!
//! A batch of distributions is a row-major `&[f64]` of `rows × k` weights. Each row is checked (every
//! weight finite and non-negative, not all zero) and normalised by its sum, or, with
//! `normalize = false`, required to sum to 1 within [`SUM_TOLERANCE`] and used as given.
//!
//! Conventions (those of `scipy.special.rel_entr` and Cover & Thomas):
//! - `0 · ln 0 = 0` and `0 · ln(0 / q) = 0`;
//! - `p · ln(p / 0) = +∞` for `p > 0`: KL divergence and cross-entropy are `+∞` exactly where some
//!   `q = 0 < p`, never a large finite number;
//! - `p · ln(p / q)` is evaluated as `p · (ln p − ln q)` when `p / q` overflows or underflows
//!   (subnormal weights), so such values stay finite and accurate;
//! - identical rows give exactly 0 for KL and JS; JS lies in `[0, ln 2]`.
//!
//! Results are in nats. Rows are independent, so the output does not depend on the thread count.

use crate::estimate::compensated_sum;
use crate::{Error, Result};
use rayon::prelude::*;

/// With `normalize = false`, a row must sum to 1 within this absolute tolerance.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// Rows × k above which rows are processed in parallel.
const PARALLEL_MIN: usize = 1 << 14;

/// A batch of distributions: `rows × k` weights, row-major.
#[derive(Debug, Clone, Copy)]
pub struct Distributions<'a> {
    weights: &'a [f64],
    k: usize,
    argument: &'static str,
}

impl<'a> Distributions<'a> {
    /// Wraps `weights` (`rows × k`, row-major). `argument` names the input in error messages.
    pub fn new(weights: &'a [f64], k: usize, argument: &'static str) -> Result<Self> {
        if k == 0 || weights.is_empty() {
            return Err(Error::EmptyInput { argument });
        }
        if weights.len() % k != 0 {
            return Err(Error::ShapeMismatch {
                argument,
                expected: vec![weights.len() / k, k],
                found: vec![weights.len()],
            });
        }
        Ok(Distributions {
            weights,
            k,
            argument,
        })
    }

    /// Number of distributions.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.weights.len() / self.k
    }

    /// Number of outcomes of each distribution.
    #[must_use]
    pub fn outcomes(&self) -> usize {
        self.k
    }

    /// Raw weights of row `r`.
    #[must_use]
    pub fn row(&self, r: usize) -> &'a [f64] {
        &self.weights[r * self.k..(r + 1) * self.k]
    }

    /// Checks row `r` and returns the divisor that normalises it (1 when `normalize` is false).
    pub fn scale(&self, r: usize, normalize: bool) -> Result<f64> {
        let row = self.row(r);
        let mut sum = 0.0;
        for (index, &w) in row.iter().enumerate() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidProbability {
                    argument: self.argument,
                    row: r,
                    index,
                    value: w,
                });
            }
            sum += w;
        }
        if sum == 0.0 {
            return Err(Error::ZeroRow {
                argument: self.argument,
                row: r,
            });
        }
        if !normalize {
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(Error::NotNormalized {
                    argument: self.argument,
                    row: r,
                    sum,
                });
            }
            return Ok(1.0);
        }
        if sum.is_infinite() {
            // Finite weights whose sum overflows: normalise in two steps, by the largest weight first.
            let max = row.iter().copied().fold(0.0, f64::max);
            let rescaled: f64 = row.iter().map(|&w| w / max).sum();
            return Ok(max * rescaled);
        }
        Ok(sum)
    }

    /// The normalised row `r` (allocates; for tests and small inputs).
    pub fn normalized_row(&self, r: usize, normalize: bool) -> Result<Vec<f64>> {
        let s = self.scale(r, normalize)?;
        Ok(self.row(r).iter().map(|&w| w / s).collect())
    }
}

/// `x ln(x / y)` with the conventions above (`scipy.special.rel_entr`, without its overflow).
#[inline]
#[must_use]
pub fn relative_entropy_term(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        let ratio = x / y;
        if ratio.is_normal() {
            x * ratio.ln()
        } else {
            x * (x.ln() - y.ln())
        }
    } else if x == 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// `−x ln y` with `0 · ln 0 = 0` and `+∞` when `y = 0 < x`.
#[inline]
fn cross_term(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else if y == 0.0 {
        f64::INFINITY
    } else {
        -x * y.ln()
    }
}

fn check_pair(p: &Distributions<'_>, q: &Distributions<'_>) -> Result<()> {
    if p.k != q.k || p.rows() != q.rows() {
        return Err(Error::ShapeMismatch {
            argument: q.argument,
            expected: vec![p.rows(), p.k],
            found: vec![q.rows(), q.k],
        });
    }
    Ok(())
}

/// Applies `f(row)` to every row in parallel, returning the first error in row order.
fn map_rows(
    rows: usize,
    work: usize,
    f: impl Fn(usize) -> Result<f64> + Sync + Send,
) -> Result<Vec<f64>> {
    let results: Vec<Result<f64>> = if work < PARALLEL_MIN {
        (0..rows).map(f).collect()
    } else {
        (0..rows).into_par_iter().map(f).collect()
    };
    results.into_iter().collect()
}

/// Entropy `H(p) = −Σ p ln p` of every row.
pub fn entropy(p: &Distributions<'_>, normalize: bool) -> Result<Vec<f64>> {
    map_rows(p.rows(), p.weights.len(), |r| {
        let s = p.scale(r, normalize)?;
        Ok(compensated_sum(p.row(r).iter().map(|&w| {
            let x = w / s;
            if x > 0.0 {
                -x * x.ln()
            } else {
                0.0
            }
        })))
    })
}

/// Cross-entropy `H(p, q) = −Σ p ln q` of every pair of rows.
pub fn cross_entropy(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    check_pair(p, q)?;
    map_rows(p.rows(), p.weights.len(), |r| {
        let (sp, sq) = (p.scale(r, normalize)?, q.scale(r, normalize)?);
        Ok(compensated_sum(
            p.row(r)
                .iter()
                .zip(q.row(r))
                .map(|(&a, &b)| cross_term(a / sp, b / sq)),
        ))
    })
}

/// Kullback–Leibler divergence `D(p ‖ q) = Σ p ln(p / q)` of every pair of rows.
pub fn kl_divergence(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    check_pair(p, q)?;
    map_rows(p.rows(), p.weights.len(), |r| {
        let (sp, sq) = (p.scale(r, normalize)?, q.scale(r, normalize)?);
        let d = compensated_sum(
            p.row(r)
                .iter()
                .zip(q.row(r))
                .map(|(&a, &b)| relative_entropy_term(a / sp, b / sq)),
        );
        Ok(d.max(0.0))
    })
}

/// Jensen–Shannon divergence `½ D(p ‖ m) + ½ D(q ‖ m)`, `m = ½ (p + q)`, of every pair of rows.
///
/// This is the divergence; `scipy.spatial.distance.jensenshannon` returns its square root.
pub fn js_divergence(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    check_pair(p, q)?;
    map_rows(p.rows(), p.weights.len(), |r| {
        let (sp, sq) = (p.scale(r, normalize)?, q.scale(r, normalize)?);
        let d = compensated_sum(p.row(r).iter().zip(q.row(r)).map(|(&a, &b)| {
            let (x, y) = (a / sp, b / sq);
            let m = 0.5 * (x + y);
            relative_entropy_term(x, m) + relative_entropy_term(y, m)
        }));
        Ok((0.5 * d).clamp(0.0, std::f64::consts::LN_2))
    })
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros and infinities are the point of these tests
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn one(w: &[f64]) -> Distributions<'_> {
        Distributions::new(w, w.len(), "p").unwrap()
    }

    #[test]
    fn conventions() {
        let p = [0.5, 0.5, 0.0];
        let q = [0.25, 0.25, 0.5];
        let z = [1.0, 0.0, 0.0];
        assert_relative_eq!(entropy(&one(&p), true).unwrap()[0], std::f64::consts::LN_2);
        assert_relative_eq!(
            kl_divergence(&one(&p), &one(&q), true).unwrap()[0],
            std::f64::consts::LN_2
        );
        assert_eq!(
            kl_divergence(&one(&p), &one(&z), true).unwrap()[0],
            f64::INFINITY
        );
        assert_eq!(
            cross_entropy(&one(&p), &one(&z), true).unwrap()[0],
            f64::INFINITY
        );
        assert_eq!(kl_divergence(&one(&q), &one(&q), true).unwrap()[0], 0.0);
        assert_eq!(js_divergence(&one(&q), &one(&q), true).unwrap()[0], 0.0);
        assert_relative_eq!(
            js_divergence(&one(&[1.0, 0.0]), &one(&[0.0, 1.0]), true).unwrap()[0],
            std::f64::consts::LN_2
        );
    }

    #[test]
    fn subnormal_weights_stay_finite() {
        let p = [0.5, 0.5];
        let q = [1.0, 1e-310];
        let d = kl_divergence(&one(&p), &one(&q), false).unwrap()[0];
        let expected = 0.5 * (0.5f64.ln() - 0.0) + 0.5 * (0.5f64.ln() - 1e-310f64.ln());
        assert_relative_eq!(d, expected, max_relative = 1e-14);
    }

    #[test]
    fn bad_rows_are_named() {
        let w = [0.5, 0.5, 0.2, f64::NAN];
        let p = Distributions::new(&w, 2, "p").unwrap();
        assert!(matches!(
            entropy(&p, true),
            Err(Error::InvalidProbability { argument: "p", row: 1, index: 1, value }) if value.is_nan()
        ));
        let zeros = [0.0, 0.0];
        assert!(matches!(
            entropy(&one(&zeros), true),
            Err(Error::ZeroRow { row: 0, .. })
        ));
        assert!(matches!(
            entropy(&one(&[0.5, 0.6]), false),
            Err(Error::NotNormalized { .. })
        ));
    }
}
