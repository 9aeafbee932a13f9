"""Pure-numpy twin of :mod:`fastinfo._continuous`."""

from __future__ import annotations

__all__: list[str] = []
