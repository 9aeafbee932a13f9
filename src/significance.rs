//! Permutation tests (Patefield's algorithm) and the G-test (issue 4).
