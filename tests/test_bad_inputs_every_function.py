"""Every public callable, read from the ``__all__`` lists, against a matrix of bad inputs.

The callables are those of ``fastinfo``, ``fastinfo.pmf`` and ``fastinfo.gaussian`` (functions and
result classes; ``__version__`` and submodules skipped). :data:`VALID_CALLS` holds a small valid
call of each, and a test fails when ``__all__`` gains a callable without one, so a new function
cannot be forgotten. The valid call must work, and give the same result in its twin in
:mod:`fastinfo.reference` (same name in the matching module) where one exists.

Then every data argument (the positional parameters of the signature, and ``given``) of every
function (the result classes only get their valid call) receives each value of
:data:`BAD_VALUES`, and every keyword-only option a wrong type, an unknown string and, for
numbers, a huge integer. In fastinfo and in the twin the call must either

- raise ``ValueError``, ``TypeError`` or ``MemoryError`` whose message names the argument as the
  signature does (``variables[0]`` for ``joint_entropy``), never a panic, an ``internal error``,
  an ``IndexError``, ``OverflowError`` or the like, nor numpy's message without the name; or
- succeed with what the value means (:func:`meaning_problem`): a masked entry is not read as
  if unmasked, a batch of identical rows gives identical values, ``[1, "1"]`` is two labels, ...

and answer within ``helpers.contract.TIMEOUT`` (10) seconds. Cases that find a defect are
marked ``xfail(strict)`` with the defect (:func:`known_defect`), so that fixing one turns its
cases into failures to unmark.
"""

from __future__ import annotations

import inspect
import math
import re
from typing import Any, Callable

import numpy as np
import pytest
from helpers.contract import attempt, equivalent, names, numbers, result_of, scaled

import fastinfo
import fastinfo.gaussian
import fastinfo.pmf
import fastinfo.reference
import fastinfo.reference.gaussian
import fastinfo.reference.pmf

RTOL = 1e-12

# Prefix of the keys of a public module, the module and its twin.
FACES = {
    "": (fastinfo, fastinfo.reference),
    "pmf.": (fastinfo.pmf, fastinfo.reference.pmf),
    "gaussian.": (fastinfo.gaussian, fastinfo.reference.gaussian),
}


def public_callables() -> dict[str, tuple[Callable[..., Any], Callable[..., Any] | None]]:
    """``{"entropy": (fastinfo.entropy, twin), "pmf.entropy": (...), ...}`` from ``__all__``; the
    twin is ``None`` where the reference module does not list the name."""
    found: dict[str, tuple[Callable[..., Any], Callable[..., Any] | None]] = {}
    for prefix, (face, twin) in FACES.items():
        for name in face.__all__:
            value = getattr(face, name)
            if name == "__version__" or inspect.ismodule(value) or not callable(value):
                continue
            found[prefix + name] = (value, getattr(twin, name) if name in twin.__all__ else None)
    return found


PUBLIC = public_callables()

# ---------------------------------------------------------------------------------------------
# A small valid call of every public callable

X = [0, 1, 1, 0, 2, 2, 1, 0]
Y = [1, 1, 0, 0, 2, 1, 1, 0]
Z = [0, 0, 1, 1, 0, 1, 0, 1]
FLOATS = [0.1, 0.5, 0.9, 1.3, 2.0, 0.7, 1.1, 0.2]
NLL = [0.5, 1.0, 2.0]
P = [0.2, 0.3, 0.5]
Q = [0.6, 0.2, 0.2]
ROWS = [P, Q]
COV = [[2.0, 0.3], [0.3, 1.0]]

