//! Expected mutual information under the hypergeometric model; adjusted MI (issue 4).
