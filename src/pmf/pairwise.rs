//! Pairwise matrices between two sets of distributions, and the `k` nearest rows without the matrix.
//!
//! # Formulations
//! - **GEMM metrics.** `KL(p_i ‖ q_j) = CE_ij − H_i` with `CE = −P · (ln Q)ᵀ`; cross-entropy is `CE`;
//!   Jeffreys is `CE_ij + CE'_ji − H_i − H_j`; Hellinger and Bhattacharyya come from the Bhattacharyya
//!   coefficient `BC = √P · √Qᵀ`. The products run through the `gemm` crate (runtime-dispatched
//!   AVX-512 / AVX2 kernels), one sequential product per row block so the result does not depend on
//!   the thread count.
//! - **Direct metrics.** Jensen–Shannon as `½(Σ p ln p + Σ q ln q − Σ s ln s) + ½ ln 2 · Σ s` with
//!   `s = p + q` (one vectorised logarithm per element, [`crate::runtime::simd`]), total variation as
//!   `½ Σ |p − q|`.
//!
//! # Accuracy
//! The fast forms subtract large, nearly equal numbers when two rows are close. Each entry carries an
//! error bound `E = γ_k · (sum of the magnitudes combined)`, `γ_k = (3 √k + 2) u` (`u = 2⁻⁵³`;
//! see [`fill::gamma`]); wherever
//! `E` could exceed 5·10⁻¹³, or the value is below `10⁶ E` (relative error possibly above 10⁻⁶), the
//! entry is recomputed from its definition by the exact kernels of [`crate::pmf::rows::pair`]. Infinities
//! (KL, cross-entropy, Jeffreys on support mismatch; Bhattacharyya on disjoint supports) are set
//! exactly from support bitsets, never left to the floating-point products.

mod fill;
mod prepare;

use crate::pmf::rows::{pair, Distributions};
use crate::runtime::memory;
use crate::{Error, Result};
use fill::{as_uninit, fill_block};
use prepare::prepare_pair;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

crate::options::named_options! {
    /// A pairwise metric between distributions.
    pub enum Metric("metric") {
        /// Kullback–Leibler divergence `Σ p ln(p/q)`.
        KlDivergence = "kl",
        /// Cross-entropy `−Σ p ln q`.
        CrossEntropy = "cross_entropy",
        /// Jensen–Shannon divergence (not its square root).
        JsDivergence = "js",
        /// Symmetric KL `KL(p‖q) + KL(q‖p)`.
        Jeffreys = "jeffreys",
        /// Hellinger distance `‖√p − √q‖₂ / √2` (`= √(1 − Σ √(pq))` for distributions), in `[0, 1]`.
        Hellinger = "hellinger",
        /// Bhattacharyya distance `−ln Σ √(pq)` (0 for identical rows).
        Bhattacharyya = "bhattacharyya",
        /// Total variation distance `½ Σ |p − q|`, in `[0, 1]`.
        TotalVariation = "total_variation",
    }
}

/// How the matrix of a metric is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A matrix product with the centred logarithms of `Q`, `P · (ln Q)ᵀ`, plus per-row terms.
    LogProduct,
    /// A matrix product of square roots, `√P · √Qᵀ` (the Bhattacharyya coefficients).
    RootProduct,
    /// Entry by entry from the two rows (a logarithm or a difference per outcome and pair).
    Direct,
}

impl Metric {
    /// How this metric's matrix is computed: one exhaustive match, so a new metric must choose.
    #[must_use]
    pub fn form(self) -> Form {
        match self {
            Metric::KlDivergence | Metric::CrossEntropy | Metric::Jeffreys => Form::LogProduct,
            Metric::Hellinger | Metric::Bhattacharyya => Form::RootProduct,
            Metric::JsDivergence | Metric::TotalVariation => Form::Direct,
        }
    }

