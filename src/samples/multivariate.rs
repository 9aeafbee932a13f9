//! Information shared by many variables: total correlation, dual total correlation, O-information
//! and interaction information (co-information), from samples.
//!
//! # Definitions
//! For variables `X₁, …, X_d` (each one or more columns of labels), with `X = (X₁, …, X_d)` and
//! `X₋ᵢ` all of them but `Xᵢ`:
//!
//! - total correlation (Watanabe 1960) `TC = Σᵢ H(Xᵢ) − H(X)`;
//! - dual total correlation (Han 1978; the binding information) `DTC = H(X) − Σᵢ H(Xᵢ | X₋ᵢ)
//!   = Σᵢ H(X₋ᵢ) − (d − 1) H(X)`;
//! - O-information (Rosas et al. 2019) `Ω = TC − DTC = (d − 2) H(X) + Σᵢ (H(Xᵢ) − H(X₋ᵢ))`:
//!   positive when redundancy dominates, negative when synergy does;
//! - co-information (Bell 2003) `coI = −Σ_{S ⊆ {1..d}, S ≠ ∅} (−1)^{|S|} H(X_S)`, and interaction
//!   information (`McGill` 1954, with the sign of Jakulin & Bratko 2003 and `dit`)
//!   `II = (−1)^d coI`. For two variables both are `I(X₁; X₂)`; for three,
//!   `II = I(X₁; X₂ | X₃) − I(X₁; X₂)`, positive for synergy (XOR: +1 bit).
//!
//! For two variables `TC = DTC = I(X₁; X₂)` and `Ω = 0`. Every quantity is a signed sum of joint
//! entropies; the estimator is applied to each entropy, so bias corrections carry over. `TC` and
//! `DTC` (never negative in truth) are clamped at 0, `Ω` and `II` are not.
//!
//! # Computation
//! Each entropy is a function of the multiset of counts of its table only (its
//! [`Fingerprint`]), summed in ascending order of count: the results do not depend on how the
//! cells are numbered, nor on the number of threads.
//!
//! - Every variable is coded once (`value − min` for a small range, else ranks), the full joint
//!   `X` is reduced to *row codes* by folding the variables in one at a time
//!   (`code ← code of (code, code of Xⱼ)`, by a dense table or a hash dictionary), and the fold
//!   stops as soon as every row is distinct. The `m ≤ n` distinct rows, with their counts as
//!   weights, replace the samples from then on.
//! - `H(X₋ᵢ)` for every `i` comes from prefix codes `P_i = (X₁ … X_{i−1})` and suffix codes
//!   `S_{i+1} = (X_{i+1} … X_d)` of the distinct rows: `X₋ᵢ = (P_i, S_{i+1})`. A prefix or suffix
//!   that already separates all `m` rows makes `H(X₋ᵢ) = H(X)` with no work, so wide tables cost a
//!   few folds at each end instead of `d` passes over `d − 1` columns.
//! - Interaction information visits the `2^d − 1` subsets depth first, each one fold of its parent.
//!
//! # References
//! - S. Watanabe, "Information theoretical analysis of multivariate correlation", IBM J. Res. Dev.
//!   4 (1960), 66-82.
//! - T. S. Han, "Nonnegative entropy measures of multivariate symmetric correlations", Information
//!   and Control 36 (1978), 133-156.
//! - F. E. Rosas, P. A. M. Mediano, M. Gastpar and H. J. Jensen, "Quantifying high-order
//!   interdependencies via multivariate extensions of the mutual information", Phys. Rev. E 100
//!   (2019), 032305.
//! - W. J. `McGill`, "Multivariate information transmission", Psychometrika 19 (1954), 97-116.
//! - A. J. Bell, "The co-information lattice", ICA 2003.
//! - A. Jakulin and I. Bratko, "Quantifying and visualizing attribute interactions",
//!   arXiv:cs/0308002 (2003).

use crate::numeric::compensated_sum;
use crate::runtime::memory;
use crate::samples::counts::joint_counts;
use crate::samples::estimators::Estimator;
use crate::samples::estimators::{self, Fingerprint};
use crate::samples::hashmap::Dictionary;
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// A single column whose values span fewer than this many integers is coded as `value − min`.
const OFFSET_RANGE: u64 = 1 << 16;
/// Most variables of an interaction information (it visits `2^d − 1` subsets).
pub const MAX_INTERACTION_VARIABLES: usize = 24;

