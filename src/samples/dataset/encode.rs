//! Encoding: every column to dense codes `0..card` in ascending order of value, with its
//! histogram, column-major.
//!
//! 1. The range `[lo, hi]` of every column (one pass; a row-major matrix by blocks of rows).
//! 2. Raw values: `value − lo` in one byte (range ≤ 256) or two bytes (range ≤ 2^16), else the
//!    64-bit key. A row-major matrix is transposed by blocks of rows that stay in cache.
//! 3. Ranks: the histogram of the raw values gives each observed value its rank (a sort of the
//!    distinct keys for wide ranges); codes are one byte when at most 256 values are observed,
//!    four otherwise.

use super::{interrupted, Columns, COLUMN_CHUNK, NARROW};
use crate::{with_labels, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Widest value range coded through a two-byte offset and a 2^16-entry histogram.
const MEDIUM_WIDTH: u64 = 1 << 16;
/// Bytes of input per row block when a row-major matrix is transposed.
const TRANSPOSE_BYTES: usize = 1 << 18;
/// One-byte columns per tile of the transposition.
const TILE: usize = 64;

/// Dense codes of one column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Codes {
    Narrow(Vec<u8>),
    Wide(Vec<u32>),
}

/// One encoded column: codes `0..card` (ranks of the observed values) and their counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Encoded {
    pub(super) codes: Codes,
    /// `counts[c]` samples have code `c`; every count is positive.
    pub(super) counts: Vec<u64>,
    /// `keys[c]`: the label key ([`crate::Label::key`]) code `c` stands for (ascending).
    pub(super) keys: Vec<u64>,
}

impl Encoded {
    pub(crate) fn card(&self) -> usize {
        self.counts.len()
    }

    /// The label key of each code, ascending.
    pub(crate) fn keys(&self) -> &[u64] {
        &self.keys
    }

    pub(super) fn narrow(&self) -> Option<&[u8]> {
        match &self.codes {
            Codes::Narrow(c) => Some(c),
            Codes::Wide(_) => None,
        }
    }

    pub(super) fn labels(&self) -> Labels<'_> {
        match &self.codes {
            Codes::Narrow(c) => Labels::from(c.as_slice()),
            Codes::Wide(c) => Labels::from(c.as_slice()),
        }
    }
}

/// A column's raw values before ranking: offsets from its minimum (one or two bytes) or keys.
enum Raw {
    Small(Vec<u8>),
    Medium(Vec<u16>),
    Large(Vec<u64>),
}

/// A block of rows of a [`Raw`] column.
enum RawChunk<'b> {
    Small(&'b mut [u8]),
    Medium(&'b mut [u16]),
    Large(&'b mut [u64]),
}

/// Bytes per sample an encoded column may need at its peak, by the width of its value range.
fn bytes_per_sample(width: u128) -> u128 {
    if width <= NARROW as u128 {
        1
    } else if width <= u128::from(MEDIUM_WIDTH) {
        2 + 4
    } else {
        8 + 8 + 4
    }
}

fn new_raw(width: u128, n: usize) -> Raw {
    if width <= NARROW as u128 {
        Raw::Small(vec![0; n])
    } else if width <= u128::from(MEDIUM_WIDTH) {
        Raw::Medium(vec![0; n])
    } else {
        Raw::Large(vec![0; n])
    }
}

/// Rows of a row-major block holding about [`TRANSPOSE_BYTES`] of input.
fn block_rows<T>(d: usize) -> usize {
    (TRANSPOSE_BYTES / (d * std::mem::size_of::<T>()).max(1)).max(16)
}

/// Per-column minimum and maximum keys of a row-major `n × d` matrix.
fn row_major_ranges<T: Label>(data: &[T], d: usize, interrupt: &AtomicBool) -> Vec<(u64, u64)> {
    let rows = block_rows::<T>(d);
    let (lo, hi) = data
        .par_chunks(rows * d)
        .map(|block| {
            let mut lo = block[..d].to_vec();
            let mut hi = lo.clone();
            if interrupt.load(Ordering::Relaxed) {
                return (lo, hi);
            }
            for row in block.chunks_exact(d) {
                for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                    *l = if v < *l { v } else { *l };
                    *h = if v > *h { v } else { *h };
                }
            }
            (lo, hi)
        })
        .reduce_with(|(mut lo, mut hi), (l2, h2)| {
            for (a, b) in lo.iter_mut().zip(l2) {
                *a = (*a).min(b);
            }
            for (a, b) in hi.iter_mut().zip(h2) {
                *a = (*a).max(b);
            }
            (lo, hi)
        })
        .expect("the matrix is not empty");
    lo.into_iter()
        .zip(hi)
        .map(|(l, h)| (l.key(), h.key()))
        .collect()
}

/// Writes the raw values of `x` (minimum key `lo`) into `raw`.
fn fill_column<T: Label>(x: &[T], lo: u64, raw: &mut Raw) {
    match raw {
        Raw::Small(v) => v
            .par_chunks_mut(COLUMN_CHUNK)
            .zip(x.par_chunks(COLUMN_CHUNK))
            .for_each(|(o, s)| {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = (v.key() - lo) as u8;
                }
            }),
        Raw::Medium(v) => v
            .par_chunks_mut(COLUMN_CHUNK)
            .zip(x.par_chunks(COLUMN_CHUNK))
            .for_each(|(o, s)| {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = (v.key() - lo) as u16;
                }
            }),
        Raw::Large(v) => v
            .par_chunks_mut(COLUMN_CHUNK)
            .zip(x.par_chunks(COLUMN_CHUNK))
            .for_each(|(o, s)| {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = v.key();
                }
            }),
    }
}

