//! The entropies and informations of variables laid out in one table, with the options of the
//! samples functions that act on the table rather than on the labels: a known alphabet size for
//! NSB (`alphabet_size`), and weighted samples (`sample_weight`). The bootstrap evaluates the same
//! [`Quantity`] on each resampled table.
//!
//! A [`Layout`] names the quantity and how many columns each variable has; the variables occupy
//! consecutive columns of the table, in the order of the Python API's positional arguments
//! (`x, given` for the conditional entropy; `x, y, given` for the conditional MI).
//!
//! # Known alphabet sizes (NSB)
//! `alphabet` gives one size per variable (`K_i ≥` the number of distinct observed values of
//! variable `i`). Each entropy of the combination is estimated by NSB with the alphabet of the
//! variables it involves, the product of their sizes: `I(X; Y) = Ĥ_{K_x}(X) + Ĥ_{K_y}(Y) −
//! Ĥ_{K_x K_y}(X, Y)`, the plug-in part summed term by term as everywhere. With a known alphabet the
//! NSB estimate of a constant sample is its posterior mean (positive), not the 0 of the
//! observed-alphabet convention.
//!
//! # Real weights
//! Tables of non-integer weights ([`RealTable`]) have the plug-in estimates only: the other
//! estimators are functions of integer counts (the number of samples `n`, singletons, ...).

use crate::numeric::compensated_sum;
use crate::samples::counts::{JointCounts, RealTable, Weighted};
use crate::samples::estimate::{conditional_entropy_of_table, information_of_table};
use crate::samples::estimators::{nsb, plugin, Estimator, Fingerprint};
use crate::{Error, Result};

crate::options::named_options! {
    /// Which entropy or information of the variables of a table.
    pub enum Quantity("quantity") {
        /// `H(X₁, …, X_k)` of all the variables.
        Entropy = "entropy",
        /// `H(X | given)`: variables `x, given`.
        ConditionalEntropy = "conditional_entropy",
        /// `I(X; Y)`: variables `x, y`.
        MutualInformation = "mutual_information",
        /// `I(X; Y | given)`: variables `x, y, given`.
        ConditionalMutualInformation = "conditional_mutual_information",
    }
}

/// A quantity and the number of columns of each of its variables (consecutive in the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub quantity: Quantity,
    pub widths: Vec<usize>,
}

impl Layout {
    /// The columns of each variable.
    fn variables(&self) -> Vec<Vec<usize>> {
        let mut next = 0;
        self.widths
            .iter()
            .map(|&w| {
                let v = (next..next + w).collect();
                next += w;
                v
            })
            .collect()
    }

    /// `(a, b, c)`: the column groups of `I(A; B | C)`, or `(a, c)` of `H(A | C)` with `b` empty.
    fn groups(&self) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>)> {
        let v = self.variables();
        let expected = match self.quantity {
            Quantity::Entropy => v.len().max(1),
            Quantity::ConditionalEntropy | Quantity::MutualInformation => 2,
            Quantity::ConditionalMutualInformation => 3,
        };
        if v.len() != expected || v.iter().any(Vec::is_empty) {
            return Err(Error::InvalidArgument {
                argument: "variables".into(),
                message: format!(
                    "{} needs {expected} variables of at least one column, got widths {:?}",
                    self.quantity.name(),
                    self.widths
                ),
            });
        }
        let all: Vec<usize> = v.concat();
        Ok(match self.quantity {
            Quantity::Entropy => (all, vec![], vec![]),
            Quantity::ConditionalEntropy => (v[0].clone(), vec![], v[1].clone()),
            Quantity::MutualInformation => (v[0].clone(), v[1].clone(), vec![]),
            Quantity::ConditionalMutualInformation => (v[0].clone(), v[1].clone(), v[2].clone()),
        })
    }
}

/// The name an alphabet-size error gives variable `i` of `count`.
fn size_argument(i: usize, count: usize) -> crate::error::Argument {
    if count == 1 {
        "alphabet_size".into()
    } else {
        format!("alphabet_size[{i}]").into()
    }
}

