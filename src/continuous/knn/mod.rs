//! k-nearest-neighbour estimates of differential entropy, mutual information, conditional mutual
//! information and KL divergence from continuous samples, without binning.
//!
//! # Notation
//! `n` samples `z_i = (x_i, y_i, …)` of continuous variables, `k ≥ 1` neighbours, `ψ` the digamma
//! function. `ε_i` is the distance from `z_i` to its `k`-th nearest neighbour among the other
//! samples (a sample's exact duplicates count as neighbours at distance 0). Counts `n_x(i)` are
//! numbers of *other* samples within a distance of `x_i` in a marginal space. Results are in nats.
//!
//! # Estimators
//! - **Kozachenko–Leonenko** differential entropy ([`differential_entropy`]) of a `d`-dimensional
//!   variable, with `ε_i` in the chosen [`Norm`]:
//!   `ĥ = ψ(n) − ψ(k) + ln V_d + (d / n) Σ_i ln ε_i`, `V_d` the volume of the unit ball of the
//!   norm: `2^d` for the max norm, `π^{d/2} / Γ(d/2 + 1)` for the Euclidean norm
//!   (Kozachenko & Leonenko 1987; Kraskov, Stögbauer & Grassberger 2004, eq. 20).
//! - **KSG** mutual information ([`mutual_information`]), max norm in the joint space
//!   `‖(x, y)‖ = max(‖x‖_∞, ‖y‖_∞)` (Kraskov, Stögbauer & Grassberger 2004):
//!   - algorithm 1: `Î = ψ(k) + ψ(n) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩`, with
//!     `n_x(i) = #{j ≠ i : ‖x_j − x_i‖ < ε_i}` (strictly inside, eq. 8);
//!   - algorithm 2: `Î = ψ(k) − 1/k + ψ(n) − ⟨ψ(n_x) + ψ(n_y)⟩`, with `ε_x(i)` the largest
//!     x-distance from `x_i` to its `k` joint neighbours and `n_x(i) = #{j ≠ i : ‖x_j − x_i‖ ≤
//!     ε_x(i)}` (eq. 9). The neighbours themselves matter here: among points at the same joint
//!     distance the smaller index is nearer.
//! - **Frenzel–Pompe** conditional mutual information ([`conditional_mutual_information`]):
//!   `Î(X; Y | Z) = ψ(k) − ⟨ψ(n_xz + 1) + ψ(n_yz + 1) − ψ(n_z + 1)⟩`, `ε_i` in the joint
//!   `(x, y, z)` space, counts strictly inside in the `(x, z)`, `(y, z)` and `z` spaces
//!   (Frenzel & Pompe 2007).
//! - **Ross** mutual information between a discrete label `c` and a continuous `y`
//!   ([`mixed_mutual_information`]): samples whose class has a single member are dropped (`n'`
//!   remain); for the others `k_i = min(k, n_c − 1)`, `ε_i` is the distance to the `k_i`-th
//!   neighbour *within the class* and `m_i` counts the samples (of any class, itself included)
//!   strictly within `ε_i`: `Î = ψ(n') + ⟨ψ(k_i)⟩ − ⟨ψ(n_{c_i})⟩ − ⟨ψ(m_i)⟩` (Ross 2014; the
//!   class-size rule is scikit-learn's).
//! - **Wang–Kulkarni–Verdú** KL divergence between the distributions of two samples
//!   ([`kl_divergence`]), `x` with `n` and `y` with `m` samples in `d` dimensions: with `ρ_i` the
//!   `k`-th neighbour distance of `x_i` among the other `x` and `ν_i` among the `y`,
//!   `D̂(P‖Q) = (d / n) Σ_i ln(ν_i / ρ_i) + ln(m / (n − 1))` (Wang, Kulkarni & Verdú 2009, eq. 5).
//!
//! "Strictly inside `ε`" is computed as "within `pred(ε)`", the largest double below `ε`: the
//! same set, and scikit-learn's `np.nextafter(ε, 0)` radius.
//!
//! # Duplicates
//! A sample with `k` or more exact duplicates has `ε_i = 0`. For the entropy the formula then
//! gives `−∞`, which is returned: such data have an atom, and a distribution with an atom has no
//! density (its differential entropy is `−∞`). For the informations and the divergence the
//! formulas break down ("strictly within 0" is empty, `ln(ν/ρ)` may be `∞ − ∞`): those refuse
//! such data with an error naming the variable and the sample (drop the duplicates, or add a
//! little noise). [`sklearn`] reproduces scikit-learn instead, where this cannot happen after its
//! jitter.
//!
//! # Exactness, parallelism, determinism
//! Neighbours and counts are exact (see the search module): the same integers and distances as a
//! brute-force loop. Queries run in parallel in fixed chunks of [`QUERY_CHUNK`] samples, in the
//! order of the search structure (which depends only on the data); each chunk's terms are summed
//! with Neumaier's compensated sum and the chunk sums combined in order, so the result is the
//! same, bit for bit, for any number of threads. `interrupt` is polled once per chunk.
//!
//! # Memory
//! The structures take about `(8d + 12)` bytes per sample per space searched (a copy of the
//! coordinates with the sample's index, plus node boxes); every estimate adds up what its searches
//! will take and checks it against the caller's `memory_limit` before allocating anything.
//!
//! # References
//! - L. F. Kozachenko and N. N. Leonenko, "Sample estimate of the entropy of a random vector",
//!   Probl. Peredachi Inf. 23:2 (1987), 9–16.
//! - A. Kraskov, H. Stögbauer and P. Grassberger, "Estimating mutual information", Phys. Rev. E
//!   69, 066138 (2004).
//! - S. Frenzel and B. Pompe, "Partial mutual information for coupling analysis of multivariate
//!   time series", Phys. Rev. Lett. 99, 204101 (2007).
//! - B. C. Ross, "Mutual information between discrete and continuous data sets", `PLoS ONE`
//!   9(2),
//!   e87357 (2014).
//! - Q. Wang, S. R. Kulkarni and S. Verdú, "Divergence estimation for multidimensional densities
//!   via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5), 2392–2405 (2009).