/// Transposes a row-major `n × d` matrix into the raw columns, by blocks of rows in parallel.
///
/// One-byte columns go by tiles of [`TILE`] columns, rows inner: each row's tile is one cache line
/// read, and the [`TILE`] output streams each fill a line before moving on.
fn transpose<T: Label>(
    data: &[T],
    d: usize,
    mins: &[u64],
    raws: &mut [Raw],
    interrupt: &AtomicBool,
) {
    let rows = block_rows::<T>(d);
    let blocks = (data.len() / d).div_ceil(rows);
    let mut per_block: Vec<Vec<RawChunk<'_>>> =
        (0..blocks).map(|_| Vec::with_capacity(d)).collect();
    for raw in raws.iter_mut() {
        match raw {
            Raw::Small(v) => {
                for (b, c) in v.chunks_mut(rows).enumerate() {
                    per_block[b].push(RawChunk::Small(c));
                }
            }
            Raw::Medium(v) => {
                for (b, c) in v.chunks_mut(rows).enumerate() {
                    per_block[b].push(RawChunk::Medium(c));
                }
            }
            Raw::Large(v) => {
                for (b, c) in v.chunks_mut(rows).enumerate() {
                    per_block[b].push(RawChunk::Large(c));
                }
            }
        }
    }
    per_block
        .into_par_iter()
        .zip(data.par_chunks(rows * d))
        .for_each(|(mut chunks, block)| {
            if interrupt.load(Ordering::Relaxed) {
                return;
            }
            let mut small: Vec<(usize, &mut [u8], u64)> = Vec::new();
            for (j, chunk) in chunks.iter_mut().enumerate() {
                let lo = mins[j];
                let values = block.chunks_exact(d).map(|row| row[j].key());
                match chunk {
                    RawChunk::Small(c) => small.push((j, &mut **c, lo)),
                    RawChunk::Medium(c) => {
                        for (o, v) in c.iter_mut().zip(values) {
                            *o = (v - lo) as u16;
                        }
                    }
                    RawChunk::Large(c) => {
                        for (o, v) in c.iter_mut().zip(values) {
                            *o = v;
                        }
                    }
                }
            }
            for tile in small.chunks_mut(TILE) {
                transpose_tile(block, d, tile);
            }
        });
}

/// Rows per sub-block of [`transpose_tile`]: a `TILE × TILE_ROWS` byte buffer on the stack.
const TILE_ROWS: usize = 64;

/// Writes the one-byte raw values of up to [`TILE`] columns `(j, out, lo)` of a row-major block
/// (`d` labels a row): by sub-blocks of [`TILE_ROWS`] rows transposed into a local buffer (which
/// nothing else can alias, so the column indices and minima stay in registers), then copied out
/// one contiguous run per column. `(v − lo) mod 256` is the offset since it is below 256.
fn transpose_tile<T: Label>(block: &[T], d: usize, tile: &mut [(usize, &mut [u8], u64)]) {
    let width = tile.len().min(TILE);
    let mut columns = [0usize; TILE];
    let mut lows = [0u8; TILE];
    for (k, (j, _, lo)) in tile.iter().enumerate().take(width) {
        columns[k] = *j;
        lows[k] = *lo as u8;
    }
    let mut buffer = [0u8; TILE * TILE_ROWS];
    let rows = block.len() / d;
    for start in (0..rows).step_by(TILE_ROWS) {
        let end = rows.min(start + TILE_ROWS);
        for (r, row) in block[start * d..end * d].chunks_exact(d).enumerate() {
            for k in 0..width {
                buffer[k * TILE_ROWS + r] = (row[columns[k]].key() as u8).wrapping_sub(lows[k]);
            }
        }
        for (k, (_, out, _)) in tile.iter_mut().enumerate().take(width) {
            out[start..end].copy_from_slice(&buffer[k * TILE_ROWS..k * TILE_ROWS + end - start]);
        }
    }
}

