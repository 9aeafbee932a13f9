"""Is an MI value more than noise: permutation tests and the G-test."""

from __future__ import annotations

__all__: list[str] = []
