"""The accuracy of ``fastinfo.pmf.pairwise``: every entry of divergence matrices.

The accuracy contract of the issue, checked entry by entry: every finite entry is within 1e-12 of
the definition, and within 1e-6 relative of it where the definition exceeds 1e-9; infinities are
exactly where the supports say, never NaN. Oracles:

1. ``fastinfo.reference.pmf.pairwise`` (textbook numpy formulas, one row at a time) for every
   entry of hypothesis-generated matrices: zeros, one-hot rows, exact copies and near-copies
   (relative perturbations 1e-9..1e-2, of every weight or of one), weights spanning up to 250
   decades, subnormal weights, float32, Fortran order, strided and reversed views.
2. Where an entry disagrees with the reference beyond the contract, and for near-duplicate rows
   (where naive float64 formulas lose accuracy), a 50-digit ``decimal`` evaluation of the same
   definition on the same float64 rows decides. Hellinger is evaluated as
   ``sqrt(sum (sqrt p - sqrt q)^2 / 2)`` (as in the reference), which equals
   ``sqrt(1 - sum sqrt(p q))`` for distributions but does not depend on how the rounded rows miss
   a sum of exactly 1.
3. The row-wise functions of :mod:`fastinfo.pmf` on the same pairs (exactly for 0 and inf).
4. Structure: supports (inf pattern), exact zeros for identical rows, symmetry, ranges, base,
   (stable sorting for ``nearest`` is in ``test_pairwise_nearest.py``; invariance to dtype,
   layout, thread count and SIMD level in ``test_pairwise_invariance.py``).

The oracle and the strategies live in ``helpers/pairwise.py``. Run with ``-s`` to print the
worst errors observed per metric.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers.pairwise import (
    BASES,
    EXACTLY_SYMMETRIC,
    LN2,
    LOGARITHMIC,
    METRICS,
    ROW_WISE,
    SYMMETRIC,
    UNITLESS,
    ZERO_FOR_IDENTICAL,
    Problem,
    check_against_oracles,
    expected_infinities,
    high_precision,
    make_rows,
    near_one_rows,
    normalized,
    pairwise,
    problems,
    record,
    violations,
)
from hypothesis import given, note, settings
from hypothesis import strategies as st

import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

# --------------------------------------------------------------------------------------------
# 1. The accuracy contract, every entry, every metric
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
@given(problem=problems(), base=st.sampled_from(BASES))
def test_every_entry_meets_the_accuracy_contract(metric: str, problem: Problem, base: Any) -> None:
    note(repr(problem))
    got = pairwise(problem, metric)
    n, m = problem.P.shape[0], problem.Q_or_P.shape[0]
    assert got.dtype == np.float64
    assert got.shape == (n, m)
    assert not np.isnan(got).any(), f"{metric}: NaN at {np.argwhere(np.isnan(got))[:5]}"
    assert not np.isneginf(got).any()
    infinite = expected_infinities(metric, problem.Pn, problem.Qn)
    wrong = np.argwhere(np.isinf(got) != infinite)
    assert wrong.size == 0, (
        f"{metric}: {len(wrong)} entries infinite where the supports say finite or vice versa, "
        f"e.g. {[(int(i), int(j), float(got[i, j])) for i, j in wrong[:5]]}"
    )
    want = ref.pairwise(problem.P64, problem.Q64, metric=metric, normalize=problem.normalize)
    check_against_oracles(metric, got, want, problem.Pn, problem.Qn, repr(problem))
    if base is not None and metric in LOGARITHMIC:
        scaled = pairwise(problem, metric, base=base)
        np.testing.assert_array_equal(np.isinf(scaled), infinite)
        np.testing.assert_allclose(scaled, got / math.log(base), rtol=1e-15, atol=0)


# --------------------------------------------------------------------------------------------
# 2. Near-duplicate rows against 50 digits
# --------------------------------------------------------------------------------------------


@st.composite
def near_duplicates(draw: Any) -> Problem:
    """3 rows and, in Q, their near-copies: perturbations 1e-10..1e-2, everywhere or in one
    weight, and sometimes exact copies."""
    k = draw(st.one_of(st.integers(1, 12), st.integers(1, 300)))
    zero_fraction = draw(st.sampled_from([0.0, 0.3, 0.8]))
    spread = draw(st.sampled_from([0.0, 1.0, 20.0]))
    normalize = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    w = make_rows(
        rng,
        3,
        k,
        zero_fraction=zero_fraction,
        spread=spread,
        one_hot_fraction=0.0,
        subnormal=False,
        copy_fraction=0.0,
    )
    copies = w.copy()
    epsilons = []
    for r in range(3):
        eps = draw(st.sampled_from([0.0, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]))
        if draw(st.booleans()):
            copies[r] *= 1 + eps * rng.uniform(-1, 1, k)
        else:
            c = int(np.argmax(w[r]))
            copies[r, c] *= 1 + eps
        epsilons.append(eps)
    if not normalize:
        w = w / w.sum(axis=1, keepdims=True)
        copies = copies / copies.sum(axis=1, keepdims=True)
    description = f"near_duplicates(k={k}, eps={epsilons}, normalize={normalize}, seed={seed})"
    return Problem(w, copies, normalize, description)


@pytest.mark.parametrize("metric", METRICS)
@settings(max_examples=max(10, settings().max_examples // 3))
@given(problem=near_duplicates())
def test_near_duplicate_rows_against_fifty_digits(metric: str, problem: Problem) -> None:
    note(repr(problem))
    got = pairwise(problem, metric)
    exact = np.array([high_precision(metric, problem.Pn[i], problem.Qn[i]) for i in range(3)])
    diagonal = np.diag(got)
    record("50 digits", metric, diagonal, exact, repr(problem))
    bad = violations(diagonal, exact)
    assert not bad.any(), (
        f"{metric}: near-duplicate pairs off the 50-digit value beyond the contract: "
        + "; ".join(
            f"row {i}: got {diagonal[i]!r}, 50 digits {exact[i]!r}, "
            f"abs err {abs(diagonal[i] - exact[i]):.3g}"
            for i in np.flatnonzero(bad)
        )
    )


def test_exact_copies_and_one_part_in_1e8_by_hand() -> None:
    """A fixed near-duplicate pair: q = p with two weights moved by 1e-8, both rows summing to 1
    within rounding. Every metric within the contract of its 50-digit value."""
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    q = p.copy()
    q[1] += 1e-8 * 0.2
    q[2] -= 1e-8 * 0.2
    for normalize in (True, False):
        for metric in METRICS:
            got = pmf.pairwise(p[None], q[None], metric=metric, normalize=normalize)[0, 0]
            pn, qn = normalized(p[None], normalize)[0], normalized(q[None], normalize)[0]
            exact = high_precision(metric, pn, qn)
            record("50 digits", metric, got, exact, "hand-made 1e-8 pair")
            assert not violations(got, exact), (metric, normalize, got, exact)


# --------------------------------------------------------------------------------------------
# 3. Structure: identical rows, symmetry, ranges
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ZERO_FOR_IDENTICAL)
@given(problem=problems())
def test_identical_rows_give_exactly_zero(metric: str, problem: Problem) -> None:
    """Including the whole diagonal of pairwise(P)."""
    note(repr(problem))
    got = pairwise(problem, metric)
    same = problem.same_rows
    if problem.Q is None:
        assert same.diagonal().all()
    nonzero = np.argwhere(same & (got != 0))
    assert nonzero.size == 0, (
        f"{metric}: {len(nonzero)} of {int(same.sum())} pairs of identical rows are not exactly 0,"
        f" e.g. {[(int(i), int(j), float(got[i, j])) for i, j in nonzero[:5]]}, "
        f"largest {float(np.abs(got[same]).max())!r}"
    )


@pytest.mark.parametrize("metric", SYMMETRIC)
@given(problem=problems(self_q=True))
def test_symmetric_metrics_give_symmetric_matrices(metric: str, problem: Problem) -> None:
    """JS and total variation: bit for bit (their kernels are symmetric in every operation).
    Jeffreys, Hellinger, Bhattacharyya: within the accuracy contract (sums and products may be
    grouped differently for (i, j) and (j, i)); whether bit-for-bit held is printed with -s."""
    note(repr(problem))
    got = pairwise(problem, metric)
    exact = bool(np.array_equal(got, got.T))
    EXACTLY_SYMMETRIC[metric] = EXACTLY_SYMMETRIC.get(metric, True) and exact
    if metric in ("js", "total_variation"):
        diff = np.argwhere(got != got.T)
        assert exact, f"{metric}: not symmetric at {[(int(i), int(j)) for i, j in diff[:5]]}"
    bad = np.argwhere(violations(got, got.T))
    assert bad.size == 0, [(int(i), int(j), got[i, j], got[j, i]) for i, j in bad[:5]]


@pytest.mark.parametrize("metric", METRICS)
@given(problem=problems(), base=st.sampled_from(BASES))
def test_values_stay_in_their_ranges(metric: str, problem: Problem, base: Any) -> None:
    """Every metric >= 0; JS <= ln 2 (1 bit); Hellinger and total variation <= 1. With
    ``normalize=False`` rows only sum to 1 within 1e-6, and total variation may exceed 1 by
    that much."""
    note(repr(problem))
    if metric in UNITLESS:
        base = None
    got = pairwise(problem, metric, base=base)
    scale = 1.0 if base is None else math.log(base)
    low = got.min()
    assert low >= 0, f"{metric}: minimum {low!r} at {np.unravel_index(np.argmin(got), got.shape)}"
    top = {"js": LN2 / scale, "hellinger": 1.0, "total_variation": 1.0}.get(metric)
    if top is not None:
        if metric == "js" and base == 2:
            top = 1.0
        slack = 1e-6 if metric == "total_variation" and not problem.normalize else 0.0
        high = got.max()
        assert high <= top + slack, (
            f"{metric}: maximum {high!r} above {top!r} by {high - top:.3g} at "
            f"{np.unravel_index(np.argmax(got), got.shape)}"
        )


# --------------------------------------------------------------------------------------------
# 4. Agreement with the row-wise functions
# --------------------------------------------------------------------------------------------


@given(problem=problems(max_rows=25, max_k=120))
def test_pairwise_agrees_with_the_row_wise_functions(problem: Problem) -> None:
    """``pairwise(P, Q)[i, j]`` against ``kl_divergence(P[i], Q[j])`` etc. for every pair, to
    the contract, and exactly wherever either is 0 or inf; Jeffreys against KL both ways."""
    note(repr(problem))
    P, Q = problem.P, problem.Q_or_P
    pb, qb = P[:, None, :], Q[None, :, :]
    row_wise = {
        name: function(pb, qb, normalize=problem.normalize) for name, function in ROW_WISE.items()
    }
    # KL(p||q) + KL(q||p) is Jeffreys only where neither KL was clamped at 0, which is safe
    # when the rows are distributions to rounding (not float32 rows summing to 1 within 1e-6).
    sums = np.concatenate([problem.P64.sum(axis=1), problem.Q64.sum(axis=1)])
    if problem.normalize or np.abs(sums - 1).max() < 1e-13:
        reverse_kl = pmf.kl_divergence(qb, pb, normalize=problem.normalize)
        row_wise["jeffreys"] = row_wise["kl"] + reverse_kl
    for metric, want in row_wise.items():
        got = pairwise(problem, metric)
        assert got.shape == want.shape
        record("row-wise", metric, got, want, repr(problem))
        bad = np.argwhere(violations(got, want))
        assert bad.size == 0, (
            f"{metric}: {len(bad)} entries off the row-wise function, e.g. "
            f"{[(int(i), int(j), float(got[i, j]), float(want[i, j])) for i, j in bad[:5]]}"
        )
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
        if metric == "jeffreys":  # a sum of two clamped KLs is not the Jeffreys kernel
            continue
        # Exactly 0 on one side and not the other: wrong if the pair's value is exactly 0 (in
        # 50 digits); else the 0 is a positive value below the kernel's resolution (KL terms of
        # 1e-60 next to weights of 1e-30), which the contract allows.
        wrong = []
        for i, j in np.argwhere(((got == 0) | (want == 0)) & (got != want)):
            exact = high_precision(metric, problem.Pn[i], problem.Qn[j])
            if exact == 0 or violations(got[i, j], exact) or violations(want[i, j], exact):
                wrong.append((int(i), int(j), float(got[i, j]), float(want[i, j]), exact))
        assert not wrong, f"{metric}: 0 not matched (i, j, pairwise, row-wise, 50 digits): {wrong}"


def test_weights_near_one() -> None:
    rows = near_one_rows()
    failures = []
    for metric in METRICS:
        got = pmf.pairwise(rows, metric=metric)
        pn = normalized(rows, True)
        exact = np.array([[high_precision(metric, p, q) for q in pn] for p in pn])
        record("50 digits", metric, got, exact, "weights near one")
        bad = np.argwhere(violations(got, exact))
        if bad.size:
            failures.append(
                f"{metric}: {len(bad)} entries off the 50-digit value, e.g. "
                f"{[(int(i), int(j), got[i, j], exact[i, j]) for i, j in bad[:3]]}"
            )
        if metric in ZERO_FOR_IDENTICAL and (np.diag(got) != 0).any():
            i = int(np.flatnonzero(np.diag(got))[0])
            failures.append(f"{metric}: identical rows {rows[i].tolist()} give {got[i, i]!r}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# 9. Hand-checked values and edge rows
# --------------------------------------------------------------------------------------------


def test_docstring_examples() -> None:
    P = np.array([[0.5, 0.5], [0.9, 0.1], [1.0, 0.0]])
    js = pmf.pairwise(P, metric="js", base=2)
    np.testing.assert_allclose(
        js,
        [[0, 0.1467931, 0.31127812], [0.1467931, 0, 0.05189916], [0.31127812, 0.05189916, 0]],
        atol=1e-8,
    )
    assert pmf.pairwise(P)[:, 2].tolist() == [math.inf, math.inf, 0.0]
    Q = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    indices, values = pmf.nearest([[0.8, 0.2]], Q, k=2, metric="hellinger")
    assert indices.tolist() == [[1, 0]]
    np.testing.assert_allclose(values, [[0.1003, 0.2265]], atol=5e-5)


def test_closed_forms() -> None:
    """Bernoulli pairs against closed forms (hand-written, independent of the reference)."""
    a, b = 0.3, 0.6
    P, Q = np.array([[a, 1 - a]]), np.array([[b, 1 - b]])
    kl = a * math.log(a / b) + (1 - a) * math.log((1 - a) / (1 - b))
    kl_back = b * math.log(b / a) + (1 - b) * math.log((1 - b) / (1 - a))
    ce = -(a * math.log(b) + (1 - a) * math.log(1 - b))
    mid = [(a + b) / 2, 1 - (a + b) / 2]
    js = 0.5 * (
        a * math.log(a / mid[0])
        + (1 - a) * math.log((1 - a) / mid[1])
        + b * math.log(b / mid[0])
        + (1 - b) * math.log((1 - b) / mid[1])
    )
    bc = math.sqrt(a * b) + math.sqrt((1 - a) * (1 - b))
    want = {
        "kl": kl,
        "cross_entropy": ce,
        "js": js,
        "jeffreys": kl + kl_back,
        "bhattacharyya": -math.log(bc),
        "hellinger": math.sqrt(1 - bc),
        "total_variation": abs(a - b),
    }
    for metric, value in want.items():
        got = pmf.pairwise(P, Q, metric=metric)[0, 0]
        assert got == pytest.approx(value, rel=1e-12, abs=1e-15), metric
        bits = pmf.pairwise(P, Q, metric=metric, base=2)[0, 0] if metric in LOGARITHMIC else None
        if bits is not None:
            assert bits == pytest.approx(value / LN2, rel=1e-12), metric


def test_disjoint_supports() -> None:
    """One-hot rows on different outcomes: inf for the KL family and Bhattacharyya, exactly 1 for
    Hellinger and total variation, ln 2 for JS (1 bit)."""
    P = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 2.5]])
    expected = {
        "kl": math.inf,
        "cross_entropy": math.inf,
        "jeffreys": math.inf,
        "bhattacharyya": math.inf,
        "hellinger": 1.0,
        "total_variation": 1.0,
    }
    off = ~np.eye(3, dtype=bool)
    for metric, value in expected.items():
        got = pmf.pairwise(P, metric=metric)
        assert (got[off] == value).all(), (metric, got)
        assert (np.diag(got) == 0).all(), (metric, got)
    js = pmf.pairwise(P, metric="js", base=2)
    assert not violations(js[off], 1.0).any()
    assert (np.diag(js) == 0).all()


def test_tiny_overlap_is_finite_and_exact_supports_decide_infinity() -> None:
    """Weights of 1e-300 and subnormal 1e-310 are support: finite KL / Bhattacharyya, close to
    the 50-digit value; one zero more and the KL family becomes exactly inf."""
    P = np.array([[1e-300, 1.0, 0.0], [1.0, 1e-310, 1.0], [1.0, 0.0, 1.0]])
    Q = np.array([[1e-300, 0.0, 1.0], [1.0, 1.0, 1e-310], [1.0, 1.0, 0.0]])
    for metric in METRICS:
        got = pmf.pairwise(P, Q, metric=metric)
        pn, qn = normalized(P, True), normalized(Q, True)
        exact = np.array([[high_precision(metric, p, q) for q in qn] for p in pn])
        record("50 digits", metric, got, exact, "tiny overlap")
        bad = np.argwhere(violations(got, exact))
        assert bad.size == 0, (metric, [(i, j, got[i, j], exact[i, j]) for i, j in bad])
    bhattacharyya = pmf.pairwise(P[:1], Q[:1], metric="bhattacharyya")[0, 0]
    assert bhattacharyya == pytest.approx(300 * math.log(10), rel=1e-12)


@pytest.mark.parametrize("k", [63, 64, 65, 127, 128, 129, 200])
def test_supports_across_64_bit_word_boundaries(k: int) -> None:
    """A single zero (or a single mass) at each position near a multiple of 64 decides inf."""
    positions = sorted({0, 62, 63, 64, 65, 127, 128, k - 1} & set(range(k)))
    base = np.ones(k)
    holes = np.array([base] + [np.where(np.arange(k) == c, 0.0, 1.0) for c in positions])
    spikes = np.array([np.where(np.arange(k) == c, 1.0, 0.0) for c in positions])
    rows = np.concatenate([holes, spikes])
    for metric in ("kl", "cross_entropy", "jeffreys", "bhattacharyya"):
        got = pmf.pairwise(rows, metric=metric)
        want = expected_infinities(metric, normalized(rows, True), normalized(rows, True))
        np.testing.assert_array_equal(np.isinf(got), want, err_msg=metric)
        assert not violations(got, ref.pairwise(rows, metric=metric)).any(), metric


def test_rows_whose_sum_overflows_and_one_outcome() -> None:
    P = np.array([[1e308, 1e308], [1.0, 1.0], [3.0, 3.0]])
    for metric in ZERO_FOR_IDENTICAL:
        assert (pmf.pairwise(P, metric=metric) == 0).all(), metric
    one = np.array([[3.0], [0.5], [7.0]])
    for metric in METRICS:
        assert (pmf.pairwise(one, metric=metric) == 0).all(), metric
