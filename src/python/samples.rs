//! Bindings of the samples functions: entropies, information, counts and tables.

use super::{int64_array, labels, run, CoordinateTable, LabelArray, ValueCounts};
use crate::samples::counts as counting;
use crate::samples::estimate;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(entropy, m)?,
        wrap_pyfunction!(joint_entropy, m)?,
        wrap_pyfunction!(conditional_entropy, m)?,
        wrap_pyfunction!(mutual_information, m)?,
        wrap_pyfunction!(conditional_mutual_information, m)?,
        wrap_pyfunction!(counts, m)?,
        wrap_pyfunction!(contingency, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// H(x) in nats; `x` is the list of columns of one variable.
#[pyfunction]
fn entropy(py: Python<'_>, x: Vec<LabelArray<'_>>, estimator: &str) -> PyResult<f64> {
    let x = labels(&x)?;
    run(py, |_| estimate::entropy(&x, estimator.parse()?))
}

/// H(variables...) in nats; each variable is a list of columns.
#[pyfunction]
fn joint_entropy(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
) -> PyResult<f64> {
    let columns: Vec<Vec<_>> = variables
        .iter()
        .map(|v| labels(v))
        .collect::<PyResult<_>>()?;
    let views: Vec<&[_]> = columns.iter().map(Vec::as_slice).collect();
    run(py, |_| estimate::joint_entropy(&views, estimator.parse()?))
}

/// H(x | given) in nats.
#[pyfunction]
fn conditional_entropy(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    given: Vec<LabelArray<'_>>,
    estimator: &str,
) -> PyResult<f64> {
    let (x, given) = (labels(&x)?, labels(&given)?);
    run(py, |_| {
        estimate::conditional_entropy(&x, &given, estimator.parse()?)
    })
}

/// I(x; y) in nats.
#[pyfunction]
fn mutual_information(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
    estimator: &str,
) -> PyResult<f64> {
    let (x, y) = (labels(&x)?, labels(&y)?);
    run(py, |_| {
        estimate::mutual_information(&x, &y, estimator.parse()?)
    })
}

/// I(x; y | given) in nats.
#[pyfunction]
fn conditional_mutual_information(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
    given: Vec<LabelArray<'_>>,
    estimator: &str,
) -> PyResult<f64> {
    let (x, y, given) = (labels(&x)?, labels(&y)?, labels(&given)?);
    run(py, |_| {
        estimate::conditional_mutual_information(&x, &y, &given, estimator.parse()?)
    })
}

/// Observed values (one array per column, the columns' dtypes) and their counts (int64).
#[pyfunction]
fn counts<'py>(py: Python<'py>, x: Vec<LabelArray<'py>>) -> PyResult<ValueCounts<'py>> {
    let columns = labels(&x)?;
    let (keys, counts) = run(py, |interrupt| {
        Ok(counting::joint_counts_with(&columns, interrupt)?.nonzero_cells())
    })?;
    let values = x
        .iter()
        .zip(&keys)
        .map(|(a, k)| a.values_of(py, k))
        .collect();
    Ok((values, int64_array(py, &counts)))
}

/// The contingency table of `x` and `y` in coordinate form:
/// `(x_values, y_values, rows, columns, counts)`. With `dense`, a dense table that is certainly
/// over the memory budget is refused before anything is counted.
#[pyfunction]
fn contingency<'py>(
    py: Python<'py>,
    x: Vec<LabelArray<'py>>,
    y: Vec<LabelArray<'py>>,
    dense: bool,
) -> PyResult<CoordinateTable<'py>> {
    let (xl, yl) = (labels(&x)?, labels(&y)?);
    let table = run(py, |interrupt| {
        if dense {
            counting::check_dense_contingency(&xl, &yl)?;
        }
        counting::contingency_with(&xl, &yl, interrupt)
    })?;
    let x_values = x
        .iter()
        .zip(&table.x_values)
        .map(|(a, k)| a.values_of(py, k))
        .collect();
    let y_values = y
        .iter()
        .zip(&table.y_values)
        .map(|(a, k)| a.values_of(py, k))
        .collect();
    Ok((
        x_values,
        y_values,
        int64_array(py, &table.rows),
        int64_array(py, &table.columns),
        int64_array(py, &table.counts),
    ))
}
