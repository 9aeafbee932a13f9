//! Samples: columns of discrete labels, counted exactly and turned into estimates.
//!
//! The floors of this group, from the bottom: [`label`] (the eight integer types and their
//! order-preserving keys) and `hashmap` → [`counts`] (histograms and contingency tables) →
//! [`estimators`] (one histogram → one entropy estimate) → [`estimate`] (tables → entropies and
//! informations; the functions of labels) → [`dataset`] (all pairs of columns of a table),
//! [`agreement`] (comparing two labelings), [`significance`] (permutation and G-tests),
//! [`multivariate`] (total correlation, O-information, interaction information), [`transfer`]
//! (transfer entropy, active information storage, entropy rate of time series), [`renyi`]
//! (Rényi and Tsallis entropies) and [`streaming`] (mergeable counts, batch by batch).

pub mod agreement;
pub mod bootstrap;
pub mod counts;
pub mod dataset;
pub mod estimate;
pub mod estimators;
mod hashmap;
pub mod label;
pub mod multivariate;
pub mod quantity;
pub mod renyi;
pub mod significance;
pub mod streaming;
pub mod strings;
pub mod transfer;
