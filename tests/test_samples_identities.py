"""The samples functions: information-theoretic identities and inequalities (chain rules, data
processing, invariance to relabelling)."""

from __future__ import annotations

import math

import numpy as np
from helpers.labels import (
    INTEGER_KINDS,
    SORTABLE_KINDS,
    SPREADS,
    alphabet,
    assert_close,
    bases,
    estimators,
    joint_samples,
    one_sample,
    stack,
)
from hypothesis import given, note
from hypothesis import strategies as st

import fastinfo

# ---------------------------------------------------------------------------------------------
# 3. Identities and inequalities


def _tol(*values: float) -> float:
    return 1e-12 * (1.0 + max(abs(v) for v in values))


@given(one_sample(), estimators)
def test_identities_of_one_variable(x: np.ndarray, estimator: str) -> None:
    e = {"estimator": estimator}
    h = fastinfo.entropy(x, **e)
    # I(X; X) = H(X) (the Miller-Madow corrections agree too).
    assert_close(fastinfo.mutual_information(x, x, **e), h, abs_=_tol(h))
    # H(X | X) = 0 and I(X; X | X) = 0, exactly.
    assert fastinfo.conditional_entropy(x, x, **e) == 0.0
    assert fastinfo.conditional_mutual_information(x, x, x, **e) == 0.0
    # H(X, X) = H(X).
    assert_close(fastinfo.joint_entropy(x, x, **e), h)


@given(one_sample(), bases)
def test_miller_madow_is_plugin_plus_correction(x: np.ndarray, base: int | None) -> None:
    m = fastinfo.counts(x)[1].shape[0]
    n = x.shape[0]
    scale = 1.0 if base is None else math.log(base)
    plugin = fastinfo.entropy(x, base=base)
    assert_close(
        fastinfo.entropy(x, base=base, estimator="miller_madow"),
        plugin + (m - 1) / (2 * n) / scale,
    )


@given(joint_samples(2), estimators)
def test_identities_of_two_variables(variables: list[np.ndarray], estimator: str) -> None:
    x, y = variables
    e = {"estimator": estimator}
    h_x, h_y = fastinfo.entropy(x, **e), fastinfo.entropy(y, **e)
    h_xy = fastinfo.joint_entropy(x, y, **e)
    h_y_given_x = fastinfo.conditional_entropy(y, x, **e)
    h_x_given_y = fastinfo.conditional_entropy(x, y, **e)
    info = fastinfo.mutual_information(x, y, **e)
    tol = _tol(h_x, h_y, h_xy)
    note(f"H(X)={h_x} H(Y)={h_y} H(X,Y)={h_xy} H(Y|X)={h_y_given_x} I={info}")
    # Chain rule: H(X, Y) = H(X) + H(Y | X) = H(Y) + H(X | Y).
    assert abs(h_xy - (h_x + h_y_given_x)) <= tol
    assert abs(h_xy - (h_y + h_x_given_y)) <= tol
    # I = H(X) + H(Y) - H(X, Y) (Miller-Madow information is clamped at 0).
    assert abs(info - max(h_x + h_y - h_xy, 0.0)) <= tol
    # Symmetry.
    assert_close(fastinfo.mutual_information(y, x, **e), info)
    assert_close(fastinfo.joint_entropy(y, x, **e), h_xy)
    assert info >= 0.0
    if estimator == "plugin":
        # 0 <= I <= min(H(X), H(Y)); conditioning reduces entropy; H(X, Y) >= max(H(X), H(Y)).
        assert info <= min(h_x, h_y) + tol
        assert h_x_given_y <= h_x + tol
        assert h_y_given_x <= h_y + tol
        assert h_xy >= max(h_x, h_y) - tol
        assert h_x_given_y >= 0.0


@given(joint_samples(3), estimators, st.sampled_from([2, 10, 7.25]))
def test_identities_of_three_variables(
    variables: list[np.ndarray], estimator: str, base: float
) -> None:
    x, y, z = variables
    e = {"estimator": estimator}
    cmi = fastinfo.conditional_mutual_information(x, y, z, **e)
    # Symmetry in X and Y.
    assert_close(fastinfo.conditional_mutual_information(y, x, z, **e), cmi)
    # I(X; Y | Z) = H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)  (clamped at 0 for Miller-Madow).
    h_xz, h_yz = fastinfo.joint_entropy(x, z, **e), fastinfo.joint_entropy(y, z, **e)
    h_xyz, h_z = fastinfo.joint_entropy(x, y, z, **e), fastinfo.entropy(z, **e)
    assert abs(cmi - max(h_xz + h_yz - h_xyz - h_z, 0.0)) <= _tol(h_xz, h_yz, h_xyz)
    # Base conversion of every quantity.
    scale = math.log(base)
    assert_close(fastinfo.conditional_mutual_information(x, y, z, base=base, **e), cmi / scale)
    assert_close(
        fastinfo.mutual_information(x, y, base=base, **e),
        fastinfo.mutual_information(x, y, **e) / scale,
    )
    assert_close(
        fastinfo.conditional_entropy(x, z, base=base, **e),
        fastinfo.conditional_entropy(x, z, **e) / scale,
    )
    assert_close(fastinfo.joint_entropy(x, y, z, base=base, **e), h_xyz / scale)


