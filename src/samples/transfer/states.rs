//! Coding series, the state codes of observations, and counting them.

use crate::samples::hashmap::{Dictionary, U64Map};
use crate::samples::label::extremes;
use crate::Error;
use crate::{with_labels, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Observations per block of state codes.
pub(super) const BLOCK: usize = 2048;
/// A series whose values span fewer than this many integers is coded as `value − min`.
pub const OFFSET_RANGE: u64 = 1 << 16;
/// Most cells of a dense state table (32 MiB of `u64`).
const MAX_DENSE_STATES: u64 = 1 << 22;
/// Observations per part counted by one thread (at least).
const PART_MIN: usize = 1 << 15;
/// Most observations counted into one `u32` part table.
const PART_MAX: usize = 1 << 31;

// ---------------------------------------------------------------------------------------------
// Coded series

/// One series, all its trials, coded to `0..card`.
pub(super) struct Coded<'a> {
    codes: Codes<'a>,
    pub(super) card: u64,
    /// Steps per trial.
    pub(super) len: usize,
    /// Set when a block held a value outside a guessed range (its codes were then all 0).
    escaped: AtomicBool,
}

pub(super) enum Codes<'a> {
    /// `value − min`, read from the labels as needed. With `guessed`, the range `min .. min +
    /// card` comes from a sample of the values and each block is checked against it.
    Offset {
        trials: &'a [Labels<'a>],
        min: u64,
        guessed: bool,
    },
    /// Ranks of the values among the distinct values, one vector per trial.
    Ranks(Vec<Vec<u32>>),
}

impl Coded<'_> {
    pub(super) fn trials(&self) -> usize {
        match &self.codes {
            Codes::Offset { trials, .. } => trials.len(),
            Codes::Ranks(r) => r.len(),
        }
    }

    /// Whether a value fell outside the guessed range (the counts are then wrong: recode exactly).
    pub(super) fn escaped(&self) -> bool {
        self.escaped.load(Ordering::Relaxed)
    }

    /// Writes the codes of steps `start..start + out.len()` of `trial` into `out`.
    #[inline]
    fn fill(&self, trial: usize, start: usize, out: &mut [u32]) {
        match &self.codes {
            Codes::Offset {
                trials,
                min,
                guessed,
            } => with_labels!(trials[trial], s => {
                let block = &s[start..start + out.len()];
                if *guessed {
                    let (lo, hi) = extremes(block);
                    if lo.key() < *min || hi.key() - *min >= self.card {
                        self.escaped.store(true, Ordering::Relaxed);
                        out.fill(0);
                        return;
                    }
                }
                offset_codes(block, *min, out);
            }),
            Codes::Ranks(r) => out.copy_from_slice(&r[trial][start..start + out.len()]),
        }
    }
}

/// The low 32 bits of a label's two's-complement value.
trait Low32: Copy {
    fn low32(self) -> u32;
}

macro_rules! low32 {
    ($($t:ty),*) => {$(
        impl Low32 for $t {
            #[inline(always)]
            #[allow(clippy::cast_lossless)] // one macro for widening and truncating casts
            fn low32(self) -> u32 {
                self as u32
            }
        }
    )*};
}

low32!(u8, u16, u32, u64, i8, i16, i32, i64);

/// `value − min` of every value of `block` (each difference below 2^16).
///
/// The difference is exact modulo 2^32, so only the low 32 bits are subtracted: full-width vectors
/// for 32-bit labels, no widening to 64 bits.
#[inline]
fn offset_codes<T: Label + Low32>(block: &[T], min: u64, out: &mut [u32]) {
    let low = T::from_key(min).low32();
    for (o, &v) in out.iter_mut().zip(block) {
        *o = v.low32().wrapping_sub(low);
    }
}

/// A guess of the range of `x`'s keys from its first and last 4096 values and 4096 spread over
/// it (exact for short series); never wider than the true range.
fn guess_range<T: Label>(x: &[T]) -> (u64, u64) {
    const SAMPLE: usize = 4096;
    if x.len() <= 4 * SAMPLE {
        let (lo, hi) = extremes(x);
        return (lo.key(), hi.key());
    }
    let spread = x.iter().step_by(x.len() / SAMPLE).copied();
    let ends = x[..SAMPLE].iter().chain(&x[x.len() - SAMPLE..]).copied();
    let (lo, hi) = spread
        .chain(ends)
        .fold((x[0], x[0]), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo.key(), hi.key())
}

