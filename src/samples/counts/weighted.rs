//! Weighted counting: tables whose cells hold the summed weights of their samples, and tables
//! whose counts are replaced (the resamples of the bootstrap).
//!
//! [`weighted_counts`] reads one weight per sample (`sample_weight` of the Python API):
//! - every weight finite and `≥ 0`, and their sum positive, or an error naming the first bad one;
//! - samples of weight 0 are dropped (a value seen only with weight 0 is not observed);
//! - **integer weights** (each an integer ≤ 2^53) give a [`JointCounts`] whose counts are the sums
//!   of the weights in `u64`: exactly the table of the samples repeated `w_i` times
//!   (`np.repeat(x, w)`), so every estimator applies unchanged and gives the same bits;
//! - **other weights** give a [`RealTable`]: cells with the compensated (Neumaier) sum of their
//!   weights, added in sample order, so the result does not depend on the thread count.
//!
//! Cells are found by sorting: each column is coded by the rank of its value among the observed
//! ones, and the samples are stably sorted by their code tuples (`O(n log n)`; the unweighted engine
//! in the parent module counts without sorting).

use super::table::{rows_cells, Cells};
use super::{Codebook, JointCounts};
use crate::numeric::compensated_sum;
use crate::runtime::memory;
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;

/// Largest weight read as an integer count (every integer up to it is exact in `f64`).
const MAX_INTEGER_WEIGHT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A table of real-valued cell weights (non-integer sample weights).
#[derive(Debug, Clone, PartialEq)]
pub struct RealTable {
    /// Number of columns `k`.
    columns: usize,
    /// Code tuples of the non-empty cells (`k` per cell, row-major), in lexicographic order.
    codes: Vec<u64>,
    /// Summed weight of each cell (all positive).
    weights: Vec<f64>,
    /// Sum of all weights.
    total: f64,
}

impl RealTable {
    /// Number of columns.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Sum of all weights.
    #[must_use]
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Number of non-empty cells.
    #[must_use]
    pub fn cells(&self) -> usize {
        self.weights.len()
    }

    /// The codes and weight of cell `i`.
    #[must_use]
    pub fn cell(&self, i: usize) -> (&[u64], f64) {
        let k = self.columns;
        (&self.codes[i * k..(i + 1) * k], self.weights[i])
    }

    /// The weights of the columns in `keep` (in that order), summed over the others in cell order.
    #[must_use]
    pub fn marginal(&self, keep: &[usize]) -> RealTable {
        let k = keep.len();
        let mut projected: Vec<(Vec<u64>, usize)> = (0..self.cells())
            .map(|i| (keep.iter().map(|&c| self.cell(i).0[c]).collect(), i))
            .collect();
        // Stable, so the weights of one marginal cell are added in cell order.
        projected.sort_by(|a, b| a.0.cmp(&b.0));
        let mut codes = Vec::new();
        let mut weights = Vec::new();
        let mut start = 0;
        while start < projected.len() {
            let mut end = start + 1;
            while end < projected.len() && projected[end].0 == projected[start].0 {
                end += 1;
            }
            codes.extend_from_slice(&projected[start].0);
            weights.push(compensated_sum(
                projected[start..end].iter().map(|(_, i)| self.weights[*i]),
            ));
            start = end;
        }
        RealTable {
            columns: k,
            codes,
            weights,
            total: self.total,
        }
    }

    /// The weight of the cell with the given codes (0 if it is empty).
    #[must_use]
    pub fn weight_of(&self, codes: &[u64]) -> f64 {
        let k = self.columns;
        let (mut lo, mut hi) = (0usize, self.cells());
        while lo < hi {
            let mid = usize::midpoint(lo, hi);
            match self.codes[mid * k..(mid + 1) * k].cmp(codes) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.weights[mid],
            }
        }
        0.0
    }
}

/// The table of weighted samples: exact counts for integer weights, real weights otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Weighted {
    /// Every weight is an integer: the counts of the repeated samples.
    Counts(JointCounts),
    /// Some weight is not an integer.
    Real(RealTable),
}

/// Checks `weights` (one per sample of `n`): finite, `≥ 0`, positive sum. Returns whether all are
/// integers (≤ 2^53).
fn check_weights(weights: &[f64], n: usize) -> Result<bool> {
    if weights.len() != n {
        return Err(Error::LengthMismatch {
            argument: "sample_weight".into(),
            expected: n,
            found: weights.len(),
        });
    }
    let mut integer = true;
    let mut positive = false;
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
        positive |= w > 0.0;
        integer &= w.fract() == 0.0 && w <= MAX_INTEGER_WEIGHT;
    }
    if !positive {
        return Err(Error::InvalidArgument {
            argument: "sample_weight".into(),
            message: "the weights sum to 0: at least one sample needs a positive weight".into(),
        });
    }
    Ok(integer)
}