    /// The exact definition of the metric for one pair of (normalised) rows.
    #[must_use]
    pub fn exact(self, p: &[f64], q: &[f64]) -> f64 {
        match self {
            Metric::KlDivergence => pair::kl_divergence(p, q),
            Metric::CrossEntropy => pair::cross_entropy(p, q),
            Metric::JsDivergence => pair::js_divergence(p, q),
            Metric::Jeffreys => pair::jeffreys(p, q),
            Metric::Hellinger => pair::hellinger(p, q),
            Metric::Bhattacharyya => pair::bhattacharyya(p, q),
            Metric::TotalVariation => pair::total_variation(p, q),
        }
    }
}

/// Rows of output per task of the direct metrics and per tile of [`nearest`].
const ROW_BLOCK: usize = 64;
/// Multiply-adds per (parallel) matrix product of the GEMM metrics, about 0.05–0.1 s of work on
/// two cores: Ctrl-C is checked between products, and each product packs the whole of `Q` once,
/// so fewer, larger products pack it fewer times.
const PRODUCT_WORK: usize = 1 << 32;
/// Bytes of `Q` rows per cache tile of the Jensen–Shannon loop.
const JS_TILE_BYTES: usize = 256 * 1024;
/// Columns of `Q` per tile in [`nearest`].
const COLUMN_BLOCK: usize = 2048;
/// Entries whose error bound exceeds this are recomputed exactly.
const ABSOLUTE_BOUND: f64 = 5e-13;
/// Entries smaller than this multiple of their error bound are recomputed exactly.
const RELATIVE_MARGIN: f64 = 1e6;

/// The `rows(P) × rows(Q)` matrix of `metric` between every row of `p` and every row of `q`,
/// row-major, in nats for the logarithmic metrics.
///
/// Rows are checked and normalised as by the row-wise functions of [`crate::pmf`]. Work proceeds in
/// blocks of rows on the current rayon pool; between blocks `interrupt` is checked and, if set, the
/// call returns [`Error::Interrupted`].
pub fn pairwise(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    metric: Metric,
    normalize: bool,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let (pp, pq) = prepare_pair(p, q, metric, normalize)?;
    let m = pq.rows;
    let len = pp.rows * m;
    // Every entry is written below, so the output is not zeroed first.
    let mut out: Vec<f64> = crate::runtime::memory::with_capacity(len);
    let entries = &mut out.spare_capacity_mut()[..len];
    if m == 0 {
        return Ok(Vec::new());
    }
    if metric.form() == Form::Direct {
        // A logarithm (or difference) per pair and outcome: blocks of rows in parallel.
        entries
            .par_chunks_mut(ROW_BLOCK * m)
            .enumerate()
            .for_each(|(b, block)| {
                if interrupt.load(Ordering::Relaxed) {
                    return;
                }
                let start = b * ROW_BLOCK;
                let rows = start..start + block.len() / m;
                fill_block(metric, &pp, rows, &pq, 0..m, block, &mut Vec::new(), false);
            });
    } else {
        // One parallel matrix product per large block of rows (packing Q once per block).
        let mut scratch = Vec::new();
        // Jeffreys keeps a second product of the block (`scratch`): at most 64 MiB of it.
        let block_rows = (PRODUCT_WORK / (m * pp.k).max(1))
            .min((8 << 20) / m)
            .max(ROW_BLOCK);
        for (b, block) in entries.chunks_mut(block_rows * m).enumerate() {
            if interrupt.load(Ordering::Relaxed) {
                break;
            }
            let start = b * block_rows;
            let rows = start..start + block.len() / m;
            fill_block(metric, &pp, rows, &pq, 0..m, block, &mut scratch, true);
        }
    }
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    // SAFETY: without an interruption every block was filled, so all `len` entries are written.
    unsafe { out.set_len(len) };
    Ok(out)
}

