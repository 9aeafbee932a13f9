//! `Σ s ln s` on AVX-512F without a division: a 16-entry table reduction of the mantissa.
//!
//! `s = 2^e · m`, `m ∈ [1, 2)`; the top four mantissa bits pick `c_i = 1 + (i + ½)/16` and
//! `r = m / c_i − 1 = m · (1/c_i) − 1` (one fused multiply-add, `|r| ≤ 1/32`), so
//! `ln s = e ln 2 + ln c_i + ln(1 + r)` with `ln(1 + r)` a degree-11 Taylor polynomial (truncation
//! below 2⁻⁶⁴) and `ln c_i = −ln(1/c_i)` tabulated in two parts for the *rounded* `1/c_i`. The
//! 16-entry tables live in two registers each and are read with `vpermi2pd`, not gathers.
//!
//! The result is accurate to about one ulp of `max|ln c_i|, |e ln 2|` per term — an *absolute*
//! accuracy near `s = 1` (where `ln s` is tiny), which is what a sum of `s ln s` terms needs: the
//! pairwise Jensen–Shannon kernel bounds its error by `γ_k (Σ |terms| + Σ s)` and recomputes
//! entries that could be off. It replaces fdlibm's division (`vdivpd` alone caps that log near one
//! result per 2 cycles) by ~16 fused operations per 8 logarithms.

#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

use core::arch::x86_64::{
    __m512d, __m512i, _mm512_add_pd, _mm512_and_si512, _mm512_castpd_si512, _mm512_castsi512_pd,
    _mm512_cmp_pd_mask, _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mask_blend_pd,
    _mm512_maskz_loadu_pd, _mm512_mul_pd, _mm512_or_si512, _mm512_permutex2var_pd,
    _mm512_reduce_add_pd, _mm512_set1_epi64, _mm512_set1_pd, _mm512_setzero_pd, _mm512_srli_epi64,
    _mm512_sub_pd, _CMP_EQ_OQ, _CMP_GE_OQ, _CMP_LT_OQ,
};

const INV_C: [f64; 16] = [
    0.9696969696969697,
    0.9142857142857143,
    0.8648648648648649,
    0.8205128205128205,
    0.7804878048780488,
    0.7441860465116279,
    0.7111111111111111,
    0.6808510638297872,
    0.6530612244897959,
    0.6274509803921569,
    0.6037735849056604,
    0.5818181818181818,
    0.5614035087719298,
    0.5423728813559322,
    0.5245901639344263,
    0.5079365079365079,
];
/// `−ln(INV_C[i])`, rounded.
const LN_C_HI: [f64; 16] = [
    0.03077165866675366,
    0.08961215868968717,
    0.14518200984449783,
    0.19782574332991992,
    0.2478361639045812,
    0.2954642128938359,
    0.3409265869705932,
    0.38441169891033206,
    0.42608439531090014,
    0.46608972992459924,
    0.5045560107523953,
    0.5415972824327444,
    0.5773153650348236,
    0.6118015411059929,
    0.6451379613735847,
    0.6773988235918061,
];
/// `−ln(INV_C[i]) − LN_C_HI[i]`.
const LN_C_LO: [f64; 16] = [
    1.0431732029005972e-18,
    -1.9573659817110993e-18,
    8.242418783022477e-18,
    -7.995487338741543e-18,
    8.384472133019162e-18,
    -7.768320796245443e-18,
    -2.069678002794501e-17,
    8.164631656028572e-18,
    -7.056391017993593e-19,
    -2.387354320899491e-19,
    1.3275397597891851e-17,
    1.108461486609421e-17,
    4.660755938428382e-17,
    -3.392831249677239e-17,
    -5.110700818729212e-17,
    5.341333284299263e-17,
];
const LN2_HI: f64 = std::f64::consts::LN_2;
const LN2_LO: f64 = 2.3190468138462996e-17;

/// The 16-entry table as two registers.
#[target_feature(enable = "avx512f")]
fn table(values: &[f64; 16]) -> (__m512d, __m512d) {
    // SAFETY: each half is 8 readable doubles.
    unsafe {
        (
            _mm512_loadu_pd(values.as_ptr()),
            _mm512_loadu_pd(values.as_ptr().add(8)),
        )
    }
}

struct Tables {
    inv: (__m512d, __m512d),
    hi: (__m512d, __m512d),
    lo: (__m512d, __m512d),
}

#[target_feature(enable = "avx512f")]
fn tables() -> Tables {
    Tables {
        inv: table(&INV_C),
        hi: table(&LN_C_HI),
        lo: table(&LN_C_LO),
    }
}