/// The sorted distinct keys of `x` at `rows`, and the code (rank) of each of those samples.
fn column_codes<T: Label>(x: &[T], rows: &[usize]) -> (Vec<u64>, Vec<u64>) {
    let mut keys: Vec<u64> = rows.iter().map(|&i| x[i].key()).collect();
    let mut distinct = keys.clone();
    distinct.par_sort_unstable();
    distinct.dedup();
    keys.par_iter_mut().for_each(|k| {
        *k = distinct
            .binary_search(k)
            .expect("every key is among the distinct keys") as u64;
    });
    (distinct, keys)
}

/// The samples (indices into the coded columns) in order of their code tuples, and within a cell
/// in sample order (so real weights are summed in it): by one mixed-radix key when the product of
/// the cardinalities fits in 64 bits (the key's order is the tuples' order), else by a stable sort
/// of the tuples.
fn cell_order(coded: &[(Vec<u64>, Vec<u64>)]) -> Vec<usize> {
    let m = coded.first().map_or(0, |(_, codes)| codes.len());
    let tuple = |j: usize| coded.iter().map(move |(_, codes)| codes[j]);
    let fits = coded
        .iter()
        .try_fold(1u64, |acc, (keys, _)| acc.checked_mul(keys.len() as u64))
        .is_some();
    if fits {
        let mut keyed: Vec<(u64, usize)> = (0..m)
            .into_par_iter()
            .map(|j| {
                let key = coded.iter().fold(0u64, |acc, (keys, codes)| {
                    acc * keys.len() as u64 + codes[j]
                });
                (key, j)
            })
            .collect();
        keyed.par_sort_unstable();
        keyed.into_iter().map(|(_, j)| j).collect()
    } else {
        let mut order: Vec<usize> = (0..m).collect();
        order.par_sort_by(|&a, &b| tuple(a).cmp(tuple(b)));
        order
    }
}

/// The weighted table of `columns` (each of `n ≥ 1` samples) with one weight per sample.
pub fn weighted_counts(columns: &[Labels<'_>], weights: &[f64]) -> Result<Weighted> {
    let first = columns.first().ok_or(Error::EmptyInput {
        argument: "x".into(),
    })?;
    let n = first.len();
    if n == 0 {
        return Err(Error::EmptyInput {
            argument: "x".into(),
        });
    }
    for c in columns {
        if c.len() != n {
            return Err(Error::LengthMismatch {
                argument: "variables".into(),
                expected: n,
                found: c.len(),
            });
        }
    }
    let integer = check_weights(weights, n)?;
    let k = columns.len();
    memory::check(
        || format!("the weighted table of {n} samples of {k} columns"),
        (n as u128) * (16 * k as u128 + 24),
        "use fewer samples, or integer weights on fewer columns",
    )?;
    let rows: Vec<usize> = (0..n).filter(|&i| weights[i] > 0.0).collect();
    let coded: Vec<(Vec<u64>, Vec<u64>)> = columns
        .iter()
        .map(|c| with_labels!(*c, s => column_codes(s, &rows)))
        .collect();
    let codebooks: Vec<Codebook> = coded
        .iter()
        .map(|(keys, _)| Codebook::Keys(keys.clone()))
        .collect();
    let tuple = |j: usize| coded.iter().map(move |(_, codes)| codes[j]);
    let order = cell_order(&coded);
    let mut flat = Vec::new();
    let mut integer_counts: Vec<u64> = Vec::new();
    let mut real_weights: Vec<f64> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && tuple(order[end]).eq(tuple(order[start])) {
            end += 1;
        }
        flat.extend(tuple(order[start]));
        let mut cell = order[start..end].iter().map(|&j| weights[rows[j]]);
        if integer {
            let sum = cell.try_fold(0u64, |acc, w| acc.checked_add(w as u64));
            integer_counts.push(sum.ok_or_else(|| Error::InvalidArgument {
                argument: "sample_weight".into(),
                message: "the integer weights of one value sum to more than 2^64".into(),
            })?);
        } else {
            real_weights.push(compensated_sum(cell));
        }
        start = end;
    }
    if integer {
        let total = integer_counts
            .iter()
            .try_fold(0u64, |acc, &c| acc.checked_add(c))
            .ok_or_else(|| Error::InvalidArgument {
                argument: "sample_weight".into(),
                message: "the integer weights sum to more than 2^64".into(),
            })?;
        let rows = flat
            .chunks_exact(k)
            .map(<[u64]>::to_vec)
            .zip(integer_counts)
            .collect();
        Ok(Weighted::Counts(JointCounts {
            codebooks,
            cells: rows_cells(rows)?,
            total,
        }))
    } else {
        let total = compensated_sum(rows.iter().map(|&i| weights[i]));
        Ok(Weighted::Real(RealTable {
            columns: k,
            codes: flat,
            weights: real_weights,
            total,
        }))
    }
}

