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
            return Err(Error::EmptyInput {
                argument: argument.into(),
            });
        }
        if !weights.len().is_multiple_of(k) {
            return Err(Error::ShapeMismatch {
                argument: argument.into(),
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

    /// All rows, `rows × k` row-major, as given.
    #[must_use]
    pub fn weights(&self) -> &'a [f64] {
        self.weights
    }

    /// Raw weights of row `r`.
    #[must_use]
    pub fn row(&self, r: usize) -> &'a [f64] {
        &self.weights[r * self.k..(r + 1) * self.k]
    }

    /// Checks row `r` and returns the two divisors that normalise it: each weight `w` becomes
    /// `(w / first) / second`. Usually `first` is the row's sum and `second` is 1 (so the result is
    /// `w / sum` exactly); when the sum of finite weights overflows, `first` is the largest weight
    /// and `second` the sum of the rescaled weights. With `normalize = false` both are 1.
    pub fn scale(&self, r: usize, normalize: bool) -> Result<(f64, f64)> {
        let row = self.row(r);
        // Eight interleaved partial sums, combined in a fixed order (vectorised, and the same
        // bits on every machine). A bad weight (NaN, infinite or negative) sets a flag; its index
        // is looked up only on error.
        let (sum, bad) = crate::runtime::simd::checked_sum(row);
        if bad {
            let index = row
                .iter()
                .position(|&w| !(w.is_finite() && w >= 0.0))
                .unwrap_or(0);
            return Err(Error::InvalidProbability {
                argument: self.argument.into(),
                row: r,
                index,
                value: row[index],
            });
        }
        if sum == 0.0 {
            return Err(Error::ZeroRow {
                argument: self.argument.into(),
                row: r,
            });
        }
        if !normalize {
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(Error::NotNormalized {
                    argument: self.argument.into(),
                    row: r,
                    sum,
                });
            }
            return Ok((1.0, 1.0));
        }
        if sum.is_infinite() {
            let max = row.iter().copied().fold(0.0, f64::max);
            let rescaled: f64 = row.iter().map(|&w| w / max).sum();
            return Ok((max, rescaled));
        }
        Ok((sum, 1.0))
    }

    /// Writes row `r`, checked and normalised (see [`Distributions::scale`]), into `out`; returns
    /// whether some normalised value is 0.
    pub fn normalized_row_into(&self, r: usize, normalize: bool, out: &mut [f64]) -> Result<bool> {
        let (first, second) = self.scale(r, normalize)?;
        Ok(crate::runtime::simd::divide_into(
            self.row(r),
            first,
            second,
            out,
        ))
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

/// Exact per-pair kernels on probability vectors that are already normalised (or used as given).
///
/// Each is a compensated sum of terms that are all non-negative (or all of one sign), written so that
/// nearly equal inputs do not cancel: the KL term is `p ln(p/q) − p + q = p (r − ln(1 + r))` with
/// `r = q/p − 1` (a series for small `r`), the JS term `m g(d)` with `d = (p − q)/(p + q)` and
/// `g(d) = (1+d) ln(1+d) + (1−d) ln(1−d)`, the Hellinger term `((p − q)/(√p + √q))²`. These are the
/// definitions the pairwise matrices are checked against and fall back to.
pub mod pair {
    use super::relative_entropy_term;
    use crate::numeric::compensated_sum;

    /// `p ln(p/q) − p + q ≥ 0`, accurate for `q ≈ p`.
    #[inline]
    fn kl_term(p: f64, q: f64) -> f64 {
        if p == 0.0 {
            return q;
        }
        if q == 0.0 {
            return f64::INFINITY;
        }
        let r = (q - p) / p;
        if r.abs() < 1e-3 {
            // r − ln(1 + r) = r²/2 − r³/3 + r⁴/4 − r⁵/5 + r⁶/6 − r⁷/7 + …
            let r2 = r * r;
            p * r2 * (0.5 - r * (1.0 / 3.0 - r * (0.25 - r * (0.2 - r * (1.0 / 6.0 - r / 7.0)))))
        } else if r.is_finite() && r > -0.5 {
            p * (r - r.ln_1p())
        } else {
            relative_entropy_term(p, q) - p + q
        }
    }

    /// `(1 + d) ln(1 + d) + (1 − d) ln(1 − d)` for `d` in `[−1, 1]`.
    #[inline]
    fn js_g(d: f64) -> f64 {
        let a = d.abs();
        if a < 1e-3 {
            let d2 = d * d;
            d2 * (1.0 + d2 * (1.0 / 6.0 + d2 * (1.0 / 15.0 + d2 / 28.0)))
        } else if a >= 1.0 {
            2.0 * std::f64::consts::LN_2
        } else {
            (1.0 + a) * a.ln_1p() + (1.0 - a) * (-a).ln_1p()
        }
    }

    /// `(p − q) ln(p / q) ≥ 0`.
    #[inline]
    #[allow(clippy::float_cmp)] // equal weights give exactly 0
    fn jeffreys_term(p: f64, q: f64) -> f64 {
        if p == q {
            return 0.0;
        }
        if p == 0.0 || q == 0.0 {
            return f64::INFINITY;
        }
        let diff = p - q;
        let r = diff / q;
        if r.is_finite() && r.abs() < 0.5 {
            diff * r.ln_1p()
        } else {
            diff * (p.ln() - q.ln())
        }
    }

    /// Entropy `−Σ p ln p`.
    #[must_use]
    pub fn entropy(p: &[f64]) -> f64 {
        compensated_sum(p.iter().map(|&x| if x > 0.0 { -x * x.ln() } else { 0.0 }))
    }

    /// Cross-entropy `−Σ p ln q` (`+∞` where `q = 0 < p`).
    #[must_use]
    pub fn cross_entropy(p: &[f64], q: &[f64]) -> f64 {
        compensated_sum(p.iter().zip(q).map(|(&x, &y)| {
            if x == 0.0 {
                0.0
            } else if y == 0.0 {
                f64::INFINITY
            } else {
                -x * y.ln()
            }
        }))
    }

    /// Kullback–Leibler divergence `Σ p ln(p/q)`, as `Σ [p ln(p/q) − p + q] + (Σ p − Σ q)`.
    #[must_use]
    pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
        let terms = compensated_sum(p.iter().zip(q).map(|(&x, &y)| kl_term(x, y)));
        if terms.is_infinite() {
            return terms;
        }
        let mass = compensated_sum(p.iter().zip(q).map(|(&x, &y)| x - y));
        (terms + mass).max(0.0)
    }

    /// Jensen–Shannon divergence `½ Σ m g(d)`, within `[0, ln 2]` for distributions.
    #[must_use]
    pub fn js_divergence(p: &[f64], q: &[f64]) -> f64 {
        let d = compensated_sum(p.iter().zip(q).map(|(&x, &y)| {
            let s = x + y;
            if s == 0.0 {
                0.0
            } else {
                0.5 * s * js_g((x - y) / s)
            }
        }));
        (0.5 * d).clamp(0.0, std::f64::consts::LN_2)
    }

    /// Jeffreys divergence `KL(p ‖ q) + KL(q ‖ p) = Σ (p − q) ln(p / q)`.
    #[must_use]
    pub fn jeffreys(p: &[f64], q: &[f64]) -> f64 {
        compensated_sum(p.iter().zip(q).map(|(&x, &y)| jeffreys_term(x, y)))
    }

    /// `½ Σ (√p − √q)²`, summed as `½ Σ ((p − q)/(√p + √q))²` (no cancellation for `p ≈ q`),
    /// and whether the supports intersect.
    fn half_squared_root_distance(p: &[f64], q: &[f64]) -> (f64, bool) {
        let mut overlap = false;
        let squares = compensated_sum(p.iter().zip(q).map(|(&x, &y)| {
            overlap |= x > 0.0 && y > 0.0;
            let s = x.sqrt() + y.sqrt();
            if s == 0.0 {
                0.0
            } else {
                let t = (x - y) / s;
                t * t
            }
        }));
        (0.5 * squares, overlap)
    }

    /// Hellinger distance `‖√p − √q‖₂ / √2`, which is `√(1 − Σ √(p q))` for distributions; within
    /// `[0, 1]`.
    #[must_use]
    pub fn hellinger(p: &[f64], q: &[f64]) -> f64 {
        half_squared_root_distance(p, q).0.clamp(0.0, 1.0).sqrt()
    }

    /// Bhattacharyya distance `−ln Σ √(p q)` (`+∞` for disjoint supports, exactly 0 for
    /// identical rows). Near a coefficient of 1 it is `−ln(1 − x)` with
    /// `x = ½ Σ (√p − √q)² + (1 − ½ Σ p − ½ Σ q)`, both parts summed without cancellation.
    #[must_use]
    pub fn bhattacharyya(p: &[f64], q: &[f64]) -> f64 {
        let (h2, overlap) = half_squared_root_distance(p, q);
        if !overlap {
            return f64::INFINITY;
        }
        if h2 == 0.0 {
            return 0.0;
        }
        let deficit =
            compensated_sum(std::iter::once(1.0).chain(p.iter().chain(q).map(|&x| -0.5 * x)));
        let x = h2 + deficit;
        if x < 0.5 {
            (-(-x).ln_1p()).max(0.0)
        } else {
            let coefficient = compensated_sum(p.iter().zip(q).map(|(&x, &y)| x.sqrt() * y.sqrt()));
            -coefficient.ln()
        }
    }

    /// Total variation distance `½ Σ |p − q|`, within `[0, 1]`.
    #[must_use]
    pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
        (0.5 * compensated_sum(p.iter().zip(q).map(|(&x, &y)| (x - y).abs()))).min(1.0)
    }
}

