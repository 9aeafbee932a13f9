//! Cross-entropy losses of a model's outputs: multi-class from logits (or probabilities) and
//! binary, computed row by row without ever materialising a softmax.
//!
//! # Definitions
//! All results are in nats. A batch of `n` rows of `k` scores is a row-major `&[T]` (`T` is `f32`
//! or `f64`; values are widened to `f64` on reading and every sum is accumulated in `f64`).
//!
//! **Multi-class, from logits** `z` with class labels `y ∈ [0, k)`:
//! - `LSE(z) = m + ln Σ_j exp(z_j − m)` with `m = max_j z_j`: every exponent is `≤ 0`, so nothing
//!   overflows, and the sum is at least 1 (the maximum contributes `exp(0)`), so its logarithm is
//!   well conditioned; the log-softmax is `ln p_j = z_j − LSE(z)`;
//! - the loss of a row is `ℓ = −ln p_y = (m − z_y) + ln Σ_j exp(z_j − m)`;
//! - label smoothing `ε ∈ [0, 1]`, as `torch.nn.CrossEntropyLoss` defines it: the target is
//!   `t = (1 − ε)·onehot(y) + ε/k`, and
//!   `ℓ = −Σ_j t_j ln p_j = (1 − ε)·(LSE − z_y) + (ε/k)·Σ_j (LSE − z_j)`,
//!   evaluated as `(1 − ε)·ℓ_y + ε·(ln Σ_j exp(z_j − m) + (1/k) Σ_j (m − z_j))`;
//! - a term whose weight is exactly 0 contributes 0 even if its factor is `+∞` (the `0 · ln 0 = 0`
//!   convention): with `ε = 1` an infinite `−ln p_y` does not matter.
//!
//! Logits may be `−∞` (a class the model rules out: `p_j = 0`); a label whose logit is `−∞` has loss
//! `+∞`, and so has every row with a `−∞` logit once `ε > 0`. `NaN` and `+∞` logits, and rows whose
//! logits are all `−∞` (no distribution), are errors naming the row and the class.
//!
//! **Multi-class, from probabilities** `p` (each entry in `[0, 1]`, each row summing to 1 within
//! [`sum_tolerance`]): `ℓ = −ln p_y`, `+∞` where `p_y = 0`; with smoothing
//! `ℓ = (1 − ε)·(−ln p_y) + ε·(−(1/k) Σ_j ln p_j)`.
//!
//! **Binary**, elementwise, labels `y ∈ [0, 1]` (soft labels allowed), from a logit `z`:
//! `ℓ = −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − z·y + ln(1 + exp(−|z|))` (finite `z`;
//! for `z = +∞` the loss is 0 if `y = 1` and `+∞` otherwise, for `z = −∞` 0 if `y = 0`, else `+∞`);
//! from a probability `p ∈ [0, 1]`: `ℓ = −[y ln p + (1 − y) ln(1 − p)]` with `0 · ln 0 = 0`, so `+∞`
//! exactly where the label puts weight on an outcome of probability 0 (`PyTorch`'s `BCELoss` clamps
//! each logarithm at −100 instead; fastinfo does not).
//!
//! # Reductions
//! `Mean` divides the sum by the number of rows *not* ignored (`PyTorch`'s `ignore_index`
//! semantics; `NaN` when there are none), `Sum` adds them (0 for none), `None` returns one value per
//! row, 0 for an ignored row.
//!
//! # Sample weights
//! With one weight `w_i` per row (finite, `≥ 0`, not all 0: [`check_sample_weight`]), each row's
//! loss becomes `w_i · ℓ_i` (with `0 · ∞ = 0`: a row of weight 0 never makes the result infinite,
//! though it is still checked), `Sum` is `Σ w_i ℓ_i`, `None` returns `w_i ℓ_i`, and `Mean` is the
//! weighted mean `Σ w_i ℓ_i / Σ w_i` over the rows not ignored (`scikit-learn`'s
//! `log_loss(sample_weight=)`; `NaN` when those weights sum to 0). Both sums are compensated, so
//! integer weights give the loss of the rows repeated `w_i` times up to rounding.
//!
//! # Speed and determinism
//! Each row is read once from memory, in blocks of 1024 values that stay in L1 cache: the block's
//! maximum, then `exp(z_j − m)` relative to the running maximum `m` (the partial sums are rescaled
//! when it grows), with a branch-free vectorised double-precision exponential compiled for the
//! baseline, AVX2 + FMA and AVX-512 and chosen at run time like [`crate::runtime::simd`] (every level gives
//! the same bits). The logits equal to the maximum are counted apart, so that
//! `ln Σ_j exp(z_j − m) = ln_1p(rest)` keeps the relative precision of a tiny loss (a confident,
//! correct prediction; the textbook formula in `f64` rounds it to 0). With label smoothing the
//! row's maximum is needed first: two passes, the second from cache. Nothing of size `k` is
//! allocated. Rows are processed in parallel in fixed chunks whose size depends only on `k`; the
//! row losses of a chunk are added with a compensated sum and the chunk sums combined in order,
//! so the result is identical, bit for bit, for any number of threads.