VALID_CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "BootstrapResult": (
        (),
        {
            "estimate": 0.3,
            "standard_error": 0.1,
            "confidence_interval": (0.1, 0.5),
            "bootstrap_distribution": np.zeros(3),
        },
    ),
    "ConfidenceInterval": ((0.1, 0.5), {}),
    "GTestResult": ((), {"statistic": 5.0, "dof": 4, "pvalue": 0.25}),
    "JointCounts": ((2,), {}),
    "PairwiseCounts": ((3,), {}),
    "TargetCounts": ((3,), {}),
    "PermutationTestResult": (
        (),
        {"statistic": 0.3, "pvalue": 0.5, "null_distribution": np.zeros(3)},
    ),
    "adjusted_mutual_information": ((X, Y), {}),
    "binary_cross_entropy": (
        ([0.2, 0.9, 0.5], [0.0, 1.0, 1.0]),
        {"sample_weight": [2.0, 1.0, 0.5]},
    ),
    "binary_cross_entropy_with_logits": (
        ([0.2, -1.0, 3.0], [0.0, 1.0, 1.0]),
        {"sample_weight": [2.0, 1.0, 0.5]},
    ),
    "bits_per_byte": ((12.5, 10), {}),
    "bits_per_token": ((NLL,), {}),
    "bootstrap": ((fastinfo.mutual_information, X, Y), {"n_resamples": 20, "seed": 1}),
    "conditional_entropy": ((X, Y), {}),
    "conditional_mutual_information": ((X, Y, Z), {}),
    "contingency": ((X, Y), {}),
    "counts": ((X,), {}),
    "cross_entropy_loss": (
        ([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], [1, 2]),
        {"sample_weight": [3.0, 1.0]},
    ),
    "differential_entropy": ((FLOATS,), {}),
    "discretize": ((FLOATS,), {}),
    "entropy": ((X,), {}),
    "g_test": ((X, Y), {}),
    "get_num_threads": ((), {}),
    "joint_entropy": ((X, Y), {}),
    "kl_divergence_samples": ((FLOATS, [v + 0.05 for v in FLOATS[:6]]), {}),
    "mutual_info_classif": ((np.column_stack([FLOATS, FLOATS[::-1]]), X), {"random_state": 0}),
    "mutual_info_regression": ((np.column_stack([FLOATS, X]), FLOATS[::-1]), {"random_state": 0}),
    "mutual_information": ((X, Y), {}),
    "mutual_information_matrix": ((np.column_stack([X, Y, Z]),), {}),
    "mutual_information_with": ((np.column_stack([X, Y]), Z), {}),
    "normalized_mutual_information": ((X, Y), {}),
    "permutation_test": ((X, Y), {"n_permutations": 20, "seed": 1}),
    "perplexity": ((NLL,), {}),
    "set_num_threads": ((1,), {}),
    "show_config": ((), {"mode": "dicts"}),
    "variation_of_information": ((X, Y), {}),
    "total_correlation": ((np.column_stack([X, Y, Z]),), {}),
    "dual_total_correlation": ((np.column_stack([X, Y, Z]),), {}),
    "o_information": ((np.column_stack([X, Y, Z]),), {}),
    "interaction_information": ((X, Y, Z), {}),
    "transfer_entropy": ((X, Y), {}),
    "transfer_entropy_matrix": ((np.array([X, Y, Z]),), {}),
    "active_information_storage": ((X,), {"history": 2}),
    "entropy_rate": ((X,), {"history": 2}),
    "renyi_entropy": ((X,), {"alpha": 2.0}),
    "tsallis_entropy": ((X,), {"q": 2.0}),
    "pmf.renyi_entropy": ((P,), {"alpha": 0.5}),
    "pmf.tsallis_entropy": ((P,), {"q": 0.5}),
    "pmf.cross_entropy": ((P, Q), {}),
    "pmf.entropy": ((P,), {}),
    "pmf.js_divergence": ((P, Q), {}),
    "pmf.kl_divergence": ((P, Q), {}),
    "pmf.nearest": ((ROWS, ROWS, 1), {}),
    "pmf.pairwise": ((ROWS, ROWS), {}),
    "gaussian.entropy": ((COV,), {}),
    "gaussian.kl_divergence": (([0.0, 1.0], COV, [0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]]), {}),
    "gaussian.mutual_information": ((COV, 1), {}),
}

# Keyword-only parameters that are data, not options: they get the bad data values.
DATA_KEYWORDS = {
    "permutation_test": ("given",),
    **{
        key: ("sample_weight",)
        for key in (
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "cross_entropy_loss",
        )
    },
}

