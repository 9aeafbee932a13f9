//! Samples of several variables and of time series: multivariate information, information
//! dynamics, generalised entropies.

pub mod multivariate;
pub mod renyi;
pub mod transfer;