use crate::numeric::compensated_sum;
use crate::runtime::simd::exp::{
    log_of_sum, max_and_sum_exp, probability_sums, row_max, sum_exp_and_gaps,
};
pub use crate::runtime::simd::Float;
use crate::runtime::simd::{self, Level};
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

crate::options::named_options! {
    /// How the per-row losses are combined.
    pub enum Reduction("reduction") {
        /// The mean over the rows that are not ignored (`NaN` if there are none).
        Mean = "mean",
        /// The sum over all rows (ignored rows count 0).
        Sum = "sum",
        /// One loss per row (0 for an ignored row).
        None = "none",
    }
}

/// A reduced loss: one number, or one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Loss {
    /// The mean or the sum.
    Total(f64),
    /// One value per row (`Reduction::None`).
    PerRow(Vec<f64>),
}

/// Options of [`cross_entropy_loss`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossEntropyOptions<'a> {
    /// `true`: rows are logits; `false`: rows are probabilities.
    pub from_logits: bool,
    /// Rows whose label equals this are skipped (and not counted by the mean).
    pub ignore_index: Option<i64>,
    /// `PyTorch`'s label smoothing `ε ∈ [0, 1]`.
    pub label_smoothing: f64,
    /// How the row losses are combined.
    pub reduction: Reduction,
    /// One weight per row (see the module documentation), or `None` for weight 1 each.
    pub sample_weight: Option<&'a [f64]>,
}

impl Default for CrossEntropyOptions<'_> {
    fn default() -> Self {
        CrossEntropyOptions {
            from_logits: true,
            ignore_index: None,
            label_smoothing: 0.0,
            reduction: Reduction::Mean,
            sample_weight: None,
        }
    }
}

/// Checks `sample_weight` against `n` rows: one weight per row, each finite and `≥ 0`, and not all
/// 0 (`scikit-learn` refuses weights summing to 0 too).
///
/// Returns the largest weight (0 for no rows).
///
/// # Errors
/// `LengthMismatch`, `NotFinite` or `InvalidArgument`, naming `sample_weight` and the first bad
/// weight's index.
pub fn check_sample_weight(weights: &[f64], n: usize) -> Result<f64> {
    if weights.len() != n {
        return Err(Error::LengthMismatch {
            argument: "sample_weight".into(),
            expected: n,
            found: weights.len(),
        });
    }
    let mut largest = 0.0_f64;
    for (index, &w) in weights.iter().enumerate() {
        if !w.is_finite() {
            return Err(Error::NotFinite {
                argument: "sample_weight".into(),
                index,
                value: w,
            });
        }
        if w < 0.0 {
            return Err(Error::InvalidArgument {
                argument: "sample_weight".into(),
                message: format!(
                    "weights must be non-negative, got {} at index {index}",
                    crate::error::number(w)
                ),
            });
        }
        largest = largest.max(w);
    }
    if largest == 0.0 && n > 0 {
        return Err(Error::InvalidArgument {
            argument: "sample_weight".into(),
            message: "the weights sum to 0: at least one sample needs a positive weight".into(),
        });
    }
    Ok(largest)
}

/// A power of two `s` with `s · largest` in `[1, 2)` (`s` within `2^±1022`, so in `[2^-52, 4)` for
/// every positive `f64`): scaling the weights by it
/// is exact and leaves the weighted mean unchanged, while it keeps tiny (subnormal) weights and
/// their products with the losses from rounding, and huge ones from overflowing.
fn mean_scale(largest: f64) -> f64 {
    if largest == 0.0 {
        return 1.0;
    }
    // floor(log2(largest)), exact for normal and subnormal values alike.
    let exponent = largest.log2().floor().clamp(-1022.0, 1022.0);
    (-exponent).exp2()
}

/// With `from_logits = false`, a row of `k` probabilities of a type with machine epsilon `epsilon`
/// must sum to 1 within `max(1e-6, k · epsilon)` (the error of summing `k` rounded probabilities).
#[must_use]
pub fn sum_tolerance(k: usize, epsilon: f64) -> f64 {
    (k as f64 * epsilon).max(1e-6)
}

