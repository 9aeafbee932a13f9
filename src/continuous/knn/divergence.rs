//! Wang–Kulkarni–Verdú divergence (see the parent module's documentation).

use super::search::{searcher, searcher_bytes, Best, Rows};
use super::{
    check_k, check_memory, duplicate_error, first_zero, ordinal, per_sample, records, total,
    Neighbourhood, Neighbourhoods, Norm, Points, KEPT_BYTES, PASS_BYTES,
};
use crate::{Error, Result};
use std::sync::atomic::AtomicBool;

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
