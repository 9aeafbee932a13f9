//! Counting the pair tables: units and block designs, the counting kernels, margins, popcounts.
//!
//! A *unit* is a group of narrow columns coded jointly (mixed radix, first member most
//! significant). A *block* is a set of at most four units counted together in one pass over the
//! rows into a table of at most [`BLOCK_CELLS`] cells; every pair of columns in a block can be
//! read off its margins. Two designs cover every pair of units exactly once:
//! - **pairs of units** of up to 256 values each (two 16-valued columns, eight 2-valued ones):
//!   `m (m − 1) / 2` blocks of two units;
//! - **lines of the affine space AG(k, 4)** over units of up to 16 values: four units a block, any
//!   two units on exactly one line (a Steiner system S(2, 4, 4^k)), so 64 units take 336 blocks
//!   where pairs of 2-column units take 496. Units are the first `m` points; lines keep their
//!   points below `m` and lines left with fewer than two are dropped.
//!
//! The design with fewer passes (weighted by their cost per row) is used.

use super::encode::{byte_histogram, Encoded};
use super::{COLUMN_CHUNK, NARROW};
use crate::runtime::simd;
use crate::samples::estimate::{two_way_information_summarized, TableSummary};
use crate::Estimator;
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Cells of a block table (`u32` counts: 256 KiB, resident in L2).
pub(super) const BLOCK_CELLS: usize = 1 << 16;
/// Values of a unit in the affine design (four units make a block of 2^16 cells).
const QUAD_UNIT: usize = 16;
/// Rows counted into one `u32` table before it is added to the `u64` total.
const MAX_CHUNK_ROWS: usize = 1 << 31;
/// Rows per buffer of on-the-fly unit codes.
const CODE_BUFFER: usize = 4096;
/// Binary columns per tile, and words per block, of the popcount kernel.
const BIT_TILE: usize = 32;
const BIT_BLOCK: usize = 2048;

// ---------------------------------------------------------------------------------------------
// Units and designs

/// Narrow columns coded jointly: `code = Σ code_k · Π_{l>k} card_l`.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub(super) members: Vec<usize>,
    pub(super) cards: Vec<usize>,
    pub(super) card: usize,
}

/// Greedy groups of `order` (narrow columns) with `Π card ≤ capacity` each.
pub(super) fn make_units(order: &[usize], columns: &[Encoded], capacity: usize) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for &j in order {
        let c = columns[j].card();
        match units.last_mut() {
            Some(u) if u.card * c <= capacity => {
                u.members.push(j);
                u.cards.push(c);
                u.card *= c;
            }
            _ => units.push(Unit {
                members: vec![j],
                cards: vec![c],
                card: c,
            }),
        }
    }
    units
}

/// Writes the joint codes of `unit` for `rows` into `out` (units of at most 2^16 values).
fn unit_codes(unit: &Unit, columns: &[Encoded], rows: Range<usize>, out: &mut [u16]) {
    out.fill(0);
    for (&j, &c) in unit.members.iter().zip(&unit.cards) {
        let codes = &columns[j].narrow().expect("units hold narrow columns")[rows.clone()];
        for (o, &x) in out.iter_mut().zip(codes) {
            *o = *o * c as u16 + u16::from(x);
        }
    }
}

/// The codes of a unit of at most 256 values, one byte per row: its column's, or packed.
fn unit_bytes<'a>(unit: &Unit, columns: &'a [Encoded], n: usize) -> Cow<'a, [u8]> {
    if let [j] = unit.members.as_slice() {
        return Cow::Borrowed(columns[*j].narrow().expect("narrow"));
    }
    let mut out = vec![0u8; n];
    out.par_chunks_mut(CODE_BUFFER)
        .enumerate()
        .for_each(|(i, o)| {
            let start = i * CODE_BUFFER;
            let mut buffer = vec![0u16; o.len()];
            unit_codes(unit, columns, start..start + o.len(), &mut buffer);
            for (o, &b) in o.iter_mut().zip(&buffer) {
                *o = b as u8;
            }
        });
    Cow::Owned(out)
}

