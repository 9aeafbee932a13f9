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
//! Each [`Estimator`] maps one histogram to an entropy estimate `Ĥ` (see [`crate::samples::estimators`] for
//! the formulas and references). Conditional quantities combine them the standard way,
//! `H(A | C) = Ĥ(A, C) − Ĥ(C)` and `I(A; B | C) = Ĥ(A, C) + Ĥ(B, C) − Ĥ(A, B, C) − Ĥ(C)` (with
//! `Ĥ(∅) = 0`), computed as the term-by-term plug-in value above plus the estimators' corrections
//! `Ĥ − Ĥ_plugin` of each table ([`crate::samples::estimators::correction`]):
//! - `Plugin`: the maximum-likelihood ("plug-in") estimate above, no correction.
//! - `MillerMadow` (Miller 1955): each entropy `H(S)` gets `+ (m_S − 1) / (2n)`, `m_S` the number of
//!   occupied cells of `S`.
//! - `Jackknife`, `Grassberger`, `ChaoShen`, `Nsb`: see [`crate::samples::estimators`]; NSB takes the number
//!   of occupied cells of each table as its alphabet size.
//!
//! Estimates are clamped at 0: MI and CMI (a bias-corrected estimate can dip below), entropies and
//! conditional entropies (a difference of two corrected entropies is not always ordered).
//!
//! # Determinism
//! Terms are summed with Neumaier's compensated sum in fixed chunks of [`SUM_CHUNK`] cells, the chunk
//! sums combined in order: the same result, bit for bit, for any number of threads. Corrections
//! depend only on the tables' counts of counts, summed in ascending order of count.

use crate::numeric::compensated_sum;
use crate::samples::counts::{joint_counts, JointCounts};
use crate::samples::estimators::{self, Estimator, Fingerprint};
use crate::{Error, Labels, Result};
use rayon::prelude::*;

/// Cells per chunk of a deterministic parallel sum.
const SUM_CHUNK: usize = 1 << 14;

/// Deterministic compensated sum of the terms `f(range)` yields for the stored cells `0..len`:
/// terms are gathered in order (in parallel over stored chunks) and then summed in fixed chunks of
/// the *terms*, so empty cells never move a chunk boundary.
pub(crate) fn chunked_sum(
    len: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<f64> + Sync,
) -> f64 {
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

/// One term `(n_abc / n) ln(n_abc n_c / (n_ac n_bc))` of the information sum (`n_c = n` without
/// conditioning). Every information path uses this expression, so equal tables give equal bits.
#[inline]
pub(crate) fn information_term(count: u64, n_c: f64, n_ac: f64, n_bc: f64, n: f64) -> f64 {
    let c = count as f64;
    (c / n) * ((c * n_c) / (n_ac * n_bc)).ln()
}

/// `Ĥ_estimator − Ĥ_plugin` of the histogram `counts` (0 for the plug-in).
fn correction(counts: &[u64], estimator: Estimator) -> f64 {
    match estimator {
        Estimator::Plugin => 0.0,
        e => estimators::correction(&Fingerprint::from_counts(counts), e),
    }
}

/// Occupied cells of a histogram.
fn occupied(counts: &[u64]) -> usize {
    counts.iter().filter(|&&c| c != 0).count()
}

/// What the correction of an information needs from one table: its occupied cells (Miller–Madow,
/// summed in integers) and its correction `Ĥ − Ĥ_plugin` (the other estimators).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TableSummary {
    occupied: usize,
    correction: f64,
}

/// The [`TableSummary`] of the histogram `counts` for `estimator`.
pub(crate) fn summarize(counts: &[u64], estimator: Estimator) -> TableSummary {
    TableSummary {
        occupied: occupied(counts),
        correction: match estimator {
            Estimator::Plugin | Estimator::MillerMadow => 0.0,
            e => correction(counts, e),
        },
    }
}

