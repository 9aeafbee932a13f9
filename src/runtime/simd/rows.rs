//! Row kernels of the pairwise preparation: a checked row sum, the normalising division, column
//! extremes of logarithms, and the centred sums of a row. Each is one `#[inline(always)]` body
//! compiled per level like the kernels of the parent module, and gives the same bits at every
//! level (the same operations per lane, combined in the same order).

use super::{combine, dispatch, level, load, multiversion, LANES};

mod body {
    use super::{combine, load, LANES};

    #[inline(always)]
    pub(super) fn checked_sum(row: &[f64]) -> (f64, bool) {
        let mut acc = [0.0; LANES];
        let mut bad = [false; LANES];
        let chunks = row.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            let w = load(chunk);
            for i in 0..LANES {
                bad[i] |= !(0.0..=f64::MAX).contains(&w[i]);
                acc[i] += w[i];
            }
        }
        for (i, &w) in tail.iter().enumerate() {
            bad[i] |= !(0.0..=f64::MAX).contains(&w);
            acc[i] += w;
        }
        (combine(acc), bad.iter().any(|&b| b))
    }

    #[inline(always)]
    #[allow(clippy::float_cmp)] // `second` is exactly 1.0 unless a row's sum overflowed
    pub(super) fn divide_into(row: &[f64], first: f64, second: f64, out: &mut [f64]) -> bool {
        let mut zero = [false; LANES];
        let mut rows = row.chunks_exact(LANES);
        let mut outs = out.chunks_exact_mut(LANES);
        if second == 1.0 {
            for (w, o) in (&mut rows).zip(&mut outs) {
                for i in 0..LANES {
                    o[i] = w[i] / first;
                    zero[i] |= o[i] == 0.0;
                }
            }
        } else {
            for (w, o) in (&mut rows).zip(&mut outs) {
                for i in 0..LANES {
                    o[i] = (w[i] / first) / second;
                    zero[i] |= o[i] == 0.0;
                }
            }
        }
        for (&w, o) in rows.remainder().iter().zip(outs.into_remainder()) {
            *o = if second == 1.0 {
                w / first
            } else {
                (w / first) / second
            };
            zero[0] |= *o == 0.0;
        }
        zero.iter().any(|&z| z)
    }

    #[inline(always)]
    pub(super) fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]) {
        for ((&l, lo), hi) in logs.iter().zip(lo.iter_mut()).zip(hi.iter_mut()) {
            // ln 0 = −∞ marks an absent outcome: it never lowers the minimum.
            let low = if l == f64::NEG_INFINITY {
                f64::INFINITY
            } else {
                l
            };
            *lo = if low < *lo { low } else { *lo };
            *hi = if l > *hi { l } else { *hi };
        }
    }

    #[inline(always)]
    fn two_sum(sum: &mut f64, compensation: &mut f64, v: f64) {
        let t = *sum + v;
        let z = t - *sum;
        *compensation += (*sum - (t - z)) + (v - z);
        *sum = t;
    }

    /// The compensated lanes `(sum, compensation)` added in lane order.
    #[inline(always)]
    fn two_sum_lanes(sum: [f64; LANES], compensation: [f64; LANES]) -> f64 {
        let (mut total, mut error) = (0.0, 0.0);
        for i in 0..LANES {
            two_sum(&mut total, &mut error, sum[i]);
            error += compensation[i];
        }
        total + error
    }

    #[inline(always)]
    pub(super) fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64 {
        let mut squares = [0.0; LANES];
        let mut ls = logs.chunks_exact_mut(LANES);
        let mut cs = reference.chunks_exact(LANES);
        for (l, c) in (&mut ls).zip(&mut cs) {
            for i in 0..LANES {
                let e = if l[i] == f64::NEG_INFINITY {
                    0.0
                } else {
                    l[i] - c[i]
                };
                l[i] = e;
                squares[i] += e * e;
            }
        }
        for (i, (l, &c)) in ls
            .into_remainder()
            .iter_mut()
            .zip(cs.remainder())
            .enumerate()
        {
            let e = if *l == f64::NEG_INFINITY { 0.0 } else { *l - c };
            *l = e;
            squares[i] += e * e;
        }
        combine(squares).sqrt()
    }

    #[inline(always)]
    pub(super) fn centered_sums(
        values: &[f64],
        logs: &mut [f64],
        reference: &[f64],
    ) -> super::CenteredSums {
        // Lanes of the compensated Σ v e, Σ v |e|, Σ v c (and their errors) and the plain Σ v²,
        // Σ e²: separate local arrays, so that each stays in one vector register.
        let (mut own, mut own_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut abs, mut abs_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut refs, mut refs_error) = ([0.0; LANES], [0.0; LANES]);
        let (mut norm, mut log_norm) = ([0.0; LANES], [0.0; LANES]);
        let n = values.len();
        let whole = n - n % LANES;
        let mut block = |v: [f64; LANES], l: &mut [f64], c: [f64; LANES], lanes: usize| {
            for i in 0..lanes {
                let e = if l[i] == f64::NEG_INFINITY {
                    0.0
                } else {
                    l[i] - c[i]
                };
                l[i] = e;
                two_sum(&mut own[i], &mut own_error[i], v[i] * e);
                two_sum(&mut abs[i], &mut abs_error[i], v[i] * e.abs());
                two_sum(&mut refs[i], &mut refs_error[i], v[i] * c[i]);
                norm[i] += v[i] * v[i];
                log_norm[i] += e * e;
            }
        };
        for start in (0..whole).step_by(LANES) {
            let (v, c) = (load(&values[start..]), load(&reference[start..]));
            block(v, &mut logs[start..start + LANES], c, LANES);
        }
        if whole < n {
            let (mut v, mut c) = ([0.0; LANES], [0.0; LANES]);
            v[..n - whole].copy_from_slice(&values[whole..]);
            c[..n - whole].copy_from_slice(&reference[whole..n]);
            block(v, &mut logs[whole..n], c, n - whole);
        }
        super::CenteredSums {
            own: two_sum_lanes(own, own_error),
            own_abs: two_sum_lanes(abs, abs_error),
            reference: two_sum_lanes(refs, refs_error),
            norm: combine(norm).sqrt(),
            log_norm: combine(log_norm).sqrt(),
        }
    }
}

