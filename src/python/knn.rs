//! Bindings: k-nearest-neighbour estimators, and scikit-learn's mutual-information feature scores.
//!
//! Continuous samples arrive as 2-D C-contiguous float64 arrays `(n, d)`, one per variable (the
//! public API converts and reshapes them); class labels as 1-D int64 codes `0..classes` (from
//! `np.unique`). Results are raw nats: clipping, `base` and jitter belong to the public API.

use super::run;
use crate::continuous::knn::{self, sklearn, Algorithm, Neighbourhoods, Norm, Points};
use crate::runtime::memory;
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
    // The names of the norms, read by the Python layer instead of copied there.
    m.add("NORMS", pyo3::types::PyTuple::new(m.py(), Norm::NAMES)?)?;
    m.add(
        "KSG_ESTIMATORS",
        pyo3::types::PyTuple::new(m.py(), Algorithm::NAMES)?,
    )?;
    Ok(())
}

/// The values and the number of columns of `a`, an `(n, d)` C-contiguous array (the Python
/// layer makes it so), named `name` in errors; [`Points::new`] checks them inside [`run`].
fn values<'a>(a: &'a PyReadonlyArray2<'_, f64>, name: &str) -> PyResult<(&'a [f64], usize)> {
    let columns = a.shape()[1];
    let data = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be C-contiguous")))?;
    Ok((data, columns))
}

/// The samples of [`values`], checked (inside [`run`]).
fn points<'a>(
    (data, columns): (&'a [f64], usize),
    name: &'static str,
) -> crate::Result<Points<'a>> {
    Points::new(data, columns, name)
}

