//! Bindings of the distribution functions (`fastinfo.pmf`), exported flat with a `pmf_` prefix.

use super::{matrix, run, Neighbours};
use crate::pmf::pairwise::{self, Metric};
use crate::pmf::{self, Distributions};
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(pmf_entropy, m)?,
        wrap_pyfunction!(pmf_cross_entropy, m)?,
        wrap_pyfunction!(pmf_kl_divergence, m)?,
        wrap_pyfunction!(pmf_js_divergence, m)?,
        wrap_pyfunction!(pmf_pairwise, m)?,
        wrap_pyfunction!(pmf_nearest, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// The weights of `array` (C-contiguous, checked by the public API) and its number of columns,
/// for [`Distributions::new`] inside [`run`].
fn weights<'a>(
    array: &'a PyReadonlyArray2<'_, f64>,
    argument: &str,
) -> PyResult<(&'a [f64], usize)> {
    let k = array.as_array().ncols();
    let slice = array.as_slice().map_err(|_| {
        PyValueError::new_err(format!("{argument} must be C-contiguous and aligned"))
    })?;
    Ok((slice, k))
}

/// Entropy of each row of `p` (rows × k), in nats.
#[pyfunction]
fn pmf_entropy<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (p, k) = weights(&p, "p")?;
    let out = run(py, |_| {
        pmf::entropy(&Distributions::new(p, k, "p")?, normalize)
    })?;
    Ok(PyArray1::from_vec(py, out))
}

type RowWise = fn(&Distributions<'_>, &Distributions<'_>, bool) -> crate::Result<Vec<f64>>;

/// A row-wise function of two sets of distributions, in nats.
fn two_sided<'py>(
    py: Python<'py>,
    p: &PyReadonlyArray2<'py, f64>,
    q: &PyReadonlyArray2<'py, f64>,
    normalize: bool,
    kernel: RowWise,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let ((p, pk), (q, qk)) = (weights(p, "p")?, weights(q, "q")?);
    let out = run(py, |_| {
        let p = Distributions::new(p, pk, "p")?;
        kernel(&p, &Distributions::new(q, qk, "q")?, normalize)
    })?;
    Ok(PyArray1::from_vec(py, out))
}

/// Cross-entropy of each pair of rows, in nats.
#[pyfunction]
fn pmf_cross_entropy<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: PyReadonlyArray2<'py, f64>,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    two_sided(py, &p, &q, normalize, pmf::cross_entropy)
}

/// KL divergence of each pair of rows, in nats.
#[pyfunction]
fn pmf_kl_divergence<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: PyReadonlyArray2<'py, f64>,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    two_sided(py, &p, &q, normalize, pmf::kl_divergence)
}

/// Jensen–Shannon divergence of each pair of rows, in nats.
#[pyfunction]
fn pmf_js_divergence<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: PyReadonlyArray2<'py, f64>,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    two_sided(py, &p, &q, normalize, pmf::js_divergence)
}

/// The matrix of `metric` between every row of `p` and every row of `q` (nats).
#[pyfunction]
fn pmf_pairwise<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: PyReadonlyArray2<'py, f64>,
    metric: &str,
    normalize: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let ((p, pk), (q, qk)) = (weights(&p, "P")?, weights(&q, "Q")?);
    let columns = q.len().checked_div(qk).unwrap_or(0);
    let out = run(py, |interrupt| {
        let metric: Metric = metric.parse()?;
        let (p, q) = (
            Distributions::new(p, pk, "P")?,
            Distributions::new(q, qk, "Q")?,
        );
        pairwise::pairwise(&p, &q, metric, normalize, interrupt)
    })?;
    Ok(matrix(py, out, columns))
}

/// For every row of `p`, the indices and values of the `k` rows of `q` nearest under `metric`,
/// values divided by `unit` (`ln base`).
#[pyfunction]
fn pmf_nearest<'py>(
    py: Python<'py>,
    p: PyReadonlyArray2<'py, f64>,
    q: PyReadonlyArray2<'py, f64>,
    k: usize,
    metric: &str,
    normalize: bool,
    unit: f64,
) -> PyResult<Neighbours<'py>> {
    let ((p, pk), (q, qk)) = (weights(&p, "P")?, weights(&q, "Q")?);
    let (indices, values) = run(py, |interrupt| {
        let metric: Metric = metric.parse()?;
        let (p, q) = (
            Distributions::new(p, pk, "P")?,
            Distributions::new(q, qk, "Q")?,
        );
        pairwise::nearest(&p, &q, k, metric, normalize, unit, interrupt)
    })?;
    let indices = indices.into_iter().map(|i| i as i64).collect();
    Ok((matrix(py, indices, k), matrix(py, values, k)))
}