/// Every pair of `m` units (the lone unit when `m = 1`).
fn pair_design(m: usize) -> Vec<Vec<usize>> {
    if m == 1 {
        return vec![vec![0]];
    }
    (0..m)
        .flat_map(|a| (a + 1..m).map(move |b| vec![a, b]))
        .collect()
}

/// Multiplication in GF(4) = {0, 1, ω, ω²} coded 0..3 (addition is xor).
const GF4_MUL: [[usize; 4]; 4] = [[0, 0, 0, 0], [0, 1, 2, 3], [0, 2, 3, 1], [0, 3, 1, 2]];

/// The lines of AG(k, 4), `4^k ≥ m`, restricted to the points `0..m` (a point's coordinates are
/// its base-4 digits), keeping lines with at least two points: every pair of points lies on
/// exactly one of them.
fn affine_design(m: usize) -> Vec<Vec<usize>> {
    let mut k = 1u32;
    while 4usize.pow(k) < m {
        k += 1;
    }
    let points = 4usize.pow(k);
    let digits = |p: usize| -> Vec<usize> { (0..k).map(|i| (p >> (2 * i)) & 3).collect() };
    let from_digits =
        |d: &[usize]| -> usize { d.iter().enumerate().map(|(i, &x)| x << (2 * i)).sum() };
    let mut lines = Vec::new();
    // Directions: projective points, the first non-zero digit (from the top) equal to 1.
    for direction in 1..points {
        let dd = digits(direction);
        if dd.iter().rev().find(|&&x| x != 0) != Some(&1) {
            continue;
        }
        for p in 0..m {
            let pd = digits(p);
            let line: Vec<usize> = (0..4)
                .map(|t| {
                    let q: Vec<usize> = pd
                        .iter()
                        .zip(&dd)
                        .map(|(&a, &b)| a ^ GF4_MUL[t][b])
                        .collect();
                    from_digits(&q)
                })
                .collect();
            // Each line once: from its smallest point.
            if line.iter().min() != Some(&p) {
                continue;
            }
            let mut live: Vec<usize> = line.into_iter().filter(|&q| q < m).collect();
            if live.len() >= 2 {
                live.sort_unstable();
                lines.push(live);
            }
        }
    }
    lines.sort();
    lines
}

// ---------------------------------------------------------------------------------------------
// Counting kernels: one increment of a `u32` table per row.

trait Code: Copy + Send + Sync {
    fn index(self) -> usize;
}

impl Code for u8 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

impl Code for u16 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// `table[a_r · width + b_r] += 1` for every row.
fn count_rows<A: Code, B: Code>(a: &[A], b: &[B], width: usize, table: &mut [u32]) {
    for (&x, &y) in a.iter().zip(b) {
        table[x.index() * width + y.index()] += 1;
    }
}

fn count_rows3(s: [&[u8]; 3], cards: [usize; 3], table: &mut [u32]) {
    let [a, b, c] = s;
    for ((&x, &y), &z) in a.iter().zip(b).zip(c) {
        table[(x as usize * cards[1] + y as usize) * cards[2] + z as usize] += 1;
    }
}

fn count_rows4(s: [&[u8]; 4], cards: [usize; 4], table: &mut [u32]) {
    let [a, b, c, e] = s;
    for (((&x, &y), &z), &w) in a.iter().zip(b).zip(c).zip(e) {
        let index = ((x as usize * cards[1] + y as usize) * cards[2] + z as usize) * cards[3];
        table[index + w as usize] += 1;
    }
}

/// [`count_rows4`] for four streams of codes below 16, in radix 16 (`x·2^12 + y·2^8 + z·2^4 + w`):
/// constant shifts instead of multiplications by run-time cardinalities, and no bounds check,
/// about 15% fewer cycles per row. The affine design's blocks all take this path.
fn count_rows4_radix16(s: [&[u8]; 4], table: &mut [u32; BLOCK_CELLS]) {
    let [a, b, c, e] = s;
    for (((&x, &y), &z), &w) in a.iter().zip(b).zip(c).zip(e) {
        let index = (usize::from(x) << 12) | (usize::from(y) << 8) | (usize::from(z) << 4);
        table[(index | usize::from(w)) & (BLOCK_CELLS - 1)] += 1;
    }
}

