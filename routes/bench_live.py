"""``python manage.py bench live --json``: how long a driver's "done" takes to reach the
dispatcher's board over a real ASGI server (daphne) and the Redis channel layer.

The suite makes a throwaway branch (code ``bench-live-<hex>``) in the configured Postgres
database: a dispatcher, a driver and today's published plan of one route on the road whose
orders are in work and assigned to the driver. It logs both in by creating Django sessions
directly, starts daphne on a free port as a subprocess, opens ``--sockets`` websockets to
``/ws/live/`` at once with the dispatcher's session, each subscribed to the board group
``routes.branch.<id>``, and then, ``--samples`` times, POSTs "done" for the next stop as the
driver (``POST /routes/my/actions/``). For every socket and sample it records the time from just
before the POST is sent to the moment that socket receives the ``route.stop`` event of that stop;
``median_ms`` / ``p95_ms`` / ``max_ms`` are over all of them. A first, unmeasured "done" warms
the server up. The branch and everything made for it are deleted afterwards (leftovers of an
interrupted run are deleted by the next run).

The figures are wall-clock on whatever machine runs them: the bench's own client shares the
CPU with the server, Postgres and Redis. Run it on a quiet machine.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from crm.core.bench import BASE_DIR, _database_url, _free_port, _wait_for
from crm.core.registry import register_bench
from routes.realtime import board_group

BRANCH_CODE_PREFIX = "bench-live-"
PRODUCT_PREFIX = "BENCH-LIVE-"
HOST = "localhost"
WS_PATH = "/ws/live/"
ACTION_PATH = "/routes/my/actions/"
#: how long a sample waits for every socket to get its event before counting the rest as missed
EVENT_TIMEOUT = 10.0
#: a pause between samples, so one sample's fan-out never overlaps the next one's POST
SAMPLE_GAP = 0.2
CONNECT_TIMEOUT = 60.0


# --- Data -----------------------------------------------------------------------------------------
@dataclass
class Fixture:
    branch_id: int
    route_id: int
    stop_ids: list[int]
    #: the session keys of the dispatcher and the driver
    sessions: tuple[str, str]


def require_backends() -> None:
    """The suite measures the production stack: Postgres and the Redis channel layer."""
    if not settings.DB_IS_POSTGRES or not settings.REDIS_URL:
        raise RuntimeError(
            "bench live needs DATABASE_URL (Postgres) and REDIS_URL (the Redis channel layer); "
            "point both at bench instances"
        )
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if not backend.startswith("channels_redis."):
        raise RuntimeError(f"bench live needs the Redis channel layer, not {backend}")


def _user(branch: Any, role: str, tag: str) -> Any:
    from crm.accounts.models import User
    from crm.accounts.services import _sync_role_group

    user = User.objects.create_user(
        username=f"{BRANCH_CODE_PREFIX}{role}-{tag}",
        password=None,
        role=role,
        branch=branch,
        language="en",
    )
    _sync_role_group(user)
    return user


def _orders(branch: Any, dispatcher: Any, count: int, tag: str) -> list[Any]:
    from clients.services import client_create
    from crm.orders.models import OrderStatus, Product
    from crm.orders.services import OrderInput, order_create
    from crm.orders.services.orders import branch_today
    from crm.orders.services.workflow import order_transition

    product = Product.objects.create(
        code=f"{PRODUCT_PREFIX}{tag}", name="Вода 19 л (bench live)", price=Decimal("250.00")
    )
    client = client_create(
        actor=None,
        branch=branch,
        name=f"Bench live {tag}",
        phones=[f"+7911{secrets.randbelow(10**7):07d}"],
    )
    today = branch_today(branch)
    orders = []
    for n in range(count):
        stop = {
            "address": f"Санкт-Петербург, Невский пр., {n + 1}",
            "latitude": Decimal("59.930") + Decimal(n) / 1000,
            "longitude": Decimal("30.310") + Decimal(n) / 1000,
        }
        payload = OrderInput(
            client=client,
            data={"date": today},
            items=[{"product": product, "quantity": Decimal(2)}],
            stops=[stop],
        )
        order = order_create(actor=None, payload=payload)
        orders.append(order_transition(actor=dispatcher, order=order, target=OrderStatus.CONFIRMED))
    return orders


def _published_route(branch: Any, dispatcher: Any, driver: Any, orders: list[Any]) -> Any:
    from django.utils import timezone

    from routes.models import Depot, Route, RoutePlan, RouteState, RouteStop, Vehicle
    from routes.services.publishing import plan_publish
    from routes.services.timing import retime

    depot = Depot.objects.create(
        branch=branch,
        name="Bench depot",
        address="Санкт-Петербург, Лиговский пр., 1",
        latitude=Decimal("59.930000"),
        longitude=Decimal("30.310000"),
    )
    vehicle = Vehicle.objects.create(
        branch=branch,
        depot=depot,
        plate=f"BL{secrets.token_hex(4).upper()}",
        name="Bench van",
        capacity_kg=10_000,
        capacity_containers=1000,
        cost_per_km=Decimal("20.00"),
        cost_per_hour=Decimal("500.00"),
        fixed_cost=Decimal("1000.00"),
        driver=driver,
    )
    plan = RoutePlan.objects.create(branch=branch, date=orders[0].date, created_by=dispatcher)
    plan.vehicles.set([vehicle])
    route = Route.objects.create(plan=plan, vehicle=vehicle, driver=driver)
    RouteStop.objects.bulk_create(
        RouteStop(plan=plan, route=route, order=o, position=i) for i, o in enumerate(orders)
    )
    retime(route)
    plan_publish(actor=dispatcher, plan=plan)
    Route.objects.filter(pk=route.pk).update(state=RouteState.ON_ROAD, started_at=timezone.now())
    return route


def create_fixture(stops: int) -> Fixture:
    """A branch with today's published route of ``stops`` stops on the road (orders in work)."""
    from crm.accounts.models import Branch
    from crm.accounts.roles import Role

    tag = secrets.token_hex(4)
    with transaction.atomic():
        branch = Branch.objects.create(
            code=f"{BRANCH_CODE_PREFIX}{tag}",
            name=f"Bench live {tag}",
            city="Санкт-Петербург",
            timezone="Europe/Moscow",
        )
        dispatcher = _user(branch, Role.DISPATCHER, tag)
        driver = _user(branch, Role.DRIVER, tag)
        orders = _orders(branch, dispatcher, stops, tag)
        route = _published_route(branch, dispatcher, driver, orders)
    stop_ids = list(route.stops.order_by("position").values_list("pk", flat=True))
    sessions = (start_session(dispatcher), start_session(driver))
    return Fixture(branch.pk, route.pk, stop_ids, sessions)