// ---------------------------------------------------------------------------------------------
// Rows.

/// Why a row has no loss.
enum RowProblem {
    /// A `NaN` (or, for logits, `+∞`) at this class, or a probability outside `[0, 1]`.
    Value { index: usize, value: f64 },
    /// Logits all `−∞`.
    NoFiniteLogit,
    /// Probabilities that do not sum to 1.
    Sum(f64),
}

/// `w · v` with `0 · v = 0` for any `v` (infinite ones included).
#[inline]
fn weighted(w: f64, v: f64) -> f64 {
    if w == 0.0 {
        0.0
    } else {
        w * v
    }
}

/// `(1 − ε)·nll + ε·smooth` with the zero-weight convention.
#[inline]
fn smoothed(nll: f64, smooth: f64, epsilon: f64) -> f64 {
    weighted(1.0 - epsilon, nll) + weighted(epsilon, smooth)
}

fn logits_row<T: Float>(
    level: Level,
    row: &[T],
    label: usize,
    epsilon: f64,
) -> std::result::Result<f64, RowProblem> {
    // Label smoothing needs `Σ_j (m − z_j)` with the row's maximum known in advance: two passes
    // (the second from cache); without it, one blocked pass.
    let (m, ties, rest, gaps) = if epsilon > 0.0 {
        let m = row_max(level, row);
        let (ties, rest, gaps) = sum_exp_and_gaps(level, row, m);
        (m, ties, rest, gaps)
    } else {
        let (m, ties, rest) = max_and_sum_exp(level, row);
        (m, ties, rest, 0.0)
    };
    if rest.is_nan() || ties == 0.0 {
        // A `NaN` or `+∞` somewhere, or every logit `−∞`.
        return Err(
            match row.iter().position(|x| {
                let v = x.to_f64();
                v.is_nan() || (v.is_infinite() && v > 0.0)
            }) {
                Some(index) => RowProblem::Value {
                    index,
                    value: row[index].to_f64(),
                },
                None => RowProblem::NoFiniteLogit,
            },
        );
    }
    let log_s = log_of_sum(ties, rest);
    let nll = (m - row[label].to_f64()) + log_s;
    if epsilon > 0.0 {
        let smooth = log_s + gaps / row.len() as f64;
        Ok(smoothed(nll, smooth, epsilon))
    } else {
        Ok(nll)
    }
}

fn probabilities_row<T: Float>(
    level: Level,
    row: &[T],
    label: usize,
    epsilon: f64,
) -> std::result::Result<f64, RowProblem> {
    let (sum, log_sum, valid) = probability_sums(level, row, epsilon > 0.0);
    if !valid {
        let index = row
            .iter()
            .position(|x| !(0.0..=1.0).contains(&x.to_f64()))
            .unwrap_or(0);
        return Err(RowProblem::Value {
            index,
            value: row[index].to_f64(),
        });
    }
    if (sum - 1.0).abs() > sum_tolerance(row.len(), T::EPSILON) {
        return Err(RowProblem::Sum(sum));
    }
    let nll = -simd::ln(row[label].to_f64());
    if epsilon > 0.0 {
        Ok(smoothed(nll, -log_sum / row.len() as f64, epsilon))
    } else {
        Ok(nll)
    }
}

// ---------------------------------------------------------------------------------------------
// Chunked, deterministic reductions.

/// Elements per chunk of work: a chunk of rows holds about this many values.
const CHUNK_ELEMENTS: usize = 1 << 16;

