//! Dense tables: one thread's part of the samples counted into a flat array of cells (one column,
//! a pair of columns, or the mixed-radix codes of several), parts added in order.

use super::{MAX_PART, PARALLEL_MIN};
use crate::runtime::simd::histogram::{self, CodeBlock, Lane};
use crate::runtime::simd::{self, Level};
use crate::{with_labels, Label, Labels};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Length of the contiguous part each thread counts.
pub(super) fn part_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads().max(1))
        .clamp(PARALLEL_MIN, MAX_PART)
}

/// Runs `count(begin, end)` over the thread parts of `0..n` and returns the results in order.
pub(super) fn over_parts<R: Send>(n: usize, count: impl Fn(usize, usize) -> R + Sync) -> Vec<R> {
    if n < PARALLEL_MIN {
        return vec![count(0, n)];
    }
    let len = part_len(n);
    (0..n.div_ceil(len))
        .into_par_iter()
        .map(|p| count(p * len, ((p + 1) * len).min(n)))
        .collect()
}

/// Tables of at least this many cells are merged in parallel, in chunks of [`MERGE_CHUNK`] cells.
const MERGE_PARALLEL: usize = 1 << 16;
const MERGE_CHUNK: usize = 1 << 14;

/// Sums `u32` part tables into one `u64` table, cell range by cell range (the first part is
/// widened into place, the others added in order: one pass over each part, none over zeros);
/// `None` if any part is `None`.
pub(super) fn add_parts(parts: Vec<Option<Vec<u32>>>, cells: usize) -> Option<Vec<u64>> {
    let parts: Vec<Vec<u32>> = parts.into_iter().collect::<Option<_>>()?;
    let mut total = vec![0u64; cells];
    let add = |offset: usize, chunk: &mut [u64]| {
        let len = chunk.len();
        let mut parts = parts.iter().map(|p| &p[offset..offset + len]);
        if let Some(first) = parts.next() {
            for (t, &c) in chunk.iter_mut().zip(first) {
                *t = u64::from(c);
            }
        }
        for part in parts {
            for (t, &c) in chunk.iter_mut().zip(part) {
                *t += u64::from(c);
            }
        }
    };
    if cells < MERGE_PARALLEL {
        add(0, &mut total);
    } else {
        total
            .par_chunks_mut(MERGE_CHUNK)
            .enumerate()
            .for_each(|(i, chunk)| add(i * MERGE_CHUNK, chunk));
    }
    Some(total)
}

/// Samples per block of the counting loops: a block's labels, its codes and a table of a few
/// thousand cells stay in L1 together (measured: blocks of 2048 `int32` pairs and a 64 × 64 table
/// overflow a 32 KiB L1 and count ~2× slower).
const COUNT_BLOCK: usize = 512;
/// Tables of at most this many cells are counted into [`SUBTABLES`] interleaved sub-tables
/// (16 KiB of counters at most), larger ones into one.
const INTERLEAVED_CELLS: usize = 1024;
/// Sub-tables of a small table: sample `i` goes to sub-table `i mod 4`, so a run of one value
/// does not serialise on one counter.
const SUBTABLES: usize = 4;

/// Adds sub-tables `1..` of `table` (each `cells` long) into the first and keeps only it.
fn fold_subtables(mut table: Vec<u32>, cells: usize) -> Vec<u32> {
    let (head, rest) = table.split_at_mut(cells);
    for sub in rest.chunks_exact(cells) {
        for (h, s) in head.iter_mut().zip(sub) {
            *h += s;
        }
    }
    table.truncate(cells);
    table
}

/// Samples per chunk of the shared queue of dense counting (256 KiB of `int32` labels).
const CHUNK: usize = 1 << 16;

