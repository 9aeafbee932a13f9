//! Random contingency tables with fixed margins: the law of the table of `x` against a uniformly
//! shuffled `y` (Fisher–Yates, `O(n)` per table) or, equivalently, Patefield's algorithm AS 159
//! (`O(rows × columns)` hypergeometric draws per table, each by inversion from the mode or by
//! Stadlober's ratio-of-uniforms rejection).
//!
//! Both produce the same law: shuffling `y` makes every arrangement of the multiset of `y` labels
//! equally likely, and the table of such an arrangement has the multiple hypergeometric law
//! `Π_i a_i! Π_j b_j! / (n! Π_ij n_ij!)`; Patefield draws exactly that law row by row, each row as
//! a sequence of hypergeometric draws given the column totals left.
//!
//! Cells are reported to a callback (`count > 0` only), so no table is ever stored.
//!
//! # References
//! - W. M. Patefield, "Algorithm AS 159: An efficient method of generating random R × C tables
//!   with given row and column totals", Applied Statistics 30 (1981).
//! - E. Stadlober, "The ratio of uniforms approach for generating discrete random variates",
//!   J. Comput. Appl. Math. 31 (1990).

use super::random::Rng;
use crate::numeric::special::{
    hypergeometric_pmf, hypergeometric_support, ln_factorial, ln_hypergeometric_pmf,
};
use rayon::prelude::*;

/// `ln k!` for `k ≤ n`, tabulated (from [`ln_factorial`], about 1 ulp each) when many
/// hypergeometric draws share populations of at most `n`: the probability of the mode is then
/// nine table reads and one `exp` instead of Loader's formula.
pub struct LnFactorials(Vec<f64>);

impl LnFactorials {
    /// Largest population tabulated (32 MiB).
    pub const MAX: u64 = 1 << 22;

    /// The table up to `min(n, MAX)`, computed in parallel.
    #[must_use]
    pub fn new(n: u64) -> LnFactorials {
        LnFactorials(
            (0..=n.min(Self::MAX))
                .into_par_iter()
                .map(ln_factorial)
                .collect(),
        )
    }
}

/// `P(mode)`, slightly *under*estimated: it is multiplied by `e^{−B}`, `B` a bound on its
/// relative error, so the computed probabilities of the whole support sum to less than 1 and the
/// restart in [`hypergeometric`] makes the law exactly that of the computed ratios, whatever the
/// error of `P(mode)` itself.
fn mode_probability(
    mode: u64,
    population: u64,
    successes: u64,
    draws: u64,
    ln_factorials: Option<&LnFactorials>,
) -> f64 {
    match ln_factorials {
        Some(LnFactorials(f)) if (population as usize) < f.len() => {
            let at = |k: u64| f[k as usize];
            let ln_p =
                at(successes) + at(population - successes) + at(draws) + at(population - draws)
                    - at(population)
                    - at(mode)
                    - at(successes - mode)
                    - at(draws - mode)
                    - at(population + mode - successes - draws);
            // Nine terms of at most ln N! each, each within 2 ulps, and eight additions.
            let bound = 128.0 * f64::EPSILON * at(population);
            (ln_p - bound).exp()
        }
        _ => {
            // Loader's formula is accurate to a few ulps.
            hypergeometric_pmf(mode, population, successes, draws) * (1.0 - 4096.0 * f64::EPSILON)
        }
    }
}

/// Variance above which [`hypergeometric`] uses ratio-of-uniforms rejection (`O(1)` per draw)
/// rather than inversion from the mode (`O(σ)` per draw); measured crossover.
const REJECTION_VARIANCE: f64 = 16.0;

