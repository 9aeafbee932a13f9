//! Blocks of the pairwise matrix from prepared sides: the matrix products and their error
//! bounds, and the direct Jensen–Shannon and total-variation loops.

use super::prepare::{block, Prepared};
use super::{Metric, ABSOLUTE_BOUND, JS_TILE_BYTES, RELATIVE_MARGIN};
use crate::pmf::rows::pair;
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::ops::Range;

/// `out (rows × cols, row-major) = a[rows] · b[cols]ᵀ`, both `· × k` row-major.
///
/// With `parallel`, gemm splits the output tiles over the current rayon pool; each output element
/// is still one dot product accumulated in the same order (gemm never splits the inner dimension
/// between threads), so the result does not depend on the number of threads.
pub(super) fn product<'o>(
    a: &[f64],
    b: &[f64],
    k: usize,
    out: &'o mut [MaybeUninit<f64>],
    cols: usize,
    parallel: bool,
) -> &'o mut [f64] {
    if out.is_empty() {
        // SAFETY: there is no element to initialise.
        return unsafe { assume_init(out) };
    }
    assert!(
        cols > 0 && out.len().is_multiple_of(cols),
        "product: output shape"
    );
    let rows = out.len() / cols;
    debug_assert_eq!(a.len(), rows * k);
    debug_assert_eq!(b.len(), cols * k);

    // SAFETY: `out` holds rows × cols elements (row stride `cols`), `a` rows × k (row stride k) and
    // `b` cols × k (row stride k, read transposed); all pointers stay within those slices.
    unsafe {
        // Computed as the column-major `cols × rows` product `b · aᵀ` (the same dot products):
        // gemm's AVX-512 kernels run this orientation about 10–30% faster than a row-major
        // destination (measured single-threaded at 2000 × 2000 × 1000).
        gemm::gemm(
            cols,
            rows,
            k,
            out.as_mut_ptr().cast::<f64>(),
            cols as isize,
            1,
            false,
            b.as_ptr(),
            1,
            k as isize,
            a.as_ptr(),
            k as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            if parallel {
                gemm::Parallelism::Rayon(rayon::current_num_threads())
            } else {
                gemm::Parallelism::None
            },
        );
    }
    // SAFETY: gemm wrote every element of `out` (it does not read the destination: `read_dst`
    // is false).
    unsafe { assume_init(out) }
}

/// `s` as initialised.
///
/// # Safety
/// Every element of `s` must have been written.
pub(super) unsafe fn assume_init(s: &mut [MaybeUninit<f64>]) -> &mut [f64] {
    // SAFETY: MaybeUninit<f64> has the layout of f64, and the caller guarantees initialisation.
    unsafe { &mut *(std::ptr::from_mut::<[MaybeUninit<f64>]>(s) as *mut [f64]) }
}

/// An initialised slice as writable uninitialised memory, for [`product`] and [`fill_block`].
///
/// # Safety
/// Only initialised values may be written through the result (writing `MaybeUninit::uninit()`
/// would leave uninitialised values in `s`).
pub(super) unsafe fn as_uninit(s: &mut [f64]) -> &mut [MaybeUninit<f64>] {
    // SAFETY: same layout; the caller writes only initialised values through the result.
    unsafe { &mut *(std::ptr::from_mut::<[f64]>(s) as *mut [MaybeUninit<f64>]) }
}

/// `γ_k = (3 √k + 2) u`: the bound on the rounding error of a length-`k` product of the
/// matrix-product metrics, relative to the sum of the magnitudes of its terms (the `+ 2` covers
/// the logarithms and square roots that feed it, and the scaling by `1 / Σ w` of a product over
/// rows as given).
///
/// Measured on this crate's products (`calibration` test below): the largest error over 64 × 64
/// products of random, skewed and widely spread data is 1.4 √k u at k = 16, 0.5 √k u at k = 1000
/// and 0.05 √k u at k = 16 000, so `γ_k` keeps a margin of 2 or more.
pub(super) fn gamma(k: usize) -> f64 {
    (3.0 * (k as f64).sqrt() + 2.0) * f64::EPSILON / 2.0
}