/// The estimator's correction of `I(A; B | C) = Ĥ(AC) + Ĥ(BC) − Ĥ(ABC) − Ĥ(C)` from summaries of
/// those tables (`c = None` without conditioning, `Ĥ(∅) = 0`). Miller–Madow's is summed in
/// integers first, so it is exactly 0 whenever the occupied cells balance.
pub(crate) fn information_correction(
    estimator: Estimator,
    ac: TableSummary,
    bc: TableSummary,
    abc: TableSummary,
    c: Option<TableSummary>,
    n: u64,
) -> f64 {
    match estimator {
        Estimator::Plugin => 0.0,
        Estimator::MillerMadow => {
            let m_c = c.map_or(1, |c| c.occupied);
            let cells = ac.occupied as f64 + bc.occupied as f64 - abc.occupied as f64 - m_c as f64;
            cells / (2.0 * n as f64)
        }
        _ => {
            let given = c.map_or(0.0, |c| c.correction);
            ((ac.correction + bc.correction) - abc.correction) - given
        }
    }
}

/// Row and column sums of a dense `rows × columns` table (row-major).
pub(crate) fn margins(table: &[u64], rows: usize, columns: usize) -> (Vec<u64>, Vec<u64>) {
    let mut row_sums = vec![0u64; rows];
    let mut column_sums = vec![0u64; columns];
    for (r, row) in table.chunks_exact(columns).enumerate() {
        for (s, &c) in column_sums.iter_mut().zip(row) {
            *s += c;
        }
        row_sums[r] = row.iter().sum();
    }
    (row_sums, column_sums)
}

/// `I(A; B)` of a dense two-way table (row-major, rows = values of `A` in ascending order,
/// columns = values of `B`), given its margins, by `estimator`; never negative.
///
/// The plug-in sum runs over the non-empty cells in row-major order, so the result depends only on
/// the non-empty cells and the order of values: a table with extra empty rows or columns, or the
/// hashed table of the same samples, gives the same bits.
pub(crate) fn two_way_information(
    table: &[u64],
    row_sums: &[u64],
    column_sums: &[u64],
    n: u64,
    estimator: Estimator,
) -> f64 {
    let rows = summarize(row_sums, estimator);
    let columns = summarize(column_sums, estimator);
    two_way_information_summarized(table, row_sums, column_sums, rows, columns, n, estimator)
}

/// [`two_way_information`] with the margins' summaries already computed (the same bits).
pub(crate) fn two_way_information_summarized(
    table: &[u64],
    row_sums: &[u64],
    column_sums: &[u64],
    rows: TableSummary,
    columns: TableSummary,
    n: u64,
    estimator: Estimator,
) -> f64 {
    let width = column_sums.len();
    let nf = n as f64;
    let info = chunked_sum(table.len(), |range| {
        range
            .filter_map(|i| {
                let c = table[i];
                (c != 0).then(|| {
                    let (r, s) = (row_sums[i / width] as f64, column_sums[i % width] as f64);
                    information_term(c, nf, r, s, nf)
                })
            })
            .collect()
    });
    let joint = summarize(table, estimator);
    (info + information_correction(estimator, rows, columns, joint, None, n)).max(0.0)
}

/// `Ĥ(X)` of a histogram with `n` samples by `estimator` (the plug-in summed term by term plus the
/// estimator's correction), clamped at 0.
pub(crate) fn entropy_of_counts(counts: &[u64], n: u64, estimator: Estimator) -> f64 {
    if n == 0 {
        return 0.0;
    }
    (plugin_entropy(counts, n as f64) + correction(counts, estimator)).max(0.0)
}

/// Entropy of the distribution given by `counts` (zeros allowed), in nats.
#[must_use]
pub fn entropy_from_counts(counts: &[u64], estimator: Estimator) -> f64 {
    let n: u64 = counts.iter().sum();
    entropy_of_counts(counts, n, estimator)
}

/// `H(A | C)` from a table whose columns are exactly `A ∪ C`; `c` lists the columns of `C`.
/// Errors: the marginal table of `C` does not fit the memory budget.
pub fn conditional_entropy_of_table(
    table: &JointCounts,
    c: &[usize],
    estimator: Estimator,
) -> Result<f64> {
    if c.is_empty() {
        return Ok(entropy_of_counts(
            table.stored_counts(),
            table.total(),
            estimator,
        ));
    }
    let n = table.total() as f64;
    let given = table.marginal(c)?;
    let h = sum_cells(table, |codes, count, scratch| {
        let n_c = given.count_of(pick(codes, c, scratch)) as f64;
        -(count as f64 / n) * (count as f64 / n_c).ln()
    });
    let corrections = match estimator {
        Estimator::Plugin => 0.0,
        Estimator::MillerMadow => {
            (table.occupied() as f64 - given.occupied() as f64) / (2.0 * table.total() as f64)
        }
        e => correction(table.stored_counts(), e) - correction(given.stored_counts(), e),
    };
    Ok((h + corrections).max(0.0))
}

