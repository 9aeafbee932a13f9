"""The command line's one error type: a message for the user, exit code 2, no traceback."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class UsageError(Exception):
    """Bad input (file, column, option or data): printed as one line on stderr, exit code 2."""


def unknown_column(name: str, known: Sequence[str], path: str) -> UsageError:
    """The error for a column ``name`` that ``path`` lacks, suggesting close matches."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(k) for k in list(known)[:12])
    more = f", ... ({len(known)} columns)" if len(known) > 12 else ""
    return UsageError(f"{path} has no column {name!r}{hint} (columns: {shown}{more})")
