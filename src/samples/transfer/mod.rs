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
//! variables, computed by the same terms as [`crate::samples::estimate`]: with the same estimator it equals
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

mod information;
mod matrix;
mod states;

pub use matrix::transfer_entropy_matrix;
pub use states::OFFSET_RANGE;

use crate::samples::estimators::Estimator;
use crate::{Error, Labels, Result};
use information::{Quantity, Split};
use rayon::prelude::*;
use states::{code, count, Coded, Plan, BLOCK};
use std::sync::atomic::AtomicBool;

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
                    argument: argument.into(),
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

/// Counts `plan`'s states (columns `A`, then `B`, then `C`, with `sa`, `sb`, `sc` states each) and
/// returns the quantity, with the local values if asked.
fn evaluate(
    plan: &Plan<'_, '_>,
    sizes: (u64, u64, u64),
    quantity: Quantity,
    estimator: Estimator,
    local: bool,
    interrupt: &AtomicBool,
) -> Result<Option<Estimate>> {
    if local && estimator != Estimator::Plugin {
        return Err(Error::InvalidArgument {
            argument: "local".into(),
            message: "local values are plug-in values; use estimator=\"plugin\" with local=True"
                .into(),
        });
    }
    let cells = count(plan, interrupt)?;
    if plan.escaped() {
        return Ok(None);
    }
    let split = Split::new(cells, sizes.0, sizes.1, sizes.2);
    let value = quantity.of(&split, estimator);
    let local = if local {
        // One logarithm per state, then one lookup per observation.
        let values = quantity.local_values(&split);
        let n = plan.observations();
        let mut out = crate::runtime::memory::zeroed::<f64>(n);
        let part = n.div_ceil(rayon::current_num_threads().max(1)).max(BLOCK);
        out.par_chunks_mut(part).enumerate().for_each(|(p, chunk)| {
            let begin = p * part;
            plan.for_each_block::<u64>(begin, begin + chunk.len(), |first, keys| {
                for (o, &k) in chunk[first - begin..].iter_mut().zip(keys) {
                    *o = values[split.cells.position(k)];
                }
            });
        });
        Some(out)
    } else {
        None
    };
    Ok(Some(Estimate {
        value,
        local,
        steps: plan.steps(),
    }))
}

fn check_long_enough(series: &Coded<'_>, warmup: usize, argument: &'static str) -> Result<()> {
    if series.len <= warmup {
        return Err(Error::InvalidArgument {
            argument: argument.into(),
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
            argument: argument.into(),
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
    // Ranges guessed from a sample first (one pass over the data); coded again from the exact
    // ranges if a value fell outside.
    for guess in [true, false] {
        let target_codes = code(target, "target", guess)?;
        let source_codes = code(source, "source", guess)?;
        check_matching(&target_codes, &source_codes, "source", "target")?;
        let given_codes: Vec<Coded<'_>> = given
            .iter()
            .map(|z| code(z, "given", guess))
            .collect::<Result<_>>()?;
        for z in &given_codes {
            check_matching(&target_codes, z, "given", "target")?;
        }
        let warmup = embedding.warmup(!given_codes.is_empty());
        check_long_enough(&target_codes, warmup, "target")?;
        let (plan, sizes) = transfer_plan(&source_codes, &target_codes, &given_codes, embedding);
        let quantity = Quantity::Conditional;
        if let Some(e) = evaluate(&plan, sizes, quantity, estimator, local, interrupt)? {
            return Ok(e);
        }
    }
    unreachable!("exact ranges hold every value")
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
            argument: "history".into(),
            message: "must be at least 1, got 0".into(),
        });
    }
    for guess in [true, false] {
        let x = code(series, "x", guess)?;
        check_long_enough(&x, history, "x")?;
        let mut columns = vec![(&x, 0)];
        columns.extend((0..history).map(|i| (&x, history - i)));
        let plan = Plan::new(&columns, history);
        let states = x.card.saturating_pow(history as u32);
        let sizes = match quantity {
            Quantity::Entropy => (x.card, 1, states),
            _ => (x.card, states, 1),
        };
        if let Some(e) = evaluate(&plan, sizes, quantity, estimator, local, interrupt)? {
            return Ok(e);
        }
    }
    unreachable!("exact ranges hold every value")
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equalities are the point of these tests
mod tests {
    use super::*;
    use crate::samples::estimate::conditional_mutual_information;

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
    fn values_outside_the_guessed_range_are_recoded() {
        // Long enough for a guessed range; the outliers sit where the sample does not look.
        let n = 100_000;
        let y = lcg(8, n, 3);
        let mut x: Vec<i64> = y.iter().map(|v| (v + 1) % 3).collect();
        x.rotate_right(1);
        for (at, value) in [(50_001, 7), (70_003, -2), (30_005, 1 << 40)] {
            let mut x = x.clone();
            x[at] = value;
            let te = transfer_entropy(
                &[Labels::from(&y)],
                &[Labels::from(&x)],
                &[],
                EMB,
                Estimator::Plugin,
                true,
                &never(),
            )
            .unwrap();
            let (f, s, h) = lagged(&x, &y, EMB);
            let cmi = conditional_mutual_information(
                &[Labels::from(&f)],
                &s.iter().map(Labels::from).collect::<Vec<_>>(),
                &h.iter().map(Labels::from).collect::<Vec<_>>(),
                Estimator::Plugin,
            )
            .unwrap();
            assert_eq!(te.value, cmi, "outlier {value} at {at}");
            let local = te.local.unwrap();
            let mean = local.iter().sum::<f64>() / local.len() as f64;
            assert!((mean - cmi).abs() < 1e-12);
            let a = entropy_rate(&[Labels::from(&x)], 3, Estimator::Plugin, false, &never())
                .unwrap()
                .value;
            let future = x[3..].to_vec();
            let past: Vec<Vec<i64>> = (0..3).map(|i| x[i..n - 3 + i].to_vec()).collect();
            let h = crate::conditional_entropy(
                &[Labels::from(&future)],
                &past.iter().map(Labels::from).collect::<Vec<_>>(),
                Estimator::Plugin,
            )
            .unwrap();
            assert_eq!(a, h, "outlier {value} at {at}");
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
            Err(Error::InvalidArgument { argument, .. }) if argument == "x"
        ));
        assert!(matches!(
            entropy_rate(&xs, 0, Estimator::Plugin, false, &never()),
            Err(Error::InvalidArgument { .. })
        ));
        let trials = [Labels::from(&x), Labels::from(&short)];
        assert!(matches!(
            entropy_rate(&trials, 1, Estimator::Plugin, false, &never()),
            Err(Error::InvalidArgument { argument, .. }) if argument == "x"
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
            Err(Error::InvalidArgument { argument, .. }) if argument == "source"
        ));
    }
}
