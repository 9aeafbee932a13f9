"""Pure-numpy twin of :mod:`fastinfo._losses`: PyTorch's definitions, written out.

Slow and obvious: a full float64 log-softmax matrix, PyTorch's formulas term by term. The tests
check the fast functions against these.

``cross_entropy_loss`` follows ``torch.nn.CrossEntropyLoss`` [1]_ with class-index targets and the
classes on the last axis. With ``x`` the logits of ``N`` rows and ``C`` classes::

    log_softmax(x)[n, c] = x[n, c] - log(sum_j exp(x[n, j]))        (computed max-shifted)
    l_n     = -log_softmax(x)[n, y_n]          if y_n != ignore_index, else 0
    s_n     = -sum_c log_softmax(x)[n, c]      if y_n != ignore_index, else 0
    loss_n  = (1 - eps) * l_n + (eps / C) * s_n                     (label smoothing eps)
    "mean"  = (1 - eps) * sum_n l_n / N' + (eps / C) * sum_n s_n / N'
    "sum"   = sum_n loss_n,   "none" = loss_n

where ``N'`` counts the rows not ignored (PyTorch: ``cross_entropy_loss_label_smoothing`` in
``aten/src/ATen/native/LossNLL.cpp`` reduces the two terms separately, exactly so). One
deliberate difference: a term whose weight is exactly 0 counts 0 even when its factor is
infinite (PyTorch gives ``0 * inf = nan`` for ``eps = 1`` and a ``-inf`` logit).

``binary_cross_entropy_with_logits`` follows ``torch.nn.BCEWithLogitsLoss`` and
``binary_cross_entropy`` ``torch.nn.BCELoss`` [2]_::

    l_n = -[y_n log sigmoid(x_n) + (1 - y_n) log(1 - sigmoid(x_n))]      (from logits)
        = y_n softplus(-x_n) + (1 - y_n) softplus(x_n),   softplus(t) = max(t, 0) + log1p(exp(-|t|))
    l_n = -[y_n log p_n + (1 - y_n) log(1 - p_n)]                        (from probabilities)

with ``0 log 0 = 0`` and no clamping of the log at -100 (PyTorch's ``BCELoss`` clamps).

References
----------
.. [1] https://docs.pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
.. [2] https://docs.pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html and
   https://docs.pytorch.org/docs/stable/generated/torch.nn.BCELoss.html
"""

from __future__ import annotations

import math
from typing import Union

import numpy as np
import numpy.typing as npt

from .._inputs import Base, check_bool, log_base
from .._losses import (
    as_scores,
    binary_labels,
    check_bytes,
    check_ignore_index,
    check_label_smoothing,
    check_output_memory,
    check_reduction,
    check_sample_weight,
    check_weight_values,
    class_labels,
    nll_values,
    unit_base,
)

Result = Union[float, npt.NDArray[np.float64]]
Matrix = npt.NDArray[np.float64]


def _times(weight: float, values: Matrix) -> Matrix:
    """``weight * values`` with ``0 * anything = 0``."""
    if weight == 0:
        return np.zeros_like(values)
    product: Matrix = weight * values
    return product


def _weighted(weights: Matrix | None, losses: Matrix) -> Matrix:
    """``weights * losses`` with ``0 * anything = 0`` (the losses themselves without weights)."""
    if weights is None:
        return losses
    with np.errstate(invalid="ignore"):
        product: Matrix = np.where(weights == 0, 0.0, weights * losses)
    return product


def _weighted_mean(total: float, weights: Matrix) -> float:
    """``total / sum(weights)``, ``nan`` when the weights sum to 0 (scikit-learn's mean)."""
    denominator = float(np.sum(weights))
    return total / denominator if denominator else math.nan


def _check_logits(x: Matrix, rows: npt.NDArray[np.bool_]) -> None:
    """Every used row: no NaN or +inf, and at least one finite logit."""
    bad = (np.isnan(x) | (x == np.inf)) & rows[:, None]
    if bad.any():
        row, index = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"logits: row {row} has the logit {x[row, index]} at class {index}; logits must be "
            "finite or -inf"
        )
    empty = np.all(x == -np.inf, axis=1) & rows
    if empty.any():
        raise ValueError(
            f"logits: row {int(np.argmax(empty))} has no finite logit (all are -inf), so it "
            "defines no distribution"
        )


