//! String labels: codes of Python `str` objects, Arrow string buffers and numpy `U`/`S` arrays,
//! numbered in sorted order (`crate::samples::strings`).
//!
//! The Python layer (`_inputs.py`) picks the function by what it holds: [`object_codes`] for a
//! list, tuple or object array (the strings' UTF-8 is copied into one buffer while the GIL is
//! held, then factorised without it), [`arrow_codes`] for the `(offsets, data)` buffers of
//! pyarrow, polars and pandas `string[pyarrow]` columns, [`arrow_view_codes`] for Arrow's
//! `string_view` buffers, and [`fixed_codes`] for numpy's fixed-width strings. The last three
//! read the buffers in place.

#![allow(clippy::needless_pass_by_value)]

use super::run;
use crate::samples::strings::{factorise, Factorised, OffsetSlice, Strings};
use numpy::{
    IntoPyArray, PyArray1, PyArrayDescrMethods, PyReadonlyArray1, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::os::raw::c_char;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(object_codes, m)?)?;
    m.add_function(wrap_pyfunction!(arrow_codes, m)?)?;
    m.add_function(wrap_pyfunction!(arrow_view_codes, m)?)?;
    m.add_function(wrap_pyfunction!(fixed_codes, m)?)?;
    Ok(())
}

extern "C" {
    // Part of the stable ABI from Python 3.10 and exported by every CPython 3 (pyo3 declares it
    // only for >= 3.10 under the limited API). For an ASCII string it returns the string's own
    // buffer; for others, CPython builds and caches the UTF-8 form in the object (as pandas'
    // string hashing does too).
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The UTF-8 bytes of a `str`, or `None` if it has none (lone surrogates).
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a [u8]> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a str (checked by the cast); the returned buffer lives as long as `s`.
    let data = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &raw mut size) };
    if data.is_null() {
        // Clear the UnicodeEncodeError: the caller falls back to the generic path.
        drop(PyErr::take(s.py()));
        return None;
    }
    let size = usize::try_from(size).ok()?;
    // SAFETY: CPython guarantees `size` bytes at `data`, alive while `s` is.
    Some(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) })
}

/// The kinds of labels told apart, for refusing mixed kinds: `str`, `missing` (None or a float
/// NaN), `bool`, `int`, `float`, `bytes` or `other`.
const KINDS: [&str; 7] = ["str", "missing", "bool", "int", "float", "bytes", "other"];

/// The kind of one label, as an index in [`KINDS`].
fn kind(value: &Bound<'_, PyAny>) -> usize {
    if value.is_instance_of::<PyString>() {
        0
    } else if value.is_none() {
        1
    } else if value.is_instance_of::<PyBool>() {
        2
    } else if value.is_instance_of::<PyInt>() {
        3
    } else if let Ok(f) = value.cast::<PyFloat>() {
        if f.value().is_nan() {
            1
        } else {
            4
        }
    } else if value.is_instance_of::<PyBytes>() {
        5
    } else {
        6
    }
}

/// The codes (uint32) and the first position of each code (uint64).
type Codes<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>);

/// Arrays of the codes and first positions.
fn arrays(py: Python<'_>, f: Factorised) -> Codes<'_> {
    (f.codes.into_pyarray(py), f.firsts.into_pyarray(py))
}

/// Codes of a list, tuple or 1-D object array of labels, if every label is a `str`.
///
/// Returns `(codes, uniques, kinds)`: `codes` (uint32, numbered in sorted order) and `uniques`
/// (an object array of the distinct strings, in that order) when every element is a `str` with
/// a UTF-8 form, else both `None`; `kinds` maps each kind of label found (see [`kind`]) to the
/// position of its first occurrence, so the caller can refuse mixed or missing labels by name.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn object_codes<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
    name: String,
) -> PyResult<(
    Option<Bound<'py, PyArray1<u32>>>,
    Option<Bound<'py, PyArray1<Py<PyAny>>>>,
    Bound<'py, PyDict>,
)> {
    // A list or tuple is held through strong references; an object array's slots are read
    // (with the GIL held) each time, so that a slot rewritten while the GIL is released cannot
    // leave a dangling reference here.
    let items: Vec<Bound<'py, PyAny>>;
    let array: PyReadonlyArray1<'py, Py<PyAny>>;
    let slots: &[Py<PyAny>];
    if let Ok(list) = values.cast::<PyList>() {
        items = list.iter().collect();
        slots = &[];
    } else if let Ok(tuple) = values.cast::<PyTuple>() {
        items = tuple.iter().collect();
        slots = &[];
    } else {
        let untyped = values.cast::<PyUntypedArray>()?;
        if untyped.ndim() != 1 || untyped.dtype().kind() != b'O' {
            return Err(PyTypeError::new_err(format!(
                "{name}: object_codes takes a list, a tuple or a 1-D object array"
            )));
        }
        array = values.extract()?;
        slots = array.as_slice().map_err(|_| {
            PyTypeError::new_err(format!("{name}: the object array must be contiguous"))
        })?;
        items = Vec::new();
    }
    let n = items.len().max(slots.len());
    let element = |i: usize| -> Borrowed<'_, 'py, PyAny> {
        if items.is_empty() {
            slots[i].bind_borrowed(py)
        } else {
            items[i].as_borrowed()
        }
    };
    // The offsets grow with the input: ask the budget first (the text is checked by factorise).
    if n >= 1 << 16 {
        let what = name.clone();
        run(py, move |_| {
            crate::runtime::memory::check(
                || format!("the UTF-8 offsets of the strings of {what}"),
                (n as u128 + 1) * 8,
                "",
            )
        })?;
    }
    // The first position of each kind of label (see [`kind`]), by its index in `KINDS`.
    let mut firsts: [Option<usize>; KINDS.len()] = [None; KINDS.len()];
    let mut all_text = true;
    let mut offsets: Vec<i64> = Vec::with_capacity(n + 1);
    offsets.push(0);
    let mut data: Vec<u8> = Vec::new();
    // The address of the `str` type object (taken, never read or written through).
    let str_type = std::ptr::addr_of_mut!(ffi::PyUnicode_Type);
    for i in 0..n {
        let value = element(i);
        // An exact `str` (almost every label) is recognised by its type pointer alone.
        // SAFETY: `value` is a live object.
        let exact_str = unsafe { ffi::Py_TYPE(value.as_ptr()) } == str_type;
        let k = if exact_str || value.is_instance_of::<PyString>() {
            if all_text {
                // SAFETY: `value` is a str (exact type, or checked just above).
                let text = unsafe { value.cast_unchecked::<PyString>() };
                match utf8(&text) {
                    Some(bytes) => {
                        data.extend_from_slice(bytes);
                        offsets.push(data.len() as i64);
                    }
                    None => all_text = false,
                }
            }
            0
        } else {
            all_text = false;
            kind(&value)
        };
        if firsts[k].is_none() {
            firsts[k] = Some(i);
        }
    }
    let found = PyDict::new(py);
    for (k, first) in firsts.iter().enumerate() {
        if let Some(i) = first {
            found.set_item(KINDS[k], i)?;
        }
    }
    if !all_text || n == 0 {
        return Ok((None, None, found));
    }
    let strings_name = name.clone();
    let f = run(py, move |interrupt| {
        let strings = Strings::Offsets(vec![(OffsetSlice::I64(&offsets), &data)]);
        factorise(&strings, strings_name, interrupt)
    })?;
    let uniques: Vec<Py<PyAny>> = f
        .firsts
        .iter()
        .map(|&i| element(i as usize).to_owned().unbind())
        .collect();
    let uniques = PyArray1::from_vec(py, uniques);
    let (codes, _) = arrays(py, f);
    Ok((Some(codes), Some(uniques), found))
}

