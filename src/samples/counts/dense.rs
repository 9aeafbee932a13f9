//! Dense tables: one thread's part of the samples counted into a flat array of cells (one column,
//! a pair of columns, or the mixed-radix codes of several), parts added in order.

use super::{BLOCK, MAX_PART, PARALLEL_MIN};
use crate::{with_labels, Label, Labels};
use rayon::prelude::*;

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

/// Sums `u32` part tables into one `u64` table; `None` if any part is `None`.
pub(super) fn add_parts(parts: Vec<Option<Vec<u32>>>, cells: usize) -> Option<Vec<u64>> {
    let mut total = vec![0u64; cells];
    for part in parts {
        for (t, &c) in total.iter_mut().zip(&part?) {
            *t += u64::from(c);
        }
    }
    Some(total)
}

/// Histogram of `x` into `card` bins of `key − min`, in `u32` (`x.len()` ≤ 2^31).
/// `None` as soon as a value falls outside `[min, min + card)`.
pub(super) fn histogram_part<T: Label>(x: &[T], min: u64, card: usize) -> Option<Vec<u32>> {
    let index = |v: T| v.key().wrapping_sub(min) as usize;
    if card <= 1024 {
        // Four interleaved sub-histograms: runs of one label do not serialise on one counter.
        let mut table = vec![0u32; 4 * card];
        {
            let (t01, t23) = table.split_at_mut(2 * card);
            let (t0, t1) = t01.split_at_mut(card);
            let (t2, t3) = t23.split_at_mut(card);
            let mut quads = x.chunks_exact(4);
            for q in &mut quads {
                let (i0, i1, i2, i3) = (index(q[0]), index(q[1]), index(q[2]), index(q[3]));
                if i0.max(i1).max(i2).max(i3) >= card {
                    return None;
                }
                t0[i0] += 1;
                t1[i1] += 1;
                t2[i2] += 1;
                t3[i3] += 1;
            }
            for &v in quads.remainder() {
                *t0.get_mut(index(v))? += 1;
            }
        }
        let (head, rest) = table.split_at_mut(card);
        for sub in rest.chunks_exact(card) {
            for (h, s) in head.iter_mut().zip(sub) {
                *h += s;
            }
        }
        table.truncate(card);
        Some(table)
    } else {
        let mut table = vec![0u32; card];
        for &v in x {
            *table.get_mut(index(v))? += 1;
        }
        Some(table)
    }
}

/// Dense histogram of `key − min` over `card` bins, in parallel (`None` if a value is outside).
pub(super) fn dense_histogram<T: Label>(x: &[T], min: u64, card: usize) -> Option<Vec<u64>> {
    let parts = over_parts(x.len(), |b, e| histogram_part(&x[b..e], min, card));
    add_parts(parts, card)
}

/// Dense joint histogram of two offset-coded columns (`cards[0] × cards[1]` cells, row-major).
/// `None` if a value falls outside its column's range.
pub(super) fn dense_pair_histogram<A: Label, B: Label>(
    a: &[A],
    b: &[B],
    mins: [u64; 2],
    cards: [u64; 2],
) -> Option<Vec<u64>> {
    let cells = (cards[0] * cards[1]) as usize;
    let parts = over_parts(a.len(), |begin, end| {
        let mut table = vec![0u32; cells];
        for (&x, &y) in a[begin..end].iter().zip(&b[begin..end]) {
            let (i, j) = (x.key().wrapping_sub(mins[0]), y.key().wrapping_sub(mins[1]));
            if i >= cards[0] || j >= cards[1] {
                return None;
            }
            table[(i * cards[1] + j) as usize] += 1;
        }
        Some(table)
    });
    add_parts(parts, cells)
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

/// Dense joint histogram of `k` offset-coded columns, through blocks of mixed-radix codes.
/// `None` if a value falls outside its column's range.
pub(super) fn dense_joint_histogram(
    columns: &[Labels<'_>],
    mins: &[u64],
    cards: &[u64],
) -> Option<Vec<u64>> {
    let n = columns[0].len();
    let cells = cards.iter().product::<u64>() as usize;
    let parts = over_parts(n, |begin, end| {
        let mut table = vec![0u32; cells];
        let mut acc = vec![0u64; BLOCK];
        let mut codes = vec![0u64; BLOCK];
        let mut start = begin;
        while start < end {
            let len = BLOCK.min(end - start);
            let acc = &mut acc[..len];
            acc.fill(0);
            for ((column, &min), &card) in columns.iter().zip(mins).zip(cards) {
                if !offset_codes(*column, min, card, start, &mut codes[..len]) {
                    return None;
                }
                for (a, &c) in acc.iter_mut().zip(&codes) {
                    *a = *a * card + c;
                }
            }
            for &c in acc.iter() {
                table[c as usize] += 1;
            }
            start += len;
        }
        Some(table)
    });
    add_parts(parts, cells)
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
        [a, b] => with_labels!(*a, sa => with_labels!(*b, sb =>
            dense_pair_histogram(sa, sb, [mins[0], mins[1]], [cards[0], cards[1]]))),
        _ => dense_joint_histogram(columns, mins, cards),
    }
}