/// Adds a radix-16 table of four axes to the dense table of dimensions `cards` (each ≤ 16).
fn add_radix16(total: &mut [u64], table: &[u32; BLOCK_CELLS], cards: [usize; 4]) {
    let [ca, cb, cc, ce] = cards;
    let mut out = total.chunks_exact_mut(ce);
    for x in 0..ca {
        for y in 0..cb {
            for z in 0..cc {
                let start = (x << 12) | (y << 8) | (z << 4);
                if let Some(dst) = out.next() {
                    for (t, &v) in dst.iter_mut().zip(&table[start..start + ce]) {
                        *t += u64::from(v);
                    }
                }
            }
        }
    }
}

/// The joint table (`u64`, row-major over the streams) of 1 to 4 byte streams over `rows`, in
/// chunks of at most 2^31 rows counted into the `u32` `scratch`.
fn count_streams(
    streams: &[&[u8]],
    cards: &[usize],
    rows: Range<usize>,
    scratch: &mut Vec<u32>,
) -> Vec<u64> {
    let cells: usize = cards.iter().product();
    let mut total = vec![0u64; cells];
    let mut start = rows.start;
    if let ([a, b, c, e], &[ca, cb, cc, ce]) = (streams, cards) {
        if cards.iter().all(|&k| k <= QUAD_UNIT) {
            scratch.clear();
            scratch.resize(BLOCK_CELLS, 0);
            if let Ok(table) = <&mut [u32; BLOCK_CELLS]>::try_from(scratch.as_mut_slice()) {
                while start < rows.end {
                    let end = rows.end.min(start + MAX_CHUNK_ROWS);
                    table.fill(0);
                    let r = start..end;
                    let s = [&a[r.clone()], &b[r.clone()], &c[r.clone()], &e[r]];
                    count_rows4_radix16(s, table);
                    add_radix16(&mut total, table, [ca, cb, cc, ce]);
                    start = end;
                }
                return total;
            }
        }
    }
    while start < rows.end {
        let end = rows.end.min(start + MAX_CHUNK_ROWS);
        scratch.clear();
        scratch.resize(cells, 0);
        let s: Vec<&[u8]> = streams.iter().map(|s| &s[start..end]).collect();
        match (s.as_slice(), cards) {
            ([a], _) => {
                for (t, h) in scratch.iter_mut().zip(byte_histogram(a)) {
                    *t = h as u32;
                }
            }
            ([a, b], [_, cb]) => count_rows(a, b, *cb, scratch),
            ([a, b, c], [ca, cb, cc]) => count_rows3([a, b, c], [*ca, *cb, *cc], scratch),
            ([a, b, c, e], [ca, cb, cc, ce]) => {
                count_rows4([a, b, c, e], [*ca, *cb, *cc, *ce], scratch);
            }
            _ => unreachable!("blocks hold one to four units"),
        }
        for (t, &c) in total.iter_mut().zip(scratch.iter()) {
            *t += u64::from(c);
        }
        start = end;
    }
    total
}

fn add_tables(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
    a
}

/// [`count_streams`] over all `n` rows, split into `splits` parallel parts.
fn count_all(
    streams: &[&[u8]],
    cards: &[usize],
    n: usize,
    splits: usize,
    scratch: &mut Vec<u32>,
) -> Vec<u64> {
    if splits <= 1 {
        return count_streams(streams, cards, 0..n, scratch);
    }
    let len = n.div_ceil(splits);
    let cells: usize = cards.iter().product();
    (0..splits)
        .into_par_iter()
        .map(|s| {
            count_streams(
                streams,
                cards,
                (s * len).min(n)..((s + 1) * len).min(n),
                &mut Vec::new(),
            )
        })
        .reduce(|| vec![0u64; cells], add_tables)
}

/// Splits of each task's rows so that `tasks · splits` keeps every thread busy (any split gives
/// the same integer counts).
pub(super) fn splits_for(tasks: usize, n: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    if tasks >= 2 * threads || n < (1 << 16) {
        1
    } else {
        (2 * threads).div_ceil(tasks.max(1))
    }
}

// ---------------------------------------------------------------------------------------------
// Margins of a dense mixed-radix table

