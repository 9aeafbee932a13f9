"""Pure-numpy twin of :mod:`fastinfo._agreement`."""

from __future__ import annotations

__all__: list[str] = []
