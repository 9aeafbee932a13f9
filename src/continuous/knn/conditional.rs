//! Frenzel–Pompe conditional mutual information (see the parent module's documentation).

use super::search::{searcher, searcher_bytes, Rows};
use super::{
    check_k, check_memory, check_same_rows, duplicate_error, first_zero, kth_per_sample, psi,
    records, strictly_within, total, Neighbourhood, Neighbourhoods, Norm, Points, KEPT_BYTES,
    PASS_BYTES,
};
use crate::Result;
use std::sync::atomic::AtomicBool;

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