/// Codes `trials` (equal lengths, checked here). `argument` names the series in errors.
///
/// With `guess`, a series whose guessed range (see [`guess_range`]) is narrow is coded as
/// `value − min` without a pass over all its values; every block read is checked against the
/// guess and [`Coded::escaped`] tells whether the caller must code the series again exactly.
pub(super) fn code<'a>(
    trials: &'a [Labels<'a>],
    argument: &'static str,
    guess: bool,
) -> Result<Coded<'a>> {
    let first = trials.first().ok_or(Error::EmptyInput {
        argument: argument.into(),
    })?;
    let len = first.len();
    if len == 0 {
        return Err(Error::EmptyInput {
            argument: argument.into(),
        });
    }
    for t in trials {
        if t.len() != len {
            return Err(Error::InvalidArgument {
                argument: argument.into(),
                message: format!(
                    "trials must have the same number of steps: the first has {len}, another has {}",
                    t.len()
                ),
            });
        }
    }
    let short = len * trials.len() <= 1 << 16;
    if guess && !short {
        let (lo, hi) = trials
            .iter()
            .map(|t| with_labels!(*t, s => guess_range(s)))
            .fold((u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
        if hi - lo < OFFSET_RANGE {
            return Ok(Coded {
                codes: Codes::Offset {
                    trials,
                    min: lo,
                    guessed: true,
                },
                card: hi - lo + 1,
                len,
                escaped: AtomicBool::new(false),
            });
        }
    }
    let (lo, hi) = trials
        .par_iter()
        .map(|t| with_labels!(*t, s => crate::samples::counts::key_range(s)))
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if hi - lo < OFFSET_RANGE {
        return Ok(Coded {
            codes: Codes::Offset {
                trials,
                min: lo,
                guessed: false,
            },
            card: hi - lo + 1,
            len,
            escaped: AtomicBool::new(false),
        });
    }
    // Wide values: first-appearance codes, then renumbered by rank so codes follow value order.
    let mut dictionary = Dictionary::new();
    let mut codes: Vec<Vec<u32>> = trials
        .iter()
        .map(|t| {
            with_labels!(*t, s => s
                .iter()
                .map(|v| dictionary.code(v.key()).map(|c| c as u32))
                .collect::<Result<Vec<u32>>>())
        })
        .collect::<Result<_>>()?;
    let keys = dictionary.keys();
    if keys.len() > u32::MAX as usize {
        return Err(Error::InvalidArgument {
            argument: argument.into(),
            message: format!(
                "has {} distinct values; at most 2^32 are supported",
                keys.len()
            ),
        });
    }
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_unstable_by_key(|&c| keys[c as usize]);
    let mut rank = vec![0u32; order.len()];
    for (r, &c) in order.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    codes
        .par_iter_mut()
        .for_each(|trial| trial.iter_mut().for_each(|c| *c = rank[*c as usize]));
    Ok(Coded {
        codes: Codes::Ranks(codes),
        card: keys.len() as u64,
        len,
        escaped: AtomicBool::new(false),
    })
}

// ---------------------------------------------------------------------------------------------
// State codes of observations

/// The lagged columns whose mixed-radix code is an observation's state.
pub(super) struct Plan<'s, 'a> {
    /// Distinct series read, with the largest lag each is read at.
    series: Vec<(&'s Coded<'a>, usize)>,
    /// `(index into series, lag)` of each column, most significant first.
    columns: Vec<(usize, usize)>,
    warmup: usize,
    trial_len: usize,
    trials: usize,
}

impl<'s, 'a> Plan<'s, 'a> {
    pub(super) fn new(columns: &[(&'s Coded<'a>, usize)], warmup: usize) -> Plan<'s, 'a> {
        let mut series: Vec<(&'s Coded<'a>, usize)> = Vec::new();
        let mut indexed = Vec::with_capacity(columns.len());
        for &(s, lag) in columns {
            let i = if let Some(i) = series.iter().position(|(t, _)| std::ptr::eq(*t, s)) {
                i
            } else {
                series.push((s, 0));
                series.len() - 1
            };
            series[i].1 = series[i].1.max(lag);
            indexed.push((i, lag));
        }
        let first = columns[0].0;
        Plan {
            series,
            columns: indexed,
            warmup,
            trial_len: first.len,
            trials: first.trials(),
        }
    }

    /// Whether a series read by this plan left its guessed range.
    pub(super) fn escaped(&self) -> bool {
        self.series.iter().any(|(s, _)| s.escaped())
    }

    pub(super) fn steps(&self) -> usize {
        self.trial_len - self.warmup
    }

    pub(super) fn observations(&self) -> usize {
        self.trials * self.steps()
    }

    fn cards(&self) -> Vec<u64> {
        self.columns
            .iter()
            .map(|&(s, _)| self.series[s].0.card)
            .collect()
    }

    /// Number of possible states (`None` if it overflows `u64`).
    fn states(&self) -> Option<u64> {
        self.cards().into_iter().try_fold(1u64, u64::checked_mul)
    }

    /// Calls `f(first, keys)` for consecutive blocks of the observations `begin..end` (global
    /// indices, trial after trial), `keys` holding their state codes.
    pub(super) fn for_each_block<K: Key>(
        &self,
        begin: usize,
        end: usize,
        mut f: impl FnMut(usize, &[K]),
    ) {
        let steps = self.steps();
        let cards: Vec<K> = self.cards().into_iter().map(K::from_u64).collect();
        let mut buffers: Vec<Vec<u32>> = self
            .series
            .iter()
            .map(|&(_, lag)| vec![0u32; BLOCK + lag])
            .collect();
        let mut keys = [K::default(); BLOCK];
        let mut o = begin;
        while o < end {
            let (trial, j) = (o / steps, o % steps);
            let len = BLOCK.min(end - o).min(steps - j);
            let t = self.warmup + j;
            for ((s, max_lag), buffer) in self.series.iter().zip(&mut buffers) {
                s.fill(trial, t - max_lag, &mut buffer[..len + max_lag]);
            }
            let keys = &mut keys[..len];
            for (c, (&(s, lag), &card)) in self.columns.iter().zip(&cards).enumerate() {
                let offset = self.series[s].1 - lag;
                let codes = &buffers[s][offset..offset + len];
                if c == 0 {
                    for (k, &v) in keys.iter_mut().zip(codes) {
                        *k = K::from_u32(v);
                    }
                } else {
                    for (k, &v) in keys.iter_mut().zip(codes) {
                        *k = k.mul_add(card, K::from_u32(v));
                    }
                }
            }
            f(o, keys);
            o += len;
        }
    }
}

/// A state code: `u32` for dense tables (vectorises twice as wide), `u64` otherwise.
pub(super) trait Key: Copy + Default + Send + Sync {
    fn from_u32(v: u32) -> Self;
    fn from_u64(v: u64) -> Self;
    fn mul_add(self, card: Self, v: Self) -> Self;
}

impl Key for u32 {
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        v
    }
    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        v as u32
    }
    #[inline(always)]
    fn mul_add(self, card: Self, v: Self) -> Self {
        self.wrapping_mul(card).wrapping_add(v)
    }
}