/// Whether a fast value with error bound `bound` must be recomputed from the definition.
#[inline]
pub(super) fn ill_conditioned(value: f64, bound: f64) -> bool {
    bound > ABSOLUTE_BOUND || value <= RELATIVE_MARGIN * bound
}

/// Fills `out` (`rows.len() × cols.len()`) with the metric between `p` rows and `q` rows.
#[allow(clippy::too_many_arguments)]
pub(super) fn fill_block<'o>(
    metric: Metric,
    p: &Prepared,
    rows: Range<usize>,
    q: &Prepared,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    scratch: &mut Vec<f64>,
    parallel: bool,
) -> &'o mut [f64] {
    match metric {
        Metric::KlDivergence | Metric::CrossEntropy | Metric::Jeffreys => {
            fill_logarithmic(metric, p, rows, q, cols, out, scratch, parallel)
        }
        Metric::Hellinger | Metric::Bhattacharyya => {
            fill_roots(metric, p, rows, q, cols, out, parallel)
        }
        Metric::JsDivergence => fill_js(p, rows, q, cols, out),
        Metric::TotalVariation => {
            let width = cols.len();
            for (bi, i) in rows.enumerate() {
                for (bj, j) in cols.clone().enumerate() {
                    let tv = 0.5 * crate::runtime::simd::sum_abs_diff(p.row(i), q.row(j));
                    out[bi * width + bj].write(tv.min(1.0));
                }
            }
            // SAFETY: every entry was written above.
            unsafe { assume_init(out) }
        }
    }
}

/// Calls `fix(i, row_of_out, row_of_scratch)` for every output row, in parallel if asked.
pub(super) fn for_each_row(
    rows: Range<usize>,
    width: usize,
    out: &mut [f64],
    scratch: &[f64],
    parallel: bool,
    fix: impl Fn(usize, &mut [f64], &[f64]) + Sync,
) {
    let scratch_rows = |b: usize| scratch.get(b * width..(b + 1) * width).unwrap_or(&[]);
    if parallel {
        out.par_chunks_mut(width)
            .enumerate()
            .for_each(|(b, row)| fix(rows.start + b, row, scratch_rows(b)));
    } else {
        for (b, row) in out.chunks_mut(width).enumerate() {
            fix(rows.start + b, row, scratch_rows(b));
        }
    }
}

