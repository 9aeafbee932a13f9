"""Information shared by many variables (total correlation, O-information, ...).

The argument checks here are shared with :mod:`fastinfo.reference`.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._dataset import as_columns
from ._inputs import (
    Base,
    IntArray,
    as_variable,
    check_estimator,
    check_same_length,
    log_base,
)

Result = Union[float, npt.NDArray[np.float64]]

#: Most variables of :func:`interaction_information` (it sums ``2**d - 1`` entropies).
MAX_INTERACTION_VARIABLES = 24


def table_variables(X: Any) -> list[list[IntArray]]:
    """The columns of ``X`` (2-D array or DataFrame), each as a one-column variable."""
    columns, _ = as_columns(X)
    return [[c] for c in columns]


# ---------------------------------------------------------------------------------------------
# Many variables


def total_correlation(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """Total correlation (multi-information) of the columns of ``X``.

    ``TC = sum_i H(X_i) - H(X_1, ..., X_d)``: the information the variables share, in any
    combination; 0 exactly when they are independent.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_variables), or a pandas / polars DataFrame
        Discrete labels, one column per variable (see :func:`fastinfo.mutual_information_matrix`
        for the accepted dtypes).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Applied to every entropy of the sum (see :func:`fastinfo.entropy`).

    Returns
    -------
    float
        Never negative (a bias-corrected sum is clamped at 0).

    See Also
    --------
    dual_total_correlation, o_information, interaction_information

    Notes
    -----
    For two variables ``TC = I(X_1; X_2)``. The joint table is never built: the rows of ``X`` are
    reduced to codes by folding the columns in one at a time, stopping as soon as every row is
    distinct, and each entropy is computed from its table's counts of counts (so the result does
    not depend on the thread count).

    References
    ----------
    .. [1] S. Watanabe, "Information theoretical analysis of multivariate correlation", IBM J.
       Res. Dev. 4 (1960), 66-82.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> a = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> b = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    >>> X = np.column_stack([a, b, a ^ b])  # pairwise independent, jointly dependent
    >>> fastinfo.total_correlation(X, base=2)
    1.0
    >>> fastinfo.total_correlation(np.column_stack([a, a, a]), base=2)  # one bit, three copies
    2.0
    """
    variables = table_variables(X)
    scale = log_base(base)
    return _native.total_correlation(variables, check_estimator(estimator)) / scale


def dual_total_correlation(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """Dual total correlation (binding information) of the columns of ``X``.

    ``DTC = H(X) - sum_i H(X_i | X_{-i})``: the joint entropy less what each variable holds on its
    own, i.e. the information shared by at least two variables.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_variables), or a pandas / polars DataFrame
        Discrete labels, one column per variable.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Applied to every entropy of the sum.

    Returns
    -------
    float
        Never negative (clamped at 0).

    See Also
    --------
    total_correlation, o_information

    Notes
    -----
    Computed as ``sum_i H(X_{-i}) - (d - 1) H(X)``. For two variables ``DTC = I(X_1; X_2)``.
    Each ``H(X_{-i})`` is the entropy of the pair (prefix ``X_1..X_{i-1}``, suffix
    ``X_{i+1}..X_d``) of row codes; a prefix or suffix that already tells every distinct row
    apart gives ``H(X_{-i}) = H(X)`` at no cost, so a wide table costs a few passes at each end.
    The suffix codes that do not yet tell every row apart are kept, 4 bytes per distinct row
    each; above the memory budget (``FASTINFO_MEMORY_LIMIT``, default half the machine's memory)
    a ``MemoryError`` says how much was needed.

    References
    ----------
    .. [1] T. S. Han, "Nonnegative entropy measures of multivariate symmetric correlations",
       Information and Control 36 (1978), 133-156.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> a = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> b = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    >>> fastinfo.dual_total_correlation(np.column_stack([a, b, a ^ b]), base=2)
    2.0
    >>> fastinfo.dual_total_correlation(np.column_stack([a, a, a]), base=2)
    1.0
    """
    variables = table_variables(X)
    scale = log_base(base)
    return _native.dual_total_correlation(variables, check_estimator(estimator)) / scale


def o_information(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """O-information of the columns of ``X``: redundancy (positive) against synergy (negative).

    ``O = TC - DTC = (d - 2) H(X) + sum_i (H(X_i) - H(X_{-i}))``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_variables), or a pandas / polars DataFrame
        Discrete labels, one column per variable.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Applied to every entropy of the sum.

    Returns
    -------
    float
        Positive when redundant (shared) information dominates, negative when synergistic
        information dominates; 0 for two variables.

    See Also
    --------
    total_correlation, dual_total_correlation, interaction_information

    Notes
    -----
    For three variables the O-information equals the co-information, i.e. minus the interaction
    information. Computed with the same entropies as :func:`total_correlation` and
    :func:`dual_total_correlation` (and the same memory bound as the latter).

    References
    ----------
    .. [1] F. E. Rosas, P. A. M. Mediano, M. Gastpar and H. J. Jensen, "Quantifying high-order
       interdependencies via multivariate extensions of the mutual information", Phys. Rev. E
       100 (2019), 032305.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> a = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> b = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    >>> fastinfo.o_information(np.column_stack([a, b, a ^ b]), base=2)  # synergy
    -1.0
    >>> fastinfo.o_information(np.column_stack([a, a, a]), base=2)  # redundancy
    1.0
    """
    variables = table_variables(X)
    scale = log_base(base)
    return _native.o_information(variables, check_estimator(estimator)) / scale


def interaction_information(
    *variables: npt.ArrayLike, base: Base = None, estimator: str = "plugin"
) -> float:
    """Interaction information of two or more variables (McGill), sign as in ``dit``.

    ``II = -sum_{S} (-1)**(d - |S|) H(X_S)`` over the non-empty subsets ``S`` of the ``d``
    variables. For two variables it is ``I(X; Y)``; for three,
    ``II = I(X; Y | Z) - I(X; Y)``: positive for synergy (XOR: +1 bit), negative for
    redundancy.

    Parameters
    ----------
    *variables : array_like
        Two to 24 sample arrays of equal length (each 1-D, or 2-D with one sample per row).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Applied to every entropy of the sum.

    Returns
    -------
    float

    See Also
    --------
    o_information : equals ``-II`` for three variables.

    Notes
    -----
    Sign conventions differ between authors. The *co-information* (Bell 2003),
    ``coI = sum_{S} (-1)**(|S| + 1) H(X_S)``, is the inclusion-exclusion "intersection" of the
    variables (``I(X; Y) - I(X; Y | Z)`` for three); the interaction information returned here is
    ``II = (-1)**d * coI`` (as ``dit.multivariate.interaction_information``, Jakulin and Bratko
    2003). The two agree for an even number of variables and differ in sign for an odd number.
    All ``2**d - 1`` subset entropies are computed, each one fold of its parent subset's row
    codes over the distinct rows of the data.

    References
    ----------
    .. [1] W. J. McGill, "Multivariate information transmission", Psychometrika 19 (1954),
       97-116.
    .. [2] A. J. Bell, "The co-information lattice", ICA 2003.
    .. [3] A. Jakulin and I. Bratko, "Quantifying and visualizing attribute interactions",
       arXiv:cs/0308002 (2003).

    Examples
    --------
    >>> import fastinfo
    >>> a = [0, 0, 1, 1]
    >>> b = [0, 1, 0, 1]
    >>> fastinfo.interaction_information(a, b, [0, 1, 1, 0], base=2)  # XOR: synergy
    1.0
    >>> fastinfo.interaction_information(a, a, a, base=2)  # copies: redundancy
    -1.0
    >>> fastinfo.interaction_information(a, a, base=2)  # two variables: I(X; Y)
    1.0
    """
    if not 2 <= len(variables) <= MAX_INTERACTION_VARIABLES:
        raise TypeError(
            f"interaction_information() needs 2 to {MAX_INTERACTION_VARIABLES} variables, "
            f"got {len(variables)}"
        )
    coerced = [as_variable(v, f"variables[{i}]") for i, v in enumerate(variables)]
    check_same_length(*coerced)
    scale = log_base(base)
    columns = [v.columns for v in coerced]
    return _native.interaction_information(columns, check_estimator(estimator)) / scale
