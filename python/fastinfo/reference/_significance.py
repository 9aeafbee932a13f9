"""Pure-numpy twin of :mod:`fastinfo._significance`."""

from __future__ import annotations

__all__: list[str] = []