impl Key for u64 {
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        u64::from(v)
    }
    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        v
    }
    #[inline(always)]
    fn mul_add(self, card: Self, v: Self) -> Self {
        self.wrapping_mul(card).wrapping_add(v)
    }
}

/// Splits `0..n` into contiguous parts (one per thread, at least [`PART_MIN`] long) and runs `f`
/// on each, in parallel, returning the results in order.
pub(super) fn over_parts<R: Send>(n: usize, f: impl Fn(usize, usize) -> R + Sync) -> Vec<R> {
    if n < 2 * PART_MIN {
        return vec![f(0, n)];
    }
    let len = n
        .div_ceil(rayon::current_num_threads().max(1))
        .clamp(PART_MIN, PART_MAX);
    (0..n.div_ceil(len))
        .into_par_iter()
        .map(|p| f(p * len, ((p + 1) * len).min(n)))
        .collect()
}

/// Largest dense table worth allocating for `n` observations.
pub(super) fn dense_limit(n: usize) -> u64 {
    (8 * n as u64).clamp(1 << 12, MAX_DENSE_STATES)
}

// ---------------------------------------------------------------------------------------------
// Tables of states

/// Counts of the states, in ascending order of state.
pub(super) enum Cells {
    /// Every state's count.
    Dense(Vec<u64>),
    /// Observed states and their counts.
    Sparse { keys: Vec<u64>, counts: Vec<u64> },
}

impl Cells {
    pub(super) fn stored(&self) -> usize {
        match self {
            Cells::Dense(t) => t.len(),
            Cells::Sparse { keys, .. } => keys.len(),
        }
    }

    pub(super) fn counts(&self) -> &[u64] {
        match self {
            Cells::Dense(t) => t,
            Cells::Sparse { counts, .. } => counts,
        }
    }

    /// `f(state, count)` for the non-empty cells among stored cells `range`, in order.
    pub(super) fn for_each(&self, range: std::ops::Range<usize>, mut f: impl FnMut(u64, u64)) {
        match self {
            Cells::Dense(t) => {
                for i in range {
                    if t[i] != 0 {
                        f(i as u64, t[i]);
                    }
                }
            }
            Cells::Sparse { keys, counts } => {
                for i in range {
                    f(keys[i], counts[i]);
                }
            }
        }
    }

    /// The stored index of an observed `state`.
    #[inline]
    pub(super) fn position(&self, state: u64) -> usize {
        match self {
            Cells::Dense(_) => state as usize,
            Cells::Sparse { keys, .. } => keys.binary_search(&state).unwrap_or(0),
        }
    }

    /// The count of `state`.
    pub(super) fn get(&self, state: u64) -> u64 {
        match self {
            Cells::Dense(t) => t[state as usize],
            Cells::Sparse { keys, counts } => keys.binary_search(&state).map_or(0, |i| counts[i]),
        }
    }

