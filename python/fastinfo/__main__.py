"""``python -m fastinfo`` (or ``fastinfo demo``): estimates next to the known truth, timed.

The embedded default dataset is generated with a known ground truth: a chain of binary symmetric
channels X -> Y -> Z with n = 10 million samples, where X is a fair bit, Y flips X with probability
e1 and Z flips Y with probability e2. Then, in bits,

- H(X) = 1,  H(Y | X) = H_b(e1),
- I(X; Y) = 1 - H_b(e1),  I(Y; Z) = 1 - H_b(e2),
- I(X; Z) = 1 - H_b(e1 (1 - e2) + e2 (1 - e1)),  I(X; Z | Y) = 0,

and the data processing inequality I(X; Z) <= min(I(X; Y), I(Y; Z)) holds for the true values.

Estimates from n samples differ from the truth by sampling noise, so each is compared with a
tolerance derived from the plug-in estimator's error expansion (:func:`tolerance`): six standard
errors of its linear term plus a chi-square bound on its quadratic term. The tolerance grows as n
shrinks (at n = 10 it exceeds every possible error), so noise is never reported as a failure.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

import fastinfo
from fastinfo import reference


def binary_entropy(p: float) -> float:
    """H_b(p) in bits."""
    if p in (0.0, 1.0):
        return 0.0
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def channel_chain(
    n: int, e1: float, e2: float, seed: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Samples of X -> Y -> Z through two binary symmetric channels."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=n, dtype=np.uint8)
    y = x ^ (rng.random(n) < e1).astype(np.uint8)
    z = y ^ (rng.random(n) < e2).astype(np.uint8)
    return x, y, z


def timed(f: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Result of ``f()`` and the best wall time over ``repeat`` runs, in seconds."""
    best = math.inf
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - start)
    return result, best


#: Standard errors of the linear term allowed before an estimate is called off (two-sided
#: normal tail probability 2e-9).
Z_LINEAR = 6.0
#: ``t`` of the chi-square tail bound ``P(chi2_k > k + 2 sqrt(k t) + 2 t) <= exp(-t)`` (Laurent
#: and Massart, 2000): ``exp(-18) = 1.5e-8`` for the quadratic term.
T_QUADRATIC = 18.0

# The quantities of the demo: (name, entropies combined with their signs, influence function).
# Each entropy is of the joint variable of the listed coordinates (0 = X, 1 = Y, 2 = Z).
QUANTITIES: list[tuple[str, list[tuple[int, tuple[int, ...]]]]] = [
    ("H(X)", [(1, (0,))]),
    ("H(Y | X)", [(1, (0, 1)), (-1, (0,))]),
    ("I(X; Y)", [(1, (0,)), (1, (1,)), (-1, (0, 1))]),
    ("I(Y; Z)", [(1, (1,)), (1, (2,)), (-1, (1, 2))]),
    ("I(X; Z)", [(1, (0,)), (1, (2,)), (-1, (0, 2))]),
    ("I(X; Z | Y)", [(1, (0, 1)), (1, (1, 2)), (-1, (0, 1, 2)), (-1, (1,))]),
]


