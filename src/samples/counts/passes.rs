//! The passes of dense counting, one at a time, for `benches/passes.rs` (which times each at
//! 1 and 2 threads and writes the table of `docs/kernels.md`). Not part of the API: each function
//! runs one pass exactly as [`super::joint_counts`] does, on the calling rayon pool.

use super::dense::{add_parts, histogram_tables, joint_tables, over_chunks, JointPass};
use super::{guess_range as guess, key_range};
use crate::runtime::simd;
use crate::runtime::simd::histogram::{self, Lane};
use crate::{Label, Labels};

/// The guessed key range of one column (a sample of 12 288 labels, on the calling thread).
#[must_use]
pub fn guess_range<T: Label>(x: &[T]) -> (u64, u64) {
    guess(x)
}

/// The exact key range of one column (the parallel min/max pass of the fallback).
#[must_use]
pub fn exact_range<T: Label>(x: &[T]) -> (u64, u64) {
    key_range(x)
}

/// The range check alone: every label of `x` against `[min, min + card)`, from the chunk queue.
#[must_use]
pub fn check<T: Label + Lane>(x: &[T], min: u64, card: usize) -> bool {
    let level = simd::level();
    let m = T::from_key(min);
    over_chunks(
        x.len(),
        || (),
        |(), b, e| {
            x[b..e]
                .chunks(512)
                .all(|block| histogram::inside(level, block, m, card as u32))
        },
    )
    .is_some()
}

/// The per-thread `u32` tables of one column (check and count, fused as in the engine).
#[must_use]
pub fn histogram_parts<T: Label + Lane>(x: &[T], min: u64, card: usize) -> Vec<Option<Vec<u32>>> {
    histogram_tables(x, min, card)
}

/// The code pass alone of several columns (block by block, codes thrown away).
#[must_use]
pub fn codes(columns: &[Labels<'_>], mins: &[u64], cards: &[u64]) -> bool {
    joint_tables(columns, mins, cards, JointPass::Codes)
        .iter()
        .all(Option::is_some)
}

/// The per-thread `u32` tables of several columns (code pass and counting).
#[must_use]
pub fn joint_parts(columns: &[Labels<'_>], mins: &[u64], cards: &[u64]) -> Vec<Option<Vec<u32>>> {
    joint_tables(columns, mins, cards, JointPass::Count)
}

/// The merge of the part tables into one `u64` table.
#[must_use]
pub fn merge(parts: Vec<Option<Vec<u32>>>, cells: usize) -> Option<Vec<u64>> {
    add_parts(parts, cells)
}
