"""Pure-numpy twin of :mod:`fastinfo._knn` and :mod:`fastinfo._knn_sklearn`.

Every neighbour distance comes from the full matrix of distances between the samples (built a
block of rows at a time), sorted row by row; every count from comparing a row of that matrix
with a radius. O(n²) time: for checking the fast path on small inputs, not for use. Distances
are computed with the same floating-point operations as the fast path (``|a_j - b_j|``, its
maximum over ``j``; or ``(a_j - b_j)²`` summed in order of ``j``, then the square root), so
neighbour distances and counts are the same numbers. Digamma is scipy's (imported when called).
Argument checks and the scikit-learn preparation are shared with the fast path.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from .._inputs import Base, log_base
from .._knn import (
    MUTUAL_INFORMATION_ESTIMATORS,
    Codes,
    Floats,
    Jitter,
    as_points,
    check_jitter,
    check_k,
    check_norm,
    check_same_rows,
    clipped,
    divergence_points,
    has_constant_column,
    is_discrete,
    mutual_information_pair,
)
from .._knn_sklearn import Prepared, codes, column, prepare
from .._significance import seed_alias

#: Rows of the distance matrix computed at a time.
BLOCK = 256

#: ``(value, sample indices, radii (m, 2), counts (m, 3))``, as ``_native.knn_neighbourhoods``.
Neighbourhoods = tuple[float, npt.NDArray[np.int64], Floats, npt.NDArray[np.int64]]


def _digamma(values: Any) -> Any:
    from scipy.special import digamma

    return digamma(values)


def _blocks(n: int) -> Iterator[slice]:
    for start in range(0, n, BLOCK):
        yield slice(start, min(start + BLOCK, n))


def distances(a: Floats, b: Floats, norm: str) -> Floats:
    """The matrix of distances from every row of ``a`` to every row of ``b``."""
    if norm == "max":
        d = np.zeros((a.shape[0], b.shape[0]))
        for j in range(a.shape[1]):
            d = np.maximum(d, np.abs(a[:, None, j] - b[None, :, j]))
        return d
    squares = np.zeros((a.shape[0], b.shape[0]))
    for j in range(a.shape[1]):
        t = a[:, None, j] - b[None, :, j]
        squares = squares + t * t
    return np.asarray(np.sqrt(squares))


def kth_distances(points: Floats, k: int, norm: str, among: Floats | None = None) -> Floats:
    """Distance from every row of ``points`` to its ``k``-th nearest row of ``among``.

    ``among`` defaults to the other rows of ``points``.
    """
    result = np.empty(points.shape[0])
    for rows in _blocks(points.shape[0]):
        if among is None:
            d = distances(points[rows], points, norm)
            d[np.arange(d.shape[0]), np.arange(rows.start, rows.stop)] = np.inf
        else:
            d = distances(points[rows], among, norm)
        result[rows] = np.sort(d, axis=1)[:, k - 1]
    return result


def strictly_within(eps: Floats) -> Floats:
    """The radius counting points strictly closer than ``eps`` (0 for ``eps = 0``)."""
    return np.where(eps > 0, np.nextafter(eps, 0.0), 0.0)


def counts_within(points: Floats, radius: Floats) -> npt.NDArray[np.int64]:
    """For every row, the rows (itself included) within max-norm ``radius[i]``: ``<=``."""
    result = np.empty(points.shape[0], dtype=np.int64)
    for rows in _blocks(points.shape[0]):
        d = distances(points[rows], points, "max")
        result[rows] = np.sum(d <= radius[rows, None], axis=1)
    return result


def _ordinal(k: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``12th``, ``13th``, ``21st``, ..."""
    if 11 <= k % 100 <= 13:
        return f"{k}th"
    return f"{k}" + {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")


def _duplicate(argument: str, sample: int, k: int, space: str) -> ValueError:
    return ValueError(
        f"{argument}: sample {sample} has {k} or more exact duplicates in {space} (its "
        f"{_ordinal(k)} nearest neighbour is at distance 0), where nearest-neighbour estimates "
        "need distinct points; drop the duplicates, or break the ties with a little noise "
        "(jitter=)"
    )


def _check_finite(*parts: tuple[Floats, str]) -> None:
    """Raise for the first non-finite value.

    That is the smallest row, then the first part and column: the order in which the fast path
    reads the samples.
    """
    first: tuple[int, int, int] | None = None
    for p, (points, _) in enumerate(parts):
        finite = np.isfinite(points)
        if not finite.all():
            row, col = divmod(int(np.argmin(finite.reshape(-1))), points.shape[1])
            if first is None or row < first[0]:
                first = (row, p, col)
    if first is None:
        return
    row, p, col = first
    points, name = parts[p]
    value = points[row, col]
    argument = name if points.shape[1] == 1 else f"{name}[:, {col}]"
    if np.isnan(value):
        raise ValueError(
            f"{argument} contains NaN at index {row}; drop or fill missing values first"
        )
    raise ValueError(
        f"{argument} contains {float(value)!r} at index {row}; infinite values are not allowed "
        "here (drop them, or clip to a finite range)"
    )


def _result(value: float, indices: Any, radii: list[Floats], counts: list[Any]) -> Neighbourhoods:
    m = len(indices)
    r = np.zeros((m, 2))
    c = np.zeros((m, 3), dtype=np.int64)
    for j, column_values in enumerate(radii):
        r[:, j] = column_values
    for j, column_values in enumerate(counts):
        c[:, j] = column_values
    return float(value), np.asarray(indices, dtype=np.int64), r, c


# ---------------------------------------------------------------------------------------------
# The estimators, with the neighbourhood of every sample


def entropy_neighbourhoods(x: Floats, k: int, norm: str) -> Neighbourhoods:
    """Kozachenko-Leonenko: ``psi(n) - psi(k) + log V_d + (d / n) sum log eps_i``."""
    _check_finite((x, "x"))
    n, d = x.shape
    eps = kth_distances(x, k, norm)
    if norm == "max":
        log_volume = d * math.log(2.0)
    else:
        log_volume = 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)
    with np.errstate(divide="ignore"):
        mean_log = float(np.mean(np.log(eps)))
    value = _digamma(n) - _digamma(k) + log_volume + d * mean_log
    return _result(value, np.arange(n), [eps], [])


