"""Field editability per status and role, composition validation, the sample's shipping data,
planning (the earliest realistic date) and urgency."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from labs.models import LabComponent, LabRequest, RequestStatus
from labs.permissions import LAB_FIELDS, SAMPLE_FIELDS, WISH_FIELDS, editable_fields
from labs.services import (
    lab_norms_update,
    lab_request_create,
    lab_request_save_result,
    lab_request_update,
    validate_composition,
)
from labs.services.planning import (
    NORMAL,
    OVERDUE,
    URGENT,
    add_working_days,
    estimate,
    urgency,
)
from tests.labs.factories import COMPOSITION, make_lab_client, make_request
from tests.labs.states import request_in
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db
S = RequestStatus
WISHES = frozenset(WISH_FIELDS)
SAMPLE_WISHES = frozenset((*WISH_FIELDS, *SAMPLE_FIELDS))
LAB = frozenset(LAB_FIELDS)
EVERYTHING = frozenset((*WISH_FIELDS, *SAMPLE_FIELDS, *LAB_FIELDS))
NOTHING = frozenset()


@pytest.mark.parametrize(
    "status,role,expected",
    [
        (S.DRAFT, "manager", WISHES),
        (S.DRAFT, "lab_technician", NOTHING),
        (S.DRAFT, "director", NOTHING),
        (S.DRAFT, "head_of_sales", NOTHING),
        (S.SENT, "manager", NOTHING),
        (S.SENT, "lab_technician", NOTHING),
        (S.IN_WORK, "manager", NOTHING),
        (S.IN_WORK, "lab_technician", LAB),
        (S.IN_WORK, "director", NOTHING),
        (S.RETURNED, "manager", WISHES),
        (S.RETURNED, "lab_technician", NOTHING),
        (S.CALCULATED, "manager", NOTHING),
        (S.CALCULATED, "lab_technician", NOTHING),
        (S.CLOSED, "manager", NOTHING),
        (S.REJECTED, "manager", NOTHING),
        (S.DRAFT, "admin", EVERYTHING - frozenset(SAMPLE_FIELDS)),
        (S.CLOSED, "admin", EVERYTHING - frozenset(SAMPLE_FIELDS)),
        (S.IN_WORK, "admin", EVERYTHING - frozenset(SAMPLE_FIELDS)),
    ],
)
def test_editable_fields_of_a_calculation(status, role, expected, users, shop):
    request = request_in(status, "calculation", shop, users)
    assert editable_fields(users[role], request) == expected


@pytest.mark.parametrize(
    "status,role,expected",
    [
        (S.DRAFT, "manager", SAMPLE_WISHES),
        (S.IN_WORK, "lab_technician", LAB),
        (S.SAMPLE_MADE, "manager", NOTHING),
        (S.SHIPPED, "admin", EVERYTHING),
    ],
)
def test_editable_fields_of_a_sample(status, role, expected, users, shop):
    request = request_in(status, "sample", shop, users)
    assert editable_fields(users[role], request) == expected


def test_another_manager_edits_nothing(users, shop, make_user):
    request = make_request(shop, actor=users["manager"])
    other = make_user("manager", username="other")
    assert editable_fields(other, request) == NOTHING
    with pytest.raises(PermissionDenied):
        lab_request_update(actor=other, request=request, data={"volume": "1 т"})


def test_manager_cannot_change_wishes_once_sent(users, shop):
    request = request_in(S.SENT, "calculation", shop, users)
    with pytest.raises(PermissionDenied):
        lab_request_update(actor=users["manager"], request=request, data={"volume": "1 т"})
    request.refresh_from_db()
    assert request.volume == ""


def test_lab_cannot_write_its_answer_unless_in_work(users, shop):
    request = request_in(S.SENT, "calculation", shop, users)
    with pytest.raises(PermissionDenied):
        lab_request_save_result(
            actor=users["lab_technician"],
            request=request,
            components=COMPOSITION,
            cost_per_unit=Decimal("10"),
            price_suggestion=None,
        )
    assert not LabComponent.objects.filter(request=request).exists()


def test_admin_may_edit_a_closed_request(users, shop):
    request = request_in(S.CLOSED, "calculation", shop, users)
    lab_request_update(actor=users["admin"], request=request, data={"volume": "2 т"})
    request.refresh_from_db()
    assert request.volume == "2 т"


@pytest.mark.parametrize(
    "rows,message",
    [
        ([("Вода", "70"), ("ПАВ", "20")], "add up to 90"),
        ([("Вода", "70"), ("ПАВ", "40")], "add up to 110"),
        ([("Вода", "0"), ("ПАВ", "100")], "above 0"),
        ([("Вода", "-5"), ("ПАВ", "105")], "above 0"),
        ([("", "50"), ("ПАВ", "50")], "name the component"),
        ([("Вода", "50"), ("вода", "50")], "listed twice"),
        ([("Вода", "33.3333"), ("ПАВ", "66.6667")], "3 decimal places"),
    ],
)
def test_composition_is_validated(rows, message):
    with pytest.raises(ValidationError) as error:
        validate_composition([{"name": n, "percent": Decimal(p)} for n, p in rows], required=False)
    assert message in " ".join(error.value.message_dict["components"])


def test_composition_of_exactly_100_percent_is_accepted():
    rows = validate_composition(
        [
            {"name": "Вода", "percent": Decimal("33.333")},
            {"name": "ПАВ", "percent": Decimal("33.333")},
            {"name": "Соль", "percent": Decimal("33.334")},
            {"name": "", "percent": None},
        ],
        required=True,
    )
    assert [r["name"] for r in rows] == ["Вода", "ПАВ", "Соль"]
    with pytest.raises(ValidationError):
        validate_composition([], required=True)


def test_lab_saves_its_answer_in_work(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    lab_request_save_result(
        actor=users["lab_technician"],
        request=request,
        components=COMPOSITION,
        cost_per_unit=Decimal("99.90"),
        price_suggestion=Decimal("150.00"),
        lab_comment="ok",
    )
    request.refresh_from_db()
    assert request.cost_per_unit == Decimal("99.90")
    assert [c.percent for c in request.components.all()] == [
        Decimal("70"),
        Decimal("20"),
        Decimal("10"),
    ]


# --- Samples: shipping data ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "addresses,contacts,missing",
    [
        ([], [{"name": "Ирина", "phone": "+79110000001"}], "delivery address"),
        ([{"address": "Невский, 1"}], [], "contact person with a phone"),
        ([{"address": "Невский, 1"}], [{"name": "Ирина", "phone": ""}], "contact person"),
    ],
)
def test_sample_cannot_be_created_without_shipping_data(users, addresses, contacts, missing):
    client = make_lab_client(
        users["manager"].branch,
        users["manager"],
        shipping=False,
        addresses=addresses,
        contacts=contacts,
    )
    with pytest.raises(ValidationError) as error:
        lab_request_create(
            actor=users["manager"],
            client=client,
            kind="sample",
            data={
                "product": make_product(),
                "deadline": datetime.date.today() + datetime.timedelta(days=5),
                "ship_address": client.addresses.first(),
                "receiver": client.contacts.first(),
            },
        )
    assert missing in " ".join(error.value.messages)
    assert not LabRequest.objects.filter(client=client).exists()


def test_sample_refuses_another_clients_address(users, shop):
    other = make_lab_client(users["manager"].branch, users["manager"])
    with pytest.raises(ValidationError) as error:
        make_request(
            shop, actor=users["manager"], kind="sample", ship_address=other.addresses.first()
        )
    assert "ship_address" in error.value.message_dict


def test_sample_based_on_a_calculation_copies_its_data(users, shop):
    calc = request_in(S.CALCULATED, "calculation", shop, users)
    sample = lab_request_create(
        actor=users["manager"],
        client=shop,
        kind="sample",
        data={
            "deadline": datetime.date.today() + datetime.timedelta(days=9),
            "ship_address": shop.addresses.first(),
            "receiver": shop.contacts.first(),
        },
        based_on=calc,
    )
    assert sample.product == calc.product and sample.purpose == calc.purpose
    assert sample.based_on == calc
    assert [(c.name, c.percent) for c in sample.components.all()] == [
        (c.name, c.percent) for c in calc.components.all()
    ]


def test_sample_cannot_be_based_on_an_unfinished_calculation(users, shop):
    calc = request_in(S.IN_WORK, "calculation", shop, users)
    with pytest.raises(ValidationError):
        lab_request_create(
            actor=users["manager"],
            client=shop,
            kind="sample",
            data={
                "deadline": datetime.date.today() + datetime.timedelta(days=9),
                "ship_address": shop.addresses.first(),
                "receiver": shop.contacts.first(),
            },
            based_on=calc,
        )


def test_deadline_in_the_past_is_refused(users, shop):
    with pytest.raises(ValidationError) as error:
        make_request(shop, actor=users["manager"], deadline=datetime.date(2020, 1, 1))
    assert "deadline" in error.value.message_dict


# --- Planning -------------------------------------------------------------------------------------
def test_working_days_skip_weekends():
    friday = datetime.date(2026, 11, 20)
    assert add_working_days(friday, 1) == datetime.date(2026, 11, 23)
    assert add_working_days(friday, 5) == datetime.date(2026, 11, 27)


def test_earliest_date_grows_with_the_queue(users, shop):
    branch = shop.branch
    lab_norms_update(
        actor=users["admin"],
        branch=branch,
        calculation_days=2,
        sample_days=4,
        per_technician=Decimal("1"),
    )
    monday = datetime.date(2026, 11, 23)
    # one technician × 1 a day; empty queue: the norm decides
    first = estimate(branch, "calculation", today=monday)
    assert (first.queue, first.capacity, first.days) == (0, Decimal("1"), 2)
    assert first.earliest == datetime.date(2026, 11, 25)
    for _ in range(4):
        request_in(S.SENT, "calculation", shop, users)
    later = estimate(branch, "calculation", today=monday)
    assert (later.queue, later.days) == (4, 5)  # ceil((4 + 1) / 1)
    assert later.earliest == datetime.date(2026, 11, 30)
    assert estimate(branch, "sample", today=monday).days == 5


def test_norms_are_validated_and_only_for_their_roles(users, shop):
    with pytest.raises(PermissionDenied):
        lab_norms_update(
            actor=users["manager"],
            branch=shop.branch,
            calculation_days=1,
            sample_days=1,
            per_technician=Decimal("1"),
        )
    with pytest.raises(ValidationError):
        lab_norms_update(
            actor=users["director"],
            branch=shop.branch,
            calculation_days=0,
            sample_days=1,
            per_technician=Decimal("1"),
        )


def test_urgency_marks(users, shop):
    today = datetime.date(2026, 11, 23)
    request = LabRequest(
        status=S.IN_WORK, deadline=today + datetime.timedelta(days=10), planned_date=today
    )
    assert urgency(request, today) == URGENT
    request.planned_date = today + datetime.timedelta(days=5)
    assert urgency(request, today) == NORMAL
    request.deadline = today + datetime.timedelta(days=4)  # needs it before the lab can make it
    assert urgency(request, today) == URGENT
    request.planned_date = today - datetime.timedelta(days=1)
    assert urgency(request, today) == OVERDUE
    request.status = S.CALCULATED
    assert urgency(request, today) == NORMAL
