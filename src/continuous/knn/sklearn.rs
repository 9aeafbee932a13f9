//! scikit-learn's mutual-information feature scores (`mutual_info_regression`,
//! `mutual_info_classif`), computed by the estimators of this module.
//!
//! scikit-learn (`sklearn/feature_selection/_mutual_info.py`) scales every continuous column to
//! unit variance, adds `1e-10`-sized noise, then scores each feature against the target with
//!
//! - KSG's first algorithm for a continuous feature and a continuous target (`_compute_mi_cc`):
//!   the same estimate as [`super::mutual_information`], with its radius `np.nextafter(ε, 0)`;
//! - Ross's estimator when one of them is discrete (`_compute_mi_cd`): the same estimate as
//!   [`super::mixed_mutual_information`], except for small classes (next paragraph);
//! - the plug-in mutual information of two discrete ones (not here: the counting estimators).
//!
//! The scaling, the noise and the clipping at 0 are done by the Python layer with the same numpy
//! operations as scikit-learn, so the values given here agree with scikit-learn's to rounding
//! (its digamma and mean against ours), provided the neighbour distances are the same.
//!
//! They are, with one exception that is reproduced here: for a class of `s` samples and
//! `k_c = min(k, s − 1)` neighbours, scikit-learn searches by brute force when `k_c ≥ ⌊s / 2⌋`,
//! and its brute-force Euclidean distances are not `|a − b|` but
//! `sqrt(max(0, (a² + (−2·(a·b))) + b²))` (the matrix-product form, in that order of operations).
//! [`brute_force_radius`] computes the class radius that way. Duplicated samples (a distance of
//! 0) are allowed, as in scikit-learn: a radius of 0 counts the exact duplicates.

use super::{
    check_memory, ksg_with, ross, searcher, searcher_bytes, Algorithm, Duplicates, Mixed, Points,
    Rows,
};
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::AtomicBool;

/// KSG (algorithm 1) estimates of `I(X_j; y)` for every continuous column `X_j` and a continuous
/// target `y`, in nats, not clipped: scikit-learn's `_compute_mi_cc` on each column. Columns are
/// scored a few at a time (as many as there are threads), each in parallel over its samples.
pub fn regression_scores(
    columns: &[Points<'_>],
    y: Points<'_>,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let n = y.rows();
    for column in columns {
        super::check_same_rows(&y, column)?;
        if column.columns() != 1 {
            return Err(Error::ShapeMismatch {
                argument: column.name().into(),
                expected: vec![n, 1],
                found: vec![n, column.columns()],
            });
        }
    }
    super::check_k(k, n, y.name())?;
    let threads = rayon::current_num_threads().max(1);
    let at_once = threads.min(columns.len()) as u128;
    let bytes = searcher_bytes(n, 1) + at_once * (searcher_bytes(n, 2) + searcher_bytes(n, 1));
    check_memory(bytes, memory_limit, || {
        format!("the neighbour searches over {n} samples")
    })?;
    let marginal_y = searcher(&[y], Rows::All, super::Norm::Max)?;
    let mut scores = Vec::with_capacity(columns.len());
    for group in columns.chunks(threads) {
        let values: Vec<Result<f64>> = group
            .par_iter()
            .map(|x| {
                let (joint, marginal_x) = rayon::join(
                    || searcher(&[*x, y], Rows::All, super::Norm::Max),
                    || searcher(&[*x], Rows::All, super::Norm::Max),
                );
                let (joint, marginal_x) = (joint?, marginal_x?);
                let estimate = ksg_with(
                    x,
                    &y,
                    joint.as_ref(),
                    marginal_x.as_ref(),
                    marginal_y.as_ref(),
                    k,
                    Algorithm::First,
                    Duplicates::Allow,
                    false,
                    interrupt,
                )?;
                Ok(estimate.value)
            })
            .collect();
        for value in values {
            scores.push(value?);
        }
    }
    Ok(scores)
}

/// Ross estimates of `I(C; Y)` for every `(labels, continuous)` pair, in nats, not clipped:
/// scikit-learn's `_compute_mi_cd(continuous, labels)`, small classes included (see the module
/// documentation). Labels are class codes `0..classes`; the continuous samples one-dimensional.
pub fn mixed_scores(
    pairs: &[(&[u32], Points<'_>)],
    labels_name: &'static str,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let threads = rayon::current_num_threads().max(1);
    let options = Mixed {
        duplicates: Duplicates::Allow,
        brute_force_radii: true,
        keep: false,
    };
    let mut scores = Vec::with_capacity(pairs.len());
    for group in pairs.chunks(threads) {
        let limit = memory_limit / group.len() as u64;
        let values: Vec<Result<f64>> = group
            .par_iter()
            .map(|&(labels, c)| {
                Ok(ross(labels, labels_name, c, k, options, limit, interrupt)?.value)
            })
            .collect();
        for value in values {
            scores.push(value?);
        }
    }
    Ok(scores)
}

/// scikit-learn's brute-force radius of the sample with value `v` in a class whose samples are
/// `members` (rows of the one-dimensional `y`): the square root of the `(k + 1)`-th smallest of
/// `max(0, (v² + (−2·(v·w))) + w²)` over the members `w`, the sample itself included (its own
/// term is exactly 0, so it is always the one dropped as "itself").
pub(super) fn brute_force_radius(v: f64, members: &[u32], y: &Points<'_>, k: usize) -> f64 {
    let mut squares: Vec<f64> = members
        .iter()
        .map(|&j| {
            let w = y.row(j as usize)[0];
            ((v * v + (-2.0 * (v * w))) + w * w).max(0.0)
        })
        .collect();
    squares.sort_unstable_by(f64::total_cmp);
    squares[k].sqrt()
}