/// `I(A; B | C)` from a table whose columns are `A ∪ B ∪ C`. Errors: a marginal table does not
/// fit the memory budget.
pub fn information_of_table(
    table: &JointCounts,
    a: &[usize],
    b: &[usize],
    c: &[usize],
    estimator: Estimator,
) -> Result<f64> {
    let n = table.total() as f64;
    if c.is_empty() && a == [0] && b == [1] {
        if let Some((cells, rows, columns)) = table.as_dense_matrix() {
            let (row_sums, column_sums) = margins(cells, rows, columns);
            return Ok(two_way_information(
                cells,
                &row_sums,
                &column_sums,
                table.total(),
                estimator,
            ));
        }
    }
    let ac_columns: Vec<usize> = a.iter().chain(c).copied().collect();
    let bc_columns: Vec<usize> = b.iter().chain(c).copied().collect();
    let ac = table.marginal(&ac_columns)?;
    let bc = table.marginal(&bc_columns)?;
    let cc = if c.is_empty() {
        None
    } else {
        Some(table.marginal(c)?)
    };
    let info = sum_cells(table, |codes, count, scratch| {
        let n_c = match &cc {
            Some(cc) => cc.count_of(pick(codes, c, scratch)) as f64,
            None => n,
        };
        let n_ac = ac.count_of(pick(codes, &ac_columns, scratch)) as f64;
        let n_bc = bc.count_of(pick(codes, &bc_columns, scratch)) as f64;
        information_term(count, n_c, n_ac, n_bc, n)
    });
    let correction = information_correction(
        estimator,
        summarize(ac.stored_counts(), estimator),
        summarize(bc.stored_counts(), estimator),
        summarize(table.stored_counts(), estimator),
        cc.as_ref()
            .map(|cc| summarize(cc.stored_counts(), estimator)),
        table.total(),
    );
    Ok((info + correction).max(0.0))
}

/// `EmptyInput` if `columns` or one of them is empty, `LengthMismatch` unless each has `n` rows.
pub(crate) fn check_same_length(
    argument: &'static str,
    columns: &[Labels<'_>],
    n: usize,
) -> Result<()> {
    if columns.is_empty() {
        return Err(Error::EmptyInput {
            argument: argument.into(),
        });
    }
    for c in columns {
        if c.is_empty() {
            return Err(Error::EmptyInput {
                argument: argument.into(),
            });
        }
        if c.len() != n {
            return Err(Error::LengthMismatch {
                argument: argument.into(),
                expected: n,
                found: c.len(),
            });
        }
    }
    Ok(())
}

fn first_len(argument: &'static str, columns: &[Labels<'_>]) -> Result<usize> {
    let n = columns
        .first()
        .ok_or(Error::EmptyInput {
            argument: argument.into(),
        })?
        .len();
    check_same_length(argument, columns, n)?;
    Ok(n)
}

/// Entropy `H(X)` of the samples `x` (one or more columns forming one variable), in nats.
pub fn entropy(x: &[Labels<'_>], estimator: Estimator) -> Result<f64> {
    first_len("x", x)?;
    let table = joint_counts(x)?;
    conditional_entropy_of_table(&table, &[], estimator)
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
    conditional_entropy_of_table(&table, &c, estimator)
}

/// Mutual information `I(X; Y)`, in nats; never negative.
pub fn mutual_information(x: &[Labels<'_>], y: &[Labels<'_>], estimator: Estimator) -> Result<f64> {
    let n = first_len("x", x)?;
    check_same_length("y", y, n)?;
    let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
    let table = joint_counts(&columns)?;
    let a: Vec<usize> = (0..x.len()).collect();
    let b: Vec<usize> = (x.len()..columns.len()).collect();
    information_of_table(&table, &a, &b, &[], estimator)
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
    information_of_table(&table, &a, &b, &c, estimator)
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
                argument: "y".into(),
                expected: 3,
                found: 2
            }
        );
    }
}
