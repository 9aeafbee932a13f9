//! Exact neighbour searches and range counts over one set of points.
//!
//! Three structures answer the same questions ([`Searcher`]): the `k` nearest neighbours of a
//! point, and how many points lie within a distance of it.
//!
//! - [`Axis`] — one dimension: the values sorted once (a radix sort). The neighbours of a sample
//!   are found by walking outwards from its own position (two pointers); a range count is two
//!   galloping searches from that position, so a query touches only the cache lines around it.
//! - [`Tree`] — 2 to [`TREE_DIMENSIONS`] dimensions: a k-d tree over a copy of the points
//!   (see the `tree` module).
//! - [`Brute`] — more dimensions: every pair, in tiles of queries and points that stay in cache.
//!
//! # Exactness
//! Distances are computed from the coordinates exactly as written in [`Metric`]: the max-norm
//! distance is `max_j |fl(a_j − b_j)|`, the Euclidean one `sqrt(Σ_j fl(a_j − b_j)²)` summed in
//! order of `j`. Every bound used to skip points (a box's nearest and farthest corner, a galloping
//! step) is computed from coordinates of the points themselves, and rounding is monotone, so a
//! bound never disagrees with the distance of a point it stands for: searches and counts give
//! exactly the answer of a brute-force loop over the same formula.
//!
//! Neighbours are ranked by `(distance, index)`: among points at the same distance the smaller
//! index comes first. The `k`-th distance does not depend on this; the neighbours' identities (used
//! by KSG's second algorithm) do, and with `ties = true` a search keeps exploring boxes at exactly
//! the current `k`-th distance to find them.

mod axis;
mod brute;
mod tree;

use super::{Norm, Points};
use crate::{Error, Result};
use axis::Axis;
use brute::Brute;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use tree::{depth, Tree};

/// Points per parallel task of the default [`Searcher::count_all`].
const COUNT_CHUNK: usize = 1 << 10;

/// Most dimensions searched with a [`Tree`]; [`Brute`] above.
pub(super) const TREE_DIMENSIONS: usize = 8;

/// Rows gathered per parallel task.
const GATHER_CHUNK: usize = 1 << 14;

// ---------------------------------------------------------------------------------------------
// Distances

