"""Put a request into any status through the services (admin and the lab as actors)."""

from __future__ import annotations

from typing import Any

from labs.models import LabRequest, RequestStatus
from labs.services import lab_request_ship, lab_request_transition
from tests.labs.factories import advance, make_request

S = RequestStatus


def request_in(status: str, kind: str, client: Any, users: dict[str, Any]) -> LabRequest:
    manager, lab, admin = users["manager"], users["lab_technician"], users["admin"]
    request = make_request(client, actor=manager, kind=kind)
    if status == S.DRAFT:
        return request
    if status == S.RETURNED:
        request = lab_request_transition(actor=manager, request=request, target=S.SENT)
        return lab_request_transition(
            actor=lab, request=request, target=S.RETURNED, reason="Нет целевой цены"
        )
    if status == S.REJECTED:
        return lab_request_transition(
            actor=admin, request=request, target=S.REJECTED, reason="Отозвана"
        )
    if status in (S.SENT, S.IN_WORK, S.CALCULATED, S.SAMPLE_MADE):
        return advance(request, status, manager=manager, lab=lab)
    done = S.SAMPLE_MADE if kind == "sample" else S.CALCULATED
    request = advance(request, done, manager=manager, lab=lab)
    if kind == "sample":
        request = lab_request_ship(
            actor=manager, request=request, method="post", tracking_number="RA123456789RU"
        )
        if status == S.SHIPPED:
            return request
        request = lab_request_transition(actor=manager, request=request, target=S.RECEIVED)
        if status == S.RECEIVED:
            return request
    return lab_request_transition(actor=manager, request=request, target=S.CLOSED)
