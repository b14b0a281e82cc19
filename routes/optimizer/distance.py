"""Distance providers: one interface, ``matrix(points) -> (distances_m, durations_s)``.

* ``HaversineProvider``: great-circle distance times a road factor, at a constant speed (the
  embedded default: no network, no service to run).
* ``OsrmProvider``: an OSRM server's ``/table`` service over plain urllib.
* ``EuclideanProvider``: plane distances, for benchmarks and tests.
* ``CachedProvider``: a small in-process LRU cache in front of any provider.

Points are ``(lat, lon)`` tuples (``(x, y)`` for the Euclidean provider). Matrices are lists of
lists of ints: metres and seconds.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from routes.optimizer.model import Location, Matrix

IntMatrix = list[list[int]]
EARTH_RADIUS_M = 6_371_008.8


class DistanceProvider(Protocol):
    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """(distances in metres, durations in seconds), ``[from][to]``."""
        ...


class DistanceProviderError(RuntimeError):
    """The provider could not produce a matrix (service down, bad answer, unroutable point)."""


def as_matrix(provider: DistanceProvider, points: Sequence[Location]) -> Matrix:
    distances, durations = provider.matrix(points)
    return Matrix(distances=distances, durations=durations)


def haversine_m(a: Location, b: Location) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class HaversineProvider:
    def __init__(self, road_factor: float = 1.3, speed_kmh: float = 30.0) -> None:
        if road_factor <= 0 or speed_kmh <= 0:
            raise ValueError("road_factor and speed_kmh must be positive")
        self.road_factor = road_factor
        self.speed_ms = speed_kmh / 3.6

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        distances = [[round(haversine_m(a, b) * self.road_factor) for b in points] for a in points]
        durations = [[math.ceil(d / self.speed_ms) for d in row] for row in distances]
        return distances, durations


class EuclideanProvider:
    """Plane distance; duration = distance / speed (speed 1: duration equals distance)."""

    def __init__(self, scale: float = 1.0, speed: float = 1.0) -> None:
        self.scale = scale
        self.speed = speed

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        exact = [[math.dist(a, b) * self.scale for b in points] for a in points]
        distances = [[round(d) for d in row] for row in exact]
        durations = [[math.ceil(d / self.speed - 1e-9) for d in row] for row in exact]
        return distances, durations


class OsrmProvider:
    """OSRM ``/table/v1/driving/{lon,lat;...}?annotations=distance,duration``."""

    def __init__(self, base_url: str, timeout: float = 10.0, profile: str = "driving") -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.profile = profile

    def url(self, points: Sequence[Location]) -> str:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        return f"{self.base_url}/table/v1/{self.profile}/{coords}?annotations=distance,duration"

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        if not points:
            return [], []
        body = self._get(self.url(points))
        if body.get("code") != "Ok":
            raise DistanceProviderError(
                f"OSRM answered {body.get('code')!r}: {body.get('message', 'no message')}"
            )
        try:
            distances = _to_int(body["distances"], len(points), "distances", round)
            durations = _to_int(body["durations"], len(points), "durations", math.ceil)
        except (KeyError, TypeError) as exc:
            raise DistanceProviderError(f"OSRM answer without a full table: {exc}") from exc
        return distances, durations

    def _get(self, url: str) -> dict:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            # OSRM reports errors as JSON with a 4xx status: keep its message
            try:
                body = json.loads(exc.read().decode("utf-8"))
                message = f"{body.get('code')}: {body.get('message')}"
            except (ValueError, AttributeError):
                message = str(exc)
            raise DistanceProviderError(f"OSRM HTTP {exc.code}: {message}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DistanceProviderError(f"OSRM unreachable at {self.base_url}: {exc}") from exc
        except ValueError as exc:
            raise DistanceProviderError(f"OSRM answered with invalid JSON: {exc}") from exc


def _to_int(
    table: list[list[float | None]], n: int, name: str, to_int: Callable[[float], int]
) -> IntMatrix:
    if len(table) != n or any(len(row) != n for row in table):
        raise DistanceProviderError(f"OSRM {name} table is not {n}x{n}")
    out = []
    for i, row in enumerate(table):
        if any(v is None for v in row):
            raise DistanceProviderError(f"OSRM found no route from point {i} ({name})")
        out.append([to_int(v) for v in row])
    return out


class CachedProvider:
    """LRU cache keyed by the exact tuple of points."""

    def __init__(self, provider: DistanceProvider, maxsize: int = 32) -> None:
        self.provider = provider
        self.maxsize = maxsize
        self._cache: OrderedDict[tuple[Location, ...], tuple[IntMatrix, IntMatrix]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        key = tuple((float(a), float(b)) for a, b in points)
        if key in self._cache:
            self._cache.move_to_end(key)
            self.hits += 1
            distances, durations = self._cache[key]
        else:
            self.misses += 1
            distances, durations = self.provider.matrix(points)
            self._cache[key] = (distances, durations)
            if len(self._cache) > self.maxsize:
                self._cache.popitem(last=False)
        # copies: callers may modify their matrix
        return [list(r) for r in distances], [list(r) for r in durations]
