//! All `PyO3` code: the private extension module `fastinfo._native`.
//!
//! The public API lives in `python/fastinfo/`; it checks arguments, coerces inputs to contiguous
//! native-endian arrays and calls the functions here. Every call goes through [`run`], which releases
//! the GIL, runs the work in the extension's own thread pool, polls for Ctrl-C while it waits, and
//! converts errors (a panic becomes a `RuntimeError`, never a `PanicException`).
//!
//! Distribution functions are exported flat with a `pmf_` prefix (`_native.pmf_entropy` backs
//! `fastinfo.pmf.entropy`): a nested extension submodule cannot be imported or stub-checked.

// `#[pyfunction]` arguments are extracted by value (`Vec<LabelArray>`, `PyReadonlyArray2`).
#![allow(clippy::needless_pass_by_value)]

use crate::pairwise::Metric;
use crate::pmf::Distributions;
use crate::{estimate, pairwise, pmf, Error, Estimator, Label, Labels};
use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayDescrMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{
    PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

impl From<Error> for PyErr {
    fn from(error: Error) -> PyErr {
        match error {
            Error::TooLarge { .. } => PyMemoryError::new_err(error.to_string()),
            Error::Interrupted => PyKeyboardInterrupt::new_err(error.to_string()),
            _ => PyValueError::new_err(error.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Thread pool: one per process, rebuilt in a forked child.

struct Pool {
    pid: u32,
    threads: usize,
    workers: Arc<ThreadPool>,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

/// Most threads a pool may have (each reserves a stack).
const MAX_THREADS: usize = 1024;

fn default_threads() -> PyResult<usize> {
    match std::env::var("FASTINFO_NUM_THREADS") {
        Ok(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
            _ => Err(PyValueError::new_err(format!(
                "FASTINFO_NUM_THREADS must be a positive integer at most {MAX_THREADS}, got {s:?}"
            ))),
        },
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)),
    }
}

fn build_pool(threads: usize) -> PyResult<Pool> {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("fastinfo-{i}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads} threads: {e}")))?;
    Ok(Pool {
        pid: std::process::id(),
        threads,
        workers: Arc::new(pool),
    })
}

/// The pool of this process, created on first use (and again after a fork: the parent's worker
/// threads do not exist in the child, so its pool is leaked rather than joined).
fn pool() -> PyResult<Arc<ThreadPool>> {
    let mut guard = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    let threads = match guard.take() {
        Some(p) if p.pid == pid => {
            let pool = Arc::clone(&p.workers);
            *guard = Some(p);
            return Ok(pool);
        }
        Some(stale) => {
            let threads = stale.threads;
            std::mem::forget(stale);
            threads
        }
        None => default_threads()?,
    };
    let fresh = build_pool(threads)?;
    let pool = Arc::clone(&fresh.workers);
    *guard = Some(fresh);
    Ok(pool)
}

/// Runs `work` in the pool with the GIL released, polling for Ctrl-C every 50 ms.
///
/// On Ctrl-C the `interrupt` flag is raised; kernels that check it stop early, the others run to
/// completion; either way the pending `KeyboardInterrupt` is raised once the work has returned.
fn run<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let pool = pool()?;
    let interrupt = AtomicBool::new(false);
    let (result, signal) = py.detach(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        let mut signal: Option<PyErr> = None;
        let result = pool.in_place_scope(|scope| {
            let interrupt = &interrupt;
            scope.spawn(move |_| {
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(interrupt)));
                let _ = sender.send(outcome);
            });
            loop {
                match receiver.recv_timeout(Duration::from_millis(50)) {
                    Ok(outcome) => break outcome,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if signal.is_none() {
                            #[allow(clippy::redundant_closure_for_method_calls)]
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                signal = Some(e);
                                interrupt.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        break Err(Box::new("the worker stopped without a result"));
                    }
                }
            }
        });
        (result, signal)
    });
    if let Some(e) = signal {
        return Err(e);
    }
    match result {
        Ok(value) => Ok(value?),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(PyRuntimeError::new_err(format!(
                "internal error in fastinfo (please report it): {message}"
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Label arrays of any integer dtype.

/// A 1-D contiguous array of any supported integer dtype (bool arrive as uint8 views).
enum LabelArray<'py> {
    U8(PyReadonlyArray1<'py, u8>),
    U16(PyReadonlyArray1<'py, u16>),
    U32(PyReadonlyArray1<'py, u32>),
    U64(PyReadonlyArray1<'py, u64>),
    I8(PyReadonlyArray1<'py, i8>),
    I16(PyReadonlyArray1<'py, i16>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for LabelArray<'py> {
    type Error = PyErr;

    /// Dispatches on the dtype's kind and size (trying each variant in turn would build and drop
    /// a Python exception per miss, ~20 µs each).
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'u', 1) => LabelArray::U8(obj.extract()?),
            (b'u', 2) => LabelArray::U16(obj.extract()?),
            (b'u', 4) => LabelArray::U32(obj.extract()?),
            (b'u', 8) => LabelArray::U64(obj.extract()?),
            (b'i', 1) => LabelArray::I8(obj.extract()?),
            (b'i', 2) => LabelArray::I16(obj.extract()?),
            (b'i', 4) => LabelArray::I32(obj.extract()?),
            (b'i', 8) => LabelArray::I64(obj.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "label arrays must have an integer dtype, got {dtype}"
                )))
            }
        })
    }
}

macro_rules! with_array {
    ($array:expr, $a:ident => $body:expr) => {
        match $array {
            LabelArray::U8($a) => $body,
            LabelArray::U16($a) => $body,
            LabelArray::U32($a) => $body,
            LabelArray::U64($a) => $body,
            LabelArray::I8($a) => $body,
            LabelArray::I16($a) => $body,
            LabelArray::I32($a) => $body,
            LabelArray::I64($a) => $body,
        }
    };
}

impl LabelArray<'_> {
    fn labels(&self) -> PyResult<Labels<'_>> {
        with_array!(self, a => a
            .as_slice()
            .map(Labels::from)
            .map_err(|_| PyValueError::new_err("label arrays must be contiguous")))
    }

    /// A new array of this array's dtype holding the labels whose keys are `keys`.
    fn values_of<'py>(&self, py: Python<'py>, keys: &[u64]) -> Bound<'py, PyAny> {
        fn typed<'py, T: Label + numpy::Element>(
            py: Python<'py>,
            keys: &[u64],
        ) -> Bound<'py, PyAny> {
            PyArray1::from_iter(py, keys.iter().map(|&k| T::from_key(k))).into_any()
        }
        match self {
            LabelArray::U8(_) => typed::<u8>(py, keys),
            LabelArray::U16(_) => typed::<u16>(py, keys),
            LabelArray::U32(_) => typed::<u32>(py, keys),
            LabelArray::U64(_) => typed::<u64>(py, keys),
            LabelArray::I8(_) => typed::<i8>(py, keys),
            LabelArray::I16(_) => typed::<i16>(py, keys),
            LabelArray::I32(_) => typed::<i32>(py, keys),
            LabelArray::I64(_) => typed::<i64>(py, keys),
        }
    }
}

