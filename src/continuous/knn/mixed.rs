//! Ross's estimate for a discrete and a continuous variable (see the parent module's
//! documentation).

use super::search::{searcher, searcher_bytes, Best, Rows, Searcher};
use super::{
    check_memory, duplicate_error, first_zero, per_sample, psi, sklearn, strictly_within, total,
    Duplicates, Neighbourhood, Neighbourhoods, Norm, Points, KEPT_BYTES, PASS_BYTES,
};
use crate::numeric::special::digamma;
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::AtomicBool;

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
