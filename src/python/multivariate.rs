//! Bindings: multivariate information, information dynamics of time series, Rényi and Tsallis
//! entropies (samples, and `pmf_`-prefixed for distributions).
//!
//! A series arrives as a list of its trials (1-D contiguous label arrays of equal length); a batch
//! as a list of series. The public API (`fastinfo._multivariate`) checks shapes and options.

use super::{labels, matrix, run, LabelArray};
use crate::estimate::Estimator;
use crate::pmf::Distributions;
use crate::samples::multivariate as core;
use crate::samples::renyi::{self, Family};
use crate::samples::transfer::{self, Embedding, Estimate};
use crate::Labels;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use std::sync::atomic::AtomicBool;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(total_correlation, m)?,
        wrap_pyfunction!(dual_total_correlation, m)?,
        wrap_pyfunction!(o_information, m)?,
        wrap_pyfunction!(interaction_information, m)?,
        wrap_pyfunction!(transfer_entropy, m)?,
        wrap_pyfunction!(active_information_storage, m)?,
        wrap_pyfunction!(entropy_rate, m)?,
        wrap_pyfunction!(transfer_entropy_matrix, m)?,
        wrap_pyfunction!(renyi_entropy, m)?,
        wrap_pyfunction!(tsallis_entropy, m)?,
        wrap_pyfunction!(pmf_renyi_entropy, m)?,
        wrap_pyfunction!(pmf_tsallis_entropy, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}

