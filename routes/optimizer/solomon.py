"""Reader for Solomon-format VRPTW files (also Gehring & Homberger) and conversion to a Problem.

Conventions of the published results: Euclidean distance in double precision, travel time equals
distance, service starts within [ready, due], vehicles back at the depot by the depot's due date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from routes.optimizer.model import Depot, Matrix, Options, Problem, Stop, Vehicle


@dataclass(frozen=True)
class SolomonNode:
    id: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    nodes: list[SolomonNode]  # nodes[0] is the depot

    @property
    def depot(self) -> SolomonNode:
        return self.nodes[0]

    @property
    def customers(self) -> list[SolomonNode]:
        return self.nodes[1:]


def parse_solomon(text: str) -> SolomonInstance:
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ValueError("empty Solomon file")
    name = lines[0]
    vehicles = capacity = None
    nodes: list[SolomonNode] = []
    for i, line in enumerate(lines):
        upper = line.upper()
        if upper.startswith("NUMBER") and "CAPACITY" in upper and i + 1 < len(lines):
            vehicles, capacity = (int(v) for v in lines[i + 1].split()[:2])
        parts = line.split()
        if len(parts) == 7 and all(_is_number(p) for p in parts) and vehicles is not None:
            num = [float(p) for p in parts]
            nodes.append(
                SolomonNode(
                    int(num[0]), num[1], num[2], int(num[3]), int(num[4]), int(num[5]), int(num[6])
                )
            )
    if vehicles is None or capacity is None or not nodes:
        raise ValueError("not a Solomon VRPTW file (no VEHICLE section or CUSTOMER table)")
    if nodes[0].id != 0:
        raise ValueError("the first customer row must be the depot, id 0")
    return SolomonInstance(name=name, vehicles=vehicles, capacity=capacity, nodes=nodes)


def read_solomon(path: str | Path) -> SolomonInstance:
    return parse_solomon(Path(path).read_text())


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def euclidean(a: SolomonNode, b: SolomonNode) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def to_problem(inst: SolomonInstance, scale: int = 1000, options: Options | None = None) -> Problem:
    """The instance as a Problem.

    ``scale > 0``: integer problem for the solver, every time and distance multiplied by
    ``scale``; travel times are rounded *up* so a schedule feasible on the integers is feasible
    on the real numbers. ``scale == 0``: the exact float problem, for checking.
    """
    nodes = inst.nodes
    exact = scale == 0
    s = 1 if exact else scale
    dist = [[euclidean(a, b) for b in nodes] for a in nodes]
    if exact:
        durations: list[list[float]] = dist
        distances: list[list[float]] = dist
    else:
        durations = [[math.ceil(d * s - 1e-6) for d in row] for row in dist]
        distances = [[round(d * s) for d in row] for row in dist]
    depot = nodes[0]
    vehicles = [
        Vehicle(
            id=str(k),
            capacity=(inst.capacity,),
            shift_start=depot.ready * s,
            shift_end=depot.due * s,
        )
        for k in range(inst.vehicles)
    ]
    stops = [
        Stop(
            id=str(c.id),
            location=(c.x, c.y),
            demand=(c.demand,),
            time_windows=[(c.ready * s, c.due * s)],
            service_time=c.service * s,
        )
        for c in inst.customers
    ]
    return Problem(
        depots=[Depot("0", (depot.x, depot.y), (depot.ready * s, depot.due * s))],
        vehicles=vehicles,
        stops=stops,
        matrix=Matrix(distances=distances, durations=durations),
        options=options or Options(),
    )