/// Class codes `0..classes` as `u32` (inside [`run`]).
fn codes(values: &[i64], name: &'static str) -> crate::Result<Vec<u32>> {
    values
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            u32::try_from(c).map_err(|_| crate::Error::InvalidArgument {
                argument: name.into(),
                message: format!("class code {c} at index {i} is invalid"),
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
) -> PyResult<f64> {
    let x = values(&x, "x")?;
    run(py, |interrupt| {
        let (x, norm) = (points(x, "x")?, norm.parse()?);
        knn::differential_entropy(x, k, norm, memory::budget()?, interrupt)
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
) -> PyResult<f64> {
    let (x, y) = (values(&x, "x")?, values(&y, "y")?);
    run(py, |interrupt| {
        let (x, y) = (points(x, "x")?, points(y, "y")?);
        let algorithm: Algorithm = estimator.parse()?;
        knn::mutual_information(x, y, k, algorithm, memory::budget()?, interrupt)
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
) -> PyResult<f64> {
    let (labels_name, continuous_name) = mixed_names(labels_name);
    let labels = contiguous(&labels, labels_name)?;
    let continuous = values(&continuous, continuous_name)?;
    run(py, |interrupt| {
        let labels = codes(labels, labels_name)?;
        let continuous = points(continuous, continuous_name)?;
        let budget = memory::budget()?;
        knn::mixed_mutual_information(&labels, labels_name, continuous, k, budget, interrupt)
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
) -> PyResult<f64> {
    let (x, y, z) = (values(&x, "x")?, values(&y, "y")?, values(&given, "given")?);
    run(py, |interrupt| {
        let (x, y, z) = (points(x, "x")?, points(y, "y")?, points(z, "given")?);
        knn::conditional_mutual_information(x, y, z, k, memory::budget()?, interrupt)
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
) -> PyResult<f64> {
    let (x, y) = (values(&x, "x")?, values(&y, "y")?);
    run(py, |interrupt| {
        let (x, y, norm) = (points(x, "x")?, points(y, "y")?, norm.parse()?);
        knn::kl_divergence(x, y, k, norm, memory::budget()?, interrupt)
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
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n = columns.shape()[1];
    let data = columns
        .as_slice()
        .map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    let y = values(&y, "y")?;
    let scores = run(py, |interrupt| {
        let features: Vec<Points<'_>> = data
            .chunks_exact(n.max(1))
            .map(|c| Points::new(c, 1, "X"))
            .collect::<crate::Result<_>>()?;
        let y = points(y, "y")?;
        sklearn::regression_scores(&features, y, k, memory::budget()?, interrupt)
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
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (labels_name, continuous_name) = if target_discrete {
        ("y", "X")
    } else {
        ("X", "y")
    };
    let n = continuous.shape()[1];
    let found = labels.shape()[1];
    let values = continuous
        .as_slice()
        .map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    let codes_data = labels
        .as_slice()
        .map_err(|_| PyValueError::new_err("labels must be C-contiguous"))?;
    let scores = run(py, |interrupt| {
        if found != n {
            return Err(crate::Error::LengthMismatch {
                argument: labels_name.into(),
                expected: n,
                found,
            });
        }
        let rows: Vec<Vec<u32>> = codes_data
            .chunks_exact(n.max(1))
            .map(|c| codes(c, labels_name))
            .collect::<crate::Result<_>>()?;
        let columns: Vec<&[f64]> = values.chunks_exact(n.max(1)).collect();
        let mut prepared = Vec::with_capacity(pairs.len());
        for &(c, l) in &pairs {
            let (Some(column), Some(row)) = (columns.get(c), rows.get(l)) else {
                return Err(crate::Error::InvalidArgument {
                    argument: "pairs".into(),
                    message: format!("pair ({c}, {l}) is out of range"),
                });
            };
            prepared.push((row.as_slice(), Points::new(column, 1, continuous_name)?));
        }
        sklearn::mixed_scores(&prepared, labels_name, k, memory::budget()?, interrupt)
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
fn knn_neighbourhoods<'py>(
    py: Python<'py>,
    estimator: &str,
    variables: Vec<PyReadonlyArray2<'py, f64>>,
    labels: Option<PyReadonlyArray1<'py, i64>>,
    k: usize,
    norm: &str,
) -> PyResult<NeighbourhoodArrays<'py>> {
    const NAMES: [&str; 3] = ["x", "y", "given"];
    let raw: Vec<(&[f64], usize)> = variables
        .iter()
        .zip(NAMES)
        .map(|(a, name)| values(a, name))
        .collect::<PyResult<_>>()?;
    let labels = match &labels {
        Some(l) => Some(contiguous(l, "x")?),
        None => None,
    };
    let result: Neighbourhoods = run(py, |interrupt| {
        let parts: Vec<Points<'_>> = raw
            .iter()
            .zip(NAMES)
            .map(|(&a, name)| points(a, name))
            .collect::<crate::Result<_>>()?;
        let norm: Norm = norm.parse()?;
        let labels = labels.map(|l| codes(l, "x")).transpose()?;
        let budget = memory::budget()?;
        match (estimator, parts.as_slice(), labels.as_deref()) {
            ("kl", &[x], None) => knn::entropy_neighbourhoods(x, k, norm, budget, interrupt),
            ("ksg" | "ksg2", &[x, y], None) => knn::mutual_information_neighbourhoods(
                x,
                y,
                k,
                estimator.parse()?,
                budget,
                interrupt,
            ),
            ("mixed", &[_], Some(labels)) => {
                let y = points(raw[0], "y")?;
                knn::mixed_mutual_information_neighbourhoods(labels, "x", y, k, budget, interrupt)
            }
            ("frenzel_pompe", &[x, y, z], None) => {
                knn::conditional_mutual_information_neighbourhoods(x, y, z, k, budget, interrupt)
            }
            ("divergence", &[x, y], None) => {
                knn::kl_divergence_neighbourhoods(x, y, k, norm, budget, interrupt)
            }
            _ => Err(crate::Error::InvalidArgument {
                argument: "variables".into(),
                message: format!("wrong variables for {estimator:?}"),
            }),
        }
    })?;
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
