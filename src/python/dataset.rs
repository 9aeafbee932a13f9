//! Bindings: MI matrices and scores against a target.
//!
//! `x` arrives either as a C-contiguous 2-D integer array (read row-major, without a copy) or as a
//! list of 1-D contiguous integer columns (a data frame, a Fortran-ordered array, factorised
//! labels); the public API prepares it.

use super::{labels, matrix, run, LabelArray};
use crate::runtime::memory;
use crate::samples::agreement::Average;
use crate::samples::dataset::{self as core, Columns};
use crate::{Error, Labels};
use numpy::{
    PyArray1, PyArray2, PyArrayDescrMethods, PyReadonlyArray2, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mutual_information_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(mutual_information_with, m)?)?;
    Ok(())
}

/// A 2-D C-contiguous array of any supported integer dtype.
enum LabelMatrix<'py> {
    U8(PyReadonlyArray2<'py, u8>),
    U16(PyReadonlyArray2<'py, u16>),
    U32(PyReadonlyArray2<'py, u32>),
    U64(PyReadonlyArray2<'py, u64>),
    I8(PyReadonlyArray2<'py, i8>),
    I16(PyReadonlyArray2<'py, i16>),
    I32(PyReadonlyArray2<'py, i32>),
    I64(PyReadonlyArray2<'py, i64>),
}

impl<'py> LabelMatrix<'py> {
    fn extract(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'u', 1) => LabelMatrix::U8(obj.extract()?),
            (b'u', 2) => LabelMatrix::U16(obj.extract()?),
            (b'u', 4) => LabelMatrix::U32(obj.extract()?),
            (b'u', 8) => LabelMatrix::U64(obj.extract()?),
            (b'i', 1) => LabelMatrix::I8(obj.extract()?),
            (b'i', 2) => LabelMatrix::I16(obj.extract()?),
            (b'i', 4) => LabelMatrix::I32(obj.extract()?),
            (b'i', 8) => LabelMatrix::I64(obj.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "X must have an integer dtype, got {dtype}"
                )))
            }
        })
    }

    /// The row-major labels and the number of columns.
    fn columns(&self) -> PyResult<Columns<'_>> {
        macro_rules! view {
            ($a:expr) => {{
                let width = $a.shape()[1];
                let data = $a
                    .as_slice()
                    .map_err(|_| PyValueError::new_err("X must be C-contiguous and aligned"))?;
                Columns::RowMajor {
                    data: Labels::from(data),
                    columns: width,
                }
            }};
        }
        Ok(match self {
            LabelMatrix::U8(a) => view!(a),
            LabelMatrix::U16(a) => view!(a),
            LabelMatrix::U32(a) => view!(a),
            LabelMatrix::U64(a) => view!(a),
            LabelMatrix::I8(a) => view!(a),
            LabelMatrix::I16(a) => view!(a),
            LabelMatrix::I32(a) => view!(a),
            LabelMatrix::I64(a) => view!(a),
        })
    }
}

/// `x` as given by the public API: a list of columns or a C-contiguous 2-D array.
enum Table<'py> {
    Separate(Vec<LabelArray<'py>>),
    Matrix(LabelMatrix<'py>),
}

impl<'py> Table<'py> {
    fn extract(x: &Bound<'py, PyAny>) -> PyResult<Self> {
        if x.is_instance_of::<PyList>() {
            Ok(Table::Separate(x.extract()?))
        } else {
            Ok(Table::Matrix(LabelMatrix::extract(x)?))
        }
    }

    fn columns(&self) -> PyResult<Columns<'_>> {
        match self {
            Table::Separate(arrays) => Ok(Columns::Separate(labels(arrays)?)),
            Table::Matrix(m) => m.columns(),
        }
    }
}

/// The `d × d` matrix of `I(X_i; X_j)` with `H(X_i)` on the diagonal, in nats (or normalised).
#[pyfunction]
fn mutual_information_matrix<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    estimator: &str,
    normalized: Option<&str>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let table = Table::extract(x)?;
    let columns = table.columns()?;
    let (values, d) = run(py, |interrupt| {
        let d = columns.shape()?.1;
        let average = normalized
            .map(|name| {
                name.parse::<Average>().map_err(|_| Error::InvalidArgument {
                    argument: "normalized".into(),
                    message: format!(
                        "unknown average {name:?}; expected one of {:?}",
                        Average::NAMES
                    ),
                })
            })
            .transpose()?;
        let e = estimator.parse()?;
        let values =
            core::mutual_information_matrix(&columns, e, average, memory::budget()?, interrupt)?;
        Ok((values, d))
    })?;
    Ok(matrix(py, values, d))
}

/// `I(X_j; y)` for every column `j`, in nats.
#[pyfunction]
fn mutual_information_with<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: Vec<LabelArray<'py>>,
    estimator: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let table = Table::extract(x)?;
    let columns = table.columns()?;
    let target = match labels(&y)?.as_slice() {
        [single] => *single,
        _ => return Err(PyValueError::new_err("y must be one column of labels")),
    };
    let values = run(py, |interrupt| {
        core::mutual_information_with(
            &columns,
            target,
            estimator.parse()?,
            memory::budget()?,
            interrupt,
        )
    })?;
    Ok(PyArray1::from_vec(py, values))
}