def chain_distribution(e1: float, e2: float) -> npt.NDArray[np.float64]:
    """The true law ``p[x, y, z]`` of the channel chain."""
    p = np.empty((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            for z in (0, 1):
                p[x, y, z] = 0.5 * (e1 if y != x else 1 - e1) * (e2 if z != y else 1 - e2)
    return p


def tolerance(e1: float, e2: float, n: int) -> dict[str, float]:
    """How far (in bits) each plug-in estimate of the demo may fall from the truth by chance.

    A plug-in estimate over ``n`` samples is ``Q + L + R``: a linear term ``L``, asymptotically
    normal with variance ``Var_p(g) / n`` for the influence function ``g`` of ``Q`` (for an
    entropy ``H(T)``, ``g = -log p(T)``), and a quadratic term ``R``: each plug-in entropy of a
    table with ``K`` occupied cells is low by ``X^2 / (2 n)``, ``X^2`` the Pearson statistic,
    about chi-square with ``K - 1`` degrees of freedom. The tolerance is ``Z_LINEAR`` standard
    errors of ``L`` plus the chi-square tail bound of every entropy's ``R``: it is of order
    ``1 / sqrt(n)`` when the estimate has a linear term and ``1 / n`` when it has none (an
    information of 0, or the entropy of a fair bit).
    """
    p = chain_distribution(e1, e2)
    cells = p > 0
    tolerances = {}
    for name, terms in QUANTITIES:
        influence = np.zeros_like(p)
        quadratic = 0.0
        for sign, axes in terms:
            dropped = tuple(a for a in range(3) if a not in axes)
            marginal = p.sum(axis=dropped, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):  # only at cells of p = 0
                influence = influence - sign * np.broadcast_to(np.log(marginal), p.shape)
            k = int(np.count_nonzero(marginal)) - 1
            if k > 0:
                quadratic += (k + 2 * math.sqrt(k * T_QUADRATIC) + 2 * T_QUADRATIC) / (2 * n)
        g = influence[cells]
        weights = p[cells]
        mean = float(np.sum(weights * g))
        variance = max(float(np.sum(weights * (g - mean) ** 2)), 0.0)
        linear = Z_LINEAR * math.sqrt(variance / n)
        tolerances[name] = (linear + quadratic) / math.log(2)
    return tolerances


class _Parser(argparse.ArgumentParser):
    """argparse, with errors as one line on stderr (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastinfo",
        description=(
            "fastinfo demo: entropies and informations estimated from samples of a chain of "
            "binary symmetric channels X -> Y -> Z, next to their known true values, timed."
        ),
        epilog=(
            "X is a fair bit, Y flips X with probability e1 and Z flips Y with probability e2. "
            "Each estimate is compared with the truth within a tolerance derived from its "
            "standard error, which grows as n shrinks. Exit code 0 when every estimate is "
            "within its tolerance, 1 otherwise, 2 for invalid arguments. "
            "Commands for data files: fastinfo profile, mi, entropy and pairwise "
            "(fastinfo profile --help, and so on)."
        ),
    )
    parser.add_argument(
        "command", nargs="?", default="demo", choices=["demo"], help="what to run (default demo)"
    )
    parser.add_argument("--version", action="version", version=f"fastinfo {fastinfo.__version__}")
    parser.add_argument(
        "--n",
        type=int,
        default=10_000_000,
        help="number of samples, at least 1 (default 10 million)",
    )
    parser.add_argument(
        "--e1", type=float, default=0.1, help="flip probability X -> Y, in [0, 1] (default 0.1)"
    )
    parser.add_argument(
        "--e2", type=float, default=0.2, help="flip probability Y -> Z, in [0, 1] (default 0.2)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the random samples, at least 0 (default 0)"
    )
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse arguments the demo cannot use (one line on stderr, exit code 2)."""
    if args.n < 1:
        parser.error(f"argument --n: must be at least 1, got {args.n}")
    if args.n >= 2**62:  # beyond any array numpy can make ("Maximum allowed dimension exceeded")
        parser.error(f"argument --n: {args.n:,} samples do not fit in memory")
    for name in ("e1", "e2"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:  # NaN fails too
            parser.error(f"argument --{name}: must be a probability in [0, 1], got {value}")
    if args.seed < 0:
        parser.error(f"argument --seed: must be at least 0, got {args.seed}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns a process exit code (1 if an estimate is off, 2 for bad arguments).

    The data commands (``profile``, ``mi``, ``entropy``, ``pairwise``) are handed to
    :mod:`fastinfo._cli`.
    """
    from ._cli import COMMANDS
    from ._cli import main as data_command

    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0] in COMMANDS:  # profile, mi, entropy, pairwise: fastinfo._cli
        return data_command(words)
    parser = _parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    n, e1, e2 = args.n, args.e1, args.e2

    print(f"fastinfo {fastinfo.__version__} demo, {fastinfo.get_num_threads()} threads")
    print(f"X -> Y -> Z: binary symmetric channels e1={e1}, e2={e2}, n={n:,} samples\n")
    try:
        (x, y, z), t_gen = timed(lambda: channel_chain(n, e1, e2, args.seed))
    except MemoryError:
        print(f"fastinfo: error: argument --n: {n:,} samples do not fit in memory", file=sys.stderr)
        return 2
    print(f"generated in {t_gen:.2f} s\n")

    e13 = e1 * (1 - e2) + e2 * (1 - e1)
    rows: list[tuple[str, Callable[[], float], float]] = [
        ("H(X)", lambda: fastinfo.entropy(x, base=2), 1.0),
        ("H(Y | X)", lambda: fastinfo.conditional_entropy(y, x, base=2), binary_entropy(e1)),
        ("I(X; Y)", lambda: fastinfo.mutual_information(x, y, base=2), 1 - binary_entropy(e1)),
        ("I(Y; Z)", lambda: fastinfo.mutual_information(y, z, base=2), 1 - binary_entropy(e2)),
        ("I(X; Z)", lambda: fastinfo.mutual_information(x, z, base=2), 1 - binary_entropy(e13)),
        (
            "I(X; Z | Y)",
            lambda: fastinfo.conditional_mutual_information(x, z, y, base=2),
            0.0,
        ),
    ]
    tolerances = tolerance(e1, e2, n)
    print(
        f"{'quantity':<13}{'estimate':>12}{'truth':>12}{'|error|':>11}{'tolerance':>11}{'time':>10}"
    )
    estimates = {}
    ok = True
    for name, estimate, truth in rows:
        value, seconds = timed(estimate, repeat=3)
        estimates[name] = value
        error = abs(value - truth)
        within = error <= tolerances[name]
        ok &= within
        print(
            f"{name:<13}{value:>12.6f}{truth:>12.6f}{error:>11.2e}{tolerances[name]:>11.2e}"
            f"{seconds * 1e3:>8.1f} ms{'' if within else '  OFF'}"
        )
    print("(bits)\n")

    # The inequality holds for the true values; estimates may break it by their sampling noise.
    # With each estimate within its tolerance t of its truth, the excess is at most
    # t(X; Z) + max over both of (t - (truth - min of the truths)).
    smaller = min(estimates["I(X; Y)"], estimates["I(Y; Z)"])
    truths = {name: truth for name, _, truth in rows}
    least = min(truths["I(X; Y)"], truths["I(Y; Z)"])
    slack = tolerances["I(X; Z)"] + max(
        tolerances[name] - (truths[name] - least) for name in ("I(X; Y)", "I(Y; Z)")
    )
    excess = estimates["I(X; Z)"] - smaller
    dpi = excess <= slack
    ok &= dpi
    if excess <= 0:
        verdict = "holds"
    elif dpi:
        verdict = f"holds within the sampling tolerance {slack:.2e}"
    else:
        verdict = f"VIOLATED by {excess:.2e}, more than the sampling tolerance {slack:.2e}"
    print(
        f"data processing inequality: I(X; Z) = {estimates['I(X; Z)']:.6f} <= "
        f"min(I(X; Y), I(Y; Z)) = {smaller:.6f}: {verdict}"
    )

    # The reference sorts (np.unique): time it on at most 2 million samples.
    m = min(n, 2_000_000)
    xs, ys = x[:m], y[:m]
    fast, t_fast = timed(lambda: fastinfo.mutual_information(xs, ys), repeat=3)
    slow, t_slow = timed(lambda: reference.mutual_information(xs, ys))
    agree = math.isclose(fast, slow, rel_tol=1e-12, abs_tol=1e-15)
    ok &= agree
    print(
        f"\nI(X; Y) over {m:,} samples: fastinfo {t_fast * 1e3:.1f} ms, numpy reference "
        f"{t_slow * 1e3:.0f} ms ({t_slow / max(t_fast, 1e-9):.0f}x faster), values agree: {agree}"
    )
    _, t_full = timed(lambda: fastinfo.mutual_information(x, y), repeat=3)
    print(
        f"fastinfo throughput over all {n:,} samples: "
        f"{n / max(t_full, 1e-9) / 1e6:.0f} M samples/s\n"
    )
    if ok:
        print("all estimates within their sampling tolerance of the truth")
    else:
        print("an estimate is further from the truth than sampling noise explains (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
