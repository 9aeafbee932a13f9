//! Is a mutual information more than noise: permutation tests and the G-test.
//!
//! # Permutation test
//! The statistic is `I(X; Y)` (or `I(X; Y | Z)`) under an [`Estimator`]. Under the null
//! hypothesis of (conditional) independence, `y` is exchangeable (within each stratum of `z`): the
//! null distribution is that of the statistic after shuffling `y` (within strata). Shuffling keeps
//! both margins of every stratum's table, and the table's law then depends on those margins only,
//! so a null value is drawn as one random table per stratum with fixed margins — by Patefield's
//! algorithm (`O(cells)`) or by shuffling (`O(samples)`), whichever is cheaper for that stratum
//! (see [`NullMethod`]); both have exactly the law of the shuffled data.
//!
//! The p-value is `(k + 1) / (N + 1)` with `N` permutations of which `k` give a value at least the
//! statistic (Phipson & Smyth 2010): never 0, and exact (valid) for any `N`.
//!
//! **Ties.** A null value counts when it is `≥ statistic − γ` with
//! `γ = 8 ε (1 + ln n) + 100 ε |statistic|` nats (`ε = 2^-52`). For the plug-in and Miller–Madow
//! estimators the statistic and every null value are computed by the same fixed-margin formula
//! `I = (Σ_cells k ln k − Σ_rows a ln a − Σ_columns b ln b + Σ_strata m ln m) / n`, whose `k ln k`
//! terms are added exactly (in 128-bit fixed point with 52 fractional bits), so tables with the
//! same cells give identical values and a null table equal to the observed one always counts;
//! `γ` only absorbs the rounding of `k ln k` itself (at most `~ε ln n` per nat), for tables whose
//! values are equal in exact arithmetic but not cell for cell (`4 ln 4 = 2 · 2 ln 2`). The
//! second term of `γ` is scipy's relative tolerance (`100 ε`) for estimators computed by other
//! formulas.
//!
//! **Reproducibility.** Permutation `i` uses its own random stream derived from `(seed, i)`
//! (`random::Rng::stream`), so the null distribution is identical for any number of threads.
//!
//! # G-test
//! `G = 2 n I(X; Y)` (plug-in, nats) `= 2 Σ O ln(O / E)`; under independence it is approximately
//! chi-squared with `(r − 1)(c − 1)` degrees of freedom, `r` and `c` the numbers of observed
//! values of `x` and `y` (every row and column of the table is non-empty, as in
//! `scipy.stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)`); the p-value
//! is `Q((r − 1)(c − 1) / 2, G / 2)`. With one row or one column (0 degrees of freedom) `G = 0`
//! and the p-value is 1, as in scipy.
//!
//! # References
//! - B. Phipson, G. K. Smyth, "Permutation p-values should never be zero", Stat. Appl. Genet.
//!   Mol. Biol. 9 (2010).
//! - W. M. Patefield, "Algorithm AS 159", Applied Statistics 30 (1981).
//! - R. R. Sokal, F. J. Rohlf, *Biometry*, 3rd ed. (1995), §17 (the G-test).

mod random;
mod tables;

use crate::numeric::special::regularized_upper_gamma;
use crate::samples::counts::{contingency, joint_counts, Contingency};
use crate::samples::estimate::{
    check_same_length, conditional_mutual_information, information_of_table, mutual_information,
};
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use random::Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use tables::LnFactorials;

crate::options::named_options! {
    /// How random tables of the null distribution are drawn.
    pub enum NullMethod("method") {
        /// Per stratum, whichever of the two is expected to be faster: Patefield for tables with few
        /// cells relative to their samples, shuffling otherwise.
        Auto = "auto",
        /// Shuffle the `y` labels of every stratum (Fisher–Yates).
        Shuffle = "shuffle",
        /// Patefield's algorithm for every stratum.
        Table = "table",
    }
}

/// The outcome of [`permutation_test`].
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationTest {
    /// The (conditional) mutual information of the data, nats.
    pub statistic: f64,
    /// `(k + 1) / (N + 1)`, `k` the null values at least the statistic (up to the tie tolerance).
    pub pvalue: f64,
    /// The statistic of each permutation, in order of permutation index.
    pub null_distribution: Vec<f64>,
}

/// The outcome of [`g_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GTest {
    /// `G = 2 n I(X; Y)`, `I` the plug-in MI in nats.
    pub statistic: f64,
    /// Observed values of `x` (rows of the table) and of `y` (columns).
    pub rows: u64,
    pub columns: u64,
    /// The chi-squared survival function of `G` with `(rows − 1)(columns − 1)` degrees of freedom.
    pub pvalue: f64,
}