mod search;
pub mod sklearn;
#[cfg(test)]
mod tests;

use crate::numeric::compensated_sum;
use crate::numeric::special::{digamma, ln_gamma};
use crate::options::named_options;
use crate::runtime::memory;
use crate::{Error, Result};
use rayon::prelude::*;
use search::{searcher, searcher_bytes, Best, Rows, Searcher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Queries per parallel task (fixed, so chunk boundaries depend only on the data).
pub const QUERY_CHUNK: usize = 1024;

/// Most samples an estimate accepts (indices are stored as `u32`).
pub const MAX_SAMPLES: usize = u32::MAX as usize;

named_options! {
    /// The norm in which neighbour distances are measured.
    pub enum Norm("norm") {
        /// `‖v‖₂ = sqrt(Σ v_j²)`; unit ball volume `π^{d/2} / Γ(d/2 + 1)`.
        Euclidean = "euclidean",
        /// `‖v‖_∞ = max_j |v_j|`; unit ball volume `2^d`.
        Max = "max",
    }
}

impl Norm {
    /// `ln V_d`, the logarithm of the volume of the unit ball in `d` dimensions.
    #[must_use]
    pub fn ln_unit_ball(self, d: usize) -> f64 {
        let d = d as f64;
        match self {
            Norm::Max => d * std::f64::consts::LN_2,
            Norm::Euclidean => 0.5 * d * std::f64::consts::PI.ln() - ln_gamma(0.5 * d + 1.0),
        }
    }
}

/// `rows` samples of a `columns`-dimensional continuous variable, row-major (`(n, d)` C order),
/// named `name` in error messages.
#[derive(Clone, Copy, Debug)]
pub struct Points<'a> {
    data: &'a [f64],
    rows: usize,
    columns: usize,
    name: &'static str,
}

impl<'a> Points<'a> {
    /// Wraps `data`: `columns ≥ 1` values per sample, at least one sample.
    pub fn new(data: &'a [f64], columns: usize, name: &'static str) -> Result<Self> {
        if columns == 0 || data.is_empty() {
            return Err(Error::EmptyInput {
                argument: name.into(),
            });
        }
        if !data.len().is_multiple_of(columns) {
            return Err(Error::ShapeMismatch {
                argument: name.into(),
                expected: vec![data.len() / columns, columns],
                found: vec![data.len()],
            });
        }
        let rows = data.len() / columns;
        if rows > MAX_SAMPLES {
            return Err(Error::InvalidArgument {
                argument: name.into(),
                message: format!("{rows} samples is more than the {MAX_SAMPLES} supported"),
            });
        }
        Ok(Points {
            data,
            rows,
            columns,
            name,
        })
    }

    /// Number of samples.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Dimension of each sample.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The name used in error messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.columns..(i + 1) * self.columns]
    }

    /// NaN or ±∞ at `(row, column)`: named `x` with the row as index for one column, else
    /// `x[:, column]`.
    fn not_finite(&self, row: usize, column: usize, value: f64) -> Error {
        let argument = if self.columns == 1 {
            self.name.into()
        } else {
            format!("{}[:, {column}]", self.name).into()
        };
        Error::NotFinite {
            argument,
            index: row,
            value,
        }
    }
}

/// What one sample contributed, for tests and diagnostics: the radii and counts of its
/// neighbourhood, as listed by each estimator's `neighbourhoods` variant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Neighbourhood {
    /// Entropy: `[ε]`; KSG 1 and Frenzel–Pompe: `[ε]`; KSG 2: `[ε_x, ε_y]`; Ross: `[ε]`;
    /// divergence: `[ρ, ν]`.
    pub radius: [f64; 2],
    /// KSG: `[n_x, n_y]`; Frenzel–Pompe: `[n_xz, n_yz, n_z]`; Ross: `[k_i, n_c, m_i]`.
    pub count: [u32; 3],
}