/// A draw from the hypergeometric law (`draws` from `population` of which `successes` are
/// marked): by inversion from the mode when the standard deviation `σ` is small
/// ([`inversion`]), by Stadlober's ratio-of-uniforms rejection otherwise ([`rejection`]).
/// Both are exact in law up to the accuracy of Loader's probabilities (~1e-15).
pub fn hypergeometric(
    rng: &mut Rng,
    population: u64,
    successes: u64,
    draws: u64,
    ln_factorials: Option<&LnFactorials>,
) -> u64 {
    let (lo, hi) = hypergeometric_support(population, successes, draws);
    if lo == hi {
        return lo;
    }
    let nf = population as f64;
    let variance = draws as f64
        * (successes as f64 / nf)
        * ((population - successes) as f64 / nf)
        * ((population - draws) as f64 / (nf - 1.0));
    if variance >= REJECTION_VARIANCE {
        rejection(rng, population, successes, draws, variance, ln_factorials)
    } else {
        inversion(rng, population, successes, draws, (lo, hi), ln_factorials)
    }
}

/// Inversion from the mode: the search alternates one step up and one step down (each
/// probability from the previous by the exact ratio of consecutive terms) until the accumulated
/// mass exceeds a uniform number `u`. Expected cost `O(1 + σ)`.
///
/// `P(mode)` is slightly underestimated (see [`mode_probability`]), so the computed masses sum
/// to `c < 1`; when `u ≥ c` the draw restarts with `u` uniform on `[0, c)`. The law is then
/// exactly the computed probabilities normalised: `p_k + (1 − c) p_k / c = p_k / c`.
fn inversion(
    rng: &mut Rng,
    population: u64,
    successes: u64,
    draws: u64,
    (lo, hi): (u64, u64),
    ln_factorials: Option<&LnFactorials>,
) -> u64 {
    let mode = ((u128::from(draws) + 1) * (u128::from(successes) + 1)
        / (u128::from(population) + 2)) as u64;
    let mode = mode.clamp(lo, hi);
    let p_mode = mode_probability(mode, population, successes, draws, ln_factorials);
    // population − successes − draws, exactly (≥ −k on the support).
    let rest = (i128::from(population) - i128::from(successes) - i128::from(draws)) as f64;
    let (marked, drawn) = (successes as f64, draws as f64);
    let mut u = rng.uniform();
    loop {
        let mut mass = p_mode;
        if u < mass {
            return mode;
        }
        let (mut above, mut p_above) = (mode, p_mode);
        let (mut below, mut p_below) = (mode, p_mode);
        let (mut rising, mut falling) = (above < hi, below > lo);
        while rising || falling {
            if rising {
                let k = above as f64;
                p_above *= ((marked - k) * (drawn - k)) / ((k + 1.0) * (rest + k + 1.0));
                above += 1;
                mass += p_above;
                if u < mass {
                    return above;
                }
                rising = above < hi && p_above > 0.0;
            }
            if falling {
                let k = below as f64;
                p_below *= (k * (rest + k)) / ((marked - k + 1.0) * (drawn - k + 1.0));
                below -= 1;
                mass += p_below;
                if u < mass {
                    return below;
                }
                falling = below > lo && p_below > 0.0;
            }
        }
        u = mass * rng.uniform();
    }
}

/// `2 √(2/e)` and `3 − 2 √(3/e)`: Stadlober's table-mountain hat constants.
const D1: f64 = 1.715_527_769_921_413_5;
const D2: f64 = 0.898_916_162_058_898_8;

