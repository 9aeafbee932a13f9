"""ML losses and evaluation units: cross-entropy from logits, perplexity, bits per token and byte.

Units: every loss is in nats unless ``base`` is given (``base=2`` for bits). The evaluation
functions take a negative log-likelihood *in the unit named by* ``base`` (nats by default) and
return perplexity (unitless) or bits.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import (
    Base,
    _refuse_unusable,
    _without_missing,
    as_array,
    check_bool,
    check_memory,
    log_base,
    native,
)

Result = Union[float, npt.NDArray[np.float64]]
Floats = npt.NDArray[np.floating[Any]]

#: The accepted values of ``reduction``.
REDUCTIONS: tuple[str, ...] = _native.REDUCTIONS


# ---------------------------------------------------------------------------------------------
# Argument checks and coercion, shared with fastinfo.reference.


def as_scores(x: npt.ArrayLike, name: str) -> Floats:
    """``x`` as a C-contiguous, native-endian float32 or float64 array (no copy if it is one).

    float16 becomes float32; integers and extended precision become float64.
    """
    array = as_array(x, name)
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype.itemsize < 4:
            dtype: np.dtype[Any] = np.dtype(np.float32)
        elif array.dtype.itemsize > 8:
            dtype = np.dtype(np.float64)
        else:
            dtype = array.dtype.newbyteorder("=")
    elif kind in "iu":
        dtype = np.dtype(np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return native(array, dtype)


def _position(index: int, shape: tuple[int, ...]) -> str:
    """``[i, j, ...]`` for a flat index into an array of ``shape``."""
    if not shape:
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(index, shape)) + "]"


def check_reduction(reduction: object) -> str:
    """Return ``reduction`` if it names a reduction, else raise."""
    if not isinstance(reduction, str):
        raise TypeError(f"reduction must be a string, got {type(reduction).__name__}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {list(REDUCTIONS)}, got {reduction!r}")
    return reduction


def check_ignore_index(ignore_index: object) -> int | None:
    """``ignore_index`` as an int (or None), else raise TypeError."""
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(
        ignore_index, (int, np.integer)
    ):
        raise TypeError(f"ignore_index must be an integer or None, got {ignore_index!r}")
    value = int(ignore_index)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"ignore_index must fit in int64, got {value}")
    return value


def check_label_smoothing(label_smoothing: object) -> float:
    """``label_smoothing`` as a float in [0, 1], else raise."""
    if isinstance(label_smoothing, (bool, np.bool_)) or not isinstance(
        label_smoothing, numbers.Real
    ):
        raise TypeError(f"label_smoothing must be a real number, got {label_smoothing!r}")
    if isinstance(label_smoothing, numbers.Integral) and int(label_smoothing) not in (0, 1):
        raise ValueError(f"label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    value = float(label_smoothing)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    return value


def class_labels(
    labels: npt.ArrayLike, shape: tuple[int, ...], k: int, ignore_index: int | None
) -> npt.NDArray[np.int64]:
    """``labels`` (shape ``shape``, class indices in ``[0, k)`` or ``ignore_index``) as int64."""
    array = as_array(labels, "labels")
    if array.dtype.kind not in "iu":
        hint = (
            " (cast whole-number floats with .astype(np.int64))" if array.dtype.kind == "f" else ""
        )
        raise TypeError(f"labels must be integer class indices, got dtype {array.dtype}{hint}")
    if array.shape != shape:
        raise ValueError(
            f"labels has shape {array.shape} but must have shape {shape}, the shape of logits "
            "without its last axis (the classes)"
        )
    if array.size and array.dtype.kind == "u" and int(array.max()) >= 2**63:
        index = int(np.argmax(array >= 2**63))
        raise ValueError(
            f"labels{_position(index, shape)} = {array.reshape(-1)[index]} is not a class index "
            f"in [0, {k})"
        )
    flat = native(array, np.int64).reshape(-1)
    if flat.size and not (int(flat.min()) >= 0 and int(flat.max()) < k):
        valid = (flat >= 0) & (flat < k)
        if ignore_index is not None:
            valid |= flat == ignore_index
        if not valid.all():
            index = int(np.argmin(valid))
            hint = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
            raise ValueError(
                f"labels{_position(index, shape)} = {flat[index]} is not a class index in "
                f"[0, {k}){hint}"
            )
    return flat


def binary_labels(
    labels: npt.ArrayLike, shape: tuple[int, ...], scores: str = "logits"
) -> npt.NDArray[np.float64]:
    """``targets`` (shape ``shape`` of the argument named ``scores``, values in [0, 1]), flat."""
    array = as_array(labels, "targets")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"targets must hold real numbers in [0, 1], got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(
            f"targets has shape {array.shape} but {scores} has shape {shape}: "
            "they must have the same shape"
        )
    flat = native(array, np.float64).reshape(-1)
    if flat.size:
        low, high = float(flat.min()), float(flat.max())
        if not (low >= 0.0 and high <= 1.0):  # NaN fails too
            index = int(np.argmax(~((flat >= 0) & (flat <= 1))))
            raise ValueError(
                f"targets{_position(index, shape)} = {flat[index]}; targets must lie in [0, 1]"
            )
    return flat


def check_sample_weight(
    sample_weight: object, shape: tuple[int, ...], data: str
) -> npt.NDArray[np.float64] | None:
    """``sample_weight`` as a flat, contiguous float64 array, or None.

    One weight per sample: the shape ``shape`` of the argument ``data``. The values (finite,
    non-negative, not all zero) are checked by the core as it reads them; the twin checks them
    with :func:`check_weight_values`.
    """
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(
            _without_missing(_refuse_unusable(sample_weight, "sample_weight"), "sample_weight")
        )
    except ValueError as error:  # a ragged nested list
        raise ValueError(f"sample_weight is not a regular array of numbers: {error}") from None
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold real numbers, got dtype {weights.dtype}")
    if weights.shape != shape:
        what = f"{shape[0]} samples" if len(shape) == 1 else f"shape {shape}"
        raise ValueError(
            f"sample_weight must have one weight per sample of {data} ({what}), "
            f"got shape {weights.shape}"
        )
    return np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)


def check_weight_values(weights: npt.NDArray[np.float64]) -> None:
    """Raise ValueError naming ``sample_weight`` unless the weights are valid.

    Every weight finite and non-negative, and one positive: what the core checks (for the twin).
    """
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        index = int(np.argmax(bad))
        raise ValueError(
            f"sample_weight[{index}] = {weights[index]}; weights must be finite and non-negative"
        )
    if weights.size and not (weights > 0).any():
        raise ValueError(
            "sample_weight: the weights sum to 0: at least one sample needs a positive weight"
        )


def check_output_memory(n: int) -> None:
    """Raise MemoryError if ``n`` float64 values would exceed the memory budget."""
    check_memory(
        8 * n,
        f"reduction='none': {n} float64 values",
        "use reduction='sum' or 'mean', or process the input in batches",
    )


def nll_values(nll: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """``nll`` (a number or an array of per-token values) as a flat float64 array, checked."""
    array = as_array(nll, name)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, got dtype {array.dtype}"
        )
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    if flat.size == 0:
        raise ValueError(f"{name} is empty: at least one negative log-likelihood is needed")
    bad = ~(flat >= 0)  # negative or NaN
    if bad.any():
        index = int(np.argmax(bad))
        where = _position(index, array.shape)
        raise ValueError(
            f"{name}{where} = {flat[index]}; a negative log-likelihood of a discrete model is "
            "never negative (nor NaN)"
        )
    return flat


def mean_nll(nll: npt.ArrayLike, sample_weight: object) -> float:
    """The mean of the checked ``nll`` values, weighted by ``sample_weight`` if given."""
    values = nll_values(nll, "nll")
    if sample_weight is None:
        scale, total = scaled_sum(values)
        return scale * (total / values.size)
    if np.ndim(nll) == 0:
        raise ValueError(
            "sample_weight needs the NLL of each token (an array), got a single number for nll"
        )
    weights = check_sample_weight(sample_weight, np.shape(nll), "nll")
    assert weights is not None
    check_weight_values(weights)
    weights = weights / weights.max()  # the same mean; no overflow of the weighted terms
    with np.errstate(invalid="ignore"):
        terms = np.where(weights == 0, 0.0, weights * values)  # 0 * inf = 0
    scale, total = scaled_sum(terms)
    return scale * (total / float(np.sum(weights)))


def unit_base(base: Base) -> float:
    """``ln base`` for the evaluation units (``None``: nats); ``base`` must exceed 1.

    A negative log-likelihood in a base below 1 would be negative; the units these functions
    convert between (nats, bits) all have a base above 1.
    """
    scale = log_base(base)
    if scale <= 0:
        raise ValueError(
            f"base must be greater than 1 here (the unit of the negative log-likelihood: e.g. "
            f"None for nats, 2 for bits), got {base!r}"
        )
    return scale


def scaled_sum(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """``(scale, s)`` with ``scale * s == sum(values)`` and no overflow on the way."""
    scale = float(values.max())
    if scale == 0.0 or math.isinf(scale):
        return 1.0, float(np.sum(values))
    return scale, float(np.sum(values / scale))


def check_bytes(n_bytes: object) -> int:
    """``n_bytes`` as a positive int, else raise."""
    if isinstance(n_bytes, (bool, np.bool_)) or not isinstance(n_bytes, (int, np.integer)):
        raise TypeError(
            f"n_bytes must be a positive integer (the number of bytes, e.g. "
            f"len(text.encode('utf-8'))), got {n_bytes!r}"
        )
    if int(n_bytes) <= 0:
        raise ValueError(f"n_bytes must be positive, got {n_bytes}")
    return int(n_bytes)


def finish(value: Any, shape: tuple[int, ...], scale: float) -> Result:
    """A float (for a reduction or an unbatched input) or a float64 array of ``shape``, in units."""
    if isinstance(value, float):
        return value / scale
    values = np.asarray(value, dtype=np.float64)
    if scale != 1.0:
        values = values / scale
    if shape == ():
        return float(values[0])
    return values.reshape(shape)


# ---------------------------------------------------------------------------------------------
# Public functions.


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
    """Cross-entropy loss of class scores against class labels (PyTorch's ``CrossEntropyLoss``).

    For a row of logits ``z`` and its label ``y``, ``loss = -log softmax(z)[y]
    = logsumexp(z) - z[y]``: the cross-entropy ``H(onehot(y), softmax(z))``, the empirical
    cross-entropy between the data and the model that minimising the loss minimises.

    Parameters
    ----------
    logits : array_like, shape (..., k)
        Scores of ``k`` classes along the **last** axis (a language model's ``(batch, sequence,
        vocabulary)`` output as is; PyTorch puts classes on axis 1 instead). float32 is read
        without a copy and accumulated in float64; float16 is widened to float32, integers to
        float64. With ``from_logits=False``, probabilities instead.
    labels : array_like of int, shape (...)
        The class index of each row, in ``[0, k)`` (or equal to ``ignore_index``).
    from_logits : bool, default True
        ``False``: ``logits`` holds probabilities; each entry must lie in ``[0, 1]`` and each row
        must sum to 1 within ``max(1e-6, k * eps)`` (``eps`` the machine epsilon of its dtype),
        and the loss is ``-log p[y]`` (``+inf`` where ``p[y] = 0``, as in :mod:`fastinfo.pmf`).
    base : float, optional
        Logarithm base of the result; ``None`` (default) gives nats, ``2`` bits.
    ignore_index : int, optional
        Rows whose label equals this are skipped: they are not read, count 0 in ``"sum"``, are
        left out of the ``"mean"``'s denominator and are 0 in ``"none"`` (PyTorch's semantics;
        PyTorch's default is -100, fastinfo's is no ignored label).
    label_smoothing : float, default 0.0
        ``eps`` in ``[0, 1]``: the target becomes ``(1 - eps) * onehot(y) + eps / k``, so
        ``loss = (1 - eps) * (-log p[y]) + eps * mean_j(-log p[j])`` (PyTorch's definition).
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"`` over the rows not ignored (``nan`` if there are none), ``"sum"``, or one value
        per row.
    sample_weight : array_like, optional
        One non-negative weight per row (the shape of ``labels``), as scikit-learn's
        ``log_loss(sample_weight=)``: ``"mean"`` is the weighted mean ``sum(w * loss) / sum(w)``
        over the rows not ignored (``nan`` if their weights sum to 0), ``"sum"`` is
        ``sum(w * loss)`` and ``"none"`` gives ``w * loss`` (``0 * inf = 0``: a row of weight 0
        adds nothing, though it is still checked). Integer weights give the loss of the rows
        repeated that many times, up to rounding. The weights must be finite, not all 0.
        PyTorch's class weights ``CrossEntropyLoss(weight=c)`` are ``sample_weight=c[labels]``,
        with the same mean.

    Returns
    -------
    float or ndarray
        A float for ``"mean"`` and ``"sum"`` (and for ``"none"`` with 1-D ``logits``), else a
        float64 array of shape ``labels.shape``; in units of ``base``.

    Raises
    ------
    ValueError
        A label out of range (the message gives its position and value); a NaN or ``+inf``
        logit, or a row of logits all ``-inf`` (no distribution); with ``from_logits=False`` a
        value outside ``[0, 1]`` or a row not summing to 1. Rows are numbered in C order over
        the leading axes. NaN is an error rather than a NaN result (PyTorch returns NaN).
        A bad ``sample_weight`` (wrong shape, negative, NaN or infinite, or all 0).
    TypeError
        Non-real ``logits``, non-integer ``labels``, or options of the wrong type.

    See Also
    --------
    binary_cross_entropy : two classes, one score per sample.
    perplexity, bits_per_token, bits_per_byte : evaluation units from the mean or summed loss.
    fastinfo.pmf.cross_entropy : cross-entropy of two distributions.

    Notes
    -----
    Each row is computed as ``(m - z[y]) + log(sum_j exp(z_j - m))`` with ``m = max_j z_j``:
    the exponents are never positive, so logits of ``+-1e4`` or ``+-1e300`` neither overflow nor
    lose the answer, and a ``-inf`` logit is a class of probability 0 (``+inf`` loss if it is the
    label's, and with ``label_smoothing > 0``). The logits equal to ``m`` are counted apart, so
    ``log(1 + rest)`` is ``log1p(rest)`` and a tiny loss (a confident, correct prediction, say
    ``1e-30``) keeps its relative precision where the textbook formula in float64, and PyTorch,
    give 0. No softmax matrix is built: the rows are processed in parallel, each in one pass
    over blocks that stay in cache, with a vectorised double-precision exponential (within 2
    ulps), so float32 and float64 inputs both give results accurate to about 1e-14 relative
    (float32 values are widened exactly: the same logits as float32 or float64 give the same
    bits). The mean is a compensated sum of the row losses: the same bits for any number of
    threads.

    Minimising the cross-entropy over the model is minimising ``KL(data || model)``, since
    ``H(p, q) = H(p) + KL(p || q)`` and ``H(p)`` does not depend on the model.

    References
    ----------
    .. [1] PyTorch, ``torch.nn.CrossEntropyLoss``,
       https://docs.pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
    .. [2] T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006,
       ch. 2.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> fastinfo.cross_entropy_loss(np.zeros((2, 4)), [0, 3], base=2)  # uniform over 4: 2 bits
    2.0
    >>> logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    >>> fastinfo.cross_entropy_loss(logits, [0, 1], reduction="none").round(6).tolist()
    [0.41703, 0.153178]
    >>> fastinfo.cross_entropy_loss([[1e4, -1e4]], [1])  # no overflow
    20000.0
    >>> fastinfo.cross_entropy_loss([[0.5, 0.25, 0.25]], [1], from_logits=False, base=2)
    2.0
    >>> fastinfo.cross_entropy_loss(logits, [0, -100], ignore_index=-100)  # doctest: +ELLIPSIS
    0.41703...
    >>> weighted = fastinfo.cross_entropy_loss(logits, [0, 1], sample_weight=[3, 1])
    >>> repeated = fastinfo.cross_entropy_loss(logits[[0, 0, 0, 1]], [0, 0, 0, 1])
    >>> bool(abs(weighted - repeated) < 1e-15)  # integer weights repeat rows
    True
    """
    scale = log_base(base)
    from_logits = check_bool(from_logits, "from_logits")
    ignore = check_ignore_index(ignore_index)
    smoothing = check_label_smoothing(label_smoothing)
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
    flat_labels = class_labels(labels, batch, k, ignore)
    weights = check_sample_weight(sample_weight, batch, "labels")
    if reduction == "none":
        check_output_memory(flat_labels.size)
    rows = scores.reshape(-1, k)
    value = _native.cross_entropy_loss(
        rows, flat_labels, from_logits, ignore, smoothing, reduction, weights
    )
    return finish(value, batch, scale)


def _binary(
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
    flat_targets = binary_labels(targets, shape, name)
    weights = check_sample_weight(sample_weight, shape, name)
    if reduction == "none":
        check_output_memory(flat_targets.size)
    from_logits = name == "logits"
    value = _native.binary_cross_entropy(
        values.reshape(-1), flat_targets, from_logits, reduction, weights
    )
    return finish(value, shape, scale)


def binary_cross_entropy(
    probabilities: npt.ArrayLike,
    targets: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    reduction: str = "mean",
    sample_weight: npt.ArrayLike | None = None,
) -> Result:
    """Binary cross-entropy of probabilities, elementwise (PyTorch's ``binary_cross_entropy``).

    ``loss = -[y log p + (1 - y) log(1 - p)]`` for a predicted probability ``p`` and a target
    ``y``: ``torch.nn.functional.binary_cross_entropy`` / ``torch.nn.BCELoss`` (which also take
    probabilities). For logits use :func:`binary_cross_entropy_with_logits`.

    Parameters
    ----------
    probabilities : array_like
        Predicted probabilities of the positive class, each in ``[0, 1]`` (e.g. the output of a
        sigmoid). float32 is read without a copy.
    targets : array_like
        Targets in ``[0, 1]``, the same shape: 0/1 (bool or int), or soft targets (any value in
        between, e.g. smoothed or averaged annotations).
    base : float, optional
        Logarithm base of the result; ``None`` (default) gives nats.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean over all elements, sum, or one value per element (an array of the input's shape).
    sample_weight : array_like, optional
        One non-negative weight per element (the shape of ``probabilities``), as scikit-learn's
        ``log_loss(sample_weight=)``: ``"mean"`` is the weighted mean ``sum(w * loss) / sum(w)``,
        ``"sum"`` is ``sum(w * loss)`` and ``"none"`` gives ``w * loss`` (``0 * inf = 0``: an
        element of weight 0 adds nothing, though it is still checked). Integer weights give the
        loss of the elements repeated that many times, up to rounding. The weights must be
        finite, not all 0. PyTorch's ``weight`` rescales each element the same way for
        ``"sum"`` and ``"none"``, but its ``"mean"`` divides by the number of elements,
        not by ``sum(w)``: that is this function's ``"sum"`` divided by the size.

    Returns
    -------
    float or ndarray

    Raises
    ------
    ValueError
        A probability outside ``[0, 1]`` or NaN (logits belong to
        :func:`binary_cross_entropy_with_logits`); a target outside ``[0, 1]`` or NaN; a bad
        ``sample_weight``.

    See Also
    --------
    binary_cross_entropy_with_logits : the same loss from logits, stable for any logit.
    cross_entropy_loss : multi-class.

    Notes
    -----
    ``0 log 0 = 0``: the loss is ``+inf`` exactly where the target puts weight on an outcome of
    probability 0. PyTorch clamps each log at -100 instead, so it reports ``100 * y`` there
    (and ``-y log p`` is capped at 100 for ``p < exp(-100)``); fastinfo does not clamp, as in
    :mod:`fastinfo.pmf`. Everywhere else (every ``p`` in ``[exp(-100), 1 - exp(-100)]``, all
    that float32 outputs of a sigmoid reach apart from 0 and 1) the two agree to rounding;
    ``log(1 - p)`` is computed as ``log1p(-p)``. The mean is a compensated sum in fixed chunks:
    the same bits for any thread count.

    References
    ----------
    .. [1] PyTorch, ``torch.nn.BCELoss``,
       https://docs.pytorch.org/docs/stable/generated/torch.nn.BCELoss.html

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.binary_cross_entropy([0.5, 0.5], [0, 1], base=2)  # a coin flip: 1 bit each
    1.0
    >>> round(fastinfo.binary_cross_entropy([0.9], [1]), 6)  # -log 0.9, as torch gives
    0.105361
    >>> probabilities, soft_targets = [0.5, 0.9], [1.0, 0.5]
    >>> fastinfo.binary_cross_entropy(probabilities, soft_targets, reduction="none").round(6)
    array([0.693147, 1.203973])
    >>> fastinfo.binary_cross_entropy([0.0], [1.0])  # PyTorch clamps this to 100
    inf
    >>> fastinfo.binary_cross_entropy([0.0, 0.5], [1, 1], sample_weight=[0, 1])  # weight 0
    0.6931471805599453
    """
    return _binary(probabilities, targets, "probabilities", base, reduction, sample_weight)


def binary_cross_entropy_with_logits(
    logits: npt.ArrayLike,
    targets: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    reduction: str = "mean",
    sample_weight: npt.ArrayLike | None = None,
) -> Result:
    """Binary cross-entropy of logits, elementwise (PyTorch's ``binary_cross_entropy_with_logits``).

    ``loss = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]`` for a logit ``z`` and a target
    ``y``: ``torch.nn.functional.binary_cross_entropy_with_logits`` / ``torch.nn.BCEWithLogitsLoss``
    (without their ``pos_weight``; their ``weight`` is ``sample_weight``, see there).

    Parameters
    ----------
    logits : array_like
        Logits (any real value, ``+-inf`` included). float32 is read without a copy.
    targets : array_like
        Targets in ``[0, 1]``, the same shape: 0/1 (bool or int), or soft targets.
    base : float, optional
        Logarithm base of the result; ``None`` (default) gives nats.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean over all elements, sum, or one value per element (an array of the input's shape).
    sample_weight : array_like, optional
        One non-negative weight per element (the shape of ``logits``), as scikit-learn's
        ``log_loss(sample_weight=)``: ``"mean"`` is the weighted mean ``sum(w * loss) / sum(w)``,
        ``"sum"`` is ``sum(w * loss)`` and ``"none"`` gives ``w * loss`` (``0 * inf = 0``: an
        element of weight 0 adds nothing, though it is still checked). Integer weights give the
        loss of the elements repeated that many times, up to rounding. The weights must be
        finite, not all 0. PyTorch's ``weight`` rescales each element the same way for
        ``"sum"`` and ``"none"``, but its ``"mean"`` divides by the number of elements,
        not by ``sum(w)``: that is this function's ``"sum"`` divided by the size.

    Returns
    -------
    float or ndarray

    Raises
    ------
    ValueError
        A NaN logit; a target outside ``[0, 1]`` or NaN; a bad ``sample_weight``.

    See Also
    --------
    binary_cross_entropy : the same loss from probabilities.

    Notes
    -----
    The stable form ``max(z, 0) - z y + log(1 + exp(-|z|))`` is used, as PyTorch does: it never
    overflows and keeps full precision when ``sigmoid(z)`` is within rounding of 0 or 1 (where
    computing the sigmoid first would round to exactly 0 or 1). Nothing is clamped. At
    ``z = +inf`` the loss is 0 for ``y = 1`` and ``+inf`` otherwise; at ``z = -inf``, 0 for
    ``y = 0`` and ``+inf`` otherwise. The mean is a compensated sum in fixed chunks: the same bits
    for any thread count.

    References
    ----------
    .. [1] PyTorch, ``torch.nn.BCEWithLogitsLoss``,
       https://docs.pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.binary_cross_entropy_with_logits([0.0, 0.0], [0, 1], base=2)  # 1 bit each
    1.0
    >>> fastinfo.binary_cross_entropy_with_logits([800.0], [0.0])  # no overflow: the logit
    800.0
    >>> round(fastinfo.binary_cross_entropy_with_logits([0.9], [1]), 6)  # not -log 0.9
    0.341154
    """
    return _binary(logits, targets, "logits", base, reduction, sample_weight)


def perplexity(
    nll: npt.ArrayLike, /, *, base: Base = None, sample_weight: npt.ArrayLike | None = None
) -> float:
    """Perplexity ``exp(mean NLL in nats)`` of a model on a sequence of tokens.

    Parameters
    ----------
    nll : float or array_like
        A number: the **mean** negative log-likelihood per token (e.g.
        ``cross_entropy_loss(..., reduction="mean")``). An array: the NLL of **each token**
        (``reduction="none"``); they are averaged first. Non-negative, in units of ``base``.
    base : float, optional
        The unit of ``nll``: ``None`` (default) for nats, ``2`` for bits. The result does not
        depend on it: ``perplexity = base ** mean(nll)``.
    sample_weight : array_like, optional
        One non-negative weight per token of an array ``nll`` (e.g. an attention mask): the
        mean becomes ``sum(w * nll) / sum(w)``, as ``cross_entropy_loss(...,
        sample_weight=w)``; a token of weight 0 adds nothing, even an infinite NLL. The weights
        must be finite, not all 0.

    Returns
    -------
    float
        At least 1; ``inf`` if the mean NLL is infinite or too large.

    See Also
    --------
    bits_per_token : ``log2`` of the perplexity.

    Notes
    -----
    ``perplexity = exp(mean NLL in nats) = 2 ** bits_per_token``: the number of equally likely
    tokens that would be as surprising. A uniform model over ``V`` tokens has perplexity ``V``.
    Averaging per-token perplexities instead (``mean(exp(nll))``) is a common mistake: it is
    larger (Jensen's inequality).

    Examples
    --------
    >>> import math
    >>> import fastinfo
    >>> fastinfo.perplexity(2.0, base=2)  # 2 bits per token
    4.0
    >>> fastinfo.perplexity([math.log(2), math.log(8)])  # mean 2 bits: 2 ** 2
    4.0
    >>> fastinfo.perplexity(0.0)
    1.0
    >>> fastinfo.perplexity([1.0, 1.0, 50.0], sample_weight=[1, 1, 0])  # a masked token
    2.718281828459045
    """
    unit = unit_base(base)
    mean_nats = mean_nll(nll, sample_weight) * unit
    try:
        return math.exp(mean_nats)
    except OverflowError:
        return math.inf


def bits_per_token(
    nll: npt.ArrayLike, /, *, base: Base = None, sample_weight: npt.ArrayLike | None = None
) -> float:
    """Mean negative log-likelihood per token in bits: ``mean NLL in nats / ln 2``.

    Parameters
    ----------
    nll : float or array_like
        A number: the **mean** NLL per token; an array: the NLL of **each token** (averaged).
        Non-negative, in units of ``base``.
    base : float, optional
        The unit of ``nll``: ``None`` (default) for nats, ``2`` for bits (returned unchanged).
    sample_weight : array_like, optional
        One non-negative weight per token of an array ``nll`` (e.g. an attention mask): the
        mean becomes ``sum(w * nll) / sum(w)``, as ``cross_entropy_loss(...,
        sample_weight=w)``; a token of weight 0 adds nothing, even an infinite NLL. The weights
        must be finite, not all 0.

    Returns
    -------
    float
        Bits per token; ``perplexity = 2 ** bits_per_token``.

    Examples
    --------
    >>> import math
    >>> import fastinfo
    >>> fastinfo.bits_per_token(math.log(4))  # 1.386... nats = 2 bits
    2.0
    >>> fastinfo.bits_per_token([1.0, 3.0], base=2)
    2.0
    """
    unit = unit_base(base)
    return mean_nll(nll, sample_weight) * (unit / math.log(2))


def bits_per_byte(total_nll: npt.ArrayLike, n_bytes: int, /, *, base: Base = None) -> float:
    """Bits per byte: the total NLL of a text in bits divided by its length in bytes.

    ``bits_per_byte = total NLL in nats / (n_bytes * ln 2)``. Unlike bits per token it does not
    depend on the tokenizer, so models with different vocabularies can be compared.

    Parameters
    ----------
    total_nll : float or array_like
        A number: the **total** (summed) negative log-likelihood of the text (e.g.
        ``cross_entropy_loss(..., reduction="sum")``); an array: the NLL of **each token**
        (summed). Non-negative, in units of ``base``.
    n_bytes : int
        Length of the text in bytes, e.g. ``len(text.encode("utf-8"))`` (not characters, not
        tokens).
    base : float, optional
        The unit of ``total_nll``: ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    float
        Bits per byte; ``2 ** bits_per_byte`` is the byte-level perplexity.

    Notes
    -----
    Model losses are natural logarithms. Dividing a total NLL in nats by the number of bytes
    gives *nats* per byte, 1.44 times too small a number of bits: lm-evaluation-harness
    computed its ``bits_per_byte`` that way until pull request #242 divided it by ``ln 2`` [1]_.
    Passing ``base`` makes the unit of the input explicit.

    References
    ----------
    .. [1] EleutherAI lm-evaluation-harness, "Fix bits_per_byte metric in PerplexityTask",
       https://github.com/EleutherAI/lm-evaluation-harness/pull/242

    Examples
    --------
    >>> import math
    >>> import fastinfo
    >>> text = "hello world"
    >>> total = 11 * math.log(4)  # a model spending ln 4 nats = 2 bits on every byte
    >>> fastinfo.bits_per_byte(total, len(text.encode("utf-8")))
    2.0
    >>> fastinfo.bits_per_byte(22.0, 11, base=2)  # the total already in bits
    2.0
    >>> round(total / 11, 4)  # the mistake: nats per byte, not bits
    1.3863
    """
    unit = unit_base(base)
    scale, total = scaled_sum(nll_values(total_nll, "total_nll"))
    count = check_bytes(n_bytes)
    try:
        return (scale / count) * total * (unit / math.log(2))
    except OverflowError:
        # n_bytes beyond the largest float: divide by its leading bits, then scale by 2^-shift
        # (the value is tiny, possibly 0.0, but computed rather than refused).
        shift = count.bit_length() - 64
        return math.ldexp((scale / (count >> shift)) * total * (unit / math.log(2)), -shift)
