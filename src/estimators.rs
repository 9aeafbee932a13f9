//! Entropy estimators beyond the plug-in: jackknife, Grassberger, Chao–Shen, NSB (issue 4).
