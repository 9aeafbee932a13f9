//! Information dynamics of discrete time series: transfer entropy, active information storage and
//! entropy rate, from counts of lagged values.
//!
//! # Definitions
//! For a target series `X`, a source `Y` and optional conditioning series `Z₁, Z₂, …`, with the
//! target history `k` (`history`), the source history `l` (`source_history`) and the source delay
//! `u` (`delay`), every time step `t` of a trial defines one observation of
//!
//! - the *future* `X_t`,
//! - the *history* `X⁽ᵏ⁾_{t−1} = (X_{t−k}, …, X_{t−1})`,
//! - the *source state* `Y⁽ˡ⁾_{t−u} = (Y_{t−u−l+1}, …, Y_{t−u})`,
//! - the *conditions* `(Z₁_{t−1}, Z₂_{t−1}, …)` (one step back, as in Inform / `PyInform`),
//!
//! for `t` from the warm-up `w` (the largest lag: `max(k, u + l − 1)`, at least 1 with conditions)
//! to the end of the trial. Then (Schreiber 2000; Lizier et al. 2008, 2012)
//!
//! - transfer entropy `T_{Y→X} = I(X_t ; Y⁽ˡ⁾_{t−u} | X⁽ᵏ⁾_{t−1}, Z_{t−1})`,
//! - active information storage `A_X = I(X⁽ᵏ⁾_{t−1} ; X_t)`,
//! - entropy rate `h_X = H(X_t | X⁽ᵏ⁾_{t−1})`,
//!
//! estimated from the counts of the observations pooled over all trials (each trial of `m` steps
//! gives `m − w` observations; a history never spans two trials), exactly as `PyInform` pools its
//! initial conditions. Local (pointwise) values are the terms of these averages, one per
//! observation: `ln(p(x_t, y, h) p(h) / (p(x_t, h) p(y, h)))`, `ln(p(h, x_t) / (p(h) p(x_t)))` and
//! `−ln p(x_t | h)`; their mean is the plug-in average.
//!
//! Each quantity is the conditional mutual information (or conditional entropy) of the lagged
//! variables, computed by the same terms as [`crate::estimate`]: with the same estimator it equals
//! `conditional_mutual_information(future, source, history)` of the lagged columns, bit for bit when
//! the series' values span a small range (the cells are then visited in the same order).
//!
//! # Counting
//! Every series is coded once: `value − min` when its values span less than [`OFFSET_RANGE`],
//! otherwise the rank of the value among the distinct values (one dictionary pass). An observation's
//! state is the mixed-radix code of its lagged values (future first, then the source, then the
//! history and the conditions), built in blocks of [`BLOCK`] observations with one vectorised pass
//! per lag, and counted into a dense table when the number of possible states is small, into a
//! hashed table otherwise. Observations are split into contiguous parts, one per thread, counted
//! separately and added: counts are exact integers, so results do not depend on the thread count.
//!
//! The all-pairs matrix ([`transfer_entropy_matrix`]) computes each target's history and future
//! once and shares it across sources. When the states are few (binary series with a history of a
//! few steps), a pair's table is counted with population counts: one bitset per target state and
//! one per source value, `n(a, v) = popcount(mask_a & bits_v)`, 64 observations per instruction.
//!
//! # References
//! - T. Schreiber, "Measuring information transfer", Phys. Rev. Lett. 85 (2000), 461-464.
//! - J. T. Lizier, M. Prokopenko and A. Y. Zomaya, "Local information transfer as a spatiotemporal
//!   filter for complex systems", Phys. Rev. E 77 (2008), 026110.
//! - J. T. Lizier, M. Prokopenko and A. Y. Zomaya, "Local measures of information storage in
//!   complex distributed computation", Information Sciences 208 (2012), 39-54.
//! - D. G. Moore, G. Valentini, S. I. Walker and M. Levin, "Inform: efficient information-theoretic
//!   analysis of collective behaviors", Frontiers in Robotics and AI 5 (2018), 60.