/// The larger of `a` and `b`, for finite values: one `maxsd` (`f64::max` also handles NaN, which
/// the searches never see: every coordinate was checked finite when it was copied).
#[inline(always)]
pub(super) fn larger(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// The smaller of `a` and `b`, for finite values (see [`larger`]).
#[inline(always)]
pub(super) fn smaller(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// A distance between points, through a monotone "reduced" form that is cheaper to compare
/// (the squared distance for the Euclidean norm).
pub(super) trait Metric: Copy + Send + Sync + 'static {
    /// The reduced distance between `a` and `b` (equal lengths).
    fn reduced(a: &[f64], b: &[f64]) -> f64;
    /// The reduced distance so far, `acc` (0 to start), with one more coordinate difference.
    fn accumulate(acc: f64, difference: f64) -> f64;
    /// A lower bound of the reduced distance from `q` to any point of the box `[lo, hi]`.
    fn to_box(q: &[f64], lo: &[f64], hi: &[f64]) -> f64;
    /// The distance whose reduced form is `reduced`.
    fn distance(reduced: f64) -> f64;
}

/// The max-norm (Chebyshev) distance `max_j |a_j − b_j|`.
#[derive(Clone, Copy, Debug)]
pub(super) struct MaxNorm;

/// The Euclidean distance `sqrt(Σ_j (a_j − b_j)²)`, compared in squared form.
#[derive(Clone, Copy, Debug)]
pub(super) struct Euclidean;

impl Metric for MaxNorm {
    #[inline(always)]
    fn reduced(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .fold(0.0, |acc, (x, y)| Self::accumulate(acc, x - y))
    }

    #[inline(always)]
    fn accumulate(acc: f64, difference: f64) -> f64 {
        larger(acc, difference.abs())
    }

    #[inline(always)]
    fn to_box(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut m = 0.0f64;
        for ((x, l), h) in q.iter().zip(lo).zip(hi) {
            m = larger(larger(m, l - x), x - h);
        }
        m
    }

    #[inline(always)]
    fn distance(reduced: f64) -> f64 {
        reduced
    }
}

impl Metric for Euclidean {
    #[inline(always)]
    fn reduced(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .fold(0.0, |acc, (x, y)| Self::accumulate(acc, x - y))
    }

    #[inline(always)]
    fn accumulate(acc: f64, difference: f64) -> f64 {
        acc + difference * difference
    }

    #[inline(always)]
    fn to_box(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0f64;
        for ((x, l), h) in q.iter().zip(lo).zip(hi) {
            let t = larger(larger(l - x, x - h), 0.0);
            s += t * t;
        }
        s
    }

    #[inline(always)]
    fn distance(reduced: f64) -> f64 {
        reduced.sqrt()
    }
}

/// The max-norm distance between `a` and `b`.
#[inline]
pub(super) fn max_distance(a: &[f64], b: &[f64]) -> f64 {
    MaxNorm::reduced(a, b)
}

// ---------------------------------------------------------------------------------------------
// The k best candidates

/// The `k` nearest candidates seen so far, ascending by `(reduced distance, index)`.
///
/// Distances are compared exactly (`==` included): ties are decided by index, never by a margin.
#[derive(Debug, Clone)]
pub(super) struct Best {
    k: usize,
    ties: bool,
    items: Vec<(f64, u32)>,
}

#[allow(clippy::float_cmp)] // exact ties are the point
impl Best {
    /// Room for `k ≥ 1` neighbours; with `ties`, boxes at exactly the `k`-th distance are
    /// explored too, so that the neighbours themselves (not only their distances) are exact.
    pub(super) fn new(k: usize, ties: bool) -> Self {
        Best {
            k,
            ties,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// The candidates, nearest first.
    pub(super) fn items(&self) -> &[(f64, u32)] {
        &self.items
    }

    /// The reduced distance of the `k`-th candidate (`+∞` while there are fewer).
    #[inline(always)]
    pub(super) fn bound(&self) -> f64 {
        if self.items.len() < self.k {
            f64::INFINITY
        } else {
            self.items[self.k - 1].0
        }
    }

    /// Whether a box at reduced distance `d` may hold a better candidate.
    #[inline(always)]
    pub(super) fn admits(&self, d: f64) -> bool {
        let bound = self.bound();
        d < bound || (self.ties && d == bound)
    }

    /// Offers the candidate `(d, index)`.
    #[inline(always)]
    pub(super) fn offer(&mut self, d: f64, index: u32) {
        let before = |(e, j): (f64, u32)| e < d || (e == d && j < index);
        let mut t = self.items.len();
        if t == self.k {
            if before(self.items[t - 1]) {
                return; // the farthest kept is nearer than the candidate
            }
            t -= 1;
        } else {
            self.items.push((d, index));
        }
        // Shift the farther candidates up one place (k is small: no memmove call).
        while t > 0 && !before(self.items[t - 1]) {
            self.items[t] = self.items[t - 1];
            t -= 1;
        }
        self.items[t] = (d, index);
    }
}

// ---------------------------------------------------------------------------------------------
// The searcher interface

/// Neighbour searches over a set of `m` points, addressed by their *local* index `0..m`.
pub(super) trait Searcher: Send + Sync {
    /// Number of points.
    fn len(&self) -> usize;
    /// Local indices in an order that keeps consecutive queries close in memory.
    fn order(&self) -> Vec<u32>;
    /// Fills `best` with the nearest points to point `i`, other than `i` itself.
    fn neighbours(&self, i: usize, best: &mut Best);
    /// Fills `best` with the nearest points to `q` (a point of the same dimension, not a member).
    fn neighbours_of(&self, q: &[f64], best: &mut Best);
    /// The reduced distance from point `i` to its `k`-th nearest other point (`k < len`).
    fn kth_distance(&self, i: usize, k: usize) -> f64 {
        let mut best = Best::new(k, false);
        self.neighbours(i, &mut best);
        best.items()[k - 1].0
    }
    /// [`Searcher::kth_distance`] of each of `queries`.
    fn kth_distances(&self, queries: &[u32], k: usize) -> Vec<f64> {
        let mut best: Vec<Best> = queries.iter().map(|_| Best::new(k, false)).collect();
        self.neighbours_many(queries, &mut best);
        best.iter().map(|b| b.items()[k - 1].0).collect()
    }
    /// Searchers over the groups of the points (`group[i]` in `0..groups` for local index `i`,
    /// whose index within its group is `local[i]`), when they can be made without sorting again
    /// (sorted values are split in one pass); `None` otherwise.
    fn split(
        &self,
        _group: &[u32],
        _local: &[u32],
        _groups: usize,
    ) -> Option<Vec<Box<dyn Searcher>>> {
        None
    }
    /// [`Searcher::neighbours`] of each of `queries` into the matching `best` (emptied first).
    fn neighbours_many(&self, queries: &[u32], best: &mut [Best]) {
        for (&i, b) in queries.iter().zip(best.iter_mut()) {
            b.items.clear();
            self.neighbours(i as usize, b);
        }
    }
    /// Number of points (`i` included) within max-norm distance `r` of point `i`: `≤ r`.
    fn count(&self, i: usize, r: f64) -> usize;
    /// [`Searcher::count`] of every point `i` within `radius[i]`, in parallel; stops early (with
    /// [`Error::Interrupted`]) once `interrupt` is raised.
    fn count_all(&self, radius: &[f64], interrupt: &AtomicBool) -> Result<Vec<u32>> {
        let parts: Vec<Result<Vec<u32>>> = radius
            .par_chunks(COUNT_CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                Ok(chunk
                    .iter()
                    .enumerate()
                    .map(|(t, &r)| self.count(c * COUNT_CHUNK + t, r) as u32)
                    .collect())
            })
            .collect();
        let mut out = Vec::with_capacity(radius.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }
    /// The distance whose reduced form is `reduced`.
    fn distance(&self, reduced: f64) -> f64;
}

/// Bytes a searcher over `m` points of dimension `d` allocates (an upper estimate).
pub(super) fn searcher_bytes(m: usize, d: usize) -> u128 {
    let m = m as u128;
    let d = d as u128;
    if d <= 1 {
        // The (value, index) pairs being sorted, then values, indices and positions.
        16 * m + 16 * m
    } else if d <= TREE_DIMENSIONS as u128 {
        let nodes = 1u128 << (depth(m as usize) + 1);
        // Entries (coordinates + index, padded), boxes, positions, and the level lists.
        (8 * d + 8) * m + 16 * d * nodes + 4 * m + 24 * nodes
    } else {
        8 * d * m + 8 * m
    }
}

/// Which rows of `parts` a searcher holds: all `0..n`, or the listed ones (local index `t` is
/// row `rows[t]`).
#[derive(Clone, Copy)]
pub(super) enum Rows<'a> {
    All,
    Listed(&'a [u32]),
}

impl Rows<'_> {
    fn len(self, n: usize) -> usize {
        match self {
            Rows::All => n,
            Rows::Listed(rows) => rows.len(),
        }
    }

    #[inline(always)]
    fn row(self, t: usize) -> usize {
        match self {
            Rows::All => t,
            Rows::Listed(rows) => rows[t] as usize,
        }
    }
}

/// A searcher over the points whose coordinates are the concatenated rows of `parts` (all with
/// the same number of rows), restricted to `rows`; distances in `norm` (ranges always in the max
/// norm). Every coordinate is checked to be finite while it is copied; the error names the part
/// and the first offending row.
pub(super) fn searcher(
    parts: &[Points<'_>],
    rows: Rows<'_>,
    norm: Norm,
) -> Result<Box<dyn Searcher>> {
    let d: usize = parts.iter().map(Points::columns).sum();
    macro_rules! tree {
        ($($dims:literal),*) => {
            match (d, norm) {
                (1, _) => Ok(Box::new(Axis::new(parts, rows)?)),
                $(
                    ($dims, Norm::Max) => Ok(Box::new(Tree::<$dims, MaxNorm>::new(parts, rows)?)),
                    ($dims, Norm::Euclidean) => {
                        Ok(Box::new(Tree::<$dims, Euclidean>::new(parts, rows)?))
                    }
                )*
                (_, Norm::Max) => Ok(Box::new(Brute::<MaxNorm>::new(parts, rows)?)),
                (_, Norm::Euclidean) => Ok(Box::new(Brute::<Euclidean>::new(parts, rows)?)),
            }
        };
    }
    tree!(2, 3, 4, 5, 6, 7, 8)
}

/// Copies the selected rows of `parts` into `out` (`d` values per row, `out.len() / d` rows),
/// in parallel; fails on the first non-finite value (smallest row, then first part and column).
fn gather(parts: &[Points<'_>], rows: Rows<'_>, d: usize, out: &mut [f64]) -> Result<()> {
    if d == 0 || out.is_empty() {
        return Ok(());
    }
    let failures: Vec<Option<Error>> = out
        .par_chunks_mut(GATHER_CHUNK * d)
        .enumerate()
        .map(|(c, chunk)| {
            for (r, point) in chunk.chunks_exact_mut(d).enumerate() {
                let row = rows.row(c * GATHER_CHUNK + r);
                let mut offset = 0;
                for part in parts {
                    let values = part.row(row);
                    for (j, &v) in values.iter().enumerate() {
                        if !v.is_finite() {
                            return Some(part.not_finite(row, j, v));
                        }
                    }
                    point[offset..offset + values.len()].copy_from_slice(values);
                    offset += values.len();
                }
            }
            None
        })
        .collect();
    match failures.into_iter().flatten().next() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Local positions of the points held, indexed by local index (`position[i]` = slot of point
/// `i`), from the local index stored in every slot.
fn positions(indices: impl Iterator<Item = u32>, m: usize) -> Vec<u32> {
    let mut position = vec![0u32; m];
    for (slot, i) in indices.enumerate() {
        position[i as usize] = slot as u32;
    }
    position
}
