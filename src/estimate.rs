//! From counts to estimates: entropy, conditional entropy, mutual information, conditional MI.
//!
//! All results are in nats. With `n` samples and cell counts `n_·`:
//!
//! - `H(A | C) = −Σ (n_ac / n) ln(n_ac / n_c)` (plain entropy when `C` is empty, `n_c = n`);
//! - `I(A; B | C) = Σ (n_abc / n) ln(n_abc n_c / (n_ac n_bc))` (MI when `C` is empty).
//!
//! Information is summed term by term from the joint table rather than as a difference of entropies,
//! so small values keep their relative accuracy (no cancellation of two large entropies).
//!
//! # Estimators
//! - `Plugin`: the maximum-likelihood ("plug-in") estimate above.
//! - `MillerMadow` (Miller 1955): each entropy `H(S)` gets `+ (m_S − 1) / (2n)`, `m_S` the number of
//!   occupied cells of `S`; MI and CMI get the matching combination of corrections.
//!
//! MI and CMI are clamped at 0 (a bias-corrected estimate can dip below).
//!
//! # Determinism
//! Terms are summed with Neumaier's compensated sum in fixed chunks of [`SUM_CHUNK`] cells, the chunk
//! sums combined in order: the same result, bit for bit, for any number of threads.

use crate::counts::{joint_counts, JointCounts};
use crate::{Error, Labels, Result};
use rayon::prelude::*;
use std::str::FromStr;

/// Cells per chunk of a deterministic parallel sum.
const SUM_CHUNK: usize = 1 << 14;

/// How entropies are estimated from counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Maximum likelihood: the entropy of the empirical distribution.
    Plugin,
    /// Plug-in plus the Miller–Madow bias correction `(m − 1) / (2n)`.
    MillerMadow,
}

impl Estimator {
    /// Every estimator's name, as accepted by [`Estimator::from_str`].
    pub const NAMES: [&'static str; 2] = ["plugin", "miller_madow"];
}

impl FromStr for Estimator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "plugin" => Ok(Estimator::Plugin),
            "miller_madow" => Ok(Estimator::MillerMadow),
            other => Err(Error::InvalidArgument {
                argument: "estimator",
                message: format!(
                    "unknown estimator {other:?}; expected one of {:?}",
                    Estimator::NAMES
                ),
            }),
        }
    }
}

/// Neumaier's compensated sum of `values`, in order.
pub(crate) fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
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

/// Deterministic compensated sum of the terms `f(range)` yields for the stored cells `0..len`:
/// terms are gathered in order (in parallel over stored chunks) and then summed in fixed chunks of
/// the *terms*, so empty cells never move a chunk boundary.
fn chunked_sum(len: usize, f: impl Fn(std::ops::Range<usize>) -> Vec<f64> + Sync) -> f64 {
    let chunk = |c: usize| f(c * SUM_CHUNK..((c + 1) * SUM_CHUNK).min(len));
    let chunks = len.div_ceil(SUM_CHUNK);
    let parts: Vec<Vec<f64>> = if chunks <= 2 {
        (0..chunks).map(chunk).collect()
    } else {
        (0..chunks).into_par_iter().map(chunk).collect()
    };
    let terms = parts.concat();
    let partial: Vec<f64> = terms
        .par_chunks(SUM_CHUNK)
        .map(|c| compensated_sum(c.iter().copied()))
        .collect();
    compensated_sum(partial)
}

/// `Σ term(codes, count, scratch)` over the non-empty cells of `table` (`scratch` holds as many
/// codes as the table has columns).
fn sum_cells(table: &JointCounts, term: impl Fn(&[u64], u64, &mut [u64]) -> f64 + Sync) -> f64 {
    let k = table.columns();
    chunked_sum(table.stored_cells(), |range| {
        let mut scratch = vec![0u64; k];
        let mut terms = Vec::with_capacity(range.len());
        table.for_each_cell(range, |codes, count| {
            terms.push(term(codes, count, &mut scratch));
        });
        terms
    })
}

/// `Σ −p ln p` over the non-zero `counts` (`p = count / n`).
fn plugin_entropy(counts: &[u64], n: f64) -> f64 {
    chunked_sum(counts.len(), |range| {
        counts[range]
            .iter()
            .filter(|&&c| c != 0)
            .map(|&c| {
                let p = c as f64 / n;
                -p * p.ln()
            })
            .collect()
    })
}

fn pick<'s>(codes: &[u64], columns: &[usize], scratch: &'s mut [u64]) -> &'s [u64] {
    for (o, &c) in scratch.iter_mut().zip(columns) {
        *o = codes[c];
    }
    &scratch[..columns.len()]
}

