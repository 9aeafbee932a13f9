//! `build_info()`: how the extension was compiled and what it chose at run time, for
//! `fastinfo.show_config()` (`python/fastinfo/_config.py` adds what Python knows: threads, numpy,
//! the interpreter, the wheel's tags).
//!
//! The compile-time facts come from `build.rs` (`FASTINFO_BUILD_*`).

use crate::runtime::memory;
use crate::runtime::simd::{self, Level};
use pyo3::prelude::*;
use pyo3::types::PyDict;

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_info, m)?)
}

/// The CPU features the run-time dispatch looks at, as detected on this machine (the AVX2 and
/// AVX-512 levels also need `fma`).
fn cpu_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let detected = [
            ("sse4.2", is_x86_feature_detected!("sse4.2")),
            ("popcnt", is_x86_feature_detected!("popcnt")),
            ("avx", is_x86_feature_detected!("avx")),
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
            ("avx512f", is_x86_feature_detected!("avx512f")),
        ];
        detected
            .into_iter()
            .filter_map(|(name, on)| on.then_some(name))
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// How the extension was built (profile, optimisation, target, compiler, compile-time target
/// features) and the SIMD level it runs with.
#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item("version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("profile", env!("FASTINFO_BUILD_PROFILE"))?;
    info.set_item("opt_level", env!("FASTINFO_BUILD_OPT_LEVEL"))?;
    info.set_item("debug_assertions", cfg!(debug_assertions))?;
    info.set_item("target", env!("FASTINFO_BUILD_TARGET"))?;
    info.set_item(
        "target_features",
        env!("FASTINFO_BUILD_TARGET_FEATURES")
            .split(',')
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>(),
    )?;
    info.set_item("rustc", env!("FASTINFO_BUILD_RUSTC"))?;
    info.set_item("simd_level", simd::level().name())?;
    info.set_item("simd_best_available", Level::best_available().name())?;
    info.set_item("cpu_features", cpu_features())?;
    // The budget, or why it cannot be read (a bad FASTINFO_MEMORY_LIMIT hides nothing else).
    match memory::budget() {
        Ok(bytes) => {
            info.set_item("memory_budget", bytes)?;
            info.set_item("memory_budget_text", memory::size_text(u128::from(bytes)))?;
        }
        Err(error) => {
            let text = format!("error: {error}");
            info.set_item("memory_budget", &text)?;
            info.set_item("memory_budget_text", text)?;
        }
    }
    Ok(info)
}