/// The estimate of `layout`'s quantity from `table` by `estimator` (nats, never negative);
/// `alphabet` (NSB only) gives each variable's alphabet size.
pub fn of_table(
    table: &JointCounts,
    layout: &Layout,
    estimator: Estimator,
    alphabet: Option<&[u64]>,
) -> Result<f64> {
    let (a, b, c) = layout.groups()?;
    let Some(sizes) = alphabet else {
        return if b.is_empty() {
            conditional_entropy_of_table(table, &c, estimator)
        } else {
            information_of_table(table, &a, &b, &c, estimator)
        };
    };
    if estimator != Estimator::Nsb {
        return Err(Error::InvalidArgument {
            argument: "alphabet_size".into(),
            message: format!(
                "only estimator=\"nsb\" uses an alphabet size, got estimator={:?}",
                estimator.name()
            ),
        });
    }
    let variables = layout.variables();
    if sizes.len() != variables.len() {
        return Err(Error::InvalidArgument {
            argument: "alphabet_size".into(),
            message: format!(
                "one size per variable is needed: {} variables, got {} sizes",
                variables.len(),
                sizes.len()
            ),
        });
    }
    for (i, (columns, &size)) in variables.iter().zip(sizes).enumerate() {
        let observed = table.marginal(columns)?.occupied() as u64;
        if size < observed {
            return Err(Error::InvalidArgument {
                argument: size_argument(i, sizes.len()),
                message: format!(
                    "the alphabet size must be at least the number of distinct observed values \
                     ({observed}), got {size}"
                ),
            });
        }
    }
    // The alphabet of a group of columns: the product of the sizes of the variables in it.
    let alphabet_of = |columns: &[usize]| -> Result<u64> {
        variables
            .iter()
            .zip(sizes)
            .filter(|(v, _)| v.iter().any(|c| columns.contains(c)))
            .try_fold(1u64, |acc, (_, &s)| acc.checked_mul(s))
            .ok_or_else(|| Error::InvalidArgument {
                argument: "alphabet_size".into(),
                message: format!("the product of the alphabet sizes {sizes:?} exceeds 2^64"),
            })
    };
    let correction = |columns: &[usize]| -> Result<f64> {
        if columns.is_empty() {
            return Ok(0.0);
        }
        let k = alphabet_of(columns)?;
        let counts = if columns.len() == table.columns() {
            table.stored_counts().to_vec()
        } else {
            table.marginal(columns)?.stored_counts().to_vec()
        };
        let fp = Fingerprint::from_counts(&counts);
        Ok(nsb(&fp, Some(k))? - plugin(&fp))
    };
    let join = |p: &[usize], q: &[usize]| -> Vec<usize> { p.iter().chain(q).copied().collect() };
    let plug_in = if b.is_empty() {
        conditional_entropy_of_table(table, &c, Estimator::Plugin)?
    } else {
        information_of_table(table, &a, &b, &c, Estimator::Plugin)?
    };
    let corrections = if b.is_empty() {
        correction(&join(&a, &c))? - correction(&c)?
    } else {
        ((correction(&join(&a, &c))? + correction(&join(&b, &c))?)
            - correction(&join(&join(&a, &b), &c))?)
            - correction(&c)?
    };
    Ok((plug_in + corrections).max(0.0))
}