/// Checks that every column of every argument has the same, positive, length.
fn check_lengths(arguments: &[(&'static str, &[Labels<'_>])]) -> Result<usize> {
    let n = arguments
        .first()
        .and_then(|(_, columns)| columns.first())
        .ok_or(Error::EmptyInput {
            argument: "x".into(),
        })?
        .len();
    for &(argument, columns) in arguments {
        // No `given` columns means no conditioning.
        if !(columns.is_empty() && argument == "given") {
            check_same_length(argument, columns, n)?;
        }
    }
    Ok(n)
}

/// The survival function of the chi-squared distribution with `dof > 0` degrees of freedom at
/// `statistic ≥ 0`: `Q(dof / 2, statistic / 2)` (see
/// [`crate::numeric::special::regularized_upper_gamma`]).
#[must_use]
pub fn chi_squared_survival(statistic: f64, dof: f64) -> f64 {
    regularized_upper_gamma(dof / 2.0, statistic / 2.0)
}

/// The G-test of independence of `x` and `y` (each one or more columns forming one variable).
pub fn g_test(x: &[Labels<'_>], y: &[Labels<'_>]) -> Result<GTest> {
    let n = check_lengths(&[("x", x), ("y", y)])?;
    let columns: Vec<Labels<'_>> = x.iter().chain(y).copied().collect();
    let table = joint_counts(&columns)?;
    let xs: Vec<usize> = (0..x.len()).collect();
    let ys: Vec<usize> = (x.len()..columns.len()).collect();
    let rows = table.marginal(&xs).occupied() as u64;
    let cols = table.marginal(&ys).occupied() as u64;
    if rows == 1 || cols == 1 {
        return Ok(GTest {
            statistic: 0.0,
            rows,
            columns: cols,
            pvalue: 1.0,
        });
    }
    let mi = information_of_table(&table, &xs, &ys, &[], Estimator::Plugin);
    let statistic = 2.0 * n as f64 * mi;
    let dof = (rows - 1) as f64 * (cols - 1) as f64;
    Ok(GTest {
        statistic,
        rows,
        columns: cols,
        pvalue: chi_squared_survival(statistic, dof),
    })
}

/// Fixed-point scale of `k ln k` terms: `k ln k ≥ 2 ln 2 > 1` for `k ≥ 2`, so its double has no
/// bits below 2^-52 and `k ln k · 2^52` is an exact integer (below 2^120 for `k < 2^62`).
const SCALE: f64 = (1u64 << 52) as f64;

/// `k ln k · 2^52` exactly as an integer (0 for `k ≤ 1`).
fn fixed_x_ln_x(k: u64) -> i128 {
    if k < 2 {
        return 0;
    }
    let x = k as f64;
    (x * x.ln() * SCALE) as i128
}

/// [`fixed_x_ln_x`] tabulated for small counts.
struct XLnX {
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

/// How the null tables of one stratum are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Draw {
    /// One row or one column: the table is fixed by its margins.
    Fixed,
    Table,
    Shuffle,
}

/// One stratum of `given` (the whole data when there is none): its margins and observed cells.
#[derive(Debug, Clone)]
struct Stratum {
    /// Row sums, ascending (so the largest row is the one Patefield and shuffling leave free).
    rows: Vec<u64>,
    /// Column sums, ascending.
    columns: Vec<u64>,
    n: u64,
    /// Non-zero cells: (local row in the order of `rows`, local column, count).
    cells: Vec<(u32, u32, u64)>,
    draw: Draw,
}

/// Largest stratum the shuffling path handles (its scratch holds one `u32` per sample: 256 MiB
/// per thread at most).
const MAX_SHUFFLE: u64 = 1 << 26;

impl Stratum {
    /// Nanoseconds, roughly, to draw one null table of this stratum by each method (measured on
    /// a 2-core x86-64 machine: a hypergeometric draw costs ~90 ns — ~50 ns for `σ < 4` by
    /// inversion plus ~8 ns per unit of `σ`, ratio-of-uniforms rejection above; shuffling costs
    /// ~4.5 ns per shuffled label and ~2 ns per counted one).
    fn costs(&self) -> (f64, f64) {
        let (r, c) = (self.rows.len() as f64, self.columns.len() as f64);
        let draws = (r - 1.0) * (c - 1.0);
        let spread = (self.n as f64 / (r * c)).sqrt().min(4.0);
        let table = draws * (60.0 + 8.0 * spread) + 2.0 * c;
        let largest = *self.rows.last().unwrap_or(&0) as f64;
        let shuffle = 4.5 * (self.n as f64 - largest) + 2.0 * self.n as f64 + 2.0 * c;
        (table, shuffle)
    }

