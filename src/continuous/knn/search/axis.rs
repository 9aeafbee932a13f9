//! One dimension: the values sorted once.

use super::{gather, positions, Best, Points, Rows, Searcher};
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The values of a one-dimensional variable, sorted.
pub(super) struct Axis {
    values: Vec<f64>,
    /// Local index of the point at each sorted position.
    index: Vec<u32>,
    /// Sorted position of each local index.
    position: Vec<u32>,
}

/// An integer whose order is the order of the doubles (`−0` just below `+0`, as `total_cmp`).
#[inline(always)]
fn key_of(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The double whose key is `key`.
#[inline(always)]
fn value_of(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// `(key, index)` of every value, ascending by value then index: a least-significant-digit radix
/// sort on the keys (11-bit digits; a pass whose digit is the same for every key is skipped).
/// Stable, and the pairs start in index order, so equal values stay in index order.
fn sorted(values: &[f64]) -> Vec<(u64, u32)> {
    const BITS: usize = 11;
    const BUCKETS: usize = 1 << BITS;
    const PASSES: usize = 64_usize.div_ceil(BITS);
    let mut pairs: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (key_of(v), i as u32))
        .collect();
    if pairs.len() < 1024 {
        pairs.sort_unstable();
        return pairs;
    }
    let digit = |key: u64, pass: usize| ((key >> (pass * BITS)) as usize) & (BUCKETS - 1);
    let mut counts = vec![0usize; PASSES * BUCKETS];
    for &(key, _) in &pairs {
        for pass in 0..PASSES {
            counts[pass * BUCKETS + digit(key, pass)] += 1;
        }
    }
    let mut spare = vec![(0u64, 0u32); pairs.len()];
    for pass in 0..PASSES {
        let next = &mut counts[pass * BUCKETS..(pass + 1) * BUCKETS];
        if next.contains(&pairs.len()) {
            continue;
        }
        let mut sum = 0;
        for slot in next.iter_mut() {
            let count = *slot;
            *slot = sum;
            sum += count;
        }
        for &(key, i) in &pairs {
            let d = digit(key, pass);
            spare[next[d]] = (key, i);
            next[d] += 1;
        }
        std::mem::swap(&mut pairs, &mut spare);
    }
    pairs
}

/// Sorted positions per parallel task of [`Axis::count_all`].
const SWEEP_CHUNK: usize = 1 << 12;

/// The largest `t` in `a..end` with `inside(t)`, for a predicate true on `a..=B` and false
/// after (`inside(a)` holds): gallop from `hint` towards the boundary, then bisect.
#[inline(always)]
fn last_inside(a: usize, end: usize, hint: usize, inside: impl Fn(usize) -> bool) -> usize {
    let hint = hint.clamp(a, end - 1);
    if inside(hint) {
        let (mut low, mut step) = (hint, 1usize);
        while low + step < end && inside(low + step) {
            low += step;
            step *= 2;
        }
        let high = (low + step).min(end);
        low + bisect(low + 1, high, &inside)
    } else {
        let (mut high, mut step) = (hint, 1usize);
        while high >= a + step && !inside(high - step) {
            high -= step;
            step *= 2;
        }
        let low = if high >= a + step { high - step } else { a };
        low + bisect(low + 1, high, &inside)
    }
}

/// How many of `from..to` satisfy `inside` (true then false), by bisection without branches
/// on the outcome (the compiler turns the update into a conditional move).
#[inline(always)]
fn bisect(from: usize, to: usize, inside: &impl Fn(usize) -> bool) -> usize {
    if to <= from {
        return 0;
    }
    let (mut base, mut len) = (from, to - from);
    while len > 1 {
        let half = len / 2;
        if inside(base + half) {
            base += half;
        }
        len -= half;
    }
    base - from + usize::from(inside(base))
}

impl Axis {
    /// `(low, high)`: the positions whose values lie within max-norm distance `r` of the value at
    /// `p` (`fl(v − w) ≤ r` below, `fl(w − v) ≤ r` above), searched from the hints.
    #[inline(always)]
    fn window(&self, p: usize, r: f64, (low_hint, high_hint): (usize, usize)) -> (usize, usize) {
        let values = &self.values;
        let v = values[p];
        let high = last_inside(p, values.len(), high_hint, |t| values[t] - v <= r);
        // Below `p`, the same search on positions counted downwards from `p`.
        let down = last_inside(0, p + 1, p - low_hint.min(p), |t| v - values[p - t] <= r);
        (p - down, high)
    }

    pub(super) fn new(parts: &[Points<'_>], rows: Rows<'_>) -> Result<Self> {
        let m = rows.len(parts[0].rows());
        let mut values = vec![0.0; m];
        gather(parts, rows, 1, &mut values)?;
        Ok(Self::from_values(values))
    }

    /// Sorts `values` (finite), keeping track of where each one went.
    pub(super) fn from_values(values: Vec<f64>) -> Self {
        let m = values.len();
        let pairs = sorted(&values);
        drop(values);
        let (values, index): (Vec<f64>, Vec<u32>) = pairs
            .into_par_iter()
            .map(|(key, i)| (value_of(key), i))
            .unzip();
        let position = positions(index.iter().copied(), m);
        Axis {
            values,
            index,
            position,
        }
    }

    /// The `k` nearest (ties by index) to the value at sorted position `p` (`skip` excluded)
    /// or to `q`; `left`/`right` are the first positions to look at on each side.
    fn walk(&self, q: f64, mut left: usize, mut right: usize, skip: usize, best: &mut Best) {
        let n = self.values.len();
        loop {
            let bound = best.bound();
            // Distances grow outwards on both sides (rounding is monotone).
            let dl = (left > 0).then(|| q - self.values[left - 1]);
            let dr = (right < n).then(|| self.values[right] - q);
            let take_left = match (dl, dr) {
                (None, None) => return,
                (Some(a), Some(b)) => a <= b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            let d = if take_left { dl } else { dr }.unwrap_or(f64::INFINITY);
            if d > bound {
                return;
            }
            let p = if take_left {
                left -= 1;
                left
            } else {
                right += 1;
                right - 1
            };
            if p != skip {
                best.offer(d, self.index[p]);
            }
        }
    }
}

impl Searcher for Axis {
    fn len(&self) -> usize {
        self.values.len()
    }

    /// Two pointers outwards from the point's position: `k` steps, no candidate list.
    fn kth_distance(&self, i: usize, k: usize) -> f64 {
        let values = &self.values;
        let p = self.position[i] as usize;
        let v = values[p];
        let (mut left, mut right, mut d) = (p, p + 1, 0.0);
        for _ in 0..k {
            let dl = if left > 0 {
                v - values[left - 1]
            } else {
                f64::INFINITY
            };
            let dr = if right < values.len() {
                values[right] - v
            } else {
                f64::INFINITY
            };
            if dl <= dr {
                d = dl;
                left = left.saturating_sub(1);
            } else {
                d = dr;
                right += 1;
            }
        }
        d
    }

    fn kth_distances(&self, queries: &[u32], k: usize) -> Vec<f64> {
        queries
            .iter()
            .map(|&i| self.kth_distance(i as usize, k))
            .collect()
    }

    /// One pass over the sorted values, dealing each to its group: every group comes out sorted.
    fn split(&self, group: &[u32], local: &[u32], groups: usize) -> Option<Vec<Box<dyn Searcher>>> {
        let mut parts: Vec<(Vec<f64>, Vec<u32>)> = vec![(Vec::new(), Vec::new()); groups];
        for (&v, &i) in self.values.iter().zip(&self.index) {
            let part = &mut parts[group[i as usize] as usize];
            part.0.push(v);
            part.1.push(local[i as usize]);
        }
        Some(
            parts
                .into_iter()
                .map(|(values, index)| {
                    let position = positions(index.iter().copied(), index.len());
                    Box::new(Axis {
                        values,
                        index,
                        position,
                    }) as Box<dyn Searcher>
                })
                .collect(),
        )
    }

    fn order(&self) -> Vec<u32> {
        self.index.clone()
    }

    fn neighbours(&self, i: usize, best: &mut Best) {
        let p = self.position[i] as usize;
        self.walk(self.values[p], p, p + 1, p, best);
    }

    fn neighbours_of(&self, q: &[f64], best: &mut Best) {
        let q = q[0];
        let p = self.values.partition_point(|&v| v < q);
        self.walk(q, p, p, usize::MAX, best);
    }

    fn count(&self, i: usize, r: f64) -> usize {
        let p = self.position[i] as usize;
        let (low, high) = self.window(p, r, (p, p));
        high - low + 1
    }

    /// All counts in one sweep over the sorted values, in parallel chunks of positions: each
    /// search starts from the previous position's answer, a few cache lines away.
    fn count_all(&self, radius: &[f64], interrupt: &AtomicBool) -> Result<Vec<u32>> {
        let m = self.values.len();
        // The radii in sorted order first: a tight loop of independent loads, whose cache misses
        // overlap (inside the sweep each one would stall the searches).
        let sorted_radius: Vec<f64> = self.index.par_iter().map(|&i| radius[i as usize]).collect();
        let parts: Vec<Result<Vec<u32>>> = (0..m.div_ceil(SWEEP_CHUNK))
            .into_par_iter()
            .map(|c| {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                let (start, end) = (c * SWEEP_CHUNK, ((c + 1) * SWEEP_CHUNK).min(m));
                let mut counts = Vec::with_capacity(end - start);
                // The previous window, as offsets from its position, and its radius: the next
                // window is guessed by scaling them with the ratio of radii (the density of
                // neighbouring values changes slowly), then searched exactly from the guess.
                let (mut below, mut above, mut previous) = (0.0f64, 0.0f64, 0.0f64);
                for (p, &r) in (start..end).zip(&sorted_radius[start..end]) {
                    // A small window is found fastest from the sample itself.
                    let scale = if previous > 0.0 { r / previous } else { 0.0 };
                    let guess = |offset: f64| {
                        let offset = offset * scale;
                        if offset < 32.0 {
                            0
                        } else {
                            offset as usize
                        }
                    };
                    let low_hint = p.saturating_sub(guess(below));
                    let high_hint = p.saturating_add(guess(above));
                    let (low, high) = self.window(p, r, (low_hint, high_hint));
                    counts.push((high - low + 1) as u32);
                    (below, above, previous) = ((p - low) as f64, (high - p) as f64, r);
                }
                Ok(counts)
            })
            .collect();
        let mut out = vec![0u32; m];
        for (c, part) in parts.into_iter().enumerate() {
            for (t, count) in part?.into_iter().enumerate() {
                out[self.index[c * SWEEP_CHUNK + t] as usize] = count;
            }
        }
        Ok(out)
    }

    fn distance(&self, reduced: f64) -> f64 {
        reduced
    }
}
