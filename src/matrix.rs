//! All-pairs mutual information matrices and MI of many columns with one target (issue 4).