use crate::estimate::{
    chunked_sum, information_correction, information_term, summarize, Estimator,
};
use crate::estimators::{self, Fingerprint};
use crate::hashmap::{Dictionary, U64Map};
use crate::{with_labels, Error, Label, Labels, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Observations per block of state codes.
const BLOCK: usize = 2048;
/// A series whose values span fewer than this many integers is coded as `value − min`.
pub const OFFSET_RANGE: u64 = 1 << 16;
/// Most cells of a dense state table (32 MiB of `u64`).
const MAX_DENSE_STATES: u64 = 1 << 22;
/// Observations per part counted by one thread (at least).
const PART_MIN: usize = 1 << 15;
/// Most observations counted into one `u32` part table.
const PART_MAX: usize = 1 << 31;
/// The all-pairs matrix counts with bitsets when `target states × (source states − 1)` is at most
/// this (each product is one AND and one population count per 64 observations).
const BITSET_WORK: u64 = 256;

/// The embedding of a transfer entropy: target history `k`, source history `l` and source delay `u`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedding {
    /// `k ≥ 1`: past values of the target conditioned on.
    pub history: usize,
    /// `l ≥ 1`: past values of the source.
    pub source_history: usize,
    /// `u ≥ 1`: the most recent source value is `Y_{t−u}`.
    pub delay: usize,
}

impl Embedding {
    fn check(&self) -> Result<()> {
        for (argument, value) in [
            ("history", self.history),
            ("source_history", self.source_history),
            ("delay", self.delay),
        ] {
            if value == 0 {
                return Err(Error::InvalidArgument {
                    argument,
                    message: "must be at least 1, got 0".into(),
                });
            }
        }
        Ok(())
    }

    /// The first usable time step of a trial.
    fn warmup(&self, conditioned: bool) -> usize {
        let source = self.delay + self.source_history - 1;
        self.history.max(source).max(usize::from(conditioned))
    }
}

/// What a transfer entropy, an active information storage or an entropy rate returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The average, in nats.
    pub value: f64,
    /// The local values in nats, trial after trial (`m − w` per trial), when asked for.
    pub local: Option<Vec<f64>>,
    /// Observations per trial (`m − w`).
    pub steps: usize,
}

// ---------------------------------------------------------------------------------------------
// Coded series

/// One series, all its trials, coded to `0..card`.
struct Coded<'a> {
    codes: Codes<'a>,
    card: u64,
    /// Steps per trial.
    len: usize,
}

enum Codes<'a> {
    /// `value − min`, read from the labels as needed.
    Offset { trials: &'a [Labels<'a>], min: u64 },
    /// Ranks of the values among the distinct values, one vector per trial.
    Ranks(Vec<Vec<u32>>),
}

impl Coded<'_> {
    fn trials(&self) -> usize {
        match &self.codes {
            Codes::Offset { trials, .. } => trials.len(),
            Codes::Ranks(r) => r.len(),
        }
    }

    /// Writes the codes of steps `start..start + out.len()` of `trial` into `out`.
    #[inline]
    fn fill(&self, trial: usize, start: usize, out: &mut [u32]) {
        match &self.codes {
            Codes::Offset { trials, min } => with_labels!(trials[trial], s => {
                let end = start + out.len();
                for (o, &v) in out.iter_mut().zip(&s[start..end]) {
                    *o = v.key().wrapping_sub(*min) as u32;
                }
            }),
            Codes::Ranks(r) => out.copy_from_slice(&r[trial][start..start + out.len()]),
        }
    }
}

/// Codes `trials` (equal lengths, checked here). `argument` names the series in errors.
fn code<'a>(trials: &'a [Labels<'a>], argument: &'static str) -> Result<Coded<'a>> {
    let first = trials.first().ok_or(Error::EmptyInput { argument })?;
    let len = first.len();
    if len == 0 {
        return Err(Error::EmptyInput { argument });
    }
    for t in trials {
        if t.len() != len {
            return Err(Error::InvalidArgument {
                argument,
                message: format!(
                    "trials must have the same number of steps: the first has {len}, another has {}",
                    t.len()
                ),
            });
        }
    }
    let (lo, hi) = trials
        .par_iter()
        .map(|t| with_labels!(*t, s => crate::counts::key_range(s)))
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if hi - lo < OFFSET_RANGE {
        return Ok(Coded {
            codes: Codes::Offset { trials, min: lo },
            card: hi - lo + 1,
            len,
        });
    }
    // Wide values: first-appearance codes, then renumbered by rank so codes follow value order.
    let mut dictionary = Dictionary::new();
    let mut codes: Vec<Vec<u32>> = trials
        .iter()
        .map(|t| with_labels!(*t, s => s.iter().map(|v| dictionary.code(v.key()) as u32).collect()))
        .collect();
    let keys = dictionary.keys();
    if keys.len() > u32::MAX as usize {
        return Err(Error::InvalidArgument {
            argument,
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
    })
}

