//! Bindings: k-nearest-neighbour estimators, and scikit-learn's mutual-information feature scores.
//!
//! Continuous samples arrive as 2-D C-contiguous float64 arrays `(n, d)`, one per variable (the
//! public API converts and reshapes them); class labels as 1-D int64 codes `0..classes` (from
//! `np.unique`). Results are raw nats: clipping, `base` and jitter belong to the public API.

use super::run;
use crate::continuous::knn::{self, sklearn, Algorithm, Neighbourhoods, Norm, Points};
use numpy::ndarray::Array2;
use numpy::PyUntypedArrayMethods;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(knn_differential_entropy, m)?,
        wrap_pyfunction!(knn_mutual_information, m)?,
        wrap_pyfunction!(knn_mixed_mutual_information, m)?,
        wrap_pyfunction!(knn_conditional_mutual_information, m)?,
        wrap_pyfunction!(knn_kl_divergence, m)?,
        wrap_pyfunction!(knn_regression_scores, m)?,
        wrap_pyfunction!(knn_mixed_scores, m)?,
        wrap_pyfunction!(knn_neighbourhoods, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// The samples of `a`, an `(n, d)` C-contiguous array, named `name` in errors.
fn points<'a>(a: &'a PyReadonlyArray2<'_, f64>, name: &'static str) -> PyResult<Points<'a>> {
    let columns = a.shape()[1];
    let data = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be C-contiguous")))?;
    Ok(Points::new(data, columns, name)?)
}

/// Class codes `0..classes` as `u32`.
fn codes(values: &[i64], name: &'static str) -> PyResult<Vec<u32>> {
    values
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            u32::try_from(c).map_err(|_| {
                PyValueError::new_err(format!("{name}: class code {c} at index {i} is invalid"))
            })
        })
        .collect()
}

fn contiguous<'a>(a: &'a PyReadonlyArray1<'_, i64>, name: &str) -> PyResult<&'a [i64]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be contiguous")))
}

/// `(labels name, continuous name)` for the discrete argument named `labels_name`.
fn mixed_names(labels_name: &str) -> (&'static str, &'static str) {
    if labels_name == "x" {
        ("x", "y")
    } else {
        ("y", "x")
    }
}

/// Kozachenko–Leonenko differential entropy, in nats.
#[pyfunction]
fn knn_differential_entropy(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    k: usize,
    norm: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    let x = points(&x, "x")?;
    let norm: Norm = norm.parse()?;
    run(py, |interrupt| {
        knn::differential_entropy(x, k, norm, memory_limit, interrupt)
    })
}

/// KSG mutual information (`estimator` "ksg" or "ksg2"), in nats, not clipped.
#[pyfunction]
fn knn_mutual_information(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    k: usize,
    estimator: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    let (x, y) = (points(&x, "x")?, points(&y, "y")?);
    let algorithm: Algorithm = estimator.parse()?;
    run(py, |interrupt| {
        knn::mutual_information(x, y, k, algorithm, memory_limit, interrupt)
    })
}

/// Ross's mutual information of class codes `labels` (the argument named `labels_name`) and
/// continuous samples `continuous`, in nats, not clipped.
#[pyfunction]
fn knn_mixed_mutual_information(
    py: Python<'_>,
    labels: PyReadonlyArray1<'_, i64>,
    continuous: PyReadonlyArray2<'_, f64>,
    k: usize,
    labels_name: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    let (labels_name, continuous_name) = mixed_names(labels_name);
    let labels = codes(contiguous(&labels, labels_name)?, labels_name)?;
    let continuous = points(&continuous, continuous_name)?;
    run(py, |interrupt| {
        knn::mixed_mutual_information(&labels, labels_name, continuous, k, memory_limit, interrupt)
    })
}

/// Frenzel–Pompe conditional mutual information, in nats, not clipped.
#[pyfunction]
fn knn_conditional_mutual_information(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    given: PyReadonlyArray2<'_, f64>,
    k: usize,
    memory_limit: u64,
) -> PyResult<f64> {
    let (x, y, z) = (points(&x, "x")?, points(&y, "y")?, points(&given, "given")?);
    run(py, |interrupt| {
        knn::conditional_mutual_information(x, y, z, k, memory_limit, interrupt)
    })
}

/// Wang–Kulkarni–Verdú KL divergence of the samples' distributions, in nats, not clipped.
#[pyfunction]
fn knn_kl_divergence(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    k: usize,
    norm: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    let (x, y) = (points(&x, "x")?, points(&y, "y")?);
    let norm: Norm = norm.parse()?;
    run(py, |interrupt| {
        knn::kl_divergence(x, y, k, norm, memory_limit, interrupt)
    })
}

/// scikit-learn's KSG score of every row of `columns` (`(p, n)`: one continuous feature per row)
/// against the continuous target `y` (`(n, 1)`), in nats, not clipped.
#[pyfunction]
fn knn_regression_scores<'py>(
    py: Python<'py>,
    columns: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    k: usize,
    memory_limit: u64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n = columns.shape()[1];
    let data = columns
        .as_slice()
        .map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    let features: Vec<Points<'_>> = data
        .chunks_exact(n.max(1))
        .map(|c| Points::new(c, 1, "X"))
        .collect::<Result<_, _>>()?;
    let y = points(&y, "y")?;
    let scores = run(py, |interrupt| {
        sklearn::regression_scores(&features, y, k, memory_limit, interrupt)
    })?;
    Ok(PyArray1::from_vec(py, scores))
}

