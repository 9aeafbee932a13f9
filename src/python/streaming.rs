//! Bindings: mergeable counts (`fastinfo.JointCounts`, `PairwiseCounts`, `TargetCounts`).
//!
//! One class, `_native.Counts`, wraps [`Accumulator`] for every layout; the Python classes of
//! `_streaming.py` hold one each. A batch arrives as one `(kind, labels, values)` triple per
//! variable: `labels` an integer array, `values` `None` (the labels are the values) or the list of
//! strings (or bytes) that the codes `labels` stand for.

use super::{int64_array, matrix, run, run_locked, LabelArray};
use crate::samples::agreement::Average;
use crate::samples::streaming::{Accumulator, Column, Kind, Layout, Values};
use crate::Error;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Counts>()?;
    Ok(())
}

/// Exact, mergeable counts of several variables (see `samples::streaming`).
///
/// Threads may share one: every call locks the counts (with the GIL released while it waits), so
/// concurrent updates are applied one after the other and a query sees whole batches only.
#[pyclass(module = "fastinfo._native", frozen)]
pub struct Counts {
    inner: Mutex<Accumulator>,
}

impl Counts {
    fn new_from(inner: Accumulator) -> Counts {
        Counts {
            inner: Mutex::new(inner),
        }
    }

    /// `f` of the counts, locked with the GIL released (a long update may hold them).
    fn read<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&Accumulator) -> T + Send) -> T {
        py.detach(|| f(&self.inner.lock().unwrap_or_else(PoisonError::into_inner)))
    }
}

/// The values a batch's codes stand for: a list of `str` (kind `"str"`) or `bytes`.
fn texts(values: &Bound<'_, PyAny>, kind: &str, name: &str) -> PyResult<Values> {
    let list = values
        .cast::<PyList>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: values must be a list")))?;
    let mut out: Vec<Box<[u8]>> = Vec::with_capacity(list.len());
    for item in list.iter() {
        if kind == "str" {
            let s = item.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!("{name} holds {item:?} among str labels"))
            })?;
            out.push(s.to_cow()?.as_bytes().into());
        } else {
            let b = item.cast::<PyBytes>().map_err(|_| {
                PyTypeError::new_err(format!("{name} holds {item:?} among bytes labels"))
            })?;
            out.push(b.as_bytes().into());
        }
    }
    Ok(Values::Texts(out))
}

/// Values as Python objects: an int64 (or uint64) array of integers, or a list of bytes.
fn values_to_py<'py>(py: Python<'py>, values: &Values) -> PyResult<Bound<'py, PyAny>> {
    Ok(match values {
        Values::Integers(v) => {
            if v.iter().all(|&x| i64::try_from(x).is_ok()) {
                PyArray1::from_iter(py, v.iter().map(|&x| x as i64)).into_any()
            } else if v.iter().all(|&x| u64::try_from(x).is_ok()) {
                PyArray1::from_iter(py, v.iter().map(|&x| x as u64)).into_any()
            } else {
                PyList::new(py, v.iter().copied())?.into_any()
            }
        }
        Values::Texts(v) => PyList::new(py, v.iter().map(|t| PyBytes::new(py, t)))?.into_any(),
    })
}

fn estimator_of(name: &str) -> crate::Result<crate::Estimator> {
    name.parse()
}

#[pymethods]
impl Counts {
    /// Empty counts of `layout` (`"joint"`, `"pairs"`, `"target"`) over `size` variables.
    #[new]
    fn new(py: Python<'_>, layout: &str, size: usize) -> PyResult<Counts> {
        let layout = run(py, |_| Layout::new(layout, size))?;
        Ok(Counts::new_from(Accumulator::new(layout)))
    }

