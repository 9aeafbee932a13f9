//! Bindings of the permutation test and the G-test.

use super::{labels, run, LabelArray};
use crate::samples::significance::{self, NullMethod};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(permutation_test, m)?,
        wrap_pyfunction!(g_test, m)?,
        wrap_pyfunction!(regularized_upper_gamma, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// `(statistic, pvalue, null_distribution)` of a permutation test.
type TestOutcome<'py> = (f64, f64, Bound<'py, PyArray1<f64>>);

/// Permutation test of I(x; y) (or I(x; y | given) when `given` is not empty); `method` is
/// "auto", "shuffle" or "table" (how null tables are drawn).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn permutation_test<'py>(
    py: Python<'py>,
    x: Vec<LabelArray<'py>>,
    y: Vec<LabelArray<'py>>,
    given: Vec<LabelArray<'py>>,
    n_permutations: usize,
    seed: u64,
    estimator: &str,
    method: &str,
) -> PyResult<TestOutcome<'py>> {
    let (x, y, given) = (labels(&x)?, labels(&y)?, labels(&given)?);
    let test = run(py, |interrupt| {
        let (e, method) = (estimator.parse()?, method.parse::<NullMethod>()?);
        significance::permutation_test(&x, &y, &given, n_permutations, seed, e, method, interrupt)
    })?;
    Ok((
        test.statistic,
        test.pvalue,
        PyArray1::from_vec(py, test.null_distribution),
    ))
}

/// G-test of independence: `(statistic, rows, columns, pvalue)`.
#[pyfunction]
fn g_test(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
) -> PyResult<(f64, u64, u64, f64)> {
    let (x, y) = (labels(&x)?, labels(&y)?);
    let g = run(py, |_| significance::g_test(&x, &y))?;
    Ok((g.statistic, g.rows, g.columns, g.pvalue))
}

/// `Q(a, x)` element by element (a test hook for the incomplete gamma function).
#[pyfunction]
fn regularized_upper_gamma<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (a, x) = (a.as_array(), x.as_array());
    if a.len() != x.len() {
        return Err(PyValueError::new_err(format!(
            "x has {} values but a has {}",
            x.len(),
            a.len()
        )));
    }
    let out = run(py, |_| {
        Ok(a.iter()
            .zip(x.iter())
            .map(|(&a, &x)| crate::numeric::special::regularized_upper_gamma(a, x))
            .collect())
    })?;
    Ok(PyArray1::from_vec(py, out))
}
