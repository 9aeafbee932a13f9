"""Tests of ``fastinfo.pmf.pairwise`` and ``fastinfo.pmf.nearest``: divergence matrices.

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
   stable sorting for ``nearest``, invariance to dtype, layout and thread count.

Run with ``-s`` to print the worst errors observed per metric.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import fastinfo
import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

METRICS = pmf.METRICS
LOGARITHMIC = ("kl", "cross_entropy", "js", "jeffreys", "bhattacharyya")
UNITLESS = ("hellinger", "total_variation")
SYMMETRIC = ("js", "jeffreys", "hellinger", "bhattacharyya", "total_variation")
ZERO_FOR_IDENTICAL = tuple(m for m in METRICS if m != "cross_entropy")
ROW_WISE = {
    "kl": pmf.kl_divergence,
    "cross_entropy": pmf.cross_entropy,
    "js": pmf.js_divergence,
}
BASES = (None, 2, 10, math.e)

ATOL = 1e-12  # every finite entry
RTOL = 1e-6  # entries whose true value exceeds RELATIVE_FROM
RELATIVE_FROM = 1e-9
DIGITS = 50
LN2 = math.log(2)

# Worst errors seen, per (oracle, metric): [abs, rel, where abs, where rel]; printed at teardown.
WORST: dict[tuple[str, str], list[Any]] = {}
# Whether pairwise(P) == pairwise(P).T held bit for bit in every example, per metric.
EXACTLY_SYMMETRIC: dict[str, bool] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_worst_errors() -> Any:
    yield
    if not WORST and not EXACTLY_SYMMETRIC:
        return
    print("\n\nworst observed errors of pairwise (absolute, relative where value > 1e-9):")
    for (oracle, metric), (absolute, relative, at_abs, at_rel) in sorted(WORST.items()):
        print(f"  {metric:16s} vs {oracle:10s} abs {absolute:9.2e}  rel {relative:9.2e}")
        print(f"      worst abs: {at_abs}\n      worst rel: {at_rel}")
    for metric, exact in sorted(EXACTLY_SYMMETRIC.items()):
        print(f"  {metric:16s} pairwise(P) == pairwise(P).T bit for bit: {exact}")


def record(oracle: str, metric: str, got: np.ndarray, want: np.ndarray, where: str) -> None:
    """Fold the errors of ``got`` against ``want`` (finite entries) into :data:`WORST`."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    finite = np.isfinite(got) & np.isfinite(want)
    if not finite.any():
        return
    err = np.abs(got[finite] - want[finite])
    big = np.abs(want[finite]) > RELATIVE_FROM
    rel = np.where(big, err / np.where(big, np.abs(want[finite]), 1.0), 0.0)
    entry = WORST.setdefault((oracle, metric), [0.0, 0.0, "", ""])
    if err.max() > entry[0]:
        entry[0] = float(err.max())
        entry[2] = where
    if rel.max() > entry[1]:
        entry[1] = float(rel.max())
        entry[3] = where


