"""Route minimisation: an ejection-pool heuristic in pure Python (after Nagata & Bräysy 2009).

Take one route out, put its stops in an ejection pool and re-insert them one by one (last in,
first out). A stop that fits nowhere goes in anyway: the cheapest set of at most ``K_MAX`` stops
of one route is ejected to make room -- "cheap" by counters of how often each stop has been
hard to insert, so stops that keep failing get placed first. Random feasible moves between
insertions keep the plan moving. Every plan kept is feasible at every step.

All checks are O(1) per position with earliest starts (forward) and latest feasible starts
(backward) per route; multiple windows per stop are supported.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_left, bisect_right
from collections import deque

from routes.optimizer.prepare import Prepared
from routes.optimizer.timewindows import INF, first_start, last_start

K_MAX = 2
#: bound on ejection-search nodes per stop to insert
DFS_BUDGET = 30_000
PERTURB_MOVES = 60


class RouteMinimiser:
    def __init__(
        self,
        prep: Prepared,
        routes: dict[int, list[int]],
        frozen: set[int],
        seed: int,
        keep_empty: bool = False,
    ):
        problem = prep.problem
        self.prep = prep
        self.rng = random.Random(seed)
        self.dur = problem.matrix.durations
        self.dist = problem.matrix.distances
        n_depots = len(problem.depots)
        self.node = [n_depots + i for i in range(len(problem.stops))]
        self.svc = [s.service_time for s in problem.stops]
        self.win = prep.windows
        self.dem = prep.demands
        self.n_dims = prep.n_dims
        self.frozen = frozen
        vs = problem.vehicles
        self.v_start = [problem.depot_node(v.start_depot) for v in vs]
        self.v_end = [problem.depot_node(v.end_depot) for v in vs]
        self.v_ready = prep.vehicle_ready
        self.v_due = prep.vehicle_due
        self.v_cap = prep.capacities
        opts_max = problem.options.max_stops_per_route
        self.v_max = [min(m for m in (v.max_stops, opts_max, 10**9) if m is not None) for v in vs]
        self.allowed = {i: set(vs_) for i, vs_ in prep.allowed.items()}
        self.routes: dict[int, list[int]] = {
            v: list(seq) for v, seq in routes.items() if seq or keep_empty
        }
        self.early: dict[int, list[float]] = {}
        self.late: dict[int, list[float]] = {}
        self.load: dict[int, list[int]] = {}
        for v in self.routes:
            self._update(v)

    # -- route evaluation ----------------------------------------------------------------------
    def _update(self, v: int) -> None:
        """Earliest starts / latest starts along route v (index 0 = depot, last = end depot)."""
        seq = self.routes[v]
        dur, node, svc, win = self.dur, self.node, self.svc, self.win
        early = [float(self.v_ready[v])]
        prev, t = self.v_start[v], float(self.v_ready[v])
        for s in seq:
            t = first_start(t + dur[prev][node[s]], win[s])
            early.append(t)
            t += svc[s]
            prev = node[s]
        early.append(t + dur[prev][self.v_end[v]])
        late = [0.0] * len(early)
        late[-1] = float(self.v_due[v])
        nxt = self.v_end[v]
        for k in range(len(seq) - 1, -1, -1):
            s = seq[k]
            late[k + 1] = last_start(late[k + 2] - svc[s] - dur[node[s]][nxt], win[s])
            nxt = node[s]
        late[0] = min(late[1] - dur[self.v_start[v]][nxt] if seq else late[-1], self.v_due[v])
        load = [0] * self.n_dims
        for s in seq:
            for d, q in enumerate(self.dem[s]):
                load[d] += q
        self.early[v], self.late[v], self.load[v] = early, late, load

    def feasible_seq(self, v: int, seq: list[int]) -> bool:
        if len(seq) > self.v_max[v]:
            return False
        dur, node, svc, win = self.dur, self.node, self.svc, self.win
        prev, t = self.v_start[v], float(self.v_ready[v])
        load = [0] * self.n_dims
        for s in seq:
            t = first_start(t + dur[prev][node[s]], win[s])
            if t == INF:
                return False
            t += svc[s]
            prev = node[s]
            for d, q in enumerate(self.dem[s]):
                load[d] += q
        if t + dur[prev][self.v_end[v]] > self.v_due[v]:
            return False
        return all(q <= c for q, c in zip(load, self.v_cap[v], strict=False))

    def _may_serve(self, v: int, s: int) -> bool:
        allowed = self.allowed.get(s)
        return allowed is None or v in allowed

    def _fits_load(self, v: int, s: int) -> bool:
        return all(
            q + x <= c for q, x, c in zip(self.load[v], self.dem[s], self.v_cap[v], strict=False)
        )

    def insertions(self, s: int, time_weight: float = 0.0) -> list[tuple[float, int, int]]:
        """Feasible (delta distance, vehicle, position) for stop s; O(1) per position.

        ``time_weight`` > 0 blends in the push-forward (time the insertion costs the route).
        """
        out = []
        dur, dist, node = self.dur, self.dist, self.node
        ns, win_s, svc_s = node[s], self.win[s], self.svc[s]
        for v, seq in self.routes.items():
            if v in self.frozen or not self._may_serve(v, s) or len(seq) >= self.v_max[v]:
                continue
            if not self._fits_load(v, s):
                continue
            early, late = self.early[v], self.late[v]
            # starts only grow along a route: positions outside [lo, hi] cannot fit s's windows
            hi = min(len(seq), bisect_right(early, win_s[-1][1], 0, len(seq) + 1) - 1)
            lo = max(0, bisect_left(late, win_s[0][0] + svc_s, 1) - 1)
            prev = node[seq[lo - 1]] if lo else self.v_start[v]
            for k in range(lo, hi + 1):
                nxt = node[seq[k]] if k < len(seq) else self.v_end[v]
                depart = early[k] + (self.svc[seq[k - 1]] if k else 0)
                t = first_start(depart + dur[prev][ns], win_s)
                if t != INF and t + svc_s + dur[ns][nxt] <= late[k + 1]:
                    delta = dist[prev][ns] + dist[ns][nxt] - dist[prev][nxt]
                    if time_weight:
                        push = t + svc_s + dur[ns][nxt] - early[k + 1]
                        delta = (1 - time_weight) * delta + time_weight * max(0.0, push)
                    out.append((delta, v, k))
                prev = nxt
        return out

    # -- ejection search -----------------------------------------------------------------------
    def eject_insert(
        self, s: int, penalty: dict[int, int]
    ) -> tuple[int, list[int], list[int]] | None:
        """Best (vehicle, new sequence, ejected) inserting s and ejecting <= K_MAX others."""
        best: list = [INF, None]
        budget = [DFS_BUDGET]
        vehicles = [v for v in self.routes if v not in self.frozen and self._may_serve(v, s)]
        self.rng.shuffle(vehicles)
        for v in vehicles:
            seq = self.routes[v]
            for k in range(len(seq) + 1):
                trial = [*seq[:k], s, *seq[k:]]
                self._dfs(v, trial, k, penalty, best, budget)
                if budget[0] <= 0:
                    break
            if budget[0] <= 0:
                break
        if best[1] is None:
            return None
        v, kept, ejected = best[1]
        return v, kept, ejected

    def _dfs(
        self,
        v: int,
        trial: list[int],
        k: int,
        penalty: dict[int, int],
        best: list,
        budget: list[int],
    ) -> None:
        dur, node, svc, win, dem = self.dur, self.node, self.svc, self.win, self.dem
        cap, n_dims, late_orig = self.v_cap[v], self.n_dims, self.late[v]
        total = [q + x for q, x in zip(self.load[v], dem[trial[k]], strict=False)]
        n = len(trial)
        end, due, vmax = self.v_end[v], self.v_due[v], self.v_max[v]
        ins = trial[k]

        def over(ejected_load: list[int]) -> bool:
            return any(total[d] - ejected_load[d] > cap[d] for d in range(n_dims))

        def rec(
            j: int, prev: int, t: float, ejected: list[int], psum: float, eload: list[int]
        ) -> None:
            budget[0] -= 1
            if psum >= best[0] or budget[0] <= 0:
                return
            if j == n:
                if t + dur[prev][end] <= due and not over(eload) and n - len(ejected) <= vmax:
                    kept = [x for x in trial if x not in ejected]
                    best[0], best[1] = psum, (v, kept, list(ejected))
                return
            c = trial[j]
            start = first_start(t + dur[prev][node[c]], win[c])
            if start != INF:
                # past the inserted stop the rest of the route is unchanged: if c starts no later
                # than its old latest start, everything after it fits
                if j > k and start <= late_orig[j] and not over(eload) and n - len(ejected) <= vmax:
                    kept = [x for x in trial if x not in ejected]
                    best[0], best[1] = psum, (v, kept, list(ejected))
                    return
                rec(j + 1, node[c], start + svc[c], ejected, psum, eload)
            if c != ins and len(ejected) < K_MAX:
                ejected.append(c)
                rec(
                    j + 1,
                    prev,
                    t,
                    ejected,
                    psum + penalty.get(c, 1),
                    [e + q for e, q in zip(eload, dem[c], strict=False)],
                )
                ejected.pop()

        rec(0, self.v_start[v], float(self.v_ready[v]), [], 0, [0] * n_dims)

    # -- perturbation ----------------------------------------------------------------------------
    def perturb(self, moves: int) -> None:
        """Random feasible relocations and exchanges between routes."""
        vehicles = [v for v in self.routes if v not in self.frozen and self.routes[v]]
        if len(vehicles) < 2:
            return
        rng = self.rng
        for _ in range(moves):
            a, b = rng.sample(vehicles, 2)
            ra, rb = self.routes[a], self.routes[b]
            if not ra:
                continue
            i = rng.randrange(len(ra))
            s = ra[i]
            if rng.random() < 0.5 or not rb:
                if not self._may_serve(b, s):
                    continue
                j = rng.randrange(len(rb) + 1)
                na, nb = ra[:i] + ra[i + 1 :], [*rb[:j], s, *rb[j:]]
            else:
                j = rng.randrange(len(rb))
                t = rb[j]
                if not (self._may_serve(b, s) and self._may_serve(a, t)):
                    continue
                na, nb = [*ra[:i], t, *ra[i + 1 :]], [*rb[:j], s, *rb[j + 1 :]]
            if self.feasible_seq(b, nb) and self.feasible_seq(a, na):
                self.routes[a], self.routes[b] = na, nb
                self._update(a)
                self._update(b)

    # -- driver --------------------------------------------------------------------------------
    def remove_route(self, victim: int, deadline: float, patience: float) -> bool:
        """Empty route ``victim``; True if all its stops were placed elsewhere in time."""
        pool = self.routes.pop(victim)
        for cache in (self.early, self.late, self.load):
            cache.pop(victim, None)
        return not self.insert_pool(pool, deadline, patience)

    def insert_pool(self, stops: list[int], deadline: float, patience: float) -> list[int]:
        """Insert stops into the current routes, ejecting others as needed; returns the leftover.

        Gives up at the deadline or after ``patience`` seconds without a new smallest pool.
        """
        pool = deque(stops)
        penalty: dict[int, int] = {}
        rng = self.rng
        smallest, progress_at = len(pool), time.monotonic()
        while pool:
            now = time.monotonic()
            if len(pool) < smallest:
                smallest, progress_at = len(pool), now
            if now > deadline or now - progress_at > patience:
                return list(pool)
            s = pool.pop()
            options = self.insertions(s)
            if options:
                options.sort()
                pick = options[0] if rng.random() < 0.8 else rng.choice(options[:3])
                _, v, k = pick
                self.routes[v].insert(k, s)
                self._update(v)
                continue
            penalty[s] = penalty.get(s, 1) + 1
            found = self.eject_insert(s, penalty)
            if found is None:
                pool.appendleft(s)
                self.perturb(PERTURB_MOVES * 5)
                continue
            v, kept, ejected = found
            self.routes[v] = kept
            self._update(v)
            pool.extend(ejected)
            self.perturb(PERTURB_MOVES)
        return []

    def lower_bound(self) -> int:
        n_dims = self.n_dims
        if not n_dims or not self.routes:
            return 1
        caps = [max(c[d] for c in self.v_cap) for d in range(n_dims)]
        served = [s for seq in self.routes.values() for s in seq]
        bound = 1
        for d in range(n_dims):
            total = sum(self.dem[s][d] for s in served)
            if caps[d] > 0:
                bound = max(bound, -(-total // caps[d]))
        return bound

    def run(self, deadline: float, patience: float) -> dict[int, list[int]]:
        """Remove routes until stuck, the deadline or the capacity bound; returns the best plan."""
        best = self.snapshot()
        while time.monotonic() < deadline:
            free = [v for v, seq in self.routes.items() if seq and v not in self.frozen]
            if len(self.routes) <= self.lower_bound() or not free:
                break
            free.sort(key=lambda v: len(self.routes[v]))
            victim = self.rng.choice(free[:2])
            if not self.remove_route(victim, deadline, patience):
                break
            for v in [v for v, seq in self.routes.items() if not seq]:
                del self.routes[v]  # emptied by a move: one vehicle fewer for free
            best = self.snapshot()
        return best

    def snapshot(self) -> dict[int, list[int]]:
        return {v: list(seq) for v, seq in self.routes.items() if seq}


def construct(
    prep: Prepared, vehicles: list[int], stops: list[int], seed: int = 0, time_weight: float = 0.0
) -> tuple[dict[int, list[int]], list[int]]:
    """Fast start: stops by closing time, each at its cheapest feasible position.

    Returns the routes (vehicle -> stops) and the stops that fit nowhere.
    """
    rm = RouteMinimiser(prep, {v: [] for v in vehicles}, set(), seed, keep_empty=True)
    rng = random.Random(seed)
    jitter = 0.0 if seed == 0 else 0.1
    horizon = max(1, max(prep.vehicle_due, default=1))
    order = sorted(
        stops,
        key=lambda s: prep.windows[s][-1][1] + jitter * horizon * rng.random(),
    )
    left = []
    for s in order:
        options = rm.insertions(s, time_weight)
        if not options:
            left.append(s)
            continue
        _, v, k = min(options)
        rm.routes[v].insert(k, s)
        rm._update(v)
    return {v: seq for v, seq in rm.routes.items()}, left