    fn choose(&mut self, method: NullMethod) {
        self.draw = if self.rows.len() == 1 || self.columns.len() == 1 {
            Draw::Fixed
        } else if self.n > MAX_SHUFFLE || u32::try_from(self.columns.len()).is_err() {
            Draw::Table
        } else {
            match method {
                NullMethod::Table => Draw::Table,
                NullMethod::Shuffle => Draw::Shuffle,
                NullMethod::Auto => {
                    let (table, shuffle) = self.costs();
                    if table <= shuffle {
                        Draw::Table
                    } else {
                        Draw::Shuffle
                    }
                }
            }
        };
    }
}

/// Splits a contingency table of `(z…, x…)` against `y` into strata of the first `z_columns`
/// columns of its rows (rows are sorted, so a stratum's rows are consecutive).
fn strata(table: &Contingency, z_columns: usize) -> Vec<Stratum> {
    let row_count = table.x_values.first().map_or(0, Vec::len);
    let same_stratum = |r: usize| {
        table.x_values[..z_columns]
            .iter()
            .all(|keys| keys[r] == keys[r - 1])
    };
    // First row of each stratum, and an end marker.
    let mut starts: Vec<usize> = (0..row_count)
        .filter(|&r| r == 0 || !same_stratum(r))
        .collect();
    starts.push(row_count);
    let mut out = Vec::with_capacity(starts.len() - 1);
    let mut cell = 0;
    for bounds in starts.windows(2) {
        let (first_row, end_row) = (bounds[0] as u64, bounds[1] as u64);
        let begin = cell;
        while cell < table.rows.len() && table.rows[cell] < end_row {
            cell += 1;
        }
        let range = begin..cell;
        let mut row_sums = vec![0u64; (end_row - first_row) as usize];
        let mut column_ids: Vec<u64> = table.columns[range.clone()].to_vec();
        column_ids.sort_unstable();
        column_ids.dedup();
        let mut column_sums = vec![0u64; column_ids.len()];
        let mut cells = Vec::with_capacity(range.len());
        for i in range {
            let row = (table.rows[i] - first_row) as usize;
            let column = column_ids
                .binary_search(&table.columns[i])
                .expect("every column of the stratum is listed");
            row_sums[row] += table.counts[i];
            column_sums[column] += table.counts[i];
            cells.push((row, column, table.counts[i]));
        }
        // Ascending sums: rename rows and columns by rank.
        let rank = |sums: &[u64]| -> (Vec<u64>, Vec<u32>) {
            let mut order: Vec<usize> = (0..sums.len()).collect();
            order.sort_by_key(|&i| (sums[i], i));
            let mut position = vec![0u32; sums.len()];
            for (p, &i) in order.iter().enumerate() {
                position[i] = p as u32;
            }
            (order.iter().map(|&i| sums[i]).collect(), position)
        };
        let (rows, row_position) = rank(&row_sums);
        let (columns, column_position) = rank(&column_sums);
        let n = rows.iter().sum();
        out.push(Stratum {
            rows,
            columns,
            n,
            cells: cells
                .into_iter()
                .map(|(r, c, k)| (row_position[r], column_position[c], k))
                .collect(),
            draw: Draw::Fixed,
        });
    }
    out
}

