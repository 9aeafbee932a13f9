//! Bindings of the labeling comparisons: normalised and adjusted MI, variation of information.

use super::{labels, run, LabelArray};
use crate::samples::agreement;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(normalized_mutual_information, m)?,
        wrap_pyfunction!(adjusted_mutual_information, m)?,
        wrap_pyfunction!(variation_of_information, m)?,
        wrap_pyfunction!(expected_mutual_information, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// NMI of two labelings (each a list of columns).
#[pyfunction]
fn normalized_mutual_information(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
    average: &str,
) -> PyResult<f64> {
    let (x, y) = (labels(&x)?, labels(&y)?);
    run(py, |_| {
        agreement::normalized_mutual_information(&x, &y, average.parse()?)
    })
}

/// AMI of two labelings, with the exact expected MI.
#[pyfunction]
fn adjusted_mutual_information(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
    average: &str,
) -> PyResult<f64> {
    let (x, y) = (labels(&x)?, labels(&y)?);
    run(py, |interrupt| {
        agreement::adjusted_mutual_information(&x, &y, average.parse()?, interrupt)
    })
}

/// H(x | y) + H(y | x) in nats.
#[pyfunction]
fn variation_of_information(
    py: Python<'_>,
    x: Vec<LabelArray<'_>>,
    y: Vec<LabelArray<'_>>,
) -> PyResult<f64> {
    let (x, y) = (labels(&x)?, labels(&y)?);
    run(py, |_| agreement::variation_of_information(&x, &y))
}

fn sizes(array: &PyReadonlyArray1<'_, i64>, argument: &str) -> PyResult<Vec<u64>> {
    array
        .as_array()
        .iter()
        .map(|&v| {
            u64::try_from(v).map_err(|_| {
                PyValueError::new_err(format!("{argument}: cluster sizes must be >= 0, got {v}"))
            })
        })
        .collect()
}

/// Expected MI (nats) of random labelings with cluster sizes `a` and `b` (a test hook: the public
/// API reaches it through `adjusted_mutual_information`).
#[pyfunction]
fn expected_mutual_information(
    py: Python<'_>,
    a: PyReadonlyArray1<'_, i64>,
    b: PyReadonlyArray1<'_, i64>,
) -> PyResult<f64> {
    let (a, b) = (sizes(&a, "a")?, sizes(&b, "b")?);
    run(py, |interrupt| {
        agreement::expected_mutual_information(&a, &b, interrupt)
    })
}
