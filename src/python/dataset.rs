//! Bindings: MI matrices and scores against a target.

use pyo3::prelude::*;

#[allow(clippy::unnecessary_wraps)] // the part's functions are registered here once written
pub(super) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