# Results that the twin computes from other random numbers (documented): only the statistic and
# the size of the null distribution agree.
RANDOM_IN_TWIN = {"permutation_test", "bootstrap"}

# ``bootstrap(statistic, *variables)``: its data are named as the statistic names them (bad
# statistics are tested in test_bootstrap.py; the bad data values here are not functions).
STATISTIC_DATA = {"bootstrap": [("x", 1), ("y", 2)]}


@pytest.fixture(autouse=True)
def _restore_threads(restore_threads: int) -> None:
    """``set_num_threads`` is in the matrix: every test leaves the thread count as it found it."""


# ---------------------------------------------------------------------------------------------
# The valid calls


def valid_call(key: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if key not in VALID_CALLS:
        pytest.fail(f"{key} is public but has no entry in VALID_CALLS")
    return VALID_CALLS[key]


def test_every_public_callable_has_a_valid_call() -> None:
    missing = sorted(set(PUBLIC) - set(VALID_CALLS))
    stale = sorted(set(VALID_CALLS) - set(PUBLIC))
    assert not missing, f"public callables without an entry in VALID_CALLS: {missing}"
    assert not stale, f"VALID_CALLS entries that are not public callables: {stale}"


def positional_parameters(key: str) -> list[tuple[str, int]]:
    """``(name as error messages give it, position)`` of the positional arguments of the valid
    call: ``variables[i]`` for the ``*variables`` of ``joint_entropy``."""
    fn = PUBLIC[key][0]
    if inspect.isclass(fn) or key not in VALID_CALLS:
        return []
    if key in STATISTIC_DATA:
        return STATISTIC_DATA[key]
    args = VALID_CALLS[key][0]
    out = []
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        if p.kind is p.VAR_POSITIONAL:
            out.extend((f"{p.name}[{j}]", j) for j in range(i, len(args)))
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append((p.name, i))
    return out


@pytest.mark.parametrize("key", sorted(PUBLIC))
def test_valid_calls_pass_every_positional_argument(key: str) -> None:
    """So that the matrix below reaches every positional parameter of the signature."""
    fn = PUBLIC[key][0]
    if inspect.isclass(fn):
        return
    args = valid_call(key)[0]
    for name, position in positional_parameters(key):
        assert position < len(args), f"{key}: the valid call does not pass {name}"


@pytest.mark.parametrize("key", sorted(PUBLIC))
def test_valid_call_works_and_matches_the_twin(key: str) -> None:
    fast, twin = PUBLIC[key]
    args, kwargs = valid_call(key)
    result = result_of(fast, args, kwargs)
    if inspect.isclass(fast):
        assert isinstance(result, fast)
    if twin is None:
        return
    expected = result_of(twin, args, kwargs)
    if key == "bootstrap":
        assert result.estimate == pytest.approx(expected.estimate, rel=RTOL)
        assert result.bootstrap_distribution.shape == expected.bootstrap_distribution.shape
        return
    if key in RANDOM_IN_TWIN:
        assert result.statistic == pytest.approx(expected.statistic, rel=RTOL)
        assert result.null_distribution.shape == expected.null_distribution.shape
        assert 0 < result.pvalue <= 1
        return
    assert equivalent(result, expected), f"{key}: fastinfo {result!r}, twin {expected!r}"


# ---------------------------------------------------------------------------------------------
# Bad values of the data arguments


def _array(value: Any) -> np.ndarray:
    return np.asarray(value)


def _with_first(value: Any, entry: float) -> np.ndarray:
    array = np.array(value, dtype=np.float64)
    array.flat[0] = entry
    return array


def _three_d(value: Any) -> np.ndarray:
    """3-D (where 1-D or 2-D is expected): copies of the valid value along new leading axes."""
    array = _array(value)
    return np.broadcast_to(array, (2,) * max(3 - array.ndim, 1) + array.shape).copy()


def _masked(value: Any) -> np.ma.MaskedArray:
    """The valid value with its first entry masked (0-d: the whole value)."""
    array = _array(value)
    mask = np.zeros(array.shape, dtype=bool)
    mask.flat[0] = True
    return np.ma.masked_array(array, mask=mask)


# id -> the bad value made from the valid value of the argument
BAD_VALUES: dict[str, Callable[[Any], Any]] = {
    "None": lambda v: None,
    "string": lambda v: "abc",
    "empty-list": lambda v: [],
    "empty-array": lambda v: np.array([]),
    "nan": lambda v: _with_first(v, math.nan),
    "inf": lambda v: _with_first(v, math.inf),
    "ragged": lambda v: [[1, 2], [3]],
    "3-d": _three_d,
    "masked": _masked,
    "dict": lambda v: {"a": 1},
    "complex": lambda v: _array(v) + 1j,
    "mixed-object": lambda v: np.array([1, "1"], dtype=object),
    "mixed-list": lambda v: [1, "1"],
    "huge": lambda v: 10**400,  # integer parameters only (a size, a count, a position)
}

HUGE = 10**400


def is_integer_parameter(key: str, name: str) -> bool:
    fn = PUBLIC[key][0]
    parameters = inspect.signature(fn).parameters
    return name in parameters and str(parameters[name].annotation) == "int"


def data_parameters(key: str) -> list[tuple[str, int | str]]:
    """``(name, position or keyword)`` of every data argument of ``key``."""
    return positional_parameters(key) + [(k, k) for k in DATA_KEYWORDS.get(key, ())]


def valid_value(key: str, where: int | str) -> Any:
    args, kwargs = VALID_CALLS[key]
    if isinstance(where, int):
        return args[where]
    return kwargs.get(where, Z)  # ``given`` of permutation_test: labels like the others


def substitute(key: str, where: int | str, value: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args, kwargs = VALID_CALLS[key]
    if isinstance(where, int):
        return (*args[:where], value, *args[where + 1 :]), dict(kwargs)
    return tuple(args), {**kwargs, where: value}


# Functions whose data arguments are aligned samples along axis 0: a masked entry in sample 0
# means that sample is missing, so the answer is that of the data without sample 0.
DROP_SAMPLE = {
    "entropy",
    "joint_entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
    "counts",
    "contingency",
    "adjusted_mutual_information",
    "normalized_mutual_information",
    "variation_of_information",
    "g_test",
    "permutation_test",
    "differential_entropy",
    "bits_per_token",
    "perplexity",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
}

# A 3-D value accepted: "batch" (every entry of the result is the valid result), "same" (the same
# result: a mean over any shape) or "sum" (total_nll: an array is summed).
THREE_D_MEANS = {
    **{key: "batch" for key in PUBLIC if key.startswith(("pmf.", "gaussian."))},
    "bits_per_token": "same",
    "perplexity": "same",
    "bits_per_byte": "sum",
    # A 3-D array of time series is a batch with trials: (n_trials, n_series, n_steps).
    **{
        key: "batch"
        for key in ("active_information_storage", "entropy_rate", "transfer_entropy_matrix")
    },
}

# Time-series functions read a list of 1-D arrays as the trials of one series, so a ragged list
# is trials of different lengths (refused, naming the argument).
TRIALS = {
    "active_information_storage",
    "entropy_rate",
    "transfer_entropy",
    "transfer_entropy_matrix",
}

# None accepted: what it stands for (pairwise and nearest: Q = P; permutation_test: no given).
NONE_MEANS = {
    ("pmf.pairwise", "Q"): lambda args, kwargs: ((args[0], args[0]), kwargs),
    ("pmf.nearest", "Q"): lambda args, kwargs: ((args[0], args[0], *args[2:]), kwargs),
    ("permutation_test", "given"): lambda args, kwargs: (args, kwargs),
    **{
        (key, "sample_weight"): lambda args, kwargs: (args, {})
        for key in (
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "cross_entropy_loss",
        )
    },
}


def without_first_sample(
    key: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call with sample 0 left out of every data argument."""
    drop = [_array(a)[1:] for a in args]
    return tuple(drop), {
        k: (_array(v)[1:] if k in DATA_KEYWORDS.get(key, ()) else v) for k, v in kwargs.items()
    }


@pytest.mark.parametrize(
    ("key", "where"),
    [
        pytest.param(key, where, id=f"{key}-{name}")
        for key in sorted(DROP_SAMPLE)
        for name, where in data_parameters(key)
    ],
)
def test_leaving_out_the_first_sample_changes_the_result(key: str, where: int | str) -> None:
    """The premise of the masked cases: with sample 0 left out the call gives another result,
    so a result equal to that of the unmasked data means that the mask was ignored."""
    fn = PUBLIC[key][0]
    args, kwargs = substitute(key, where, valid_value(key, where))
    left_out = result_of(fn, *without_first_sample(key, args, kwargs))
    assert not equivalent(left_out, result_of(fn, args, kwargs))


def meaning_problem(
    key: str,
    name: str,
    where: int | str,
    bad: str,
    fn: Callable[..., Any],
    value: Any,
    result: Any,
) -> str | None:
    """Why the result of an accepted bad value is not what the value means (``None``: it is)."""
    args, kwargs = VALID_CALLS[key]
    valid = result_of(fn, args, kwargs)
    shown = f"{bad} {name} accepted, result {result!r}"
    if bad == "masked":
        plain_args, plain_kwargs = substitute(key, where, np.ma.getdata(value))
        plain = result_of(fn, plain_args, plain_kwargs)
        if equivalent(result, plain):
            return f"{shown}: the mask is ignored (the same as for the unmasked data)"
        if key in DROP_SAMPLE:
            expected = result_of(fn, *without_first_sample(key, plain_args, plain_kwargs))
            if not equivalent(result, expected):
                return f"{shown}: not the result without the masked sample, {expected!r}"
        return None
    if bad == "3-d" and key in THREE_D_MEANS:
        kind = THREE_D_MEANS[key]
        if kind == "batch":
            batch = np.asarray(result[1] if isinstance(result, tuple) else result)
            ok = batch.ndim >= 1 and equivalent(batch, np.broadcast_to(valid, batch.shape))
        elif kind == "same":
            ok = equivalent(result, valid)
        else:
            factor = np.size(value) / np.size(valid_value(key, where))
            ok = equivalent(result, valid * factor)
        return None if ok else f"{shown}: not what a {kind} of the valid value gives ({valid!r})"
    if bad == "inf":
        infinite = np.isposinf(numbers(result)).any()
        return None if infinite else f"{shown}: an infinite input gave a finite result"
    if bad == "nan":
        return None if np.isnan(numbers(result)).any() else f"{shown}: a NaN input gave no NaN"
    if bad in ("mixed-object", "mixed-list"):
        expected = result_of(fn, *substitute(key, where, np.array([0, 1])))
        if equivalent(result, expected, labels=False):
            return None
        return f"{shown}: 1 and '1' are two labels, as 0 and 1 give {expected!r}"
    if bad == "None" and (key, name) in NONE_MEANS:
        expected = result_of(fn, *NONE_MEANS[key, name](args, kwargs))
        return None if equivalent(result, expected) else f"{shown}: expected {expected!r}"
    if bad == "huge" and (key, name) == ("bits_per_byte", "n_bytes"):
        return None if result == 0.0 else f"{shown}: 12.5 / (10**400 ln 2) is 0.0 in float64"
    return f"{shown}: it should raise ValueError or TypeError naming {name}"


def known_defect(key: str, name: str, bad: str, impl: str) -> str | None:
    """The defect that makes this case fail today (its xfail reason), or ``None``.

    ``bad`` is a key of :data:`BAD_VALUES`, or ``option-<value>`` for a keyword-only option.
    None is known: masked arrays and ragged lists, the last ones, are refused naming the
    argument by every function (``fastinfo._inputs.as_array``). A defect found later is marked
    here, ``xfail(strict=True)``, until it is fixed.
    """
    return None


def data_cases() -> list[Any]:
    cases = []
    for key in sorted(PUBLIC):
        for name, where in data_parameters(key):
            for bad in BAD_VALUES:
                if bad == "huge" and not is_integer_parameter(key, name):
                    continue
                for impl, fn in zip(("fastinfo", "reference"), PUBLIC[key]):
                    if fn is None:
                        continue
                    reason = known_defect(key, name, bad, impl)
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    cases.append(
                        pytest.param(
                            key,
                            name,
                            where,
                            bad,
                            impl,
                            marks=marks,
                            id=f"{key}-{name}-{bad}-{impl}",
                        )
                    )
    return cases


def check(
    key: str, name: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``(True, result)`` if the call succeeded, else ``(False, None)`` after checking that it
    raised ValueError / TypeError / MemoryError naming ``name``."""
    ok, out = attempt(fn, args, kwargs)
    if ok:
        return True, out
    kind = type(out).__name__
    assert isinstance(out, (ValueError, TypeError, MemoryError)), f"{kind} for {name}: {out}"
    assert re.search(names(name), str(out)), f"{kind} does not name {name}: {out}"
    return False, None


@pytest.mark.parametrize(("key", "name", "where", "bad", "impl"), data_cases())
def test_bad_data(key: str, name: str, where: int | str, bad: str, impl: str) -> None:
    fn = PUBLIC[key][impl == "reference"]
    assert fn is not None
    value = BAD_VALUES[bad](valid_value(key, where))
    accepted, result = check(key, name, fn, *substitute(key, where, value))
    if accepted:
        problem = meaning_problem(key, name, where, bad, fn, value, result)
        assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# Bad values of the keyword-only options

# Results in the unit of ``base`` (divided by ln base); the losses of a text take ``base`` as the
# unit of their input instead.
BASE_OF_INPUT = {"bits_per_token": "times", "bits_per_byte": "times", "perplexity": "power"}


def option_cases() -> list[Any]:
    cases = []
    for key in sorted(PUBLIC):
        fn = PUBLIC[key][0]
        if inspect.isclass(fn):
            continue
        for p in inspect.signature(fn).parameters.values():
            if p.kind is not p.KEYWORD_ONLY or p.name in DATA_KEYWORDS.get(key, ()):
                continue
            values = ["object", "unknown-string"]
            annotation = str(p.annotation)
            if re.search(r"\b(int|float|Base|BinsLike)\b", annotation):
                values.append("huge")
            for bad in values:
                for impl, f in zip(("fastinfo", "reference"), PUBLIC[key]):
                    if f is None:
                        continue
                    reason = known_defect(key, p.name, f"option-{bad}", impl)
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    cases.append(
                        pytest.param(
                            key, p.name, bad, impl, marks=marks, id=f"{key}-{p.name}-{bad}-{impl}"
                        )
                    )
    return cases


OPTION_VALUES: dict[str, Any] = {"object": object(), "unknown-string": "no_such_option"}


@pytest.mark.parametrize(("key", "option", "bad", "impl"), option_cases())
def test_bad_option(key: str, option: str, bad: str, impl: str) -> None:
    fn = PUBLIC[key][impl == "reference"]
    assert fn is not None
    args, kwargs = valid_call(key)
    value = HUGE if bad == "huge" else OPTION_VALUES[bad]
    accepted, result = check(key, option, fn, args, {**kwargs, option: value})
    if not accepted:
        return
    shown = f"{option}={value!r} accepted, result {result!r}"
    assert bad == "huge", f"{shown}: it should raise naming {option}"
    assert option == "base", f"{shown}: it should raise naming {option}"
    # A huge base is a valid base: the answer in its unit.
    valid = result_of(fn, args, kwargs)
    log_base = math.log(HUGE)
    how = BASE_OF_INPUT.get(key, "divide")
    if how == "divide":
        expected = scaled(valid, 1 / log_base)
    elif how == "times":
        expected = scaled(valid, log_base)
    else:
        with np.errstate(over="ignore"):
            expected = float(np.exp(math.log(valid) * log_base))
    assert equivalent(result, expected), f"{shown}, expected {expected!r}"