/// Histogram of bytes (four interleaved tables so runs of one value do not serialise).
pub(super) fn byte_histogram(x: &[u8]) -> Vec<u64> {
    x.par_chunks(COLUMN_CHUNK)
        .map(|chunk| {
            let mut t = [[0u32; 256]; 4];
            let mut quads = chunk.chunks_exact(4);
            for q in &mut quads {
                t[0][q[0] as usize] += 1;
                t[1][q[1] as usize] += 1;
                t[2][q[2] as usize] += 1;
                t[3][q[3] as usize] += 1;
            }
            for &v in quads.remainder() {
                t[0][v as usize] += 1;
            }
            (0..256)
                .map(|i| u64::from(t[0][i] + t[1][i] + t[2][i] + t[3][i]))
                .collect::<Vec<u64>>()
        })
        .reduce(
            || vec![0u64; 256],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// Ranks of the occupied bins of `histogram` (`u32::MAX` for empty bins), the compacted counts,
/// and the key of each occupied bin (bin `b` stands for key `lo + b`).
fn ranks(histogram: &[u64], lo: u64) -> (Vec<u32>, Vec<u64>, Vec<u64>) {
    let mut counts = Vec::new();
    let mut keys = Vec::new();
    let rank = histogram
        .iter()
        .enumerate()
        .map(|(b, &c)| {
            if c == 0 {
                u32::MAX
            } else {
                counts.push(c);
                keys.push(lo + b as u64);
                (counts.len() - 1) as u32
            }
        })
        .collect();
    (rank, counts, keys)
}

/// Codes of a column through `code(value) -> rank`, narrow when `card ≤ 256`.
fn recode<V: Copy + Sync>(values: &[V], card: usize, code: impl Fn(V) -> u32 + Sync) -> Codes {
    if card <= NARROW {
        let mut out = vec![0u8; values.len()];
        out.par_chunks_mut(COLUMN_CHUNK)
            .zip(values.par_chunks(COLUMN_CHUNK))
            .for_each(|(o, s)| {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = code(v) as u8;
                }
            });
        Codes::Narrow(out)
    } else {
        let mut out = vec![0u32; values.len()];
        out.par_chunks_mut(COLUMN_CHUNK)
            .zip(values.par_chunks(COLUMN_CHUNK))
            .for_each(|(o, s)| {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = code(v);
                }
            });
        Codes::Wide(out)
    }
}

/// Ranks the raw values of one column (minimum key `lo`).
fn finish(raw: Raw, lo: u64) -> Encoded {
    match raw {
        Raw::Small(mut v) => {
            let (rank, counts, keys) = ranks(&byte_histogram(&v), lo);
            let identity = rank.iter().take(counts.len()).all(|&r| r != u32::MAX);
            if !identity {
                v.par_chunks_mut(COLUMN_CHUNK).for_each(|chunk| {
                    for o in chunk {
                        *o = rank[*o as usize] as u8;
                    }
                });
            }
            Encoded {
                codes: Codes::Narrow(v),
                counts,
                keys,
            }
        }
        Raw::Medium(v) => {
            let histogram = v
                .par_chunks(COLUMN_CHUNK)
                .map(|chunk| {
                    let mut t = vec![0u64; MEDIUM_WIDTH as usize];
                    for &x in chunk {
                        t[x as usize] += 1;
                    }
                    t
                })
                .reduce_with(|mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                })
                .expect("columns are not empty");
            let (rank, counts, keys) = ranks(&histogram, lo);
            let codes = recode(&v, counts.len(), |x| rank[x as usize]);
            Encoded {
                codes,
                counts,
                keys,
            }
        }
        Raw::Large(v) => {
            let mut keys = v.clone();
            keys.par_sort_unstable();
            keys.dedup();
            let code = |k: u64| keys.binary_search(&k).map_or(0, |i| i as u32);
            let codes = recode(&v, keys.len(), code);
            let mut counts = vec![0u64; keys.len()];
            match &codes {
                Codes::Narrow(c) => {
                    for &x in c {
                        counts[x as usize] += 1;
                    }
                }
                Codes::Wide(c) => {
                    for &x in c {
                        counts[x as usize] += 1;
                    }
                }
            }
            Encoded {
                codes,
                counts,
                keys,
            }
        }
    }
}