/// scikit-learn's Ross score of every `(continuous row, labels row)` pair of `pairs`:
/// `continuous` is `(p, n)` float64, `labels` `(q, n)` int64 class codes. `target_discrete`
/// says whether the labels are the target `y` (else they are columns of `X`).
#[pyfunction]
fn knn_mixed_scores<'py>(
    py: Python<'py>,
    continuous: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray2<'py, i64>,
    pairs: Vec<(usize, usize)>,
    k: usize,
    target_discrete: bool,
    memory_limit: u64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (labels_name, continuous_name) = if target_discrete {
        ("y", "X")
    } else {
        ("X", "y")
    };
    let n = continuous.shape()[1];
    let values = continuous
        .as_slice()
        .map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    let codes_data = labels
        .as_slice()
        .map_err(|_| PyValueError::new_err("labels must be C-contiguous"))?;
    if labels.shape()[1] != n {
        return Err(PyValueError::new_err(format!(
            "{labels_name} has {} samples but {continuous_name} has {n}",
            labels.shape()[1]
        )));
    }
    let rows: Vec<Vec<u32>> = codes_data
        .chunks_exact(n.max(1))
        .map(|c| codes(c, labels_name))
        .collect::<PyResult<_>>()?;
    let columns: Vec<&[f64]> = values.chunks_exact(n.max(1)).collect();
    let mut prepared = Vec::with_capacity(pairs.len());
    for &(c, l) in &pairs {
        let (Some(column), Some(row)) = (columns.get(c), rows.get(l)) else {
            return Err(PyValueError::new_err(format!(
                "pair ({c}, {l}) is out of range"
            )));
        };
        prepared.push((row.as_slice(), Points::new(column, 1, continuous_name)?));
    }
    let scores = run(py, |interrupt| {
        sklearn::mixed_scores(&prepared, labels_name, k, memory_limit, interrupt)
    })?;
    Ok(PyArray1::from_vec(py, scores))
}

/// `(value, indices, radii, counts)` of [`knn_neighbourhoods`].
type NeighbourhoodArrays<'py> = (
    f64,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<i64>>,
);

/// `(value, indices, radii (m, 2), counts (m, 3))`: an estimate with the neighbourhood of every
/// sample (test hook). `estimator` is "kl" (`variables = [x]`), "ksg" / "ksg2" (`[x, y]`),
/// "mixed" (`[y]` with `labels`), `"frenzel_pompe"` (`[x, y, given]`) or "divergence"
/// (`[x, y]`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn knn_neighbourhoods<'py>(
    py: Python<'py>,
    estimator: &str,
    variables: Vec<PyReadonlyArray2<'py, f64>>,
    labels: Option<PyReadonlyArray1<'py, i64>>,
    k: usize,
    norm: &str,
    memory_limit: u64,
) -> PyResult<NeighbourhoodArrays<'py>> {
    const NAMES: [&str; 3] = ["x", "y", "given"];
    let parts: Vec<Points<'_>> = variables
        .iter()
        .zip(NAMES)
        .map(|(a, name)| points(a, name))
        .collect::<PyResult<_>>()?;
    let norm: Norm = norm.parse()?;
    let labels = match &labels {
        Some(l) => Some(codes(contiguous(l, "x")?, "x")?),
        None => None,
    };
    let wrong = || PyValueError::new_err(format!("wrong variables for {estimator:?}"));
    let result: Neighbourhoods = match (estimator, parts.as_slice(), labels.as_deref()) {
        ("kl", &[x], None) => run(py, |interrupt| {
            knn::entropy_neighbourhoods(x, k, norm, memory_limit, interrupt)
        })?,
        ("ksg" | "ksg2", &[x, y], None) => {
            let algorithm: Algorithm = estimator.parse()?;
            run(py, |interrupt| {
                knn::mutual_information_neighbourhoods(x, y, k, algorithm, memory_limit, interrupt)
            })?
        }
        ("mixed", &[y], Some(labels)) => {
            let y = Points::new(y_data(&variables[0])?, y.columns(), "y")?;
            run(py, |interrupt| {
                knn::mixed_mutual_information_neighbourhoods(
                    labels,
                    "x",
                    y,
                    k,
                    memory_limit,
                    interrupt,
                )
            })?
        }
        ("frenzel_pompe", &[x, y, z], None) => run(py, |interrupt| {
            knn::conditional_mutual_information_neighbourhoods(x, y, z, k, memory_limit, interrupt)
        })?,
        ("divergence", &[x, y], None) => run(py, |interrupt| {
            knn::kl_divergence_neighbourhoods(x, y, k, norm, memory_limit, interrupt)
        })?,
        _ => return Err(wrong()),
    };
    let m = result.samples.len();
    let indices = PyArray1::from_iter(py, result.samples.iter().map(|&(i, _)| i64::from(i)));
    let radii: Vec<f64> = result.samples.iter().flat_map(|(_, s)| s.radius).collect();
    let counts: Vec<i64> = result
        .samples
        .iter()
        .flat_map(|(_, s)| s.count.map(i64::from))
        .collect();
    let radii = Array2::from_shape_vec((m, 2), radii)
        .expect("two radii per sample")
        .into_pyarray(py);
    let counts = Array2::from_shape_vec((m, 3), counts)
        .expect("three counts per sample")
        .into_pyarray(py);
    Ok((result.value, indices, radii, counts))
}

/// The data of a `(n, d)` array (for renaming its samples).
fn y_data<'a>(a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<&'a [f64]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err("y must be C-contiguous"))
}
