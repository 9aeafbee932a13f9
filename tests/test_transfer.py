"""Transfer entropy, active information storage and entropy rate: PyInform's published values and
its functions on random series, the definitions as (conditional) mutual information of lagged
columns, the reference twin, every input layout, the all-pairs matrix, bad inputs and threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
from fastinfo import reference
from fastinfo._inputs import ESTIMATORS

FAST = [e for e in ESTIMATORS if e != "nsb"]


def lagged(x: np.ndarray, lags: list[int], warmup: int) -> np.ndarray:
    """Columns ``x[t - lag]`` for ``t = warmup .. n - 1`` (2-D, one column per lag)."""
    return np.column_stack([x[warmup - lag : len(x) - lag] for lag in lags])


def te_by_definition(y, x, k=1, l=1, u=1, given_=(), estimator="plugin", base=None):  # noqa: E741
    """``I(X_t ; Y_{t-u-l+1..t-u} | X_{t-k..t-1}, Z_{t-1})``, one trial, by fastinfo's CMI."""
    w = max(k, u + l - 1, 1 if len(given_) else 0)
    future = x[w:]
    source = lagged(y, [u + l - 1 - i for i in range(l)], w)
    condition = lagged(x, [k - i for i in range(k)], w)
    for z in given_:
        condition = np.column_stack([condition, lagged(z, [1], w)])
    return fastinfo.conditional_mutual_information(
        future, source, condition, estimator=estimator, base=base
    )