multiversion! {
    fn checked_sum(row: &[f64]) -> (f64, bool);
    fn divide_into(row: &[f64], first: f64, second: f64, out: &mut [f64]) -> bool;
    fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]);
    fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64;
    fn centered_sums(values: &[f64], logs: &mut [f64], reference: &[f64]) -> CenteredSums;
}

/// `(Σ w, bad)` over a row of weights, `bad` when some weight is not finite and `≥ 0` (`NaN`,
/// infinite or negative). The sum keeps [`LANES`] partial sums (element `k` in lane `k mod 8`,
/// combined in the fixed tree), so its bits are the same at every level.
#[must_use]
pub(crate) fn checked_sum(row: &[f64]) -> (f64, bool) {
    dispatch!(level(), checked_sum(row))
}

/// `out[k] = row[k] / first` (then `/ second` unless `second` is 1; IEEE division, the same bits at
/// every level); returns whether some `out[k]` is 0.
///
/// # Panics
/// If `row` and `out` differ in length.
pub(crate) fn divide_into(row: &[f64], first: f64, second: f64, out: &mut [f64]) -> bool {
    assert_eq!(
        row.len(),
        out.len(),
        "divide_into: input and output lengths"
    );
    dispatch!(level(), divide_into(row, first, second, out))
}

/// Column by column, lowers `lo` to the finite logarithms of `logs` and raises `hi` to all of
/// them; `−∞` (the logarithm of an absent outcome) never lowers `lo`.
///
/// # Panics
/// If the lengths differ.
pub(crate) fn column_extremes(logs: &[f64], lo: &mut [f64], hi: &mut [f64]) {
    assert!(
        logs.len() == lo.len() && logs.len() == hi.len(),
        "column_extremes: lengths"
    );
    dispatch!(level(), column_extremes(logs, lo, hi));
}

/// The sums of one row of values `v` over centred logarithms `e = ln v − c` (see
/// [`centered_sums`]); the first three are compensated (as accurate as in twice the precision).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct CenteredSums {
    /// `Σ v e`.
    pub own: f64,
    /// `Σ v |e|`.
    pub own_abs: f64,
    /// `Σ v c`.
    pub reference: f64,
    /// `‖v‖₂`.
    pub norm: f64,
    /// `‖e‖₂`.
    pub log_norm: f64,
}

/// Centres a row of logarithms in place like [`centered_sums`] and returns only the norm `‖e‖₂`
/// of the centred row.
///
/// # Panics
/// If the lengths differ.
pub(crate) fn center_logs(logs: &mut [f64], reference: &[f64]) -> f64 {
    assert_eq!(logs.len(), reference.len(), "center_logs: lengths");
    dispatch!(level(), center_logs(logs, reference))
}

/// Centres a row of logarithms in place, `logs[k] ← ln v_k − reference[k]`, with `−∞` (the
/// logarithm of `v_k = 0`) becoming 0, and returns the row's [`CenteredSums`]. The same bits at
/// every level.
///
/// # Panics
/// If the lengths differ.
pub(crate) fn centered_sums(values: &[f64], logs: &mut [f64], reference: &[f64]) -> CenteredSums {
    assert!(
        values.len() == logs.len() && values.len() == reference.len(),
        "centered_sums: lengths"
    );
    dispatch!(level(), centered_sums(values, logs, reference))
}

/// The row kernels at a given level, for the tests.
#[cfg(test)]
pub(super) mod at {
    use super::{avx2, avx512, body, dispatch, CenteredSums};
    use crate::runtime::simd::Level;

    pub(crate) fn checked_sum(level: Level, row: &[f64]) -> (f64, bool) {
        dispatch!(level.usable(), checked_sum(row))
    }

    pub(crate) fn divide_into(
        level: Level,
        row: &[f64],
        first: f64,
        second: f64,
        out: &mut [f64],
    ) -> bool {
        dispatch!(level.usable(), divide_into(row, first, second, out))
    }

    pub(crate) fn center_logs(level: Level, logs: &mut [f64], reference: &[f64]) -> f64 {
        dispatch!(level.usable(), center_logs(logs, reference))
    }

    pub(crate) fn centered_sums(
        level: Level,
        values: &[f64],
        logs: &mut [f64],
        reference: &[f64],
    ) -> CenteredSums {
        dispatch!(level.usable(), centered_sums(values, logs, reference))
    }
}
