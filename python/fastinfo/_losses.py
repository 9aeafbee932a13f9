"""ML losses and evaluation units: cross-entropy from logits, perplexity, bits per byte."""

from __future__ import annotations

__all__: list[str] = []
