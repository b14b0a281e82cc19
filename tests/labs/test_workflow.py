"""The state machine: every move of the table for every role (allowed or refused with nothing
changed), moves outside the table, the reason requirement, ownership, logging and notices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clients.models import Client
from crm.core.models import Notification, TimelineEntry
from labs.models import LabRequest, LabStatusChange, RequestKind, RequestStatus
from labs.services import lab_request_save_result, lab_request_transition
from labs.workflow import LAB_DONE, SPECIAL_TARGETS, TRANSITIONS, find_move
from tests.labs.factories import COMPOSITION, make_lab_client, make_request
from tests.labs.states import request_in

pytestmark = pytest.mark.django_db
S = RequestStatus
ROLES = ["manager", "lab_technician", "director", "admin", "head_of_sales", "operator"]
CASES = [
    (move, kind, role)
    for move in TRANSITIONS
    if move.target not in SPECIAL_TARGETS
    for kind in move.kinds
    for role in ROLES
]


def _id(case: tuple) -> str:
    move, kind, role = case
    return f"{kind}:{move.source}->{move.target}:{role}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_each_move_for_each_role(case, users, shop):
    move, kind, role = case
    request = request_in(move.source, kind, shop, users)
    actor = users[role]
    allowed = role in move.roles
    if move.target in LAB_DONE:  # the lab's answer comes first (tested in test_rules)
        lab_request_save_result(
            actor=users["admin"],
            request=request,
            components=COMPOSITION,
            cost_per_unit=Decimal("10.00"),
            price_suggestion=None,
        )
    if allowed:
        moved = lab_request_transition(
            actor=actor, request=request, target=move.target, reason="Причина"
        )
        assert moved.status == move.target
        assert LabStatusChange.objects.filter(
            request=request, to_status=move.target, actor=actor
        ).exists()
    else:
        changes = LabStatusChange.objects.filter(request=request).count()
        with pytest.raises(PermissionDenied):
            lab_request_transition(
                actor=actor, request=request, target=move.target, reason="Причина"
            )
        request.refresh_from_db()
        assert request.status == move.source
        assert LabStatusChange.objects.filter(request=request).count() == changes


@pytest.mark.parametrize("kind", RequestKind.values)
def test_moves_outside_the_table_are_refused_even_for_admin(kind, users, shop):
    request = make_request(shop, actor=users["manager"], kind=kind)
    for target in S.values:
        if find_move(kind, S.DRAFT, target) is None:
            with pytest.raises(ValidationError):
                lab_request_transition(actor=users["admin"], request=request, target=target)
    request.refresh_from_db()
    assert request.status == S.DRAFT


def test_calculation_cannot_become_sample_made(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    with pytest.raises(ValidationError):
        lab_request_transition(actor=users["lab_technician"], request=request, target=S.SAMPLE_MADE)


@pytest.mark.parametrize(
    "move", [m for m in TRANSITIONS if m.reason], ids=lambda m: f"{m.source}->{m.target}"
)
def test_reason_is_required(move, users, shop):
    kind = move.kinds[0]
    request = request_in(move.source, kind, shop, users)
    actor = users["admin"]
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as error:
            lab_request_transition(actor=actor, request=request, target=move.target, reason=blank)
        assert "reason" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == move.source
    moved = lab_request_transition(
        actor=actor, request=request, target=move.target, reason="  Нет данных по упаковке "
    )
    assert moved.status_reason == "Нет данных по упаковке"
    log = LabStatusChange.objects.filter(request=request).last()
    assert log.reason == "Нет данных по упаковке"


def test_another_managers_request_cannot_be_moved(users, shop, make_user):
    other = make_user("manager", username="other_manager")
    request = make_request(shop, actor=users["manager"])
    with pytest.raises(PermissionDenied):
        lab_request_transition(actor=other, request=request, target=S.SENT)
    request.refresh_from_db()
    assert request.status == S.DRAFT


def test_lab_in_another_branch_cannot_take_it(users, shop, make_user, other_branch):
    foreign_lab = make_user("lab_technician", username="msk_lab", branch=other_branch)
    request = request_in(S.SENT, "calculation", shop, users)
    with pytest.raises(PermissionDenied):
        lab_request_transition(actor=foreign_lab, request=request, target=S.IN_WORK)


def test_sending_plans_the_date_and_tells_the_lab(users, shop, django_capture_on_commit_callbacks):
    request = make_request(shop, actor=users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        request = lab_request_transition(actor=users["manager"], request=request, target=S.SENT)
    assert request.planned_date is not None and request.sent_at is not None
    notice = Notification.objects.get(recipient=users["lab_technician"])
    assert request.number in notice.title
    assert not Notification.objects.filter(recipient=users["manager"]).exists()


def test_return_for_rework_tells_the_manager_the_reason_and_logs_the_client(users, shop):
    request = request_in(S.SENT, "calculation", shop, users)
    lab = users["lab_technician"]
    lab_request_transition(actor=lab, request=request, target=S.IN_WORK)
    request = lab_request_transition(
        actor=lab, request=request, target=S.RETURNED, reason="Уточните объём партии"
    )
    notice = Notification.objects.filter(recipient=users["manager"]).latest("id")
    assert "Уточните объём партии" in notice.body
    assert notice.url.endswith(f"/labs/{request.pk}/")
    entry = TimelineEntry.objects.filter(
        object_id=shop.pk, kind=TimelineEntry.Kind.STATUS, data__lab_request=request.pk
    ).first()
    assert entry is not None and "Уточните объём партии" in entry.body
    # taking it into work recorded the technician, who is told when the manager resends
    assert LabRequest.objects.get(pk=request.pk).technician == lab
    lab_request_transition(actor=users["manager"], request=request, target=S.SENT)
    assert Notification.objects.filter(recipient=lab).count() == 2


def test_calculated_needs_composition_and_cost(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    with pytest.raises(ValidationError) as error:
        lab_request_transition(actor=users["lab_technician"], request=request, target=S.CALCULATED)
    assert "components" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == S.IN_WORK


def test_sending_a_sample_rechecks_the_shipping_data(users):
    client = make_lab_client(users["manager"].branch, users["manager"])
    request = make_request(client, actor=users["manager"], kind="sample")
    client.contacts.update(phone="")
    with pytest.raises(ValidationError):
        lab_request_transition(actor=users["manager"], request=request, target=S.SENT)
    assert Client.objects.filter(pk=client.pk).exists()


def test_only_the_branchs_lab_joins_its_live_group(users, make_user, other_branch):
    from crm.core.realtime import can_join_group
    from labs.services import lab_group

    group = lab_group(users["lab_technician"].branch_id)
    assert can_join_group(users["lab_technician"], group)
    assert can_join_group(users["admin"], group)
    assert not can_join_group(users["manager"], group)
    assert not can_join_group(users["director"], group)
    foreign = make_user("lab_technician", username="msk_lab2", branch=other_branch)
    assert not can_join_group(foreign, group)
