"""Plain dataclasses going into and coming out of the optimiser.

Conventions (one set of units for the whole problem):

* ``Location`` is ``(lat, lon)`` for geographic providers, ``(x, y)`` for the Euclidean one.
* Distances are integers in metres (or any unit), durations and every time value (windows,
  shifts, service times, arrival times) are integers in seconds (or any unit) -- the solver only
  requires that the duration matrix and the time values share a unit.
* The matrix is indexed by *node*: depots first, in ``Problem.depots`` order, then stops in
  ``Problem.stops`` order (``Problem.depot_node(i)``, ``Problem.stop_node(j)``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Location = tuple[float, float]
TimeWindow = tuple[int, int]

#: called from the search with ``(best_cost_so_far, elapsed_seconds)``
ProgressCallback = Callable[[float, float], None]


class Objective(enum.StrEnum):
    """What the solver minimises."""

    #: fewest vehicles first, then total distance (the VRPTW literature's objective)
    HIERARCHICAL = "hierarchical"
    #: money: fixed cost per used vehicle + cost per km + cost per hour of route span
    COST = "cost"


class UnassignedReason(enum.StrEnum):
    NO_VEHICLE_WITH_SKILL = "no_vehicle_with_skill"
    WINDOW_UNREACHABLE = "window_unreachable"
    CAPACITY = "capacity"
    DROPPED_BY_OPTIMISER = "dropped_by_optimiser"


@dataclass(frozen=True)
class Depot:
    id: str
    location: Location
    #: opening hours of the depot; vehicles must be back before the end
    time_window: TimeWindow | None = None


@dataclass(frozen=True)
class Vehicle:
    id: str
    #: one integer per load dimension (weight, volume, containers, ...)
    capacity: tuple[int, ...]
    shift_start: int
    shift_end: int
    start_depot: int = 0
    end_depot: int = 0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    skills: frozenset[str] = frozenset()
    max_stops: int | None = None


@dataclass(frozen=True)
class Stop:
    id: str
    location: Location
    demand: tuple[int, ...] = ()
    #: allowed windows for the *start of service*; empty means "any time in the shift"
    time_windows: Sequence[TimeWindow] = ()
    service_time: int = 0
    required_skills: frozenset[str] = frozenset()
    #: higher priority -> costlier to drop (multiplies the drop penalty of optional stops)
    priority: int = 1
    optional: bool = False
    #: penalty for not serving an optional stop, in objective units; None -> automatic
    drop_penalty: int | None = None
    pinned_vehicle: str | None = None
    #: 0-based position among the stops of its route
    pinned_position: int | None = None
    #: keep vehicle and relative order (from ``Problem.initial_routes`` or ``pinned_position``)
    locked: bool = False


@dataclass(frozen=True)
class Matrix:
    """Square matrices over nodes (depots then stops)."""

    distances: Sequence[Sequence[float]]
    durations: Sequence[Sequence[float]]

    def __len__(self) -> int:
        return len(self.distances)


@dataclass(frozen=True)
class Options:
    time_limit_seconds: float = 10.0
    objective: Objective = Objective.HIERARCHICAL
    #: global cap on stops per route (a vehicle's own ``max_stops`` also applies)
    max_stops_per_route: int | None = None
    #: >0 adds a penalty on (longest route - shortest route) in stops, per stop of difference
    balance_coefficient: int = 0
    #: parallel independent searches (processes); 0 -> number of CPUs (at most 2)
    workers: int = 0
    #: try to remove whole routes (hierarchical objective)
    minimise_vehicles: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Problem:
    depots: Sequence[Depot]
    vehicles: Sequence[Vehicle]
    stops: Sequence[Stop]
    matrix: Matrix
    options: Options = field(default_factory=Options)
    #: warm start: vehicle id -> stop ids in visit order (e.g. yesterday's plan, a locked plan)
    initial_routes: dict[str, list[str]] | None = None

    @property
    def n_dims(self) -> int:
        sizes = [len(v.capacity) for v in self.vehicles] + [len(s.demand) for s in self.stops]
        return max(sizes, default=0)

    def depot_node(self, depot_index: int) -> int:
        return depot_index

    def stop_node(self, stop_index: int) -> int:
        return len(self.depots) + stop_index


@dataclass(frozen=True)
class Visit:
    stop_id: str
    arrival: int
    start: int
    departure: int
    #: load on board after serving the stop, per dimension (deliveries count up from the depot)
    load: tuple[int, ...]


@dataclass(frozen=True)
class Route:
    vehicle_id: str
    visits: list[Visit]
    start_time: int
    end_time: int
    distance: float
    duration: int
    cost: float

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits]


@dataclass(frozen=True)
class Unassigned:
    stop_id: str
    reason: UnassignedReason


@dataclass(frozen=True)
class Solution:
    routes: list[Route]
    unassigned: list[Unassigned]
    objective: float
    seconds: float
    feasible: bool
    violations: list[str] = field(default_factory=list)

    @property
    def vehicles_used(self) -> int:
        return sum(1 for r in self.routes if r.visits)

    @property
    def distance(self) -> float:
        return sum(r.distance for r in self.routes)
