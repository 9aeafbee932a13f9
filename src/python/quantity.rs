//! Bindings of the samples functions' table options: a known alphabet size for NSB and weighted
//! samples (the functions without them are in `samples.rs`).

use super::{nested, run, LabelArray};
use crate::samples::counts::{joint_counts, weighted_counts};
use crate::samples::quantity::{of_table, of_weighted, Layout};
use crate::Labels;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(estimate_with_options, m)?)?;
    Ok(())
}

/// The layout of `variables` (each a list of columns) for `quantity`, and their columns in order.
pub(super) fn layout<'a>(
    quantity: &str,
    variables: &'a [Vec<Labels<'a>>],
) -> crate::Result<(Layout, Vec<Labels<'a>>)> {
    let layout = Layout {
        quantity: quantity.parse()?,
        widths: variables.iter().map(Vec::len).collect(),
    };
    Ok((layout, variables.concat()))
}

/// `quantity` (a name of [`crate::samples::quantity::Quantity`]) of `variables` in nats, with NSB's per-variable alphabet
/// sizes and/or one weight per sample.
#[pyfunction]
fn estimate_with_options(
    py: Python<'_>,
    variables: Vec<Vec<LabelArray<'_>>>,
    quantity: &str,
    estimator: &str,
    alphabet_size: Option<Vec<u64>>,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let variables = nested(&variables)?;
    let weights = sample_weight
        .as_ref()
        .map(|w| {
            w.as_slice().map_err(|_| {
                PyValueError::new_err("sample_weight must be C-contiguous and aligned")
            })
        })
        .transpose()?;
    run(py, |_| {
        let (layout, columns) = layout(quantity, &variables)?;
        let estimator = estimator.parse()?;
        let alphabet = alphabet_size.as_deref();
        match weights {
            Some(w) => of_weighted(&weighted_counts(&columns, w)?, &layout, estimator, alphabet),
            None => of_table(&joint_counts(&columns)?, &layout, estimator, alphabet),
        }
    })
}
