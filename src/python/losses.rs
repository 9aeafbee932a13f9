//! Bindings of the ML losses: `cross_entropy_loss` and `binary_cross_entropy`.
//!
//! Score arrays arrive as C-contiguous, native-endian `float32` or `float64` arrays (read without a
//! copy, widened to `f64` by the kernels); labels as `int64` (class indices) or `float64`
//! (binary labels). The public wrappers in `python/fastinfo/_losses.py` prepare them.

use super::run;
use crate::continuous::losses::{self, CrossEntropyOptions, Float, Loss, Reduction};
use numpy::ndarray::Dimension;
use numpy::{
    Element, Ix1, Ix2, PyArray1, PyArrayDescrMethods, PyReadonlyArray, PyReadonlyArray1,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyFloat;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(cross_entropy_loss, m)?,
        wrap_pyfunction!(binary_cross_entropy, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// A `float32` or `float64` array of dimension `D`.
enum Floats<'py, D: Dimension> {
    F32(PyReadonlyArray<'py, f32, D>),
    F64(PyReadonlyArray<'py, f64, D>),
}

impl<'a, 'py, D: Dimension + 'static> FromPyObject<'a, 'py> for Floats<'py, D> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'f', 4) => Floats::F32(obj.extract()?),
            (b'f', 8) => Floats::F64(obj.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "score arrays must be float32 or float64, got {dtype}"
                )))
            }
        })
    }
}

fn slice<'a, T: Element, D: Dimension>(
    array: &'a PyReadonlyArray<'_, T, D>,
    argument: &str,
) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{argument} must be C-contiguous and aligned")))
}

fn into_python(py: Python<'_>, loss: Loss) -> Bound<'_, PyAny> {
    match loss {
        Loss::Total(value) => PyFloat::new(py, value).into_any(),
        Loss::PerRow(values) => PyArray1::from_vec(py, values).into_any(),
    }
}

/// The options of a multi-class loss, checked inside [`run`].
type Options<'a> = &'a (dyn Fn() -> crate::Result<CrossEntropyOptions<'a>> + Sync);

fn cross_entropy<T: Float + Element>(
    py: Python<'_>,
    logits: &PyReadonlyArray<'_, T, Ix2>,
    labels: &[i64],
    options: Options<'_>,
) -> PyResult<Loss> {
    let classes = logits.as_array().ncols();
    let values = slice(logits, "logits")?;
    run(py, |interrupt| {
        losses::cross_entropy_loss(values, classes, labels, &options()?, interrupt)
    })
}

/// Cross-entropy of the rows of `logits` (n × k) against class indices `labels` (n), in nats,
/// each row weighted by `sample_weight` (n) if given: a float for `reduction` "mean" or "sum", a
/// float64 array of n values for "none".
#[pyfunction]
#[allow(clippy::too_many_arguments)] // the Python function's options, passed through
fn cross_entropy_loss<'py>(
    py: Python<'py>,
    logits: Floats<'py, Ix2>,
    labels: PyReadonlyArray1<'py, i64>,
    from_logits: bool,
    ignore_index: Option<i64>,
    label_smoothing: f64,
    reduction: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let weights = match &sample_weight {
        Some(w) => Some(slice(w, "sample_weight")?),
        None => None,
    };
    let options = || {
        Ok(CrossEntropyOptions {
            from_logits,
            ignore_index,
            label_smoothing,
            reduction: reduction.parse::<Reduction>()?,
            sample_weight: weights,
        })
    };
    let labels = slice(&labels, "labels")?;
    let loss = match &logits {
        Floats::F32(a) => cross_entropy(py, a, labels, &options)?,
        Floats::F64(a) => cross_entropy(py, a, labels, &options)?,
    };
    Ok(into_python(py, loss))
}

/// Binary cross-entropy of `values` (n: logits, or probabilities when `from_logits` is false)
/// against `targets` (n) in [0, 1], in nats, each weighted by `sample_weight` (n) if given: a float
/// for `reduction` "mean" or "sum", a float64 array of n values for "none".
#[pyfunction]
fn binary_cross_entropy<'py>(
    py: Python<'py>,
    values: Floats<'py, Ix1>,
    targets: PyReadonlyArray1<'py, f64>,
    from_logits: bool,
    reduction: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let targets = slice(&targets, "targets")?;
    let weights = match &sample_weight {
        Some(w) => Some(slice(w, "sample_weight")?),
        None => None,
    };
    let name = if from_logits {
        "logits"
    } else {
        "probabilities"
    };
    let loss = match &values {
        Floats::F32(a) => {
            let values = slice(a, name)?;
            run(py, |interrupt| {
                let reduction = reduction.parse()?;
                losses::binary_cross_entropy(
                    values,
                    targets,
                    from_logits,
                    reduction,
                    weights,
                    interrupt,
                )
            })?
        }
        Floats::F64(a) => {
            let values = slice(a, name)?;
            run(py, |interrupt| {
                let reduction = reduction.parse()?;
                losses::binary_cross_entropy(
                    values,
                    targets,
                    from_logits,
                    reduction,
                    weights,
                    interrupt,
                )
            })?
        }
    };
    Ok(into_python(py, loss))
}