def driven(n: int, seed: int, card: int = 2, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``y`` random, ``x`` copies ``y`` one step later except for a fraction ``noise``."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, card, n)
    x = np.roll(y, 1)
    flip = rng.random(n) < noise
    x[flip] = rng.integers(0, card, int(flip.sum()))
    return y, x


# ---------------------------------------------------------------------------------------------
# PyInform's published values (its docstrings), no PyInform needed

XS = [0, 1, 1, 1, 1, 0, 0, 0, 0]
YS = [0, 0, 1, 1, 1, 1, 0, 0, 0]
TRIALS_X = [[1, 0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 1, 1]]
TRIALS_Y = [[0, 0, 1, 1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 1, 1, 1, 0]]


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
def test_pyinform_published_values(impl):
    te = impl.transfer_entropy
    assert te(XS, YS, history=2, base=2) == pytest.approx(0.6792696431662097, abs=1e-14)
    assert te(YS, XS, history=2, base=2) == 0.0
    np.testing.assert_allclose(
        te(XS, YS, history=2, base=2, local=True),
        [1.0, 0.0, 0.5849625, 0.5849625, 1.5849625, 0.0, 1.0],
        atol=1e-7,
    )
    assert te(TRIALS_X, TRIALS_Y, history=2, base=2) == pytest.approx(0.693536138896192, 1e-14)
    local = te(TRIALS_X, TRIALS_Y, history=2, base=2, local=True)
    assert local.shape == (2, 7)
    np.testing.assert_allclose(local[0, :3], [1.32192809, 0.0, 0.73696559], atol=1e-8)
    ws = [0, 1, 1, 1, 1, 0, 1, 1, 1]
    assert te(XS, YS, history=2, given=ws, base=2) == pytest.approx(0.2857142857142857, 1e-14)
    np.testing.assert_allclose(
        te(XS, YS, history=2, given=ws, base=2, local=True), [1, 0, 0, 0, 0, 0, 1], atol=1e-14
    )
    two = np.array([[1, 0, 1, 0, 1, 1, 1, 1, 1], [1, 1, 0, 1, 0, 1, 1, 1, 1]])
    assert te(XS, YS, history=2, given=two, base=2) == 0.0
    series = [0, 0, 1, 1, 1, 1, 0, 0, 0]
    ais = impl.active_information_storage
    assert ais(series, history=2, base=2) == pytest.approx(0.3059584928680418, abs=1e-14)
    np.testing.assert_allclose(
        ais(series, history=2, base=2, local=True),
        [-0.19264508, 0.80735492, 0.22239242, 0.22239242, -0.36257008, 1.22239242, 0.22239242],
        atol=1e-8,
    )
    pair = [series, [1, 0, 0, 1, 0, 0, 1, 0, 0]]
    assert ais(pair, history=2, base=2) == pytest.approx(0.35987902873686084, abs=1e-14)
    np.testing.assert_allclose(
        ais(np.array(pair), history=2, base=2), [0.30595849, 0.86312057], atol=1e-8
    )
    rate = impl.entropy_rate
    assert rate(series, history=2, base=2) == pytest.approx(0.6792696431662095, abs=1e-14)
    assert rate([0, 0, 1, 1, 1, 1, 2, 2, 2], history=2, base=2) == pytest.approx(
        0.39355535745192416, abs=1e-14
    )
    assert rate(pair, history=2, base=2) == pytest.approx(0.6253491072973907, abs=1e-14)


def test_conditional_trials_follow_the_definition_not_pyinform_0_2():
    """PyInform 0.2's bundled libinform reads the conditions of trial i > 0 from the wrong offset
    (``back[j + n (i + m u) - 1]``; fixed upstream in Inform's "Fix and close #78"), so its
    published 0.3396 for two trials and two conditions is not the conditional transfer entropy.
    The definition, pooled over the trials, gives 0.19678."""
    xs = np.array([[1, 1, 0, 1, 0, 1, 1, 0, 0], [0, 1, 0, 1, 1, 1, 0, 0, 1]])
    ys = np.array([[1, 1, 1, 0, 1, 1, 1, 0, 0], [0, 0, 1, 0, 1, 1, 1, 0, 0]])
    ws = np.array(  # PyInform's layout: (condition, trial, step)
        [[[1, 1, 0, 1, 1, 0, 1, 0, 1], [1, 1, 1, 0, 1, 1, 1, 1, 0]],
         [[1, 1, 1, 1, 0, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1, 1, 0, 1]]]
    )  # fmt: skip
    trials = [ws[:, r, :] for r in range(2)]  # fastinfo: one (condition, step) block per trial
    value = fastinfo.transfer_entropy(list(xs), list(ys), history=2, given=trials, base=2)
    future = np.concatenate([y[2:] for y in ys])
    source = np.concatenate([x[1:-1] for x in xs])
    past = np.column_stack(
        [np.concatenate([y[:-2] for y in ys]), np.concatenate([y[1:-1] for y in ys])]
        + [np.concatenate([ws[c, r, 1:-1] for r in range(2)]) for c in range(2)]
    )
    expected = fastinfo.conditional_mutual_information(future, source, past, base=2)
    assert value == expected
    assert value == pytest.approx(0.19677767872596205, abs=1e-14)
    assert reference.transfer_entropy(list(xs), list(ys), history=2, given=trials, base=2) == (
        pytest.approx(value, abs=1e-14)
    )


# ---------------------------------------------------------------------------------------------
# Against PyInform's functions on random series


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("card", [2, 3, 5])
def test_against_pyinform(k, card):
    pyinform = pytest.importorskip("pyinform")
    y, x = driven(20_000, seed=k * 10 + card, card=card, noise=0.4)
    assert fastinfo.transfer_entropy(y, x, history=k, base=2) == pytest.approx(
        pyinform.transfer_entropy(y, x, k=k), abs=1e-10
    )
    np.testing.assert_allclose(
        fastinfo.transfer_entropy(y, x, history=k, base=2, local=True),
        pyinform.transfer_entropy(y, x, k=k, local=True)[0],
        atol=1e-10,
    )
    assert fastinfo.active_information_storage(x, history=k, base=2) == pytest.approx(
        pyinform.active_info(x, k=k), abs=1e-10
    )
    np.testing.assert_allclose(
        fastinfo.active_information_storage(x, history=k, base=2, local=True),
        pyinform.active_info(x, k=k, local=True)[0],
        atol=1e-10,
    )
    assert fastinfo.entropy_rate(x, history=k, base=2) == pytest.approx(
        pyinform.entropy_rate(x, k=k), abs=1e-10
    )
    np.testing.assert_allclose(
        fastinfo.entropy_rate(x, history=k, base=2, local=True),
        pyinform.entropy_rate(x, k=k, local=True)[0],
        atol=1e-10,
    )
    # Trials: PyInform's 2-D is fastinfo's list of trials.
    trials_y = np.stack([y[:5000], y[5000:10000], y[10000:15000]])
    trials_x = np.stack([x[:5000], x[5000:10000], x[10000:15000]])
    assert fastinfo.transfer_entropy(list(trials_y), list(trials_x), history=k, base=2) == (
        pytest.approx(pyinform.transfer_entropy(trials_y, trials_x, k=k), abs=1e-10)
    )
    np.testing.assert_allclose(
        fastinfo.transfer_entropy(list(trials_y), list(trials_x), history=k, base=2, local=True),
        pyinform.transfer_entropy(trials_y, trials_x, k=k, local=True),
        atol=1e-10,
    )
    assert fastinfo.active_information_storage(list(trials_x), history=k, base=2) == (
        pytest.approx(pyinform.active_info(trials_x, k=k), abs=1e-10)
    )
    assert fastinfo.entropy_rate(list(trials_x), history=k, base=2) == pytest.approx(
        pyinform.entropy_rate(trials_x, k=k), abs=1e-10
    )


def test_conditional_against_pyinform_single_trial():
    pyinform = pytest.importorskip("pyinform")
    rng = np.random.default_rng(3)
    z = rng.integers(0, 2, (2, 10_000))
    y, x = driven(10_000, seed=4, noise=0.3)
    x = np.where(z[0] == 1, x, np.roll(z[1], 1))
    for condition in (z[0], z):
        assert fastinfo.transfer_entropy(y, x, history=2, given=condition, base=2) == (
            pytest.approx(pyinform.transfer_entropy(y, x, k=2, condition=condition), abs=1e-10)
        )
        np.testing.assert_allclose(
            fastinfo.transfer_entropy(y, x, history=2, given=condition, base=2, local=True),
            pyinform.transfer_entropy(y, x, k=2, condition=condition, local=True)[0],
            atol=1e-10,
        )


# ---------------------------------------------------------------------------------------------
# Definitions as (conditional) mutual information of lagged columns


@st.composite
def embeddings(draw: st.DrawFn) -> dict[str, int]:
    return {
        "k": draw(st.integers(1, 4)),
        "l": draw(st.integers(1, 3)),
        "u": draw(st.integers(1, 3)),
    }


@given(
    st.integers(0, 2**32 - 1),
    st.integers(12, 400),
    st.sampled_from([1, 2, 3, 7, 300]),
    embeddings(),
    st.sampled_from(FAST),
    st.booleans(),
)
@settings(max_examples=80)
def test_equals_conditional_mutual_information(seed, n, card, emb, estimator, wide):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, card, n)
    x = np.where(rng.random(n) < 0.5, np.roll(y, emb["u"]), rng.integers(0, card, n))
    if wide:  # values spread over a huge range: coded by rank, same counts
        x = x.astype(np.int64) * (1 << 40) - 5
    w = max(emb["k"], emb["u"] + emb["l"] - 1)
    if n <= w:
        return
    value = fastinfo.transfer_entropy(
        y,
        x,
        history=emb["k"],
        source_history=emb["l"],
        delay=emb["u"],
        estimator=estimator,
    )
    expected = te_by_definition(y, x, emb["k"], emb["l"], emb["u"], estimator=estimator)
    if wide or card == 300:
        assert value == pytest.approx(expected, abs=1e-12)
    else:  # same cells in the same order: the same bits
        assert value == expected


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.sampled_from(FAST))
@settings(max_examples=60)
def test_storage_and_rate_by_definition(seed, k, estimator):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, 300)
    x[::3] = x[1::3][: len(x[::3])]
    future, past = x[k:], lagged(x, [k - i for i in range(k)], k)
    ais = fastinfo.active_information_storage(x, history=k, estimator=estimator)
    rate = fastinfo.entropy_rate(x, history=k, estimator=estimator)
    assert ais == fastinfo.mutual_information(future, past, estimator=estimator)
    assert rate == fastinfo.conditional_entropy(future, past, estimator=estimator)
    if estimator == "plugin":
        assert ais + rate == pytest.approx(fastinfo.entropy(future), abs=1e-12)
        for f, value in [
            (fastinfo.active_information_storage, ais),
            (fastinfo.entropy_rate, rate),
        ]:
            assert f(x, history=k, local=True).mean() == pytest.approx(value, abs=1e-12)