def delete_bench_data() -> int:
    """Delete every ``bench-live-*`` branch and what was made for it; returns how many."""
    from clients.models import Client
    from crm.accounts.models import Branch, User
    from crm.orders.models import Order, Product
    from routes.models import Depot, RoutePlan, Vehicle

    branches = list(Branch.objects.filter(code__startswith=BRANCH_CODE_PREFIX))
    if not branches:
        return 0
    with transaction.atomic():
        RoutePlan.objects.filter(branch__in=branches).delete()
        Order.objects.filter(branch__in=branches).delete()
        Client.objects.filter(branch__in=branches).delete()
        Vehicle.objects.filter(branch__in=branches).delete()
        Depot.objects.filter(branch__in=branches).delete()
        Product.objects.filter(code__startswith=PRODUCT_PREFIX).delete()
        User.objects.filter(branch__in=branches).delete()
        Branch.objects.filter(pk__in=[b.pk for b in branches]).delete()
    return len(branches)


def start_session(user: Any) -> str:
    """Log ``user`` in the way the login view does, without a password: a new session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def end_session(session_key: str) -> None:
    import_module(settings.SESSION_ENGINE).SessionStore(session_key).delete()


# --- The server -----------------------------------------------------------------------------------
@dataclass
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (None off Linux)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def asgi_server() -> Iterator[Server]:
    """daphne serving ``crm.asgi:application`` on a free port of 127.0.0.1, like production."""
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions' auth hashes are keyed with it
        "DATABASE_URL": _database_url(f"kolo-bench-live-{port}"),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "crm.settings"),
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
    }
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [*command, "crm.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(server, port, log)
            yield Server(port, server.pid)
        finally:
            _stop(server)


def _wait_until_listening(server: subprocess.Popen, port: int, log: IO[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the ASGI server exited: {log.read()[-2000:]}")
        try:
            _wait_for(port, timeout=0.5)
            return
        except RuntimeError:
            continue
    raise RuntimeError("the ASGI server did not start within a minute")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:  # daphne waits for open websockets to close
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# --- The driver's POST ----------------------------------------------------------------------------
@dataclass
class Driver:
    """The driver's tablet: his session and a CSRF cookie with the matching header."""

    port: int
    session: str
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))  # 32 characters

    def headers(self) -> dict[str, str]:
        # Django accepts the unmasked 32-character secret in the header when it matches the cookie
        return {
            "Host": HOST,
            "Cookie": f"{self.session}; {settings.CSRF_COOKIE_NAME}={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def done(self, stop_id: int) -> tuple[float, float, bool]:
        """POST "done" for ``stop_id``: (perf_counter just before sending, ms, ok)."""
        body = f"action_id={uuid.uuid4()}&kind=done&stop={stop_id}&payment_taken=none".encode()
        headers = self.headers()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.perf_counter()
        try:
            conn.request("POST", ACTION_PATH, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            ms = (time.perf_counter() - started) * 1000
            return started, ms, response.status == 200 and _is_ok(payload)
        except OSError:
            return started, (time.perf_counter() - started) * 1000, False
        finally:
            conn.close()


def _is_ok(payload: bytes) -> bool:
    try:
        return json.loads(payload).get("ok") is True
    except (ValueError, AttributeError):
        return False


# --- The board's sockets --------------------------------------------------------------------------
@dataclass
class Board:
    """``sockets`` dispatcher sockets and the time each got each stop's "done" event."""

    sockets: int
    arrivals: dict[int, dict[int, float]] = field(default_factory=dict)
    complete: dict[int, asyncio.Event] = field(default_factory=dict)

    def expect(self, stop_id: int) -> asyncio.Event:
        self.arrivals[stop_id] = {}
        self.complete[stop_id] = asyncio.Event()
        return self.complete[stop_id]

    def record(self, socket_index: int, at: float, message: str | bytes) -> None:
        event = json.loads(message)
        if event.get("type") != "route.stop" or event.get("state") != "done":
            return
        got = self.arrivals.get(event.get("stop"))
        if got is None or socket_index in got:
            return
        got[socket_index] = at
        if len(got) >= self.sockets:
            self.complete[event["stop"]].set()


async def _open_socket(port: int, cookie: str, group: str) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(
        f"ws://127.0.0.1:{port}{WS_PATH}",
        origin=f"http://{HOST}:{port}",
        additional_headers={"Cookie": cookie},
        compression=None,
        proxy=None,
        ping_interval=None,
        open_timeout=CONNECT_TIMEOUT,
        close_timeout=2,
    )
    try:
        await _subscribe(ws, group)
    except BaseException:
        await ws.close()
        raise
    return ws


async def _subscribe(ws: Any, group: str) -> None:
    await ws.send(json.dumps({"subscribe": [group]}))
    async with asyncio.timeout(CONNECT_TIMEOUT):
        while True:
            reply = json.loads(await ws.recv())
            if reply.get("type") == "subscribed":
                break
    if group not in reply.get("groups", []):
        raise PermissionError(f"the socket was refused {group}")


async def _listen(ws: Any, index: int, board: Board) -> None:
    from websockets.exceptions import ConnectionClosed

    with suppress(ConnectionClosed):
        async for message in ws:
            board.record(index, time.perf_counter(), message)


async def _open_all(port: int, cookie: str, group: str, count: int) -> tuple[list[Any], int]:
    """Opens ``count`` sockets at once; returns the open ones and how many failed."""
    results = await asyncio.gather(
        *(_open_socket(port, cookie, group) for _i in range(count)), return_exceptions=True
    )
    opened = [r for r in results if not isinstance(r, BaseException)]
    return opened, count - len(opened)


# --- The measurement ------------------------------------------------------------------------------
@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    post_errors: int = 0
    missed: int = 0
    server_cpu: list[float] = field(default_factory=list)

    def add_cpu(self, before: float | None, after: float | None) -> None:
        if before is not None and after is not None:
            self.server_cpu.append(after - before)


async def _sample(driver: Driver, board: Board, stop_id: int, into: Samples | None) -> None:
    complete = board.expect(stop_id)
    started, ms, ok = await asyncio.to_thread(driver.done, stop_id)
    if ok and board.sockets:
        with suppress(TimeoutError):
            async with asyncio.timeout(EVENT_TIMEOUT):
                await complete.wait()
    if into is None:  # the warm-up
        return
    into.post_ms.append(ms)
    into.post_errors += 0 if ok else 1
    got = board.arrivals[stop_id]
    into.latencies_ms.extend((at - started) * 1000 for at in got.values())
    into.missed += board.sockets - len(got)


async def _measure(fixture: Fixture, server: Server, sockets: int, samples: int) -> dict[str, Any]:
    port = server.port
    group = board_group(fixture.branch_id)
    cookie = f"{settings.SESSION_COOKIE_NAME}={fixture.sessions[0]}"
    driver = Driver(port, f"{settings.SESSION_COOKIE_NAME}={fixture.sessions[1]}")
    started = time.perf_counter()
    opened, failed = await _open_all(port, cookie, group, sockets)
    connect_seconds = time.perf_counter() - started
    board = Board(len(opened))
    listeners = [asyncio.create_task(_listen(ws, i, board)) for i, ws in enumerate(opened)]
    result = Samples()
    try:
        stops = iter(fixture.stop_ids)
        await _sample(driver, board, next(stops), None)
        for stop_id in list(stops)[:samples]:
            await asyncio.sleep(SAMPLE_GAP)
            cpu_before = server.cpu_seconds()
            await _sample(driver, board, stop_id, result)
            result.add_cpu(cpu_before, server.cpu_seconds())
    finally:
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
        await asyncio.gather(*listeners, return_exceptions=True)
    return _report(sockets, len(opened), failed, connect_seconds, result)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _report(
    requested: int, connected: int, failed: int, connect_seconds: float, samples: Samples
) -> dict[str, Any]:
    lat = samples.latencies_ms
    return {
        "sockets": connected,
        "sockets_requested": requested,
        "samples": len(samples.post_ms),
        "deliveries": len(lat),
        "median_ms": _ms(statistics.median(lat)) if lat else None,
        "p95_ms": _ms(percentile(lat, 0.95)),
        "max_ms": _ms(max(lat, default=None)),
        "post_median_ms": _ms(statistics.median(samples.post_ms)) if samples.post_ms else None,
        "errors": failed + samples.post_errors + samples.missed,
        "connect_errors": failed,
        "post_errors": samples.post_errors,
        "missed_events": samples.missed,
        "connect_seconds": round(connect_seconds, 2),
        # the server's own CPU per "done" (the view and the fan-out): less noisy than wall time
        "server_cpu_ms_per_sample": _ms(1000 * statistics.fmean(samples.server_cpu))
        if samples.server_cpu
        else None,
    }


def run_live(*, sockets: int, samples: int, stops: int) -> dict[str, Any]:
    """The whole suite: data, server, sockets, samples, clean-up."""
    require_backends()
    delete_bench_data()
    fixture = create_fixture(max(stops, samples) + 1)  # + the warm-up stop
    try:
        with asgi_server() as server:
            result = asyncio.run(_measure(fixture, server, sockets, samples))
    finally:
        for key in fixture.sessions:
            end_session(key)
        delete_bench_data()
    return {
        **result,
        "server": "daphne",
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


@register_bench(
    "live",
    help="latency of a driver's 'done' to N dispatcher websockets (daphne + Redis, Postgres)",
    sockets={"type": int, "default": 200, "help": "dispatcher websockets to open"},
    samples={"type": int, "default": 30, "help": "'done' actions to measure"},
    stops={"type": int, "default": 30, "help": "stops on the bench route"},
)
def bench_live(sockets: int = 200, samples: int = 30, stops: int = 30) -> dict:
    return run_live(sockets=sockets, samples=samples, stops=stops)
