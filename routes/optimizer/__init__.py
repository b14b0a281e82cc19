"""Route optimiser: pure Python (no Django), OR-Tools inside. Plain dataclasses in and out.

from routes.optimizer import Problem, solve
solution = solve(problem, progress=lambda cost, seconds: ...)
"""

from routes.optimizer.distance import (
    CachedProvider,
    DistanceProvider,
    DistanceProviderError,
    EuclideanProvider,
    HaversineProvider,
    OsrmProvider,
)
from routes.optimizer.feasibility import Violation, ViolationKind, check_routes, check_solution
from routes.optimizer.insertion import InsertionOption, PlannedRoute, best_insertions
from routes.optimizer.model import (
    Depot,
    Matrix,
    Objective,
    Options,
    Problem,
    Route,
    Solution,
    Stop,
    Unassigned,
    UnassignedReason,
    Vehicle,
    Visit,
)
from routes.optimizer.solver import solve

__all__ = [
    "CachedProvider",
    "Depot",
    "DistanceProvider",
    "DistanceProviderError",
    "EuclideanProvider",
    "HaversineProvider",
    "InsertionOption",
    "Matrix",
    "Objective",
    "Options",
    "OsrmProvider",
    "PlannedRoute",
    "Problem",
    "Route",
    "Solution",
    "Stop",
    "Unassigned",
    "UnassignedReason",
    "Vehicle",
    "Violation",
    "ViolationKind",
    "Visit",
    "best_insertions",
    "check_routes",
    "check_solution",
    "solve",
]