def violations(got: Any, want: Any) -> np.ndarray:
    """Where ``got`` breaks the accuracy contract against ``want`` (inf must match exactly)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    finite = np.isfinite(got) & np.isfinite(want)
    with np.errstate(invalid="ignore"):
        err = np.abs(got - want)
        bad = (err > ATOL) | ((np.abs(want) > RELATIVE_FROM) & (err > RTOL * np.abs(want)))
    return np.where(finite, bad, ~(got == want))


# --------------------------------------------------------------------------------------------
# The high-precision oracle
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _ln(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Decimal(x).ln()


@functools.lru_cache(maxsize=1 << 16)
def _sqrt(x: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Decimal(x).sqrt()


def high_precision(metric: str, p: np.ndarray, q: np.ndarray) -> float:
    """``metric(p, q)`` on these exact float64 rows, to 50 digits, rounded once to float64.

    The same conventions and clamps as the kernels: 0 log 0 = 0, +inf where q = 0 < p (KL,
    cross-entropy, Jeffreys either way round), Bhattacharyya +inf for disjoint supports, KL and
    Bhattacharyya at least 0, JS within [0, ln 2], Hellinger within [0, 1].
    """
    pairs = [(float(x), float(y)) for x, y in zip(p, q)]
    mismatch = any(x > 0 and y == 0 for x, y in pairs)
    reverse = any(y > 0 and x == 0 for x, y in pairs)
    if metric in ("kl", "cross_entropy") and mismatch:
        return math.inf
    if metric == "jeffreys" and (mismatch or reverse):
        return math.inf
    if metric == "bhattacharyya" and not any(x > 0 and y > 0 for x, y in pairs):
        return math.inf
    zero = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = DIGITS
        if metric == "kl":
            total = sum((Decimal(x) * (_ln(x) - _ln(y)) for x, y in pairs if x > 0), zero)
            return max(float(total), 0.0)
        if metric == "cross_entropy":
            return float(-sum((Decimal(x) * _ln(y) for x, y in pairs if x > 0), zero))
        if metric == "jeffreys":
            total = sum(
                ((Decimal(x) - Decimal(y)) * (_ln(x) - _ln(y)) for x, y in pairs if x > 0),
                zero,
            )
            return float(total)
        if metric == "js":
            ln2 = Decimal(2).ln()
            total = zero
            for x, y in pairs:
                s = Decimal(x) + Decimal(y)
                if s == 0:
                    continue
                ls = s.ln()
                if x > 0:
                    total += Decimal(x) * (ln2 + _ln(x) - ls)
                if y > 0:
                    total += Decimal(y) * (ln2 + _ln(y) - ls)
            return min(max(float(total / 2), 0.0), LN2)
        if metric == "hellinger":
            h2 = sum(((_sqrt(x) - _sqrt(y)) ** 2 for x, y in pairs), zero) / 2
            return math.sqrt(min(max(float(h2), 0.0), 1.0)) if h2 < 1 else 1.0
        if metric == "bhattacharyya":
            if all(x == y for x, y in pairs):
                return 0.0  # identical rows: exactly 0 by convention, whatever their sum
            coefficient = sum((_sqrt(x) * _sqrt(y) for x, y in pairs), zero)
            return max(float(-coefficient.ln()), 0.0)
        if metric == "total_variation":
            return float(sum((abs(Decimal(x) - Decimal(y)) for x, y in pairs), zero) / 2)
    raise AssertionError(metric)


def expected_infinities(metric: str, pn: np.ndarray, qn: np.ndarray) -> np.ndarray:
    """Where ``metric(pn[i], qn[j])`` is +inf, from the supports alone."""
    pos_p, pos_q = (pn > 0).astype(float), (qn > 0).astype(float)
    if metric in ("kl", "cross_entropy"):
        return pos_p @ (1 - pos_q).T > 0
    if metric == "jeffreys":
        return (pos_p @ (1 - pos_q).T > 0) | ((1 - pos_p) @ pos_q.T > 0)
    if metric == "bhattacharyya":
        return pos_p @ pos_q.T == 0
    return np.zeros((pn.shape[0], qn.shape[0]), dtype=bool)


def normalized(rows: np.ndarray, normalize: bool) -> np.ndarray:
    """The float64 rows the kernels work on, bit for bit: each weight divided by its row's sum
    accumulated left to right (``cumsum``, not numpy's pairwise ``sum``), for finite sums."""
    rows = np.array(rows, dtype=np.float64)
    if not normalize:
        return rows
    sums = np.cumsum(rows, axis=1)[:, -1:]
    assert np.isfinite(sums).all()
    return rows / sums


def check_against_oracles(
    metric: str, got: np.ndarray, want: np.ndarray, pn: np.ndarray, qn: np.ndarray, where: str
) -> None:
    """Every entry of ``got`` within the contract of the reference ``want``, or failing that of
    the 50-digit evaluation of the same pair; reports the number and the worst of violations."""
    record("reference", metric, got, want, where)
    bad = violations(got, want)
    finite = np.isfinite(got) & np.isfinite(want) & (np.abs(want) > RELATIVE_FROM)
    if finite.any():  # the entry closest to the relative limit is checked in 50 digits too
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(finite, np.abs(got - want) / np.abs(want), 0.0)
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        if rel[worst] > 1e-8:
            bad[worst] = True
    suspects = np.argwhere(bad)
    if suspects.size == 0:
        return
    with np.errstate(invalid="ignore"):
        severity = np.abs(got - want)[tuple(suspects.T)]
    order = np.argsort(-np.nan_to_num(severity, nan=np.inf, posinf=np.inf))
    confirmed = []
    for i, j in suspects[order]:
        exact = high_precision(metric, pn[i], qn[j])
        record("50 digits", metric, got[i, j], exact, where)
        if violations(got[i, j], exact):
            confirmed.append((int(i), int(j), float(got[i, j]), exact, float(want[i, j])))
            if len(confirmed) >= 5:
                break
    if confirmed:
        i, j, g, e, w = confirmed[0]
        raise AssertionError(
            f"{metric}: {len(suspects)} of {got.size} entries suspect vs the reference (beyond "
            f"the contract or nearest the relative limit); {len(confirmed)} (of those checked, "
            "worst first) confirmed in 50 digits. Worst: "
            f"({i}, {j}) got {g!r}, 50 digits {e!r} (abs err {abs(g - e):.3g}), reference {w!r}."
            f" Others: {confirmed[1:]}\np = {pn[i].tolist()}\nq = {qn[j].tolist()}"
        )


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@dataclass
class Problem:
    P: np.ndarray  # as passed: dtype and layout applied
    Q: np.ndarray | None  # None means Q = P
    normalize: bool
    description: str

    @property
    def Q_or_P(self) -> np.ndarray:
        return self.P if self.Q is None else self.Q

    @functools.cached_property
    def P64(self) -> np.ndarray:
        return np.array(self.P, dtype=np.float64)

    @functools.cached_property
    def Q64(self) -> np.ndarray:
        return np.array(self.Q_or_P, dtype=np.float64)

    @functools.cached_property
    def Pn(self) -> np.ndarray:
        return normalized(self.P64, self.normalize)

    @functools.cached_property
    def Qn(self) -> np.ndarray:
        return normalized(self.Q64, self.normalize)

    @functools.cached_property
    def same_rows(self) -> np.ndarray:
        """``(n, m)``: whether the input rows ``P[i]`` and ``Q[j]`` are equal."""
        return (self.P64[:, None, :] == self.Q64[None, :, :]).all(axis=-1)

    def __repr__(self) -> str:
        return self.description


def lay_out(x: np.ndarray, layout: str) -> np.ndarray:
    """The same values in another memory layout."""
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "strided":
        big = np.zeros((2 * x.shape[0], 3 * x.shape[1]), dtype=x.dtype)
        big[::2, ::3] = x
        return big[::2, ::3]
    if layout == "reversed":
        return np.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]
    return np.ascontiguousarray(x)


