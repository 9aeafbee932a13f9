//! Bindings of the Rényi and Tsallis entropies: of samples, and `pmf_`-prefixed of distributions.

use super::{labels, run, LabelArray};
use crate::pmf::rows::Distributions;
use crate::samples::renyi::{self, Family};
use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(renyi_entropy, m)?,
        wrap_pyfunction!(tsallis_entropy, m)?,
        wrap_pyfunction!(pmf_renyi_entropy, m)?,
        wrap_pyfunction!(pmf_tsallis_entropy, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// Rényi entropy of order `alpha` of the samples `x` (a list of columns), in nats.
#[pyfunction]
fn renyi_entropy(py: Python<'_>, x: Vec<LabelArray<'_>>, alpha: f64) -> PyResult<f64> {
    let x = labels(&x)?;
    run(py, |_| renyi::sample_entropy(&x, Family::Renyi(alpha)))
}

/// Tsallis entropy of index `q` of the samples `x` (a list of columns).
#[pyfunction]
fn tsallis_entropy(py: Python<'_>, x: Vec<LabelArray<'_>>, q: f64) -> PyResult<f64> {
    let x = labels(&x)?;
    run(py, |_| renyi::sample_entropy(&x, Family::Tsallis(q)))
}

fn pmf_rows<'py>(
    py: Python<'py>,
    p: &PyReadonlyArray2<'py, f64>,
    family: Family,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let k = p.as_array().ncols();
    let slice = p
        .as_slice()
        .map_err(|_| PyValueError::new_err("p must be C-contiguous and aligned"))?;
    let out = run(py, |_| {
        renyi::pmf_entropy(&Distributions::new(slice, k, "p")?, family, normalize)
    })?;
    Ok(PyArray1::from_vec(py, out))
}

/// Rényi entropy of order `alpha` of each row of `p` (rows × k), in nats.
#[pyfunction]
fn pmf_renyi_entropy<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    alpha: f64,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    pmf_rows(py, &p, Family::Renyi(alpha), normalize)
}

/// Tsallis entropy of index `q` of each row of `p` (rows × k).
#[pyfunction]
fn pmf_tsallis_entropy<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: f64,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    pmf_rows(py, &p, Family::Tsallis(q), normalize)
}