fn check_pair(p: &Distributions<'_>, q: &Distributions<'_>) -> Result<()> {
    if p.k != q.k || p.rows() != q.rows() {
        return Err(Error::ShapeMismatch {
            argument: q.argument.into(),
            expected: vec![p.rows(), p.k],
            found: vec![q.rows(), q.k],
        });
    }
    Ok(())
}

/// Applies `kernel` to every row (of `p`, paired with the same row of `q`), normalised into scratch
/// buffers, in parallel; returns the first error in row order.
fn map_rows(
    p: &Distributions<'_>,
    q: Option<&Distributions<'_>>,
    normalize: bool,
    kernel: impl Fn(&[f64], &[f64]) -> f64 + Sync + Send,
) -> Result<Vec<f64>> {
    if let Some(q) = q {
        check_pair(p, q)?;
    }
    let k = p.k;
    let one = |(bp, bq): &mut (Vec<f64>, Vec<f64>), r: usize| -> Result<f64> {
        p.normalized_row_into(r, normalize, bp)?;
        if let Some(q) = q {
            q.normalized_row_into(r, normalize, bq)?;
        }
        Ok(kernel(bp, bq))
    };
    let init = || (vec![0.0; k], vec![0.0; if q.is_some() { k } else { 0 }]);
    let results: Vec<Result<f64>> = if p.weights.len() < PARALLEL_MIN {
        let mut scratch = init();
        (0..p.rows()).map(|r| one(&mut scratch, r)).collect()
    } else {
        (0..p.rows()).into_par_iter().map_init(init, one).collect()
    };
    results.into_iter().collect()
}

/// Entropy `H(p) = −Σ p ln p` of every row.
pub fn entropy(p: &Distributions<'_>, normalize: bool) -> Result<Vec<f64>> {
    map_rows(p, None, normalize, |x, _| pair::entropy(x))
}

/// Cross-entropy `H(p, q) = −Σ p ln q` of every pair of rows.
pub fn cross_entropy(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    map_rows(p, Some(q), normalize, pair::cross_entropy)
}

/// Kullback–Leibler divergence `D(p ‖ q) = Σ p ln(p / q)` of every pair of rows.
pub fn kl_divergence(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    map_rows(p, Some(q), normalize, pair::kl_divergence)
}

/// Jensen–Shannon divergence `½ D(p ‖ m) + ½ D(q ‖ m)`, `m = ½ (p + q)`, of every pair of rows.
///
/// This is the divergence; `scipy.spatial.distance.jensenshannon` returns its square root.
pub fn js_divergence(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    normalize: bool,
) -> Result<Vec<f64>> {
    map_rows(p, Some(q), normalize, pair::js_divergence)
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
            Err(Error::InvalidProbability { argument, row: 1, index: 1, value }) if value.is_nan() && argument == "p"
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
