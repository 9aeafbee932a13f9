//! # fastinfo
//!
//! Information theory at scale: entropy, mutual information and divergences, exact and fast.
//!
//! Two kinds of input:
//! - **samples** — columns of integer labels ([`Labels`], any of `u8`..`u64`, `i8`..`i64`): counted
//!   by the parallel engine in [`samples::counts`] and turned into estimates
//!   ([`entropy`], [`conditional_entropy`], [`mutual_information`], ...);
//! - **distributions** — rows of non-negative weights ([`pmf::Distributions`]): [`pmf::entropy`],
//!   [`pmf::kl_divergence`], [`pmf::js_divergence`], [`pmf::pairwise()`](pmf::pairwise::pairwise), ...
//!
//! and continuous data ([`continuous`]: binning, model losses).
//!
//! ## Layout
//! The modules form floors; each uses only the floors below it:
//! 1. [`numeric`] (compensated sums, special functions, quadrature) and [`runtime`] (SIMD kernels
//!    with run-time dispatch, large working arrays, the memory budget), with [`Error`];
//! 2. [`samples`] (labels → counts → estimates, tables of variables, agreement of labelings,
//!    significance), [`pmf`] (distributions, pairwise matrices) and [`continuous`];
//! 3. the Python bindings (feature `python`), which only call the floors below.
//!
//! ## Conventions
//! - Results are in nats (natural logarithm). Divide by `ln b` for base `b`.
//! - `0 · ln 0 = 0`; `p · ln(p / 0) = +∞` for `p > 0`, so KL divergence is `+∞` on support mismatch.
//! - Plug-in entropy of counts `n_i` with `n = Σ n_i`: `H = −Σ (n_i / n) ln(n_i / n)`.
//! - MI and CMI are summed term by term from the joint counts and are never negative.
//! - Counts are exact `u64`; every result is identical, bit for bit, for any number of threads.
//!
//! ```
//! use fastinfo::{entropy, mutual_information, Estimator, Labels};
//! let x = vec![0u8, 1, 0, 1];
//! let y = vec![0i64, 1, 0, 1];
//! let h = entropy(&[Labels::from(&x)], Estimator::Plugin).unwrap();
//! assert!((h - std::f64::consts::LN_2).abs() < 1e-15);
//! let i = mutual_information(&[Labels::from(&x)], &[Labels::from(&y)], Estimator::Plugin).unwrap();
//! assert!((i - h).abs() < 1e-15);
//! ```
//!
//! Rayon's global pool runs the parallel kernels; call them inside `ThreadPool::install` to choose
//! another. The Python extension (feature `python`) owns its own pool.

pub mod continuous;
mod error;
pub mod numeric;
mod options;
pub mod pmf;
pub mod runtime;
pub mod samples;
#[cfg(test)]
mod testing;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, Result};
pub use samples::counts::{
    contingency, histogram, joint_counts, Codebook, Contingency, JointCounts,
};
pub use samples::estimate::{
    conditional_entropy, conditional_mutual_information, entropy, entropy_from_counts,
    joint_entropy, mutual_information,
};
pub use samples::estimators::Estimator;
pub use samples::label::{Label, Labels};
