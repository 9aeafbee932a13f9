//! KSG mutual information (see the parent module's documentation).

use super::search::{searcher, searcher_bytes, Best, Rows, Searcher};
use super::{
    check_k, check_memory, check_same_rows, duplicate_error, first_zero, per_sample, psi, records,
    search, strictly_within, total, Duplicates, Neighbourhood, Neighbourhoods, Norm, Points,
    KEPT_BYTES, PASS_BYTES,
};
use crate::numeric::special::digamma;
use crate::options::named_options;
use crate::Result;
use std::sync::atomic::AtomicBool;

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
pub(super) fn ksg_with(
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
