//! The one place for runtime-dispatched vector kernels (vectorised natural log and the per-pair
//! reductions of the pairwise divergences).
