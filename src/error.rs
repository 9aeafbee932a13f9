//! The one error type of the crate. Each variant carries the numbers a user needs to find the problem.

use crate::runtime::memory::size_text;
use std::borrow::Cow;
use std::fmt;

/// How an error names the argument it is about, the way the Python API spells it: usually a
/// parameter name (`"x"`, `"base"`), sometimes a part of one built at run time (`"x[:, 3]"`).
pub type Argument = Cow<'static, str>;

/// Everything that can go wrong in fastinfo's core.
///
/// Messages name the argument (`argument`) the way the Python API spells it, so the binding layer can
/// pass them on unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// An input has no samples (or a distribution has no outcomes).
    EmptyInput { argument: Argument },
    /// Two inputs that must have the same number of samples do not.
    LengthMismatch {
        argument: Argument,
        expected: usize,
        found: usize,
    },
    /// Two arrays that must have matching shapes do not.
    ShapeMismatch {
        argument: Argument,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// A distribution holds a weight that is negative, NaN or infinite.
    InvalidProbability {
        argument: Argument,
        row: usize,
        index: usize,
        value: f64,
    },
    /// A distribution's weights are all zero, so it cannot be normalised.
    ZeroRow { argument: Argument, row: usize },
    /// With `normalize=false`, a row does not sum to one within the tolerance.
    NotNormalized {
        argument: Argument,
        row: usize,
        sum: f64,
    },
    /// An option has a value outside its domain.
    InvalidArgument { argument: Argument, message: String },
    /// A sample is NaN or ±∞ where only finite values are allowed.
    NotFinite {
        argument: Argument,
        index: usize,
        value: f64,
    },
    /// A sample lies outside the outer bin edges `[lo, hi]`.
    OutsideBins {
        argument: Argument,
        index: usize,
        value: f64,
        lo: f64,
        hi: f64,
    },
    /// The computation would need more memory than the budget allows (see
    /// [`crate::runtime::memory`]); `advice` says what to do instead (may be empty).
    TooLarge {
        what: String,
        bytes: u128,
        budget: u64,
        advice: String,
    },
    /// The caller asked the computation to stop (Ctrl-C).
    Interrupted,
    /// A variable's labels are of another kind than it held before (strings after integers,
    /// bools after integers, ...): counts keyed by value cannot merge them.
    WrongKind {
        argument: Argument,
        expected: String,
        found: String,
    },
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
            Error::NotFinite {
                argument,
                index,
                value,
            } if value.is_nan() => write!(
                f,
                "{argument} contains NaN at index {index}; drop or fill missing values first"
            ),
            Error::NotFinite {
                argument,
                index,
                value,
            } => write!(
                f,
                "{argument} contains {value:?} at index {index}; infinite values are not allowed here \
                 (drop them, or clip to a finite range)"
            ),
            Error::OutsideBins {
                argument,
                index,
                value,
                lo,
                hi,
            } => write!(
                f,
                "{argument} has the value {value:?} at index {index}, outside the bin edges \
                 [{lo:?}, {hi:?}]; widen the edges or clip the values"
            ),
            Error::TooLarge {
                what,
                bytes,
                budget,
                advice,
            } => {
                write!(
                    f,
                    "{what} would need {} (budget {}, set by FASTINFO_MEMORY_LIMIT)",
                    size_text(*bytes),
                    size_text(u128::from(*budget))
                )?;
                if advice.is_empty() {
                    Ok(())
                } else {
                    write!(f, "; {advice}")
                }
            }
            Error::Interrupted => write!(f, "interrupted"),
            Error::WrongKind {
                argument,
                expected,
                found,
            } => write!(
                f,
                "{argument} holds {found} labels, but this variable has held {expected} labels: \
                 counts are keyed by value, so all batches of a variable must have one kind of \
                 label (convert them first, e.g. with .astype(...))"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `x` for a message: plain for ordinary magnitudes, in exponent form beyond (Rust's `{}` writes
/// `-1e308` out in 309 digits).
#[must_use]
pub fn number(x: f64) -> String {
    if x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}