fn labels<'a>(arrays: &'a [LabelArray<'_>]) -> PyResult<Vec<Labels<'a>>> {
    arrays.iter().map(LabelArray::labels).collect()
}

fn estimator(name: &str) -> PyResult<Estimator> {
    Ok(name.parse::<Estimator>()?)
}

/// A row-major `rows × columns` vector as a 2-D array (no copy).
fn matrix<T: numpy::Element>(
    py: Python<'_>,
    values: Vec<T>,
    columns: usize,
) -> Bound<'_, PyArray2<T>> {
    let rows = values.len().checked_div(columns).unwrap_or(0);
    Array2::from_shape_vec((rows, columns), values)
        .expect("the kernels return rows × columns values")
        .into_pyarray(py)
}

/// `(indices, values)` of the nearest rows.
type Neighbours<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f64>>);

/// `(values, counts)`: one array of values per column, and the counts.
type ValueCounts<'py> = (Vec<Bound<'py, PyAny>>, Bound<'py, PyArray1<i64>>);

/// `(x_values, y_values, rows, columns, counts)` of a contingency table.
type CoordinateTable<'py> = (
    Vec<Bound<'py, PyAny>>,
    Vec<Bound<'py, PyAny>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
);

fn int64_array<'py>(py: Python<'py>, values: &[u64]) -> Bound<'py, PyArray1<i64>> {
    PyArray1::from_iter(py, values.iter().map(|&v| v as i64))
}

