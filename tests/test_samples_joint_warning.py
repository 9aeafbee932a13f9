"""A 2-D argument of many columns used as one joint variable: the warning and its opt-out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import IMPLS

# ---------------------------------------------------------------------------------------------
# A DataFrame of many columns as one variable: a warning pointing to mutual_information_with


@pytest.mark.parametrize("impl", IMPLS)
def test_many_columns_as_one_variable_warn_unless_joint(impl) -> None:
    """On scikit-learn's digits, mutual_information(df, y) is exactly H(y) (issue 11): fastinfo
    warns, naming mutual_information_with, unless joint=True says a joint variable is meant."""
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 16, (500, 8))
    y = rng.integers(0, 3, 500)
    with pytest.warns(UserWarning, match=r"x has 8 columns .*mutual_information_with\(x, y\)"):
        value = impl.mutual_information(wide, y)
    assert value == pytest.approx(impl.entropy(y))  # the trap: every row is distinct
    with pytest.warns(UserWarning, match=r"y has 8 columns .*mutual_information_with\(y, x\)"):
        impl.mutual_information(y, wide)
    for call in (
        lambda **kw: impl.entropy(wide, **kw),
        lambda **kw: impl.conditional_entropy(y, wide, **kw),
        lambda **kw: impl.conditional_mutual_information(wide, y, y, **kw),
        lambda **kw: impl.conditional_mutual_information(y, y, wide, **kw),
    ):
        with pytest.warns(UserWarning, match="mutual_information_with"):
            call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # joint=True: the same number, silently; a few columns never warn.
        assert impl.mutual_information(wide, y, joint=True) == value
        impl.entropy(wide, joint=True)
        impl.conditional_entropy(y, wide, joint=True)
        impl.conditional_mutual_information(wide, y, y, joint=True)
        impl.mutual_information(wide[:, :3], y)
        impl.joint_entropy(wide, y)  # joint by name
    with pytest.raises(TypeError, match="joint"):
        impl.mutual_information(wide, y, joint="yes")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(wide, columns=[f"pixel{i}" for i in range(8)])
    with pytest.warns(UserWarning, match="mutual_information_with"):
        impl.mutual_information(frame, y)