def test_conditional_by_definition_with_several_conditions():
    rng = np.random.default_rng(11)
    z = rng.integers(0, 3, (2, 5000))
    y, x = driven(5000, seed=12, card=3, noise=0.5)
    for estimator in FAST:
        value = fastinfo.transfer_entropy(y, x, history=2, given=z, estimator=estimator)
        assert value == te_by_definition(y, x, 2, 1, 1, given_=list(z), estimator=estimator)


# ---------------------------------------------------------------------------------------------
# Layouts: 1-D, trials, batches, 3-D; local values' shapes; the reference twin


def test_layouts_and_local_shapes():
    rng = np.random.default_rng(13)
    X = rng.integers(0, 2, (3, 4, 200))  # (trials, series, steps)
    Y = rng.integers(0, 2, (3, 4, 200))
    options = {"history": 3, "source_history": 2, "delay": 2}
    w = 3
    single = fastinfo.transfer_entropy(Y[0, 0], X[0, 0], **options)
    assert isinstance(single, float)
    assert fastinfo.transfer_entropy(Y[0, 0], X[0, 0], local=True, **options).shape == (200 - w,)
    trials = fastinfo.transfer_entropy(list(Y[:, 0]), list(X[:, 0]), **options)
    assert isinstance(trials, float)
    local = fastinfo.transfer_entropy(list(Y[:, 0]), list(X[:, 0]), local=True, **options)
    assert local.shape == (3, 200 - w)
    assert local.mean() == pytest.approx(trials, abs=1e-12)
    batch = fastinfo.transfer_entropy(Y[0], X[0], **options)
    assert batch.shape == (4,)
    assert batch[2] == fastinfo.transfer_entropy(Y[0, 2], X[0, 2], **options)
    assert fastinfo.transfer_entropy(Y[0], X[0], local=True, **options).shape == (4, 200 - w)
    cube = fastinfo.transfer_entropy(Y, X, **options)
    assert cube.shape == (4,)
    assert cube[1] == fastinfo.transfer_entropy(list(Y[:, 1]), list(X[:, 1]), **options)
    np.testing.assert_array_equal(cube, fastinfo.transfer_entropy(list(Y), list(X), **options))
    local = fastinfo.transfer_entropy(Y, X, local=True, **options)
    assert local.shape == (3, 4, 200 - w)
    np.testing.assert_allclose(local.mean(axis=(0, 2)), cube, atol=1e-12)
    for f in (fastinfo.active_information_storage, fastinfo.entropy_rate):
        values = f(X, history=2)
        assert values.shape == (4,)
        assert values[3] == f(list(X[:, 3]), history=2)
        assert f(X, history=2, local=True).shape == (3, 4, 198)
        assert f(X[0], history=2, local=True).shape == (4, 198)
        assert f(list(X[:, 0]), history=2, local=True).shape == (3, 198)