/// KL, cross-entropy and Jeffreys from `P · (ln Q)ᵀ` (and `(ln P) · Qᵀ`).
#[allow(clippy::too_many_arguments)]
pub(super) fn fill_logarithmic<'o>(
    metric: Metric,
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    scratch: &mut Vec<f64>,
    parallel: bool,
) -> &'o mut [f64] {
    let (k, width, gamma) = (p.k, cols.len(), gamma(p.k));
    let (a, b) = (p.product_rows(&rows), block(&q.logs, &cols, k));
    let out = product(a, b, k, out, width, parallel);
    if metric == Metric::Jeffreys {
        scratch.resize(out.len(), 0.0);
        let (a, b) = (block(&p.logs, &rows, k), block(&q.values, &cols, k));
        // SAFETY: `product` writes only initialised values.
        product(a, b, k, unsafe { as_uninit(scratch) }, width, parallel);
    }
    let q_info = &q.info[cols.clone()];
    let largest_log_norm = q_info
        .iter()
        .map(|qj| qj.centered.log_norm)
        .fold(0.0, f64::max);
    let zero_column = q_info.iter().any(|qj| qj.has_zero);
    for_each_row(rows, width, out, scratch, parallel, |i, row, reverse| {
        let pi = &p.info[i].centered;
        let first = cols.start;
        // The rows for the few entries recomputed from the definition.
        let (mut p_row, mut q_row) = (Vec::new(), Vec::new());
        if metric == Metric::Jeffreys {
            for (bj, (out, qj)) in row.iter_mut().zip(q_info).enumerate() {
                let j = first + bj;
                let qj = &qj.centered;
                // Σ (p − q)(ln p − ln q) = Σ p E_p + Σ q E_q − Σ p E_q − Σ q E_p.
                let value = pi.own + qj.own - *out - reverse[bj];
                let bound = gamma
                    * (pi.own_abs + qj.own_abs + pi.norm * qj.log_norm + qj.norm * pi.log_norm);
                *out = if p.mass_where_zero(i, q, j) || q.mass_where_zero(j, p, i) {
                    f64::INFINITY
                } else if ill_conditioned(value, bound) {
                    pair::jeffreys(p.row(i), q.row(j))
                } else {
                    value
                };
            }
            return;
        }
        // g_ij = Σ p_i (ln q_j − c): what the product computed. KL = Σ p (ln p − c) − g and
        // cross-entropy = −Σ p c − g; the bounds differ only in the first term.
        let cross_entropy = metric == Metric::CrossEntropy;
        let (offset, magnitude) = if cross_entropy {
            (-pi.reference, pi.reference.abs())
        } else {
            (pi.own, pi.own_abs)
        };
        // No entry of the row has a bound above `worst`: when that is below the absolute bound,
        // an entry above `threshold` is well conditioned, and one comparison clears it.
        let worst = gamma * (magnitude + pi.norm * largest_log_norm);
        let threshold = if worst > ABSOLUTE_BOUND {
            f64::INFINITY
        } else {
            RELATIVE_MARGIN * worst
        };
        debug_assert!(
            p.info[i].scale.is_finite(),
            "keep_unsafe_rows was not called"
        );
        if !finish_row(row, offset, p.info[i].scale, threshold) && !zero_column {
            return;
        }
        // P's row, normalised once for all the entries of this output row.
        let p_row = p.row_into(i, &mut p_row);
        for (bj, (out, qj)) in row.iter_mut().zip(q_info).enumerate() {
            let value = *out;
            let bound = gamma * (magnitude + pi.norm * qj.centered.log_norm);
            if qj.has_zero || ill_conditioned(value, bound) {
                let j = first + bj;
                *out = if p.mass_where_zero(i, q, j) {
                    f64::INFINITY
                } else if !ill_conditioned(value, bound) {
                    value
                } else if cross_entropy {
                    pair::cross_entropy(p_row, q.row_into(j, &mut q_row))
                } else {
                    pair::kl_divergence(p_row, q.row_into(j, &mut q_row))
                };
            }
        }
    });
    out
}

/// `row[j] ← offset − scale · row[j]`; returns whether some result is at most `threshold`.
pub(super) fn finish_row(row: &mut [f64], offset: f64, scale: f64, threshold: f64) -> bool {
    // Lanes of running minima (an ordered comparison, so the loop vectorises).
    let mut lowest = [f64::INFINITY; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for (v, low) in chunk.iter_mut().zip(&mut lowest) {
            *v = offset - scale * *v;
            *low = if *v < *low { *v } else { *low };
        }
    }
    for (v, low) in chunks.into_remainder().iter_mut().zip(&mut lowest) {
        *v = offset - scale * *v;
        *low = if *v < *low { *v } else { *low };
    }
    lowest.iter().any(|&low| low <= threshold)
}