/// An estimate with the neighbourhood of every sample (in sample order; Ross: the samples kept).
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbourhoods {
    /// The estimate in nats, before any clipping.
    pub value: f64,
    /// `(sample index, neighbourhood)`, ascending by index.
    pub samples: Vec<(u32, Neighbourhood)>,
}

/// What to do with a sample whose `k`-th neighbour is at distance 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Duplicates {
    /// Fail, naming the variable and the sample.
    Refuse,
    /// Go on: a radius of 0 counts the exact duplicates (scikit-learn's behaviour).
    Allow,
}

/// `ψ(m)` for a count `m ≥ 1` (a table for small counts).
#[inline]
fn psi(m: usize) -> f64 {
    const TABLE: usize = 1024;
    static VALUES: OnceLock<Vec<f64>> = OnceLock::new();
    if m < TABLE {
        VALUES.get_or_init(|| (0..TABLE).map(|m| digamma(m as f64)).collect())[m]
    } else {
        digamma(m as f64)
    }
}

/// The radius that counts points strictly closer than `eps`: the largest double below `eps`
/// (`np.nextafter(eps, 0)`), or 0 for `eps = 0`.
#[inline]
fn strictly_within(eps: f64) -> f64 {
    if eps > 0.0 {
        f64::from_bits(eps.to_bits() - 1)
    } else {
        0.0
    }
}

fn check_k(k: usize, n: usize, argument: &'static str) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidArgument {
            argument: "k".into(),
            message: "must be at least 1, got 0".into(),
        });
    }
    if k >= n {
        return Err(Error::InvalidArgument {
            argument: "k".into(),
            message: format!(
                "must be less than the number of samples of {argument} ({n}), got {k}: \
                 each sample needs k other samples as neighbours"
            ),
        });
    }
    Ok(())
}

fn check_same_rows(first: &Points<'_>, other: &Points<'_>) -> Result<()> {
    if other.rows != first.rows {
        return Err(Error::LengthMismatch {
            argument: other.name.into(),
            expected: first.rows,
            found: other.rows,
        });
    }
    Ok(())
}

/// `Err(TooLarge)` when the searches of an estimate need more than `limit` bytes.
fn check_memory(bytes: u128, limit: u64, what: impl FnOnce() -> String) -> Result<()> {
    memory::check_within(
        what,
        bytes,
        limit,
        "estimate from a random subsample, or raise FASTINFO_MEMORY_LIMIT",
    )
}