/// Each variable (or series) as its list of columns (or trials).
fn nested<'a>(arrays: &'a [Vec<LabelArray<'_>>]) -> PyResult<Vec<Vec<Labels<'a>>>> {
    arrays.iter().map(|a| labels(a)).collect()
}

type Measure = fn(&[&[Labels<'_>]], Estimator, u64, &AtomicBool) -> crate::Result<f64>;

fn multivariate(
    py: Python<'_>,
    variables: &[Vec<LabelArray<'_>>],
    estimator: &str,
    memory_limit: u64,
    measure: Measure,
) -> PyResult<f64> {
    let e = super::estimator(estimator)?;
    let columns = nested(variables)?;
    let views: Vec<&[Labels<'_>]> = columns.iter().map(Vec::as_slice).collect();
    run(py, |interrupt| measure(&views, e, memory_limit, interrupt))
}

/// Total correlation of the variables (each a list of columns), in nats.
#[pyfunction]
fn total_correlation(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    multivariate(
        py,
        &variables,
        estimator,
        memory_limit,
        core::total_correlation,
    )
}

/// Dual total correlation of the variables, in nats.
#[pyfunction]
fn dual_total_correlation(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    multivariate(
        py,
        &variables,
        estimator,
        memory_limit,
        core::dual_total_correlation,
    )
}

/// O-information of the variables, in nats.
#[pyfunction]
fn o_information(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    multivariate(py, &variables, estimator, memory_limit, core::o_information)
}

/// Interaction information of the variables, in nats.
#[pyfunction]
fn interaction_information(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    estimator: &str,
    memory_limit: u64,
) -> PyResult<f64> {
    multivariate(
        py,
        &variables,
        estimator,
        memory_limit,
        core::interaction_information,
    )
}

/// `(values, local)`: one value per series of the batch, and the local values (one row per
/// series, trial after trial) when asked.
type Batch<'py> = (Bound<'py, PyArray1<f64>>, Option<Bound<'py, PyArray2<f64>>>);

fn batch(py: Python<'_>, estimates: Vec<Estimate>, local: bool) -> Batch<'_> {
    let values = PyArray1::from_iter(py, estimates.iter().map(|e| e.value));
    let local = local.then(|| {
        let width = estimates
            .first()
            .and_then(|e| e.local.as_ref())
            .map_or(0, Vec::len);
        let flat: Vec<f64> = if estimates.len() == 1 {
            // One series: its local values become the array as they are (no copy).
            estimates
                .into_iter()
                .next()
                .and_then(|e| e.local)
                .unwrap_or_default()
        } else {
            estimates
                .into_iter()
                .flat_map(|e| e.local.unwrap_or_default())
                .collect()
        };
        matrix(py, flat, width)
    });
    (values, local)
}

/// Transfer entropy from `sources[i]` to `targets[i]` for each `i` (each a list of trials),
/// conditioned on `given` (a list of series) when it is not empty, in nats.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn transfer_entropy<'py>(
    py: Python<'py>,
    sources: Vec<Vec<LabelArray<'py>>>,
    targets: Vec<Vec<LabelArray<'py>>>,
    given: Vec<Vec<LabelArray<'py>>>,
    history: usize,
    source_history: usize,
    delay: usize,
    estimator: &str,
    local: bool,
) -> PyResult<Batch<'py>> {
    let e = super::estimator(estimator)?;
    let (sources, targets, given) = (nested(&sources)?, nested(&targets)?, nested(&given)?);
    if sources.len() != targets.len() {
        return Err(PyValueError::new_err(format!(
            "source has {} series but target has {}",
            sources.len(),
            targets.len()
        )));
    }
    let given: Vec<&[Labels<'_>]> = given.iter().map(Vec::as_slice).collect();
    let embedding = Embedding {
        history,
        source_history,
        delay,
    };
    let estimates = run(py, |interrupt| {
        sources
            .par_iter()
            .zip(&targets)
            .map(|(s, t)| transfer::transfer_entropy(s, t, &given, embedding, e, local, interrupt))
            .collect::<crate::Result<Vec<_>>>()
    })?;
    Ok(batch(py, estimates, local))
}

type Storage = fn(&[Labels<'_>], usize, Estimator, bool, &AtomicBool) -> crate::Result<Estimate>;

fn storage<'py>(
    py: Python<'py>,
    series: &[Vec<LabelArray<'py>>],
    history: usize,
    estimator: &str,
    local: bool,
    measure: Storage,
) -> PyResult<Batch<'py>> {
    let e = super::estimator(estimator)?;
    let series = nested(series)?;
    let estimates = run(py, |interrupt| {
        series
            .par_iter()
            .map(|s| measure(s, history, e, local, interrupt))
            .collect::<crate::Result<Vec<_>>>()
    })?;
    Ok(batch(py, estimates, local))
}

/// Active information storage of each series (a list of trials), in nats.
#[pyfunction]
fn active_information_storage<'py>(
    py: Python<'py>,
    series: Vec<Vec<LabelArray<'py>>>,
    history: usize,
    estimator: &str,
    local: bool,
) -> PyResult<Batch<'py>> {
    storage(
        py,
        &series,
        history,
        estimator,
        local,
        transfer::active_information_storage,
    )
}

/// Entropy rate of each series (a list of trials), in nats.
#[pyfunction]
fn entropy_rate<'py>(
    py: Python<'py>,
    series: Vec<Vec<LabelArray<'py>>>,
    history: usize,
    estimator: &str,
    local: bool,
) -> PyResult<Batch<'py>> {
    storage(
        py,
        &series,
        history,
        estimator,
        local,
        transfer::entropy_rate,
    )
}

/// Transfer entropy between every ordered pair of series: `(d, d)`, entry `(i, j)` from `i` to `j`.
#[pyfunction]
fn transfer_entropy_matrix<'py>(
    py: Python<'py>,
    series: Vec<Vec<LabelArray<'py>>>,
    history: usize,
    source_history: usize,
    delay: usize,
    estimator: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let e = super::estimator(estimator)?;
    let series = nested(&series)?;
    let views: Vec<&[Labels<'_>]> = series.iter().map(Vec::as_slice).collect();
    let embedding = Embedding {
        history,
        source_history,
        delay,
    };
    let d = views.len();
    let values = run(py, |interrupt| {
        transfer::transfer_entropy_matrix(&views, embedding, e, interrupt)
    })?;
    Ok(matrix(py, values, d))
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
        .map_err(|_| PyValueError::new_err("p must be C-contiguous"))?;
    let rows = Distributions::new(slice, k, "p")?;
    let out = run(py, |_| renyi::pmf_entropy(&rows, family, normalize))?;
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
