//! Up to [`TREE_DIMENSIONS`](super::TREE_DIMENSIONS) dimensions: a k-d tree.
//!
//! Each node splits its points at the median of the coordinate with the widest spread and keeps
//! the tight bounding box of its points. Nodes are stored in heap order (children of node `v` at
//! `2v + 1` and `2v + 2`; a node's points are a contiguous range, split at its middle), and the
//! tree is built level by level, the nodes of a level in parallel; its shape depends only on the
//! data, never on the number of threads.
//!
//! A single search descends into the nearer child first and skips a child whose box is farther
//! than the current `k`-th neighbour. The members' own neighbours are searched a leaf at a time
//! ([`Searcher::neighbours_many`] over consecutive positions): each query starts from its own
//! leaf's points and walks up the leaf's ancestors, searching a sibling subtree only when its box
//! is nearer than the current `k`-th neighbour (a traversal shared by the whole leaf, pruned by
//! box-to-box distances, measured five times more instructions per query). A range count adds
//! whole subtrees whose box lies within the radius.

use super::{gather, larger, positions, smaller, Best, MaxNorm, Metric, Points, Rows, Searcher};
use crate::Result;
use rayon::prelude::*;
use std::marker::PhantomData;

/// Most points in a leaf.
pub(super) const LEAF: usize = 8;

/// A point of a [`Tree`]: its coordinates and local index.
#[derive(Clone, Copy, Debug)]
struct Entry<const D: usize> {
    p: [f64; D],
    index: u32,
}

/// The bounding box of a node's points.
#[derive(Clone, Copy, Debug)]
struct Bounds<const D: usize> {
    lo: [f64; D],
    hi: [f64; D],
}

/// Depth of the tree over `m` points (a single leaf has depth 0).
pub(super) fn depth(m: usize) -> u32 {
    let mut depth = 0;
    let mut len = m;
    while len > LEAF {
        len -= len / 2;
        depth += 1;
    }
    depth
}

/// Nearest and farthest max-norm distance from `q` to the box `[lo, hi]`.
#[inline(always)]
fn box_range(q: &[f64], lo: &[f64], hi: &[f64]) -> (f64, f64) {
    let (mut near, mut far) = (0.0f64, 0.0f64);
    for ((x, l), h) in q.iter().zip(lo).zip(hi) {
        near = larger(larger(near, l - x), x - h);
        far = larger(larger(far, x - l), h - x);
    }
    (near, far)
}

/// A k-d tree over points of dimension `D`, searched in the metric `M`.
///
/// The points are stored in tree order with their local index, each point's coordinates
/// together (a leaf is a few consecutive cache lines). A dimension-major layout, which lets the
/// distances to a leaf's points be computed in one vectorised loop, measured slower here: a leaf
/// then spans `D` distant columns.
pub(super) struct Tree<const D: usize, M> {
    entries: Vec<Entry<D>>,
    bounds: Vec<Bounds<D>>,
    position: Vec<u32>,
    metric: PhantomData<M>,
}

