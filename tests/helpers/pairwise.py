"""The accuracy contract of ``fastinfo.pmf.pairwise`` and ``nearest``: its 50-digit oracle and
the strategies of row matrices (zeros, one-hot rows, near-copies, huge spreads, subnormals,
float32, memory layouts), shared by the ``test_pairwise_*`` files.

The worst errors seen against each oracle are folded into :data:`WORST`; ``conftest.py`` prints
them when the session ends (run with ``-s`` to see them).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
from hypothesis import strategies as st

import fastinfo.pmf as pmf

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


def report_worst_errors() -> None:
    """Print the worst errors seen and whether symmetry held bit for bit (at the session's end)."""
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


def near_one_rows() -> np.ndarray:
    """Two-outcome rows (1 - e, e) for e = 1e-1 ... 1e-15 (round and not), 1.32e-12 (a row that
    once gave a KL of 2^-58 with itself) and 1e-300: one weight within e of 1, where a logarithm
    must be accurate relative to ln(1 - e) ~ -e, not to 1."""
    mantissas = np.random.default_rng(2).uniform(1, 10, 15)
    eps = [10.0**-j for j in range(1, 16)] + list(mantissas * 10.0 ** -np.arange(1, 16))
    rows = [[1 - e, e] for e in eps] + [[0.9999999999986797, 1.320274091350944e-12]]
    return np.array([*rows, [1.0, 1e-300]])
