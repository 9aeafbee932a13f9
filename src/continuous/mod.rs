//! Continuous data: histogram binning ([`binning`]), k-nearest-neighbour estimators without
//! binning ([`knn`]) and the cross-entropy losses of a model's outputs ([`losses`]).

pub mod binning;
pub mod knn;
pub mod losses;