def ksg_neighbourhoods(
    x: Floats, y: Floats, k: int, estimator: str, *, allow_duplicates: bool = False
) -> Neighbourhoods:
    """KSG algorithm 1 (``"ksg"``) or 2 (``"ksg2"``), max norm."""
    _check_finite((x, "x"), (y, "y"))
    joint = np.column_stack([x, y])
    n = x.shape[0]
    if estimator == "ksg":
        eps = kth_distances(joint, k, "max")
        if not allow_duplicates and np.any(eps == 0):
            i = int(np.argmax(eps == 0))
            raise _duplicate("x", i, k, "the joint space of x and y")
        r = strictly_within(eps)
        nx = counts_within(x, r) - 1
        ny = counts_within(y, r) - 1
        terms = _digamma(nx + 1) + _digamma(ny + 1)
        value = _digamma(k) + _digamma(n) - np.mean(terms)
        return _result(value, np.arange(n), [eps], [nx, ny])
    ex, ey = np.empty(n), np.empty(n)
    for rows in _blocks(n):
        d = distances(joint[rows], joint, "max")
        d[np.arange(d.shape[0]), np.arange(rows.start, rows.stop)] = np.inf
        # The k nearest, ties by index (a stable sort of each row).
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        kth = np.take_along_axis(d, nearest[:, -1:], axis=1)[:, 0]
        if not allow_duplicates and np.any(kth == 0):
            i = rows.start + int(np.argmax(kth == 0))
            raise _duplicate("x", i, k, "the joint space of x and y")
        for t, i in enumerate(range(rows.start, rows.stop)):
            ex[i] = np.max(distances(x[i : i + 1], x[nearest[t]], "max"))
            ey[i] = np.max(distances(y[i : i + 1], y[nearest[t]], "max"))
    nx = counts_within(x, ex) - 1
    ny = counts_within(y, ey) - 1
    value = _digamma(k) - 1.0 / k + _digamma(n) - np.mean(_digamma(nx) + _digamma(ny))
    return _result(value, np.arange(n), [ex, ey], [nx, ny])


def frenzel_pompe_neighbourhoods(x: Floats, y: Floats, z: Floats, k: int) -> Neighbourhoods:
    """Frenzel-Pompe: ``psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>``."""
    _check_finite((x, "x"), (y, "y"), (z, "given"))
    n = x.shape[0]
    eps = kth_distances(np.column_stack([x, y, z]), k, "max")
    if np.any(eps == 0):
        i = int(np.argmax(eps == 0))
        raise _duplicate("x", i, k, "the joint space of x, y and given")
    r = strictly_within(eps)
    nxz = counts_within(np.column_stack([x, z]), r) - 1
    nyz = counts_within(np.column_stack([y, z]), r) - 1
    nz = counts_within(z, r) - 1
    value = _digamma(k) - np.mean(_digamma(nxz + 1) + _digamma(nyz + 1) - _digamma(nz + 1))
    return _result(value, np.arange(n), [eps], [nxz, nyz, nz])