/// The plug-in estimate of `layout`'s quantity from a table of real weights (nats, never negative):
/// `H(A | C) = −Σ (w / W) ln(w / w_c)`, `I(A; B | C) = Σ (w / W) ln(w w_c / (w_ac w_bc))`, summed
/// term by term in cell order.
pub fn plugin_of_real_table(table: &RealTable, layout: &Layout) -> Result<f64> {
    let (a, b, c) = layout.groups()?;
    let total = table.total();
    let pick = |codes: &[u64], columns: &[usize]| -> Vec<u64> {
        columns.iter().map(|&i| codes[i]).collect()
    };
    let given = (!c.is_empty()).then(|| table.marginal(&c));
    let weight_c = |codes: &[u64]| {
        given
            .as_ref()
            .map_or(total, |g| g.weight_of(&pick(codes, &c)))
    };
    let value = if b.is_empty() {
        compensated_sum((0..table.cells()).map(|i| {
            let (codes, w) = table.cell(i);
            -(w / total) * (w / weight_c(codes)).ln()
        }))
    } else {
        let ac_columns: Vec<usize> = a.iter().chain(&c).copied().collect();
        let bc_columns: Vec<usize> = b.iter().chain(&c).copied().collect();
        let (ac, bc) = (table.marginal(&ac_columns), table.marginal(&bc_columns));
        compensated_sum((0..table.cells()).map(|i| {
            let (codes, w) = table.cell(i);
            let w_ac = ac.weight_of(&pick(codes, &ac_columns));
            let w_bc = bc.weight_of(&pick(codes, &bc_columns));
            (w / total) * ((w * weight_c(codes)) / (w_ac * w_bc)).ln()
        }))
    };
    Ok(value.max(0.0))
}

/// The estimate of `layout`'s quantity from weighted samples (see [`of_table`]); tables of
/// non-integer weights take the plug-in estimator only.
pub fn of_weighted(
    table: &Weighted,
    layout: &Layout,
    estimator: Estimator,
    alphabet: Option<&[u64]>,
) -> Result<f64> {
    match table {
        Weighted::Counts(t) => of_table(t, layout, estimator, alphabet),
        Weighted::Real(t) => {
            if estimator != Estimator::Plugin {
                return Err(Error::InvalidArgument {
                    argument: "sample_weight".into(),
                    message: format!(
                        "estimator={:?} needs integer counts, so integer weights; got non-integer \
                         weights (only estimator=\"plugin\" takes any non-negative weights)",
                        estimator.name()
                    ),
                });
            }
            plugin_of_real_table(t, layout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::counts::{joint_counts, weighted_counts};
    use crate::Labels;
    use approx::assert_relative_eq;

    #[test]
    fn known_alphabet_matches_nsb_of_the_histogram() {
        let x = vec![0u8, 0, 1, 2, 2, 2, 3];
        let t = joint_counts(&[Labels::from(&x)]).unwrap();
        let layout = Layout {
            quantity: Quantity::Entropy,
            widths: vec![1],
        };
        let h = of_table(&t, &layout, Estimator::Nsb, Some(&[10])).unwrap();
        let direct = nsb(&Fingerprint::from_counts(&[2, 1, 3, 1]), Some(10)).unwrap();
        assert_relative_eq!(h, direct, max_relative = 1e-13);
        assert!(of_table(&t, &layout, Estimator::Nsb, Some(&[3])).is_err());
        assert!(of_table(&t, &layout, Estimator::Plugin, Some(&[10])).is_err());
    }

    #[test]
    fn real_weights_scale_free_and_match_counts() {
        let x = vec![0u8, 1, 1, 2, 0, 1];
        let y = vec![1u8, 1, 0, 0, 1, 1];
        let l = [Labels::from(&x), Labels::from(&y)];
        let w: Vec<f64> = vec![1.0, 2.0, 3.0, 1.0, 2.0, 5.0];
        let half: Vec<f64> = w.iter().map(|v| v * 0.5).collect();
        let layout = Layout {
            quantity: Quantity::MutualInformation,
            widths: vec![1, 1],
        };
        let exact = of_weighted(
            &weighted_counts(&l, &w).unwrap(),
            &layout,
            Estimator::Plugin,
            None,
        )
        .unwrap();
        let real = of_weighted(
            &weighted_counts(&l, &half).unwrap(),
            &layout,
            Estimator::Plugin,
            None,
        )
        .unwrap();
        assert_relative_eq!(exact, real, max_relative = 1e-14);
        assert!(of_weighted(
            &weighted_counts(&l, &half).unwrap(),
            &layout,
            Estimator::MillerMadow,
            None
        )
        .is_err());
    }
}
