"""Continuous samples: discretisation and differential entropy by histogram."""

from __future__ import annotations

__all__: list[str] = []