/// `(e, i, m)` for eight normal (or zero; or subnormal, read as `2^−1023 · m`) `s = 2^e · m`: the exponent `e` as a double (exactly:
/// `2^52 + biased exponent − bias`, `bias` = `2^52 + 1023`, plus any prior scaling), the table
/// index `i` (the top four mantissa bits) and the mantissa `m ∈ [1, 2)`.
#[target_feature(enable = "avx512f")]
#[inline]
fn decompose(s: __m512d, bias: __m512d) -> (__m512d, __m512i, __m512d) {
    let bits = _mm512_castpd_si512(s);
    let biased = _mm512_srli_epi64::<52>(bits);
    let magic = _mm512_castsi512_pd(_mm512_or_si512(
        biased,
        _mm512_set1_epi64(0x4330_0000_0000_0000),
    ));
    let index = _mm512_and_si512(_mm512_srli_epi64::<48>(bits), _mm512_set1_epi64(15));
    let m = _mm512_castsi512_pd(_mm512_or_si512(
        _mm512_and_si512(bits, _mm512_set1_epi64(0x000F_FFFF_FFFF_FFFF)),
        _mm512_set1_epi64(0x3FF0_0000_0000_0000),
    ));
    (_mm512_sub_pd(magic, bias), index, m)
}

/// `ln(1 + r)` for `|r| ≤ 1/32`: `r + r² P(r)`, `P(r) = −1/2 + r/3 − r²/4 + … + r⁹/11` (Horner from
/// `r⁹`; the truncation is below 2⁻⁶⁴).
#[target_feature(enable = "avx512f")]
#[inline]
fn log1p_small(r: __m512d) -> __m512d {
    let mut p = _mm512_set1_pd(1.0 / 11.0);
    for c in [
        -1.0 / 10.0,
        1.0 / 9.0,
        -1.0 / 8.0,
        1.0 / 7.0,
        -1.0 / 6.0,
        1.0 / 5.0,
        -1.0 / 4.0,
        1.0 / 3.0,
        -1.0 / 2.0,
    ] {
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c));
    }
    _mm512_fmadd_pd(_mm512_mul_pd(r, r), p, r)
}

/// `s ln s` for eight finite `s ≥ 0` (0 where `s = 0` or `s = 1`), and the mask of lanes that are
/// not finite and non-negative.
#[target_feature(enable = "avx512f")]
#[inline]
fn xlogx(s: __m512d, t: &Tables) -> (__m512d, u8) {
    let valid = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(s, _mm512_setzero_pd())
        & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(s, _mm512_set1_pd(f64::INFINITY));
    // Subnormal (and zero) lanes are scaled by 2^54 and their exponent corrected.
    let tiny = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(s, _mm512_set1_pd(f64::MIN_POSITIVE));
    let scaled = _mm512_mask_blend_pd(
        tiny,
        s,
        _mm512_mul_pd(s, _mm512_set1_pd(18014398509481984.0)),
    );
    let bias = _mm512_mask_blend_pd(
        tiny,
        _mm512_set1_pd(4503599627371519.0),
        _mm512_set1_pd(4503599627371573.0),
    );
    let (e, index, m) = decompose(scaled, bias);
    let r = _mm512_fmadd_pd(
        m,
        _mm512_permutex2var_pd(t.inv.0, index, t.inv.1),
        _mm512_set1_pd(-1.0),
    );
    let log1p = log1p_small(r);
    let hi = _mm512_permutex2var_pd(t.hi.0, index, t.hi.1);
    let lo = _mm512_permutex2var_pd(t.lo.0, index, t.lo.1);
    let small = _mm512_add_pd(_mm512_fmadd_pd(e, _mm512_set1_pd(LN2_LO), lo), log1p);
    let big = _mm512_fmadd_pd(e, _mm512_set1_pd(LN2_HI), hi);
    let ln = _mm512_add_pd(big, small);
    // ln 1 = 0 exactly (the table's r is not 0 there).
    let one = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(s, _mm512_set1_pd(1.0));
    let ln = _mm512_mask_blend_pd(one, ln, _mm512_setzero_pd());
    (_mm512_mul_pd(s, ln), !valid)
}

/// `Σ (p_k + q_k) ln(p_k + q_k)` (`q = None`: `Σ p_k ln p_k`), two accumulators of 8 lanes;
/// `None` if some sum is negative, `NaN` or infinite (the caller's general kernel handles that).
#[target_feature(enable = "avx512f")]
pub(super) fn sum_xlogx(p: &[f64], q: Option<&[f64]>) -> Option<f64> {
    let t = tables();
    let n = p.len();
    let load = |i: usize| -> __m512d {
        // SAFETY: i + 8 <= n, and q (when present) has the same length as p.
        unsafe {
            let a = _mm512_loadu_pd(p.as_ptr().add(i));
            match q {
                Some(q) => _mm512_add_pd(a, _mm512_loadu_pd(q.as_ptr().add(i))),
                None => a,
            }
        }
    };
    let (mut acc0, mut acc1) = (_mm512_setzero_pd(), _mm512_setzero_pd());
    let mut invalid = 0u8;
    let mut add = |acc: &mut __m512d, s: __m512d| {
        let (terms, bad) = xlogx(s, &t);
        *acc = _mm512_add_pd(*acc, terms);
        invalid |= bad;
    };
    let mut i = 0;
    while i + 16 <= n {
        add(&mut acc0, load(i));
        add(&mut acc1, load(i + 8));
        i += 16;
    }
    if i + 8 <= n {
        add(&mut acc0, load(i));
        i += 8;
    }
    if i < n {
        let mask = (1u8 << (n - i)) - 1;
        // SAFETY: the mask only reads the n − i remaining elements.
        let tail = unsafe {
            let a = _mm512_maskz_loadu_pd(mask, p.as_ptr().add(i));
            match q {
                Some(q) => _mm512_add_pd(a, _mm512_maskz_loadu_pd(mask, q.as_ptr().add(i))),
                None => a,
            }
        };
        add(&mut acc1, tail);
    }
    (invalid == 0).then(|| _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1)))
}

