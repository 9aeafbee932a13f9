//! The Nemenman–Shafee–Bialek estimator: the posterior mean entropy under a mixture of Dirichlet
//! priors, by quadrature over the concentration (see the parent module's docs for the formulas).

use super::Fingerprint;
use crate::numeric::compensated_sum;
use crate::numeric::quadrature::adaptive_gauss_kronrod;
use crate::numeric::special::{digamma, ln_rising, trigamma, trigamma_plus_one_minus_inverse};
use crate::{Error, Result};

pub(super) fn nsb_observed(fingerprint: &Fingerprint) -> f64 {
    nsb_unchecked(fingerprint, fingerprint.occupied)
}

/// NSB entropy (Nemenman, Shafee & Bialek 2002) with alphabet size `alphabet_size` (`None`: the
/// number of observed values). Errors if the alphabet is smaller than the number of observed
/// values.
pub fn nsb(fingerprint: &Fingerprint, alphabet_size: Option<u64>) -> Result<f64> {
    let k = alphabet_size.unwrap_or(fingerprint.occupied);
    if k < fingerprint.occupied {
        return Err(Error::InvalidArgument {
            argument: "alphabet_size".into(),
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