/// `table` (dimensions `dims`, row-major) summed over axis `axis`.
fn sum_axis(table: &[u64], dims: &[usize], axis: usize) -> Vec<u64> {
    let outer: usize = dims[..axis].iter().product();
    let len = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    if inner == 1 {
        return table
            .chunks_exact(len)
            .map(|run| run.iter().sum())
            .collect();
    }
    let mut out = vec![0u64; outer * inner];
    for (o, dst) in out.chunks_exact_mut(inner).enumerate() {
        for src in table[o * len * inner..(o + 1) * len * inner].chunks_exact(inner) {
            for (x, &y) in dst.iter_mut().zip(src) {
                *x += y;
            }
        }
    }
    out
}

/// The margin of `table` on the axes `keep` (ascending), row-major in that order (the direct
/// computation, which [`MarginCache`] is checked against).
#[cfg(test)]
fn keep_axes(table: &[u64], dims: &[usize], keep: &[usize]) -> Vec<u64> {
    let mut current = Cow::Borrowed(table);
    let mut current_dims = dims.to_vec();
    for axis in (0..dims.len()).rev() {
        if !keep.contains(&axis) {
            current = Cow::Owned(sum_axis(&current, &current_dims, axis));
            current_dims.remove(axis);
        }
    }
    current.into_owned()
}

/// Margins of one table on sets of its axes, each computed from a cached margin with one more
/// axis (the largest one missing), so the pairs of a block share their three-way margins: the six
/// pairs of a four-axis table cost three passes over it instead of six.
struct MarginCache<'t> {
    table: &'t [u64],
    dims: &'t [usize],
    cache: Vec<(Vec<usize>, Vec<u64>)>,
}

impl<'t> MarginCache<'t> {
    fn new(table: &'t [u64], dims: &'t [usize]) -> Self {
        MarginCache {
            table,
            dims,
            cache: Vec::new(),
        }
    }

    /// The margin on the axes `keep` (ascending), row-major in that order.
    fn margin(&mut self, keep: &[usize]) -> Vec<u64> {
        if keep.len() == self.dims.len() {
            return self.table.to_vec();
        }
        self.cached(keep).to_vec()
    }

    fn cached(&mut self, keep: &[usize]) -> &[u64] {
        if let Some(k) = self.cache.iter().position(|(axes, _)| axes == keep) {
            return &self.cache[k].1;
        }
        let added = (0..self.dims.len())
            .rev()
            .find(|a| !keep.contains(a))
            .unwrap_or(0);
        let mut wider = keep.to_vec();
        wider.push(added);
        wider.sort_unstable();
        let position = wider.iter().position(|&a| a == added).unwrap_or(0);
        let wider_dims: Vec<usize> = wider.iter().map(|&a| self.dims[a]).collect();
        let margin = if wider.len() == self.dims.len() {
            sum_axis(self.table, &wider_dims, position)
        } else {
            let source = self.cached(&wider).to_vec();
            sum_axis(&source, &wider_dims, position)
        };
        self.cache.push((keep.to_vec(), margin));
        &self.cache[self.cache.len() - 1].1
    }
}

/// A `rows × columns` table transposed.
fn transposed(table: &[u64], rows: usize, columns: usize) -> Vec<u64> {
    let mut out = vec![0u64; table.len()];
    for r in 0..rows {
        for c in 0..columns {
            out[c * rows + r] = table[r * columns + c];
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Informations

/// Everything a pair's information needs besides its table: the columns' counts and summaries.
pub(super) struct Margins<'a> {
    pub(super) columns: &'a [Encoded],
    pub(super) summaries: Vec<TableSummary>,
    pub(super) n: u64,
    pub(super) estimator: Estimator,
}

impl Margins<'_> {
    /// `I(X_i; X_j)` from their table with rows = codes of `i`.
    pub(super) fn information(&self, i: usize, j: usize, table: &[u64]) -> f64 {
        two_way_information_summarized(
            table,
            &self.columns[i].counts,
            &self.columns[j].counts,
            self.summaries[i],
            self.summaries[j],
            self.n,
            self.estimator,
        )
    }
}

/// A block: the units counted together, and whether it reports each unit's internal pairs.
struct Block {
    units: Vec<usize>,
    within: Vec<bool>,
}

/// The column-level layout of a block's table: the member columns and their cards, in order.
fn layout(block: &Block, units: &[Unit]) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let (mut members, mut dims, mut owner) = (Vec::new(), Vec::new(), Vec::new());
    for (k, &u) in block.units.iter().enumerate() {
        members.extend(&units[u].members);
        dims.extend(&units[u].cards);
        owner.extend(std::iter::repeat_n(k, units[u].members.len()));
    }
    (members, dims, owner)
}

