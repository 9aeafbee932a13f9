//! All `PyO3` code: the private extension module `fastinfo._native`.
//!
//! The public API lives in `python/fastinfo/`; it checks arguments, coerces inputs to contiguous
//! native-endian arrays and calls the functions here. Every call goes through [`run`], which releases
//! the GIL, runs the work in the extension's own thread pool, polls for Ctrl-C while it waits, and
//! converts errors (a panic becomes a `RuntimeError`, never a `PanicException`).
//!
//! One binding file per part of the API, each with a `register` function called from the module
//! initialiser: `samples.rs` (entropies, information, counts), `pmf.rs` (distributions, exported
//! flat with a `pmf_` prefix: `_native.pmf_entropy` backs `fastinfo.pmf.entropy`, since a nested
//! extension submodule cannot be imported or stub-checked). This file holds what they share: the
//! pool, [`run`], error conversion and the label-array dispatch.

// `#[pyfunction]` arguments are extracted by value (`Vec<LabelArray>`, `PyReadonlyArray2`).
#![allow(clippy::needless_pass_by_value)]

use crate::{Error, Label, Labels};
use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{
    PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The Python exception for an error of the core: `MemoryError` for [`Error::TooLarge`],
/// `KeyboardInterrupt` for [`Error::Interrupted`], `TypeError` for [`Error::WrongKind`],
/// `ValueError` otherwise. Only [`run`] calls it: every error of the core reaches Python through
/// `run`.
fn exception(error: &Error) -> PyErr {
    match error {
        Error::TooLarge { .. } => PyMemoryError::new_err(error.to_string()),
        Error::Interrupted => PyKeyboardInterrupt::new_err(error.to_string()),
        Error::WrongKind { .. } => PyTypeError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
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
/// How long [`run`] looks for the result before it sleeps.
const SPIN: Duration = Duration::from_micros(SPIN_MICROS);
const SPIN_MICROS: u64 = 1000;

fn run<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let pool = pool()?;
    let interrupt = AtomicBool::new(false);
    let (result, signal) = py.detach(|| in_pool(&pool, &interrupt, work));
    finish(result, signal)
}

/// [`run`] with `state` locked for `work` (the mutable state of a Python object that threads may
/// share). The lock is taken with the GIL released, so that its holder can take the GIL back to
/// look for Ctrl-C, and in the calling thread, never in a pool worker: a worker blocked on the
/// lock could be holding up a task that the lock's holder waits for.
fn run_locked<S: Send, T: Send>(
    py: Python<'_>,
    state: &std::sync::Mutex<S>,
    work: impl FnOnce(&mut S, &AtomicBool) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let pool = pool()?;
    let interrupt = AtomicBool::new(false);
    let (result, signal) = py.detach(|| {
        let mut guard = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let state: &mut S = &mut guard;
        in_pool(&pool, &interrupt, move |interrupt| work(state, interrupt))
    });
    finish(result, signal)
}

/// What a worker returns: the work's result, or the payload of its panic.
type Outcome<T> = std::thread::Result<crate::Result<T>>;

/// Runs `work` in `pool` and waits for it (the GIL released), polling for Ctrl-C every 50 ms;
/// returns its outcome and the signal's error, if one came.
fn in_pool<T: Send>(
    pool: &rayon::ThreadPool,
    interrupt: &AtomicBool,
    work: impl FnOnce(&AtomicBool) -> crate::Result<T> + Send,
) -> (Outcome<T>, Option<PyErr>) {
    let (sender, receiver) = std::sync::mpsc::channel();
    let mut signal: Option<PyErr> = None;
    let result = pool.in_place_scope(|scope| {
        scope.spawn(move |_| {
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(interrupt)));
            let _ = sender.send(outcome);
        });
        // Short work is back within microseconds: look for it, yielding the core in between,
        // before sleeping (waking a sleeping thread costs tens of microseconds here).
        let spin_until = std::time::Instant::now() + SPIN;
        let mut early = None;
        while std::time::Instant::now() < spin_until {
            match receiver.try_recv() {
                Ok(outcome) => {
                    early = Some(outcome);
                    break;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => std::thread::yield_now(),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        }
        if let Some(outcome) = early {
            return outcome;
        }
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
}

/// The Python result of a worker's outcome: a pending signal first, then the work's error, or a
/// `RuntimeError` for a panic.
fn finish<T>(result: Outcome<T>, signal: Option<PyErr>) -> PyResult<T> {
    if let Some(e) = signal {
        return Err(e);
    }
    match result {
        Ok(value) => value.map_err(|e| exception(&e)),
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
///
/// Held as a plain `Bound` array, not a `PyReadonlyArray`: rust-numpy's borrow registry compares
/// each new borrow with every live borrow of the same base buffer, so the `d` columns of a 2-D
/// variable (views of one buffer) cost O(d²) to borrow, with the GIL held (10 × 20000: 0.8 s for
/// what takes 18 ms on separate copies). The extension only ever reads label arrays, and never
/// borrows them mutably, so the registry protects nothing here; see [`LabelArray::labels`].
enum LabelArray<'py> {
    U8(Bound<'py, PyArray1<u8>>),
    U16(Bound<'py, PyArray1<u16>>),
    U32(Bound<'py, PyArray1<u32>>),
    U64(Bound<'py, PyArray1<u64>>),
    I8(Bound<'py, PyArray1<i8>>),
    I16(Bound<'py, PyArray1<i16>>),
    I32(Bound<'py, PyArray1<i32>>),
    I64(Bound<'py, PyArray1<i64>>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for LabelArray<'py> {
    type Error = PyErr;

    /// Dispatches on the dtype's kind and size (trying each variant in turn would build and drop
    /// a Python exception per miss, ~20 µs each).
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dtype = obj.cast::<PyUntypedArray>()?.dtype();
        let any = obj.to_owned();
        Ok(match (dtype.kind(), dtype.itemsize()) {
            (b'u', 1) => LabelArray::U8(any.cast_into()?),
            (b'u', 2) => LabelArray::U16(any.cast_into()?),
            (b'u', 4) => LabelArray::U32(any.cast_into()?),
            (b'u', 8) => LabelArray::U64(any.cast_into()?),
            (b'i', 1) => LabelArray::I8(any.cast_into()?),
            (b'i', 2) => LabelArray::I16(any.cast_into()?),
            (b'i', 4) => LabelArray::I32(any.cast_into()?),
            (b'i', 8) => LabelArray::I64(any.cast_into()?),
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
        // SAFETY: `as_slice` checks that the array is contiguous and aligned. The slice lives no
        // longer than `self`, which keeps the array (and so its buffer) alive. Nothing in the
        // extension writes to a label array or creates a mutable borrow of one; as with a
        // `PyReadonlyArray`, Python code that writes to the array while a call runs with the GIL
        // released is the caller's race, which no Rust borrow could prevent.
        with_array!(self, a => unsafe { a.as_slice() }
            .map(Labels::from)
            .map_err(|_| PyValueError::new_err("label arrays must be C-contiguous and aligned (the Python layer copies other layouts)")))
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

/// Each variable (or series) as its list of columns (or trials).
fn nested<'a>(arrays: &'a [Vec<LabelArray<'_>>]) -> PyResult<Vec<Vec<Labels<'a>>>> {
    arrays.iter().map(|a| labels(a)).collect()
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
// The module: thread control here, every other function registered by its binding file.

mod agreement;
mod binning;
mod bootstrap;
mod config;
mod dataset;
mod knn;
mod losses;
mod multivariate;
mod pmf;
mod quantity;
mod renyi;
mod samples;
mod significance;
mod streaming;
mod strings;
mod transfer;

#[pymodule]
mod _native {
    use pyo3::exceptions::PyValueError;
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

    /// The memory budget in bytes (`FASTINFO_MEMORY_LIMIT`, or half of physical memory).
    #[pyfunction]
    fn memory_budget(py: Python<'_>) -> PyResult<u64> {
        super::run(py, |_| crate::runtime::memory::budget())
    }

    /// Raises `MemoryError` if `n_bytes` exceed the memory budget: the one check behind every
    /// allocation the Python layer makes in proportion to its input or output.
    #[pyfunction]
    fn check_memory(py: Python<'_>, what: &str, n_bytes: u128, advice: &str) -> PyResult<()> {
        super::run(py, |_| {
            crate::runtime::memory::check(|| what.to_string(), n_bytes, advice)
        })
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // The names of the options, read by the Python layer instead of copied there.
        let names = |names: &[&str]| pyo3::types::PyTuple::new(m.py(), names);
        m.add("ESTIMATORS", names(crate::Estimator::NAMES)?)?;
        m.add(
            "AVERAGES",
            names(crate::samples::agreement::Average::NAMES)?,
        )?;
        m.add("METRICS", names(crate::pmf::Metric::NAMES)?)?;
        m.add(
            "REDUCTIONS",
            names(crate::continuous::losses::Reduction::NAMES)?,
        )?;
        super::samples::register(m)?;
        super::pmf::register(m)?;
        super::dataset::register(m)?;
        super::agreement::register(m)?;
        super::significance::register(m)?;
        super::binning::register(m)?;
        super::losses::register(m)?;
        super::multivariate::register(m)?;
        super::transfer::register(m)?;
        super::renyi::register(m)?;
        super::streaming::register(m)?;
        super::strings::register(m)?;
        super::knn::register(m)?;
        super::config::register(m)?;
        super::quantity::register(m)?;
        super::bootstrap::register(m)?;
        Ok(())
    }
}
