"""Gaussian closed forms: differential entropy, KL divergence, mutual information (issue 5)."""

from __future__ import annotations

__all__: list[str] = []
