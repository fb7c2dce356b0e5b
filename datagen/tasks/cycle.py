"""Closed answers balanced by a fixed cycle over the sample index, not by a coin per sample.

A coin is fair only on average (PTSimpleCodeOutputs' seed 0 drew 186 "yes" in 311 yes/no turns): a cycle
gives every block of consecutive samples each verdict, letter or count equally often, so any slice of a
dataset, and every job of a split run, is balanced. Sample ``i`` still depends only on ``(seed, i)``.
"""

from collections.abc import Sequence
from typing import Any


def from_cycles(index: int, *cycles: Sequence[Any]) -> tuple[Any, ...]:
    """One entry of each cycle for sample ``index``, the first turning fastest, like the digits of a number.

    Every ``len(cycles[0])`` consecutive samples hold each entry of the first cycle once; every
    ``len(cycles[0]) * len(cycles[1])`` each pair of entries once, and so on: a second cycle balances what
    the slots of the first one ask (the sentence count of every sentence question, say).

    >>> [from_cycles(i, "ab", "xyz") for i in range(4)]
    [('a', 'x'), ('b', 'x'), ('a', 'y'), ('b', 'y')]
    """
    picks = []
    for cycle in cycles:
        index, position = divmod(index, len(cycle))
        picks.append(cycle[position])
    return tuple(picks)