def _log_softmax(x: Matrix, rows: npt.NDArray[np.bool_]) -> Matrix:
    """``x - logsumexp(x)`` row by row (max-shifted); rows not in ``rows`` are left as 0."""
    out = np.zeros_like(x)
    used = x[rows]
    m = used.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        shifted = used - m  # -inf stays -inf (m is finite)
    out[rows] = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def _log_probabilities(p: Matrix, rows: npt.NDArray[np.bool_]) -> Matrix:
    """``log p`` after checking each used row is a distribution (entries in [0, 1], sum 1)."""
    bad = ~((p >= 0) & (p <= 1)) & rows[:, None]
    if bad.any():
        row, index = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"probabilities (from_logits=False): row {row} has the value {p[row, index]} at "
            f"class {index}; every entry must be a probability in [0, 1] (pass from_logits=True "
            "for logits)"
        )
    return p


def cross_entropy_loss(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    /,
    *,
    from_logits: bool = True,
    base: Base = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    sample_weight: npt.ArrayLike | None = None,
) -> Result:
    """Cross-entropy loss (see :func:`fastinfo.cross_entropy_loss`).

    With ``sample_weight`` ``w``: ``"none"`` is ``w_n * loss_n``, ``"sum"`` ``sum_n w_n loss_n``
    and ``"mean"`` ``sum_n w_n loss_n / sum_n w_n`` over the rows not ignored.
    """
    scale = log_base(base)
    from_logits = check_bool(from_logits, "from_logits")
    ignore = check_ignore_index(ignore_index)
    eps = check_label_smoothing(label_smoothing)
    reduction = check_reduction(reduction)
    scores = as_scores(logits, "logits")
    if scores.ndim == 0:
        raise ValueError("logits must have at least one dimension (the classes), got a scalar")
    k = scores.shape[-1]
    if k == 0:
        raise ValueError(
            f"logits has shape {scores.shape}: there are no classes along its last axis"
        )
    batch = tuple(scores.shape[:-1])
    y = class_labels(labels, batch, k, ignore)
    weights = check_sample_weight(sample_weight, batch, "labels")
    if reduction == "none":
        check_output_memory(y.size)
    x = scores.reshape(-1, k).astype(np.float64)
    used = np.ones(y.shape, dtype=bool) if ignore is None else y != ignore
    if from_logits:
        _check_logits(x, used)
        log_p = _log_softmax(x, used)
    else:
        p = _log_probabilities(x, used)
        sums = p.sum(axis=1)
        tolerance = max(1e-6, k * float(np.finfo(scores.dtype).eps))
        off = (np.abs(sums - 1) > tolerance) & used
        if off.any():
            row = int(np.argmax(off))
            raise ValueError(
                f"probabilities (from_logits=False): row {row} sums to {sums[row]}, not 1; every "
                "row must be a probability distribution (pass from_logits=True for logits)"
            )
        with np.errstate(divide="ignore"):
            log_p = np.where(used[:, None], np.log(p), 0.0)
    safe = np.where(used, y, 0)
    nll = np.where(used, -log_p[np.arange(y.size), safe], 0.0)  # PyTorch's l_n
    smooth = np.where(used, -log_p.sum(axis=1), 0.0)  # PyTorch's s_n (only used when eps > 0)
    if weights is not None:
        check_weight_values(weights)
        if reduction == "mean" and weights.size:
            weights = weights / weights.max()  # the same mean; no subnormal weights on the way
        per_row = nll if eps == 0 else _times(1 - eps, nll) + _times(eps / k, smooth)
        weighted = _weighted(weights, per_row)
        if reduction == "none":
            return _finish(weighted, batch, scale)
        total = float(np.sum(weighted))
        if reduction == "sum":
            return total / scale
        return _weighted_mean(total, weights[used]) / scale
    if reduction == "none":
        per_row = nll if eps == 0 else _times(1 - eps, nll) + _times(eps / k, smooth)
        return _finish(per_row, batch, scale)
    count = int(used.sum())
    if eps == 0:
        total = float(np.sum(nll))
    else:
        total = float(np.sum(_times(1 - eps, nll)) + np.sum(_times(eps / k, smooth)))
    if reduction == "sum":
        return total / scale
    return (total / count if count else math.nan) / scale


def _softplus(t: Matrix) -> Matrix:
    result: Matrix = np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
    return result


