"""Running one data command: parsing, dispatch, and the error and interrupt handling around it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .errors import UsageError
from .pairwise import pairwise
from .parser import build_parser
from .tables import entropy, mutual_information, profile


def run(argv: Sequence[str]) -> int:
    """Parse and run one command. Exit codes: 0, 2 (bad input), 130 (interrupted)."""
    prog = f"fastinfo {argv[0]}" if argv else "fastinfo"
    try:
        args = build_parser().parse_args(list(argv))
        commands: dict[str, Callable[[argparse.Namespace], None]] = {
            "profile": profile,
            "mi": mutual_information,
            "entropy": entropy,
            "pairwise": pairwise,
        }
        commands[args.command](args)
    except UsageError as exc:
        message = str(exc)
        if not message.startswith("fastinfo"):
            message = f"{prog}: {message}"
        print(f"{message}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, MemoryError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
