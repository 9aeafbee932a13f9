//! The machine: SIMD kernels chosen at run time ([`simd`]) and large working arrays and the memory
//! budget ([`memory`]).

pub mod memory;
pub mod simd;
