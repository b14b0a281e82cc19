"""Service-start arithmetic on sorted, disjoint time windows (waiting allowed)."""

from __future__ import annotations

from collections.abc import Sequence

INF = float("inf")


def first_start(arrival: float, windows: Sequence[tuple[int, int]]) -> float:
    """Earliest service start >= arrival inside a window, or INF."""
    for a, b in windows:
        if arrival <= b:
            return a if arrival < a else arrival
    return INF


def last_start(bound: float, windows: Sequence[tuple[int, int]]) -> float:
    """Latest service start <= bound inside a window, or -INF."""
    for a, b in reversed(windows):
        if bound >= a:
            return b if bound > b else bound
    return -INF
