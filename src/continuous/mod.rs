//! Continuous samples without binning.

pub mod knn;
