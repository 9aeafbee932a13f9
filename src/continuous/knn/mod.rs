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
//! # Layout
//! This file holds what the estimators share (points, norms, neighbourhoods, the checks, the
//! per-sample loops and the memory constants); each estimator has its own file: `entropy.rs`
//! (Kozachenko–Leonenko), `mutual.rs` (KSG), `conditional.rs` (Frenzel–Pompe), `mixed.rs` (Ross),
//! `divergence.rs` (Wang–Kulkarni–Verdú); `search/` holds the exact neighbour searches and
//! `sklearn.rs` scikit-learn's conventions.
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

mod conditional;
mod divergence;
mod entropy;
mod mixed;
mod mutual;
mod search;
pub mod sklearn;
#[cfg(test)]
mod tests;

pub use conditional::{
    conditional_mutual_information, conditional_mutual_information_neighbourhoods,
};
pub use divergence::{kl_divergence, kl_divergence_neighbourhoods};
pub use entropy::{differential_entropy, entropy_neighbourhoods};
pub use mixed::{mixed_mutual_information, mixed_mutual_information_neighbourhoods};
pub(crate) use mixed::{ross, Mixed};
use mutual::ksg_with;
pub use mutual::{mutual_information, mutual_information_neighbourhoods, Algorithm};

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
