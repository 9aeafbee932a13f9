//! The query side of an [`Accumulator`]: its tables re-coded in the canonical order of values, and
//! the estimates, contingency tables and matrices computed from them.

use super::{Accumulator, Dictionary, Layout, Values, TOO_LARGE};
use crate::runtime::memory;
use crate::samples::agreement::Average;
use crate::samples::counts::JointCounts;
use crate::samples::dataset::normalize;
use crate::samples::estimate::{conditional_entropy_of_table, information_of_table};
use crate::samples::hashmap::U64Map;
use crate::{Error, Estimator, Result};
use rayon::prelude::*;

impl Accumulator {
    fn check_variables(&self, argument: &'static str, variables: &[usize]) -> Result<()> {
        let k = self.kinds.len();
        if variables.is_empty() {
            return Err(Error::EmptyInput {
                argument: argument.into(),
            });
        }
        if let Some(&v) = variables.iter().find(|&&v| v >= k) {
            return Err(Error::InvalidArgument {
                argument: argument.into(),
                message: format!("variable {v} does not exist: the counts have {k} variables"),
            });
        }
        Ok(())
    }

    fn dictionary(&self, v: usize) -> &Dictionary {
        self.dictionaries[v]
            .as_ref()
            .expect("every variable has values once a sample is counted")
    }

    /// The counts of `variables` (indices; one may repeat) as a core table: codes are the ranks
    /// of the values (ascending), cells are non-empty and in ascending order of their codes, as
    /// [`joint_counts`] reports the concatenated labels.
    // Three stores (dense, hashed, rows) of one re-coding; each branch is a few lines.
    #[allow(clippy::too_many_lines)]
    pub fn table(&self, variables: &[usize]) -> Result<JointCounts> {
        self.check_variables("variables", variables)?;
        if self.n == 0 {
            return Err(Error::InvalidArgument {
                argument: "counts".into(),
                message: format!(
                    "no samples have been counted yet; update() the {} first",
                    self.layout.class()
                ),
            });
        }
        let table = self
            .tables
            .iter()
            .find(|t| variables.iter().all(|v| t.variables.contains(v)))
            .ok_or_else(|| Error::InvalidArgument {
                argument: "variables".into(),
                message: format!(
                    "a {} holds no table of variables {variables:?}",
                    self.layout.class()
                ),
            })?;
        let positions: Vec<usize> = variables
            .iter()
            .map(|v| {
                table
                    .variables
                    .iter()
                    .position(|w| w == v)
                    .expect("the table holds the variable")
            })
            .collect();
        let ranks: Vec<Vec<u32>> = variables
            .iter()
            .map(|&v| self.dictionary(v).ranks())
            .collect();
        let cards: Vec<u64> = variables
            .iter()
            .map(|&v| self.dictionary(v).len() as u64)
            .collect();
        let occupied = table.cells.occupied();
        memory::check(
            || {
                format!(
                    "the table of {} variables ({occupied} cells)",
                    variables.len()
                )
            },
            32 * occupied as u128 * variables.len() as u128,
            TOO_LARGE,
        )?;
        let product = cards.iter().try_fold(1u64, |a, &c| a.checked_mul(c));
        let key = |ids: &[u32]| {
            positions
                .iter()
                .zip(&ranks)
                .zip(&cards)
                .fold(0u64, |acc, ((&p, rank), &card)| {
                    acc * card + u64::from(rank[ids[p] as usize])
                })
        };
        let what = || {
            format!(
                "the table of {} variables ({occupied} cells)",
                variables.len()
            )
        };
        Ok(match product {
            Some(p) if p <= 4 * (occupied as u64).max(1 << 14) => {
                let mut dense = memory::try_filled(p as usize, 0u64, what, TOO_LARGE)?;
                table
                    .cells
                    .for_each(|ids, count| dense[key(ids) as usize] += count);
                let occupied = dense.iter().filter(|&&c| c != 0).count();
                let mut keys = Vec::new();
                let mut counts = Vec::new();
                memory::try_reserve(&mut keys, occupied, what, TOO_LARGE)?;
                memory::try_reserve(&mut counts, occupied, what, TOO_LARGE)?;
                for (k, &c) in dense.iter().enumerate().filter(|(_, &c)| c != 0) {
                    keys.push(k as u64);
                    counts.push(c);
                }
                JointCounts::from_sorted_keys(&cards, keys, counts)
            }
            Some(_) => {
                let mut map = U64Map::try_with_capacity(occupied)?;
                // Sized for every cell: `add` never grows it, so never fails.
                let mut added = Ok(());
                table.cells.for_each(|ids, count| {
                    if added.is_ok() {
                        added = map.add(key(ids), count);
                    }
                });
                added?;
                let (keys, counts) = map.into_sorted()?;
                JointCounts::from_sorted_keys(&cards, keys, counts)
            }
            None => {
                let mut rows = JointCounts::reserve_rows(occupied, variables.len(), &what)?;
                table.cells.for_each(|ids, count| {
                    let codes = positions
                        .iter()
                        .zip(&ranks)
                        .map(|(&p, rank)| u64::from(rank[ids[p] as usize]))
                        .collect();
                    rows.push((codes, count));
                });
                JointCounts::from_rows(&cards, rows)?
            }
        })
    }