/// `s ln s` for eight `s` that are finite and non-negative (the caller checked them): the kernel
/// of [`xlogx`] without its masks. `s = 0` gives 0. Below the smallest normal number `s` is not
/// rescaled: its exponent field reads as −1023, so the logarithm is off by less than 37 and the
/// term (below 2.3e-308 · 745) by less than 1e-305. `ln c_i` and `ln 2` are single doubles here.
/// Against 60-digit arithmetic (20 000 values of `s`, measured in review) a term is within
/// 3.2e-16 · (1 + |ln s|) · s of the truth, about three ulps of the larger of the term and `s`
/// (the rounding of `e ln 2 + ln c_i` and of the final sums dominates); the pairwise JS bound
/// allows 4e-16 · (|Σ s ln s| + 2 Σ s) for it.
#[target_feature(enable = "avx512f")]
#[inline]
fn xlogx_checked(s: __m512d, inv: (__m512d, __m512d), hi: (__m512d, __m512d)) -> __m512d {
    let (e, index, m) = decompose(s, _mm512_set1_pd(4503599627371519.0));
    let r = _mm512_fmadd_pd(
        m,
        _mm512_permutex2var_pd(inv.0, index, inv.1),
        _mm512_set1_pd(-1.0),
    );
    let log1p = log1p_small(r);
    let big = _mm512_fmadd_pd(
        e,
        _mm512_set1_pd(LN2_HI),
        _mm512_permutex2var_pd(hi.0, index, hi.1),
    );
    _mm512_mul_pd(s, _mm512_add_pd(big, log1p))
}

/// For each row `q_j` of `rows` (`p.len()` values each): `out[j] = Σ (p + q_j) ln(p + q_j)`, for
/// finite, non-negative `p` and rows (checked by the caller; see [`xlogx_checked`] for the
/// accuracy). The tables are loaded once for all the rows.
///
/// # Panics
/// If `rows` does not hold `out.len()` rows of `p.len()` values.
#[target_feature(enable = "avx512f")]
pub(super) fn sums_xlogx_of_sum(p: &[f64], rows: &[f64], out: &mut [f64]) {
    let n = p.len();
    assert_eq!(rows.len(), n * out.len(), "sums_xlogx_of_sum: rows");
    let (inv, hi) = (table(&INV_C), table(&LN_C_HI));
    let tail_mask = if n.is_multiple_of(8) {
        0
    } else {
        (1u8 << (n % 8)) - 1
    };
    for (o, q) in out.iter_mut().zip(rows.chunks_exact(n.max(1))) {
        let load = |i: usize| -> __m512d {
            // SAFETY: i + 8 <= n = p.len() = q.len().
            unsafe {
                _mm512_add_pd(
                    _mm512_loadu_pd(p.as_ptr().add(i)),
                    _mm512_loadu_pd(q.as_ptr().add(i)),
                )
            }
        };
        let (mut acc0, mut acc1) = (_mm512_setzero_pd(), _mm512_setzero_pd());
        let mut i = 0;
        while i + 16 <= n {
            acc0 = _mm512_add_pd(acc0, xlogx_checked(load(i), inv, hi));
            acc1 = _mm512_add_pd(acc1, xlogx_checked(load(i + 8), inv, hi));
            i += 16;
        }
        if i + 8 <= n {
            acc0 = _mm512_add_pd(acc0, xlogx_checked(load(i), inv, hi));
            i += 8;
        }
        if tail_mask != 0 {
            // SAFETY: the mask only reads the n − i remaining elements.
            let s = unsafe {
                _mm512_add_pd(
                    _mm512_maskz_loadu_pd(tail_mask, p.as_ptr().add(i)),
                    _mm512_maskz_loadu_pd(tail_mask, q.as_ptr().add(i)),
                )
            };
            acc1 = _mm512_add_pd(acc1, xlogx_checked(s, inv, hi));
        }
        *o = _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
    }
    if n == 0 {
        out.fill(0.0);
    }
}
