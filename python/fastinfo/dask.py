"""fastinfo on Dask: the same functions over Dask arrays, Series and DataFrames.

Install with ``pip install 'fastinfo[dask]'`` (dask and distributed). ``import fastinfo`` does not
import this module nor dask; ``import fastinfo.dask`` does.

Every function counts each partition into mergeable counts (:class:`fastinfo.JointCounts`,
:class:`fastinfo.PairwiseCounts`, :class:`fastinfo.TargetCounts`), adds them up in a tree
(``split_every`` counts per node), and returns a lazy ``dask.delayed`` object: ``.compute()``
gives exactly (bit for bit) what the in-memory function returns for the concatenated data,
whatever the partitioning and the scheduler. What travels between workers is the pickled counts:
a few bytes per occupied cell, never the samples.

Arguments are 1-D Dask arrays or Dask Series (one variable each), 2-D Dask arrays (their columns
form one joint variable, as a 2-D ``x`` does for :func:`fastinfo.entropy`), or numpy arrays.
Variables must be partitioned alike: arrays whose chunks differ are rechunked to the chunks of
the first; Series must have equal partitions (a batch whose lengths differ raises ``ValueError``
when it is computed).

Examples
--------
>>> import dask.array as da
>>> import numpy as np
>>> import fastinfo
>>> import fastinfo.dask
>>> x = np.arange(1000) % 7
>>> y = (x * 3 + np.arange(1000) % 2) % 5
>>> dx, dy = da.from_array(x, chunks=130), da.from_array(y, chunks=200)
>>> lazy = fastinfo.dask.mutual_information(dx, dy)
>>> lazy.compute(scheduler="sync") == fastinfo.mutual_information(x, y)
True
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _streaming, _table_counts
from ._inputs import Base, check_estimator, log_base
from ._pmf import nearest as _nearest
from ._pmf import pairwise as _pairwise

# Dask has no type information: both modules are typed Any here.
dask: Any = importlib.import_module("dask")
da: Any = importlib.import_module("dask.array")

__all__ = [
    "conditional_entropy",
    "conditional_mutual_information",
    "entropy",
    "joint_counts",
    "joint_entropy",
    "mutual_information",
    "mutual_information_matrix",
    "mutual_information_with",
    "pmf",
]

#: Counts merged per node of the reduction tree by default.
SPLIT_EVERY = 8


def _is_dask(x: Any) -> bool:
    return hasattr(x, "__dask_graph__")


def _is_frame_like(x: Any) -> bool:
    return _is_dask(x) and hasattr(x, "npartitions") and not isinstance(x, da.Array)


def _columns(x: Any, name: str) -> list[Any]:
    """One argument as a list of 1-D collections (a 2-D array or a DataFrame: its columns)."""
    if _is_frame_like(x):
        if getattr(x, "ndim", 1) == 2:  # a DataFrame: its columns
            return [x[c] for c in x.columns]
        return [x]
    if not _is_dask(x):
        x = da.from_array(np.asarray(x), chunks=-1)
    if x.ndim == 1:
        return [x]
    if x.ndim == 2:
        return [x[:, j] for j in range(x.shape[1])]
    raise ValueError(f"{name} must be 1-D or 2-D, got shape {x.shape}")


def _blocks(columns: list[Any]) -> list[list[Any]]:
    """The delayed partitions of each column, aligned: ``[partition][column]``."""
    arrays = [c for c in columns if isinstance(c, da.Array)]
    frames = [c for c in columns if not isinstance(c, da.Array)]
    if arrays and frames:
        # Arrays follow the Series' partitions: their lengths are needed.
        lengths = tuple(frames[0].map_partitions(len).compute())
        columns = [c.rechunk((lengths,)) if isinstance(c, da.Array) else c for c in columns]
    elif arrays:
        chunks = arrays[0].chunks
        if any(len(c) != len(arrays[0]) for c in arrays):
            sizes = sorted({int(c.shape[0]) for c in arrays})
            raise ValueError(
                f"the variables have different numbers of samples ({sizes}): all must have "
                "one label per sample"
            )
        columns = [c if c.chunks == chunks else c.rechunk(chunks) for c in columns]
    parts = [list(np.asarray(c.to_delayed(), dtype=object).ravel()) for c in columns]
    counts = {len(p) for p in parts}
    if len(counts) != 1:
        raise ValueError(
            f"the variables have different numbers of partitions ({sorted(counts)}); "
            "repartition them alike (e.g. select them from one DataFrame)"
        )
    return [list(blocks) for blocks in zip(*parts)]


def _count_joint(k: int, *blocks: Any) -> _streaming.JointCounts:
    jc = _streaming.JointCounts(k)
    jc.update(*blocks)
    return jc


def _merge(*parts: Any) -> Any:
    total = parts[0].copy()
    for p in parts[1:]:
        total.merge(p)
    return total


def _tree(parts: list[Any], split_every: int | None) -> Any:
    """A delayed tree reduction of delayed counts, ``split_every`` per node."""
    every = SPLIT_EVERY if split_every is None else split_every
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 2:
        raise ValueError(f"split_every must be an integer of at least 2, got {split_every!r}")
    merge = dask.delayed(_merge, pure=True)
    level = list(parts)
    while len(level) > 1:
        level = [merge(*level[i : i + every]) for i in range(0, len(level), every)]
    return level[0]


def _joint(
    arguments: Sequence[Any], names: Sequence[str], split_every: int | None
) -> tuple[Any, list[list[int]]]:
    """Delayed JointCounts of every column of ``arguments``, and each argument's indices."""
    groups: list[list[int]] = []
    columns: list[Any] = []
    for x, name in zip(arguments, names):
        cols = _columns(x, name)
        groups.append(list(range(len(columns), len(columns) + len(cols))))
        columns.extend(cols)
    count = dask.delayed(_count_joint, pure=True)
    parts = [count(len(columns), *blocks) for blocks in _blocks(columns)]
    return _tree(parts, split_every), groups