def ross_neighbourhoods(
    labels: Codes,
    y: Floats,
    k: int,
    *,
    labels_name: str = "x",
    continuous_name: str = "y",
    allow_duplicates: bool = False,
    brute_force_radii: bool = False,
) -> Neighbourhoods:
    """Ross: ``psi(n') + <psi(k_i)> - <psi(n_c)> - <psi(m_i)>``.

    Over the samples not alone in their class; with ``brute_force_radii``, scikit-learn's radius
    for small classes.
    """
    _check_finite((y, continuous_name))
    sizes = np.bincount(labels)
    kept = np.flatnonzero(sizes[labels] > 1)
    if kept.size == 0:
        raise ValueError(
            f"{labels_name}: every class has a single sample: no sample has a neighbour of its "
            "class"
        )
    radius = np.zeros(labels.shape[0])
    neighbours = np.zeros(labels.shape[0], dtype=np.int64)
    for c in np.flatnonzero(sizes > 1):
        members = np.flatnonzero(labels == c)
        kc = min(k, members.size - 1)
        points = y[members]
        if brute_force_radii and y.shape[1] == 1 and kc >= members.size // 2:
            # scikit-learn's brute-force Euclidean distances: sqrt((a² + -2ab) + b²).
            v = points[:, 0]
            squares = (v[:, None] * v[:, None] + (-2.0 * (v[:, None] * v[None, :]))) + (
                v[None, :] * v[None, :]
            )
            radius[members] = np.sqrt(np.sort(np.maximum(squares, 0.0), axis=1)[:, kc])
        else:
            radius[members] = kth_distances(points, kc, "max")
        neighbours[members] = kc
    if not allow_duplicates and np.any(radius[kept] == 0):
        i = int(kept[np.argmax(radius[kept] == 0)])
        raise _duplicate(
            continuous_name,
            i,
            int(neighbours[i]),
            f"{continuous_name} within its class of {labels_name}",
        )
    within = counts_within(y[kept], strictly_within(radius[kept]))
    terms = _digamma(neighbours[kept]) - _digamma(sizes[labels[kept]]) - _digamma(within)
    value = _digamma(kept.size) + np.mean(terms)
    return _result(value, kept, [radius[kept]], [neighbours[kept], sizes[labels[kept]], within])


def divergence_neighbourhoods(x: Floats, y: Floats, k: int, norm: str) -> Neighbourhoods:
    """Wang-Kulkarni-Verdú: ``(d / n) sum log(nu_i / rho_i) + log(m / (n - 1))``."""
    _check_finite((x, "x"))
    _check_finite((y, "y"))
    (n, d), m = x.shape, y.shape[0]
    rho = kth_distances(x, k, norm)
    if np.any(rho == 0):
        raise _duplicate("x", int(np.argmax(rho == 0)), k, "x")
    nu = kth_distances(x, k, norm, among=y)
    if np.any(nu == 0):
        i = int(np.argmax(nu == 0))
        raise ValueError(
            f"y: holds {k} or more exact copies of sample {i} of x (its {_ordinal(k)} nearest "
            "neighbour in y is at distance 0); drop them, or break the ties with a little "
            "noise (jitter=)"
        )
    value = d * float(np.mean(np.log(nu) - np.log(rho))) + math.log(m / (n - 1))
    return _result(value, np.arange(n), [rho, nu], [])


def neighbourhoods(
    estimator: str,
    variables: list[Floats],
    labels: Codes | None,
    k: int,
    norm: str,
) -> Neighbourhoods:
    """The twin of ``_native.knn_neighbourhoods`` (same arguments and result)."""
    if estimator == "kl":
        return entropy_neighbourhoods(variables[0], k, norm)
    if estimator in ("ksg", "ksg2"):
        return ksg_neighbourhoods(variables[0], variables[1], k, estimator)
    if estimator == "mixed":
        assert labels is not None
        return ross_neighbourhoods(labels, variables[0], k)
    if estimator == "frenzel_pompe":
        return frenzel_pompe_neighbourhoods(variables[0], variables[1], variables[2], k)
    if estimator == "divergence":
        return divergence_neighbourhoods(variables[0], variables[1], k, norm)
    raise ValueError(f"unknown estimator {estimator!r}")


# ---------------------------------------------------------------------------------------------
# The public twins (the wrappers in reference/_samples.py and reference/_binning.py call the
# first three)


def differential_entropy(
    x: Any, *, k: object, norm: object, base: Base, jitter: object, seed: object
) -> float:
    """Kozachenko-Leonenko estimate of h(X) (see :func:`fastinfo.differential_entropy`)."""
    scale = log_base(base)
    chosen = check_norm(norm)
    noise = check_jitter(jitter, seed)
    points = as_points(x, "x")
    count = check_k(k, points.shape[0])
    _check_finite((points, "x"))
    if has_constant_column(points):
        return -math.inf
    points = noise.apply(points, noise.rng())
    return entropy_neighbourhoods(points, count, chosen)[0] / scale