LAYOUTS = {
    "1d": lambda a: a[0, 0],
    "trials": lambda a: list(a[:, 0]),
    "batch": lambda a: a[0],
    "cube": lambda a: a,
    "trials-of-batches": lambda a: list(a),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("local", [False, True])
def test_against_reference(layout, local):
    rng = np.random.default_rng(14)
    X = rng.integers(0, 3, (2, 3, 150))
    Y = np.where(rng.random(X.shape) < 0.5, np.roll(X, 1, axis=2), rng.integers(0, 3, X.shape))
    pick = LAYOUTS[layout]
    options = {"history": 2, "source_history": 2, "delay": 1, "local": local, "base": 2}
    fast = fastinfo.transfer_entropy(pick(X), pick(Y), **options)
    slow = reference.transfer_entropy(pick(X), pick(Y), **options)
    np.testing.assert_allclose(fast, slow, atol=1e-12)
    for name in ("active_information_storage", "entropy_rate"):
        fast = getattr(fastinfo, name)(pick(X), history=3, local=local)
        slow = getattr(reference, name)(pick(X), history=3, local=local)
        np.testing.assert_allclose(fast, slow, atol=1e-12)


@pytest.mark.parametrize("estimator", FAST)
def test_estimators_against_reference(estimator):
    y, x = driven(3000, seed=15, card=4, noise=0.6)
    for f in ("transfer_entropy",):
        fast = getattr(fastinfo, f)(y, x, history=2, estimator=estimator)
        slow = getattr(reference, f)(y, x, history=2, estimator=estimator)
        assert fast == pytest.approx(slow, abs=1e-10)
    for f in ("active_information_storage", "entropy_rate"):
        fast = getattr(fastinfo, f)(x, history=2, estimator=estimator)
        slow = getattr(reference, f)(x, history=2, estimator=estimator)
        assert fast == pytest.approx(slow, abs=1e-10)


def test_string_labels_are_factorised_across_trials():
    a = ["up", "down", "down", "up", "up", "up", "down", "up"]
    b = ["down", "down", "up", "up", "down", "up", "down", "down"]
    codes = {"down": 0, "up": 1}
    as_int = [[codes[v] for v in t] for t in (a, b)]
    assert fastinfo.entropy_rate([a, b], history=1) == fastinfo.entropy_rate(as_int, history=1)


# ---------------------------------------------------------------------------------------------
# The all-pairs matrix


@pytest.mark.parametrize(
    ("card", "k", "l"),
    [(2, 1, 1), (2, 3, 1), (2, 6, 2), (3, 2, 1), (5, 3, 2)],
    ids=["binary-k1", "binary-k3", "binary-k6-l2", "ternary-k2", "five-k3-l2"],
)
def test_matrix_entries_are_the_pairs(card, k, l):  # noqa: E741
    rng = np.random.default_rng(card * 100 + k)
    X = rng.integers(0, card, (5, 3000))
    X[1] = np.where(rng.random(3000) < 0.8, np.roll(X[0], 1), X[1])
    X[4, :] = 0  # a constant series
    options = {"history": k, "source_history": l, "base": 2}
    T = fastinfo.transfer_entropy_matrix(X, **options)
    assert T.shape == (5, 5)
    for i in range(5):
        for j in range(5):
            expected = 0.0 if i == j else fastinfo.transfer_entropy(X[i], X[j], **options)
            assert T[i, j] == expected, (i, j)
    assert T[0, 1] > 0.1


def test_matrix_with_trials_and_estimators():
    rng = np.random.default_rng(16)
    X = rng.integers(0, 2, (3, 4, 400))
    X[:, 2] = np.roll(X[:, 1], 1, axis=1)
    for estimator in FAST:
        fast = fastinfo.transfer_entropy_matrix(X, history=2, estimator=estimator)
        slow = reference.transfer_entropy_matrix(X, history=2, estimator=estimator)
        np.testing.assert_allclose(fast, slow, atol=1e-10)
        np.testing.assert_array_equal(
            fast, fastinfo.transfer_entropy_matrix(list(X), history=2, estimator=estimator)
        )


# ---------------------------------------------------------------------------------------------
# Threads and bad inputs


def test_threads_give_identical_bits():
    rng = np.random.default_rng(17)
    X = rng.integers(0, 2, (12, 100_000))
    X[3] = np.roll(X[2], 1) ^ (rng.random(100_000) < 0.1)
    y, x = driven(1_000_000, seed=18, card=3)
    before = fastinfo.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 3):
            fastinfo.set_num_threads(threads)
            runs.append(
                (
                    fastinfo.transfer_entropy_matrix(X, history=3),
                    fastinfo.transfer_entropy(y, x, history=4, local=True),
                    fastinfo.transfer_entropy(y, x, history=4, estimator="grassberger"),
                    fastinfo.active_information_storage(x, history=5),
                )
            )
    finally:
        fastinfo.set_num_threads(before)
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


