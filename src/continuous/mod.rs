//! Continuous data: histogram binning ([`binning`]) and the cross-entropy losses of a model's
//! outputs ([`losses`]).

pub mod binning;
pub mod losses;