/// `I(A; B)` of a dense two-way table, `Σ (n_ij / n) ln(n_ij n / (n_i n_j))`, with the number of
/// occupied rows and columns.
fn dense_two_way_information(
    table: &[u64],
    rows: usize,
    columns: usize,
    n: f64,
) -> (f64, usize, usize) {
    let mut row_sums = vec![0u64; rows];
    let mut column_sums = vec![0u64; columns];
    for (r, row) in table.chunks_exact(columns).enumerate() {
        for (s, &c) in column_sums.iter_mut().zip(row) {
            *s += c;
        }
        row_sums[r] = row.iter().sum();
    }
    let info = chunked_sum(table.len(), |range| {
        range
            .filter_map(|i| {
                let c = table[i];
                (c != 0).then(|| {
                    let ratio = (c as f64 * n)
                        / (row_sums[i / columns] as f64 * column_sums[i % columns] as f64);
                    (c as f64 / n) * ratio.ln()
                })
            })
            .collect()
    });
    let occupied = |sums: &[u64]| sums.iter().filter(|&&s| s != 0).count();
    (info, occupied(&row_sums), occupied(&column_sums))
}

/// Entropy of the distribution given by `counts` (zeros allowed), in nats.
#[must_use]
pub fn entropy_from_counts(counts: &[u64], estimator: Estimator) -> f64 {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return 0.0;
    }
    let h = plugin_entropy(counts, n as f64);
    match estimator {
        Estimator::Plugin => h,
        Estimator::MillerMadow => {
            let m = counts.iter().filter(|&&c| c != 0).count();
            h + (m as f64 - 1.0) / (2.0 * n as f64)
        }
    }
}

/// `H(A | C)` from a table whose columns are exactly `A ∪ C`; `c` lists the columns of `C`.
#[must_use]
pub fn conditional_entropy_of_table(table: &JointCounts, c: &[usize], estimator: Estimator) -> f64 {
    let n = table.total() as f64;
    let (h, corrections) = if c.is_empty() {
        let h = plugin_entropy(table.stored_counts(), n);
        (h, table.occupied() as f64 - 1.0)
    } else {
        let given = table.marginal(c);
        let h = sum_cells(table, |codes, count, scratch| {
            let n_c = given.count_of(pick(codes, c, scratch)) as f64;
            -(count as f64 / n) * (count as f64 / n_c).ln()
        });
        (h, table.occupied() as f64 - given.occupied() as f64)
    };
    match estimator {
        Estimator::Plugin => h,
        Estimator::MillerMadow => h + corrections / (2.0 * n),
    }
}

/// `I(A; B | C)` from a table whose columns are `A ∪ B ∪ C`.
#[must_use]
pub fn information_of_table(
    table: &JointCounts,
    a: &[usize],
    b: &[usize],
    c: &[usize],
    estimator: Estimator,
) -> f64 {
    let n = table.total() as f64;
    let two_way = if c.is_empty() && a == [0] && b == [1] {
        table.as_dense_matrix()
    } else {
        None
    };
    // The plug-in information and the occupied cells of AC, BC and C.
    let (info, m_ac, m_bc, m_c) = if let Some((cells, rows, columns)) = two_way {
        let (info, m_a, m_b) = dense_two_way_information(cells, rows, columns, n);
        (info, m_a, m_b, 1)
    } else {
        let ac_columns: Vec<usize> = a.iter().chain(c).copied().collect();
        let bc_columns: Vec<usize> = b.iter().chain(c).copied().collect();
        let ac = table.marginal(&ac_columns);
        let bc = table.marginal(&bc_columns);
        let cc = (!c.is_empty()).then(|| table.marginal(c));
        let info = sum_cells(table, |codes, count, scratch| {
            let n_c = match &cc {
                Some(cc) => cc.count_of(pick(codes, c, scratch)) as f64,
                None => n,
            };
            let n_ac = ac.count_of(pick(codes, &ac_columns, scratch)) as f64;
            let n_bc = bc.count_of(pick(codes, &bc_columns, scratch)) as f64;
            (count as f64 / n) * ((count as f64 * n_c) / (n_ac * n_bc)).ln()
        });
        let m_c = cc.as_ref().map_or(1, JointCounts::occupied);
        (info, ac.occupied(), bc.occupied(), m_c)
    };
    let estimate = match estimator {
        Estimator::Plugin => info,
        Estimator::MillerMadow => {
            let correction = m_ac as f64 + m_bc as f64 - table.occupied() as f64 - m_c as f64;
            info + correction / (2.0 * n)
        }
    };
    estimate.max(0.0)
}

fn check_same_length(argument: &'static str, columns: &[Labels<'_>], n: usize) -> Result<()> {
    if columns.is_empty() {
        return Err(Error::EmptyInput { argument });
    }
    for c in columns {
        if c.is_empty() {
            return Err(Error::EmptyInput { argument });
        }
        if c.len() != n {
            return Err(Error::LengthMismatch {
                argument,
                expected: n,
                found: c.len(),
            });
        }
    }
    Ok(())
}

fn first_len(argument: &'static str, columns: &[Labels<'_>]) -> Result<usize> {
    let n = columns.first().ok_or(Error::EmptyInput { argument })?.len();
    check_same_length(argument, columns, n)?;
    Ok(n)
}

