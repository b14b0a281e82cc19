"""Ruin and recreate (after Christiaens & Vanden Berghe's SISR, 2020) in pure Python.

One step: pick a seed stop, remove strings of consecutive stops around its nearest neighbours
(near in space *and* in time) from a few routes, then insert the removed stops again one by one
at their cheapest feasible position (O(1) per position, from ``RouteMinimiser``'s earliest and
latest starts), skipping a position now and then ("blinks"). A stop that fits nowhere is left
out. The new plan is kept when it leaves fewer mandatory stops out, or as many at a lower cost
(or at a slightly higher one, with a falling threshold: simulated annealing).

Two uses:

* **repair**: the seed is a stop nobody serves: the ruin opens a gap where it belongs in space
  and time, and it is inserted first. This is what serves the last stops of a large day, where
  OR-Tools' local search inserts none (1000 stops / 15 vans: 100 left out after the
  construction, none inserted by guided local search in 53 s).
* **improve**: seeds at random; the cost is the objective's (distance, or fixed + per km + per
  hour of route span, exactly as the result reports it).

Every plan kept is feasible. Locked stops, optional stops and the routes in ``frozen`` are never
touched; other stops may be inserted into or removed from a route holding locked stops, which
keeps the locked stops' order.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left, bisect_right

from routes.optimizer.model import Objective
from routes.optimizer.prepare import Prepared
from routes.optimizer.routemin import RouteMinimiser
from routes.optimizer.timewindows import INF, first_start, last_start

#: neighbours kept per seed stop
NEIGHBOURS = 60
#: seconds of window-centre difference counted as one second of driving in "relatedness"
TIME_WEIGHT = 0.5
#: probability of skipping a feasible position while recreating
BLINK = 0.01
#: average stops removed per step (repair, improve) and longest string removed from a route
REPAIR_REMOVE = 15
IMPROVE_REMOVE = 10
MAX_STRING = 10
#: repair steps in a row without serving one more stop before improving steps are mixed in
STUCK = 200
#: simulated-annealing threshold, relative to the current cost: from T_START to T_END
T_START = 0.003
T_END = 0.0001


class RuinRecreate(RouteMinimiser):
    def __init__(
        self,
        prep: Prepared,
        routes: dict[int, list[int]],
        vehicles: list[int],
        frozen: set[int],
        seed: int,
    ) -> None:
        full = {v: list(routes.get(v, [])) for v in vehicles}
        self.v_fixed, self.v_per_m, self.v_per_s = _tariffs(prep)
        self.dist_sum: dict[int, float] = {}
        self.wait_suffix: dict[int, list[float]] = {}
        self.pos: dict[int, int] = {}
        super().__init__(prep, full, frozen, seed, keep_empty=True)
        problem = prep.problem
        self.mandatory = {
            i for i in prep.served_stops if not problem.stops[i].optional and not self._fixed(i)
        }
        self.where: dict[int, int] = {}
        for v, seq in self.routes.items():
            for s in seq:
                self.where[s] = v
        self.unserved = sorted(s for s in self.mandatory if s not in self.where)
        mids = [(w[0][0] + w[-1][1]) / 2 for w in self.win]
        self.mid = mids
        self._neighbours: dict[int, list[int]] = {}
        self.candidates = [i for i in prep.served_stops if not problem.stops[i].optional]
        self.fails: dict[int, int] = {}
        self.stuck = 0
        self.cost = {v: self.route_cost(v) for v in self.routes}

    # -- bookkeeping -----------------------------------------------------------------------------
    def _fixed(self, s: int) -> bool:
        stop = self.prep.problem.stops[s]
        return stop.locked or stop.pinned_position is not None

    def _update(self, v: int) -> None:
        """Earliest and latest starts, load, waiting from each position on, distance, positions.

        Index 0 is the depot, ``len(seq) + 1`` the end depot (as ``RouteMinimiser``)."""
        seq = self.routes[v]
        n = len(seq)
        dur, dist, node, svc = self.dur, self.dist, self.node, self.svc
        win, dem = self.win, self.dem
        ready = float(self.v_ready[v])
        early = [ready] * (n + 2)
        waits = [0.0] * (n + 2)
        load = [0] * self.n_dims
        prev, t, total = self.v_start[v], ready, 0.0
        for k, s in enumerate(seq, start=1):
            ns = node[s]
            arrival = t + dur[prev][ns]
            begin = first_start(arrival, win[s])
            early[k] = begin
            waits[k] = begin - arrival
            total += dist[prev][ns]
            t = begin + svc[s]
            prev = ns
            self.pos[s] = k - 1
            for d, q in enumerate(dem[s]):
                load[d] += q
        end = self.v_end[v]
        early[n + 1] = t + dur[prev][end]
        total += dist[prev][end]
        late = [0.0] * (n + 2)
        late[n + 1] = float(self.v_due[v])
        nxt = end
        for k in range(n, 0, -1):
            s = seq[k - 1]
            late[k] = last_start(late[k + 1] - svc[s] - dur[node[s]][nxt], win[s])
            nxt = node[s]
        late[0] = min(late[1] - dur[self.v_start[v]][nxt] if seq else late[-1], self.v_due[v])
        for k in range(n, 0, -1):
            waits[k] += waits[k + 1]
        self.early[v], self.late[v], self.load[v] = early, late, load
        self.wait_suffix[v], self.dist_sum[v] = waits, total

    def route_cost(self, v: int) -> float:
        """Exactly the result's cost of route v (solver._schedule): an idle van costs nothing."""
        seq = self.routes[v]
        if not seq:
            return 0.0
        span = self.early[v][-1] - self._departure(v, seq[0])
        return self.v_fixed[v] + self.v_per_m[v] * self.dist_sum[v] + self.v_per_s[v] * span

    def _departure(self, v: int, first: int) -> float:
        """Leave the depot so as not to wait at the first stop (as solver._schedule does)."""
        ready, due = self.v_ready[v], self.v_due[v]
        return max(
            ready, min(self.win[first][0][0] - self.dur[self.v_start[v]][self.node[first]], due)
        )

    def total(self) -> float:
        return sum(self.cost.values())

    # -- neighbours ------------------------------------------------------------------------------
    def neighbours(self, c: int) -> list[int]:
        found = self._neighbours.get(c)
        if found is None:
            dur, node, mid = self.dur, self.node, self.mid
            nc, mc = node[c], mid[c]
            found = heapq.nsmallest(
                NEIGHBOURS,
                (s for s in self.candidates if s != c),
                key=lambda s: dur[nc][node[s]] + dur[node[s]][nc] + TIME_WEIGHT * abs(mid[s] - mc),
            )
            self._neighbours[c] = found
        return found

    # -- ruin ------------------------------------------------------------------------------------
    def ruin(self, seed: int, target: int) -> list[int]:
        """Remove strings of stops around ``seed``'s neighbours; returns the removed stops."""
        removed: list[int] = []
        touched: set[int] = set()
        max_routes = max(1, min(len(self.routes) - len(self.frozen), 1 + target // 4))
        for n in self.neighbours(seed):
            if len(removed) >= target or len(touched) >= max_routes:
                break
            v = self.where.get(n)
            if v is None or v in touched or v in self.frozen:
                continue
            touched.add(v)
            removed.extend(self._remove_string(v, n, target - len(removed)))
        return removed

    def _remove_string(self, v: int, n: int, want: int) -> list[int]:
        seq = self.routes[v]
        length = min(
            len(seq), MAX_STRING, max(1, self.rng.randint(1, max(1, min(want, MAX_STRING))))
        )
        at = self.pos[n]
        lo = max(0, min(at - self.rng.randrange(length), len(seq) - length))
        out = [s for s in seq[lo : lo + length] if s in self.mandatory]
        keep = set(out)
        self.routes[v] = [s for s in seq if s not in keep]
        for s in out:
            del self.where[s]
        self._update(v)
        self.cost[v] = self.route_cost(v)
        return out

    # -- recreate --------------------------------------------------------------------------------
    def best_position(self, s: int) -> tuple[float, int, int] | None:
        """Cheapest feasible (delta cost, vehicle, position) for stop s, with blinks.

        Positions outside the range where s's windows can fit are skipped by bisection (service
        starts only grow along a route)."""
        best: tuple[float, int, int] | None = None
        dur, dist, node, svc, rng = self.dur, self.dist, self.node, self.svc, self.rng
        ns, win_s, svc_s = node[s], self.win[s], self.svc[s]
        for v, seq in self.routes.items():
            if v in self.frozen or not self._may_serve(v, s) or len(seq) >= self.v_max[v]:
                continue
            if not self._fits_load(v, s):
                continue
            if not seq:
                delta = self._empty_cost(v, s)
                if delta is not None and (best is None or delta < best[0]):
                    best = (delta, v, 0)
                continue
            early, late, waits = self.early[v], self.late[v], self.wait_suffix[v]
            per_m, per_s = self.v_per_m[v], self.v_per_s[v]
            n = len(seq)
            hi = min(n, bisect_right(early, win_s[-1][1], 0, n + 1) - 1)
            lo = max(0, bisect_left(late, win_s[0][0] + svc_s, 1) - 1)
            prev = node[seq[lo - 1]] if lo else self.v_start[v]
            for k in range(lo, hi + 1):
                nxt = node[seq[k]] if k < n else self.v_end[v]
                t = first_start(early[k] + (svc[seq[k - 1]] if k else 0) + dur[prev][ns], win_s)
                back = t + svc_s + dur[ns][nxt]
                if back <= late[k + 1] and rng.random() >= BLINK:
                    delta = per_m * (dist[prev][ns] + dist[ns][nxt] - dist[prev][nxt])
                    if per_s:
                        push = max(0.0, back - early[k + 1] - waits[k + 1])
                        if k == 0:
                            push += self._departure(v, seq[0]) - self._departure(v, s)
                        delta += per_s * push
                    if best is None or delta < best[0]:
                        best = (delta, v, k)
                prev = nxt
        return best

    def _empty_cost(self, v: int, s: int) -> float | None:
        start, end, ns = self.v_start[v], self.v_end[v], self.node[s]
        t = first_start(self.v_ready[v] + self.dur[start][ns], self.win[s])
        if t == INF or t + self.svc[s] + self.dur[ns][end] > self.v_due[v]:
            return None
        span = self.dur[start][ns] + self.svc[s] + self.dur[ns][end]
        metres = self.dist[start][ns] + self.dist[ns][end]
        return self.v_fixed[v] + self.v_per_m[v] * metres + self.v_per_s[v] * span

    def recreate(self, stops: list[int]) -> list[int]:
        """Insert ``stops`` in the given order; returns those that fit nowhere."""
        left = []
        for s in stops:
            found = self.best_position(s)
            if found is None:
                left.append(s)
                continue
            _, v, k = found
            self.routes[v].insert(k, s)
            self.where[s] = v
            self._update(v)
            self.cost[v] = self.route_cost(v)
        return left

    def _order(self, stops: list[int]) -> list[int]:
        """SISR's sort orders: random, closing time, far from the depot first, tight windows."""
        pick = self.rng.random()
        if pick < 0.4:
            self.rng.shuffle(stops)
        elif pick < 0.65:
            stops.sort(key=lambda s: self.win[s][-1][1])
        elif pick < 0.85:
            depot = self.v_start[next(iter(self.routes))]
            stops.sort(key=lambda s: -self.dur[depot][self.node[s]])
        else:
            stops.sort(key=lambda s: self.win[s][-1][1] - self.win[s][0][0])
        return stops

    # -- the loop --------------------------------------------------------------------------------
    def step(self, repair: bool, threshold: float) -> bool:
        """One ruin and recreate; keeps the result if accepted (returns whether it was)."""
        seed = self._seed(repair)
        if seed is None:
            return False
        if repair:
            grow = 1.0 + min(2.0, self.stuck / 300)
            target = max(2, int(self.rng.uniform(0.5, 1.5) * REPAIR_REMOVE * grow))
        else:
            target = max(2, int(self.rng.uniform(0.2, 1.8) * IMPROVE_REMOVE))
        saved = {v: list(seq) for v, seq in self.routes.items()}
        saved_cost, saved_unserved = dict(self.cost), list(self.unserved)
        before = (len(self.unserved), self.total())
        pool = self._order(self.ruin(seed, target))
        if repair:
            pool = [seed, *pool]
        left = self.recreate(pool)
        unserved = sorted({*(s for s in self.unserved if s not in self.where), *left})
        after = (len(unserved), self.total())
        better = after[0] < before[0] or (
            after[0] == before[0] and after[1] < before[1] + threshold
        )
        # repair: serving the seed while leaving another out is a move too (the pool changes)
        swapped = repair and after[0] == before[0] and seed in self.where
        if better or swapped:
            self.stuck = 0 if after[0] < before[0] else self.stuck + 1
            self.unserved = unserved
            return True
        self.stuck += 1
        self.fails[seed] = self.fails.get(seed, 0) + 1
        self._restore(saved, saved_cost, saved_unserved)
        return False

    def _seed(self, repair: bool) -> int | None:
        """An unserved stop (the ones that failed most, more often) or, improving, any stop."""
        if repair and self.unserved:
            weights = [1 + self.fails.get(s, 0) for s in self.unserved]
            return self.rng.choices(self.unserved, weights)[0]
        if not self.where:
            return None
        return self.rng.choice(list(self.where))

    def _restore(
        self, saved: dict[int, list[int]], cost: dict[int, float], unserved: list[int]
    ) -> None:
        for v, seq in saved.items():
            if seq != self.routes[v]:
                self.routes[v] = seq
                self._update(v)
        self.cost, self.unserved = cost, unserved
        self.where = {s: v for v, seq in self.routes.items() for s in seq}

    def run(
        self,
        deadline: float,
        *,
        repair_only: bool = False,
        on_best=None,
    ) -> dict[int, list[int]]:
        """Ruin and recreate until the deadline (``repair_only``: until every stop is served).

        ``on_best(cost)`` is called for every new best plan that serves every mandatory stop.
        """
        best_key = (len(self.unserved), self.total())
        best = self.snapshot_all()
        t0 = time.monotonic()
        span = max(1e-3, deadline - t0)
        while True:
            now = time.monotonic()
            if now >= deadline or (repair_only and not self.unserved):
                break
            frac = (now - t0) / span
            threshold = best_key[1] * T_START * math.pow(T_END / T_START, frac)
            # a day that cannot be served in full: after a while, every other step improves
            # the cost of the plan as it is (without ever serving fewer stops)
            repair = bool(self.unserved) and (self.stuck < STUCK or self.rng.random() < 0.5)
            self.step(repair, 0.0 if repair else threshold * self.rng.random())
            key = (len(self.unserved), self.total())
            if key < best_key:
                best_key, best = key, self.snapshot_all()
                if on_best is not None and not self.unserved:
                    on_best(key[1])
        return best

    def snapshot_all(self) -> dict[int, list[int]]:
        return {v: list(seq) for v, seq in self.routes.items()}


def _tariffs(prep: Prepared) -> tuple[list[float], list[float], list[float]]:
    """Per vehicle: fixed cost, cost per metre, cost per second (distance only: 0, 1, 0)."""
    vehicles = prep.problem.vehicles
    if prep.problem.options.objective == Objective.COST:
        return (
            [v.fixed_cost for v in vehicles],
            [v.cost_per_km / 1000.0 for v in vehicles],
            [v.cost_per_hour / 3600.0 for v in vehicles],
        )
    return [0.0] * len(vehicles), [1.0] * len(vehicles), [0.0] * len(vehicles)