impl JointCounts {
    /// This table with its stored counts replaced by `counts` (one per stored cell, in the order of
    /// [`JointCounts::stored_counts`]); the total becomes their sum. Empty cells of a sparse table
    /// are dropped. Used by the bootstrap, whose resamples keep the cells of the data.
    #[must_use]
    pub fn with_counts(&self, counts: &[u64]) -> JointCounts {
        assert_eq!(
            counts.len(),
            self.stored_cells(),
            "one count per stored cell"
        );
        let total = counts.iter().sum();
        let cells = match &self.cells {
            Cells::Dense(_) => Cells::Dense(counts.to_vec()),
            Cells::Sparse { keys, .. } => {
                let (keys, counts) = keys
                    .iter()
                    .zip(counts)
                    .filter(|&(_, &c)| c != 0)
                    .map(|(&k, &c)| (k, c))
                    .unzip();
                Cells::Sparse { keys, counts }
            }
            Cells::Rows { codes, .. } => {
                let k = self.columns();
                let mut kept = Vec::new();
                let mut kept_counts = Vec::new();
                for (tuple, &c) in codes.chunks_exact(k.max(1)).zip(counts) {
                    if c != 0 {
                        kept.extend_from_slice(tuple);
                        kept_counts.push(c);
                    }
                }
                Cells::Rows {
                    codes: kept,
                    counts: kept_counts,
                }
            }
        };
        JointCounts {
            codebooks: self.codebooks.clone(),
            cells,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::counts::joint_counts;

    fn repeated(x: &[i64], w: &[f64]) -> Vec<i64> {
        x.iter()
            .zip(w)
            .flat_map(|(&v, &w)| std::iter::repeat_n(v, w as usize))
            .collect()
    }

    #[test]
    fn integer_weights_count_repeated_samples() {
        let x = vec![5i64, -3, 5, 7, 1 << 40, -3, 2];
        let y = vec![0i64, 1, 1, 0, 1, 1, 0];
        let w = vec![2.0, 0.0, 1.0, 3.0, 1.0, 4.0, 0.0];
        let Weighted::Counts(t) =
            weighted_counts(&[Labels::from(&x), Labels::from(&y)], &w).unwrap()
        else {
            panic!("integer weights give counts")
        };
        let (rx, ry) = (repeated(&x, &w), repeated(&y, &w));
        let direct = joint_counts(&[Labels::from(&rx), Labels::from(&ry)]).unwrap();
        let keys = |t: &JointCounts| t.nonzero_cells();
        assert_eq!(keys(&t), keys(&direct));
        assert_eq!(t.total(), direct.total());
        assert_eq!(
            keys(&t.marginal(&[1]).unwrap()),
            keys(&direct.marginal(&[1]).unwrap()),
            "marginals"
        );
    }

    #[test]
    fn real_weights_are_summed_per_cell() {
        let x = vec![1u8, 2, 1, 1];
        let w = vec![0.5, 0.25, 0.125, 0.0];
        let Weighted::Real(t) = weighted_counts(&[Labels::from(&x)], &w).unwrap() else {
            panic!("non-integer weights give real weights")
        };
        assert_eq!(t.cells(), 2);
        assert!((t.weight_of(&[0]) - 0.625).abs() < 1e-16);
        assert!((t.weight_of(&[1]) - 0.25).abs() < 1e-16);
        assert!((t.total() - 0.875).abs() < 1e-16);
        assert!(t.weight_of(&[2]).abs() < 1e-300);
    }

    #[test]
    fn bad_weights_are_errors() {
        let x = vec![1u8, 2];
        let l = [Labels::from(&x)];
        for w in [
            vec![1.0],
            vec![1.0, f64::NAN],
            vec![f64::INFINITY, 1.0],
            vec![-1.0, 2.0],
            vec![0.0, 0.0],
        ] {
            assert!(weighted_counts(&l, &w).is_err(), "{w:?}");
        }
    }

    #[test]
    fn with_counts_drops_empty_sparse_cells() {
        let x: Vec<u64> = vec![0, 1 << 50, 1 << 60, 1 << 50];
        let t = joint_counts(&[Labels::from(&x)]).unwrap();
        let r = t.with_counts(&vec![0; t.stored_cells()]);
        assert_eq!(r.total(), 0);
        let ones = vec![1; t.stored_cells()];
        assert_eq!(t.with_counts(&ones).total(), t.stored_cells() as u64);
    }
}
