"""Labels for the ``test_samples_*`` files: dependent variables of every dtype, layout, size and
label spread (dense, offset, wide, extreme → the dense, hashed, factorised and sorted-rows
counting paths), built by numpy from a seed that hypothesis draws, and the comparisons."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import note
from hypothesis import strategies as st

REL = 1e-12
ABS = 1e-13
LN2 = math.log(2.0)

INT_DTYPES = [np.dtype(t) for t in ("int8", "int16", "int32", "int64")] + [
    np.dtype(t) for t in ("uint8", "uint16", "uint32", "uint64")
]
KINDS = [d.name for d in INT_DTYPES] + ["bool", "str", "object"]
SPREADS = ("dense", "offset", "wide", "extreme")
ESTIMATORS = ("plugin", "miller_madow")
BASES = (None, 2, 10)

estimators = st.sampled_from(ESTIMATORS)
bases = st.sampled_from(BASES)


def assert_close(actual: Any, expected: float, *, rel: float = REL, abs_: float = ABS) -> None:
    """``actual`` is a Python float within ``rel`` (relative) or ``abs_`` of ``expected``."""
    assert type(actual) is float, f"expected a Python float, got {type(actual).__name__}"
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_), (
        f"{actual!r} != {expected!r} (difference {actual - expected:.3e})"
    )


def assert_same_array(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal shape, dtype and values."""
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert np.array_equal(actual, expected), (actual, expected)


# ---------------------------------------------------------------------------------------------
# Data generation. Hypothesis draws the *shape* of the data (sizes, dtypes, spreads, noise, seed);
# numpy builds the arrays from the seed, so examples with thousands of samples stay cheap.