@given(joint_samples(3, kinds=INTEGER_KINDS, two_d=False))
def test_chain_rule_of_information(variables: list[np.ndarray]) -> None:
    x, y, z = variables
    yz = stack(y, z)
    whole = fastinfo.mutual_information(x, yz)
    parts = fastinfo.mutual_information(x, z) + fastinfo.conditional_mutual_information(x, y, z)
    assert abs(whole - parts) <= _tol(whole, fastinfo.entropy(x))


@st.composite
def markov_chains(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples whose *empirical* distribution is a Markov chain X → Y → Z.

    Either Z is a random function of Y (Y itself a noisy channel of X), or, for every value of Y,
    the samples are all pairs of a random multiset of X values and a random multiset of Z values,
    so that X and Z are exactly independent given Y in the sample.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        n = draw(st.integers(1, 2000))
        kx, ky, kz = (draw(st.integers(1, 40)) for _ in range(3))
        x = rng.integers(0, kx, n)
        y = rng.integers(0, ky, kx)[x]
        noise = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5]))
        y[noise] = rng.integers(0, ky, int(noise.sum()))
        z = rng.integers(0, kz, ky)[y] * (1 << 41)  # a random function: hashed path
        return x, y, z
    xs, ys, zs = [], [], []
    for y_value in range(draw(st.integers(1, 6))):
        a = rng.integers(0, draw(st.integers(1, 8)), draw(st.integers(1, 6)))
        b = rng.integers(0, draw(st.integers(1, 8)), draw(st.integers(1, 6)))
        pairs = np.array(np.meshgrid(a, b, indexing="ij")).reshape(2, -1)
        xs.append(pairs[0])
        zs.append(pairs[1])
        ys.append(np.full(pairs.shape[1], y_value * 7 - 3))
    order = rng.permutation(sum(len(v) for v in xs))
    return np.concatenate(xs)[order], np.concatenate(ys)[order], np.concatenate(zs)[order]


@given(markov_chains())
def test_data_processing_inequality(chain: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    x, y, z = chain
    i_xz = fastinfo.mutual_information(x, z)
    i_xy = fastinfo.mutual_information(x, y)
    i_yz = fastinfo.mutual_information(y, z)
    assert i_xz <= i_xy + 1e-12
    assert i_xz <= i_yz + 1e-12
    # Markov: nothing left between X and Z once Y is known.
    assert fastinfo.conditional_mutual_information(x, z, y) <= 1e-12


def _relabel(x: np.ndarray, rng: np.random.Generator, kind: str, spread: str) -> np.ndarray:
    """``x`` with its labels (rows, for 2-D) replaced through a random bijection."""
    _, inverse = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = int(inverse.max()) + 1
    new = alphabet(rng, kind, m, spread)
    while new.shape[0] < m:  # small dtypes: fall back to int64 labels
        new = alphabet(rng, "int64", m, spread)
    return new[inverse]


@given(
    joint_samples(3, kinds=SORTABLE_KINDS),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["int64", "uint64", "int32", "uint16", "str"]),
    st.sampled_from(SPREADS),
    estimators,
)
def test_relabelling_invariance(
    variables: list[np.ndarray], seed: int, kind: str, spread: str, estimator: str
) -> None:
    rng = np.random.default_rng(seed)
    x, y, z = variables
    rx, ry, rz = (_relabel(v, rng, kind, spread) for v in variables)
    e = {"estimator": estimator}
    pairs = [
        (fastinfo.entropy(x, **e), fastinfo.entropy(rx, **e)),
        (fastinfo.joint_entropy(x, y, z, **e), fastinfo.joint_entropy(rx, ry, rz, **e)),
        (fastinfo.conditional_entropy(x, y, **e), fastinfo.conditional_entropy(rx, ry, **e)),
        (fastinfo.mutual_information(x, y, **e), fastinfo.mutual_information(rx, ry, **e)),
        (
            fastinfo.conditional_mutual_information(x, y, z, **e),
            fastinfo.conditional_mutual_information(rx, ry, rz, **e),
        ),
    ]
    for before, after in pairs:
        assert_close(after, before)
    assert np.array_equal(np.sort(fastinfo.counts(x)[1]), np.sort(fastinfo.counts(rx)[1]))
    table = fastinfo.contingency(x, y, sparse=True)[2]
    relabelled = fastinfo.contingency(rx, ry, sparse=True)[2]
    assert np.array_equal(np.sort(table.data), np.sort(relabelled.data))
