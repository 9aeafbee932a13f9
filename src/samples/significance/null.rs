//! The null distribution: for the plug-in and Miller–Madow estimators, tables with the observed
//! margins drawn per stratum and their information by the exact fixed-point formula
//! ([`fixed_margin_null`]); for any other estimator, the samples rebuilt from the strata and `y`
//! shuffled within each ([`resampled_null`]).

use super::random::Rng;
use super::strata::{Draw, Stratum};
use super::tables::LnFactorials;
use crate::samples::estimate::{conditional_mutual_information, mutual_information};
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Fixed-point scale of `k ln k` terms: `k ln k ≥ 2 ln 2 > 1` for `k ≥ 2`, so its double has no
/// bits below 2^-52 and `k ln k · 2^52` is an exact integer (below 2^120 for `k < 2^62`).
pub(super) const SCALE: f64 = (1u64 << 52) as f64;

/// `k ln k · 2^52` exactly as an integer (0 for `k ≤ 1`).
pub(super) fn fixed_x_ln_x(k: u64) -> i128 {
    if k < 2 {
        return 0;
    }
    let x = k as f64;
    (x * x.ln() * SCALE) as i128
}

/// [`fixed_x_ln_x`] tabulated for small counts.
pub(super) struct XLnX {
    table: Vec<i128>,
}

impl XLnX {
    /// Counts up to 2^16 come from the table.
    const MAX_TABLE: u64 = 1 << 16;

    fn new(largest: u64) -> XLnX {
        XLnX {
            table: (0..=largest.min(Self::MAX_TABLE))
                .map(fixed_x_ln_x)
                .collect(),
        }
    }

    #[inline]
    fn get(&self, k: u64) -> i128 {
        match self.table.get(k as usize) {
            Some(&v) => v,
            None => fixed_x_ln_x(k),
        }
    }
}

/// Scratch space of one worker.
pub(super) struct Scratch {
    remaining: Vec<u64>,
    labels: Vec<u32>,
    counts: Vec<u64>,
    used: Vec<u64>,
}

/// The plug-in or Miller–Madow (conditional) MI of tables with the observed margins, by the
/// fixed-margin formula of the module documentation:
/// `I = (Σ_cells k ln k − C) / n` with `C = Σ_strata (Σ a ln a + Σ b ln b − m ln m)`, every
/// `k ln k` in exact fixed point (52 fractional bits).
pub(super) struct FixedMargins<'a> {
    /// The strata whose tables are drawn (the others are fixed by their margins).
    drawn: Vec<&'a Stratum>,
    xlnx: XLnX,
    ln_factorials: Option<LnFactorials>,
    /// `C`, and the cells' part and occupied cells of the fixed strata.
    margins: i128,
    fixed: i128,
    fixed_occupied: u64,
    /// Occupied cells of XZ, YZ and Z (for Miller–Madow).
    occupied_xz: u64,
    occupied_yz: u64,
    occupied_z: u64,
    n: f64,
    estimator: Estimator,
}

impl<'a> FixedMargins<'a> {
    fn new(strata: &'a [Stratum], n: u64, estimator: Estimator, n_permutations: usize) -> Self {
        let largest_cell = strata
            .iter()
            .map(|s| {
                let row = s.rows.last().copied().unwrap_or(0);
                row.min(s.columns.last().copied().unwrap_or(0))
            })
            .max()
            .unwrap_or(0);
        let xlnx = XLnX::new(largest_cell);
        let mut margins: i128 = 0;
        let (mut fixed, mut fixed_occupied) = (0i128, 0u64);
        let (mut occupied_xz, mut occupied_yz) = (0u64, 0u64);
        for s in strata {
            margins += s.rows.iter().map(|&a| fixed_x_ln_x(a)).sum::<i128>();
            margins += s.columns.iter().map(|&b| fixed_x_ln_x(b)).sum::<i128>();
            margins -= fixed_x_ln_x(s.n);
            occupied_xz += s.rows.len() as u64;
            occupied_yz += s.columns.len() as u64;
            if s.draw == Draw::Fixed {
                fixed += s.cells.iter().map(|&(_, _, k)| xlnx.get(k)).sum::<i128>();
                fixed_occupied += s.cells.len() as u64;
            }
        }
        let drawn: Vec<&Stratum> = strata.iter().filter(|s| s.draw != Draw::Fixed).collect();
        // The ln k! table pays off when the draws outnumber its entries.
        let table_strata = drawn.iter().filter(|s| s.draw == Draw::Table);
        let draws: f64 = table_strata
            .clone()
            .map(|s| (s.rows.len() - 1) as f64 * (s.columns.len() - 1) as f64)
            .sum();
        let largest_population = table_strata.map(|s| s.n).max().unwrap_or(0);
        // An entry costs about as much to compute as 1/8 of the time it saves a draw.
        let ln_factorials = (largest_population <= LnFactorials::MAX
            && 8.0 * n_permutations as f64 * draws >= largest_population as f64)
            .then(|| LnFactorials::new(largest_population));
        FixedMargins {
            drawn,
            xlnx,
            ln_factorials,
            margins,
            fixed,
            fixed_occupied,
            occupied_xz,
            occupied_yz,
            occupied_z: strata.len() as u64,
            n: n as f64,
            estimator,
        }
    }

    /// The estimate of a table whose cells add up to `cells` (fixed point) in `occupied` cells.
    fn value(&self, cells: i128, occupied: u64) -> f64 {
        let plugin = (cells - self.margins) as f64 / SCALE / self.n;
        let estimate = if self.estimator == Estimator::MillerMadow {
            let correction = self.occupied_xz as f64 + self.occupied_yz as f64
                - occupied as f64
                - self.occupied_z as f64;
            plugin + correction / (2.0 * self.n)
        } else {
            plugin
        };
        estimate.max(0.0)
    }

