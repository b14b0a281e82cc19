"""Solve a Solomon-format VRPTW file the way the literature scores it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from routes.optimizer.feasibility import check_routes
from routes.optimizer.model import Objective, Options
from routes.optimizer.solomon import SolomonInstance, read_solomon, to_problem
from routes.optimizer.solver import solve

#: integer scale of the solver's matrices (travel times rounded up: feasible on the reals too)
SCALE = 1000


def solve_solomon(path: str | Path, time_limit: float = 10.0, workers: int = 0) -> dict[str, Any]:
    t0 = time.monotonic()
    inst = read_solomon(path)
    options = Options(
        time_limit_seconds=max(0.1, time_limit - (time.monotonic() - t0)),
        objective=Objective.HIERARCHICAL,
        workers=workers,
    )
    solution = solve(to_problem(inst, SCALE, options))
    routes = [[int(sid) for sid in r.stop_ids] for r in solution.routes if r.visits]
    return {
        "instance": inst.name,
        "vehicles": len(routes),
        "distance": route_distance(inst, routes),
        "feasible": is_feasible(inst, routes),
        "seconds": round(time.monotonic() - t0, 3),
        "routes": routes,
    }


def route_distance(inst: SolomonInstance, routes: list[list[int]]) -> float:
    """Total Euclidean length in double precision, unrounded."""
    exact = to_problem(inst, scale=0)
    dist = exact.matrix.distances
    pos = {node.id: k for k, node in enumerate(inst.nodes)}
    total = 0.0
    for seq in routes:
        nodes = [0, *(pos[c] for c in seq), 0]
        total += sum(dist[a][b] for a, b in itertools.pairwise(nodes))
    return total


def is_feasible(inst: SolomonInstance, routes: list[list[int]]) -> bool:
    """Every customer exactly once; windows, capacity, depot due -- on the real numbers."""
    if len(routes) > inst.vehicles:
        return False
    exact = to_problem(inst, scale=0)
    named = [(str(k), [str(c) for c in seq]) for k, seq in enumerate(routes)]
    return not check_routes(exact, named, tol=1e-9)