/// `1st`, `2nd`, `3rd`, `4th`, ..., `11th`, `12th`, `13th`, `21st`, ...
fn ordinal(k: usize) -> String {
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

fn duplicate_error(argument: &'static str, sample: usize, k: usize, space: &str) -> Error {
    let kth = ordinal(k);
    Error::InvalidArgument {
        argument: argument.into(),
        message: format!(
            "sample {sample} has {k} or more exact duplicates in {space} (its {kth} nearest \
             neighbour is at distance 0), where nearest-neighbour estimates need distinct \
             points; drop the duplicates, or break the ties with a little noise (jitter=)"
        ),
    }
}

/// `f(i, best)` for every query `i` of `order`, after `search` filled `best` with its
/// neighbours: in parallel chunks of [`QUERY_CHUNK`] queries, the results placed by sample index
/// (`m` of them). Stops with [`Error::Interrupted`] once `interrupt` is raised.
fn per_sample<T: Copy + Default + Send>(
    m: usize,
    order: &[u32],
    interrupt: &AtomicBool,
    best: impl Fn() -> Best + Sync,
    search: impl Fn(&[u32], &mut [Best]) + Sync,
    f: impl Fn(usize, &Best) -> T + Sync,
) -> Result<Vec<T>> {
    let parts: Vec<Result<Vec<T>>> = order
        .par_chunks(QUERY_CHUNK)
        .map_init(Vec::<Best>::new, |bests, chunk| {
            if interrupt.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            if bests.len() < chunk.len() {
                bests.resize_with(chunk.len(), &best);
            }
            let bests = &mut bests[..chunk.len()];
            search(chunk, bests);
            Ok(chunk
                .iter()
                .zip(bests.iter())
                .map(|(&i, b)| f(i as usize, b))
                .collect())
        })
        .collect();
    let mut out = vec![T::default(); m];
    for (chunk, part) in order.chunks(QUERY_CHUNK).zip(parts) {
        for (&i, value) in chunk.iter().zip(part?) {
            out[i as usize] = value;
        }
    }
    Ok(out)
}

/// The reduced distance from every sample of `order` to its `k`-th neighbour in `s`, by sample
/// index (`m` samples), in parallel chunks of [`QUERY_CHUNK`].
fn kth_per_sample(
    s: &dyn Searcher,
    k: usize,
    m: usize,
    order: &[u32],
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    let parts: Vec<Result<Vec<f64>>> = order
        .par_chunks(QUERY_CHUNK)
        .map(|chunk| {
            if interrupt.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            Ok(s.kth_distances(chunk, k))
        })
        .collect();
    let mut out = vec![0.0; m];
    for (chunk, part) in order.chunks(QUERY_CHUNK).zip(parts) {
        for (&i, value) in chunk.iter().zip(part?) {
            out[i as usize] = value;
        }
    }
    Ok(out)
}

/// Samples whose terms are summed by one parallel task.
const SUM_CHUNK: usize = 1 << 12;

/// `Σ_{i < m} term(i)`: compensated sums over fixed chunks of indices, combined in order (the
/// same bits for any number of threads).
fn total(m: usize, term: impl Fn(usize) -> f64 + Sync) -> f64 {
    let parts: Vec<f64> = (0..m.div_ceil(SUM_CHUNK))
        .into_par_iter()
        .map(|c| compensated_sum((c * SUM_CHUNK..((c + 1) * SUM_CHUNK).min(m)).map(&term)))
        .collect();
    compensated_sum(parts)
}

/// The first sample whose radius is 0, if any.
fn first_zero(radius: &[f64]) -> Option<usize> {
    radius.iter().position(|&r| r == 0.0)
}

/// `(i, neighbourhood)` of every sample `i < m` if `keep`, else nothing.
fn records(keep: bool, m: usize, f: impl Fn(usize) -> Neighbourhood) -> Vec<(u32, Neighbourhood)> {
    if keep {
        (0..m).map(|i| (i as u32, f(i))).collect()
    } else {
        Vec::new()
    }
}

/// Bytes kept per sample when neighbourhoods are returned.
const KEPT_BYTES: u128 = std::mem::size_of::<(u32, Neighbourhood)>() as u128;

/// Bytes per sample of the radii and counts the estimators keep between their passes.
const PASS_BYTES: u128 = 32;

// ---------------------------------------------------------------------------------------------
// Kozachenko–Leonenko entropy

/// Kozachenko–Leonenko estimate of the differential entropy `h(X)` in nats (see the module
/// documentation), `ε_i` measured in `norm`; `−∞` if a sample has `k` exact duplicates.
pub fn differential_entropy(
    x: Points<'_>,
    k: usize,
    norm: Norm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    Ok(entropy_sweep(x, k, norm, false, memory_limit, interrupt)?.value)
}

/// [`differential_entropy`] with `[ε_i, 0]` for every sample.
pub fn entropy_neighbourhoods(
    x: Points<'_>,
    k: usize,
    norm: Norm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    entropy_sweep(x, k, norm, true, memory_limit, interrupt)
}

fn entropy_sweep(
    x: Points<'_>,
    k: usize,
    norm: Norm,
    keep: bool,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    let (n, d) = (x.rows(), x.columns());
    check_k(k, n, x.name)?;
    let bytes = searcher_bytes(n, d)
        + PASS_BYTES * n as u128
        + if keep { KEPT_BYTES * n as u128 } else { 0 };
    check_memory(bytes, memory_limit, || {
        format!("the neighbour search over {n} samples of dimension {d}")
    })?;
    let s = searcher(&[x], Rows::All, norm)?;
    let reduced = kth_per_sample(s.as_ref(), k, n, &s.order(), interrupt)?;
    let eps: Vec<f64> = reduced.into_iter().map(|r| s.distance(r)).collect();
    // A radius of 0 (an atom) gives ln 0 = −∞, and so the estimate.
    let mean_log = total(n, |i| eps[i].ln()) / n as f64;
    let value = digamma(n as f64) - psi(k) + norm.ln_unit_ball(d) + d as f64 * mean_log;
    Ok(Neighbourhoods {
        value,
        samples: records(keep, n, |i| Neighbourhood {
            radius: [eps[i], 0.0],
            count: [0; 3],
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// KSG mutual information

named_options! {
    /// The KSG algorithm, named as the `estimator` of `mutual_information`.
    pub enum Algorithm("estimator") {
        /// Counts strictly inside the joint `k`-th neighbour distance (`"ksg"`).
        First = "ksg",
        /// Counts within the marginal extents of the `k` joint neighbours (`"ksg2"`).
        Second = "ksg2",
    }
}

/// KSG estimate of the mutual information `I(X; Y)` in nats, not clipped (see the module
/// documentation).
pub fn mutual_information(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    algorithm: Algorithm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let keep = false;
    Ok(ksg(
        x,
        y,
        k,
        algorithm,
        Duplicates::Refuse,
        keep,
        memory_limit,
        interrupt,
    )?
    .value)
}

/// [`mutual_information`] with the radii and counts of every sample.
pub fn mutual_information_neighbourhoods(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    algorithm: Algorithm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    ksg(
        x,
        y,
        k,
        algorithm,
        Duplicates::Refuse,
        true,
        memory_limit,
        interrupt,
    )
}

#[allow(clippy::too_many_arguments)]
fn ksg(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    algorithm: Algorithm,
    duplicates: Duplicates,
    keep: bool,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    check_same_rows(&x, &y)?;
    let n = x.rows();
    check_k(k, n, x.name)?;
    let (dx, dy) = (x.columns(), y.columns());
    let bytes = searcher_bytes(n, dx + dy)
        + PASS_BYTES * n as u128
        + searcher_bytes(n, dx)
        + searcher_bytes(n, dy)
        + if keep { KEPT_BYTES * n as u128 } else { 0 };
    check_memory(bytes, memory_limit, || {
        format!("the neighbour searches over {n} samples of dimension {dx} + {dy}")
    })?;
    // Built side by side; errors in a fixed order (the joint space names the first bad row).
    let (joint, (marginal_x, marginal_y)) = rayon::join(
        || searcher(&[x, y], Rows::All, Norm::Max),
        || {
            rayon::join(
                || searcher(&[x], Rows::All, Norm::Max),
                || searcher(&[y], Rows::All, Norm::Max),
            )
        },
    );
    let (joint, marginal_x, marginal_y) = (joint?, marginal_x?, marginal_y?);
    ksg_with(
        &x,
        &y,
        joint.as_ref(),
        marginal_x.as_ref(),
        marginal_y.as_ref(),
        k,
        algorithm,
        duplicates,
        keep,
        interrupt,
    )
}

/// KSG over prepared searchers (`joint` over `(x, y)`, the marginals over `x` and `y`).
#[allow(clippy::too_many_arguments)]
fn ksg_with(
    x: &Points<'_>,
    y: &Points<'_>,
    joint: &dyn Searcher,
    marginal_x: &dyn Searcher,
    marginal_y: &dyn Searcher,
    k: usize,
    algorithm: Algorithm,
    duplicates: Duplicates,
    keep: bool,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    let n = x.rows();
    let ties = algorithm == Algorithm::Second;
    // Per sample: the k-th joint distance, and (algorithm 2) the marginal extents.
    let radii: Vec<[f64; 3]> = per_sample(
        n,
        &joint.order(),
        interrupt,
        || Best::new(k, ties),
        |queries, best| joint.neighbours_many(queries, best),
        |i, best| {
            let neighbours = best.items();
            let eps = neighbours[k - 1].0;
            if !ties {
                return [eps, 0.0, 0.0];
            }
            let (xi, yi) = (x.row(i), y.row(i));
            let (mut ex, mut ey) = (0.0f64, 0.0f64);
            for &(_, j) in neighbours {
                ex = ex.max(search::max_distance(xi, x.row(j as usize)));
                ey = ey.max(search::max_distance(yi, y.row(j as usize)));
            }
            [eps, ex, ey]
        },
    )?;
    if duplicates == Duplicates::Refuse {
        let eps: Vec<f64> = radii.iter().map(|r| r[0]).collect();
        if let Some(i) = first_zero(&eps) {
            let space = format!("the joint space of {} and {}", x.name, y.name);
            return Err(duplicate_error(x.name, i, k, &space));
        }
    }
    let (within_x, within_y): (Vec<f64>, Vec<f64>) = match algorithm {
        Algorithm::First => radii
            .iter()
            .map(|r| (strictly_within(r[0]), strictly_within(r[0])))
            .unzip(),
        Algorithm::Second => radii.iter().map(|r| (r[1], r[2])).unzip(),
    };
    let (nx, ny) = rayon::join(
        || marginal_x.count_all(&within_x, interrupt),
        || marginal_y.count_all(&within_y, interrupt),
    );
    let (nx, ny) = (nx?, ny?);
    // Counts include the sample itself.
    let (value, samples) = match algorithm {
        Algorithm::First => {
            let sum = total(n, |i| psi(nx[i] as usize) + psi(ny[i] as usize));
            let samples = records(keep, n, |i| Neighbourhood {
                radius: [radii[i][0], 0.0],
                count: [nx[i] - 1, ny[i] - 1, 0],
            });
            (psi(k) + digamma(n as f64) - sum / n as f64, samples)
        }
        Algorithm::Second => {
            let sum = total(n, |i| psi(nx[i] as usize - 1) + psi(ny[i] as usize - 1));
            let samples = records(keep, n, |i| Neighbourhood {
                radius: [radii[i][1], radii[i][2]],
                count: [nx[i] - 1, ny[i] - 1, 0],
            });
            let value = psi(k) - 1.0 / k as f64 + digamma(n as f64) - sum / n as f64;
            (value, samples)
        }
    };
    Ok(Neighbourhoods { value, samples })
}

// ---------------------------------------------------------------------------------------------
// Frenzel–Pompe conditional mutual information

/// Frenzel–Pompe estimate of `I(X; Y | Z)` in nats, not clipped (see the module documentation).
pub fn conditional_mutual_information(
    x: Points<'_>,
    y: Points<'_>,
    z: Points<'_>,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    Ok(frenzel_pompe(x, y, z, k, false, memory_limit, interrupt)?.value)
}

/// [`conditional_mutual_information`] with `[ε_i]` and `[n_xz, n_yz, n_z]` of every sample.
pub fn conditional_mutual_information_neighbourhoods(
    x: Points<'_>,
    y: Points<'_>,
    z: Points<'_>,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    frenzel_pompe(x, y, z, k, true, memory_limit, interrupt)
}

fn frenzel_pompe(
    x: Points<'_>,
    y: Points<'_>,
    z: Points<'_>,
    k: usize,
    keep: bool,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    check_same_rows(&x, &y)?;
    check_same_rows(&x, &z)?;
    let n = x.rows();
    check_k(k, n, x.name)?;
    let (dx, dy, dz) = (x.columns(), y.columns(), z.columns());
    let bytes = searcher_bytes(n, dx + dy + dz)
        + PASS_BYTES * n as u128
        + searcher_bytes(n, dx + dz)
        + searcher_bytes(n, dy + dz)
        + searcher_bytes(n, dz)
        + if keep { KEPT_BYTES * n as u128 } else { 0 };
    check_memory(bytes, memory_limit, || {
        format!("the neighbour searches over {n} samples of dimension {dx} + {dy} + {dz}")
    })?;
    let ((joint, xz), (yz, marginal_z)) = rayon::join(
        || {
            rayon::join(
                || searcher(&[x, y, z], Rows::All, Norm::Max),
                || searcher(&[x, z], Rows::All, Norm::Max),
            )
        },
        || {
            rayon::join(
                || searcher(&[y, z], Rows::All, Norm::Max),
                || searcher(&[z], Rows::All, Norm::Max),
            )
        },
    );
    let (joint, xz, yz, marginal_z) = (joint?, xz?, yz?, marginal_z?);
    let eps = kth_per_sample(joint.as_ref(), k, n, &joint.order(), interrupt)?;
    if let Some(i) = first_zero(&eps) {
        let space = format!("the joint space of {}, {} and {}", x.name, y.name, z.name);
        return Err(duplicate_error(x.name, i, k, &space));
    }
    let within: Vec<f64> = eps.iter().map(|&e| strictly_within(e)).collect();
    let ((nxz, nyz), nz) = rayon::join(
        || {
            rayon::join(
                || xz.count_all(&within, interrupt),
                || yz.count_all(&within, interrupt),
            )
        },
        || marginal_z.count_all(&within, interrupt),
    );
    let (nxz, nyz, nz) = (nxz?, nyz?, nz?);
    // Counts include the sample itself: ψ(n_xz + 1) = psi(count).
    let sum = total(n, |i| {
        psi(nxz[i] as usize) + psi(nyz[i] as usize) - psi(nz[i] as usize)
    });
    Ok(Neighbourhoods {
        value: psi(k) - sum / n as f64,
        samples: records(keep, n, |i| Neighbourhood {
            radius: [eps[i], 0.0],
            count: [nxz[i] - 1, nyz[i] - 1, nz[i] - 1],
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// Ross: a discrete and a continuous variable

/// Ross's estimate of `I(C; Y)` in nats, not clipped, for class labels `labels` (`0..classes`,
/// one per sample) and continuous samples `y` (see the module documentation). Neighbours in the
/// max norm.
pub fn mixed_mutual_information(
    labels: &[u32],
    labels_name: &'static str,
    y: Points<'_>,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    let options = Mixed {
        duplicates: Duplicates::Refuse,
        brute_force_radii: false,
        keep: false,
    };
    Ok(ross(labels, labels_name, y, k, options, memory_limit, interrupt)?.value)
}

/// [`mixed_mutual_information`] with `[ε_i]` and `[k_i, n_c, m_i]` of every sample kept.
pub fn mixed_mutual_information_neighbourhoods(
    labels: &[u32],
    labels_name: &'static str,
    y: Points<'_>,
    k: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    let options = Mixed {
        duplicates: Duplicates::Refuse,
        brute_force_radii: false,
        keep: true,
    };
    ross(labels, labels_name, y, k, options, memory_limit, interrupt)
}

/// Options of [`ross`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mixed {
    pub(crate) duplicates: Duplicates,
    /// Reproduce scikit-learn's brute-force radii for small classes (see [`sklearn`]).
    pub(crate) brute_force_radii: bool,
    pub(crate) keep: bool,
}

/// Samples grouped by class: `members[offsets[c]..offsets[c + 1]]` are the samples of class `c`
/// in ascending order, and `local[i]` is the place of sample `i` within its class.
struct Classes {
    offsets: Vec<usize>,
    members: Vec<u32>,
    local: Vec<u32>,
}

impl Classes {
    fn new(labels: &[u32], labels_name: &'static str) -> Result<Self> {
        let mut sizes: Vec<usize> = Vec::new();
        for &c in labels {
            let c = c as usize;
            if c >= labels.len() {
                return Err(Error::InvalidArgument {
                    argument: labels_name.into(),
                    message: format!("class code {c} is not below the number of samples"),
                });
            }
            if c >= sizes.len() {
                sizes.resize(c + 1, 0);
            }
            sizes[c] += 1;
        }
        let mut offsets = Vec::with_capacity(sizes.len() + 1);
        offsets.push(0);
        for s in &sizes {
            offsets.push(offsets.last().copied().unwrap_or(0) + s);
        }
        let mut next = offsets.clone();
        let mut members = vec![0u32; labels.len()];
        let mut local = vec![0u32; labels.len()];
        for (i, &c) in labels.iter().enumerate() {
            let c = c as usize;
            members[next[c]] = i as u32;
            local[i] = (next[c] - offsets[c]) as u32;
            next[c] += 1;
        }
        Ok(Classes {
            offsets,
            members,
            local,
        })
    }

    fn size(&self, c: usize) -> usize {
        self.offsets[c + 1] - self.offsets[c]
    }

    fn members(&self, c: usize) -> &[u32] {
        &self.members[self.offsets[c]..self.offsets[c + 1]]
    }

    /// For the samples of `order` (the others get 0): the distance to the `min(k, n_c − 1)`-th
    /// neighbour within the sample's class, searched in `within[c]` (or, where that is `None`,
    /// by scikit-learn's brute-force formula).
    fn radii(
        &self,
        labels: &[u32],
        y: &Points<'_>,
        k: usize,
        within: &[Option<Box<dyn Searcher>>],
        order: &[u32],
        interrupt: &AtomicBool,
    ) -> Result<Vec<f64>> {
        let k_of = |c: usize| k.min(self.size(c) - 1);
        per_sample(
            labels.len(),
            order,
            interrupt,
            || Best::new(1, false),
            |_, _| {},
            |i, _| {
                let c = labels[i] as usize;
                match &within[c] {
                    Some(s) => s.distance(s.kth_distance(self.local[i] as usize, k_of(c))),
                    None => sklearn::brute_force_radius(y.row(i)[0], self.members(c), y, k_of(c)),
                }
            },
        )
    }

    /// A searcher per class of two or more samples (`None` for the others, and for the classes
    /// whose radii follow scikit-learn's brute-force formula): cut out of `all` (the kept
    /// samples) when it can, else built anew.
    fn searchers(
        &self,
        labels: &[u32],
        kept: &[u32],
        all: &dyn Searcher,
        y: &Points<'_>,
        brute: impl Fn(usize) -> bool + Sync,
    ) -> Result<Vec<Option<Box<dyn Searcher>>>> {
        let count = self.offsets.len() - 1;
        let group: Vec<u32> = kept.iter().map(|&i| labels[i as usize]).collect();
        let local: Vec<u32> = kept.iter().map(|&i| self.local[i as usize]).collect();
        if let Some(parts) = all.split(&group, &local, count) {
            return Ok(parts
                .into_iter()
                .enumerate()
                .map(|(c, s)| (self.size(c) >= 2 && !brute(c)).then_some(s))
                .collect());
        }
        (0..count)
            .into_par_iter()
            .map(|c| {
                if self.size(c) < 2 || brute(c) {
                    Ok(None)
                } else {
                    searcher(&[*y], Rows::Listed(self.members(c)), Norm::Max).map(Some)
                }
            })
            .collect()
    }
}

/// Ross's estimator; see [`mixed_mutual_information`].
pub(crate) fn ross(
    labels: &[u32],
    labels_name: &'static str,
    y: Points<'_>,
    k: usize,
    options: Mixed,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    let n = y.rows();
    if labels.len() != n {
        return Err(Error::LengthMismatch {
            argument: y.name.into(),
            expected: labels.len(),
            found: n,
        });
    }
    if k == 0 {
        return Err(Error::InvalidArgument {
            argument: "k".into(),
            message: "must be at least 1, got 0".into(),
        });
    }
    let d = y.columns();
    // Per class and for the kept samples: at most twice the structures of all samples, plus
    // the class lists.
    let bytes = 2 * searcher_bytes(n, d)
        + (16 + PASS_BYTES) * n as u128
        + if options.keep {
            KEPT_BYTES * n as u128
        } else {
            0
        };
    check_memory(bytes, memory_limit, || {
        format!("the neighbour searches over {n} samples of dimension {d}")
    })?;
    let classes = Classes::new(labels, labels_name)?;
    let kept: Vec<u32> = (0..n as u32)
        .filter(|&i| classes.size(labels[i as usize] as usize) > 1)
        .collect();
    if kept.is_empty() {
        return Err(Error::InvalidArgument {
            argument: labels_name.into(),
            message: "every class has a single sample: no sample has a neighbour of its class"
                .into(),
        });
    }
    let all = searcher(&[y], Rows::Listed(&kept), Norm::Max)?;
    let order: Vec<u32> = all.order().into_iter().map(|t| kept[t as usize]).collect();
    let k_of = |c: usize| k.min(classes.size(c) - 1);
    // scikit-learn searches a class by brute force when `k ≥ size / 2`.
    let brute =
        |c: usize| options.brute_force_radii && y.columns() == 1 && k_of(c) >= classes.size(c) / 2;
    let within = classes.searchers(labels, &kept, all.as_ref(), &y, brute)?;
    let radius = classes.radii(labels, &y, k, &within, &order, interrupt)?;
    let kept_radius: Vec<f64> = kept.iter().map(|&i| radius[i as usize]).collect();
    if options.duplicates == Duplicates::Refuse {
        if let Some(t) = first_zero(&kept_radius) {
            let i = kept[t] as usize;
            let space = format!("{} within its class of {labels_name}", y.name);
            return Err(duplicate_error(y.name, i, k_of(labels[i] as usize), &space));
        }
    }
    let within_radius: Vec<f64> = kept_radius.iter().map(|&r| strictly_within(r)).collect();
    let m = all.count_all(&within_radius, interrupt)?;
    let size = |t: usize| classes.size(labels[kept[t] as usize] as usize);
    let kc = |t: usize| k_of(labels[kept[t] as usize] as usize);
    let sum = total(kept.len(), |t| {
        psi(kc(t)) - psi(size(t)) - psi(m[t] as usize)
    });
    let kept_n = kept.len() as f64;
    let samples = if options.keep {
        (0..kept.len())
            .map(|t| {
                let record = Neighbourhood {
                    radius: [kept_radius[t], 0.0],
                    count: [kc(t) as u32, size(t) as u32, m[t]],
                };
                (kept[t], record)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Neighbourhoods {
        value: digamma(kept_n) + sum / kept_n,
        samples,
    })
}

// ---------------------------------------------------------------------------------------------
// Wang–Kulkarni–Verdú divergence

/// Wang–Kulkarni–Verdú estimate of `D(P‖Q)` in nats, not clipped, from samples `x ~ P` and
/// `y ~ Q` of the same dimension (see the module documentation).
pub fn kl_divergence(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    norm: Norm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<f64> {
    Ok(divergence(x, y, k, norm, false, memory_limit, interrupt)?.value)
}

/// [`kl_divergence`] with `[ρ_i, ν_i]` of every sample of `x`.
pub fn kl_divergence_neighbourhoods(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    norm: Norm,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    divergence(x, y, k, norm, true, memory_limit, interrupt)
}

fn divergence(
    x: Points<'_>,
    y: Points<'_>,
    k: usize,
    norm: Norm,
    keep: bool,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Neighbourhoods> {
    let (n, m, d) = (x.rows(), y.rows(), x.columns());
    if y.columns() != d {
        return Err(Error::ShapeMismatch {
            argument: y.name.into(),
            expected: vec![m, d],
            found: vec![m, y.columns()],
        });
    }
    check_k(k, n, x.name)?;
    if k > m {
        return Err(Error::InvalidArgument {
            argument: "k".into(),
            message: format!(
                "must be at most the number of samples of {} ({m}), got {k}",
                y.name
            ),
        });
    }
    let bytes = searcher_bytes(n, d)
        + searcher_bytes(m, d)
        + PASS_BYTES * n as u128
        + if keep { KEPT_BYTES * n as u128 } else { 0 };
    check_memory(bytes, memory_limit, || {
        format!("the neighbour searches over {n} + {m} samples of dimension {d}")
    })?;
    let (sx, sy) = rayon::join(
        || searcher(&[x], Rows::All, norm),
        || searcher(&[y], Rows::All, norm),
    );
    let (sx, sy) = (sx?, sy?);
    let pairs: Vec<(f64, f64)> = per_sample(
        n,
        &sx.order(),
        interrupt,
        || Best::new(k, false),
        |queries, best| sx.neighbours_many(queries, best),
        |i, best| {
            let rho = sx.distance(best.items()[k - 1].0);
            let mut other = Best::new(k, false);
            sy.neighbours_of(x.row(i), &mut other);
            (rho, sy.distance(other.items()[k - 1].0))
        },
    )?;
    let (rho, nu): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    if let Some(i) = first_zero(&rho) {
        return Err(duplicate_error(x.name, i, k, x.name));
    }
    if let Some(i) = first_zero(&nu) {
        return Err(Error::InvalidArgument {
            argument: y.name.into(),
            message: format!(
                "holds {k} or more exact copies of sample {i} of {} (its {} nearest \
                 neighbour in {} is at distance 0); drop them, or break the ties with a little \
                 noise (jitter=)",
                x.name,
                ordinal(k),
                y.name
            ),
        });
    }
    let sum = total(n, |i| nu[i].ln() - rho[i].ln());
    let value = d as f64 * (sum / n as f64) + (m as f64 / (n - 1) as f64).ln();
    Ok(Neighbourhoods {
        value,
        samples: records(keep, n, |i| Neighbourhood {
            radius: [rho[i], nu[i]],
            count: [0; 3],
        }),
    })
}
