//! Binding of the bootstrap of an entropy or information.

use super::quantity::layout;
use super::{nested, run, LabelArray};
use crate::samples::bootstrap as core;
use crate::samples::counts::joint_counts;
use numpy::PyArray1;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bootstrap, m)?)?;
    Ok(())
}

/// `(estimate, resamples)`: `quantity` of `variables` (nats) and its value on `n_resamples`
/// multinomial resamples of their joint table, resample `b` drawn from stream `(seed, b)`.
#[pyfunction]
fn bootstrap<'py>(
    py: Python<'py>,
    variables: Vec<Vec<LabelArray<'py>>>,
    quantity: &str,
    estimator: &str,
    alphabet_size: Option<Vec<u64>>,
    n_resamples: usize,
    seed: u64,
) -> PyResult<(f64, Bound<'py, PyArray1<f64>>)> {
    let variables = nested(&variables)?;
    let result = run(py, |interrupt| {
        let (layout, columns) = layout(quantity, &variables)?;
        let table = joint_counts(&columns)?;
        core::bootstrap(
            &table,
            &layout,
            estimator.parse()?,
            alphabet_size.as_deref(),
            n_resamples,
            seed,
            interrupt,
        )
    })?;
    Ok((result.estimate, PyArray1::from_vec(py, result.resamples)))
}
