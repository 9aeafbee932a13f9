//! From counts of states to information: the terms of [`crate::samples::estimate`], in ascending order of
//! state.

use super::states::Cells;
use crate::samples::estimate::{chunked_sum, information_correction, information_term, summarize};
use crate::samples::estimators::{self, Estimator, Fingerprint};

// ---------------------------------------------------------------------------------------------
// From counts to information

/// A table of states `s = (a · sb + b) · sc + c` with its marginals over `(a, c)`, `(b, c)` and `c`.
pub(super) struct Split {
    pub(super) cells: Cells,
    sb: u64,
    sc: u64,
    ac: Cells,
    bc: Cells,
    c: Cells,
    pub(super) n: u64,
}

impl Split {
    pub(super) fn new(cells: Cells, sa: u64, sb: u64, sc: u64) -> Split {
        let n = cells.counts().iter().sum();
        let ac = cells.marginal(sa * sc, |s| (s / (sb * sc)) * sc + s % sc);
        let bc = cells.marginal(sb * sc, |s| s % (sb * sc));
        let c = cells.marginal(sc, |s| s % sc);
        Split {
            cells,
            sb,
            sc,
            ac,
            bc,
            c,
            n,
        }
    }

    /// `(n_abc, n_c, n_ac, n_bc)` of `state`'s cell, as floats.
    #[inline]
    fn counts_of(&self, state: u64, count: u64) -> (u64, f64, f64, f64) {
        let (sb, sc) = (self.sb, self.sc);
        let c = state % sc;
        let n_c = self.c.get(c) as f64;
        let n_ac = self.ac.get((state / (sb * sc)) * sc + c) as f64;
        let n_bc = self.bc.get(state % (sb * sc)) as f64;
        (count, n_c, n_ac, n_bc)
    }

    /// `I(A; B | C)` (or `I(A; B)` when `conditioned` is false and `sc = 1`), by `estimator`,
    /// never negative: the terms of [`crate::samples::estimate`] in ascending order of state.
    pub(super) fn information(&self, conditioned: bool, estimator: Estimator) -> f64 {
        let n = self.n as f64;
        let info = chunked_sum(self.cells.stored(), |range| {
            let mut terms = Vec::with_capacity(range.len());
            self.cells.for_each(range, |s, count| {
                let (count, n_c, n_ac, n_bc) = self.counts_of(s, count);
                let n_c = if conditioned { n_c } else { n };
                terms.push(information_term(count, n_c, n_ac, n_bc, n));
            });
            terms
        });
        let correction = information_correction(
            estimator,
            summarize(self.ac.counts(), estimator),
            summarize(self.bc.counts(), estimator),
            summarize(self.cells.counts(), estimator),
            conditioned.then(|| summarize(self.c.counts(), estimator)),
            self.n,
        );
        (info + correction).max(0.0)
    }

    /// `H(A | C)` (`sb = 1`), by `estimator`, never negative.
    pub(super) fn conditional_entropy(&self, estimator: Estimator) -> f64 {
        let n = self.n as f64;
        let h = chunked_sum(self.cells.stored(), |range| {
            let mut terms = Vec::with_capacity(range.len());
            self.cells.for_each(range, |s, count| {
                let n_c = self.c.get(s % self.sc) as f64;
                terms.push(-(count as f64 / n) * (count as f64 / n_c).ln());
            });
            terms
        });
        let occupied = |c: &Cells| c.counts().iter().filter(|&&x| x != 0).count();
        let correction = match estimator {
            Estimator::Plugin => 0.0,
            Estimator::MillerMadow => {
                (occupied(&self.cells) as f64 - occupied(&self.c) as f64) / (2.0 * n)
            }
            e => {
                estimators::correction(&Fingerprint::from_counts(self.cells.counts()), e)
                    - estimators::correction(&Fingerprint::from_counts(self.c.counts()), e)
            }
        };
        (h + correction).max(0.0)
    }
}

/// Which quantity a [`Split`] is turned into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Quantity {
    /// `I(A; B | C)`.
    Conditional,
    /// `I(A; B)` (`sc = 1`).
    Mutual,
    /// `H(A | C)` (`sb = 1`).
    Entropy,
}

impl Quantity {
    pub(super) fn of(self, split: &Split, estimator: Estimator) -> f64 {
        match self {
            Quantity::Conditional => split.information(true, estimator),
            Quantity::Mutual => split.information(false, estimator),
            Quantity::Entropy => split.conditional_entropy(estimator),
        }
    }

    /// The local value of every stored cell of `split`, in stored order (0 for empty cells).
    pub(super) fn local_values(self, split: &Split) -> Vec<f64> {
        match &split.cells {
            Cells::Dense(t) => t
                .iter()
                .enumerate()
                .map(|(s, &c)| {
                    if c == 0 {
                        0.0
                    } else {
                        self.local(split, s as u64)
                    }
                })
                .collect(),
            Cells::Sparse { keys, .. } => keys.iter().map(|&s| self.local(split, s)).collect(),
        }
    }

    fn local(self, split: &Split, state: u64) -> f64 {
        let n = split.n as f64;
        let (count, n_c, n_ac, n_bc) = split.counts_of(state, split.cells.get(state));
        let c = count as f64;
        match self {
            Quantity::Conditional => ((c * n_c) / (n_ac * n_bc)).ln(),
            Quantity::Mutual => ((c * n) / (n_ac * n_bc)).ln(),
            Quantity::Entropy => -(c / n_c).ln(),
        }
    }
}
