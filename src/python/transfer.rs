//! Bindings of the information dynamics of time series: transfer entropy (and its matrix),
//! active information storage, entropy rate.
//!
//! A series arrives as a list of its trials (1-D contiguous label arrays of equal length); a batch
//! as a list of series. The public API (`fastinfo._transfer`) checks shapes and options.

use super::{matrix, nested, run, LabelArray};
use crate::samples::estimators::Estimator;
use crate::samples::transfer::{self, Embedding, Estimate};
use crate::{Error, Labels};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::sync::atomic::AtomicBool;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(transfer_entropy, m)?,
        wrap_pyfunction!(active_information_storage, m)?,
        wrap_pyfunction!(entropy_rate, m)?,
        wrap_pyfunction!(transfer_entropy_matrix, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
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
    let (sources, targets, given) = (nested(&sources)?, nested(&targets)?, nested(&given)?);
    let given: Vec<&[Labels<'_>]> = given.iter().map(Vec::as_slice).collect();
    let embedding = Embedding {
        history,
        source_history,
        delay,
    };
    let estimates = run(py, |interrupt| {
        if sources.len() != targets.len() {
            return Err(Error::LengthMismatch {
                argument: "target".into(),
                expected: sources.len(),
                found: targets.len(),
            });
        }
        let e = estimator.parse()?;
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
    let series = nested(series)?;
    let estimates = run(py, |interrupt| {
        let e = estimator.parse()?;
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
    let series = nested(&series)?;
    let views: Vec<&[Labels<'_>]> = series.iter().map(Vec::as_slice).collect();
    let embedding = Embedding {
        history,
        source_history,
        delay,
    };
    let d = views.len();
    let values = run(py, |interrupt| {
        transfer::transfer_entropy_matrix(&views, embedding, estimator.parse()?, interrupt)
    })?;
    Ok(matrix(py, values, d))
}
