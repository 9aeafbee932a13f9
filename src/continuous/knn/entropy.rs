//! Kozachenko–Leonenko entropy (see the parent module's documentation).

use super::search::{searcher, searcher_bytes, Rows};
use super::{
    check_k, check_memory, kth_per_sample, psi, records, total, Neighbourhood, Neighbourhoods,
    Norm, Points, KEPT_BYTES, PASS_BYTES,
};
use crate::numeric::special::digamma;
use crate::Result;
use std::sync::atomic::AtomicBool;

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