def make_rows(
    rng: np.random.Generator,
    count: int,
    k: int,
    *,
    zero_fraction: float,
    spread: float,
    one_hot_fraction: float,
    subnormal: bool,
    copy_fraction: float,
) -> np.ndarray:
    """``count`` rows of non-negative weights, none all-zero, some (near-)copies of others."""
    w = (rng.random((count, k)) + 0.05) * 10.0 ** (-spread * rng.random((count, k)))
    w *= 10.0 ** rng.uniform(-3, 3, (count, 1))  # row scales (divided out when normalising)
    w[rng.random((count, k)) < zero_fraction] = 0.0
    for r in np.flatnonzero(rng.random(count) < one_hot_fraction):
        w[r] = 0.0
        w[r, rng.integers(k)] = rng.choice([1.0, 0.37, 5.0])
    if subnormal:  # weights about 1e-310 of their row's sum, so also after normalisation
        mask = rng.random((count, k)) < 0.15
        mask[np.arange(count), np.argmax(w, axis=1)] = False
        w[mask] = (w.sum(axis=1, keepdims=True) * 1e-310 * rng.uniform(0.5, 2, (count, k)))[mask]
    for r in np.flatnonzero(w.sum(axis=1) == 0):
        w[r, rng.integers(k)] = 1.0
    for r in np.flatnonzero(rng.random(count) < copy_fraction):
        source = w[rng.integers(count)].copy()
        kind = rng.integers(3)
        eps = 10.0 ** rng.uniform(-9, -2)
        if kind == 1:  # every weight moved by a relative eps (zeros stay zeros)
            source *= 1 + eps * rng.uniform(-1, 1, k)
        elif kind == 2:  # one weight moved; a zero becomes a tiny weight (support mismatch)
            c = rng.integers(k)
            source[c] = source[c] * (1 + eps) if source[c] > 0 else eps * source.max()
        w[r] = source
    return w


