//! The one error type of the crate. Each variant carries the numbers a user needs to find the problem.

use std::fmt;

/// Everything that can go wrong in fastinfo's core.
///
/// Messages name the argument (`argument`) the way the Python API spells it, so the binding layer can
/// pass them on unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// An input has no samples (or a distribution has no outcomes).
    EmptyInput { argument: &'static str },
    /// Two inputs that must have the same number of samples do not.
    LengthMismatch {
        argument: &'static str,
        expected: usize,
        found: usize,
    },
    /// Two arrays that must have matching shapes do not.
    ShapeMismatch {
        argument: &'static str,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// A distribution holds a weight that is negative, NaN or infinite.
    InvalidProbability {
        argument: &'static str,
        row: usize,
        index: usize,
        value: f64,
    },
    /// A distribution's weights are all zero, so it cannot be normalised.
    ZeroRow { argument: &'static str, row: usize },
    /// With `normalize=false`, a row does not sum to one within the tolerance.
    NotNormalized {
        argument: &'static str,
        row: usize,
        sum: f64,
    },
    /// An option has a value outside its domain.
    InvalidArgument {
        argument: &'static str,
        message: String,
    },
    /// A sample is NaN or infinite where finite values are needed (`at`: "index 7", or
    /// "row 7, column 1"; `need` says why).
    NotFinite {
        argument: &'static str,
        at: String,
        value: f64,
        need: &'static str,
    },
    /// The computation would need more memory than allowed.
    TooLarge { what: String, bytes: u128 },
    /// The caller asked the computation to stop (Ctrl-C).
    Interrupted,
}

/// Shorthand for results of fastinfo's core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyInput { argument } => write!(f, "{argument} is empty: at least one sample is needed"),
            Error::LengthMismatch {
                argument,
                expected,
                found,
            } => write!(
                f,
                "{argument} has {found} samples but the first variable has {expected}: all variables must have the same length"
            ),
            Error::ShapeMismatch {
                argument,
                expected,
                found,
            } => write!(f, "{argument} has shape {found:?}, expected {expected:?}"),
            Error::InvalidProbability {
                argument,
                row,
                index,
                value,
            } => write!(
                f,
                "{argument}: row {row} has an invalid weight {value} at position {index}; weights must be finite and non-negative"
            ),
            Error::ZeroRow { argument, row } => write!(
                f,
                "{argument}: row {row} sums to zero and cannot be normalised to a distribution"
            ),
            Error::NotNormalized { argument, row, sum } => write!(
                f,
                "{argument}: row {row} sums to {sum}, not 1; pass normalize=True to normalise it"
            ),
            Error::InvalidArgument { argument, message } => write!(f, "{argument}: {message}"),
            Error::NotFinite { argument, at, value, need } if value.is_nan() => {
                write!(f, "{argument} contains NaN at {at}; {need}")
            }
            Error::NotFinite { argument, at, value, need } => {
                write!(f, "{argument} contains {value:?} at {at}; {need}")
            }
            Error::TooLarge { what, bytes } => write!(
                f,
                "{what} would need {:.1} GiB ({bytes} bytes)",
                *bytes as f64 / f64::from(1u32 << 30)
            ),
            Error::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for Error {}
