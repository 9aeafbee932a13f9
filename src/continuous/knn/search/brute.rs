//! More dimensions: every pair, in tiles of queries and points that stay in cache.

use super::{gather, Best, MaxNorm, Metric, Points, Rows, Searcher};
use crate::Result;
use std::marker::PhantomData;

/// Queries per tile.
const QUERY_TILE: usize = 32;

/// Points per tile.
const POINT_TILE: usize = 512;

/// All points, row-major, compared pair by pair.
pub(super) struct Brute<M> {
    d: usize,
    data: Vec<f64>,
    metric: PhantomData<M>,
}

impl<M: Metric> Brute<M> {
    pub(super) fn new(parts: &[Points<'_>], rows: Rows<'_>) -> Result<Self> {
        let d = parts.iter().map(Points::columns).sum();
        let m = rows.len(parts[0].rows());
        let mut data = vec![0.0; m * d];
        gather(parts, rows, d, &mut data)?;
        Ok(Brute {
            d,
            data,
            metric: PhantomData,
        })
    }

    fn point(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// The neighbours of each query of a tile: `queries[t]` is `(point, skip)`.
    fn tile(&self, queries: &[(&[f64], usize)], best: &mut [Best]) {
        let m = self.len();
        for start in (0..m).step_by(POINT_TILE) {
            let end = (start + POINT_TILE).min(m);
            for ((q, skip), best) in queries.iter().zip(best.iter_mut()) {
                for j in start..end {
                    if j != *skip {
                        best.offer(M::reduced(self.point(j), q), j as u32);
                    }
                }
            }
        }
    }
}

impl<M: Metric> Searcher for Brute<M> {
    fn len(&self) -> usize {
        self.data.len() / self.d
    }

    fn order(&self) -> Vec<u32> {
        (0..self.len() as u32).collect()
    }

    fn neighbours(&self, i: usize, best: &mut Best) {
        self.tile(&[(self.point(i), i)], std::slice::from_mut(best));
    }

    /// A tile of [`QUERY_TILE`] queries at a time, each tile streaming the points once.
    fn neighbours_many(&self, queries: &[u32], best: &mut [Best]) {
        for (qs, bs) in queries.chunks(QUERY_TILE).zip(best.chunks_mut(QUERY_TILE)) {
            let tile: Vec<(&[f64], usize)> = qs
                .iter()
                .map(|&i| (self.point(i as usize), i as usize))
                .collect();
            for b in bs.iter_mut() {
                b.items.clear();
            }
            self.tile(&tile, bs);
        }
    }

    fn neighbours_of(&self, q: &[f64], best: &mut Best) {
        self.tile(&[(q, usize::MAX)], std::slice::from_mut(best));
    }

    fn count(&self, i: usize, r: f64) -> usize {
        let q = self.point(i);
        (0..self.len())
            .filter(|&j| MaxNorm::reduced(self.point(j), q) <= r)
            .count()
    }

    fn distance(&self, reduced: f64) -> f64 {
        M::distance(reduced)
    }
}
