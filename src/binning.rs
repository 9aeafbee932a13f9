//! Discretisation of continuous samples into histogram bins (issue 5).
