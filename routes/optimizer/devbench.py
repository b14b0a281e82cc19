"""Run the VRPTW development instances and print a table against BKS and VROOM.

python -m routes.optimizer.devbench --time-limit 10 [--only R101,RC101]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from pathlib import Path

from routes.optimizer.distance import EuclideanProvider
from routes.optimizer.model import Depot, Matrix, Objective, Options, Problem, Stop, Vehicle
from routes.optimizer.solver import solve
from routes.optimizer.vrptw import solve_solomon

# The shared benchmark data sits beside the repository (../shared).
BENCH = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "vrptw"

#: VROOM +fixed cost, from the benchmark README (vehicles, distance)
VROOM = {
    "C101": (10, 828.94), "C106": (10, 828.94), "C201": (3, 591.56),
    "R101": (19, 1657.33), "R109": (12, 1176.71), "R201": (4, 1281.66),
    "RC101": (15, 1676.12), "RC106": (12, 1479.01), "RC201": (4, 1556.09),
    "c1_2_1": (20, 2704.57), "r1_2_1": (21, 4840.82),
}  # fmt: skip


def instances(root: Path) -> list[Path]:
    return sorted((root / "instances").glob("*/*.txt"), key=lambda p: (p.parent.name, p.stem))


def bks(root: Path) -> dict[str, tuple[int, float]]:
    with open(root / "bks.csv") as fh:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(fh)
        }


def day_problem(
    n_stops: int, n_vans: int, seed: int = 1, time_limit: float = 10.0, speed_kmh: float = 30.0
) -> Problem:
    """A realistic delivery day that is feasible by construction.

    30 x 30 km, depot in the middle, 9-hour shift, 5-minute stops, 2-hour windows. Each van
    drives a random walk (legs of ~1-2 km) and a stop is planted wherever it arrives, with a
    2-hour window around that time; so one plan serving everything exists (the planted one).
    Roads: straight line x 1.3 at ``speed_kmh``, as the embedded haversine default does.
    """
    rng = random.Random(seed)
    shift = (8 * 3600, 17 * 3600)
    depot = (15_000.0, 15_000.0)
    speed = speed_kmh / 3.6
    provider = EuclideanProvider(scale=1.3, speed=speed)
    points: list[tuple[float, float]] = []
    windows: list[tuple[int, int]] = []
    per_van = [n_stops // n_vans + (1 if k < n_stops % n_vans else 0) for k in range(n_vans)]
    for count in per_van:
        budget = (shift[1] - shift[0]) - count * 300
        # straight-line metres per leg: the planted plan drives ~60 % of the free time (slack)
        leg = 0.6 * budget / (count + 1) * speed / 1.3
        while True:  # shorter legs until the van is back in time
            walk, slots, at, t = [], [], depot, float(shift[0])
            for _ in range(count):
                angle = rng.uniform(0, 2 * math.pi)
                step = rng.uniform(0.5, 1.5) * leg
                nxt = (
                    min(30_000.0, max(0.0, at[0] + step * math.cos(angle))),
                    min(30_000.0, max(0.0, at[1] + step * math.sin(angle))),
                )
                t += math.ceil(math.dist(at, nxt) * 1.3 / speed - 1e-9)
                open_at = int(t - rng.uniform(0, 2 * 3600))
                open_at = max(shift[0], min(open_at, shift[1] - 2 * 3600))
                walk.append(nxt)
                slots.append((open_at, open_at + 2 * 3600))
                t += 300
                at = nxt
            if t + math.ceil(math.dist(at, depot) * 1.3 / speed) <= shift[1] - 60:
                break
            leg *= 0.95
        points.extend(walk)
        windows.extend(slots)
    stops = [
        Stop(f"s{i}", xy, (1,), [w], 300)
        for i, (xy, w) in enumerate(zip(points, windows, strict=False))
    ]
    vans = [Vehicle(f"van{k}", (10_000,), *shift) for k in range(n_vans)]
    dist, dur = provider.matrix([depot, *points])
    options = Options(time_limit_seconds=time_limit, objective=Objective.HIERARCHICAL)
    problem = Problem([Depot("depot", depot)], vans, stops, Matrix(dist, dur), options)
    return problem


def run_day(n_stops: int, n_vans: int, time_limit: float) -> None:
    problem = day_problem(n_stops, n_vans, time_limit=time_limit)
    events: list[tuple[float, float]] = []
    solution = solve(problem, progress=lambda cost, t: events.append((t, cost)))
    first = events[0][0] if events else float("nan")
    print(
        f"day {n_stops} stops / {n_vans} vans, limit {time_limit:.0f} s: "
        f"first plan at {first:.2f} s, final: {solution.vehicles_used} vans, "
        f"{len(solution.unassigned)} unserved, {solution.distance / 1000:.1f} km, "
        f"feasible {solution.feasible}, {solution.seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--root", type=Path, default=BENCH)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--day", default="", help="N_STOPS,N_VANS: a generated delivery day")
    args = parser.parse_args()
    if args.day:
        n_stops, n_vans = (int(x) for x in args.day.split(","))
        run_day(n_stops, n_vans, args.time_limit)
        return
    best = bks(args.root)
    only = {s for s in args.only.split(",") if s}
    print("| instance | BKS | VROOM | ours | gap % | s | feasible |")
    print("|---|---|---|---|---|---|---|")
    for path in instances(args.root):
        if only and path.stem not in only:
            continue
        res = solve_solomon(path, time_limit=args.time_limit)
        bv, bd = best.get(path.stem, (0, 0.0))
        vv, vd = VROOM.get(path.stem, (0, 0.0))
        gap = 100 * (res["distance"] / bd - 1) if res["vehicles"] == bv and bd else float("nan")
        print(
            f"| {path.stem} | {bv} / {bd:.2f} | {vv} / {vd:.2f} | "
            f"{res['vehicles']} / {res['distance']:.2f} | {gap:.2f} | {res['seconds']:.1f} | "
            f"{res['feasible']} |",
            flush=True,
        )
        if args.json:
            print(json.dumps(res))


if __name__ == "__main__":
    main()