impl<const D: usize, M: Metric> Tree<D, M> {
    pub(super) fn new(parts: &[Points<'_>], rows: Rows<'_>) -> Result<Self> {
        let m = rows.len(parts[0].rows());
        let mut flat = vec![0.0; m * D];
        gather(parts, rows, D, &mut flat)?;
        let entries: Vec<Entry<D>> = flat
            .par_chunks_exact(D)
            .enumerate()
            .map(|(i, c)| {
                let mut p = [0.0; D];
                p.copy_from_slice(c);
                Entry { p, index: i as u32 }
            })
            .collect();
        drop(flat);
        Ok(Self::build(entries))
    }

    /// Builds the tree level by level: every node of a level computes its box and, if it is
    /// not a leaf, moves its median point (along the widest coordinate) to its middle.
    fn build(mut entries: Vec<Entry<D>>) -> Self {
        let m = entries.len();
        let empty = Bounds {
            lo: [0.0; D],
            hi: [0.0; D],
        };
        let mut bounds = vec![empty; (1usize << (depth(m) + 1)) - 1];
        let mut level: Vec<(usize, usize, usize)> = vec![(0, 0, m)];
        while !level.is_empty() {
            let mut slices = Vec::with_capacity(level.len());
            let mut rest: &mut [Entry<D>] = &mut entries;
            let mut offset = 0;
            for &(node, start, end) in &level {
                let tail = std::mem::take(&mut rest);
                let (_, tail) = tail.split_at_mut(start - offset);
                let (mine, tail) = tail.split_at_mut(end - start);
                slices.push((node, mine));
                rest = tail;
                offset = end;
            }
            let boxes: Vec<(usize, Bounds<D>)> = slices
                .into_par_iter()
                .map(|(node, points)| {
                    let b = bounding_box(points);
                    if points.len() > LEAF {
                        let mut widest = 0;
                        for j in 1..D {
                            if b.hi[j] - b.lo[j] > b.hi[widest] - b.lo[widest] {
                                widest = j;
                            }
                        }
                        let mid = points.len() / 2;
                        points.select_nth_unstable_by(mid, |a, b| {
                            a.p[widest].total_cmp(&b.p[widest])
                        });
                    }
                    (node, b)
                })
                .collect();
            for (node, b) in boxes {
                bounds[node] = b;
            }
            level = level
                .iter()
                .filter(|&&(_, start, end)| end - start > LEAF)
                .flat_map(|&(node, start, end)| {
                    let mid = start + (end - start) / 2;
                    [(2 * node + 1, start, mid), (2 * node + 2, mid, end)]
                })
                .collect();
        }
        let position = positions(entries.iter().map(|e| e.index), m);
        Tree {
            entries,
            bounds,
            position,
            metric: PhantomData,
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn search(
        &self,
        node: usize,
        start: usize,
        end: usize,
        q: &[f64; D],
        skip: u32,
        best: &mut Best,
    ) {
        if end - start <= LEAF {
            self.scan(start, end, q, skip, best);
            return;
        }
        let mid = start + (end - start) / 2;
        let (left, right) = (2 * node + 1, 2 * node + 2);
        let (bl, br) = (&self.bounds[left], &self.bounds[right]);
        let dl = M::to_box(q, &bl.lo, &bl.hi);
        let dr = M::to_box(q, &br.lo, &br.hi);
        if dl <= dr {
            if best.admits(dl) {
                self.search(left, start, mid, q, skip, best);
            }
            if best.admits(dr) {
                self.search(right, mid, end, q, skip, best);
            }
        } else {
            if best.admits(dr) {
                self.search(right, mid, end, q, skip, best);
            }
            if best.admits(dl) {
                self.search(left, start, mid, q, skip, best);
            }
        }
    }

    /// The leaves overlapping positions `a..b`, as `(node, start, end)`, in order.
    fn leaves_in(
        (node, start, end): (usize, usize, usize),
        (a, b): (usize, usize),
        out: &mut Vec<(usize, usize, usize)>,
    ) {
        if end <= a || start >= b {
            return;
        }
        if end - start <= LEAF {
            out.push((node, start, end));
            return;
        }
        let mid = start + (end - start) / 2;
        Self::leaves_in((2 * node + 1, start, mid), (a, b), out);
        Self::leaves_in((2 * node + 2, mid, end), (a, b), out);
    }

    /// Offers the points `start..end` (a leaf) to the query `q` (the point `skip` excluded).
    #[inline(always)]
    fn scan(&self, start: usize, end: usize, q: &[f64; D], skip: u32, best: &mut Best) {
        let mut bound = best.bound();
        for e in &self.entries[start..end] {
            let d = M::reduced(&e.p, q);
            if d <= bound && e.index != skip {
                best.offer(d, e.index);
                bound = best.bound();
            }
        }
    }

    /// The neighbours of the members at positions `first..first + best.len()`, all in the leaf
    /// `(leaf, start, end)`: each starts from the leaf's own points, then walks up its ancestors,
    /// searching the sibling subtree at each level (nearer child first) unless that subtree's
    /// box is beyond its current `k`-th distance. The nearest subtrees come first, so the bound
    /// is tight early, and no query descends from the root.
    fn leaf_batch(
        &self,
        (leaf, start, end): (usize, usize, usize),
        first: usize,
        best: &mut [Best],
    ) {
        // The ancestors' (node, start, end), from the root down to the leaf's parent.
        let mut path = Vec::with_capacity(48);
        let (mut node, mut from, mut to) = (0, 0, self.len());
        while node != leaf {
            path.push((node, from, to));
            let mid = from + (to - from) / 2;
            if start < mid {
                (node, to) = (2 * node + 1, mid);
            } else {
                (node, from) = (2 * node + 2, mid);
            }
        }
        for (t, b) in best.iter_mut().enumerate() {
            let e = &self.entries[first + t];
            b.items.clear();
            self.scan(start, end, &e.p, e.index, b);
            let mut searched = leaf;
            for &(ancestor, from, to) in path.iter().rev() {
                if Self::strictly_inside(&e.p, b.bound(), &self.bounds[searched]) {
                    break; // no point outside the subtree searched so far can be nearer
                }
                searched = ancestor;
                let mid = from + (to - from) / 2;
                let sibling = if start < mid {
                    (2 * ancestor + 2, mid, to)
                } else {
                    (2 * ancestor + 1, from, mid)
                };
                let bounds = &self.bounds[sibling.0];
                if b.admits(M::to_box(&e.p, &bounds.lo, &bounds.hi)) {
                    self.search(sibling.0, sibling.1, sibling.2, &e.p, e.index, b);
                }
            }
        }
    }

    /// Whether every point within reduced distance `bound` of `q` lies strictly inside the box
    /// `b`: then every point on or beyond the box's faces (every point of another subtree, the
    /// splits being at the faces) is farther than `bound`.
    #[inline(always)]
    fn strictly_inside(q: &[f64; D], bound: f64, b: &Bounds<D>) -> bool {
        (0..D).all(|j| {
            M::accumulate(0.0, q[j] - b.lo[j]) > bound && M::accumulate(0.0, b.hi[j] - q[j]) > bound
        })
    }

    fn count_in(&self, node: usize, start: usize, end: usize, q: &[f64; D], r: f64) -> usize {
        let b = &self.bounds[node];
        let (near, far) = box_range(q, &b.lo, &b.hi);
        if near > r {
            return 0;
        }
        if far <= r {
            return end - start;
        }
        if end - start <= LEAF {
            return self.entries[start..end]
                .iter()
                .filter(|e| MaxNorm::reduced(&e.p, q) <= r)
                .count();
        }
        let mid = start + (end - start) / 2;
        self.count_in(2 * node + 1, start, mid, q, r) + self.count_in(2 * node + 2, mid, end, q, r)
    }
}

/// The tight bounding box of `points` (not empty).
fn bounding_box<const D: usize>(points: &[Entry<D>]) -> Bounds<D> {
    let mut b = Bounds {
        lo: points[0].p,
        hi: points[0].p,
    };
    for e in points {
        for j in 0..D {
            b.lo[j] = smaller(b.lo[j], e.p[j]);
            b.hi[j] = larger(b.hi[j], e.p[j]);
        }
    }
    b
}

impl<const D: usize, M: Metric> Searcher for Tree<D, M> {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn order(&self) -> Vec<u32> {
        self.entries.iter().map(|e| e.index).collect()
    }

    fn neighbours(&self, i: usize, best: &mut Best) {
        let e = &self.entries[self.position[i] as usize];
        self.search(0, 0, self.len(), &e.p, e.index, best);
    }

    /// Queries at consecutive positions (such as chunks of [`Searcher::order`]) are answered a
    /// leaf at a time; others one by one.
    fn neighbours_many(&self, queries: &[u32], best: &mut [Best]) {
        let Some(&first) = queries.first() else {
            return;
        };
        let a = self.position[first as usize] as usize;
        let consecutive = queries
            .iter()
            .enumerate()
            .all(|(t, &i)| self.position[i as usize] as usize == a + t);
        if !consecutive {
            for (&i, b) in queries.iter().zip(best.iter_mut()) {
                b.items.clear();
                self.neighbours(i as usize, b);
            }
            return;
        }
        let b = a + queries.len();
        let mut leaves = Vec::new();
        Self::leaves_in((0, 0, self.len()), (a, b), &mut leaves);
        for (leaf, start, end) in leaves {
            let (from, to) = (start.max(a), end.min(b));
            self.leaf_batch((leaf, start, end), from, &mut best[from - a..to - a]);
        }
    }

    fn neighbours_of(&self, q: &[f64], best: &mut Best) {
        let mut p = [0.0; D];
        p.copy_from_slice(q);
        self.search(0, 0, self.len(), &p, u32::MAX, best);
    }

    fn count(&self, i: usize, r: f64) -> usize {
        let q = self.entries[self.position[i] as usize].p;
        self.count_in(0, 0, self.len(), &q, r)
    }

    fn distance(&self, reduced: f64) -> f64 {
        M::distance(reduced)
    }
}
