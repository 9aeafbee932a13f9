//! Bindings: Discretisation and differential entropy.
//!
//! Samples arrive as one 2-D C-contiguous float32/float64 array: `(n, d)` with `column_major =
//! false`, or its transpose `(d, n)` (each variable contiguous, e.g. a Fortran-ordered `(n, d)` input
//! or a 1-D input reshaped to `(1, n)`) with `column_major = true`. `names[j]` names variable `j` in
//! error messages (`"x"`, `"x[:, 1]"`, `"given"`, ...). Edges are float64, one array per variable.

use super::run;
use crate::continuous::binning::{self, Discretized, Edges, Float, Layout, Samples};
use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArrayDescrMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(finite_range, m)?,
        wrap_pyfunction!(discretize, m)?,
        wrap_pyfunction!(differential_entropy, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// A 2-D C-contiguous float32 or float64 array.
enum FloatMatrix<'py> {
    F32(PyReadonlyArray2<'py, f32>),
    F64(PyReadonlyArray2<'py, f64>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for FloatMatrix<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'f', 4) => FloatMatrix::F32(obj.extract()?),
            (b'f', 8) => FloatMatrix::F64(obj.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "samples must be float32 or float64, got {dtype}"
                )))
            }
        })
    }
}

/// Runs `$body` in [`run`] with `$samples` bound to the typed [`Samples`] view of `$x`.
macro_rules! with_samples {
    ($py:expr, $x:expr, $column_major:expr, $names:expr, $samples:ident => $body:expr) => {
        match &$x {
            FloatMatrix::F32(a) => {
                let (data, shape) = (contiguous(a)?, a.shape());
                run($py, |_| {
                    let $samples = samples(data, shape, $column_major)?.named($names);
                    $body
                })
            }
            FloatMatrix::F64(a) => {
                let (data, shape) = (contiguous(a)?, a.shape());
                run($py, |_| {
                    let $samples = samples(data, shape, $column_major)?.named($names);
                    $body
                })
            }
        }
    };
}

fn contiguous<'a, T: numpy::Element>(a: &'a PyReadonlyArray2<'_, T>) -> PyResult<&'a [T]> {
    if !a.is_c_contiguous() {
        return Err(PyValueError::new_err(
            "samples must be C-contiguous and aligned",
        ));
    }
    a.as_slice()
        .map_err(|_| PyValueError::new_err("samples must be C-contiguous and aligned"))
}

fn samples<'a, T: Float>(
    data: &'a [T],
    shape: &[usize],
    column_major: bool,
) -> crate::Result<Samples<'a, T>> {
    let (columns, layout) = if column_major {
        (shape[0], Layout::ColumnMajor)
    } else {
        (shape[1], Layout::RowMajor)
    };
    Samples::new(data, columns, layout)
}

/// The edge arrays as slices, for [`Edges::new`] inside [`run`].
fn edge_slices<'a>(arrays: &'a [PyReadonlyArray1<'_, f64>]) -> PyResult<Vec<&'a [f64]>> {
    arrays
        .iter()
        .map(|a| {
            a.as_slice()
                .map_err(|_| PyValueError::new_err("bin edges must be C-contiguous and aligned"))
        })
        .collect()
}

fn edges<'a>(slices: &[&'a [f64]]) -> crate::Result<Vec<Edges<'a>>> {
    slices.iter().map(|e| Edges::new(e)).collect()
}

/// The smallest and largest value of each variable (as float64), after checking every value is
/// finite.
#[pyfunction]
fn finite_range(
    py: Python<'_>,
    x: FloatMatrix<'_>,
    column_major: bool,
    names: Vec<String>,
) -> PyResult<Vec<(f64, f64)>> {
    with_samples!(py, x, column_major, &names, s => {
        let ranges = binning::finite_range(&s)?;
        Ok(ranges.into_iter().map(|(lo, hi)| (lo.to_f64(), hi.to_f64())).collect())
    })
}

/// `v` (`rows × columns`, row-major) as a 2-D array, without a copy.
fn matrix<T: numpy::Element>(py: Python<'_>, v: Vec<T>, rows: usize) -> Bound<'_, PyAny> {
    let columns = v.len().checked_div(rows).unwrap_or(0);
    Array2::from_shape_vec((rows, columns), v)
        .expect("one label per sample")
        .into_pyarray(py)
        .into_any()
}

/// Bin labels, shape `(d, n)` (one row per variable), uint8/uint16/uint32 by the number of bins.
#[pyfunction]
fn discretize<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    edges: Vec<PyReadonlyArray1<'py, f64>>,
    column_major: bool,
    names: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let edges = edge_slices(&edges)?;
    let (labels, columns) = with_samples!(py, x, column_major, &names, s => {
        Ok((binning::discretize(&s, &self::edges(&edges)?)?, s.columns()))
    })?;
    Ok(match labels {
        Discretized::U8(v) => matrix(py, v, columns),
        Discretized::U16(v) => matrix(py, v, columns),
        Discretized::U32(v) => matrix(py, v, columns),
    })
}

/// Histogram estimate of the (joint) differential entropy, in nats.
#[pyfunction]
fn differential_entropy(
    py: Python<'_>,
    x: FloatMatrix<'_>,
    edges: Vec<PyReadonlyArray1<'_, f64>>,
    column_major: bool,
    names: Vec<String>,
) -> PyResult<f64> {
    let edges = edge_slices(&edges)?;
    with_samples!(py, x, column_major, &names, s => {
        binning::differential_entropy(&s, &self::edges(&edges)?)
    })
}