def _binary_losses(
    scores: npt.ArrayLike,
    targets: npt.ArrayLike,
    name: str,
    base: Base,
    reduction: str,
    sample_weight: npt.ArrayLike | None,
) -> Result:
    scale = log_base(base)
    reduction = check_reduction(reduction)
    values = as_scores(scores, name)
    shape = tuple(values.shape)
    y = binary_labels(targets, shape, name)
    weights = check_sample_weight(sample_weight, shape, name)
    if reduction == "none":
        check_output_memory(y.size)
    x = values.reshape(-1).astype(np.float64)
    if name == "logits":
        if np.isnan(x).any():
            raise ValueError(f"logits: element {int(np.argmax(np.isnan(x)))} is NaN")
        with np.errstate(over="ignore", invalid="ignore"):
            positive = np.where(y == 0, 0.0, y * _softplus(-x))
            negative = np.where(y == 1, 0.0, (1 - y) * _softplus(x))
    else:
        bad = ~((x >= 0) & (x <= 1))
        if bad.any():
            index = int(np.argmax(bad))
            raise ValueError(
                f"probabilities: element {index} is {x[index]}; every value must be a "
                "probability in [0, 1] (logits go to binary_cross_entropy_with_logits)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            positive = np.where(y == 0, 0.0, -y * np.log(x))
            negative = np.where(y == 1, 0.0, -(1 - y) * np.log1p(-x))
    losses = positive + negative
    if weights is not None:
        check_weight_values(weights)
        if reduction == "mean" and weights.size:
            weights = weights / weights.max()  # the same mean; no subnormal weights on the way
        losses = _weighted(weights, losses)
    if reduction == "none":
        return _finish(losses, shape, scale)
    total = float(np.sum(losses))
    if reduction == "sum":
        return total / scale
    if weights is not None:
        return _weighted_mean(total, weights) / scale
    return (total / losses.size if losses.size else math.nan) / scale


def binary_cross_entropy(
    probabilities: npt.ArrayLike,
    targets: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    reduction: str = "mean",
    sample_weight: npt.ArrayLike | None = None,
) -> Result:
    """Binary cross-entropy of probabilities (see :func:`fastinfo.binary_cross_entropy`)."""
    return _binary_losses(probabilities, targets, "probabilities", base, reduction, sample_weight)


def binary_cross_entropy_with_logits(
    logits: npt.ArrayLike,
    targets: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    reduction: str = "mean",
    sample_weight: npt.ArrayLike | None = None,
) -> Result:
    """Binary cross-entropy of logits (see :func:`fastinfo.binary_cross_entropy_with_logits`)."""
    return _binary_losses(logits, targets, "logits", base, reduction, sample_weight)


def _finish(values: Matrix, shape: tuple[int, ...], scale: float) -> Result:
    if shape == ():
        return float(values[0]) / scale
    result: Matrix = (values / scale).reshape(shape)
    return result


def _mean_nll(nll: npt.ArrayLike, sample_weight: npt.ArrayLike | None) -> float:
    """``sum(w * nll) / sum(w)`` (``w = 1`` without weights), without overflow."""
    values = nll_values(nll, "nll")
    if sample_weight is None:
        return float(np.sum(values / values.size))
    if np.ndim(nll) == 0:
        raise ValueError("sample_weight needs the NLL of each token (an array), got a number")
    weights = check_sample_weight(sample_weight, np.shape(nll), "nll")
    assert weights is not None
    check_weight_values(weights)
    share = weights / np.sum(weights)
    with np.errstate(invalid="ignore"):
        return float(np.sum(np.where(share == 0, 0.0, share * values)))


def perplexity(
    nll: npt.ArrayLike, /, *, base: Base = None, sample_weight: npt.ArrayLike | None = None
) -> float:
    """``exp(mean NLL in nats)`` (see :func:`fastinfo.perplexity`)."""
    nats = unit_base(base) * _mean_nll(nll, sample_weight)
    return math.exp(nats) if nats < 709.78 else math.inf


def bits_per_token(
    nll: npt.ArrayLike, /, *, base: Base = None, sample_weight: npt.ArrayLike | None = None
) -> float:
    """``mean NLL in nats / ln 2`` (see :func:`fastinfo.bits_per_token`)."""
    nats = unit_base(base) * _mean_nll(nll, sample_weight)
    return nats / math.log(2)


def bits_per_byte(total_nll: npt.ArrayLike, n_bytes: int, /, *, base: Base = None) -> float:
    """``total NLL in nats / (n_bytes ln 2)`` (see :func:`fastinfo.bits_per_byte`)."""
    values, count = nll_values(total_nll, "total_nll"), check_bytes(n_bytes)
    if count > 2**1000:  # beyond floats: numpy cannot divide by it; the value is below 1e-290
        shift = count.bit_length() - 64
        return math.ldexp(unit_base(base) * float(np.sum(values / (count >> shift))), -shift) / (
            math.log(2)
        )
    per_byte = float(np.sum(values / count))  # divided first: no overflow of the total
    return unit_base(base) * per_byte / math.log(2)