/// Stadlober's ratio-of-uniforms rejection ("HRUA", as in numpy): reduce to `X ~ H(N, M, n)`
/// with `M = min(K, N − K)`, `n = min(draws, N − draws)` (support `0..=min(n, M)`), propose
/// `k = ⌊a + h (V − ½) / U⌋` with `a = μ + ½`, `h = D1 √(σ² + ½) + D2`, and accept when
/// `2 ln U ≤ T = ln(f(k) / f(mode))`. Expected iterations about 1.3, each a few table reads.
///
/// `T` comes from log-factorials (the table, or [`ln_factorial`] beyond it) with an error bound
/// `δ` (`~n ln n · ε`); when `2 ln U` lies within `δ` of it the decision is taken on `T` from
/// Loader's formula, so acceptance is decided to its accuracy (~1e-15), not the table's.
fn rejection(
    rng: &mut Rng,
    population: u64,
    successes: u64,
    draws: u64,
    variance: f64,
    ln_factorials: Option<&LnFactorials>,
) -> u64 {
    let marked = successes.min(population - successes);
    let sample = draws.min(population - draws);
    let top = sample.min(marked);
    let mean = sample as f64 * (marked as f64 / population as f64);
    let a = mean + 0.5;
    let h = D1 * (variance + 0.5).sqrt() + D2;
    let mode =
        ((u128::from(sample) + 1) * (u128::from(marked) + 1) / (u128::from(population) + 2)) as u64;
    let mode = mode.min(top);
    let exact = |k: u64| ln_hypergeometric_pmf(k, population, marked, sample);
    // ln f(k) + constant = −ln(k! (M − k)! (n − k)! (N − M − n + k)!), from the table or
    // from ln_factorial (both within 2 ulps a term), and a bound on its error.
    let table = ln_factorials
        .map(|LnFactorials(f)| f)
        .filter(|f| (population as usize) < f.len());
    let weight = |k: u64| -> (f64, f64) {
        let terms = [k, marked - k, sample - k, population - marked - sample + k];
        let w = -match table {
            Some(f) => terms.iter().map(|&t| f[t as usize]).sum::<f64>(),
            None => terms.iter().map(|&t| ln_factorial(t)).sum::<f64>(),
        };
        (w, 16.0 * f64::EPSILON * w.abs())
    };
    let (at_mode, mode_error) = weight(mode);
    let mut exact_mode = None;
    let k = loop {
        let u = rng.uniform();
        let v = rng.uniform();
        if u == 0.0 {
            continue;
        }
        let x = a + h * (v - 0.5) / u;
        if !(0.0..(top + 1) as f64).contains(&x) {
            continue;
        }
        let k = x as u64;
        let (w, error) = weight(k);
        let t = w - at_mode;
        let delta = error + mode_error;
        if u * (4.0 - u) - 3.0 <= t - delta {
            break k; // 2 ln U ≤ U (4 − U) − 3 ≤ T
        }
        if u * (u - (t + delta)) >= 1.0 {
            continue; // T ≤ U − 1/U < 2 ln U
        }
        let s = 2.0 * u.ln();
        if s <= t - delta {
            break k;
        }
        if s > t + delta {
            continue;
        }
        let t = exact(k) - *exact_mode.get_or_insert_with(|| exact(mode));
        if s <= t {
            break k;
        }
    };
    // Undo the reductions: X counted the rarer kind, and the smaller of draws and non-draws.
    let k = if successes > population - successes {
        sample - k
    } else {
        k
    };
    if sample < draws {
        successes - k
    } else {
        k
    }
}

/// Patefield's algorithm: a random table with row sums `rows` and column sums `columns` (both
/// summing to `n`, no zeros), reported cell by cell to `cell(count)` for non-zero counts.
/// `remaining` is scratch space; `ln_factorials`, if given, speeds up the hypergeometric draws.
///
/// Row `l` (all but the last) is drawn column by column: its count in column `m` is hypergeometric
/// — the row's items left, drawn from the items of columns `m..` left, of which column `m` holds
/// `remaining[m]`. The last column of a row and the last row take what is left.
pub fn patefield(
    rng: &mut Rng,
    rows: &[u64],
    columns: &[u64],
    n: u64,
    ln_factorials: Option<&LnFactorials>,
    remaining: &mut Vec<u64>,
    mut cell: impl FnMut(u64),
) {
    remaining.clear();
    remaining.extend_from_slice(columns);
    let (last_column, head) = remaining
        .split_last_mut()
        .expect("a stratum has at least one column");
    let mut rows_left = n;
    for &row in &rows[..rows.len() - 1] {
        let mut left = row;
        let mut pool = rows_left;
        for column in head.iter_mut() {
            if left == 0 {
                break;
            }
            let total = *column;
            let k = hypergeometric(rng, pool, total, left, ln_factorials);
            if k != 0 {
                cell(k);
                left -= k;
                *column -= k;
            }
            pool -= total;
        }
        if left != 0 {
            cell(left);
            *last_column -= left;
        }
        rows_left -= row;
    }
    for &k in remaining.iter() {
        if k != 0 {
            cell(k);
        }
    }
}

