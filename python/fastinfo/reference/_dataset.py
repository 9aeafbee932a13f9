"""Pure-numpy twin of :mod:`fastinfo._dataset`."""

from __future__ import annotations

__all__: list[str] = []