    /// `H(x | given)` in nats (`given` may be empty: the entropy of `x`).
    pub fn conditional_entropy(
        &self,
        x: &[usize],
        given: &[usize],
        estimator: Estimator,
    ) -> Result<f64> {
        self.check_variables("x", x)?;
        let variables: Vec<usize> = x.iter().chain(given).copied().collect();
        let table = self.table(&variables)?;
        let c: Vec<usize> = (x.len()..variables.len()).collect();
        conditional_entropy_of_table(&table, &c, estimator)
    }

    /// `I(x; y | given)` in nats (`given` may be empty: the mutual information).
    pub fn information(
        &self,
        x: &[usize],
        y: &[usize],
        given: &[usize],
        estimator: Estimator,
    ) -> Result<f64> {
        self.check_variables("x", x)?;
        self.check_variables("y", y)?;
        let variables: Vec<usize> = x.iter().chain(y).chain(given).copied().collect();
        let table = self.table(&variables)?;
        let a: Vec<usize> = (0..x.len()).collect();
        let b: Vec<usize> = (x.len()..x.len() + y.len()).collect();
        let c: Vec<usize> = (x.len() + y.len()..variables.len()).collect();
        information_of_table(&table, &a, &b, &c, estimator)
    }

    /// Each variable's values in ascending order.
    pub(super) fn sorted_values(&self, v: usize) -> Values {
        let d = self.dictionary(v);
        d.values().select(&d.sorted_ids())
    }

    /// The observed combinations of `variables` in ascending order (one list of values per
    /// variable) and their counts.
    pub fn counts(&self, variables: &[usize]) -> Result<(Vec<Values>, Vec<u64>)> {
        let table = self.table(variables)?;
        let (ranks, counts) = table.nonzero_cells();
        let values = variables
            .iter()
            .zip(&ranks)
            .map(|(&v, r)| {
                let r: Vec<u32> = r.iter().map(|&r| r as u32).collect();
                self.sorted_values(v).select(&r)
            })
            .collect();
        Ok((values, counts))
    }