/// Shuffling: the table of the rows (consecutive segments of sizes `rows`) against a uniform
/// random arrangement of `columns[j]` copies of each column `j`, reported cell by cell to
/// `cell(count)`. Only the first `n − rows[last]` positions are shuffled (a partial Fisher–Yates
/// draw); the last row's cells are what the other rows leave.
///
/// Scratch: `labels` (`n` entries), `counts` and `used` (one per column, all zero on entry and on
/// return).
pub fn shuffled(
    rng: &mut Rng,
    rows: &[u64],
    columns: &[u64],
    labels: &mut Vec<u32>,
    counts: &mut [u64],
    used: &mut [u64],
    mut cell: impl FnMut(u64),
) {
    labels.clear();
    for (j, &c) in columns.iter().enumerate() {
        labels.extend(std::iter::repeat_n(j as u32, c as usize));
    }
    let n = labels.len();
    let (last, head) = rows.split_last().expect("a stratum has at least one row");
    let shuffled = n - *last as usize;
    for i in 0..shuffled {
        let j = i + rng.below((n - i) as u64) as usize;
        labels.swap(i, j);
    }
    let mut start = 0;
    for &row in head {
        let segment = &labels[start..start + row as usize];
        for &label in segment {
            counts[label as usize] += 1;
        }
        for &label in segment {
            let k = std::mem::take(&mut counts[label as usize]);
            if k != 0 {
                cell(k);
                used[label as usize] += k;
            }
        }
        start += row as usize;
    }
    for (&c, u) in columns.iter().zip(used.iter_mut()) {
        let k = c - std::mem::take(u);
        if k != 0 {
            cell(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Frequencies of the tables drawn, each recorded as the sorted multiset of its non-zero
    /// cells (what the MI depends on once the margins are fixed).
    fn draw_tables(
        method: &str,
        rows: &[u64],
        columns: &[u64],
        draws: u64,
    ) -> BTreeMap<Vec<u64>, u64> {
        let n: u64 = rows.iter().sum();
        let mut freq = BTreeMap::new();
        let mut remaining = Vec::new();
        let mut labels = Vec::new();
        let mut counts = vec![0u64; columns.len()];
        let mut used = vec![0u64; columns.len()];
        let factorials = LnFactorials::new(n);
        for i in 0..draws {
            let mut rng = Rng::stream(99, i);
            let mut cells = Vec::new();
            match method {
                "table" => patefield(&mut rng, rows, columns, n, None, &mut remaining, |k| {
                    cells.push(k);
                }),
                "table with factorials" => patefield(
                    &mut rng,
                    rows,
                    columns,
                    n,
                    Some(&factorials),
                    &mut remaining,
                    |k| cells.push(k),
                ),
                _ => shuffled(
                    &mut rng,
                    rows,
                    columns,
                    &mut labels,
                    &mut counts,
                    &mut used,
                    |k| cells.push(k),
                ),
            }
            assert_eq!(cells.iter().sum::<u64>(), n);
            cells.sort_unstable();
            *freq.entry(cells).or_insert(0) += 1;
        }
        freq
    }

    #[test]
    fn hypergeometric_draws_follow_the_law() {
        let (population, successes, draws) = (30u64, 12u64, 10u64);
        let factorials = LnFactorials::new(population);
        for table in [None, Some(&factorials)] {
            let (lo, hi) = hypergeometric_support(population, successes, draws);
            let mut counts = vec![0u64; (hi + 1) as usize];
            let trials = 200_000u64;
            for i in 0..trials {
                let mut rng = Rng::stream(5, i);
                let k = hypergeometric(&mut rng, population, successes, draws, table);
                counts[k as usize] += 1;
            }
            let mut chi2 = 0.0;
            for k in lo..=hi {
                let expected = trials as f64 * hypergeometric_pmf(k, population, successes, draws);
                let observed = counts[k as usize] as f64;
                chi2 += (observed - expected).powi(2) / expected;
            }
            // 10 degrees of freedom: the 0.999 quantile is 29.6.
            assert!(chi2 < 29.6, "chi2 = {chi2}, counts {counts:?}");
        }
    }

    /// Chi-squared statistic of `trials` draws against the exact law, over values with an
    /// expected count of at least 5 (the rest pooled), and its degrees of freedom.
    fn chi_squared(
        population: u64,
        successes: u64,
        draws: u64,
        trials: u64,
        table: Option<&LnFactorials>,
    ) -> (f64, f64) {
        let (lo, hi) = hypergeometric_support(population, successes, draws);
        let mut counts = std::collections::HashMap::new();
        for i in 0..trials {
            let mut rng = Rng::stream(population ^ successes ^ draws, i);
            let k = hypergeometric(&mut rng, population, successes, draws, table);
            assert!((lo..=hi).contains(&k));
            *counts.entry(k).or_insert(0u64) += 1;
        }
        let (mut chi2, mut bins) = (0.0, 0.0);
        let (mut pooled_expected, mut pooled_observed) = (0.0, 0.0);
        for k in lo..=hi {
            let expected = trials as f64 * hypergeometric_pmf(k, population, successes, draws);
            let observed = *counts.get(&k).unwrap_or(&0) as f64;
            if expected >= 5.0 {
                chi2 += (observed - expected).powi(2) / expected;
                bins += 1.0;
            } else {
                pooled_expected += expected;
                pooled_observed += observed;
            }
        }
        if pooled_expected > 0.0 {
            chi2 += (pooled_observed - pooled_expected).powi(2) / pooled_expected.max(1.0);
            bins += 1.0;
        }
        (chi2, bins - 1.0)
    }

    #[test]
    fn rejection_draws_follow_the_law() {
        // σ from 4 to 40, every reduction (rare kind marked or not, more or fewer than half
        // drawn), with the ln k! table and with Loader's formula (populations beyond the table).
        let cases = [
            (2_000u64, 600u64, 150u64),
            (2_000, 1_400, 150),
            (2_000, 600, 1_850),
            (2_000, 1_400, 1_850),
            (1_000_000, 300_000, 8_000),
            (10_000_000, 5_000_000, 100),
        ];
        for (population, successes, draws) in cases {
            let factorials = LnFactorials::new(population);
            for table in [None, Some(&factorials)] {
                let (chi2, dof) = chi_squared(population, successes, draws, 100_000, table);
                // Mean dof, sd √(2 dof): 5 standard deviations above.
                assert!(
                    chi2 < dof + 5.0 * (2.0 * dof).sqrt(),
                    "{population} {successes} {draws}: chi2 = {chi2} on {dof}"
                );
            }
        }
    }

    #[test]
    fn two_point_supports_are_fair() {
        let mut rng = Rng::stream(11, 0);
        let mut ones = 0u32;
        for _ in 0..100_000 {
            ones += u32::from(hypergeometric(&mut rng, 2, 1, 1, None) == 1);
        }
        assert!((49_000..51_000).contains(&ones), "{ones}");
    }

    #[test]
    fn both_methods_keep_the_margins_and_agree_in_law() {
        let rows = [3u64, 4, 5];
        let columns = [2u64, 4, 6];
        let draws = 40_000;
        let shuffled = draw_tables("shuffle", &rows, &columns, draws);
        for method in ["table", "table with factorials"] {
            let drawn = draw_tables(method, &rows, &columns, draws);
            // Two-sample chi-squared over the cell multisets seen at least 20 times in total.
            let keys: BTreeSet<&Vec<u64>> = drawn.keys().chain(shuffled.keys()).collect();
            let (mut chi2, mut bins) = (0.0, 0u32);
            for key in keys {
                let x = *drawn.get(key).unwrap_or(&0) as f64;
                let y = *shuffled.get(key).unwrap_or(&0) as f64;
                if x + y >= 20.0 {
                    chi2 += (x - y).powi(2) / (x + y);
                    bins += 1;
                }
            }
            assert!(bins > 10, "{bins}");
            let dof = f64::from(bins - 1);
            // Mean dof, sd √(2 dof): 5 standard deviations above.
            assert!(
                chi2 < dof + 5.0 * (2.0 * dof).sqrt(),
                "{method}: chi2 = {chi2} on {dof} dof"
            );
        }
    }
}