IMPLS = [pytest.param(fastinfo, id="fastinfo"), pytest.param(reference, id="reference")]


@pytest.mark.parametrize("impl", IMPLS)
def test_bad_inputs(impl):
    x, y = [0, 1, 1, 0, 1], [1, 1, 0, 0, 1]
    with pytest.raises(ValueError, match="history"):
        impl.transfer_entropy(x, y, history=5)  # series shorter than the history
    with pytest.raises(ValueError, match="history"):
        impl.entropy_rate(x, history=7)
    with pytest.raises(ValueError, match="history"):
        impl.active_information_storage(x, history=0)
    with pytest.raises(TypeError, match="history"):
        impl.active_information_storage(x, history=True)
    with pytest.raises(TypeError, match="history"):
        impl.active_information_storage(x, history=1.5)
    with pytest.raises(ValueError, match="delay"):
        impl.transfer_entropy(x, y, delay=0)
    with pytest.raises(ValueError, match="source_history"):
        impl.transfer_entropy(x, y, source_history=-1)
    with pytest.raises(TypeError, match="source"):
        impl.transfer_entropy([0.5, np.nan, 1.0], [0, 1, 1])  # floats (NaN) are not labels
    with pytest.raises(ValueError, match="missing"):
        impl.entropy_rate(np.array([0, None, 1], dtype=object), history=1)
    with pytest.raises(ValueError, match="trial 1"):
        impl.entropy_rate([[0, 1, 0, 1], [0, 1, 0]], history=1)  # mismatched trial lengths
    with pytest.raises(ValueError, match="source"):
        impl.transfer_entropy([0, 1, 0, 1], [0, 1, 0])
    with pytest.raises(ValueError, match="source"):
        impl.transfer_entropy(np.zeros((2, 5), int), np.zeros((3, 5), int))
    with pytest.raises(ValueError, match="given"):
        impl.transfer_entropy(x, y, given=[0, 1, 0])
    with pytest.raises(ValueError, match=r"np\.asarray\(given\)"):
        impl.transfer_entropy(x, y, given=[x, y])  # a list is trials
    with pytest.raises(ValueError, match="batch"):
        impl.transfer_entropy(np.zeros((2, 5), int), np.zeros((2, 5), int), given=x)
    with pytest.raises(ValueError, match="local"):
        impl.transfer_entropy(x, y, local=True, estimator="miller_madow")
    with pytest.raises(TypeError, match="local"):
        impl.transfer_entropy(x, y, local="yes")
    with pytest.raises(ValueError, match="estimator"):
        impl.entropy_rate(x, history=1, estimator="nope")
    with pytest.raises(ValueError, match="base"):
        impl.entropy_rate(x, history=1, base=1)
    with pytest.raises(ValueError, match="target"):
        impl.transfer_entropy(x, [])
    with pytest.raises(ValueError, match="x"):
        impl.entropy_rate(np.zeros((2, 2, 2, 2), int), history=1)
    with pytest.raises(ValueError, match="X"):
        impl.transfer_entropy_matrix(x)  # one series
    with pytest.raises(ValueError, match="history"):
        impl.transfer_entropy_matrix(np.zeros((3, 4), int), history=4)