// ---------------------------------------------------------------------------------------------
// The module.

#[pymodule]
mod _native {
    use super::{
        estimate, int64_array, labels, matrix, pairwise, pmf, run, CoordinateTable, Distributions,
        LabelArray, Metric, Neighbours, PyArray1, PyArray2, PyReadonlyArray2, PyResult,
        PyValueError, ValueCounts,
    };
    use pyo3::prelude::*;

    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Number of threads of fastinfo's pool.
    #[pyfunction]
    fn get_num_threads() -> PyResult<usize> {
        Ok(super::pool()?.current_num_threads())
    }

    /// Rebuilds fastinfo's pool with `n` threads.
    #[pyfunction]
    fn set_num_threads(n: usize) -> PyResult<()> {
        if !(1..=super::MAX_THREADS).contains(&n) {
            return Err(PyValueError::new_err(format!(
                "n must be a positive integer at most {}, got {n}",
                super::MAX_THREADS
            )));
        }
        let fresh = super::build_pool(n)?;
        *super::POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fresh);
        Ok(())
    }

    /// H(x) in nats; `x` is the list of columns of one variable.
    #[pyfunction]
    fn entropy(py: Python<'_>, x: Vec<LabelArray<'_>>, estimator: &str) -> PyResult<f64> {
        let (x, e) = (labels(&x)?, super::estimator(estimator)?);
        run(py, |_| estimate::entropy(&x, e))
    }

    /// H(variables...) in nats; each variable is a list of columns.
    #[pyfunction]
    fn joint_entropy(
        py: Python<'_>,
        variables: Vec<Vec<LabelArray<'_>>>,
        estimator: &str,
    ) -> PyResult<f64> {
        let e = super::estimator(estimator)?;
        let columns: Vec<Vec<_>> = variables
            .iter()
            .map(|v| labels(v))
            .collect::<PyResult<_>>()?;
        let views: Vec<&[_]> = columns.iter().map(Vec::as_slice).collect();
        run(py, |_| estimate::joint_entropy(&views, e))
    }

    /// H(x | given) in nats.
    #[pyfunction]
    fn conditional_entropy(
        py: Python<'_>,
        x: Vec<LabelArray<'_>>,
        given: Vec<LabelArray<'_>>,
        estimator: &str,
    ) -> PyResult<f64> {
        let (x, given, e) = (labels(&x)?, labels(&given)?, super::estimator(estimator)?);
        run(py, |_| estimate::conditional_entropy(&x, &given, e))
    }

    /// I(x; y) in nats.
    #[pyfunction]
    fn mutual_information(
        py: Python<'_>,
        x: Vec<LabelArray<'_>>,
        y: Vec<LabelArray<'_>>,
        estimator: &str,
    ) -> PyResult<f64> {
        let (x, y, e) = (labels(&x)?, labels(&y)?, super::estimator(estimator)?);
        run(py, |_| estimate::mutual_information(&x, &y, e))
    }

    /// I(x; y | given) in nats.
    #[pyfunction]
    fn conditional_mutual_information(
        py: Python<'_>,
        x: Vec<LabelArray<'_>>,
        y: Vec<LabelArray<'_>>,
        given: Vec<LabelArray<'_>>,
        estimator: &str,
    ) -> PyResult<f64> {
        let (x, y, given) = (labels(&x)?, labels(&y)?, labels(&given)?);
        let e = super::estimator(estimator)?;
        run(py, |_| {
            estimate::conditional_mutual_information(&x, &y, &given, e)
        })
    }

    /// Observed values (one array per column, the columns' dtypes) and their counts (int64).
    #[pyfunction]
    fn counts<'py>(py: Python<'py>, x: Vec<LabelArray<'py>>) -> PyResult<ValueCounts<'py>> {
        let columns = labels(&x)?;
        let (keys, counts) = run(py, |_| Ok(crate::joint_counts(&columns)?.nonzero_cells()))?;
        let values = x
            .iter()
            .zip(&keys)
            .map(|(a, k)| a.values_of(py, k))
            .collect();
        Ok((values, int64_array(py, &counts)))
    }

    /// The contingency table of `x` and `y` in coordinate form:
    /// `(x_values, y_values, rows, columns, counts)`.
    #[pyfunction]
    fn contingency<'py>(
        py: Python<'py>,
        x: Vec<LabelArray<'py>>,
        y: Vec<LabelArray<'py>>,
    ) -> PyResult<CoordinateTable<'py>> {
        let (xl, yl) = (labels(&x)?, labels(&y)?);
        let table = run(py, |_| crate::contingency(&xl, &yl))?;
        let x_values = x
            .iter()
            .zip(&table.x_values)
            .map(|(a, k)| a.values_of(py, k))
            .collect();
        let y_values = y
            .iter()
            .zip(&table.y_values)
            .map(|(a, k)| a.values_of(py, k))
            .collect();
        Ok((
            x_values,
            y_values,
            int64_array(py, &table.rows),
            int64_array(py, &table.columns),
            int64_array(py, &table.counts),
        ))
    }

    fn rows<'a>(
        array: &'a PyReadonlyArray2<'_, f64>,
        argument: &'static str,
    ) -> PyResult<Distributions<'a>> {
        let k = array.as_array().ncols();
        let slice = array
            .as_slice()
            .map_err(|_| PyValueError::new_err(format!("{argument} must be C-contiguous")))?;
        Ok(Distributions::new(slice, k, argument)?)
    }

    /// Entropy of each row of `p` (rows × k), in nats.
    #[pyfunction]
    fn pmf_entropy<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        normalize: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let p = rows(&p, "p")?;
        let out = run(py, |_| pmf::entropy(&p, normalize))?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Cross-entropy of each pair of rows, in nats.
    #[pyfunction]
    fn pmf_cross_entropy<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        q: PyReadonlyArray2<'py, f64>,
        normalize: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (p, q) = (rows(&p, "p")?, rows(&q, "q")?);
        let out = run(py, |_| pmf::cross_entropy(&p, &q, normalize))?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// KL divergence of each pair of rows, in nats.
    #[pyfunction]
    fn pmf_kl_divergence<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        q: PyReadonlyArray2<'py, f64>,
        normalize: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (p, q) = (rows(&p, "p")?, rows(&q, "q")?);
        let out = run(py, |_| pmf::kl_divergence(&p, &q, normalize))?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Jensen–Shannon divergence of each pair of rows, in nats.
    #[pyfunction]
    fn pmf_js_divergence<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        q: PyReadonlyArray2<'py, f64>,
        normalize: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (p, q) = (rows(&p, "p")?, rows(&q, "q")?);
        let out = run(py, |_| pmf::js_divergence(&p, &q, normalize))?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// The matrix of `metric` between every row of `p` and every row of `q` (nats).
    #[pyfunction]
    fn pmf_pairwise<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        q: PyReadonlyArray2<'py, f64>,
        metric: &str,
        normalize: bool,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let metric: Metric = metric.parse()?;
        let (p, q) = (rows(&p, "P")?, rows(&q, "Q")?);
        let columns = q.rows();
        let out = run(py, |interrupt| {
            pairwise::pairwise(&p, &q, metric, normalize, interrupt)
        })?;
        Ok(matrix(py, out, columns))
    }

    /// For every row of `p`, the indices and values of the `k` rows of `q` nearest under `metric`.
    #[pyfunction]
    fn pmf_nearest<'py>(
        py: Python<'py>,
        p: PyReadonlyArray2<'py, f64>,
        q: PyReadonlyArray2<'py, f64>,
        k: usize,
        metric: &str,
        normalize: bool,
    ) -> PyResult<Neighbours<'py>> {
        let metric: Metric = metric.parse()?;
        let (p, q) = (rows(&p, "P")?, rows(&q, "Q")?);
        let (indices, values) = run(py, |interrupt| {
            pairwise::nearest(&p, &q, k, metric, normalize, interrupt)
        })?;
        let indices = indices.into_iter().map(|i| i as i64).collect();
        Ok((matrix(py, indices, k), matrix(py, values, k)))
    }
}