/// For every row of `p`, the `k` rows of `q` with the smallest `metric` (ties: smaller index
/// first): `(indices, values)`, each `rows(P) × k` row-major, values ascending. Values are divided
/// by `unit` (`ln base`, positive; 1 for nats) before ranking, so ties are those of the reported
/// values.
///
/// Computed in tiles of [`ROW_BLOCK`] × [`COLUMN_BLOCK`]: memory stays proportional to the inputs
/// and `rows(P) × k`, never to `rows(P) × rows(Q)`.
pub fn nearest(
    p: &Distributions<'_>,
    q: &Distributions<'_>,
    k: usize,
    metric: Metric,
    normalize: bool,
    unit: f64,
    interrupt: &AtomicBool,
) -> Result<(Vec<u64>, Vec<f64>)> {
    if !(unit.is_finite() && unit > 0.0) {
        return Err(Error::InvalidArgument {
            argument: "base".into(),
            message: format!("the unit ln(base) must be positive for a ranking, got {unit}"),
        });
    }
    if k == 0 || k > q.rows() {
        return Err(Error::InvalidArgument {
            argument: "k".into(),
            message: format!(
                "must be between 1 and the number of rows of Q ({}), got {k}",
                q.rows()
            ),
        });
    }
    // The output (indices and values, and the bindings' int64 copy of the indices) and the
    // candidates of the row blocks in flight, before anything is allocated.
    let n = p.rows();
    let (what, advice) = (
        || format!("the {k} nearest rows of Q for {n} rows of P"),
        "use a smaller k, or pass P in blocks of rows",
    );
    let in_flight = n.min(ROW_BLOCK * rayon::current_num_threads()) as u128;
    let bytes = 24 * (n as u128) * (k as u128) + in_flight * 2 * (k as u128) * 16;
    memory::check(what, bytes, advice)?;
    let (pp, pq) = prepare_pair(p, q, metric, normalize)?;
    let m = pq.rows;
    let mut indices = memory::try_filled(n * k, 0u64, what, advice)?;
    let mut values = memory::try_filled(n * k, 0.0, what, advice)?;
    indices
        .par_chunks_mut(ROW_BLOCK * k)
        .zip(values.par_chunks_mut(ROW_BLOCK * k))
        .enumerate()
        .for_each(|(b, (block_indices, block_values))| {
            let start = b * ROW_BLOCK;
            let rows = start..start + block_values.len() / k;
            let mut best: Vec<Vec<(f64, u64)>> = vec![Vec::with_capacity(2 * k); rows.len()];
            let mut tile = Vec::new();
            let mut scratch = Vec::new();
            for c0 in (0..m).step_by(COLUMN_BLOCK) {
                if interrupt.load(Ordering::Relaxed) {
                    return;
                }
                let cols = c0..(c0 + COLUMN_BLOCK).min(m);
                let width = cols.len();
                tile.resize(rows.len() * width, 0.0);
                let tile = fill_block(
                    metric,
                    &pp,
                    rows.clone(),
                    &pq,
                    cols.clone(),
                    // SAFETY: `fill_block` writes only initialised values.
                    unsafe { as_uninit(&mut tile) },
                    &mut scratch,
                    false,
                );
                for (r, candidates) in best.iter_mut().enumerate() {
                    candidates.extend(
                        tile[r * width..(r + 1) * width]
                            .iter()
                            .enumerate()
                            .map(|(j, &v)| (v / unit, (c0 + j) as u64)),
                    );
                    keep_smallest(candidates, k);
                }
            }
            for (r, mut candidates) in best.into_iter().enumerate() {
                candidates.sort_unstable_by(order);
                for (c, (v, j)) in candidates.into_iter().enumerate() {
                    block_values[r * k + c] = v;
                    block_indices[r * k + c] = j;
                }
            }
        });
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok((indices, values))
}