def _random_int(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A uniform Python int in ``[lo, hi]`` (any width, no dtype limits)."""
    return lo + int.from_bytes(rng.bytes(16), "little") % (hi - lo + 1)


def _unique_ints(
    rng: np.random.Generator, lo: int, hi: int, k: int, fixed: Sequence[int] = ()
) -> list[int]:
    """``k`` distinct ints in ``[lo, hi]`` (as many as fit), starting with ``fixed``."""
    k = min(k, hi - lo + 1)
    if hi - lo < 1 << 16:
        pool = [v for v in fixed if lo <= v <= hi]
        size = min(k + len(pool), hi - lo + 1)
        rest = (rng.choice(hi - lo + 1, size=size, replace=False) + lo).tolist()
        return list(dict.fromkeys(pool + rest))[:k]
    chosen = dict.fromkeys(v for v in fixed if lo <= v <= hi)
    while len(chosen) < k:
        chosen[_random_int(rng, lo, hi)] = None
    return list(chosen)[:k]


def alphabet(rng: np.random.Generator, kind: str, k: int, spread: str) -> np.ndarray:
    """Up to ``k`` distinct labels of ``kind``, shuffled, spread as ``spread`` says."""
    if kind == "bool":
        values = [False, True]
        rng.shuffle(values)
        return np.array(values[: min(k, 2)], dtype=bool)
    if kind == "str":
        prefixes = ["", "a", "label-", "é", "zz", "ß∂"]
        seen: dict[str, None] = {}
        for i in rng.permutation(4 * k + 4)[: 4 * k]:
            seen[f"{prefixes[int(i) % len(prefixes)]}{int(i) * 7919 % 100003}"] = None
            if len(seen) == k:
                break
        return np.array(list(seen))
    if kind == "object":
        ints = _unique_ints(rng, -(2**70), 2**70, k)
        out = np.empty(len(ints), dtype=object)
        out[:] = [v if j % 2 else f"o{v}" for j, v in enumerate(ints)]
        return out
    dtype = np.dtype(kind)
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    k = min(k, hi - lo + 1)
    if spread == "dense":
        start = 0 if lo == 0 else -(k // 2)
        values = list(range(start, start + k))
    elif spread == "offset":
        start = _random_int(rng, lo, hi - k + 1)
        values = list(range(start, start + k))
    elif spread == "wide":
        if dtype.itemsize == 8:
            # Multiples of 2**40: a range no dense table can cover.
            m_lo, m_hi = lo >> 40, hi >> 40
            values = [m << 40 for m in _unique_ints(rng, m_lo, m_hi, k)]
        else:
            values = _unique_ints(rng, lo, hi, k)
    else:  # extreme: the ends of the type (and uint64 above 2**63)
        fixed = [lo, hi, lo + 1, hi - 1, 0, -1, 2**63, 2**63 + 1, 2**63 - 1, 2**32]
        values = _unique_ints(rng, lo, hi, k, fixed)
    rng.shuffle(values)
    return np.array(values, dtype=dtype)


@dataclass(frozen=True)
class Spec:
    """How to build one variable from the shared latent codes."""

    kind: str
    k: int
    spread: str
    noise: float
    columns: int | None  # None → 1-D, else 2-D with this many columns
    fortran: bool


@functools.cache
def specs(kinds: tuple[str, ...], two_d: bool) -> st.SearchStrategy[Spec]:
    """Specs of one variable (cached: building strategies is a large part of a draw's cost)."""
    return st.builds(
        Spec,
        kind=st.sampled_from(list(kinds)),
        k=st.one_of(st.integers(1, 4), st.integers(1, 300)),
        spread=st.sampled_from(SPREADS),
        noise=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
        columns=st.sampled_from([None, 1, 2, 3]) if two_d else st.none(),
        fortran=st.booleans(),
    )


def build(rng: np.random.Generator, latent: np.ndarray, k_latent: int, spec: Spec) -> np.ndarray:
    """A variable depending on ``latent`` through a random map plus noise."""
    n = latent.shape[0]

    def column() -> np.ndarray:
        values = alphabet(rng, spec.kind, spec.k, spec.spread)
        k = values.shape[0]
        codes = rng.integers(0, k, size=k_latent)[latent]
        if spec.noise:
            mask = rng.random(n) < spec.noise
            codes[mask] = rng.integers(0, k, size=int(mask.sum()))
        return values[codes]

    if spec.columns is None:
        return column()
    stacked = np.column_stack([column() for _ in range(spec.columns)])
    return np.asfortranarray(stacked) if spec.fortran else stacked


_SIZES = st.one_of(st.integers(1, 12), st.integers(1, 3000))
_LATENT_SIZES = st.one_of(st.integers(1, 6), st.integers(1, 300))
_ALPHAS = st.sampled_from([0.2, 1.0, 100.0])
_SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def joint_samples(
    draw: st.DrawFn,
    count: int,
    kinds: Sequence[str] = KINDS,
    two_d: bool = True,
) -> list[np.ndarray]:
    """``count`` dependent variables with the same number of samples."""
    n = draw(_SIZES)
    k_latent = draw(_LATENT_SIZES)
    alpha = draw(_ALPHAS)
    seed = draw(_SEEDS)
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k_latent, alpha))
    p /= p.sum()
    latent = rng.choice(k_latent, size=n, p=p)
    spec_list = [draw(specs(tuple(kinds), two_d)) for _ in range(count)]
    note(f"n={n} k_latent={k_latent} alpha={alpha} seed={seed} specs={spec_list}")
    return [build(rng, latent, k_latent, spec) for spec in spec_list]


def one_sample(**kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    return joint_samples(1, **kwargs).map(lambda v: v[0])


INTEGER_KINDS = [d.name for d in INT_DTYPES] + ["bool"]
SORTABLE_KINDS = [*INTEGER_KINDS, "str"]  # np.unique order == fastinfo order


def stack(*columns: np.ndarray) -> np.ndarray:
    """``np.column_stack`` without upcasting labels to float or str (mixed kinds → object)."""
    common = np.result_type(*columns)
    if common.kind in "iub" and all(c.dtype.kind in "iub" for c in columns):
        return np.column_stack(columns)
    if all(c.dtype.kind == "U" for c in columns):
        return np.column_stack(columns)
    return np.column_stack([c.astype(object) for c in columns])