    /// The contingency table of `x` against `y` in coordinate form, as
    /// [`crate::samples::counts::contingency`] gives it for the concatenated labels.
    pub fn contingency(&self, x: &[usize], y: &[usize]) -> Result<Contingency> {
        self.check_variables("x", x)?;
        self.check_variables("y", y)?;
        let variables: Vec<usize> = x.iter().chain(y).copied().collect();
        let table = self.table(&variables)?;
        let (ranks, counts) = table.nonzero_cells();
        let (rx, ry) = ranks.split_at(x.len());
        // Cells are sorted by x first: x's combinations come in ascending order.
        let cells = counts.len();
        let mut rows = Vec::with_capacity(cells);
        let mut x_first = Vec::new();
        for i in 0..cells {
            let new = i == 0 || rx.iter().any(|r| r[i] != r[i - 1]);
            if new {
                x_first.push(i);
            }
            rows.push((x_first.len() - 1) as u64);
        }
        let y_tuple = |i: usize| ry.iter().map(|r| r[i]).collect::<Vec<u64>>();
        let mut y_order: Vec<usize> = (0..cells).collect();
        y_order.sort_by_key(|&i| y_tuple(i));
        y_order.dedup_by_key(|i| y_tuple(*i));
        let y_tuples: Vec<Vec<u64>> = y_order.iter().map(|&i| y_tuple(i)).collect();
        let columns = (0..cells)
            .map(|i| {
                y_tuples
                    .binary_search(&y_tuple(i))
                    .expect("every y combination is listed") as u64
            })
            .collect();
        let pick = |vars: &[usize], ranks: &[Vec<u64>], at: &[usize]| -> Vec<Values> {
            vars.iter()
                .zip(ranks)
                .map(|(&v, r)| {
                    let r: Vec<u32> = at.iter().map(|&i| r[i] as u32).collect();
                    self.sorted_values(v).select(&r)
                })
                .collect()
        };
        Ok(Contingency {
            x_values: pick(x, rx, &x_first),
            y_values: pick(y, ry, &y_order),
            rows,
            columns,
            counts,
        })
    }

    /// The `d × d` matrix of `I(X_i; X_j)` with `H(X_i)` on the diagonal (nats), or its
    /// normalised form, as [`crate::samples::dataset::mutual_information_matrix`] gives it for the
    /// concatenated rows. [`Layout::Pairs`] only.
    pub fn information_matrix(
        &self,
        estimator: Estimator,
        normalized: Option<Average>,
    ) -> Result<Vec<f64>> {
        let Layout::Pairs(d) = self.layout else {
            return Err(self.wrong_layout("a mutual information matrix"));
        };
        let entropies: Vec<f64> = (0..d)
            .into_par_iter()
            .map(|i| self.conditional_entropy(&[i], &[], estimator))
            .collect::<Result<_>>()?;
        let pairs: Vec<(usize, usize)> = (0..d)
            .flat_map(|i| (i + 1..d).map(move |j| (i, j)))
            .collect();
        let informations: Vec<f64> = pairs
            .par_iter()
            .map(|&(i, j)| self.information(&[i], &[j], &[], estimator))
            .collect::<Result<_>>()?;
        let mut out = vec![0.0; d * d];
        for (i, &h) in entropies.iter().enumerate() {
            out[i * d + i] = h;
        }
        for (&(i, j), &value) in pairs.iter().zip(&informations) {
            out[i * d + j] = value;
            out[j * d + i] = value;
        }
        if let Some(average) = normalized {
            normalize(&mut out, &entropies, &self.cardinalities(), average);
        }
        Ok(out)
    }

    /// `I(X_j; y)` for every column `j` (nats), as
    /// [`crate::samples::dataset::mutual_information_with`] gives it for the concatenated rows.
    /// [`Layout::Target`] only.
    pub fn information_with(&self, estimator: Estimator) -> Result<Vec<f64>> {
        let Layout::Target(d) = self.layout else {
            return Err(self.wrong_layout("informations with a target"));
        };
        (0..d)
            .into_par_iter()
            .map(|j| self.information(&[j], &[d], &[], estimator))
            .collect()
    }

    fn wrong_layout(&self, what: &str) -> Error {
        Error::InvalidArgument {
            argument: "counts".into(),
            message: format!("a {} does not hold {what}", self.layout.class()),
        }
    }
}

/// A two-way contingency table in coordinate form (see [`Accumulator::contingency`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    /// The observed combinations of `x` in ascending order, one list of values per variable.
    pub x_values: Vec<Values>,
    /// Likewise for `y`.
    pub y_values: Vec<Values>,
    /// Row, column and count of each non-empty cell, in ascending order of (row, column).
    pub rows: Vec<u64>,
    pub columns: Vec<u64>,
    pub counts: Vec<u64>,
}
