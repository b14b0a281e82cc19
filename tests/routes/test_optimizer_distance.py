"""Distance providers, the OSRM one against a local fake OSRM server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

import pytest

from routes.optimizer.distance import (
    CachedProvider,
    DistanceProviderError,
    EuclideanProvider,
    HaversineProvider,
    OsrmProvider,
    as_matrix,
    haversine_m,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)


def test_haversine_known_distance() -> None:
    assert haversine_m(PARIS, LONDON) == pytest.approx(343_500, rel=0.005)
    assert haversine_m(PARIS, PARIS) == 0


def test_haversine_provider_applies_road_factor_and_speed() -> None:
    dist, dur = HaversineProvider(road_factor=1.3, speed_kmh=30).matrix([PARIS, LONDON])
    assert dist[0][0] == 0 and dist[0][1] == dist[1][0]
    assert dist[0][1] == pytest.approx(343_500 * 1.3, rel=0.005)
    assert dur[0][1] == pytest.approx(dist[0][1] / (30 / 3.6), abs=1)
    with pytest.raises(ValueError):
        HaversineProvider(speed_kmh=0)


def test_euclidean_provider() -> None:
    dist, dur = EuclideanProvider(scale=10, speed=2).matrix([(0, 0), (3, 4)])
    assert dist == [[0, 50], [50, 0]]
    assert dur == [[0, 25], [25, 0]]
    assert len(as_matrix(EuclideanProvider(), [(0, 0), (1, 1), (2, 2)])) == 3


class CountingProvider:
    def __init__(self) -> None:
        self.calls = 0

    def matrix(self, points):
        self.calls += 1
        return EuclideanProvider().matrix(points)


def test_cached_provider_is_an_lru_keyed_by_points() -> None:
    inner = CountingProvider()
    cached = CachedProvider(inner, maxsize=2)
    a, b, c = [(0, 0), (3, 4)], [(0, 0), (6, 8)], [(1, 1), (2, 2)]
    first_dist, _ = cached.matrix(a)
    first_dist[0][1] = 999  # callers get copies
    assert cached.matrix(a)[0][0][1] == 5
    assert inner.calls == 1 and cached.hits == 1
    cached.matrix(b)
    cached.matrix(c)  # evicts a (least recently used)
    cached.matrix(b)
    assert inner.calls == 3
    cached.matrix(a)
    assert inner.calls == 4


class FakeOsrm(BaseHTTPRequestHandler):
    """Speaks enough of OSRM's /table service: Euclidean on (lon, lat), 10 m per unit."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)  # (urlparse would cut the path at ";")
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        parts = url.path.split("/")
        if parts[1:4] != ["table", "v1", "driving"] or "annotations=distance,duration" not in (
            url.query
        ):
            return self._send(400, {"code": "InvalidUrl", "message": "bad url"})
        coords = [tuple(map(float, p.split(","))) for p in parts[4].split(";")]
        if any(abs(lat) > 90 for _, lat in coords):
            return self._send(400, {"code": "InvalidValue", "message": "Invalid coordinate"})
        if any(lon == 99 for lon, _ in coords):  # an island: no route
            table = [
                [None if (a[0] == 99) != (b[0] == 99) else 0.0 for b in coords] for a in coords
            ]
            return self._send(200, {"code": "Ok", "distances": table, "durations": table})
        dist = [
            [10 * ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for b in coords] for a in coords
        ]
        dur = [[d / 10 + 0.4 for d in row] for row in dist]
        return self._send(200, {"code": "Ok", "distances": dist, "durations": dur})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def base_url(server: HTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_osrm_provider_reads_the_table(osrm: HTTPServer) -> None:
    provider = OsrmProvider(base_url(osrm) + "/", timeout=5)
    # (lat, lon) in, lon,lat on the wire
    dist, dur = provider.matrix([(0.0, 0.0), (4.0, 3.0)])
    assert osrm.requests == [  # type: ignore[attr-defined]
        "/table/v1/driving/0.000000,0.000000;3.000000,4.000000?annotations=distance,duration"
    ]
    assert dist == [[0, 50], [50, 0]]
    assert dur == [[1, 6], [6, 1]]  # durations rounded up


def test_osrm_error_response_raises_a_clear_exception(osrm: HTTPServer) -> None:
    provider = OsrmProvider(base_url(osrm), timeout=5)
    with pytest.raises(DistanceProviderError, match="InvalidValue: Invalid coordinate"):
        provider.matrix([(0.0, 0.0), (95.0, 3.0)])


def test_osrm_unroutable_point_raises(osrm: HTTPServer) -> None:
    provider = OsrmProvider(base_url(osrm), timeout=5)
    with pytest.raises(DistanceProviderError, match="no route"):
        provider.matrix([(0.0, 0.0), (1.0, 99.0)])


def test_osrm_unreachable_server_raises() -> None:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    with pytest.raises(DistanceProviderError, match="unreachable"):
        OsrmProvider(f"http://127.0.0.1:{port}", timeout=2).matrix([(0.0, 0.0), (1.0, 1.0)])


def test_osrm_through_the_cache_asks_once(osrm: HTTPServer) -> None:
    cached = CachedProvider(OsrmProvider(base_url(osrm), timeout=5))
    points = [(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)]
    assert cached.matrix(points) == cached.matrix(list(points))
    assert len(osrm.requests) == 1  # type: ignore[attr-defined]