/// Runs `item(i)` (`Ok(None)` for an ignored item) for `i < n` in parallel chunks of `chunk` items
/// and reduces the results, each weighted by `weights[i]` if given (checked by
/// [`check_sample_weight`] first); the first error in item order wins.
fn reduce_items(
    n: usize,
    chunk: usize,
    reduction: Reduction,
    weights: Option<&[f64]>,
    interrupt: &AtomicBool,
    item: impl Fn(usize) -> Result<Option<f64>> + Sync,
) -> Result<Loss> {
    // The mean is that of the weights scaled by a power of two (exactly); the sum and the
    // values per row use the weights as given.
    let scale = match weights {
        Some(w) => {
            let largest = check_sample_weight(w, n)?;
            if reduction == Reduction::Mean {
                mean_scale(largest)
            } else {
                1.0
            }
        }
        None => 1.0,
    };
    let chunk = chunk.max(1);
    // The loss of item `i` and its weight (1 without weights), `None` if ignored.
    let weighted_item = |i: usize| -> Result<Option<(f64, f64)>> {
        Ok(item(i)?.map(|v| match weights {
            Some(w) => {
                let w = w[i] * scale;
                (weighted(w, v), w)
            }
            None => (v, 1.0),
        }))
    };
    if reduction == Reduction::None {
        let mut values = vec![0.0; n];
        values
            .par_chunks_mut(chunk)
            .enumerate()
            .map(|(c, out)| {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                for (j, o) in out.iter_mut().enumerate() {
                    *o = weighted_item(c * chunk + j)?.map_or(0.0, |(v, _)| v);
                }
                Ok(())
            })
            .collect::<Vec<Result<()>>>()
            .into_iter()
            .collect::<Result<()>>()?;
        return Ok(Loss::PerRow(values));
    }
    let chunks = n.div_ceil(chunk);
    // Per chunk: the sum of the (weighted) losses, the number of items counted and their weight.
    let partial: Vec<Result<(f64, usize, f64)>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            if interrupt.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let (start, end) = (c * chunk, ((c + 1) * chunk).min(n));
            let mut values = Vec::with_capacity(end - start);
            let mut used = Vec::with_capacity(if weights.is_some() { end - start } else { 0 });
            for i in start..end {
                if let Some((v, w)) = weighted_item(i)? {
                    values.push(v);
                    if weights.is_some() {
                        used.push(w);
                    }
                }
            }
            let weight = compensated_sum(used.iter().copied());
            Ok((
                compensated_sum(values.iter().copied()),
                values.len(),
                weight,
            ))
        })
        .collect();
    let partial = partial.into_iter().collect::<Result<Vec<_>>>()?;
    let total = compensated_sum(partial.iter().map(|p| p.0));
    let denominator = if weights.is_some() {
        compensated_sum(partial.iter().map(|p| p.2))
    } else {
        partial.iter().map(|p| p.1).sum::<usize>() as f64
    };
    Ok(Loss::Total(match reduction {
        Reduction::Mean if denominator == 0.0 => f64::NAN,
        Reduction::Mean => total / denominator,
        _ => total,
    }))
}

// ---------------------------------------------------------------------------------------------
// The losses.

/// Cross-entropy loss of the `n = labels.len()` rows of `logits` (row-major, `classes` values per
/// row) against class-index `labels`, in nats (see the module documentation).
///
/// `options.from_logits = false` reads the rows as probabilities.
///
/// # Errors
/// `InvalidArgument` for `classes = 0`, a label outside `[0, classes)` (other than
/// `ignore_index`), `label_smoothing` outside `[0, 1]`, a `NaN` or `+∞` logit, a row of logits all
/// `−∞`, a probability outside `[0, 1]` or a row of probabilities not summing to 1 (each naming
/// the row and class); `ShapeMismatch` when `logits.len() ≠ n · classes`; `Interrupted` when
/// `interrupt` is raised.
pub fn cross_entropy_loss<T: Float>(
    logits: &[T],
    classes: usize,
    labels: &[i64],
    options: &CrossEntropyOptions<'_>,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    cross_entropy_loss_with(simd::level(), logits, classes, labels, options, interrupt)
}

/// [`cross_entropy_loss`] with the row kernels at `level` (or the widest available below it).
pub fn cross_entropy_loss_with<T: Float>(
    level: Level,
    logits: &[T],
    classes: usize,
    labels: &[i64],
    options: &CrossEntropyOptions<'_>,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    let level = level.usable();
    let (n, k) = (labels.len(), classes);
    let epsilon = options.label_smoothing;
    if !(0.0..=1.0).contains(&epsilon) {
        return Err(Error::InvalidArgument {
            argument: "label_smoothing".into(),
            message: format!("must lie in [0, 1], got {epsilon}"),
        });
    }
    if k == 0 {
        return Err(Error::InvalidArgument {
            argument: "logits".into(),
            message: "has no classes (k = 0): every row needs at least one class".to_string(),
        });
    }
    if n.checked_mul(k) != Some(logits.len()) {
        return Err(Error::ShapeMismatch {
            argument: "logits".into(),
            expected: vec![n, k],
            found: vec![logits.len()],
        });
    }
    let item = |r: usize| -> Result<Option<f64>> {
        let label = labels[r];
        if options.ignore_index == Some(label) {
            return Ok(None);
        }
        let Ok(class) = usize::try_from(label) else {
            return Err(bad_label(r, label, k));
        };
        if class >= k {
            return Err(bad_label(r, label, k));
        }
        let row = &logits[r * k..(r + 1) * k];
        let value = if options.from_logits {
            logits_row(level, row, class, epsilon)
        } else {
            probabilities_row(level, row, class, epsilon)
        };
        value.map(Some).map_err(|problem| {
            let message = match problem {
                RowProblem::Value { index, value } if options.from_logits => format!(
                    "row {r} has the logit {value} at class {index}; logits must be finite or -inf"
                ),
                RowProblem::Value { index, value } => format!(
                    "row {r} has the value {value} at class {index}; every entry must be a \
                     probability in [0, 1] (pass from_logits=True for logits)"
                ),
                RowProblem::NoFiniteLogit => format!(
                    "row {r} has no finite logit (all are -inf), so it defines no distribution"
                ),
                RowProblem::Sum(sum) => format!(
                    "row {r} sums to {sum}, not 1 (tolerance {:e}); every row must be a \
                     probability distribution (pass from_logits=True for logits)",
                    sum_tolerance(k, T::EPSILON)
                ),
            };
            // With from_logits=False the first argument holds probabilities: say so.
            let argument = if options.from_logits {
                "logits"
            } else {
                "probabilities (from_logits=False)"
            };
            Error::InvalidArgument {
                argument: argument.into(),
                message,
            }
        })
    };
    let chunk = (CHUNK_ELEMENTS / k).clamp(1, 4096);
    reduce_items(
        n,
        chunk,
        options.reduction,
        options.sample_weight,
        interrupt,
        item,
    )
}

