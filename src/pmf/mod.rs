//! Distributions (probability mass functions): row by row ([`rows`]) and between every pair of rows
//! of two sets ([`pairwise`]), which uses the exact per-pair kernels of [`rows::pair`] to repair
//! the entries its fast forms cannot guarantee.

pub mod pairwise;
pub mod rows;

pub use pairwise::{nearest, pairwise, Metric};
pub use rows::{
    cross_entropy, entropy, js_divergence, kl_divergence, Distributions, SUM_TOLERANCE,
};