    /// The counts saved by `to_bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, state: &[u8]) -> PyResult<Counts> {
        let inner = run(py, |_| Accumulator::from_bytes(state, "state"))?;
        Ok(Counts::new_from(inner))
    }

    /// The canonical bytes of the counts (equal counts, equal bytes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = run_locked(py, &self.inner, |inner, _| Ok(inner.to_bytes()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A copy.
    fn copy(&self, py: Python<'_>) -> Counts {
        Counts::new_from(self.read(py, Accumulator::clone))
    }

    /// Samples counted.
    #[getter]
    fn n(&self, py: Python<'_>) -> u64 {
        self.read(py, Accumulator::n)
    }

    /// `(name, size)` of the layout.
    #[getter]
    fn layout(&self, py: Python<'_>) -> (&'static str, usize) {
        match self.read(py, Accumulator::layout) {
            Layout::Joint(k) => ("joint", k),
            Layout::Pairs(d) => ("pairs", d),
            Layout::Target(d) => ("target", d),
        }
    }

    /// The kind of each variable (`None` before its first sample).
    fn kinds(&self, py: Python<'_>) -> Vec<Option<String>> {
        self.read(py, |inner| {
            inner
                .kinds()
                .iter()
                .map(|k| k.as_ref().map(|k| k.name().to_string()))
                .collect()
        })
    }

    /// Distinct values of each variable.
    fn cardinalities(&self, py: Python<'_>) -> Vec<usize> {
        self.read(py, Accumulator::cardinalities)
    }

    /// Occupied cells of each table.
    fn occupied(&self, py: Python<'_>) -> Vec<usize> {
        self.read(py, Accumulator::occupied)
    }

    /// Counts one batch: `(kind, labels, values)` per variable, `names` for messages. All or
    /// nothing: a batch that fails leaves the counts unchanged.
    fn update(
        &self,
        py: Python<'_>,
        columns: Vec<(String, LabelArray<'_>, Option<Bound<'_, PyAny>>)>,
        names: Vec<String>,
    ) -> PyResult<()> {
        let kinds: Vec<Kind> = columns.iter().map(|(k, _, _)| Kind::new(k)).collect();
        let values: Vec<Option<Values>> = columns
            .iter()
            .zip(&names)
            .map(|((kind, _, v), name)| v.as_ref().map(|v| texts(v, kind, name)).transpose())
            .collect::<PyResult<_>>()?;
        let mut batch_columns = Vec::with_capacity(columns.len());
        for (i, (_, labels, _)) in columns.iter().enumerate() {
            batch_columns.push(Column {
                labels: labels.labels()?,
                values: values[i].as_ref(),
                kind: &kinds[i],
                name: Cow::Owned(names.get(i).cloned().unwrap_or_else(|| format!("x{i}"))),
            });
        }
        run_locked(py, &self.inner, |inner, interrupt| {
            let batch = inner.count_near(&batch_columns, interrupt)?;
            inner.check(&batch)?;
            inner.commit(batch)
        })
    }

    /// Adds a contingency table counted elsewhere: `values[v]` of kind `kinds[v]` along axis `v`
    /// (integers as an int64 array, or a list of str/bytes), the cells' indices (`k` per cell,
    /// row-major) and their counts.
    fn update_table(
        &self,
        py: Python<'_>,
        kinds: Vec<String>,
        values: Vec<Bound<'_, PyAny>>,
        indices: PyReadonlyArray1<'_, u64>,
        counts: PyReadonlyArray1<'_, u64>,
    ) -> PyResult<()> {
        let kinds: Vec<Kind> = kinds.iter().map(|k| Kind::new(k)).collect();
        let mut vals = Vec::with_capacity(values.len());
        for (v, (kind, value)) in kinds.iter().zip(&values).enumerate() {
            let name = format!("values[{v}]");
            vals.push(match kind.domain() {
                crate::samples::streaming::Domain::Text => texts(value, kind.name(), &name)?,
                crate::samples::streaming::Domain::Integer => {
                    let ints: Vec<i128> = value.extract()?;
                    Values::Integers(ints)
                }
            });
        }
        let indices = indices.as_slice()?;
        let counts = counts.as_slice()?;
        run_locked(py, &self.inner, |inner, _| {
            let batch = Accumulator::table_batch(inner.layout(), &kinds, &vals, indices, counts)?;
            inner.check(&batch)?;
            inner.commit(batch)
        })
    }

    /// Adds the counts of `other` (the same layout).
    fn merge(&self, py: Python<'_>, other: PyRef<'_, Counts>) -> PyResult<()> {
        // One lock at a time: `a.merge(b)` and `b.merge(a)` in two threads (or `a.merge(a)`)
        // never wait for each other.
        let batch = run_locked(py, &other.inner, |other, _| other.as_batch())?;
        run_locked(py, &self.inner, |inner, _| {
            inner.check(&batch)?;
            inner.commit(batch)
        })
    }

    /// `H(x | given)` in nats.
    fn conditional_entropy(
        &self,
        py: Python<'_>,
        x: Vec<usize>,
        given: Vec<usize>,
        estimator: &str,
    ) -> PyResult<f64> {
        run_locked(py, &self.inner, |inner, _| {
            inner.conditional_entropy(&x, &given, estimator_of(estimator)?)
        })
    }

    /// `I(x; y | given)` in nats.
    fn information(
        &self,
        py: Python<'_>,
        x: Vec<usize>,
        y: Vec<usize>,
        given: Vec<usize>,
        estimator: &str,
    ) -> PyResult<f64> {
        run_locked(py, &self.inner, |inner, _| {
            inner.information(&x, &y, &given, estimator_of(estimator)?)
        })
    }

    /// The observed combinations of `variables` (values per variable) and their counts.
    fn counts<'py>(
        &self,
        py: Python<'py>,
        variables: Vec<usize>,
    ) -> PyResult<super::ValueCounts<'py>> {
        let (values, counts) = run_locked(py, &self.inner, |inner, _| inner.counts(&variables))?;
        let values = values
            .iter()
            .map(|v| values_to_py(py, v))
            .collect::<PyResult<_>>()?;
        Ok((values, int64_array(py, &counts)))
    }

    /// The contingency table of `x` against `y` in coordinate form.
    fn contingency<'py>(
        &self,
        py: Python<'py>,
        x: Vec<usize>,
        y: Vec<usize>,
    ) -> PyResult<super::CoordinateTable<'py>> {
        let table = run_locked(py, &self.inner, |inner, _| inner.contingency(&x, &y))?;
        let convert = |vs: &[Values]| -> PyResult<Vec<Bound<'py, PyAny>>> {
            vs.iter().map(|v| values_to_py(py, v)).collect()
        };
        Ok((
            convert(&table.x_values)?,
            convert(&table.y_values)?,
            int64_array(py, &table.rows),
            int64_array(py, &table.columns),
            int64_array(py, &table.counts),
        ))
    }

    /// The `d × d` information matrix (nats), or its normalised form.
    fn information_matrix<'py>(
        &self,
        py: Python<'py>,
        estimator: &str,
        normalized: Option<&str>,
    ) -> PyResult<Bound<'py, numpy::PyArray2<f64>>> {
        let d = self.read(py, Accumulator::layout).variables();
        let out = run_locked(py, &self.inner, |inner, _| {
            let average = normalized
                .map(|name| {
                    name.parse::<Average>().map_err(|_| Error::InvalidArgument {
                        argument: "normalized".into(),
                        message: format!("must be one of {:?}, got {name:?}", Average::NAMES),
                    })
                })
                .transpose()?;
            inner.information_matrix(estimator_of(estimator)?, average)
        })?;
        Ok(matrix(py, out, d))
    }

    /// `I(X_j; y)` for every column (nats).
    fn information_with<'py>(
        &self,
        py: Python<'py>,
        estimator: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let out = run_locked(py, &self.inner, |inner, _| {
            inner.information_with(estimator_of(estimator)?)
        })?;
        Ok(PyArray1::from_vec(py, out))
    }
}
