"""The demo seeder: requests in every status, one overdue at the lab; safe to run twice."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from labs.models import LabRequest, RequestStatus
from labs.seed import seed_labs
from labs.selectors import cabinet_queue
from labs.services.planning import branch_today
from tests.labs.factories import make_lab_client

pytestmark = pytest.mark.django_db


def test_seed_creates_requests_in_every_status(users, make_user):
    lab = make_user("lab_technician", username="lab")
    branch = users["manager"].branch
    for n in range(3):
        make_lab_client(branch, users["manager"], name=f"Химия {n}")
    ctx = SimpleNamespace(
        rng=random.Random(42),
        branches={"spb": branch},
        users={"manager": users["manager"], "lab": lab, "director": users["director"]},
    )
    seed_labs(ctx)
    statuses = set(LabRequest.objects.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    queue = list(cabinet_queue(user=lab, branch=branch, today=branch_today(branch)))
    assert queue and queue[0].urgency_rank == 0
    count = LabRequest.objects.count()
    seed_labs(ctx)
    assert LabRequest.objects.count() == count