/// Entropy `H(X)` of the samples `x` (one or more columns forming one variable), in nats.
pub fn entropy(x: &[Labels<'_>], estimator: Estimator) -> Result<f64> {
    first_len("x", x)?;
    let table = joint_counts(x)?;
    Ok(conditional_entropy_of_table(&table, &[], estimator))
}

/// Joint entropy `H(X₁, …, X_k)` of several variables (each one or more columns), in nats.
pub fn joint_entropy(variables: &[&[Labels<'_>]], estimator: Estimator) -> Result<f64> {
    let columns: Vec<Labels<'_>> = variables.iter().flat_map(|v| v.iter().copied()).collect();
    let n = first_len("variables", &columns)?;
    for v in variables {
        check_same_length("variables", v, n)?;
    }
    entropy(&columns, estimator)
}

/// Conditional entropy `H(X | given)`, in nats.
pub fn conditional_entropy(
    x: &[Labels<'_>],
    given: &[Labels<'_>],
    estimator: Estimator,
) -> Result<f64> {
    let n = first_len("x", x)?;
    check_same_length("given", given, n)?;
    let columns: Vec<Labels<'_>> = x.iter().chain(given).copied().collect();
    let table = joint_counts(&columns)?;
    let c: Vec<usize> = (x.len()..columns.len()).collect();
    Ok(conditional_entropy_of_table(&table, &c, estimator))
}

/// Mutual information `I(X; Y)`, in nats; never negative.
pub fn mutual_information(x: &[Labels<'_>], y: &[Labels<'_>], estimator: Estimator) -> Result<f64> {
    let n = first_len("x", x)?;
    check_same_length("y", y, n)?;
    let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
    let table = joint_counts(&columns)?;
    let a: Vec<usize> = (0..x.len()).collect();
    let b: Vec<usize> = (x.len()..columns.len()).collect();
    Ok(information_of_table(&table, &a, &b, &[], estimator))
}

/// Conditional mutual information `I(X; Y | given)`, in nats; never negative.
pub fn conditional_mutual_information(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    given: &[Labels<'_>],
    estimator: Estimator,
) -> Result<f64> {
    let n = first_len("x", x)?;
    check_same_length("y", y, n)?;
    check_same_length("given", given, n)?;
    let columns: Vec<Labels<'_>> = x.iter().chain(y).chain(given).copied().collect();
    let table = joint_counts(&columns)?;
    let a: Vec<usize> = (0..x.len()).collect();
    let b: Vec<usize> = (x.len()..x.len() + y.len()).collect();
    let c: Vec<usize> = (x.len() + y.len()..columns.len()).collect();
    Ok(information_of_table(&table, &a, &b, &c, estimator))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact zeros and infinities are the point of these tests
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn fair_coin_is_ln2() {
        let x = vec![0u8, 1, 0, 1];
        let h = entropy(&[Labels::from(&x)], Estimator::Plugin).unwrap();
        assert_relative_eq!(h, std::f64::consts::LN_2, max_relative = 1e-15);
        let mm = entropy(&[Labels::from(&x)], Estimator::MillerMadow).unwrap();
        assert_relative_eq!(mm, std::f64::consts::LN_2 + 1.0 / 8.0, max_relative = 1e-15);
    }

    #[test]
    fn mi_of_copy_is_entropy_and_constant_is_zero() {
        let x: Vec<i32> = (0..1000).map(|i| (i * i) % 17).collect();
        let lx = [Labels::from(&x)];
        let h = entropy(&lx, Estimator::Plugin).unwrap();
        let mi = mutual_information(&lx, &lx, Estimator::Plugin).unwrap();
        assert_relative_eq!(mi, h, max_relative = 1e-14);
        let c = vec![3u16; 1000];
        assert_eq!(
            entropy(&[Labels::from(&c)], Estimator::Plugin).unwrap(),
            0.0
        );
        assert_eq!(
            mutual_information(&lx, &[Labels::from(&c)], Estimator::Plugin).unwrap(),
            0.0
        );
    }

    #[test]
    fn independent_product_has_zero_mi() {
        // Every pair of (a, b) exactly once: the empirical joint is exactly the product.
        let a: Vec<u8> = (0..60u8).map(|i| i / 6).collect();
        let b: Vec<u8> = (0..60u8).map(|i| i % 6).collect();
        let mi = mutual_information(&[Labels::from(&a)], &[Labels::from(&b)], Estimator::Plugin)
            .unwrap();
        assert_eq!(mi, 0.0);
    }

    #[test]
    fn length_mismatch_names_the_argument() {
        let a = vec![1u8, 2, 3];
        let b = vec![1u8, 2];
        let err = mutual_information(&[Labels::from(&a)], &[Labels::from(&b)], Estimator::Plugin)
            .unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                argument: "y",
                expected: 3,
                found: 2
            }
        );
    }
}