def joint_counts(*variables: Any, split_every: int | None = None) -> Any:
    """Lazy :class:`fastinfo.JointCounts` of the variables (one per column of each argument).

    Examples
    --------
    >>> import dask.array as da
    >>> import fastinfo.dask
    >>> jc = fastinfo.dask.joint_counts(da.arange(10, chunks=3) % 2).compute(scheduler="sync")
    >>> jc.n
    10
    """
    names = [f"variables[{i}]" for i in range(len(variables))]
    if not variables:
        raise TypeError("joint_counts() needs at least one variable")
    counts, _ = _joint(variables, names, split_every)
    return counts


def _method(counts: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    return dask.delayed(getattr, pure=True)(counts, name)(*args, **kwargs)


def _lazy(
    name: str,
    variables: list[Any],
    names: list[str],
    base: Base,
    estimator: str,
    split_every: int | None,
) -> Any:
    """The lazy ``JointCounts.<name>`` of ``variables`` (one group of columns per argument)."""
    log_base(base)
    check_estimator(estimator)
    counts, groups = _joint(variables, names, split_every)
    return _method(counts, name, *groups, base=base, estimator=estimator)


def entropy(
    x: Any, /, *, base: Base = None, estimator: str = "plugin", split_every: int | None = None
) -> Any:
    """Lazy :func:`fastinfo.entropy`."""
    return _lazy("entropy", [x], ["x"], base, estimator, split_every)


def joint_entropy(
    *variables: Any, base: Base = None, estimator: str = "plugin", split_every: int | None = None
) -> Any:
    """Lazy :func:`fastinfo.joint_entropy`."""
    log_base(base)
    check_estimator(estimator)
    names = [f"variables[{i}]" for i in range(len(variables))]
    counts, groups = _joint(variables, names, split_every)
    return _method(
        counts, "entropy", [v for g in groups for v in g], base=base, estimator=estimator
    )


def conditional_entropy(
    x: Any,
    given: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    split_every: int | None = None,
) -> Any:
    """Lazy :func:`fastinfo.conditional_entropy`."""
    return _lazy("conditional_entropy", [x, given], ["x", "given"], base, estimator, split_every)


def mutual_information(
    x: Any,
    y: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    split_every: int | None = None,
) -> Any:
    """Lazy :func:`fastinfo.mutual_information`."""
    return _lazy("mutual_information", [x, y], ["x", "y"], base, estimator, split_every)


def conditional_mutual_information(
    x: Any,
    y: Any,
    given: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    split_every: int | None = None,
) -> Any:
    """Lazy :func:`fastinfo.conditional_mutual_information`."""
    names = ["x", "y", "given"]
    return _lazy(
        "conditional_mutual_information", [x, y, given], names, base, estimator, split_every
    )


def _table_blocks(X: Any) -> tuple[list[Any], int]:
    """Delayed row blocks of a table (2-D Dask array, or Dask DataFrame) and its column count."""
    if _is_frame_like(X):
        return list(X.to_delayed()), len(X.columns)
    if not _is_dask(X):
        X = da.from_array(np.asarray(X), chunks=(-1, -1))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    X = X.rechunk({1: -1})
    return list(np.asarray(X.to_delayed(), dtype=object)[:, 0]), int(X.shape[1])


def _count_pairs(d: int, block: Any) -> _table_counts.PairwiseCounts:
    pc = _table_counts.PairwiseCounts(d)
    pc.update(block)
    return pc


def _count_target(d: int, block: Any, y: Any) -> _table_counts.TargetCounts:
    tc = _table_counts.TargetCounts(d)
    tc.update(block, y)
    return tc


def mutual_information_matrix(
    X: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    normalized: str | None = None,
    split_every: int | None = None,
) -> Any:
    """Lazy :func:`fastinfo.mutual_information_matrix` of a 2-D Dask array or a DataFrame."""
    log_base(base)
    check_estimator(estimator)
    blocks, d = _table_blocks(X)
    count = dask.delayed(_count_pairs, pure=True)
    counts = _tree([count(d, b) for b in blocks], split_every)
    return _method(
        counts, "mutual_information_matrix", base=base, estimator=estimator, normalized=normalized
    )


def mutual_information_with(
    X: Any,
    y: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    split_every: int | None = None,
) -> Any:
    """Lazy :func:`fastinfo.mutual_information_with` of a table and a target."""
    log_base(base)
    check_estimator(estimator)
    if _is_frame_like(X):
        blocks, d = list(X.to_delayed()), len(X.columns)
        ys = _blocks([*_columns(X.iloc[:, 0], "X"), *_columns(y, "y")])
        targets = [b[1] for b in ys]
    else:
        if not _is_dask(X):
            X = da.from_array(np.asarray(X), chunks=(-1, -1))
        X = X.rechunk({1: -1})
        yy = _columns(y, "y")
        if len(yy) != 1:
            raise ValueError("y must be 1-D (n_samples,)")
        target = yy[0]
        if isinstance(target, da.Array):
            if target.shape[0] != X.shape[0]:
                raise ValueError(
                    f"y has {target.shape[0]} samples but X has {X.shape[0]}: X and y must have "
                    "the same number of samples"
                )
            target = target.rechunk((X.chunks[0],))
        blocks, d = list(np.asarray(X.to_delayed(), dtype=object)[:, 0]), int(X.shape[1])
        targets = list(np.asarray(target.to_delayed(), dtype=object).ravel())
    if len(blocks) != len(targets):
        raise ValueError("X and y are partitioned differently; repartition them alike")
    count = dask.delayed(_count_target, pure=True)
    counts = _tree([count(d, b, t) for b, t in zip(blocks, targets)], split_every)
    return _method(counts, "mutual_information_with", base=base, estimator=estimator)


def _pmf_pairwise(
    P: Any,
    Q: Any,
    /,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> Any:
    """Lazy :func:`fastinfo.pmf.pairwise` of a Dask array of rows ``P`` against rows ``Q``.

    ``P`` is processed block by block of rows; ``Q`` (in memory) is sent once to every worker.
    The result is a Dask array of shape ``(len(P), len(Q))``.
    """
    q = np.asarray(Q)
    P = P.rechunk({1: -1}) if _is_dask(P) else da.from_array(np.asarray(P), chunks=(-1, -1))
    q_delayed = dask.delayed(q, pure=True)
    return P.map_blocks(
        lambda block, qq: _pairwise(block, qq, metric=metric, base=base, normalize=normalize),
        q_delayed,
        chunks=(P.chunks[0], (q.shape[0],)),
        dtype=np.float64,
    )


def _pmf_nearest(
    P: Any,
    Q: Any,
    /,
    k: int,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> Any:
    """Lazy :func:`fastinfo.pmf.nearest`: the ``k`` nearest rows of ``Q`` for each row of ``P``.

    Returns a delayed ``(indices, values)`` pair, computed block by block of ``P`` (never the
    ``len(P) x len(Q)`` matrix).
    """
    q = np.asarray(Q)
    P = P.rechunk({1: -1}) if _is_dask(P) else da.from_array(np.asarray(P), chunks=(-1, -1))
    q_delayed = dask.delayed(q, pure=True)

    def block_nearest(block: Any, qq: Any) -> Any:
        return _nearest(block, qq, k, metric=metric, base=base, normalize=normalize)

    near = dask.delayed(block_nearest, pure=True)
    parts = [near(b, q_delayed) for b in np.asarray(P.to_delayed(), dtype=object)[:, 0]]

    def stack(*results: Any) -> tuple[Any, Any]:
        return (
            np.concatenate([r[0] for r in results]),
            np.concatenate([r[1] for r in results]),
        )

    return dask.delayed(stack, pure=True)(*parts)


#: ``fastinfo.dask.pmf.pairwise`` and ``fastinfo.dask.pmf.nearest``.
pmf = types.SimpleNamespace(pairwise=_pmf_pairwise, nearest=_pmf_nearest)
