"""Fixtures shared by the routes tests that plan real days through the services and pages."""

from __future__ import annotations

import pytest

from tests.routes.factories import make_depot, make_vehicle


@pytest.fixture
def fast_solver(settings):
    """One second and one worker per solve: the tests check plans, not their quality."""
    settings.ROUTES_TIME_LIMIT_SECONDS = 1
    settings.ROUTES_SOLVER_WORKERS = 1


@pytest.fixture
def fleet(branch, users):
    """Two vans at one depot of the branch, both with the demo driver by default."""
    depot = make_depot(branch)
    return [make_vehicle(branch, depot, driver=users["driver"]) for _ in range(2)]