/// Codes of one row set: every code is below `card`; `classes` distinct codes are in use (exact
/// for the result of a [`fold`] and for ranks; 0 for offset codes, where it is not known).
#[derive(Debug, Clone)]
struct Coded {
    codes: Vec<u32>,
    card: u64,
    classes: u64,
}

impl Coded {
    /// One class holding all `len` rows.
    fn single(len: usize) -> Coded {
        Coded {
            codes: vec![0; len],
            card: 1,
            classes: u64::from(len > 0),
        }
    }
}

/// The classes of the pairs `(a_r, b_r)`: `a`'s partition refined by `b`.
///
/// A coarse partition is refolded whole (codes in order of first appearance, through a dense table
/// or a hash dictionary). A partition with more than `len / 2` classes is *refined*: rows alone in
/// their class keep their code, and only the rows sharing a class with another are hashed (a few
/// percent of them once most rows are distinct), their new codes numbered after `a.card`.
fn fold(a: &Coded, b: &Coded) -> Result<Coded> {
    let len = a.codes.len();
    if a.classes == len as u64 {
        return Ok(a.clone());
    }
    if 2 * a.classes > len as u64 {
        return refine(a, b);
    }
    let cells = a.card.saturating_mul(b.card);
    let mut codes = Vec::with_capacity(len);
    let mut next = 0u32;
    if cells <= (4 * len as u64).clamp(1 << 12, 1 << 26) {
        let mut table = vec![u32::MAX; cells as usize];
        for (&x, &y) in a.codes.iter().zip(&b.codes) {
            let slot = &mut table[(u64::from(x) * b.card + u64::from(y)) as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            codes.push(*slot);
        }
    } else {
        let mut dictionary = Dictionary::new();
        for (&x, &y) in a.codes.iter().zip(&b.codes) {
            codes.push(dictionary.code(u64::from(x) * b.card + u64::from(y))? as u32);
        }
        next = dictionary.len() as u32;
    }
    Ok(Coded {
        codes,
        card: u64::from(next),
        classes: u64::from(next),
    })
}

/// [`fold`] of a fine partition: only the rows of classes with two or more rows are hashed.
fn refine(a: &Coded, b: &Coded) -> Result<Coded> {
    let len = a.codes.len();
    let mut size = vec![0u8; a.card as usize];
    for &c in &a.codes {
        let s = &mut size[c as usize];
        *s = s.saturating_add(1);
    }
    let singletons: u64 = size.iter().map(|&s| u64::from(s == 1)).sum();
    let mut codes = a.codes.clone();
    let mut dictionary = Dictionary::new();
    for (code, &y) in codes.iter_mut().zip(&b.codes) {
        if size[*code as usize] > 1 {
            let key = u64::from(*code) * b.card + u64::from(y);
            *code = (a.card + dictionary.code(key)?) as u32;
        }
    }
    let refined = Coded {
        codes,
        card: a.card + dictionary.len() as u64,
        classes: singletons + dictionary.len() as u64,
    };
    if refined.card > 2 * len as u64 {
        // Renumber densely (first appearance) so that codes stay below 2 len.
        return fold(&Coded::single(len), &refined);
    }
    Ok(refined)
}

/// Per-sample codes of one column.
fn column_codes(column: Labels<'_>) -> Result<Coded> {
    let (lo, hi) = with_labels!(column, s => crate::samples::counts::key_range(s));
    if hi - lo < OFFSET_RANGE {
        let codes =
            with_labels!(column, s => s.par_iter().map(|v| (v.key() - lo) as u32).collect());
        return Ok(Coded {
            codes,
            card: hi - lo + 1,
            classes: 0,
        });
    }
    let mut dictionary = Dictionary::new();
    let codes = with_labels!(column, s => s
        .iter()
        .map(|v| dictionary.code(v.key()).map(|c| c as u32))
        .collect::<Result<_>>()?);
    Ok(Coded {
        codes,
        card: dictionary.len() as u64,
        classes: dictionary.len() as u64,
    })
}

/// Per-sample codes of one variable (its columns folded together).
fn variable_codes(columns: &[Labels<'_>]) -> Result<Coded> {
    let mut coded = column_codes(columns[0])?;
    for &c in &columns[1..] {
        coded = fold(&coded, &column_codes(c)?)?;
    }
    Ok(coded)
}

/// Entropy (nats) of the table whose cell counts are `counts`, by `estimator`.
fn entropy_of(counts: &[u64], estimator: Estimator) -> f64 {
    estimators::estimate(&Fingerprint::from_counts(counts), estimator).max(0.0)
}

/// Weighted counts of `coded`'s codes.
fn weighted_counts(coded: &Coded, weights: &[u64]) -> Vec<u64> {
    let mut counts = vec![0u64; coded.card as usize];
    for (&c, &w) in coded.codes.iter().zip(weights) {
        counts[c as usize] += w;
    }
    counts
}

/// The samples reduced to their distinct rows.
struct Rows<'v, 'a> {
    variables: &'v [&'v [Labels<'a>]],
    /// The index of one sample of each distinct row.
    first: Vec<usize>,
    /// How many samples each distinct row stands for.
    weights: Vec<u64>,
    /// `Ĥ(X)`.
    joint: f64,
}

impl Rows<'_, '_> {
    fn m(&self) -> u64 {
        self.weights.len() as u64
    }

    /// Codes of variable `j` on the distinct rows. `card` bounds the codes (an offset-coded
    /// column may leave some unused); every fold of them counts exactly.
    fn codes(&self, j: usize) -> Result<Coded> {
        let per_sample = variable_codes(self.variables[j])?;
        if self.first.len() == per_sample.codes.len() {
            // Every sample is a distinct row, numbered in order (first appearance): no gather.
            return Ok(per_sample);
        }
        Ok(Coded {
            codes: self.first.iter().map(|&s| per_sample.codes[s]).collect(),
            card: per_sample.card,
            classes: 0,
        })
    }

    /// `Ĥ` of the weighted rows grouped by `coded`.
    fn entropy(&self, coded: &Coded, estimator: Estimator) -> f64 {
        if coded.classes == self.m() {
            return self.joint;
        }
        entropy_of(&weighted_counts(coded, &self.weights), estimator)
    }
}

fn check_variables(variables: &[&[Labels<'_>]]) -> Result<usize> {
    let first = variables
        .first()
        .and_then(|v| v.first())
        .ok_or(Error::EmptyInput {
            argument: "X".into(),
        })?;
    let n = first.len();
    if n == 0 {
        return Err(Error::EmptyInput {
            argument: "X".into(),
        });
    }
    if n >= 1 << 31 {
        return Err(Error::InvalidArgument {
            argument: "X".into(),
            message: format!("has {n} samples; at most 2^31 - 1 are supported"),
        });
    }
    for v in variables {
        if v.is_empty() {
            return Err(Error::EmptyInput {
                argument: "X".into(),
            });
        }
        crate::samples::estimate::check_same_length("X", v, n)?;
    }
    Ok(n)
}

fn stop(interrupt: &AtomicBool) -> Result<()> {
    if interrupt.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Reduces the samples to their distinct rows (the fold stops once every sample is distinct).
fn distinct_rows<'v, 'a>(
    variables: &'v [&'v [Labels<'a>]],
    n: usize,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Result<Rows<'v, 'a>> {
    let mut code = Coded::single(n);
    for v in variables {
        stop(interrupt)?;
        if code.classes == n as u64 {
            break;
        }
        code = fold(&code, &variable_codes(v)?)?;
    }
    if code.card != code.classes {
        // Refined codes leave gaps: number the rows densely, in order of first appearance (so
        // that when every sample is distinct, sample s is row s).
        code = fold(&Coded::single(n), &code)?;
    }
    let m = code.classes as usize;
    let mut first = vec![usize::MAX; m];
    let mut weights = vec![0u64; m];
    for (s, &c) in code.codes.iter().enumerate() {
        if first[c as usize] == usize::MAX {
            first[c as usize] = s;
        }
        weights[c as usize] += 1;
    }
    let joint = entropy_of(&weights, estimator);
    Ok(Rows {
        variables,
        first,
        weights,
        joint,
    })
}

/// `Ĥ(Xᵢ)` of every variable.
fn marginal_entropies(variables: &[&[Labels<'_>]], estimator: Estimator) -> Result<Vec<f64>> {
    variables
        .iter()
        .map(|v| Ok(entropy_of(joint_counts(v)?.stored_counts(), estimator)))
        .collect()
}

/// `Ĥ(X₋ᵢ)` of every `i`, from prefix and suffix codes of the distinct rows.
///
/// The suffix partitions that do not yet separate every row are kept (one `u32` per row each; a
/// suffix equal to the next one is shared): `TooLarge` if they would need more than
/// `memory_limit` bytes.
fn leave_one_out_entropies(
    rows: &Rows<'_, '_>,
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let d = rows.variables.len();
    let m = rows.m();
    let trivial = Coded::single(m as usize);
    // suffix[j] indexes the partition of (X_j … X_{d−1}) in `kept`, while it is not all distinct.
    let mut kept: Vec<Coded> = vec![trivial.clone()];
    let mut suffix: Vec<Option<usize>> = vec![None; d + 1];
    suffix[d] = Some(0);
    for j in (0..d).rev() {
        stop(interrupt)?;
        let index = suffix[j + 1].expect("computed");
        let next = &kept[index];
        if next.classes == m {
            break;
        }
        let folded = fold(next, &rows.codes(j)?)?;
        if folded.classes == next.classes {
            suffix[j] = Some(index); // the same partition
            continue;
        }
        memory::check_within(
            || {
                format!(
                    "the partitions of {} suffixes of the {d} variables over {m} distinct rows \
                     (dual total correlation, O-information)",
                    kept.len() + 1
                )
            },
            (kept.len() as u128 + 1) * u128::from(m) * 4,
            memory_limit,
            "use fewer variables, or total_correlation",
        )?;
        kept.push(folded);
        suffix[j] = Some(kept.len() - 1);
    }
    let mut prefix = trivial;
    let mut out = Vec::with_capacity(d);
    for i in 0..d {
        stop(interrupt)?;
        let h = match suffix[i + 1].map(|k| &kept[k]) {
            Some(s) if prefix.classes < m && s.classes < m => {
                rows.entropy(&fold(&prefix, s)?, estimator)
            }
            _ => rows.joint,
        };
        out.push(h);
        if prefix.classes < m && i + 1 < d {
            prefix = fold(&prefix, &rows.codes(i)?)?;
        }
    }
    Ok(out)
}

/// Total correlation `Σ Ĥ(Xᵢ) − Ĥ(X)` in nats, never negative.
///
/// `memory_limit` is not needed here (the signature matches the other measures').
pub fn total_correlation(
    variables: &[&[Labels<'_>]],
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let summary = Summary::compute(variables, estimator, false, memory_limit, interrupt)?;
    Ok(summary.total_correlation())
}

/// Dual total correlation `Σ Ĥ(X₋ᵢ) − (d − 1) Ĥ(X)` in nats, never negative.
///
/// `TooLarge` if the suffix partitions it keeps would need more than `memory_limit` bytes.
pub fn dual_total_correlation(
    variables: &[&[Labels<'_>]],
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let summary = Summary::compute(variables, estimator, true, memory_limit, interrupt)?;
    Ok(summary.dual_total_correlation())
}

/// O-information `TC − DTC` in nats (positive: redundancy dominates; negative: synergy).
///
/// `TooLarge` if the suffix partitions it keeps would need more than `memory_limit` bytes.
pub fn o_information(
    variables: &[&[Labels<'_>]],
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let summary = Summary::compute(variables, estimator, true, memory_limit, interrupt)?;
    Ok(summary.o_information())
}

/// The entropies the three measures combine.
struct Summary {
    marginals: Vec<f64>,
    joint: f64,
    leave_one_out: Vec<f64>,
}

impl Summary {
    fn compute(
        variables: &[&[Labels<'_>]],
        estimator: Estimator,
        dual: bool,
        memory_limit: u64,
        interrupt: &AtomicBool,
    ) -> Result<Summary> {
        let n = check_variables(variables)?;
        let marginals = marginal_entropies(variables, estimator)?;
        let rows = distinct_rows(variables, n, estimator, interrupt)?;
        let leave_one_out = if dual {
            leave_one_out_entropies(&rows, estimator, memory_limit, interrupt)?
        } else {
            Vec::new()
        };
        Ok(Summary {
            marginals,
            joint: rows.joint,
            leave_one_out,
        })
    }

    fn total_correlation(&self) -> f64 {
        let terms = self.marginals.iter().copied().chain([-self.joint]);
        compensated_sum(terms).max(0.0)
    }

    fn dual_total_correlation(&self) -> f64 {
        let d = self.leave_one_out.len() as f64;
        let terms = self
            .leave_one_out
            .iter()
            .copied()
            .chain([-(d - 1.0) * self.joint]);
        compensated_sum(terms).max(0.0)
    }

    fn o_information(&self) -> f64 {
        let d = self.marginals.len() as f64;
        let terms = self
            .marginals
            .iter()
            .copied()
            .chain(self.leave_one_out.iter().map(|h| -h))
            .chain([(d - 2.0) * self.joint]);
        compensated_sum(terms)
    }
}

/// Appends `(Ĥ(S ∪ {j}), |S| + 1)` for every `j ≥ start`, and recursively every superset.
#[allow(clippy::too_many_arguments)]
fn visit(
    rows: &Rows<'_, '_>,
    codes: &[Coded],
    subset: &Coded,
    start: usize,
    size: usize,
    estimator: Estimator,
    interrupt: &AtomicBool,
    terms: &mut Vec<(f64, usize)>,
) -> Result<()> {
    stop(interrupt)?;
    for j in start..codes.len() {
        let next = if subset.classes == rows.m() {
            subset.clone()
        } else {
            fold(subset, &codes[j])?
        };
        terms.push((rows.entropy(&next, estimator), size + 1));
        visit(
            rows,
            codes,
            &next,
            j + 1,
            size + 1,
            estimator,
            interrupt,
            terms,
        )?;
    }
    Ok(())
}

/// Interaction information `(−1)^d coI` with `coI = Σ_{S ≠ ∅} (−1)^{|S|+1} Ĥ(X_S)`, in nats.
///
/// `TooLarge` if the codes it keeps (each variable's, and one subset's per level of the search)
/// would need more than `memory_limit` bytes.
pub fn interaction_information(
    variables: &[&[Labels<'_>]],
    estimator: Estimator,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let d = variables.len();
    if !(2..=MAX_INTERACTION_VARIABLES).contains(&d) {
        return Err(Error::InvalidArgument {
            argument: "variables".into(),
            message: format!(
                "interaction information needs 2 to {MAX_INTERACTION_VARIABLES} variables \
                 (it sums the entropies of all 2^d - 1 subsets), got {d}"
            ),
        });
    }
    let n = check_variables(variables)?;
    let rows = distinct_rows(variables, n, estimator, interrupt)?;
    let m = rows.m() as usize;
    memory::check_within(
        || format!("the codes of {d} variables over {m} distinct rows (interaction information)"),
        2 * d as u128 * m as u128 * 4,
        memory_limit,
        "use fewer samples",
    )?;
    let codes: Vec<Coded> = (0..d)
        .into_par_iter()
        .map(|j| rows.codes(j))
        .collect::<Result<_>>()?;
    // Depth-first over subsets in increasing index order (one code vector per level): the
    // entropy and size of each.
    let mut terms: Vec<(f64, usize)> = Vec::with_capacity((1usize << d) - 1);
    let root = Coded::single(m);
    visit(&rows, &codes, &root, 0, 0, estimator, interrupt, &mut terms)?;
    // Subsets sorted by size, then entropy: a fixed order for the sum.
    terms.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)));
    let co_information = compensated_sum(
        terms
            .iter()
            .map(|&(h, size)| if size % 2 == 1 { h } else { -h }),
    );
    Ok(if d.is_multiple_of(2) {
        co_information
    } else {
        -co_information
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> AtomicBool {
        AtomicBool::new(false)
    }

    fn lcg(seed: u64, n: usize, card: u64) -> Vec<u8> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 33) % card) as u8
            })
            .collect()
    }

    fn h(columns: &[&Vec<u8>]) -> f64 {
        let labels: Vec<Labels<'_>> = columns.iter().map(|c| Labels::from(*c)).collect();
        crate::entropy(&labels, Estimator::Plugin).unwrap()
    }

    #[test]
    fn xor_is_synergy() {
        let a = lcg(1, 4000, 2);
        let b = lcg(2, 4000, 2);
        let c: Vec<u8> = a.iter().zip(&b).map(|(x, y)| x ^ y).collect();
        let cols = [[Labels::from(&a)], [Labels::from(&b)], [Labels::from(&c)]];
        let vars: Vec<&[Labels<'_>]> = cols.iter().map(<[Labels<'_>; 1]>::as_slice).collect();
        let e = Estimator::Plugin;
        let tc = total_correlation(&vars, e, u64::MAX, &never()).unwrap();
        let dtc = dual_total_correlation(&vars, e, u64::MAX, &never()).unwrap();
        let o = o_information(&vars, e, u64::MAX, &never()).unwrap();
        let ii = interaction_information(&vars, e, u64::MAX, &never()).unwrap();
        let expected_tc = h(&[&a]) + h(&[&b]) + h(&[&c]) - h(&[&a, &b, &c]);
        assert!((tc - expected_tc).abs() < 1e-12);
        let expected_dtc = h(&[&b, &c]) + h(&[&a, &c]) + h(&[&a, &b]) - 2.0 * h(&[&a, &b, &c]);
        assert!((dtc - expected_dtc).abs() < 1e-12);
        assert!((o - (tc - dtc)).abs() < 1e-12);
        assert!(o < -0.6);
        assert!((ii + o).abs() < 1e-12, "for three variables II = -O");
    }

    #[test]
    fn wide_tables_use_prefixes_and_suffixes() {
        // 20 columns of 16 values: every row distinct after a few columns.
        let columns: Vec<Vec<u8>> = (0..20).map(|s| lcg(s + 7, 3000, 16)).collect();
        let mut columns = columns;
        columns[10] = columns[3].clone();
        let cols: Vec<[Labels<'_>; 1]> = columns.iter().map(|c| [Labels::from(c)]).collect();
        let vars: Vec<&[Labels<'_>]> = cols.iter().map(<[Labels<'_>; 1]>::as_slice).collect();
        let e = Estimator::Plugin;
        let dtc = dual_total_correlation(&vars, e, u64::MAX, &never()).unwrap();
        let all: Vec<&Vec<u8>> = columns.iter().collect();
        let mut expected = -19.0 * h(&all);
        for i in 0..20 {
            let rest: Vec<&Vec<u8>> = (0..20).filter(|&j| j != i).map(|j| &columns[j]).collect();
            expected += h(&rest);
        }
        assert!((dtc - expected).abs() < 1e-10, "{dtc} vs {expected}");
    }

    #[test]
    fn two_variables_give_mutual_information() {
        let a = lcg(3, 5000, 5);
        let b: Vec<u8> = a
            .iter()
            .zip(lcg(4, 5000, 3))
            .map(|(x, y)| x.wrapping_add(y) % 6)
            .collect();
        let cols = [[Labels::from(&a)], [Labels::from(&b)]];
        let vars: Vec<&[Labels<'_>]> = cols.iter().map(<[Labels<'_>; 1]>::as_slice).collect();
        let mi = crate::mutual_information(&cols[0], &cols[1], Estimator::Plugin).unwrap();
        for f in [
            total_correlation,
            dual_total_correlation,
            interaction_information,
        ] {
            let v = f(&vars, Estimator::Plugin, u64::MAX, &never()).unwrap();
            assert!((v - mi).abs() < 1e-12);
        }
        assert!(
            o_information(&vars, Estimator::Plugin, u64::MAX, &never())
                .unwrap()
                .abs()
                < 1e-12
        );
    }
}
