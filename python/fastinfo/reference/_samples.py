"""The twin of the samples functions (:mod:`fastinfo._samples`): entropies, informations, counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _quantity as options
from .._binning import BinsLike
from .._inputs import (
    ESTIMATORS,
    Base,
    Variable,
    as_variable,
    check_bool,
    check_estimator,
    check_memory,
    check_same_length,
    log_base,
)
from .._knn import CONDITIONAL_ESTIMATORS, MUTUAL_INFORMATION_ESTIMATORS, refuse_knn_options
from .._samples import warn_joint
from .._significance import seed_alias
from . import _knn
from ._binning import binner

Codes = npt.NDArray[np.int64]


def _cell_codes(*variables: Variable) -> Codes:
    """One integer per sample identifying its cell (the tuple of all columns' values).

    Columns are folded in one at a time: ``code * (rank of column j) ...``, re-ranked with
    ``np.unique`` after each step so the code stays below n and never overflows.
    """
    columns = [column for v in variables for column in v.columns]
    code = np.zeros(columns[0].shape[0], dtype=np.int64)
    for column in columns:
        uniques, rank = np.unique(column, return_inverse=True)
        combined = code * uniques.size + rank.reshape(-1)
        code = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return code


def _cells(codes: Codes) -> tuple[Codes, Codes]:
    """For each observed cell: the index of one sample in it, and its count."""
    _, first, count = np.unique(codes, return_index=True, return_counts=True)
    return first, count


def _plugin_of_counts(counts: npt.NDArray[Any]) -> float:
    """``-sum p log p`` of a histogram (zeros allowed)."""
    c = counts[counts > 0].astype(np.float64)
    if c.size == 0:
        return 0.0
    p = c / c.sum()
    return float(-np.sum(p * np.log(p)))


def _jackknife(counts: npt.NDArray[Any]) -> float:
    """``n H - (n - 1) / n * sum_j H_(-j)``: every sample left out in turn (grouped by cell)."""
    c = counts[counts > 0].astype(np.float64)
    n = c.sum()
    if n <= 1:
        return 0.0
    # Plug-in entropy of the histogram with one sample removed from cell i, for every i:
    # H_(-i) = log(n - 1) - S_i / (n - 1), S_i = sum_k c_k log c_k after c_i -> c_i - 1.
    c_log_c = c * np.log(c)
    reduced = c - 1
    reduced_log = np.where(reduced > 0, reduced * np.log(np.where(reduced > 0, reduced, 1)), 0.0)
    s_i = c_log_c.sum() - c_log_c + reduced_log
    h_minus = np.log(n - 1) - s_i / (n - 1)
    return float(n * _plugin_of_counts(c) - (n - 1) / n * np.sum(c * h_minus))


def _grassberger(counts: npt.NDArray[Any]) -> float:
    """``log n - (1/n) sum n_i G(n_i)``, ``G(k) = psi(k) + (-1)^k/2 (psi((k+1)/2) - psi(k/2))``."""
    from scipy.special import digamma

    c = counts[counts > 0].astype(np.float64)
    n = c.sum()
    g = digamma(c) + 0.5 * (-1.0) ** c * (digamma((c + 1) / 2) - digamma(c / 2))
    return float(np.log(n) - np.sum(c * g) / n)


def _chao_shen(counts: npt.NDArray[Any]) -> float:
    """``-sum C p log(C p) / (1 - (1 - C p)^n)``, coverage ``C = 1 - f1/n``."""
    c = counts[counts > 0].astype(np.float64)
    n = c.sum()
    f1 = float(np.sum(c == 1))
    if f1 == n:
        f1 = n - 1
    pa = (1 - f1 / n) * c / n
    return float(-np.sum(pa * np.log(pa) / (1 - (1 - pa) ** n)))


def _nsb(counts: npt.NDArray[Any], alphabet_size: int) -> float:
    """NSB: posterior mean of H, with a prior uniform in xi = E[H | beta] over (0, log K).

    Integrates over xi itself (beta(xi) found by root finding), the original formulation, rather
    than over log(beta) as fastinfo does.
    """
    from scipy.integrate import quad
    from scipy.optimize import brentq
    from scipy.special import digamma

    c = counts[counts > 0].astype(np.int64)
    n, m, k = int(c.sum()), int(c.size), float(alphabet_size)
    if alphabet_size <= 1:
        return 0.0
    ranges = [np.arange(v, dtype=np.float64) for v in c]
    steps = np.arange(n, dtype=np.float64)

    def xi(beta: float) -> float:
        return float(digamma(k * beta + 1) - digamma(beta + 1))

    def beta_of(x: float) -> float:
        return float(np.exp(brentq(lambda t: xi(np.exp(t)) - x, -700, 700, xtol=1e-14)))

    def log_evidence(beta: float) -> float:
        # log p(n | beta) = sum_i log[Gamma(n_i + beta) / Gamma(beta)]
        #                  - log[Gamma(n + K beta) / Gamma(K beta)]
        per_cell = sum(float(np.sum(np.log(beta + r))) for r in ranges)
        return per_cell - float(np.sum(np.log(k * beta + steps)))

    def mean_entropy(beta: float) -> float:
        a = n + k * beta
        cells = np.sum((c + beta) * digamma(c + beta + 1)) + (k - m) * beta * digamma(beta + 1)
        return float(digamma(a + 1) - cells / a)

    top = np.log(k) * (1 - 1e-12)
    grid = np.linspace(top * 1e-6, top, 301)
    logs = np.array([log_evidence(beta_of(x)) for x in grid])
    peak = float(logs.max())
    alive = np.flatnonzero(logs > peak - 50)
    lo = grid[max(alive[0] - 1, 0)]
    hi = grid[min(alive[-1] + 1, grid.size - 1)]
    centre = float(grid[int(np.argmax(logs))])

    def weight(x: float) -> float:
        return float(np.exp(log_evidence(beta_of(x)) - peak))

    options = {"points": [centre], "limit": 500, "epsabs": 0.0, "epsrel": 1e-11}
    z = quad(weight, lo, hi, **options)[0]
    zh = quad(lambda x: weight(x) * mean_entropy(beta_of(x)), lo, hi, **options)[0]
    return float(zh / z)


def estimate_from_counts(counts: npt.ArrayLike, estimator: str) -> float:
    """Entropy estimate (nats, not clamped) of one histogram by ``estimator``.

    NSB uses the number of occupied cells as the alphabet size, as fastinfo does. One occupied
    cell (or none) gives 0 for every estimator.
    """
    c = np.asarray(counts)
    c = c[c > 0]
    n, m = int(c.sum()), int(c.size)
    if m <= 1:
        return 0.0
    if estimator == "plugin":
        return _plugin_of_counts(c)
    if estimator == "miller_madow":
        return _plugin_of_counts(c) + (m - 1) / (2 * n)
    if estimator == "jackknife":
        return _jackknife(c)
    if estimator == "grassberger":
        return _grassberger(c)
    if estimator == "chao_shen":
        return _chao_shen(c)
    if estimator == "nsb":
        return _nsb(c, m)
    raise ValueError(f"unknown estimator {estimator!r}")


def _corrections(estimator: str, *tables: tuple[Codes, int]) -> float:
    """``sum sign * (H_estimator(S) - H_plugin(S))`` over the tables ``(cell codes of S, sign)``."""
    if estimator == "plugin":
        return 0.0
    total = 0.0
    for codes, sign in tables:
        counts = np.unique(codes, return_counts=True)[1]
        total += sign * (estimate_from_counts(counts, estimator) - _plugin_of_counts(counts))
    return total


def _conditional_entropy(x: Variable, given: list[Variable], estimator: str) -> float:
    n = x.n
    xg = _cell_codes(x, *given)
    first, n_xg = _cells(xg)
    tables = [(xg, 1)]
    if given:
        g = _cell_codes(*given)
        n_g = np.bincount(g)[g[first]]
        tables.append((g, -1))
    else:
        n_g = np.full(n_xg.shape, n)
    h = float(-np.sum((n_xg / n) * np.log(n_xg / n_g)))
    return max(h + _corrections(estimator, *tables), 0.0)


def entropy(
    x: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Entropy H(X) of discrete samples (see :func:`fastinfo.entropy`)."""
    labels = binner(bins)
    variable = as_variable(labels(x, "x"), "x")
    labels.check()
    warn_joint([variable], joint)
    scale = log_base(base)
    e = check_estimator(estimator)
    sizes = options.check_alphabet_size(alphabet_size, ["x"], e)
    weights = options.check_sample_weight(sample_weight, variable.n)
    if sizes is not None or weights is not None:
        return _weighted("entropy", [variable], e, sizes, weights) / scale
    return _conditional_entropy(variable, [], e) / scale


def joint_entropy(
    *variables: npt.ArrayLike,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Joint entropy H(X1, ..., Xk) (see :func:`fastinfo.joint_entropy`)."""
    if not variables:
        raise TypeError("joint_entropy() needs at least one variable")
    labels = binner(bins)
    coerced = [
        as_variable(labels(v, f"variables[{i}]"), f"variables[{i}]")
        for i, v in enumerate(variables)
    ]
    labels.check()
    check_same_length(*coerced)
    scale = log_base(base)
    estimator = check_estimator(estimator)
    names = [f"variables[{i}]" for i in range(len(coerced))]
    sizes = options.check_alphabet_size(alphabet_size, names, estimator, joint=True)
    weights = options.check_sample_weight(sample_weight, coerced[0].n)
    if sizes is not None or weights is not None:
        return _weighted("entropy", coerced, estimator, sizes, weights) / scale
    merged = Variable(
        "variables",
        [c for v in coerced for c in v.columns],
        [d for v in coerced for d in v.decoders],
        True,
    )
    return _conditional_entropy(merged, [], estimator) / scale


def conditional_entropy(
    x: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Conditional entropy H(X | given) (see :func:`fastinfo.conditional_entropy`)."""
    labels = binner(bins)
    vx, vg = as_variable(labels(x, "x"), "x"), as_variable(labels(given, "given"), "given")
    labels.check()
    warn_joint([vx, vg], joint)
    check_same_length(vx, vg)
    scale = log_base(base)
    e = check_estimator(estimator)
    sizes = options.check_alphabet_size(alphabet_size, ["x", "given"], e)
    weights = options.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        return _weighted("conditional_entropy", [vx, vg], e, sizes, weights) / scale
    return _conditional_entropy(vx, [vg], e) / scale


def _information(x: Variable, y: Variable, given: list[Variable], estimator: str) -> float:
    n = x.n
    xyz = _cell_codes(x, y, *given)
    xz, yz = _cell_codes(x, *given), _cell_codes(y, *given)
    first, n_xyz = _cells(xyz)
    n_xz = np.bincount(xz)[xz[first]]
    n_yz = np.bincount(yz)[yz[first]]
    tables = [(xz, 1), (yz, 1), (xyz, -1)]
    if given:
        z = _cell_codes(*given)
        n_z = np.bincount(z)[z[first]]
        tables.append((z, -1))
    else:
        n_z = np.full(n_xyz.shape, n)
    info = float(np.sum((n_xyz / n) * np.log((n_xyz * n_z) / (n_xz * n_yz))))
    info += _corrections(estimator, *tables)
    return max(info, 0.0)


def mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    k: int | None = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Mutual information I(X; Y) (see :func:`fastinfo.mutual_information`)."""
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    chosen = check_estimator(estimator, (*ESTIMATORS, *MUTUAL_INFORMATION_ESTIMATORS))
    if chosen in MUTUAL_INFORMATION_ESTIMATORS:
        if bins is not None:
            raise ValueError(f"bins= cannot be combined with estimator={chosen!r}: it uses no bins")
        if alphabet_size is not None or sample_weight is not None:
            raise ValueError(
                f"alphabet_size= and sample_weight= apply to the estimators of counts, not to "
                f"estimator={chosen!r}"
            )
        return _knn.mutual_information(
            x, y, estimator=chosen, k=k, base=base, jitter=jitter, seed=seed
        )
    refuse_knn_options(chosen, k=k, jitter=jitter, seed=seed)
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    labels.check()
    warn_joint([vx], joint, "y")
    warn_joint([vy], joint, "x")
    check_same_length(vx, vy)
    scale = log_base(base)
    e = chosen
    sizes = options.check_alphabet_size(alphabet_size, ["x", "y"], e)
    weights = options.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        return _weighted("mutual_information", [vx, vy], e, sizes, weights) / scale
    return _information(vx, vy, [], e) / scale


def conditional_mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    k: int | None = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Conditional mutual information I(X; Y | given)."""
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    chosen = check_estimator(estimator, (*ESTIMATORS, *CONDITIONAL_ESTIMATORS))
    if chosen in CONDITIONAL_ESTIMATORS:
        if bins is not None:
            raise ValueError(f"bins= cannot be combined with estimator={chosen!r}: it uses no bins")
        if alphabet_size is not None or sample_weight is not None:
            raise ValueError(
                f"alphabet_size= and sample_weight= apply to the estimators of counts, not to "
                f"estimator={chosen!r}"
            )
        return _knn.conditional_mutual_information(
            x, y, given, k=k, base=base, jitter=jitter, seed=seed
        )
    refuse_knn_options(chosen, k=k, jitter=jitter, seed=seed)
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    vz = as_variable(labels(given, "given"), "given")
    labels.check()
    warn_joint([vx], joint, "y")
    warn_joint([vy], joint, "x")
    warn_joint([vz], joint)
    check_same_length(vx, vy, vz)
    scale = log_base(base)
    e = chosen
    sizes = options.check_alphabet_size(alphabet_size, ["x", "y", "given"], e)
    weights = options.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        quantity = "conditional_mutual_information"
        return _weighted(quantity, [vx, vy, vz], e, sizes, weights) / scale
    return _information(vx, vy, [vz], e) / scale


def _distinct(variable: Variable) -> tuple[list[npt.NDArray[Any]], Codes]:
    """Per-column values of the distinct rows (ascending) and each sample's row index."""
    ranks = [np.unique(c, return_inverse=True)[1].reshape(-1) for c in variable.columns]
    _, first, inverse = np.unique(
        np.column_stack(ranks), axis=0, return_index=True, return_inverse=True
    )
    values = [column[first] for column in variable.columns]
    return values, np.asarray(inverse, dtype=np.int64).reshape(-1)


def counts(x: npt.ArrayLike, /) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Distinct values of ``x`` and their counts (see :func:`fastinfo.counts`)."""
    variable = as_variable(x, "x")
    values, inverse = _distinct(variable)
    return variable.decode(values), np.bincount(inverse).astype(np.int64)


def contingency(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, sparse: bool = False
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Any]:
    """Contingency table of two variables (see :func:`fastinfo.contingency`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    sparse = check_bool(sparse, "sparse")
    x_values, rows = _distinct(vx)
    y_values, columns = _distinct(vy)
    shape = (len(x_values[0]), len(y_values[0]))
    cells, counts = np.unique(rows * shape[1] + columns, return_counts=True)
    if sparse:
        import scipy.sparse

        coordinates = (cells // shape[1], cells % shape[1])
        result: Any = scipy.sparse.coo_array((counts, coordinates), shape=shape)
    else:
        check_memory(
            8 * shape[0] * shape[1],
            f"a dense {shape[0]} x {shape[1]} int64 contingency table",
            "pass sparse=True",
        )
        result = np.zeros(shape, dtype=np.int64)
        result.reshape(-1)[cells] = counts
    return vx.decode(x_values), vy.decode(y_values), result


def _weighted(
    quantity: str,
    variables: list[Variable],
    estimator: str,
    sizes: list[int] | None,
    weights: npt.NDArray[np.float64] | None,
) -> float:
    """The twin of the table options (``alphabet_size``, ``sample_weight``)."""
    from ._quantity import estimate

    return estimate(quantity, variables, estimator, sizes, weights)
