"""Lab test data, built through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from clients.models import Client
from labs.models import LabRequest, RequestStatus
from labs.services import lab_request_create, lab_request_save_result, lab_request_transition
from tests.clients.factories import make_client
from tests.orders.factories import make_product

COMPOSITION = [
    {"name": "Вода очищенная", "percent": Decimal("70")},
    {"name": "ЛАС", "percent": Decimal("20")},
    {"name": "Отдушка", "percent": Decimal("10")},
]


def make_lab_client(branch: Any, manager: Any, *, shipping: bool = True, **kwargs: Any) -> Client:
    if shipping:
        kwargs.setdefault(
            "addresses",
            [{"address": "Санкт-Петербург, Невский пр., 1", "city": "Санкт-Петербург"}],
        )
        kwargs.setdefault(
            "contacts", [{"name": "Ирина Петрова", "role": "закупки", "phone": "+79110001122"}]
        )
    return make_client(branch=branch, manager=manager, **kwargs)


def make_request(
    client: Client, *, actor: Any, kind: str = "calculation", **data: Any
) -> LabRequest:
    data.setdefault("product", make_product(name="Средство для посуды 5 л"))
    data.setdefault("deadline", datetime.date.today() + datetime.timedelta(days=14))
    data.setdefault("purpose", "Мойка посуды в кафе")
    if kind == "sample":
        data.setdefault("ship_address", client.addresses.first())
        data.setdefault("receiver", client.contacts.first())
    return lab_request_create(actor=actor, client=client, kind=kind, data=data)


def advance(request: LabRequest, target: str, *, manager: Any, lab: Any) -> LabRequest:
    """Walk ``request`` along the happy path up to ``target``."""
    S = RequestStatus
    path = [S.SENT, S.IN_WORK]
    done = S.SAMPLE_MADE if request.is_sample else S.CALCULATED
    for step in path:
        if request.status == target:
            return request
        actor = manager if step == S.SENT else lab
        request = lab_request_transition(actor=actor, request=request, target=step)
    if request.status == target:
        return request
    lab_request_save_result(
        actor=lab,
        request=request,
        components=COMPOSITION,
        cost_per_unit=Decimal("180.50"),
        price_suggestion=Decimal("260.00"),
        lab_comment="pH 7,5",
    )
    return lab_request_transition(actor=lab, request=request, target=done)