fn bad_label(row: usize, label: i64, k: usize) -> Error {
    Error::InvalidArgument {
        argument: "labels".into(),
        message: format!("labels[{row}] = {label} is not a class index in [0, {k})"),
    }
}

/// Binary cross-entropy from a logit: `max(z, 0) − z·y + ln(1 + exp(−|z|))`, with the limits at
/// `z = ±∞` (see the module documentation). `z` must not be `NaN`.
#[must_use]
pub fn binary_cross_entropy_of_logit(z: f64, y: f64) -> f64 {
    if z.is_infinite() {
        let weight = if z > 0.0 { 1.0 - y } else { y };
        return weighted(weight, f64::INFINITY);
    }
    z.max(0.0) - z * y + (-z.abs()).exp().ln_1p()
}

/// Binary cross-entropy from a probability: `−[y ln p + (1 − y) ln(1 − p)]`, `0 · ln 0 = 0`.
#[must_use]
pub fn binary_cross_entropy_of_probability(p: f64, y: f64) -> f64 {
    -(weighted(y, simd::ln(p)) + weighted(1.0 - y, (-p).ln_1p()))
}

/// Binary cross-entropy, elementwise, of `values` (logits, or probabilities when `from_logits` is
/// false) against `labels` (the targets) in `[0, 1]`, in nats, each weighted by `sample_weight`
/// if given, reduced by `reduction` (`Mean` over all elements, weighted: see the module
/// documentation).
///
/// # Errors
/// `LengthMismatch` when the lengths differ; `InvalidArgument` for a `NaN` value, a probability
/// outside `[0, 1]` or a label outside `[0, 1]` (naming the element); the errors of
/// [`check_sample_weight`]; `Interrupted`.
pub fn binary_cross_entropy<T: Float>(
    values: &[T],
    labels: &[f64],
    from_logits: bool,
    reduction: Reduction,
    sample_weight: Option<&[f64]>,
    interrupt: &AtomicBool,
) -> Result<Loss> {
    if values.len() != labels.len() {
        return Err(Error::LengthMismatch {
            argument: "targets".into(),
            expected: values.len(),
            found: labels.len(),
        });
    }
    let item = |i: usize| -> Result<Option<f64>> {
        let (v, y) = (values[i].to_f64(), labels[i]);
        if !(0.0..=1.0).contains(&y) {
            return Err(Error::InvalidArgument {
                argument: "targets".into(),
                message: format!("element {i} is {y}; targets must lie in [0, 1]"),
            });
        }
        if from_logits {
            if v.is_nan() {
                return Err(Error::InvalidArgument {
                    argument: "logits".into(),
                    message: format!("element {i} is NaN"),
                });
            }
            Ok(Some(binary_cross_entropy_of_logit(v, y)))
        } else {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::InvalidArgument {
                    argument: "probabilities".into(),
                    message: format!(
                        "element {i} is {v}; every value must be a probability in [0, 1] \
                         (logits go to binary_cross_entropy_with_logits)"
                    ),
                });
            }
            Ok(Some(binary_cross_entropy_of_probability(v, y)))
        }
    };
    reduce_items(
        values.len(),
        1 << 14,
        reduction,
        sample_weight,
        interrupt,
        item,
    )
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros, infinities and bit-identical results are the point
mod tests;