/// Counts `0..n` chunk by chunk: the pool's threads take chunks of [`CHUNK`] samples in turn from
/// one shared queue, each into its own state (made by `new` when it takes its first chunk), with
/// `count(state, begin, end)`; `false` stops every thread. Returns the states of the threads that
/// counted, in no particular order, or `None` if a chunk returned `false`.
///
/// The states are tables of integer counts, so the order in which they are added does not change
/// the result, and which thread counted which chunk does not either: the tables are the same for
/// any thread count. A thread that is slow to start (woken late, or sharing its core) counts fewer
/// chunks instead of holding up the call, and the calling thread starts at once. Each thread
/// counts at most `n` samples, so callers need `n` ≤ [`MAX_PART`] for `u32` counters.
pub(super) fn over_chunks<S: Send>(
    n: usize,
    new: impl Fn() -> S + Sync,
    count: impl Fn(&mut S, usize, usize) -> bool + Sync,
) -> Option<Vec<S>> {
    debug_assert!(n <= MAX_PART, "u32 counters");
    let threads = rayon::current_num_threads();
    if n < PARALLEL_MIN || threads < 2 {
        let mut state = new();
        return count(&mut state, 0, n).then(|| vec![state]);
    }
    let chunks = n.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let states = Mutex::new(Vec::with_capacity(threads));
    let work = || {
        let mut state = None;
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks || failed.load(Ordering::Relaxed) {
                break;
            }
            let s = state.get_or_insert_with(&new);
            if !count(s, c * CHUNK, ((c + 1) * CHUNK).min(n)) {
                failed.store(true, Ordering::Relaxed);
                break;
            }
        }
        if let Some(s) = state {
            states
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(s);
        }
    };
    rayon::scope(|scope| {
        for _ in 1..threads.min(chunks) {
            scope.spawn(|_| work());
        }
        work();
    });
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    Some(states.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// One thread's dense table of one column: `SUBTABLES` interleaved sub-tables when the column has
/// at most [`INTERLEAVED_CELLS`] values (always 256 cells each for 8-bit labels), else one.
fn new_table<T: Lane>(card: usize) -> Vec<u32> {
    if T::BITS == 8 {
        vec![0u32; SUBTABLES * 256]
    } else if card <= INTERLEAVED_CELLS {
        vec![0u32; SUBTABLES * card]
    } else {
        vec![0u32; card]
    }
}

/// Adds the histogram of `x` (in `[min, min + card)`, keys of values of `T`) into `table` (made by
/// [`new_table`]); `false` if a value of a label wider than 8 bits falls outside (8-bit labels are
/// counted by their offset modulo 256 with no check at all; [`finish_table`] checks the cells past
/// `card`). Wider labels are checked block by block, while the block is in L1, and counted straight
/// from the labels.
fn add_histogram<T: Label + Lane>(
    level: Level,
    x: &[T],
    min: T,
    card: usize,
    table: &mut [u32],
) -> bool {
    if T::BITS == 8 {
        histogram::count_bytes::<T, SUBTABLES>(x, min, table);
        return true;
    }
    let interleave = card <= INTERLEAVED_CELLS;
    for block in x.chunks(COUNT_BLOCK) {
        let inside = if interleave {
            histogram::count_offsets::<T, SUBTABLES>(level, block, min, card as u32, table)
        } else {
            histogram::count_offsets::<T, 1>(level, block, min, card as u32, table)
        };
        if !inside {
            return false;
        }
    }
    true
}

/// The `card` cells of a table of [`add_histogram`] (its sub-tables added); `None` if an 8-bit
/// label fell outside the range.
fn finish_table<T: Lane>(table: Vec<u32>, card: usize) -> Option<Vec<u32>> {
    if T::BITS == 8 {
        let mut table = fold_subtables(table, 256);
        if table[card..].iter().any(|&c| c != 0) {
            return None;
        }
        table.truncate(card);
        return Some(table);
    }
    Some(if card <= INTERLEAVED_CELLS {
        fold_subtables(table, card)
    } else {
        table
    })
}

/// Histogram of `x` into `card` bins of `key − min`, in `u32` (`x.len()` ≤ 2^31; `min` and
/// `min + card − 1` keys of values of `T`). `None` if a value falls outside `[min, min + card)`.
pub(super) fn histogram_part<T: Label + Lane>(
    level: Level,
    x: &[T],
    min: u64,
    card: usize,
) -> Option<Vec<u32>> {
    let mut table = new_table::<T>(card);
    if !add_histogram(level, x, T::from_key(min), card, &mut table) {
        return None;
    }
    finish_table::<T>(table, card)
}

/// The `u32` tables of the threads that counted `x` into `card` bins of `key − min`, from the
/// shared chunk queue (by thread parts past [`MAX_PART`] samples); `None` if a value is outside.
pub(super) fn histogram_tables<T: Label + Lane>(
    x: &[T],
    min: u64,
    card: usize,
) -> Vec<Option<Vec<u32>>> {
    let level = simd::level();
    if x.len() > MAX_PART {
        return over_parts(x.len(), |b, e| histogram_part(level, &x[b..e], min, card));
    }
    let m = T::from_key(min);
    let tables = over_chunks(
        x.len(),
        || new_table::<T>(card),
        |table, b, e| add_histogram(level, &x[b..e], m, card, table),
    );
    match tables {
        Some(tables) => tables
            .into_iter()
            .map(|t| finish_table::<T>(t, card))
            .collect(),
        None => vec![None],
    }
}

/// Dense histogram of `key − min` over `card` bins, in parallel (`None` if a value is outside).
pub(super) fn dense_histogram<T: Label + Lane>(x: &[T], min: u64, card: usize) -> Option<Vec<u64>> {
    add_parts(histogram_tables(x, min, card), card)
}

/// Appends samples `start..end` of `column` (range `[min, min + card)` in keys) to `block`.
fn push_column<T: Label + Lane>(
    block: &mut CodeBlock<'_>,
    level: Level,
    x: &[T],
    range: (u64, u64),
    start: usize,
    end: usize,
) {
    block.push(level, &x[start..end], T::from_key(range.0), range.1 as u32);
}

/// Appends samples `start..end` of two columns of one type to an empty `block` in one pass.
fn push_pair<T: Label + Lane>(
    block: &mut CodeBlock<'_>,
    level: Level,
    columns: [&[T]; 2],
    ranges: [(u64, u64); 2],
    start: usize,
    end: usize,
) {
    block.push_pair(
        level,
        &columns[0][start..end],
        &columns[1][start..end],
        [T::from_key(ranges[0].0), T::from_key(ranges[1].0)],
        [ranges[0].1 as u32, ranges[1].1 as u32],
    );
}

/// Appends the first two columns of `columns` to an empty `block` in one pass if they have the
/// same type; returns how many columns it appended (2, or 0 for two types).
fn push_same_type_pair(
    block: &mut CodeBlock<'_>,
    level: Level,
    columns: &[Labels<'_>],
    ranges: [(u64, u64); 2],
    start: usize,
    end: usize,
) -> usize {
    macro_rules! same {
        ($($variant:ident),*) => {
            match (columns[0], columns[1]) {
                $((Labels::$variant(a), Labels::$variant(b)) => {
                    push_pair(block, level, [a, b], ranges, start, end);
                    2
                })*
                _ => 0,
            }
        };
    }
    same!(U8, U16, U32, U64, I8, I16, I32, I64)
}

/// Which passes [`joint_counts_part`] runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum JointPass {
    /// The code pass only.
    Codes,
    /// The code pass and the counting loop.
    Count,
}

/// One thread's dense joint table of `cells` cells: [`SUBTABLES`] interleaved sub-tables when
/// small, else one.
fn new_joint_table(cells: usize) -> Vec<u32> {
    vec![
        0u32;
        if cells <= INTERLEAVED_CELLS {
            SUBTABLES * cells
        } else {
            cells
        }
    ]
}

/// Adds the joint histogram of samples `begin..end` of `k ≥ 2` offset-coded columns into `table`
/// (made by [`new_joint_table`]): block by block, the mixed-radix codes of the block (one checked
/// pass per column, or one for the first two columns when they have the same type) then the
/// counting loop over them. `false` if a value falls outside its column's range. With
/// [`JointPass::Codes`], only the code pass runs (for timing it alone) and `table` stays empty.
fn add_joint(
    level: Level,
    columns: &[Labels<'_>],
    ranges: &[(u64, u64)],
    (begin, end): (usize, usize),
    table: &mut [u32],
    pass: JointPass,
) -> bool {
    let cells = ranges.iter().map(|r| r.1).product::<u64>() as usize;
    let interleave = cells <= INTERLEAVED_CELLS;
    let mut codes = [0u32; COUNT_BLOCK];
    let mut start = begin;
    while start < end {
        let stop = (start + COUNT_BLOCK).min(end);
        let mut block = CodeBlock::new(&mut codes[..stop - start]);
        let fused = push_same_type_pair(
            &mut block,
            level,
            columns,
            [ranges[0], ranges[1]],
            start,
            stop,
        );
        for (column, &range) in columns.iter().zip(ranges).skip(fused) {
            with_labels!(*column, x => push_column(&mut block, level, x, range, start, stop));
        }
        let inside = if pass == JointPass::Codes {
            block.inside()
        } else if interleave {
            block.count::<SUBTABLES>(table)
        } else {
            block.count::<1>(table)
        };
        if !inside {
            return false;
        }
        start = stop;
    }
    true
}

/// The `cells` cells of a table of [`add_joint`] (its sub-tables added).
fn finish_joint(table: Vec<u32>, cells: usize) -> Vec<u32> {
    if cells <= INTERLEAVED_CELLS {
        fold_subtables(table, cells)
    } else {
        table
    }
}

/// Dense joint histogram of samples `begin..end` of `k ≥ 2` offset-coded columns, in `u32`
/// (see [`add_joint`]). `None` if a value falls outside its column's range.
pub(super) fn joint_counts_part(
    level: Level,
    columns: &[Labels<'_>],
    mins: &[u64],
    cards: &[u64],
    begin: usize,
    end: usize,
    pass: JointPass,
) -> Option<Vec<u32>> {
    let cells = cards.iter().product::<u64>() as usize;
    let ranges: Vec<(u64, u64)> = mins.iter().copied().zip(cards.iter().copied()).collect();
    let mut table = new_joint_table(cells);
    add_joint(level, columns, &ranges, (begin, end), &mut table, pass)
        .then(|| finish_joint(table, cells))
}

/// The `u32` tables of the threads that counted `k ≥ 2` offset-coded columns, from the shared
/// chunk queue (by thread parts past [`MAX_PART`] samples); with [`JointPass::Codes`] only the
/// code pass runs. `None` if a value falls outside its column's range.
pub(super) fn joint_tables(
    columns: &[Labels<'_>],
    mins: &[u64],
    cards: &[u64],
    pass: JointPass,
) -> Vec<Option<Vec<u32>>> {
    let level = simd::level();
    let n = columns[0].len();
    let cells = cards.iter().product::<u64>() as usize;
    if n > MAX_PART {
        return over_parts(n, |begin, end| {
            joint_counts_part(level, columns, mins, cards, begin, end, pass)
        });
    }
    let ranges: Vec<(u64, u64)> = mins.iter().copied().zip(cards.iter().copied()).collect();
    let tables = over_chunks(
        n,
        || new_joint_table(cells),
        |table, b, e| add_joint(level, columns, &ranges, (b, e), table, pass),
    );
    match tables {
        Some(tables) => tables
            .into_iter()
            .map(|t| Some(finish_joint(t, cells)))
            .collect(),
        None => vec![None],
    }
}

/// Dense joint histogram of `k ≥ 2` offset-coded columns (row-major, the last column fastest).
/// `None` if a value falls outside its column's range.
pub(super) fn dense_joint_histogram(
    columns: &[Labels<'_>],
    mins: &[u64],
    cards: &[u64],
) -> Option<Vec<u64>> {
    let cells = cards.iter().product::<u64>() as usize;
    add_parts(joint_tables(columns, mins, cards, JointPass::Count), cells)
}

/// Writes `key − min` of `column[start..start + out.len()]` into `out`; `false` if any code is
/// `card` or more (the value is outside the assumed range).
pub(super) fn offset_codes(
    column: Labels<'_>,
    min: u64,
    card: u64,
    start: usize,
    out: &mut [u64],
) -> bool {
    let end = start + out.len();
    let mut inside = true;
    with_labels!(column, s => {
        for (o, &v) in out.iter_mut().zip(&s[start..end]) {
            *o = v.key().wrapping_sub(min);
            inside &= *o < card;
        }
    });
    inside
}

/// Dense counts of `columns` over the ranges `mins[j] .. mins[j] + cards[j]`; `None` if a value
/// falls outside them (the ranges were a guess).
pub(super) fn dense_counts(
    columns: &[Labels<'_>],
    mins: &[u64],
    cards: &[u64],
) -> Option<Vec<u64>> {
    match columns {
        [x] => with_labels!(*x, s => dense_histogram(s, mins[0], cards[0] as usize)),
        _ => dense_joint_histogram(columns, mins, cards),
    }
}
