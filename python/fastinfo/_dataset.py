"""Dataset-scale mutual information: all-pairs matrices, scores against a target."""

from __future__ import annotations

__all__: list[str] = []
