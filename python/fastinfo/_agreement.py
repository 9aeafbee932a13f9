"""Comparing labelings: normalised and adjusted MI, variation of information."""

from __future__ import annotations

__all__: list[str] = []