/// `pair(i, j, table)` of the pairs one block reports, from its joint table (`table`: the
/// `card_i × card_j` counts of the pair `i < j`, row-major, rows the codes of `i`).
#[allow(clippy::too_many_arguments)]
fn block_pairs<T>(
    block: &Block,
    units: &[Unit],
    streams: &[Cow<'_, [u8]>],
    n: usize,
    skip: &(impl Fn(usize, usize) -> bool + Sync),
    pair: &(impl Fn(usize, usize, &[u64]) -> T + Sync),
    splits: usize,
    scratch: &mut Vec<u32>,
) -> Vec<(usize, usize, T)> {
    let (members, dims, owner) = layout(block, units);
    let mut wanted = Vec::new();
    for p in 0..members.len() {
        for q in p + 1..members.len() {
            let (i, j) = (members[p], members[q]);
            let reported = owner[p] != owner[q] || block.within[owner[p]];
            if reported && !skip(i, j) {
                wanted.push((p, q));
            }
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let s: Vec<&[u8]> = block.units.iter().map(|&u| streams[u].as_ref()).collect();
    let cards: Vec<usize> = block.units.iter().map(|&u| units[u].card).collect();
    let table = count_all(&s, &cards, n, splits, scratch);
    let mut cache = MarginCache::new(&table, &dims);
    wanted
        .into_iter()
        .map(|(p, q)| {
            let counts = cache.margin(&[p, q]);
            let (i, j) = (members[p], members[q]);
            if i < j {
                (i, j, pair(i, j, &counts))
            } else {
                let counts = transposed(&counts, dims[p], dims[q]);
                (j, i, pair(j, i, &counts))
            }
        })
        .collect()
}

/// `pair(i, j, table)` of every pair `i < j` of narrow columns except those `skip` excludes (left
/// to the popcount kernel), with the cheaper of the two designs; `table` is the pair's
/// `card_i × card_j` counts, row-major. `memory(bytes)` is asked before the packed unit codes are
/// allocated.
pub(super) fn narrow_pairs<T: Send>(
    narrow: &[usize],
    columns: &[Encoded],
    n: usize,
    skip: &(impl Fn(usize, usize) -> bool + Sync),
    memory: impl FnOnce(u128) -> crate::Result<()>,
    interrupt: &AtomicBool,
    pair: &(impl Fn(usize, usize, &[u64]) -> T + Sync),
) -> crate::Result<Vec<(usize, usize, T)>> {
    let mut order = narrow.to_vec();
    order.sort_by_key(|&j| (columns[j].card(), j));
    // A unit is left out of the counting if all its pairs with the others are skipped.
    let skipped = |units: &[Unit], a: usize, b: usize| {
        units[a]
            .members
            .iter()
            .all(|&i| units[b].members.iter().all(|&j| skip(i, j)))
    };
    let plan = |capacity: usize, design: fn(usize) -> Vec<Vec<usize>>| {
        let units = make_units(&order, columns, capacity);
        let blocks: Vec<Vec<usize>> = if units.is_empty() {
            Vec::new()
        } else {
            design(units.len())
                .into_iter()
                .filter(|b| {
                    b.len() == 1
                        || b.iter()
                            .enumerate()
                            .any(|(x, &u)| b[x + 1..].iter().any(|&v| !skipped(&units, u, v)))
                })
                .collect()
        };
        (units, blocks)
    };
    let (mut units, mut designed) = plan(NARROW, pair_design);
    if order.iter().all(|&j| columns[j].card() <= QUAD_UNIT) {
        let (quad_units, quad_blocks) = plan(QUAD_UNIT, affine_design);
        // A row of a four-stream block costs about 15% more than one of a two-stream block.
        if quad_blocks.len() * 115 < designed.len() * 100 {
            (units, designed) = (quad_units, quad_blocks);
        }
    }
    // Each unit's internal pairs are reported by the first block that holds it (or its own).
    let mut seen = vec![false; units.len()];
    let mut blocks: Vec<Block> = designed
        .into_iter()
        .map(|b| {
            let within = b
                .iter()
                .map(|&u| !std::mem::replace(&mut seen[u], true))
                .collect();
            Block { units: b, within }
        })
        .collect();
    for (u, unit) in units.iter().enumerate() {
        let internal = unit
            .members
            .iter()
            .enumerate()
            .any(|(x, &i)| unit.members[x + 1..].iter().any(|&j| !skip(i, j)));
        if !seen[u] && internal {
            blocks.push(Block {
                units: vec![u],
                within: vec![true],
            });
        }
    }
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let packed = units.iter().filter(|u| u.members.len() > 1).count() as u128;
    memory(packed * n as u128)?;
    let streams: Vec<Cow<'_, [u8]>> = units
        .par_iter()
        .map(|u| unit_bytes(u, columns, n))
        .collect();
    let splits = splits_for(blocks.len(), n);
    let found: Vec<Vec<(usize, usize, T)>> = blocks
        .par_iter()
        .map_init(Vec::new, |scratch, block| {
            if interrupt.load(Ordering::Relaxed) {
                return Vec::new();
            }
            block_pairs(block, &units, &streams, n, skip, pair, splits, scratch)
        })
        .collect();
    Ok(found.into_iter().flatten().collect())
}

/// Packs a column of 0/1 codes into words, row `r` at bit `r % 64` of word `r / 64`.
fn pack_bits(codes: &[u8]) -> Vec<u64> {
    let mut words = vec![0u64; codes.len().div_ceil(64)];
    words
        .par_chunks_mut(COLUMN_CHUNK / 64)
        .zip(codes.par_chunks(COLUMN_CHUNK))
        .for_each(|(w, c)| {
            for (word, rows) in w.iter_mut().zip(c.chunks(64)) {
                let mut bits = 0u64;
                for (k, eight) in rows.chunks(8).enumerate() {
                    let mut bytes = [0u8; 8];
                    bytes[..eight.len()].copy_from_slice(eight);
                    // Byte i's low bit to bit i: the multiplication adds byte i shifted by
                    // 7 (i + 1) − 8 i = 7 − i into the top byte, without carries.
                    let lanes = u64::from_le_bytes(bytes) & 0x0101_0101_0101_0101;
                    let gathered = lanes.wrapping_mul(0x0102_0408_1020_4080) >> 56;
                    bits |= gathered << (8 * k);
                }
                *word = bits;
            }
        });
    words
}

/// `pair(i, j, table)` of every pair `i < j` of binary columns (at most 2 values each) from
/// popcounts: `n₁₁ = popcount(a & b)`, the rest of the 2 × 2 table from the columns' counts.
pub(super) fn binary_pairs<T: Send>(
    binary: &[usize],
    columns: &[Encoded],
    n: u64,
    interrupt: &AtomicBool,
    pair: &(impl Fn(usize, usize, &[u64]) -> T + Sync),
) -> Vec<(usize, usize, T)> {
    let bits: Vec<Vec<u64>> = binary
        .par_iter()
        .map(|&j| pack_bits(columns[j].narrow().expect("binary columns are narrow")))
        .collect();
    let words = bits.first().map_or(0, Vec::len);
    let tiles = binary.len().div_ceil(BIT_TILE);
    let tasks: Vec<(usize, usize)> = (0..tiles)
        .flat_map(|a| (a..tiles).map(move |b| (a, b)))
        .collect();
    let ones = |c: usize| columns[c].counts.get(1).copied().unwrap_or(0);
    tasks
        .par_iter()
        .flat_map_iter(|&(ta, tb)| {
            let ra = ta * BIT_TILE..((ta + 1) * BIT_TILE).min(binary.len());
            let rb = tb * BIT_TILE..((tb + 1) * BIT_TILE).min(binary.len());
            let mut both = vec![0u64; BIT_TILE * BIT_TILE];
            if !interrupt.load(Ordering::Relaxed) {
                for start in (0..words).step_by(BIT_BLOCK) {
                    let end = (start + BIT_BLOCK).min(words);
                    for a in ra.clone() {
                        let wa = &bits[a][start..end];
                        for b in rb.clone().filter(|&b| b > a) {
                            both[(a - ra.start) * BIT_TILE + (b - rb.start)] +=
                                simd::and_popcount(wa, &bits[b][start..end]);
                        }
                    }
                }
            }
            let mut out = Vec::new();
            for a in ra.clone() {
                for b in rb.clone().filter(|&b| b > a) {
                    let (i, j) = (binary[a].min(binary[b]), binary[a].max(binary[b]));
                    let n11 = both[(a - ra.start) * BIT_TILE + (b - rb.start)];
                    let (ni, nj) = (ones(i), ones(j));
                    let full = [n + n11 - ni - nj, nj - n11, ni - n11, n11];
                    let (ci, cj) = (columns[i].card(), columns[j].card());
                    let table: Vec<u64> = (0..ci)
                        .flat_map(|r| (0..cj).map(move |c| full[2 * r + c]))
                        .collect();
                    out.push((i, j, pair(i, j, &table)));
                }
            }
            out
        })
        .collect()
}

/// `pair(j, table)` for the narrow columns `narrow` and a narrow target (`table`: the
/// `card_j × card_y` counts, row-major): units of columns whose joint code times the target's
/// values fits a block, one pass over the rows per unit.
pub(crate) fn target_pairs<T: Send>(
    narrow: &[usize],
    columns: &[Encoded],
    target: &Encoded,
    n: usize,
    interrupt: &AtomicBool,
    pair: &(impl Fn(usize, &[u64]) -> T + Sync),
) -> Vec<(usize, T)> {
    let y = target.narrow().expect("a narrow target");
    let cy = target.card();
    let mut order = narrow.to_vec();
    order.sort_by_key(|&j| (columns[j].card(), j));
    let units = make_units(&order, columns, BLOCK_CELLS / cy);
    let splits = splits_for(units.len(), n);
    let found: Vec<Vec<(usize, T)>> = units
        .par_iter()
        .map(|unit| {
            if interrupt.load(Ordering::Relaxed) {
                return Vec::new();
            }
            let table = target_table(unit, columns, y, cy, n, splits, interrupt);
            let mut dims = unit.cards.clone();
            dims.push(cy);
            let mut cache = MarginCache::new(&table, &dims);
            unit.members
                .iter()
                .enumerate()
                .map(|(m, &j)| (j, pair(j, &cache.margin(&[m, dims.len() - 1]))))
                .collect()
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// The joint table (`card(unit) × cy`) of a unit's codes and the target.
fn target_table(
    unit: &Unit,
    columns: &[Encoded],
    y: &[u8],
    cy: usize,
    n: usize,
    splits: usize,
    interrupt: &AtomicBool,
) -> Vec<u64> {
    let cells = unit.card * cy;
    if let [j] = unit.members.as_slice() {
        let x = columns[*j].narrow().expect("narrow");
        return count_all(&[x, y], &[unit.card, cy], n, splits, &mut Vec::new());
    }
    let len = n.div_ceil(splits.max(1));
    (0..splits.max(1))
        .into_par_iter()
        .map(|s| {
            let rows = (s * len).min(n)..((s + 1) * len).min(n);
            let mut total = vec![0u64; cells];
            let mut table = vec![0u32; cells];
            let mut buffer = vec![0u16; CODE_BUFFER];
            let mut since_flush = 0usize;
            let mut start = rows.start;
            while start < rows.end && !interrupt.load(Ordering::Relaxed) {
                let end = rows.end.min(start + CODE_BUFFER);
                let codes = &mut buffer[..end - start];
                unit_codes(unit, columns, start..end, codes);
                count_rows(codes, &y[start..end], cy, &mut table);
                since_flush += end - start;
                if since_flush >= MAX_CHUNK_ROWS - CODE_BUFFER {
                    for (t, c) in total.iter_mut().zip(table.iter_mut()) {
                        *t += u64::from(*c);
                        *c = 0;
                    }
                    since_flush = 0;
                }
                start = end;
            }
            for (t, &c) in total.iter_mut().zip(&table) {
                *t += u64::from(c);
            }
            total
        })
        .reduce(|| vec![0u64; cells], add_tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn affine_design_covers_every_pair_once() {
        for m in [2usize, 3, 4, 5, 16, 17, 40, 64, 65, 100] {
            let lines = affine_design(m);
            let mut seen = BTreeSet::new();
            for line in &lines {
                assert!(line.len() >= 2 && line.len() <= 4);
                for (x, &a) in line.iter().enumerate() {
                    for &b in &line[x + 1..] {
                        assert!(seen.insert((a, b)), "pair {a},{b} twice for m = {m}");
                    }
                }
            }
            assert_eq!(seen.len(), m * (m - 1) / 2, "m = {m}");
        }
        assert_eq!(affine_design(64).len(), 336);
        assert_eq!(affine_design(16).len(), 20);
    }

    #[test]
    fn margins_of_a_table() {
        // A 2 × 3 × 2 table with cell value = its index.
        let table: Vec<u64> = (0..12).collect();
        let dims = [2, 3, 2];
        assert_eq!(keep_axes(&table, &dims, &[0]), vec![15, 51]);
        assert_eq!(keep_axes(&table, &dims, &[1]), vec![14, 22, 30]);
        assert_eq!(keep_axes(&table, &dims, &[0, 2]), vec![6, 9, 24, 27]);
        assert_eq!(keep_axes(&table, &dims, &[0, 1, 2]), table);
        // The cache gives the same margins, in any order of requests.
        let table4: Vec<u64> = (0..3 * 2 * 4 * 2).map(|i| (i * 7 % 11) as u64).collect();
        let dims4 = [3, 2, 4, 2];
        let mut cache = MarginCache::new(&table4, &dims4);
        for keep in [[2, 3], [0, 1], [0, 3], [1, 2], [0, 2], [1, 3], [0, 1]] {
            assert_eq!(
                cache.margin(&keep),
                keep_axes(&table4, &dims4, &keep),
                "{keep:?}"
            );
        }
        assert_eq!(cache.margin(&[0, 1, 2, 3]), table4);
        assert_eq!(
            transposed(&[1, 2, 3, 4, 5, 6], 2, 3),
            vec![1, 4, 2, 5, 3, 6]
        );
    }

    #[test]
    fn radix_16_counting_gives_the_dense_table() {
        let cards = [3usize, 16, 5, 2];
        let n = 10_000;
        let streams: Vec<Vec<u8>> = cards
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                (0..n)
                    .map(|r| ((r * (7 + 2 * k) + r / 3) % c) as u8)
                    .collect()
            })
            .collect();
        let s: Vec<&[u8]> = streams.iter().map(Vec::as_slice).collect();
        let mut naive = vec![0u64; cards.iter().product()];
        for r in 0..n {
            let index = cards
                .iter()
                .zip(&s)
                .fold(0, |acc, (&c, x)| acc * c + usize::from(x[r]));
            naive[index] += 1;
        }
        assert_eq!(count_streams(&s, &cards, 0..n, &mut Vec::new()), naive);
        assert_eq!(count_all(&s, &cards, n, 3, &mut Vec::new()), naive);
    }

    #[test]
    fn bits_are_packed_in_row_order() {
        let codes: Vec<u8> = (0..130).map(|i| u8::from(i % 3 == 0)).collect();
        let words = pack_bits(&codes);
        assert_eq!(words.len(), 3);
        for (r, &c) in codes.iter().enumerate() {
            assert_eq!((words[r / 64] >> (r % 64)) & 1, u64::from(c));
        }
        // Every pattern of eight bits.
        let codes: Vec<u8> = (0..256 * 8)
            .map(|i| ((i / 8) >> (i % 8)) as u8 & 1)
            .collect();
        let words = pack_bits(&codes);
        for (r, &c) in codes.iter().enumerate() {
            assert_eq!((words[r / 64] >> (r % 64)) & 1, u64::from(c));
        }
    }
}