/// The contingency table of `(given…, x…)` against `y`, split into strata of `given`.
fn observed_strata(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    given: &[Labels<'_>],
) -> Result<(Vec<Stratum>, u64)> {
    let n = check_lengths(&[("x", x), ("y", y), ("given", given)])?;
    let rows: Vec<Labels<'_>> = given.iter().chain(x).copied().collect();
    let table = contingency(&rows, y)?;
    Ok((strata(&table, given.len()), n as u64))
}

/// The tie tolerance `γ` of the module documentation.
fn tie_tolerance(statistic: f64, n: u64) -> f64 {
    8.0 * f64::EPSILON * (1.0 + (n as f64).ln()) + 100.0 * f64::EPSILON * statistic.abs()
}

/// The permutation test of `I(X; Y)` (or `I(X; Y | given)` when `given` has columns), with
/// `n_permutations ≥ 1` null values drawn from the random streams of `seed`; `interrupt` is
/// polled between permutations.
#[allow(clippy::too_many_arguments)]
pub fn permutation_test(
    x: &[Labels<'_>],
    y: &[Labels<'_>],
    given: &[Labels<'_>],
    n_permutations: usize,
    seed: u64,
    estimator: Estimator,
    method: NullMethod,
    interrupt: &AtomicBool,
) -> Result<PermutationTest> {
    if n_permutations == 0 {
        return Err(Error::InvalidArgument {
            argument: "n_permutations".into(),
            message: "at least one permutation is needed".into(),
        });
    }
    let (mut strata, n) = observed_strata(x, y, given)?;
    for s in &mut strata {
        s.choose(method);
    }
    let (statistic, null_distribution) =
        if estimator == Estimator::Plugin || estimator == Estimator::MillerMadow {
            fixed_margin_null(&strata, n, n_permutations, seed, estimator, interrupt)?
        } else {
            resampled_null(
                &strata,
                !given.is_empty(),
                n_permutations,
                seed,
                estimator,
                interrupt,
            )?
        };
    let threshold = statistic - tie_tolerance(statistic, n);
    let at_least = null_distribution
        .iter()
        .filter(|&&v| v >= threshold)
        .count();
    Ok(PermutationTest {
        statistic,
        pvalue: (at_least + 1) as f64 / (n_permutations + 1) as f64,
        null_distribution,
    })
}

/// Scratch space of one worker.
struct Scratch {
    remaining: Vec<u64>,
    labels: Vec<u32>,
    counts: Vec<u64>,
    used: Vec<u64>,
}

/// The plug-in or Miller–Madow (conditional) MI of tables with the observed margins, by the
/// fixed-margin formula of the module documentation:
/// `I = (Σ_cells k ln k − C) / n` with `C = Σ_strata (Σ a ln a + Σ b ln b − m ln m)`, every
/// `k ln k` in exact fixed point (52 fractional bits).
struct FixedMargins<'a> {
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
                tables::patefield(
                    rng,
                    &s.rows,
                    &s.columns,
                    s.n,
                    self.ln_factorials.as_ref(),
                    &mut scratch.remaining,
                    &mut cell,
                );
            } else {
                tables::shuffled(
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
fn fixed_margin_null(
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
fn resampled_null(
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

#[cfg(test)]
#[allow(clippy::float_cmp)] // bit-identical null distributions are the point of several tests
mod tests {
    use super::*;

    fn data(n: usize, seed: u64, dependent: bool) -> (Vec<u8>, Vec<u16>, Vec<u8>) {
        let mut rng = Rng::stream(seed, 0);
        let x: Vec<u8> = (0..n).map(|_| rng.below(5) as u8).collect();
        let y: Vec<u16> = x
            .iter()
            .map(|&v| {
                if dependent && rng.below(3) == 0 {
                    u16::from(v)
                } else {
                    rng.below(4) as u16 + 10
                }
            })
            .collect();
        let z: Vec<u8> = (0..n).map(|_| rng.below(3) as u8).collect();
        (x, y, z)
    }

    fn run(
        x: &[u8],
        y: &[u16],
        z: Option<&[u8]>,
        estimator: Estimator,
        method: NullMethod,
    ) -> PermutationTest {
        let never = AtomicBool::new(false);
        let given: Vec<Labels<'_>> = z.into_iter().map(Labels::U8).collect();
        permutation_test(
            &[Labels::U8(x)],
            &[Labels::U16(y)],
            &given,
            200,
            42,
            estimator,
            method,
            &never,
        )
        .unwrap()
    }

    #[test]
    fn statistic_is_the_estimate_of_the_api() {
        let (x, y, z) = data(3000, 1, true);
        for estimator in [Estimator::Plugin, Estimator::MillerMadow] {
            let t = run(&x, &y, None, estimator, NullMethod::Auto);
            let mi =
                mutual_information(&[Labels::from(&x)], &[Labels::from(&y)], estimator).unwrap();
            assert!(
                (t.statistic - mi).abs() <= 1e-14 * mi.max(1.0),
                "{} vs {mi}",
                t.statistic
            );
            let t = run(&x, &y, Some(&z), estimator, NullMethod::Auto);
            let cmi = conditional_mutual_information(
                &[Labels::from(&x)],
                &[Labels::from(&y)],
                &[Labels::from(&z)],
                estimator,
            )
            .unwrap();
            assert!((t.statistic - cmi).abs() <= 1e-14 * cmi.max(1.0));
        }
    }

    #[test]
    fn generic_path_agrees_with_the_fixed_margin_formula() {
        let (x, y, z) = data(600, 2, false);
        let never = AtomicBool::new(false);
        for given in [vec![], vec![Labels::from(&z)]] {
            let (mut strata, n) =
                observed_strata(&[Labels::from(&x)], &[Labels::from(&y)], &given).unwrap();
            for s in &mut strata {
                s.choose(NullMethod::Auto);
            }
            for estimator in [Estimator::Plugin, Estimator::MillerMadow] {
                let (fast, _) = fixed_margin_null(&strata, n, 5, 1, estimator, &never).unwrap();
                let (slow, null) =
                    resampled_null(&strata, !given.is_empty(), 50, 1, estimator, &never).unwrap();
                assert!((fast - slow).abs() < 1e-14, "{fast} vs {slow}");
                assert!(null.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
        }
    }

    #[test]
    fn dependent_data_is_significant_and_pvalues_are_valid() {
        let (x, y, z) = data(2000, 3, true);
        let t = run(&x, &y, None, Estimator::Plugin, NullMethod::Auto);
        assert_eq!(t.pvalue, 1.0 / 201.0);
        let t = run(&x, &y, Some(&z), Estimator::Plugin, NullMethod::Auto);
        assert_eq!(t.pvalue, 1.0 / 201.0);
        let (x, y, _) = data(2000, 4, false);
        let t = run(&x, &y, None, Estimator::Plugin, NullMethod::Auto);
        assert!(t.pvalue > 0.001);
        assert_eq!(t.null_distribution.len(), 200);
    }

    #[test]
    fn methods_agree_in_law_and_each_is_reproducible() {
        let (x, y, z) = data(400, 5, false);
        for given in [None, Some(z.as_slice())] {
            let a = run(&x, &y, given, Estimator::Plugin, NullMethod::Table);
            let b = run(&x, &y, given, Estimator::Plugin, NullMethod::Shuffle);
            assert_eq!(a.statistic, b.statistic);
            let again = run(&x, &y, given, Estimator::Plugin, NullMethod::Table);
            assert_eq!(a, again);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (mean(&a.null_distribution), mean(&b.null_distribution));
            assert!((ma - mb).abs() < 0.25 * ma, "{ma} vs {mb}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (x, y, z) = data(5000, 6, false);
        let reference = run(&x, &y, Some(&z), Estimator::MillerMadow, NullMethod::Auto);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let other =
                pool.install(|| run(&x, &y, Some(&z), Estimator::MillerMadow, NullMethod::Auto));
            assert_eq!(reference, other);
        }
    }

    #[test]
    fn g_test_matches_the_chi_squared_law() {
        let (x, y, _) = data(1000, 7, true);
        let g = g_test(&[Labels::from(&x)], &[Labels::from(&y)]).unwrap();
        let mi = mutual_information(&[Labels::from(&x)], &[Labels::from(&y)], Estimator::Plugin)
            .unwrap();
        assert_eq!(g.statistic, 2000.0 * mi);
        assert_eq!((g.rows, g.columns), (5, 9));
        assert!(g.pvalue < 1e-10);
        let constant = vec![1u16; 1000];
        let g = g_test(&[Labels::from(&x)], &[Labels::from(&constant)]).unwrap();
        assert_eq!((g.statistic, g.pvalue), (0.0, 1.0));
        // Two degrees of freedom: Q(1, s/2) = exp(−s/2).
        assert!((chi_squared_survival(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-16);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let (x, y, _) = data(10, 8, false);
        let never = AtomicBool::new(false);
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y[..5])],
            &[],
            10,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &never,
        )
        .unwrap_err();
        assert!(matches!(err, Error::LengthMismatch { ref argument, .. } if argument == "y"));
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y)],
            &[],
            0,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &never,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidArgument { argument, .. } if argument == "n_permutations"
        ));
        let stop = AtomicBool::new(true);
        let err = permutation_test(
            &[Labels::from(&x)],
            &[Labels::from(&y)],
            &[],
            10,
            0,
            Estimator::Plugin,
            NullMethod::Auto,
            &stop,
        )
        .unwrap_err();
        assert_eq!(err, Error::Interrupted);
        assert!("exact".parse::<NullMethod>().is_err());
    }
}