/// Hellinger and Bhattacharyya from the coefficients `√P · √Qᵀ`.
pub(super) fn fill_roots<'o>(
    metric: Metric,
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
    parallel: bool,
) -> &'o mut [f64] {
    let (k, width, g) = (p.k, cols.len(), gamma(p.k));
    let (a, b) = (block(&p.roots, &rows, k), block(&q.roots, &cols, k));
    let out = product(a, b, k, out, width, parallel);
    for_each_row(rows, width, out, &[], parallel, |i, row, _| {
        for (bj, j) in cols.clone().enumerate() {
            // All terms of the coefficient are positive: its error is about γ · coefficient.
            let coefficient = row[bj];
            let bound = g * (coefficient.max(0.0) + 1.0);
            row[bj] = if metric == Metric::Hellinger {
                // h² = ½ Σ (√p − √q)² = ½ (Σ p + Σ q) − Σ √(pq); √ magnifies an error δ in h²
                // to δ / (2h).
                let h2 = 0.5 * (p.info[i].mass + q.info[j].mass) - coefficient;
                let h = h2.max(0.0).sqrt();
                if ill_conditioned(h2, bound) || ill_conditioned(h, bound / (2.0 * h)) {
                    metric.exact(p.row(i), q.row(j))
                } else {
                    h.min(1.0)
                }
            } else {
                // Rows that only nearly sum to 1 (`normalize = false`) shift x by their deficits:
                // below that, the rows may be identical (exactly 0) — decide exactly.
                let x = 1.0 - coefficient;
                let deficits = (1.0 - p.info[i].mass).abs() + (1.0 - q.info[j].mass).abs();
                if coefficient <= 0.0 || x <= 2.0 * deficits || ill_conditioned(x, bound) {
                    metric.exact(p.row(i), q.row(j))
                } else if x < 0.5 {
                    -(-x).ln_1p()
                } else {
                    -coefficient.ln()
                }
            };
        }
    });
    out
}

/// Jensen–Shannon from `½(Σ p ln p + Σ q ln q − Σ s ln s + ln 2 · Σ s)`, `s = p + q`.
pub(super) fn fill_js<'o>(
    p: &Prepared<'_>,
    rows: Range<usize>,
    q: &Prepared<'_>,
    cols: Range<usize>,
    out: &'o mut [MaybeUninit<f64>],
) -> &'o mut [f64] {
    // The bound of the products plus the logarithms of the three `s ln s` sums: each term is
    // within about 3.5e-16 (1 + |ln s|) s of the truth on the AVX-512 table kernels, and
    // Σ s |ln s| ≤ |Σ s ln s| + 2 ln 2 · Σ s for s ≤ 2, so 8u more covers all three.
    let (width, g) = (cols.len(), gamma(p.k) + 4.0 * f64::EPSILON);
    // Tiles of Q rows that stay in the L2 cache (about 256 KiB) while every row of the block of
    // P passes over them: without tiling each row of P would stream all of Q from L3 or memory.
    let tile = (JS_TILE_BYTES / (8 * p.k.max(1))).max(8);
    let starts = (cols.start..cols.end).step_by(tile);
    let mut sums = vec![0.0; tile];
    for tile_start in starts {
        let tile_cols = tile_start..(tile_start + tile).min(cols.end);
        let q_tile = block(&q.values, &tile_cols, p.k);
        let sums = &mut sums[..tile_cols.len()];
        for (bi, i) in rows.clone().enumerate() {
            let pi = p.row(i);
            // Σ s ln s, s = p_i + q_j, for the whole tile at once (the rows were checked).
            crate::runtime::simd::sums_xlogx_of_sum(pi, q_tile, sums);
            for (j, &x) in tile_cols.clone().zip(sums.iter()) {
                let bj = j - cols.start;
                let (a, b) = (p.info[i].negentropy, q.info[j].negentropy);
                let mass = p.info[i].mass + q.info[j].mass;
                let value = 0.5 * (a + b - x + std::f64::consts::LN_2 * mass);
                let bound = g * (a.abs() + b.abs() + x.abs() + mass);
                out[bi * width + bj].write(if ill_conditioned(value, bound) {
                    pair::js_divergence(pi, q.row(j))
                } else {
                    value.clamp(0.0, std::f64::consts::LN_2)
                });
            }
        }
    }
    // SAFETY: the tiles cover every column, so every entry was written above.
    unsafe { assume_init(out) }
}
