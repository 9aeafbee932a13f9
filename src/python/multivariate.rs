//! Bindings of the information shared by many variables (each a list of columns). The public API
//! (`fastinfo._multivariate`) checks shapes and options.

use super::{nested, run, LabelArray};
use crate::runtime::memory;
use crate::samples::estimators::Estimator;
use crate::samples::multivariate as core;
use crate::Labels;
use pyo3::prelude::*;
use std::sync::atomic::AtomicBool;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(total_correlation, m)?,
        wrap_pyfunction!(dual_total_correlation, m)?,
        wrap_pyfunction!(o_information, m)?,
        wrap_pyfunction!(interaction_information, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

type Measure = fn(&[&[Labels<'_>]], Estimator, u64, &AtomicBool) -> crate::Result<f64>;

fn multivariate(
    py: Python<'_>,
    variables: &[Vec<LabelArray<'_>>],
    estimator: &str,
    measure: Measure,
) -> PyResult<f64> {
    let columns = nested(variables)?;
    let views: Vec<&[Labels<'_>]> = columns.iter().map(Vec::as_slice).collect();
    run(py, |interrupt| {
        measure(&views, estimator.parse()?, memory::budget()?, interrupt)
    })
}

/// Total correlation of the variables (each a list of columns), in nats.
#[pyfunction]
fn total_correlation(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
) -> PyResult<f64> {
    multivariate(py, &variables, estimator, core::total_correlation)
}

/// Dual total correlation of the variables, in nats.
#[pyfunction]
fn dual_total_correlation(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
) -> PyResult<f64> {
    multivariate(py, &variables, estimator, core::dual_total_correlation)
}

/// O-information of the variables, in nats.
#[pyfunction]
fn o_information(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
) -> PyResult<f64> {
    multivariate(py, &variables, estimator, core::o_information)
}

/// Interaction information of the variables, in nats.
#[pyfunction]
fn interaction_information(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
) -> PyResult<f64> {
    multivariate(py, &variables, estimator, core::interaction_information)
}