// ---------------------------------------------------------------------------------------------
// State codes of observations

/// The lagged columns whose mixed-radix code is an observation's state.
struct Plan<'s, 'a> {
    /// Distinct series read, with the largest lag each is read at.
    series: Vec<(&'s Coded<'a>, usize)>,
    /// `(index into series, lag)` of each column, most significant first.
    columns: Vec<(usize, usize)>,
    warmup: usize,
    trial_len: usize,
    trials: usize,
}

impl<'s, 'a> Plan<'s, 'a> {
    fn new(columns: &[(&'s Coded<'a>, usize)], warmup: usize) -> Plan<'s, 'a> {
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

    fn steps(&self) -> usize {
        self.trial_len - self.warmup
    }

    fn observations(&self) -> usize {
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
    fn for_each_block<K: Key>(&self, begin: usize, end: usize, mut f: impl FnMut(usize, &[K])) {
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
trait Key: Copy + Default + Send + Sync {
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
fn over_parts<R: Send>(n: usize, f: impl Fn(usize, usize) -> R + Sync) -> Vec<R> {
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
fn dense_limit(n: usize) -> u64 {
    (8 * n as u64).clamp(1 << 12, MAX_DENSE_STATES)
}

// ---------------------------------------------------------------------------------------------
// Tables of states

/// Counts of the states, in ascending order of state.
enum Cells {
    /// Every state's count.
    Dense(Vec<u64>),
    /// Observed states and their counts.
    Sparse { keys: Vec<u64>, counts: Vec<u64> },
}

impl Cells {
    fn stored(&self) -> usize {
        match self {
            Cells::Dense(t) => t.len(),
            Cells::Sparse { keys, .. } => keys.len(),
        }
    }

    fn counts(&self) -> &[u64] {
        match self {
            Cells::Dense(t) => t,
            Cells::Sparse { counts, .. } => counts,
        }
    }

    /// `f(state, count)` for the non-empty cells among stored cells `range`, in order.
    fn for_each(&self, range: std::ops::Range<usize>, mut f: impl FnMut(u64, u64)) {
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

    /// The count of `state`.
    fn get(&self, state: u64) -> u64 {
        match self {
            Cells::Dense(t) => t[state as usize],
            Cells::Sparse { keys, counts } => keys.binary_search(&state).map_or(0, |i| counts[i]),
        }
    }

    /// The table of `project(state)` (`size` possible values), summing counts.
    fn marginal(&self, size: u64, project: impl Fn(u64) -> u64) -> Cells {
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
        let mut stopped = false;
        plan.for_each_block::<u64>(begin, end, |_, keys| {
            if stopped || interrupt.load(Ordering::Relaxed) {
                stopped = true;
                return;
            }
            for &k in keys {
                map.add(k, 1);
            }
        });
        (!stopped).then(|| map.into_sorted())
    });
    let mut parts: Vec<(Vec<u64>, Vec<u64>)> = parts
        .into_iter()
        .collect::<Option<_>>()
        .ok_or(Error::Interrupted)?;
    if parts.len() == 1 {
        let (keys, counts) = parts.pop().expect("one part");
        return Ok(Cells::Sparse { keys, counts });
    }
    let mut map = U64Map::with_capacity(parts.iter().map(|p| p.0.len()).max().unwrap_or(0));
    for (keys, counts) in &parts {
        for (&k, &c) in keys.iter().zip(counts) {
            map.add(k, c);
        }
    }
    let (keys, counts) = map.into_sorted();
    Ok(Cells::Sparse { keys, counts })
}

fn count(plan: &Plan<'_, '_>, interrupt: &AtomicBool) -> Result<Cells> {
    match plan.states() {
        Some(s) if s <= dense_limit(plan.observations()) => count_dense(plan, s, interrupt),
        Some(_) => count_sparse(plan, interrupt),
        None => Err(Error::InvalidArgument {
            argument: "history",
            message: "the lagged variables have more than 2^64 possible joint states; use a \
                      shorter history or fewer distinct values"
                .into(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// From counts to information

/// A table of states `s = (a · sb + b) · sc + c` with its marginals over `(a, c)`, `(b, c)` and `c`.
struct Split {
    cells: Cells,
    sb: u64,
    sc: u64,
    ac: Cells,
    bc: Cells,
    c: Cells,
    n: u64,
}

impl Split {
    fn new(cells: Cells, sa: u64, sb: u64, sc: u64) -> Split {
        let n = cells.counts().iter().sum();
        let ac = cells.marginal(sa * sc, |s| (s / (sb * sc)) * sc + s % sc);
        let bc = cells.marginal(sb * sc, |s| s % (sb * sc));
        let c = cells.marginal(sc, |s| s % sc);
        Split {
            cells,
            sb,
            sc,
            ac,
            bc,
            c,
            n,
        }
    }

    /// `(n_abc, n_c, n_ac, n_bc)` of `state`'s cell, as floats.
    #[inline]
    fn counts_of(&self, state: u64, count: u64) -> (u64, f64, f64, f64) {
        let (sb, sc) = (self.sb, self.sc);
        let c = state % sc;
        let n_c = self.c.get(c) as f64;
        let n_ac = self.ac.get((state / (sb * sc)) * sc + c) as f64;
        let n_bc = self.bc.get(state % (sb * sc)) as f64;
        (count, n_c, n_ac, n_bc)
    }

    /// `I(A; B | C)` (or `I(A; B)` when `conditioned` is false and `sc = 1`), by `estimator`,
    /// never negative: the terms of [`crate::estimate`] in ascending order of state.
    fn information(&self, conditioned: bool, estimator: Estimator) -> f64 {
        let n = self.n as f64;
        let info = chunked_sum(self.cells.stored(), |range| {
            let mut terms = Vec::with_capacity(range.len());
            self.cells.for_each(range, |s, count| {
                let (count, n_c, n_ac, n_bc) = self.counts_of(s, count);
                let n_c = if conditioned { n_c } else { n };
                terms.push(information_term(count, n_c, n_ac, n_bc, n));
            });
            terms
        });
        let correction = information_correction(
            estimator,
            summarize(self.ac.counts(), estimator),
            summarize(self.bc.counts(), estimator),
            summarize(self.cells.counts(), estimator),
            conditioned.then(|| summarize(self.c.counts(), estimator)),
            self.n,
        );
        (info + correction).max(0.0)
    }

    /// `H(A | C)` (`sb = 1`), by `estimator`, never negative.
    fn conditional_entropy(&self, estimator: Estimator) -> f64 {
        let n = self.n as f64;
        let h = chunked_sum(self.cells.stored(), |range| {
            let mut terms = Vec::with_capacity(range.len());
            self.cells.for_each(range, |s, count| {
                let n_c = self.c.get(s % self.sc) as f64;
                terms.push(-(count as f64 / n) * (count as f64 / n_c).ln());
            });
            terms
        });
        let occupied = |c: &Cells| c.counts().iter().filter(|&&x| x != 0).count();
        let correction = match estimator {
            Estimator::Plugin => 0.0,
            Estimator::MillerMadow => {
                (occupied(&self.cells) as f64 - occupied(&self.c) as f64) / (2.0 * n)
            }
            e => {
                estimators::correction(&Fingerprint::from_counts(self.cells.counts()), e)
                    - estimators::correction(&Fingerprint::from_counts(self.c.counts()), e)
            }
        };
        (h + correction).max(0.0)
    }
}

/// Which quantity a [`Split`] is turned into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quantity {
    /// `I(A; B | C)`.
    Conditional,
    /// `I(A; B)` (`sc = 1`).
    Mutual,
    /// `H(A | C)` (`sb = 1`).
    Entropy,
}

impl Quantity {
    fn of(self, split: &Split, estimator: Estimator) -> f64 {
        match self {
            Quantity::Conditional => split.information(true, estimator),
            Quantity::Mutual => split.information(false, estimator),
            Quantity::Entropy => split.conditional_entropy(estimator),
        }
    }

    fn local(self, split: &Split, state: u64) -> f64 {
        let n = split.n as f64;
        let (count, n_c, n_ac, n_bc) = split.counts_of(state, split.cells.get(state));
        let c = count as f64;
        match self {
            Quantity::Conditional => ((c * n_c) / (n_ac * n_bc)).ln(),
            Quantity::Mutual => ((c * n) / (n_ac * n_bc)).ln(),
            Quantity::Entropy => -(c / n_c).ln(),
        }
    }
}

/// Counts `plan`'s states (columns `A`, then `B`, then `C`, with `sa`, `sb`, `sc` states each) and
/// returns the quantity, with the local values if asked.
fn evaluate(
    plan: &Plan<'_, '_>,
    sizes: (u64, u64, u64),
    quantity: Quantity,
    estimator: Estimator,
    local: bool,
    interrupt: &AtomicBool,
) -> Result<Estimate> {
    if local && estimator != Estimator::Plugin {
        return Err(Error::InvalidArgument {
            argument: "local",
            message: "local values are plug-in values; use estimator=\"plugin\" with local=True"
                .into(),
        });
    }
    let cells = count(plan, interrupt)?;
    let split = Split::new(cells, sizes.0, sizes.1, sizes.2);
    let value = quantity.of(&split, estimator);
    let local = if local {
        let n = plan.observations();
        let mut out = vec![0.0f64; n];
        let part = n.div_ceil(rayon::current_num_threads().max(1)).max(BLOCK);
        out.par_chunks_mut(part).enumerate().for_each(|(p, chunk)| {
            let begin = p * part;
            plan.for_each_block::<u64>(begin, begin + chunk.len(), |first, keys| {
                for (o, &k) in chunk[first - begin..].iter_mut().zip(keys) {
                    *o = quantity.local(&split, k);
                }
            });
        });
        Some(out)
    } else {
        None
    };
    Ok(Estimate {
        value,
        local,
        steps: plan.steps(),
    })
}

fn check_long_enough(series: &Coded<'_>, warmup: usize, argument: &'static str) -> Result<()> {
    if series.len <= warmup {
        return Err(Error::InvalidArgument {
            argument,
            message: format!(
                "series of {} steps are too short for a history (or delay) reaching {warmup} \
                 steps back: at least {} steps are needed",
                series.len,
                warmup + 1
            ),
        });
    }
    Ok(())
}

fn check_matching(
    a: &Coded<'_>,
    b: &Coded<'_>,
    argument: &'static str,
    reference: &str,
) -> Result<()> {
    if a.trials() != b.trials() || a.len != b.len {
        return Err(Error::InvalidArgument {
            argument,
            message: format!(
                "has {} trials of {} steps but {reference} has {} trials of {} steps",
                b.trials(),
                b.len,
                a.trials(),
                a.len
            ),
        });
    }
    Ok(())
}

/// The columns of a transfer entropy: future, source (oldest first), history (oldest first),
/// conditions; and the sizes of the three groups.
fn transfer_plan<'s, 'a>(
    source: &'s Coded<'a>,
    target: &'s Coded<'a>,
    given: &'s [Coded<'a>],
    embedding: Embedding,
) -> (Plan<'s, 'a>, (u64, u64, u64)) {
    let Embedding {
        history: k,
        source_history: l,
        delay: u,
    } = embedding;
    let mut columns = vec![(target, 0)];
    columns.extend((0..l).map(|i| (source, u + l - 1 - i)));
    columns.extend((0..k).map(|i| (target, k - i)));
    columns.extend(given.iter().map(|z| (z, 1)));
    let pow = |card: u64, e: usize| card.saturating_pow(e as u32);
    let sb = pow(source.card, l);
    let sc = given
        .iter()
        .fold(pow(target.card, k), |acc, z| acc.saturating_mul(z.card));
    let warmup = embedding.warmup(!given.is_empty());
    (Plan::new(&columns, warmup), (target.card, sb, sc))
}

/// Transfer entropy `I(X_t ; Y⁽ˡ⁾_{t−u} | X⁽ᵏ⁾_{t−1}, Z_{t−1})` from `source` to `target`, in nats.
///
/// `source`, `target` and each series of `given` are lists of trials, all of the same length.
pub fn transfer_entropy(
    source: &[Labels<'_>],
    target: &[Labels<'_>],
    given: &[&[Labels<'_>]],
    embedding: Embedding,
    estimator: Estimator,
    local: bool,
    interrupt: &AtomicBool,
) -> Result<Estimate> {
    embedding.check()?;
    let target = code(target, "target")?;
    let source = code(source, "source")?;
    check_matching(&target, &source, "source", "target")?;
    let given: Vec<Coded<'_>> = given
        .iter()
        .map(|z| code(z, "given"))
        .collect::<Result<_>>()?;
    for z in &given {
        check_matching(&target, z, "given", "target")?;
    }
    let warmup = embedding.warmup(!given.is_empty());
    check_long_enough(&target, warmup, "history")?;
    let (plan, sizes) = transfer_plan(&source, &target, &given, embedding);
    evaluate(
        &plan,
        sizes,
        Quantity::Conditional,
        estimator,
        local,
        interrupt,
    )
}

/// Active information storage `I(X⁽ᵏ⁾_{t−1} ; X_t)` of `series` (a list of trials), in nats.
pub fn active_information_storage(
    series: &[Labels<'_>],
    history: usize,
    estimator: Estimator,
    local: bool,
    interrupt: &AtomicBool,
) -> Result<Estimate> {
    storage(
        series,
        history,
        estimator,
        local,
        Quantity::Mutual,
        interrupt,
    )
}

/// Entropy rate `H(X_t | X⁽ᵏ⁾_{t−1})` of `series` (a list of trials), in nats.
pub fn entropy_rate(
    series: &[Labels<'_>],
    history: usize,
    estimator: Estimator,
    local: bool,
    interrupt: &AtomicBool,
) -> Result<Estimate> {
    storage(
        series,
        history,
        estimator,
        local,
        Quantity::Entropy,
        interrupt,
    )
}

fn storage(
    series: &[Labels<'_>],
    history: usize,
    estimator: Estimator,
    local: bool,
    quantity: Quantity,
    interrupt: &AtomicBool,
) -> Result<Estimate> {
    if history == 0 {
        return Err(Error::InvalidArgument {
            argument: "history",
            message: "must be at least 1, got 0".into(),
        });
    }
    let x = code(series, "x")?;
    check_long_enough(&x, history, "history")?;
    let mut columns = vec![(&x, 0)];
    columns.extend((0..history).map(|i| (&x, history - i)));
    let plan = Plan::new(&columns, history);
    let states = x.card.saturating_pow(history as u32);
    let sizes = match quantity {
        Quantity::Entropy => (x.card, 1, states),
        _ => (x.card, states, 1),
    };
    evaluate(&plan, sizes, quantity, estimator, local, interrupt)
}

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
        return Err(Error::EmptyInput { argument: "X" });
    }
    let coded: Vec<Coded<'_>> = series.iter().map(|s| code(s, "X")).collect::<Result<_>>()?;
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
                        let c = crate::simd::and_popcount(&masks[a], &source[v as usize]);
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
                    column[i] =
                        evaluate(&plan, sizes, quantity, estimator, false, interrupt)?.value;
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

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equalities are the point of these tests
mod tests {
    use super::*;
    use crate::estimate::conditional_mutual_information;

    fn lcg(seed: u64, n: usize, card: u64) -> Vec<i64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 33) % card) as i64
            })
            .collect()
    }

    const EMB: Embedding = Embedding {
        history: 2,
        source_history: 1,
        delay: 1,
    };

    fn never() -> AtomicBool {
        AtomicBool::new(false)
    }

    /// The lagged columns of one trial: future, source lags, history lags.
    fn lagged(x: &[i64], y: &[i64], e: Embedding) -> (Vec<i64>, Vec<Vec<i64>>, Vec<Vec<i64>>) {
        let w = e.warmup(false);
        let future = x[w..].to_vec();
        let source = (0..e.source_history)
            .map(|i| {
                let lag = e.delay + e.source_history - 1 - i;
                y[w - lag..y.len() - lag].to_vec()
            })
            .collect();
        let history = (0..e.history)
            .map(|i| {
                let lag = e.history - i;
                x[w - lag..x.len() - lag].to_vec()
            })
            .collect();
        (future, source, history)
    }

    #[test]
    fn equals_conditional_mutual_information_of_lagged_columns() {
        let x = lcg(1, 5000, 3);
        let mut y = lcg(2, 5000, 3);
        // y drives x one step later, with noise.
        for t in 1..x.len() {
            if t % 3 != 0 {
                y[t - 1] = x[t];
            }
        }
        for e in [
            EMB,
            Embedding {
                history: 1,
                source_history: 2,
                delay: 3,
            },
        ] {
            for estimator in [
                Estimator::Plugin,
                Estimator::MillerMadow,
                Estimator::Grassberger,
            ] {
                let te = transfer_entropy(
                    &[Labels::from(&y)],
                    &[Labels::from(&x)],
                    &[],
                    e,
                    estimator,
                    false,
                    &never(),
                )
                .unwrap()
                .value;
                let (f, s, h) = lagged(&x, &y, e);
                let cmi = conditional_mutual_information(
                    &[Labels::from(&f)],
                    &s.iter().map(Labels::from).collect::<Vec<_>>(),
                    &h.iter().map(Labels::from).collect::<Vec<_>>(),
                    estimator,
                )
                .unwrap();
                assert_eq!(te, cmi, "{e:?} {estimator:?}");
            }
        }
    }

    #[test]
    fn dense_sparse_and_wide_codes_agree() {
        let x = lcg(3, 3000, 5);
        let y = lcg(4, 3000, 5);
        let wide_x: Vec<i64> = x.iter().map(|v| v * (1 << 40) - 7).collect();
        let wide_y: Vec<u64> = y.iter().map(|&v| (v as u64) << 50).collect();
        let e = Embedding {
            history: 4,
            source_history: 2,
            delay: 1,
        };
        let a = transfer_entropy(
            &[Labels::from(&y)],
            &[Labels::from(&x)],
            &[],
            e,
            Estimator::Plugin,
            true,
            &never(),
        )
        .unwrap();
        let b = transfer_entropy(
            &[Labels::from(&wide_y)],
            &[Labels::from(&wide_x)],
            &[],
            e,
            Estimator::Plugin,
            true,
            &never(),
        )
        .unwrap();
        assert_eq!(a, b);
        let local = a.local.unwrap();
        assert_eq!(local.len(), 3000 - 4);
        let mean = local.iter().sum::<f64>() / local.len() as f64;
        assert!((mean - a.value).abs() < 1e-12);
    }

    #[test]
    fn matrix_entries_equal_single_pairs() {
        let series: Vec<Vec<u8>> = (0..5)
            .map(|s| lcg(10 + s, 4000, 2).iter().map(|&v| v as u8).collect())
            .collect();
        let mut series = series;
        for t in 1..4000 {
            series[1][t] = series[0][t - 1] ^ u8::from(t % 7 == 0);
        }
        let trials: Vec<Vec<Labels<'_>>> = series.iter().map(|s| vec![Labels::from(s)]).collect();
        let views: Vec<&[Labels<'_>]> = trials.iter().map(Vec::as_slice).collect();
        for e in [
            EMB,
            Embedding {
                history: 7,
                source_history: 2,
                delay: 2,
            },
        ] {
            let m = transfer_entropy_matrix(&views, e, Estimator::Plugin, &never()).unwrap();
            for i in 0..5 {
                for j in 0..5 {
                    let expected = if i == j {
                        0.0
                    } else {
                        transfer_entropy(
                            views[i],
                            views[j],
                            &[],
                            e,
                            Estimator::Plugin,
                            false,
                            &never(),
                        )
                        .unwrap()
                        .value
                    };
                    assert_eq!(m[i * 5 + j], expected, "{i} -> {j}, {e:?}");
                }
            }
            if e.delay == 1 {
                assert!(m[1] > 0.2, "0 drives 1: {}", m[1]);
            }
        }
    }

    #[test]
    fn storage_and_rate_split_the_entropy() {
        let x = lcg(5, 2000, 4);
        let xs = [Labels::from(&x)];
        let a = active_information_storage(&xs, 2, Estimator::Plugin, false, &never()).unwrap();
        let h = entropy_rate(&xs, 2, Estimator::Plugin, false, &never()).unwrap();
        let future = x[2..].to_vec();
        let hf = crate::entropy(&[Labels::from(&future)], Estimator::Plugin).unwrap();
        assert!((a.value + h.value - hf).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let x = vec![0u8, 1, 0];
        let short = vec![0u8, 1];
        let xs = [Labels::from(&x)];
        assert!(matches!(
            entropy_rate(&xs, 3, Estimator::Plugin, false, &never()),
            Err(Error::InvalidArgument {
                argument: "history",
                ..
            })
        ));
        assert!(matches!(
            entropy_rate(&xs, 0, Estimator::Plugin, false, &never()),
            Err(Error::InvalidArgument { .. })
        ));
        let trials = [Labels::from(&x), Labels::from(&short)];
        assert!(matches!(
            entropy_rate(&trials, 1, Estimator::Plugin, false, &never()),
            Err(Error::InvalidArgument { argument: "x", .. })
        ));
        assert!(matches!(
            transfer_entropy(
                &[Labels::from(&short)],
                &xs,
                &[],
                EMB,
                Estimator::Plugin,
                false,
                &never()
            ),
            Err(Error::InvalidArgument {
                argument: "source",
                ..
            })
        ));
    }
}