    /// The table of `project(state)` (`size` possible values), summing counts.
    pub(super) fn marginal(&self, size: u64, project: impl Fn(u64) -> u64) -> Cells {
        match self {
            Cells::Dense(t) if size <= t.len() as u64 => {
                let mut m = vec![0u64; size as usize];
                for (i, &c) in t.iter().enumerate() {
                    m[project(i as u64) as usize] += c;
                }
                Cells::Dense(m)
            }
            _ => {
                let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(self.stored());
                self.for_each(0..self.stored(), |s, c| pairs.push((project(s), c)));
                pairs.par_sort_unstable_by_key(|p| p.0);
                let (mut keys, mut counts) = (Vec::new(), Vec::<u64>::new());
                for (k, c) in pairs {
                    if keys.last() == Some(&k) {
                        *counts.last_mut().expect("a previous key") += c;
                    } else {
                        keys.push(k);
                        counts.push(c);
                    }
                }
                Cells::Sparse { keys, counts }
            }
        }
    }
}

/// Dense counts of the states of `plan` (`states` cells), in parallel parts.
fn count_dense(plan: &Plan<'_, '_>, states: u64, interrupt: &AtomicBool) -> Result<Cells> {
    let cells = states as usize;
    let parts = over_parts(plan.observations(), |begin, end| {
        // Four interleaved sub-tables for small tables: runs of one state do not serialise on
        // one counter.
        let ways = if cells <= 1 << 12 { 4 } else { 1 };
        let mut table = vec![0u32; ways * cells];
        let mut stopped = false;
        plan.for_each_block::<u32>(begin, end, |_, keys| {
            if stopped || interrupt.load(Ordering::Relaxed) {
                stopped = true;
                return;
            }
            if ways == 4 {
                let (t01, t23) = table.split_at_mut(2 * cells);
                let (t0, t1) = t01.split_at_mut(cells);
                let (t2, t3) = t23.split_at_mut(cells);
                let mut quads = keys.chunks_exact(4);
                for q in &mut quads {
                    t0[q[0] as usize] += 1;
                    t1[q[1] as usize] += 1;
                    t2[q[2] as usize] += 1;
                    t3[q[3] as usize] += 1;
                }
                for &k in quads.remainder() {
                    t0[k as usize] += 1;
                }
            } else {
                for &k in keys {
                    table[k as usize] += 1;
                }
            }
        });
        (!stopped).then_some(table)
    });
    let mut total = vec![0u64; cells];
    for part in parts {
        let part = part.ok_or(Error::Interrupted)?;
        for sub in part.chunks_exact(cells) {
            for (t, &c) in total.iter_mut().zip(sub) {
                *t += u64::from(c);
            }
        }
    }
    Ok(Cells::Dense(total))
}

/// Hashed counts of the states of `plan`, merged into ascending order.
fn count_sparse(plan: &Plan<'_, '_>, interrupt: &AtomicBool) -> Result<Cells> {
    let parts = over_parts(plan.observations(), |begin, end| {
        let mut map = U64Map::with_capacity(1 << 12);
        let mut stopped = Ok(());
        plan.for_each_block::<u64>(begin, end, |_, keys| {
            if stopped.is_err() {
                return;
            }
            if interrupt.load(Ordering::Relaxed) {
                stopped = Err(Error::Interrupted);
                return;
            }
            for &k in keys {
                if let Err(e) = map.add(k, 1) {
                    stopped = Err(e);
                    return;
                }
            }
        });
        stopped.and_then(|()| map.into_sorted())
    });
    let mut parts: Vec<(Vec<u64>, Vec<u64>)> = parts.into_iter().collect::<Result<_>>()?;
    if parts.len() == 1 {
        let (keys, counts) = parts.pop().expect("one part");
        return Ok(Cells::Sparse { keys, counts });
    }
    let mut map = U64Map::try_with_capacity(parts.iter().map(|p| p.0.len()).max().unwrap_or(0))?;
    for (keys, counts) in &parts {
        for (&k, &c) in keys.iter().zip(counts) {
            map.add(k, c)?;
        }
    }
    let (keys, counts) = map.into_sorted()?;
    Ok(Cells::Sparse { keys, counts })
}

pub(super) fn count(plan: &Plan<'_, '_>, interrupt: &AtomicBool) -> Result<Cells> {
    match plan.states() {
        Some(s) if s <= dense_limit(plan.observations()) => count_dense(plan, s, interrupt),
        Some(_) => count_sparse(plan, interrupt),
        None => Err(Error::InvalidArgument {
            argument: "history".into(),
            message: "the lagged variables have more than 2^64 possible joint states; use a \
                      shorter history or fewer distinct values"
                .into(),
        }),
    }
}
