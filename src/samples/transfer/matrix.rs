//! The transfer entropy of every ordered pair of many series.

use super::information::{Quantity, Split};
use super::states::{code, Cells, Coded, Plan};
use super::{check_long_enough, check_matching, evaluate, transfer_plan, Embedding};
use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The all-pairs matrix counts with bitsets when `target states × (source states − 1)` is at most
/// this (each product is one AND and one population count per 64 observations).
const BITSET_WORK: u64 = 256;

// ---------------------------------------------------------------------------------------------
// All ordered pairs

/// Transfer entropy between every ordered pair of `series` (each a list of trials, all of the same
/// shape): `d × d` row-major, entry `(i, j)` from series `i` to series `j`, 0 on the diagonal.
///
/// Entry `(i, j)` is exactly `transfer_entropy(series[i], series[j], ...)`.
pub fn transfer_entropy_matrix(
    series: &[&[Labels<'_>]],
    embedding: Embedding,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Result<Vec<f64>> {
    embedding.check()?;
    let d = series.len();
    if d == 0 {
        return Err(Error::EmptyInput {
            argument: "X".into(),
        });
    }
    let coded: Vec<Coded<'_>> = series
        .iter()
        .map(|s| code(s, "X", false))
        .collect::<Result<_>>()?;
    for s in &coded[1..] {
        check_matching(&coded[0], s, "X", "the first series")?;
    }
    let warmup = embedding.warmup(false);
    check_long_enough(&coded[0], warmup, "history")?;
    let mut out = vec![0.0f64; d * d];
    let (k, l) = (embedding.history, embedding.source_history);
    // Bitsets of each source's states, if every pair is small enough to count that way.
    let card = coded.iter().map(|c| c.card).max().unwrap_or(1);
    let n = coded[0].trials() * (coded[0].len - warmup);
    let target_states = card.checked_pow(k as u32 + 1);
    let source_states = card.checked_pow(l as u32);
    let bitsets = match (target_states, source_states) {
        (Some(a), Some(b)) if a.saturating_mul(b - 1) <= BITSET_WORK => {
            let words = n.div_ceil(64);
            let bytes = (d as u128) * u128::from(b) * (words as u128) * 8;
            // Bitsets of all sources: bounded to keep the memory modest (else count per pair).
            (bytes <= 1 << 30).then_some((a, b))
        }
        _ => None,
    };
    let rows = match bitsets {
        Some((_, sb)) => columns_by_bitsets(&coded, embedding, sb, estimator, interrupt),
        None => columns_by_pairs(&coded, embedding, estimator, interrupt),
    };
    for (j, column) in rows.into_iter().enumerate() {
        for (i, v) in column?.into_iter().enumerate() {
            out[i * d + j] = v;
        }
    }
    Ok(out)
}

/// Every column of the matrix (all sources of one target), counted with bitsets: one per source
/// state (`sb` per source) and one per target state `(future, history)`.
fn columns_by_bitsets(
    coded: &[Coded<'_>],
    embedding: Embedding,
    sb: u64,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Vec<Result<Vec<f64>>> {
    let Embedding {
        history: k,
        source_history: l,
        delay: u,
    } = embedding;
    let warmup = embedding.warmup(false);
    let d = coded.len();
    let sources: Vec<Vec<Vec<u64>>> = coded
        .par_iter()
        .map(|s| {
            let columns: Vec<(&Coded<'_>, usize)> = (0..l).map(|i| (s, u + l - 1 - i)).collect();
            state_bitsets(&Plan::new(&columns, warmup), sb)
        })
        .collect();
    (0..d)
        .into_par_iter()
        .map(|j| {
            if interrupt.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            let target = &coded[j];
            let mut columns = vec![(target, 0)];
            columns.extend((0..k).map(|i| (target, k - i)));
            let sh = target.card.pow(k as u32);
            let masks = state_bitsets(&Plan::new(&columns, warmup), target.card * sh);
            let occupied: Vec<(usize, u64)> = masks
                .iter()
                .enumerate()
                .map(|(a, m)| (a, m.iter().map(|w| u64::from(w.count_ones())).sum()))
                .filter(|&(_, c)| c != 0)
                .collect();
            let mut column = vec![0.0f64; d];
            for (i, source) in sources.iter().enumerate() {
                if i == j {
                    continue;
                }
                let sb_i = coded[i].card.pow(l as u32);
                // table[(x · sb + v) · sh + h] for the target state a = x · sh + h.
                let mut table = vec![0u64; (target.card * sb_i * sh) as usize];
                for &(a, total) in &occupied {
                    let (x, h) = (a as u64 / sh, a as u64 % sh);
                    let mut rest = total;
                    for v in 0..sb_i - 1 {
                        let c = crate::runtime::simd::and_popcount(&masks[a], &source[v as usize]);
                        table[((x * sb_i + v) * sh + h) as usize] = c;
                        rest -= c;
                    }
                    table[((x * sb_i + sb_i - 1) * sh + h) as usize] = rest;
                }
                let split = Split::new(Cells::Dense(table), target.card, sb_i, sh);
                column[i] = split.information(true, estimator);
            }
            Ok(column)
        })
        .collect()
}

/// Every column of the matrix, one pair at a time through [`evaluate`].
fn columns_by_pairs(
    coded: &[Coded<'_>],
    embedding: Embedding,
    estimator: Estimator,
    interrupt: &AtomicBool,
) -> Vec<Result<Vec<f64>>> {
    let d = coded.len();
    (0..d)
        .into_par_iter()
        .map(|j| {
            let mut column = vec![0.0f64; d];
            for i in 0..d {
                if interrupt.load(Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                if i != j {
                    let (plan, sizes) = transfer_plan(&coded[i], &coded[j], &[], embedding);
                    let quantity = Quantity::Conditional;
                    column[i] = evaluate(&plan, sizes, quantity, estimator, false, interrupt)?
                        .expect("exact ranges hold every value")
                        .value;
                }
            }
            Ok(column)
        })
        .collect()
}

/// One bitset per state (`states` of them) of `plan`'s observations: bit `o` of bitset `s` is set
/// when observation `o` is in state `s`.
fn state_bitsets(plan: &Plan<'_, '_>, states: u64) -> Vec<Vec<u64>> {
    let n = plan.observations();
    let words = n.div_ceil(64);
    let mut bits = vec![vec![0u64; words]; states as usize];
    plan.for_each_block::<u32>(0, n, |first, keys| {
        for (o, &k) in (first..).zip(keys) {
            bits[k as usize][o / 64] |= 1u64 << (o % 64);
        }
    });
    bits
}