/// Bytes held by the encoded columns.
pub(crate) fn encoded_bytes(columns: &[Encoded]) -> u128 {
    columns
        .iter()
        .map(|c| match &c.codes {
            Codes::Narrow(v) => v.len() as u128,
            Codes::Wide(v) => 4 * v.len() as u128,
        })
        .sum()
}

/// Encodes every column (see the module docs), within `memory_limit` bytes.
pub(super) fn encode(
    x: &Columns<'_>,
    n: usize,
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<Encoded>> {
    let ranges: Vec<(u64, u64)> = match x {
        Columns::Separate(columns) => key_ranges(columns),
        Columns::RowMajor { data, columns } => {
            with_labels!(*data, s => row_major_ranges(s, *columns, interrupt))
        }
    };
    interrupted(interrupt)?;
    encode_ranged(x, n, &ranges, memory_limit, interrupt)
}

/// The `(min, max)` label keys of each column (one parallel pass).
pub(crate) fn key_ranges(columns: &[Labels<'_>]) -> Vec<(u64, u64)> {
    columns
        .par_iter()
        .map(|c| with_labels!(*c, s => crate::samples::counts::key_range(s)))
        .collect()
}

/// [`encode`] with the key ranges of the columns already known (`ranges[j]` must be the exact
/// `(min, max)` keys of column `j`, as [`key_ranges`] gives).
pub(crate) fn encode_ranged(
    x: &Columns<'_>,
    n: usize,
    ranges: &[(u64, u64)],
    memory_limit: u64,
    interrupt: &AtomicBool,
) -> Result<Vec<Encoded>> {
    let widths: Vec<u128> = ranges
        .iter()
        .map(|&(lo, hi)| u128::from(hi - lo) + 1)
        .collect();
    let bytes: u128 = widths.iter().map(|&w| bytes_per_sample(w)).sum::<u128>() * n as u128;
    crate::runtime::memory::check_within(
        || format!("encoding {} columns of {n} samples", ranges.len()),
        bytes,
        memory_limit,
        "use fewer rows or columns at a time",
    )?;
    let mut raws: Vec<Raw> = widths.iter().map(|&w| new_raw(w, n)).collect();
    let mins: Vec<u64> = ranges.iter().map(|r| r.0).collect();
    match x {
        Columns::Separate(columns) => raws
            .par_iter_mut()
            .zip(columns)
            .zip(&mins)
            .for_each(|((raw, c), &lo)| with_labels!(*c, s => fill_column(s, lo, raw))),
        Columns::RowMajor { data, columns } => {
            with_labels!(*data, s => transpose(s, *columns, &mins, &mut raws, interrupt));
        }
    }
    interrupted(interrupt)?;
    Ok(raws
        .into_par_iter()
        .zip(mins)
        .map(|(raw, lo)| finish(raw, lo))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Estimator;

    #[test]
    fn encoding_ranks_values_in_order() {
        let x: Vec<i64> = vec![5, -3, 5, 1 << 40, -3, 7];
        let enc = encode(
            &Columns::Separate(vec![Labels::from(&x)]),
            x.len(),
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(enc[0].codes, Codes::Narrow(vec![1, 0, 1, 3, 0, 2]));
        assert_eq!(enc[0].counts, vec![2, 2, 1, 1]);
        let keys: Vec<u64> = [-3i64, 5, 7, 1 << 40].iter().map(|v| v.key()).collect();
        assert_eq!(enc[0].keys, keys);
        let small: Vec<i8> = vec![4, -2, 4, 9];
        let enc = encode(
            &Columns::Separate(vec![Labels::from(&small)]),
            small.len(),
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(enc[0].codes, Codes::Narrow(vec![1, 0, 1, 2]));
        let keys: Vec<u64> = [-2i8, 4, 9].iter().map(|v| v.key()).collect();
        assert_eq!(enc[0].keys, keys);
        let wide: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 1000 + 100).collect();
        let enc = encode(
            &Columns::Separate(vec![Labels::from(&wide)]),
            wide.len(),
            u64::MAX,
            &AtomicBool::new(false),
        )
        .unwrap();
        let expected: Vec<u32> = wide.iter().map(|&v| v - 100).collect();
        assert_eq!(enc[0].codes, Codes::Wide(expected));
        assert_eq!(enc[0].keys, (100..1100u64).collect::<Vec<u64>>());
        let h = crate::entropy(&[enc[0].labels()], Estimator::Plugin).unwrap();
        assert!((h - 1000f64.ln()).abs() < 1e-12);
    }
}