    /// The estimate of the observed tables.
    fn observed(&self, strata: &[Stratum]) -> f64 {
        let cells = strata
            .iter()
            .flat_map(|s| s.cells.iter().map(|&(_, _, k)| self.xlnx.get(k)))
            .sum();
        let occupied = strata.iter().map(|s| s.cells.len() as u64).sum();
        self.value(cells, occupied)
    }

    fn scratch(&self) -> Scratch {
        let widest = self
            .drawn
            .iter()
            .map(|s| s.columns.len())
            .max()
            .unwrap_or(0);
        let longest = self
            .drawn
            .iter()
            .filter(|s| s.draw == Draw::Shuffle)
            .map(|s| s.n as usize)
            .max()
            .unwrap_or(0);
        Scratch {
            remaining: Vec::with_capacity(widest),
            labels: Vec::with_capacity(longest),
            counts: vec![0; widest],
            used: vec![0; widest],
        }
    }

    /// The estimate of one set of random tables drawn from `rng`.
    fn draw(&self, rng: &mut Rng, scratch: &mut Scratch) -> f64 {
        let (mut cells, mut occupied) = (self.fixed, self.fixed_occupied);
        let mut cell = |k: u64| {
            cells += self.xlnx.get(k);
            occupied += 1;
        };
        for s in &self.drawn {
            if s.draw == Draw::Table {
                super::tables::patefield(
                    rng,
                    &s.rows,
                    &s.columns,
                    s.n,
                    self.ln_factorials.as_ref(),
                    &mut scratch.remaining,
                    &mut cell,
                );
            } else {
                super::tables::shuffled(
                    rng,
                    &s.rows,
                    &s.columns,
                    &mut scratch.labels,
                    &mut scratch.counts,
                    &mut scratch.used,
                    &mut cell,
                );
            }
        }
        self.value(cells, occupied)
    }
}

/// Statistic and null distribution of the plug-in or Miller–Madow estimate ([`FixedMargins`]).
pub(super) fn fixed_margin_null(
    strata: &[Stratum],
    n: u64,
    n_permutations: usize,
    seed: u64,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Result<(f64, Vec<f64>)> {
    let statistic = FixedMargins::new(strata, n, estimator, n_permutations);
    let null: Vec<f64> = (0..n_permutations)
        .into_par_iter()
        .with_max_len(16)
        .map_init(
            || statistic.scratch(),
            |scratch, index| {
                if interrupt.load(Ordering::Relaxed) {
                    return f64::NAN;
                }
                statistic.draw(&mut Rng::stream(seed, index as u64), scratch)
            },
        )
        .collect();
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok((statistic.observed(strata), null))
}

/// Statistic and null distribution of any other estimator: the samples are rebuilt from the
/// strata's cells (codes `(stratum, local row, local column)`), `y` is shuffled within each
/// stratum, and the estimate is computed by [`mutual_information`] or
/// [`conditional_mutual_information`] — the functions of the public API, so the statistic is the
/// estimator's own value for the data.
pub(super) fn resampled_null(
    strata: &[Stratum],
    conditional: bool,
    n_permutations: usize,
    seed: u64,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Result<(f64, Vec<f64>)> {
    let n: u64 = strata.iter().map(|s| s.n).sum();
    if u32::try_from(n).is_err() {
        return Err(Error::InvalidArgument {
            argument: "estimator".into(),
            message: format!(
                "a permutation test with estimator={:?} resamples the data, which supports at \
                 most 2^32 samples, got {n}; use estimator='plugin' or 'miller_madow'",
                estimator.name()
            ),
        });
    }
    let mut xs: Vec<u32> = Vec::with_capacity(n as usize);
    let mut ys: Vec<u32> = Vec::with_capacity(n as usize);
    let mut zs: Vec<u32> = Vec::with_capacity(n as usize);
    let mut segments = Vec::with_capacity(strata.len());
    for (z, s) in strata.iter().enumerate() {
        let start = xs.len();
        for &(r, c, k) in &s.cells {
            xs.extend(std::iter::repeat_n(r, k as usize));
            ys.extend(std::iter::repeat_n(c, k as usize));
        }
        zs.extend(std::iter::repeat_n(z as u32, s.n as usize));
        segments.push(start..xs.len());
    }
    let estimate = |y: &Vec<u32>| {
        let (lx, ly, lz) = ([Labels::from(&xs)], [Labels::from(y)], [Labels::from(&zs)]);
        if conditional {
            conditional_mutual_information(&lx, &ly, &lz, estimator)
        } else {
            mutual_information(&lx, &ly, estimator)
        }
    };
    let statistic = estimate(&ys)?;
    let null: Vec<f64> = (0..n_permutations)
        .into_par_iter()
        .with_max_len(1)
        .map_init(
            || ys.clone(),
            |shuffled, index| {
                if interrupt.load(Ordering::Relaxed) {
                    return Ok(f64::NAN);
                }
                let mut rng = Rng::stream(seed, index as u64);
                shuffled.copy_from_slice(&ys);
                for segment in &segments {
                    let part = &mut shuffled[segment.clone()];
                    for i in (1..part.len()).rev() {
                        let j = rng.below(i as u64 + 1) as usize;
                        part.swap(i, j);
                    }
                }
                estimate(shuffled)
            },
        )
        .collect::<Result<_>>()?;
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok((statistic, null))
}