def test_dataframes_hold_one_series_per_column():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(19)
    X = rng.integers(0, 3, (4, 600))
    frame = pd.DataFrame(X.T, columns=["a", "b", "c", "d"])
    np.testing.assert_array_equal(
        fastinfo.transfer_entropy_matrix(frame, history=2),
        fastinfo.transfer_entropy_matrix(X, history=2),
    )
    np.testing.assert_array_equal(
        fastinfo.entropy_rate(frame, history=2), fastinfo.entropy_rate(X, history=2)
    )
    with pytest.raises(ValueError, match="missing"):
        fastinfo.entropy_rate(pd.DataFrame({"a": [1, None, 2]}, dtype="Int64"), history=1)


def test_gil_released_during_the_matrix():
    threads = pytest.importorskip("test_threads")
    before = fastinfo.get_num_threads()
    try:
        fastinfo.set_num_threads(1)  # the counter gets a core of its own
        rng = np.random.default_rng(20)
        X = rng.integers(0, 4, (40, 200_000))  # pair by pair: ~1 s on one thread
        assert fastinfo.transfer_entropy_matrix(X[:2, :1000], history=3).shape == (2, 2)
        progress = threads._counter_progress(lambda: fastinfo.transfer_entropy_matrix(X, history=3))
    finally:
        fastinfo.set_num_threads(before)
    assert progress["duration"] > 0.2, progress
    assert progress["ratio"] > threads.MIN_RATIO, progress