fn order(a: &(f64, u64), b: &(f64, u64)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// Keeps the `k` smallest candidates (unordered).
fn keep_smallest(candidates: &mut Vec<(f64, u64)>, k: usize) {
    if candidates.len() > k {
        candidates.select_nth_unstable_by(k - 1, order);
        candidates.truncate(k);
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    fn random_rows(n: usize, k: usize, seed: u64, zeros: bool) -> Vec<f64> {
        let mut s = seed;
        (0..n * k)
            .map(|_| {
                let v = lcg(&mut s);
                if zeros && v < 0.2 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }

    #[test]
    fn every_entry_matches_the_definition() {
        let k = 37;
        let mut p = random_rows(70, k, 1, true);
        let q = random_rows(50, k, 2, true);
        // Near-duplicates of q's first row and exact copies.
        for r in 0..5 {
            for c in 0..k {
                p[r * k + c] = q[c] * (1.0 + 1e-8 * f64::from(r as u32 + 1) * (c as f64).sin());
            }
        }
        p[5 * k..6 * k].copy_from_slice(&q[..k]);
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for name in Metric::NAMES {
            let metric: Metric = name.parse().unwrap();
            let matrix = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let mut bp = vec![0.0; k];
            let mut bq = vec![0.0; k];
            for i in 0..dp.rows() {
                dp.normalized_row_into(i, true, &mut bp).unwrap();
                for j in 0..dq.rows() {
                    dq.normalized_row_into(j, true, &mut bq).unwrap();
                    let exact = metric.exact(&bp, &bq);
                    let got = matrix[i * dq.rows() + j];
                    if exact.is_infinite() || got.is_infinite() {
                        assert_eq!(got, exact, "{name} ({i}, {j})");
                    } else {
                        let err = (got - exact).abs();
                        assert!(err <= 1e-12, "{name} ({i}, {j}): {got} vs {exact}");
                        if exact > 1e-9 {
                            assert!(err <= 1e-6 * exact, "{name} ({i}, {j}): {got} vs {exact}");
                        }
                    }
                }
            }
            assert_eq!(
                matrix[5 * dq.rows()],
                if *name == "cross_entropy" {
                    matrix[5 * dq.rows()]
                } else {
                    0.0
                }
            );
        }
    }

    #[test]
    fn nearest_matches_sorting_the_matrix() {
        let k = 16;
        let p = random_rows(100, k, 3, false);
        let q = random_rows(3000, k, 4, true);
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for metric in [
            Metric::KlDivergence,
            Metric::JsDivergence,
            Metric::Hellinger,
        ] {
            let matrix = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let (idx, val) = nearest(&dp, &dq, 5, metric, true, 1.0, &never).unwrap();
            for i in 0..dp.rows() {
                let mut row: Vec<(f64, u64)> = (0..dq.rows())
                    .map(|j| (matrix[i * dq.rows() + j], j as u64))
                    .collect();
                row.sort_unstable_by(order);
                for c in 0..5 {
                    assert_eq!((val[i * 5 + c], idx[i * 5 + c]), row[c]);
                }
            }
        }
    }

    /// The first bad row of P is reported, whatever the metric (KL prepares Q first) and
    /// however the parallel pass is scheduled.
    #[test]
    fn errors_name_the_first_bad_row_of_p_first() {
        let k = 300;
        let mut p = random_rows(400, k, 8, false);
        let mut q = random_rows(300, k, 9, false);
        p[250 * k + 7] = f64::NAN;
        p[390 * k + 1] = -1.0;
        q[5 * k] = f64::INFINITY;
        let (dp, dq) = (
            Distributions::new(&p, k, "P").unwrap(),
            Distributions::new(&q, k, "Q").unwrap(),
        );
        let never = AtomicBool::new(false);
        for metric in [Metric::KlDivergence, Metric::JsDivergence, Metric::Jeffreys] {
            for _ in 0..5 {
                match pairwise(&dp, &dq, metric, true, &never) {
                    Err(Error::InvalidProbability {
                        argument,
                        row,
                        index,
                        ..
                    }) => assert_eq!((argument.as_ref(), row, index), ("P", 250, 7)),
                    other => panic!("{other:?}"),
                }
                match pairwise(&dq, &dq, metric, true, &never) {
                    Err(Error::InvalidProbability { argument, row, .. }) => {
                        assert_eq!((argument.as_ref(), row), ("Q", 5));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    /// KL and cross-entropy multiply P's rows as given and scale the products: rows far from
    /// normalised (and with zeros) give the values of the normalised rows.
    #[test]
    fn unnormalised_rows_give_the_values_of_normalised_ones() {
        let k = 70;
        // Zeros in P only: with zeros in Q nearly every entry would be +inf.
        let mut p = random_rows(40, k, 3, true);
        let q = random_rows(30, k, 4, false);
        for (r, row) in p.chunks_mut(k).enumerate() {
            // The first and last are outside RAW_SUMS: P's values are then kept normalised.
            let factor = [1e-300, 1e-3, 7.0, 1e15, 1e200, 1e307][r % 6];
            for w in row.iter_mut() {
                *w *= factor;
            }
        }
        let normalised: Vec<f64> = p
            .chunks(k)
            .flat_map(|row| {
                // Rescaled by the largest weight first: the sum of the 1e307 rows overflows.
                let largest = row.iter().copied().fold(0.0, f64::max);
                let total: f64 = row.iter().map(|w| w / largest).sum();
                row.iter().map(move |w| (w / largest) / total)
            })
            .collect();
        let dp = Distributions::new(&p, k, "P").unwrap();
        let dn = Distributions::new(&normalised, k, "P").unwrap();
        let dq = Distributions::new(&q, k, "Q").unwrap();
        let never = AtomicBool::new(false);
        for metric in [Metric::KlDivergence, Metric::CrossEntropy] {
            let scaled = pairwise(&dp, &dq, metric, true, &never).unwrap();
            let direct = pairwise(&dn, &dq, metric, true, &never).unwrap();
            assert!(direct.iter().all(|v| v.is_finite()));
            for (a, b) in scaled.iter().zip(&direct) {
                assert!(
                    a == b || (a - b).abs() <= 1e-12 + 1e-9 * b.abs(),
                    "{metric:?}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn interrupt_stops_the_work() {
        let p = random_rows(10, 4, 5, false);
        let dp = Distributions::new(&p, 4, "P").unwrap();
        let stop = AtomicBool::new(true);
        assert_eq!(
            pairwise(&dp, &dp, Metric::KlDivergence, true, &stop),
            Err(Error::Interrupted)
        );
    }
}

#[cfg(test)]
mod calibration {
    #[test]
    #[ignore = "measurement, run by hand: cargo test --release -- --ignored calibration --nocapture"]
    fn gemm_error_relative_to_sqrt_k() {
        let mut seed = 1u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for &k in &[16usize, 100, 256, 1000, 4000, 16000] {
            let (n, m) = (64usize, 64usize);
            for kind in 0..3 {
                let gen = |next: &mut dyn FnMut() -> f64| -> f64 {
                    match kind {
                        0 => next(),
                        1 => next().powi(8),
                        _ => (next() * 40.0 - 20.0).exp(),
                    }
                };
                let a: Vec<f64> = (0..n * k).map(|_| gen(&mut next)).collect();
                let b: Vec<f64> = (0..m * k).map(|_| (gen(&mut next)).ln()).collect();
                let mut out = vec![0.0; n * m];
                // SAFETY: `product` writes only initialised values.
                super::fill::product(&a, &b, k, unsafe { super::as_uninit(&mut out) }, m, false);
                let mut worst: f64 = 0.0;
                for i in 0..n {
                    for j in 0..m {
                        let terms: Vec<f64> = (0..k).map(|c| a[i * k + c] * b[j * k + c]).collect();
                        let exact = crate::numeric::compensated_sum(terms.iter().copied());
                        let mag: f64 = terms.iter().map(|t| t.abs()).sum();
                        let err = (out[i * m + j] - exact).abs();
                        worst = worst.max(err / ((k as f64).sqrt() * f64::EPSILON / 2.0 * mag));
                    }
                }
                println!("k = {k:6} kind {kind}: max error / (sqrt(k) u |terms|) = {worst:.3}");
            }
        }
    }
}