def mutual_information(
    x: Any, y: Any, *, estimator: str, k: object, base: Base, jitter: object, seed: object
) -> float:
    """KSG / Ross estimate of I(X; Y) (see :func:`fastinfo.mutual_information`)."""
    assert estimator in MUTUAL_INFORMATION_ESTIMATORS
    scale = log_base(base)
    noise = check_jitter(jitter, seed)
    pair = mutual_information_pair(x, y, estimator, noise, noise.rng())
    count = check_k(k, pair.continuous[0].shape[0])
    if pair.labels is not None:
        assert pair.labels_name is not None
        other = "y" if pair.labels_name == "x" else "x"
        value = ross_neighbourhoods(
            pair.labels,
            pair.continuous[0],
            count,
            labels_name=pair.labels_name,
            continuous_name=other,
        )[0]
    else:
        value = ksg_neighbourhoods(pair.continuous[0], pair.continuous[1], count, estimator)[0]
    return clipped(value) / scale


def conditional_mutual_information(
    x: Any, y: Any, given: Any, *, k: object, base: Base, jitter: object, seed: object
) -> float:
    """Frenzel-Pompe estimate of I(X; Y | given)."""
    scale = log_base(base)
    noise = check_jitter(jitter, seed)
    names = ("x", "y", "given")
    for value, name in zip((x, y, given), names):
        if is_discrete(value):
            raise TypeError(
                f"{name} holds discrete labels, but estimator='ksg' (Frenzel-Pompe) needs three "
                "continuous (floating-point) variables; discretise the continuous ones (bins=) "
                "and use a counting estimator instead"
            )
    points = [as_points(v, name) for v, name in zip((x, y, given), names)]
    check_same_rows(points[0], "x", points[1], "y")
    check_same_rows(points[0], "x", points[2], "given")
    rng = noise.rng()
    px, py, pz = (noise.apply(p, rng) for p in points)
    count = check_k(k, px.shape[0])
    return clipped(frenzel_pompe_neighbourhoods(px, py, pz, count)[0]) / scale


def kl_divergence_samples(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    k: int = 1,
    norm: str = "euclidean",
    base: Base = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
) -> float:
    """KL divergence between the distributions of two samples (see the fast function)."""
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    scale = log_base(base)
    chosen = check_norm(norm)
    noise: Jitter = check_jitter(jitter, seed)
    px, py, count = divergence_points(x, y, k, noise)
    return clipped(divergence_neighbourhoods(px, py, count, chosen)[0]) / scale


def _scores(data: Prepared, discrete_target: bool) -> Floats:
    from . import mutual_information as plugin

    X, y, sparse, k = data.X, data.y, data.sparse, data.n_neighbors
    scores = np.zeros(X.shape[1])
    target_codes = codes(y) if discrete_target else None
    target = None if discrete_target else np.asarray(y, dtype=np.float64).reshape(-1, 1)
    for j in range(X.shape[1]):
        feature = column(X, j, sparse)
        if data.discrete[j] and target_codes is not None:
            value = plugin(codes(feature), target_codes)
        elif data.discrete[j]:
            assert target is not None
            value = ross_neighbourhoods(
                codes(feature), target, k, allow_duplicates=True, brute_force_radii=True
            )[0]
        elif target_codes is not None:
            points = np.asarray(feature, dtype=np.float64).reshape(-1, 1)
            value = ross_neighbourhoods(
                target_codes, points, k, allow_duplicates=True, brute_force_radii=True
            )[0]
        else:
            assert target is not None
            points = np.asarray(feature, dtype=np.float64).reshape(-1, 1)
            value = ksg_neighbourhoods(points, target, k, "ksg", allow_duplicates=True)[0]
        scores[j] = max(value, 0.0)
    return scores


def mutual_info_regression(
    X: Any,
    y: npt.ArrayLike,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> Floats:
    """Twin of :func:`fastinfo.mutual_info_regression`, by brute force."""
    data = prepare(
        X,
        y,
        discrete_features=discrete_features,
        discrete_target=False,
        n_neighbors=n_neighbors,
        copy=copy,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    return _scores(data, discrete_target=False)


def mutual_info_classif(
    X: Any,
    y: npt.ArrayLike,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> Floats:
    """Twin of :func:`fastinfo.mutual_info_classif`, by brute force."""
    data = prepare(
        X,
        y,
        discrete_features=discrete_features,
        discrete_target=True,
        n_neighbors=n_neighbors,
        copy=copy,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    return _scores(data, discrete_target=True)