/// The offsets of one Arrow chunk, 32- or 64-bit.
enum Offsets<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Offsets<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'i', 4) => Offsets::I32(obj.extract()?),
            (b'i', 8) => Offsets::I64(obj.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "string offsets must be int32 or int64, got {dtype}"
                )))
            }
        })
    }
}

/// Codes (uint32, in sorted order) and first positions (uint64) of strings held as Arrow
/// chunks `(offsets, data)`, read in place.
#[pyfunction]
fn arrow_codes<'py>(
    py: Python<'py>,
    chunks: Vec<(Offsets<'py>, PyReadonlyArray1<'py, u8>)>,
    name: String,
) -> PyResult<Codes<'py>> {
    let not_contiguous =
        |_| PyTypeError::new_err(format!("{name}: string buffers must be contiguous"));
    let mut slices = Vec::with_capacity(chunks.len());
    for (offsets, data) in &chunks {
        let offsets = match offsets {
            Offsets::I32(o) => OffsetSlice::I32(o.as_slice().map_err(not_contiguous)?),
            Offsets::I64(o) => OffsetSlice::I64(o.as_slice().map_err(not_contiguous)?),
        };
        slices.push((offsets, data.as_slice().map_err(not_contiguous)?));
    }
    let f = run(py, |interrupt| {
        factorise(&Strings::Offsets(slices), name.clone(), interrupt)
    })?;
    Ok(arrays(py, f))
}

/// Codes (uint32, in sorted order) and first positions (uint64) of strings held as Arrow
/// `string_view`/`binary_view` chunks `(views, buffers)` (the views viewed as bytes, 16 per
/// string, and the chunk's data buffers), read in place.
#[pyfunction]
fn arrow_view_codes<'py>(
    py: Python<'py>,
    chunks: Vec<(PyReadonlyArray1<'py, u8>, Vec<PyReadonlyArray1<'py, u8>>)>,
    name: String,
) -> PyResult<Codes<'py>> {
    let not_contiguous =
        |_| PyTypeError::new_err(format!("{name}: string buffers must be contiguous"));
    let mut slices = Vec::with_capacity(chunks.len());
    for (views, buffers) in &chunks {
        let data = buffers
            .iter()
            .map(|b| b.as_slice().map_err(not_contiguous))
            .collect::<PyResult<Vec<&[u8]>>>()?;
        slices.push((views.as_slice().map_err(not_contiguous)?, data));
    }
    let f = run(py, |interrupt| {
        factorise(&Strings::Views(slices), name.clone(), interrupt)
    })?;
    Ok(arrays(py, f))
}

/// Codes (uint32, in sorted order) and first positions (uint64) of numpy fixed-width strings:
/// `data` is the array viewed as bytes, `width` its itemsize, `wide` true for `U` (UCS-4).
#[pyfunction]
fn fixed_codes<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, u8>,
    width: usize,
    wide: bool,
    name: String,
) -> PyResult<Codes<'py>> {
    let bytes = data.as_slice().map_err(|_| {
        PyTypeError::new_err(format!("{name}: the string array must be contiguous"))
    })?;
    let f = run(py, |interrupt| {
        let strings = Strings::Fixed {
            data: bytes,
            width,
            wide,
        };
        factorise(&strings, name.clone(), interrupt)
    })?;
    Ok(arrays(py, f))
}
