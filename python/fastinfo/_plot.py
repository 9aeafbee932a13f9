"""The functions of :mod:`fastinfo.plot` (matplotlib imported inside them, never at import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def _labels(labels: Sequence[Any] | None, count: int, name: str) -> list[str]:
    if labels is None:
        return [str(i) for i in range(count)]
    out = [str(label) for label in labels]
    if len(out) != count:
        raise ValueError(f"labels has {len(out)} entries but {name} has {count}")
    return out


def _square(M: npt.ArrayLike) -> npt.NDArray[np.float64]:
    matrix = np.asarray(M, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"M must be a square 2-D matrix, got shape {matrix.shape}")
    if matrix.shape[0] == 0:
        raise ValueError("M is empty: at least one row and column are needed")
    if not np.isfinite(matrix).all():
        raise ValueError("M contains NaN or infinite values")
    return matrix


def cluster_order(M: npt.ArrayLike, /) -> npt.NDArray[np.int64]:
    """An order of the rows of a similarity matrix that puts similar rows next to each other.

    Average-linkage agglomerative clustering on the distance ``max(M) - M`` (larger values of
    ``M``, such as mutual information, mean closer); the order is that of the leaves of the
    dendrogram. Pure numpy (no scipy), ``O(d^3)`` for ``d`` rows, meant for tens to a few
    hundred columns. Ties are broken by the smaller index, so the order is deterministic.

    Parameters
    ----------
    M : array_like, shape (d, d)
        A symmetric similarity matrix (e.g. from :func:`fastinfo.mutual_information_matrix`).

    Returns
    -------
    ndarray of int64, shape (d,)
        A permutation of ``range(d)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastinfo.plot import cluster_order
    >>> M = np.array([[1.0, 0.0, 0.9], [0.0, 1.0, 0.1], [0.9, 0.1, 1.0]])
    >>> cluster_order(M).tolist()
    [0, 2, 1]
    """
    matrix = _square(M)
    d = matrix.shape[0]
    similarity = (matrix + matrix.T) / 2
    distance = similarity.max() - similarity
    clusters: list[list[int]] = [[i] for i in range(d)]
    sizes = np.ones(d)
    active = list(range(d))
    dist = distance.copy()
    np.fill_diagonal(dist, np.inf)
    while len(active) > 1:
        sub = dist[np.ix_(active, active)]
        flat = int(np.argmin(sub))
        a, b = active[flat // len(active)], active[flat % len(active)]
        a, b = min(a, b), max(a, b)
        # Average linkage (UPGMA): the merged cluster's distance is the size-weighted mean.
        merged = (dist[a] * sizes[a] + dist[b] * sizes[b]) / (sizes[a] + sizes[b])
        dist[a, :] = merged
        dist[:, a] = merged
        dist[a, a] = np.inf
        dist[b, :] = np.inf
        dist[:, b] = np.inf
        sizes[a] += sizes[b]
        clusters[a] = clusters[a] + clusters[b]
        active.remove(b)
    return np.array(clusters[active[0]], dtype=np.int64)


def heatmap(
    M: npt.ArrayLike,
    /,
    *,
    labels: Sequence[Any] | None = None,
    ax: Any = None,
    cluster: bool = True,
    unit: str = "nats",
    title: str | None = None,
    cmap: str = "viridis",
) -> Any:
    """A heatmap of a square information matrix, rows ordered by hierarchical clustering.

    Parameters
    ----------
    M : array_like, shape (d, d)
        E.g. :func:`fastinfo.mutual_information_matrix` (entropies on the diagonal) or its
        normalised form.
    labels : sequence, optional
        Names of the ``d`` rows/columns (default ``0 .. d-1``), shown on both axes.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure sized to ``d``.
    cluster : bool, default True
        Reorder rows and columns by :func:`cluster_order` so that redundant columns form blocks.
    unit : str, default "nats"
        Label of the colour bar (e.g. ``"bits"``, or ``"NMI (arithmetic)"``).
    title : str, optional
        The Axes title.
    cmap : str, default "viridis"
        A matplotlib colormap name.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on; the colour bar is attached to its figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import fastinfo, fastinfo.plot
    >>> X = np.array([[0, 0, 1], [0, 0, 0], [1, 1, 1], [1, 1, 0]])
    >>> M = fastinfo.mutual_information_matrix(X, base=2)
    >>> ax = fastinfo.plot.heatmap(M, labels=["a", "b", "c"], unit="bits")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b', 'c']
    """
    matrix = _square(M)
    d = matrix.shape[0]
    names = _labels(labels, d, "M")
    import matplotlib.pyplot as plt

    order = cluster_order(matrix) if cluster else np.arange(d)
    shown = matrix[np.ix_(order, order)]
    names = [names[i] for i in order]
    if ax is None:
        side = min(4.0 + 0.35 * d, 30.0)
        _, ax = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    image = ax.imshow(shown, cmap=cmap, interpolation="nearest")
    ax.set_xticks(range(d), names, rotation=90)
    ax.set_yticks(range(d), names)
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(unit)
    if title is not None:
        ax.set_title(title)
    return ax


def ranking(
    scores: npt.ArrayLike,
    /,
    *,
    labels: Sequence[Any] | None = None,
    ax: Any = None,
    top: int | None = None,
    unit: str = "nats",
    title: str | None = None,
) -> Any:
    """A horizontal bar chart of scores, largest at the top (e.g. each feature's MI with a target).

    Parameters
    ----------
    scores : array_like, shape (d,)
        E.g. :func:`fastinfo.mutual_information_with`.
    labels : sequence, optional
        Names of the ``d`` scores (default ``0 .. d-1``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure sized to the number of bars.
    top : int, optional
        Show only the ``top`` largest scores.
    unit : str, default "nats"
        Label of the value axis.
    title : str, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import fastinfo.plot
    >>> ax = fastinfo.plot.ranking([0.1, 0.7, 0.3], labels=["a", "b", "c"], unit="bits")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['b', 'c', 'a']
    """
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"scores must be 1-D, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("scores contains NaN or infinite values")
    names = _labels(labels, values.shape[0], "scores")
    if top is not None and (isinstance(top, bool) or int(top) < 1):
        raise ValueError(f"top must be a positive integer, got {top!r}")
    import matplotlib.pyplot as plt

    order = np.argsort(-values, kind="stable")
    if top is not None:
        order = order[: int(top)]
    shown = values[order]
    if ax is None:
        height = min(1.5 + 0.3 * len(order), 30.0)
        _, ax = plt.subplots(figsize=(7.0, height), layout="constrained")
    positions = np.arange(len(order))
    ax.barh(positions, shown, color="tab:blue")
    ax.set_yticks(positions, [names[i] for i in order])
    ax.invert_yaxis()  # largest first, at the top
    ax.set_xlabel(unit)
    if title is not None:
        ax.set_title(title)
    return ax
