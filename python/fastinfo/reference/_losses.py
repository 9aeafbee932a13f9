"""Pure-numpy twin of :mod:`fastinfo._losses`."""

from __future__ import annotations

__all__: list[str] = []
