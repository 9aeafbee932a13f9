//! The ground floor: numerical building blocks that every other part of the crate may use, and
//! that use nothing of the crate themselves.
//!
//! - [`compensated_sum`]: Neumaier's compensated summation, the one way the crate adds up terms
//!   whose rounding errors must not accumulate (entropies, divergences, quadrature panels);
//! - [`special`]: `ln Γ`, `ψ`, `ψ₁`, log-factorials, binomial and hypergeometric probabilities,
//!   the regularised incomplete gamma function;
//! - [`quadrature`]: adaptive Gauss–Kronrod integration.

pub mod quadrature;
pub mod special;

/// Neumaier's compensated sum of `values`, in order.
#[must_use]
pub fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            compensation += (sum - t) + v;
        } else {
            compensation += (v - t) + sum;
        }
        sum = t;
    }
    // With an infinite term the compensation is NaN; the plain sum is the answer then.
    if sum.is_finite() {
        sum + compensation
    } else {
        sum
    }
}