@st.composite
def problems(
    draw: Any, max_rows: int = 60, max_k: int = 300, self_q: bool | None = None
) -> Problem:
    k = draw(st.one_of(st.integers(1, 8), st.integers(1, max_k)))
    n = draw(st.integers(1, max_rows))
    same = draw(st.booleans()) if self_q is None else self_q
    m = n if same else draw(st.integers(1, max_rows))
    options = {
        "zero_fraction": draw(st.sampled_from([0.0, 0.1, 0.3, 0.7, 0.95])),
        "spread": draw(st.sampled_from([0.0, 0.5, 3.0, 30.0, 250.0])),
        "one_hot_fraction": draw(st.sampled_from([0.0, 0.1, 0.4])),
        "subnormal": draw(st.booleans()),
        "copy_fraction": draw(st.sampled_from([0.0, 0.2, 0.5, 0.9])),
    }
    normalize = draw(st.booleans())
    dtype = draw(st.sampled_from(["float64", "float64", "float32"]))
    layout = draw(st.sampled_from(["C", "F", "strided", "reversed"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    w = make_rows(rng, n if same else n + m, k, **options)
    if not normalize:
        w = w / w.sum(axis=1, keepdims=True)
    w = w.astype(dtype)
    w[w.sum(axis=1) == 0, 0] = 1.0  # float32 flushes weights below ~1e-45 to zero
    if not normalize and dtype == "float32":  # keep each float32 row's sum within 1e-6 of 1
        for r in range(w.shape[0]):
            total = float(w[r].astype(np.float64).sum())
            if abs(total - 1) > 5e-7:
                c = int(np.argmax(w[r]))
                w[r, c] = np.float32(float(w[r, c]) + 1 - total)
    P = lay_out(w[:n], layout)
    Q = None if same else lay_out(w[n:], layout)
    description = (
        f"Problem(n={n}, m={m}, k={k}, Q={'None' if same else 'given'}, normalize={normalize}, "
        f"dtype={dtype}, layout={layout}, seed={seed}, {options})"
    )
    return Problem(P, Q, normalize, description)


def pairwise(problem: Problem, metric: str, **kwargs: Any) -> np.ndarray:
    return pmf.pairwise(problem.P, problem.Q, metric=metric, normalize=problem.normalize, **kwargs)


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


# --------------------------------------------------------------------------------------------
# 5. nearest
# --------------------------------------------------------------------------------------------


def stable_nearest(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(matrix, order, axis=1)


def check_nearest(problem: Problem, metric: str, k: int, base: Any) -> None:
    """nearest(P, Q, k) equals the first k columns of a stable argsort of pairwise(P, Q)."""
    P, Q = problem.P, problem.Q_or_P
    matrix = pmf.pairwise(P, Q, metric=metric, base=base, normalize=problem.normalize)
    indices, values = pmf.nearest(P, Q, k, metric=metric, base=base, normalize=problem.normalize)
    assert indices.dtype == np.int64
    assert values.dtype == np.float64
    assert indices.shape == values.shape == (P.shape[0], k)
    want_indices, want_values = stable_nearest(matrix, k)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_array_equal(values, want_values)  # bit for bit, inf included


def draw_k(data: Any, which: str, m: int) -> int:
    return {"one": 1, "all": m}.get(which) or data.draw(st.integers(1, m), label="k")


@pytest.mark.parametrize("metric", METRICS)
@given(
    problem=problems(max_rows=40, max_k=60),
    which=st.sampled_from(["one", "all", "some"]),
    data=st.data(),
)
def test_nearest_is_a_stable_sort_of_pairwise(
    metric: str, problem: Problem, which: str, data: Any
) -> None:
    note(repr(problem))
    check_nearest(problem, metric, draw_k(data, which, problem.Q_or_P.shape[0]), None)


@pytest.mark.parametrize("metric", LOGARITHMIC)
@settings(max_examples=max(10, settings().max_examples // 3))
@given(
    problem=problems(max_rows=40, max_k=60),
    which=st.sampled_from(["one", "all", "some"]),
    base=st.sampled_from([2, 10, math.e]),
    data=st.data(),
)
def test_nearest_with_base_is_a_stable_sort_of_pairwise_with_base(
    metric: str, problem: Problem, which: str, base: Any, data: Any
) -> None:
    """Values in ``base`` tie where their values in nats differ by an ulp: ties by index then."""
    note(repr(problem))
    check_nearest(problem, metric, draw_k(data, which, problem.Q_or_P.shape[0]), base)


@pytest.mark.parametrize("metric", METRICS)
def test_nearest_across_several_tiles_of_rows_and_columns(metric: str) -> None:
    """n = 130 (3 blocks of 64 rows), m = 4500 (3 tiles of 2048 columns), with exact copies (ties
    at 0 in several tiles) and zeros; k = 1, 7 and m."""
    rng = np.random.default_rng(5)
    P = rng.random((130, 5))
    P[rng.random(P.shape) < 0.2] = 0
    P[P.sum(axis=1) == 0, 0] = 1
    Q = rng.random((4500, 5))
    Q[rng.random(Q.shape) < 0.2] = 0
    Q[Q.sum(axis=1) == 0, 0] = 1
    Q[[10, 2100, 2200, 4400]] = P[3]  # four ties with row 3, in three tiles
    Q[4499] = P[129]
    matrix = pmf.pairwise(P, Q, metric=metric)
    for k in (1, 7, 4500):
        indices, values = pmf.nearest(P, Q, k, metric=metric)
        want_indices, want_values = stable_nearest(matrix, k)
        np.testing.assert_array_equal(indices, want_indices)
        np.testing.assert_array_equal(values, want_values)
    if metric != "cross_entropy":
        indices, values = pmf.nearest(P, Q, 4, metric=metric)
        assert indices[3].tolist() == [10, 2100, 2200, 4400]
        assert values[3].tolist() == [0.0] * 4


def test_nearest_breaks_ties_of_the_returned_values_by_index() -> None:
    """Two candidates whose cross-entropies differ by one ulp in nats but are equal in bits: the
    values nearest returns tie, so the smaller index must come first (as in pairwise)."""
    a = 0.42485991999312417
    b = float(np.nextafter(a, 0))
    P = np.array([[1.0, 0.0]])
    Q = np.array([[b, 1 - b], [a, 1 - a]])
    bits = pmf.pairwise(P, Q, metric="cross_entropy", normalize=False, base=2)
    indices, values = pmf.nearest(P, Q, 1, metric="cross_entropy", normalize=False, base=2)
    want_indices, want_values = stable_nearest(bits, 1)
    assert bits[0, 0] == bits[0, 1]
    assert values.tolist() == want_values.tolist()
    assert indices.tolist() == want_indices.tolist() == [[0]]


def test_nearest_with_a_base_below_one() -> None:
    """base = 0.5 is accepted and makes every logarithmic value negative: nearest must still give
    the k smallest values of pairwise, ascending (or refuse such a base, naming it)."""
    P = np.array([[0.2, 0.8]])
    Q = np.array([[0.5, 0.5], [0.2, 0.8], [0.9, 0.1]])
    try:
        indices, values = pmf.nearest(P, Q, 2, metric="js", base=0.5)
    except ValueError as e:
        refused = str(e)
    else:
        refused = None
    if refused is not None:
        assert "base" in refused
        return
    matrix = pmf.pairwise(P, Q, metric="js", base=0.5)
    want_indices, want_values = stable_nearest(matrix, 2)
    assert (np.diff(values, axis=1) >= 0).all(), f"values not ascending: {values}"
    assert indices.tolist() == want_indices.tolist(), (indices, matrix)
    assert values.tolist() == want_values.tolist()


@pytest.mark.slow
def test_nearest_of_twenty_thousand_rows_without_the_matrix() -> None:
    """n = m = 20 000, d = 8 under FASTINFO_MEMORY_LIMIT = 64 MiB: pairwise refuses at once
    (the matrix is 3.2 GB), nearest works, finds each row's own copy in a shuffled Q, agrees with
    pairwise on row blocks and never gets near the matrix's size (peak RSS, in a child process)."""
    script = textwrap.dedent(
        """
        import json, resource, time
        import numpy as np, fastinfo.pmf as pmf
        n, d = 20_000, 8
        rng = np.random.default_rng(11)
        P = rng.random((n, d)) + 0.01
        P[rng.random((n, d)) < 0.1] = 0
        P[P.sum(axis=1) == 0, 0] = 1
        perm = rng.permutation(n)
        Q = P[perm]
        start = time.perf_counter()
        try:
            pmf.pairwise(P, Q, metric="kl")
            refused = None
        except MemoryError as e:
            refused = str(e)
        refuse_seconds = time.perf_counter() - start
        start = time.perf_counter()
        indices, values = pmf.nearest(P, Q, 3, metric="kl")
        seconds = time.perf_counter() - start
        inverse = np.argsort(perm)
        block = slice(64 * 100, 64 * 101)
        matrix = pmf.pairwise(P[block], Q, metric="kl")
        order = np.argsort(matrix, axis=1, kind="stable")[:, :3]
        print(json.dumps({
            "refused": refused,
            "refuse_seconds": refuse_seconds,
            "seconds": seconds,
            "shape": list(indices.shape),
            "own_copy_first": bool((indices[:, 0] == inverse).all()),
            "zero_first": bool((values[:, 0] == 0).all()),
            "second_positive": bool((values[:, 1] > 0).all()),
            "ascending": bool((np.diff(values, axis=1) >= 0).all()),
            "block_indices": bool(np.array_equal(indices[block], order)),
            "block_values": bool(
                np.array_equal(values[block], np.take_along_axis(matrix, order, 1))
            ),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }))
        """
    )
    env = {**os.environ, "FASTINFO_MEMORY_LIMIT": str(64 << 20)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nnearest 20000 x 20000 x 8 (kl, k=3): {result}")
    assert result["refused"] is not None, "pairwise did not refuse a 3.2 GB matrix over budget"
    assert "20000 x 20000" in result["refused"]
    assert "nearest" in result["refused"]
    assert result["refuse_seconds"] < 1.0
    assert result["shape"] == [20000, 3]
    assert result["own_copy_first"]
    assert result["zero_first"]
    assert result["second_positive"]
    assert result["ascending"]
    assert result["block_indices"]
    assert result["block_values"]
    assert result["peak_rss_mib"] < 1024, "peak memory near the size of the n x m matrix"


# --------------------------------------------------------------------------------------------
# 6. dtype, layout, threads
# --------------------------------------------------------------------------------------------


def _rows_with_zeros(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    w = rng.random((n, k))
    w[rng.random((n, k)) < 0.25] = 0
    w[w.sum(axis=1) == 0, 0] = 1
    return w


@pytest.mark.parametrize("metric", METRICS)
def test_dtype_and_layout_do_not_change_a_bit(metric: str) -> None:
    """float32 is computed in float64 (the same answer as its exact float64 copy); integers and
    booleans likewise; C, Fortran, strided, reversed views and nested lists: bit for bit."""
    rng = np.random.default_rng(3)
    P, Q = _rows_with_zeros(rng, 37, 23), _rows_with_zeros(rng, 29, 23)
    Q[:5] = P[:5]
    want = pmf.pairwise(P, Q, metric=metric)
    want_near = pmf.nearest(P, Q, 4, metric=metric)
    for layout in ("F", "strided", "reversed"):
        got = pmf.pairwise(lay_out(P, layout), lay_out(Q, layout), metric=metric)
        np.testing.assert_array_equal(got, want, err_msg=layout)
        near = pmf.nearest(lay_out(P, layout), lay_out(Q, layout), 4, metric=metric)
        np.testing.assert_array_equal(near[0], want_near[0], err_msg=layout)
        np.testing.assert_array_equal(near[1], want_near[1], err_msg=layout)
    np.testing.assert_array_equal(pmf.pairwise(P.tolist(), Q.tolist(), metric=metric), want)
    np.testing.assert_array_equal(pmf.pairwise(P, P, metric=metric), pmf.pairwise(P, metric=metric))
    np.testing.assert_array_equal(
        pmf.pairwise(P[::-1], metric=metric)[::-1, ::-1], pmf.pairwise(P, metric=metric)
    )
    p32, q32 = P.astype(np.float32), Q.astype(np.float32)
    got32 = pmf.pairwise(lay_out(p32, "F"), lay_out(q32, "strided"), metric=metric)
    assert got32.dtype == np.float64
    np.testing.assert_array_equal(
        got32, pmf.pairwise(p32.astype(np.float64), q32.astype(np.float64), metric=metric)
    )
    for dtype in (np.int64, np.int32, np.uint8, np.bool_):
        pi, qi = (P * 10).astype(dtype), (Q * 10).astype(dtype)
        pi[pi.sum(axis=1) == 0, 0] = 1
        qi[qi.sum(axis=1) == 0, 0] = 1
        np.testing.assert_array_equal(
            pmf.pairwise(pi, qi, metric=metric),
            pmf.pairwise(pi.astype(np.float64), qi.astype(np.float64), metric=metric),
            err_msg=str(dtype),
        )


@pytest.fixture
def restore_threads() -> Any:
    saved = fastinfo.get_num_threads()
    yield saved
    fastinfo.set_num_threads(saved)


@pytest.mark.parametrize("metric", METRICS)
def test_thread_count_does_not_change_a_bit(metric: str, restore_threads: int) -> None:
    """700 x 300 (several row blocks) with zeros, copies and near-copies (exact fallbacks):
    set_num_threads(1), (2) and (3) give the same pairwise and nearest results, bit for bit."""
    rng = np.random.default_rng(8)
    P, Q = _rows_with_zeros(rng, 700, 40), _rows_with_zeros(rng, 300, 40)
    Q[:100] = P[:100]
    Q[100:200] = P[100:200] * (1 + 1e-7 * rng.uniform(-1, 1, (100, 40)))
    results = {}
    for threads in (1, 2, 3):
        fastinfo.set_num_threads(threads)
        assert fastinfo.get_num_threads() == threads
        results[threads] = (
            pmf.pairwise(P, Q, metric=metric),
            pmf.pairwise(Q, metric=metric),
            *pmf.nearest(P, Q, 5, metric=metric),
        )
    for threads in (2, 3):
        for a, b in zip(results[1], results[threads]):
            np.testing.assert_array_equal(a, b, err_msg=f"1 vs {threads} threads")


def near_one_rows() -> np.ndarray:
    """Two-outcome rows (1 - e, e) for e = 1e-1 ... 1e-15 (round and not), 1.32e-12 (a row that
    once gave a KL of 2^-58 with itself) and 1e-300: one weight within e of 1, where a logarithm
    must be accurate relative to ln(1 - e) ~ -e, not to 1."""
    mantissas = np.random.default_rng(2).uniform(1, 10, 15)
    eps = [10.0**-j for j in range(1, 16)] + list(mantissas * 10.0 ** -np.arange(1, 16))
    rows = [[1 - e, e] for e in eps] + [[0.9999999999986797, 1.320274091350944e-12]]
    return np.array([*rows, [1.0, 1e-300]])


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


def test_every_simd_level_meets_the_contract(tmp_path: Any) -> None:
    """FASTINFO_SIMD=scalar / avx2 / avx512 (capped at the CPU) in child processes: every level
    meets the contract on random rows with zeros, near-copies and weights near 1, and gives
    exactly 0 for identical rows (whether the levels agree bit for bit is printed with -s)."""
    rng = np.random.default_rng(21)
    near = near_one_rows()
    P = np.concatenate([_rows_with_zeros(rng, 50, 37), np.zeros((len(near), 37))])
    P[50:, :2] = near
    Q = np.concatenate([_rows_with_zeros(rng, 40, 37), P[50:]])
    Q[:10] = P[:10] * (1 + 1e-6 * rng.uniform(-1, 1, (10, 37)))
    np.save(tmp_path / "P.npy", P)
    np.save(tmp_path / "Q.npy", Q)
    script = textwrap.dedent(
        f"""
        import os, numpy as np, fastinfo.pmf as pmf
        P = np.load({str(tmp_path / "P.npy")!r}); Q = np.load({str(tmp_path / "Q.npy")!r})
        out = {{m: pmf.pairwise(P, Q, metric=m) for m in pmf.METRICS}}
        out.update({{"self_" + m: pmf.pairwise(P, metric=m) for m in pmf.METRICS}})
        np.savez({str(tmp_path)!r} + "/out_" + os.environ["FASTINFO_SIMD"], **out)
        """
    )
    levels = ("scalar", "avx2", "avx512")
    for level in levels:
        env = {**os.environ, "FASTINFO_SIMD": level}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
    outputs = {level: np.load(tmp_path / f"out_{level}.npz") for level in levels}
    pn, qn = normalized(P, True), normalized(Q, True)
    failures = []
    for metric in METRICS:
        want = ref.pairwise(P, Q, metric=metric)
        for level in levels:
            try:
                check_against_oracles(
                    metric, outputs[level][metric], want, pn, qn, f"FASTINFO_SIMD={level}"
                )
            except AssertionError as e:
                failures.append(f"FASTINFO_SIMD={level}: {str(e).splitlines()[0]}")
            diagonal = np.diag(outputs[level]["self_" + metric])
            if metric in ZERO_FOR_IDENTICAL and (diagonal != 0).any():
                rows = np.flatnonzero(diagonal)
                failures.append(
                    f"FASTINFO_SIMD={level}: {metric}: {len(rows)} identical pairs not 0, e.g. "
                    f"row {int(rows[0])} gives {diagonal[rows[0]]!r}"
                )
        same = all(
            np.array_equal(outputs[levels[0]][metric], outputs[level][metric]) for level in levels
        )
        print(f"\n{metric}: identical across SIMD levels: {same}", end="")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# 7. Memory budget
# --------------------------------------------------------------------------------------------


def test_pairwise_over_budget_raises_memory_error_naming_the_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    P, Q = np.ones((40, 3)), np.ones((50, 3))
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(8 * 40 * 50 - 1))
    for metric in METRICS:
        with pytest.raises(MemoryError) as info:
            pmf.pairwise(P, Q, metric=metric)
        message = str(info.value)
        assert "40 x 50" in message
        assert "FASTINFO_MEMORY_LIMIT" in message
        assert "nearest" in message
        assert "pairwise(P[a:b], Q)" in message
        indices, _ = pmf.nearest(P, Q, 2, metric=metric)  # no n x m matrix: no budget
        assert indices.shape == (40, 2)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(8 * 40 * 50))  # exactly enough
    assert pmf.pairwise(P, Q).shape == (40, 50)


def test_memory_error_comes_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 20 000 x 20 000 request over budget fails at once, before reading (or checking) the
    data: a NaN weight in it does not turn the MemoryError into a ValueError."""
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(1 << 20))
    P = np.random.default_rng(0).random((20_000, 8))
    P[123, 4] = np.nan
    start = time.perf_counter()
    with pytest.raises(MemoryError, match="20000 x 20000"):
        pmf.pairwise(P, metric="js")
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------------------------
# 8. Bad inputs and empty inputs
# --------------------------------------------------------------------------------------------

GOOD = np.array([[0.2, 0.8], [0.5, 0.5], [1.0, 0.0]])


def _with(row: int, column: int, value: float, rows: np.ndarray = GOOD) -> np.ndarray:
    out = rows.copy()
    out[row, column] = value
    return out


BAD: list[tuple[str, Callable[[], Any], type, str | None]] = [
    ("P 1-D", lambda: pmf.pairwise(np.array([0.2, 0.8])), ValueError, r"\bP\b.*2-D"),
    ("P 3-D", lambda: pmf.pairwise(np.ones((2, 2, 2))), ValueError, r"\bP\b.*2-D"),
    ("P scalar", lambda: pmf.pairwise(0.5), ValueError, r"\bP\b"),
    ("Q 1-D", lambda: pmf.pairwise(GOOD, np.array([0.5, 0.5])), ValueError, r"\bQ\b.*2-D"),
    ("Q 3-D", lambda: pmf.nearest(GOOD, np.ones((2, 2, 2)), 1), ValueError, r"\bQ\b.*2-D"),
    ("k differs", lambda: pmf.pairwise(GOOD, np.ones((2, 3))), ValueError, r"\bQ\b.*3.*\bP\b"),
    ("k differs (nearest)", lambda: pmf.nearest(GOOD, np.ones((4, 3)), 1), ValueError, r"\bQ\b"),
    ("no outcomes", lambda: pmf.pairwise(np.ones((2, 0))), ValueError, r"\bP\b.*outcomes"),
    ("unknown metric", lambda: pmf.pairwise(GOOD, metric="euclid"), ValueError, r"metric.*euclid"),
    ("metric wrong case", lambda: pmf.pairwise(GOOD, metric="KL"), ValueError, r"metric"),
    ("metric None", lambda: pmf.nearest(GOOD, GOOD, 1, metric=None), ValueError, r"metric"),
    ("metric positional", lambda: pmf.pairwise(GOOD, GOOD, "js"), TypeError, None),
    ("P by keyword", lambda: pmf.pairwise(P=GOOD), TypeError, None),
    (
        "base with hellinger",
        lambda: pmf.pairwise(GOOD, metric="hellinger", base=2),
        ValueError,
        r"base.*hellinger",
    ),
    (
        "base with total_variation",
        lambda: pmf.nearest(GOOD, GOOD, 1, metric="total_variation", base=math.e),
        ValueError,
        r"base.*total_variation",
    ),
    ("base 1", lambda: pmf.pairwise(GOOD, base=1), ValueError, r"base"),
    ("base -2", lambda: pmf.nearest(GOOD, GOOD, 1, base=-2), ValueError, r"base"),
    ("base nan", lambda: pmf.pairwise(GOOD, base=math.nan), ValueError, r"base"),
    ("base str", lambda: pmf.pairwise(GOOD, base="2"), TypeError, r"base"),
    ("normalize str", lambda: pmf.pairwise(GOOD, normalize="yes"), TypeError, r"normalize"),
    ("normalize int", lambda: pmf.nearest(GOOD, GOOD, 1, normalize=1), TypeError, r"normalize"),
    ("complex P", lambda: pmf.pairwise(GOOD + 0j), TypeError, r"\bP\b"),
    ("string Q", lambda: pmf.pairwise(GOOD, GOOD.astype(str)), TypeError, r"\bQ\b"),
    ("NaN in P", lambda: pmf.pairwise(_with(2, 1, np.nan)), ValueError, r"\bP\b.*row 2"),
    ("inf in P", lambda: pmf.pairwise(_with(1, 0, np.inf), GOOD), ValueError, r"\bP\b.*row 1"),
    ("negative in Q", lambda: pmf.pairwise(GOOD, _with(1, 1, -0.1)), ValueError, r"\bQ\b.*row 1"),
    (
        "zero row in P",
        lambda: pmf.pairwise(_with(1, 0, 0.0, _with(1, 1, 0.0))),
        ValueError,
        r"\bP\b.*row 1",
    ),
    ("zero row in Q", lambda: pmf.nearest(GOOD, np.zeros((2, 2)), 1), ValueError, r"\bQ\b.*row 0"),
    (
        "NaN in P (nearest)",
        lambda: pmf.nearest(_with(2, 0, np.nan), GOOD, 2),
        ValueError,
        r"\bP\b.*row 2",
    ),
    (
        "negative in Q (nearest)",
        lambda: pmf.nearest(GOOD, _with(0, 0, -1.0), 2),
        ValueError,
        r"\bQ\b.*row 0",
    ),
    (
        "unnormalised row",
        lambda: pmf.pairwise(_with(1, 0, 0.6), normalize=False),
        ValueError,
        r"\bP\b.*row 1",
    ),
    ("k = 0", lambda: pmf.nearest(GOOD, GOOD, 0), ValueError, r"\bk\b"),
    ("k < 0", lambda: pmf.nearest(GOOD, GOOD, -1), ValueError, r"\bk\b"),
    ("k > m", lambda: pmf.nearest(GOOD, GOOD, 4), ValueError, r"\bk\b.*\b3\b"),
    ("k = 1.5", lambda: pmf.nearest(GOOD, GOOD, 1.5), TypeError, r"\bk\b"),
    ("k = 2.0", lambda: pmf.nearest(GOOD, GOOD, 2.0), TypeError, r"\bk\b"),
    ("k = '2'", lambda: pmf.nearest(GOOD, GOOD, "2"), TypeError, r"\bk\b"),
    ("k = True", lambda: pmf.nearest(GOOD, GOOD, True), TypeError, r"\bk\b"),
    ("k = None", lambda: pmf.nearest(GOOD, GOOD, None), TypeError, r"\bk\b"),
    ("k for empty Q", lambda: pmf.nearest(GOOD, np.ones((0, 2)), 1), ValueError, r"\bk\b"),
    ("nearest without Q", lambda: pmf.nearest(GOOD, k=1), TypeError, None),
]


@pytest.mark.parametrize(
    ("call", "error", "pattern"), [pytest.param(*case[1:], id=case[0]) for case in BAD]
)
def test_bad_inputs_raise_naming_the_argument(
    call: Callable[[], Any], error: type, pattern: str | None
) -> None:
    with pytest.raises(error, match=pattern) as info:
        call()
    assert type(info.value) is error or issubclass(type(info.value), error)
    assert "Panic" not in type(info.value).__name__


def test_numpy_integer_k_is_accepted() -> None:
    indices, values = pmf.nearest(GOOD, GOOD, np.int64(2), metric="js")
    assert indices.shape == values.shape == (3, 2)
    assert indices[:, 0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("metric", METRICS)
def test_empty_inputs(metric: str) -> None:
    empty = np.ones((0, 4))
    Q = np.array([[1.0, 2, 3, 4], [4, 3, 2, 1]])
    for P, Qs, shape in ((empty, Q, (0, 2)), (empty, None, (0, 0)), (Q, empty, (2, 0))):
        got = pmf.pairwise(P, Qs, metric=metric)
        assert got.shape == shape
        assert got.dtype == np.float64
    got32 = pmf.pairwise(empty.astype(np.float32), Q, metric=metric)
    assert got32.shape == (0, 2)
    assert got32.dtype == np.float64
    indices, values = pmf.nearest(empty, Q, 2, metric=metric)
    assert indices.shape == values.shape == (0, 2)
    assert indices.dtype == np.int64
    assert values.dtype == np.float64


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
