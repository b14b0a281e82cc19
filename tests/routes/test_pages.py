"""The routes pages through HTTP: fleet forms, planning, moving, publishing, route sheets and
who may see which route."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from crm.core.models import AuditEntry
from crm.orders.models import Order
from routes import sheets
from routes.models import RoutePlan, RouteStop, Vehicle
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]

DAY = datetime.date.today() + datetime.timedelta(days=2)


def _orders(branch, n, *, point=("59.94", "30.32"), date=DAY, **data):
    client = make_client(branch=branch, name="Иванов Пётр")
    return [make_stop_order(client, point=point, date=date, **data) for _ in range(n)]


# --- Fleet --------------------------------------------------------------------------------------
def _vehicle_data(depot, **over):
    data = {
        "plate": "Т777ТТ178",
        "name": "Газель",
        "depot": depot.pk,
        "capacity_kg": 1500,
        "capacity_containers": 100,
        "cost_per_km": "18.50",
        "cost_per_hour": "400",
        "fixed_cost": "0",
        "driver": "",
        "shift_start": "08:00",
        "shift_end": "20:00",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_dispatcher_adds_a_vehicle(client_for, branch):
    depot = make_depot(branch)
    response = client_for("dispatcher").post(reverse("routes:vehicle-create"), _vehicle_data(depot))
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(plate="Т777ТТ178")
    assert vehicle.branch == branch and str(vehicle.cost_per_km) == "18.50"
    assert AuditEntry.objects.filter(content_type__model="vehicle", object_id=vehicle.pk).exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"shift_end": "07:00"}, None),
        ({"capacity_kg": "0"}, None),
        ({"cost_per_km": "-1"}, "cost_per_km"),
        ({"plate": ""}, "plate"),
    ],
)
def test_bad_vehicle_input_rerenders_with_errors(client_for, branch, over, field):
    depot = make_depot(branch)
    response = client_for("dispatcher").post(
        reverse("routes:vehicle-create"), _vehicle_data(depot, **over)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors and (field is None or field in form.errors)
    assert not Vehicle.objects.exists()


def test_another_branchs_depot_cannot_be_chosen(client_for, branch, other_branch):
    foreign = make_depot(other_branch)
    response = client_for("dispatcher").post(
        reverse("routes:vehicle-create"), _vehicle_data(foreign)
    )
    assert response.status_code == 200 and "depot" in response.context["form"].errors


def test_vehicle_list_queries_do_not_grow(client_for, branch, users, django_assert_max_num_queries):
    depot = make_depot(branch)
    for _ in range(15):
        make_vehicle(branch, depot, driver=users["driver"])
    client = client_for("director")
    client.get(reverse("routes:vehicle-list"))  # warm the per-process caches (nav, perms)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("routes:vehicle-list"))
    assert response.status_code == 200 and "Газель 15" in response.content.decode()


# --- Planning -----------------------------------------------------------------------------------
def test_dispatcher_plans_a_day_and_sees_routes_map_and_unassigned(
    client_for, branch, fleet, django_capture_on_commit_callbacks
):
    _orders(branch, 4)
    lost = _orders(branch, 1, point=None)[0]
    client = client_for("dispatcher")
    data = {"date": DAY.isoformat(), "vehicles": [v.pk for v in fleet]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routes:plan"), data)
    plan = RoutePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "routes:plan-detail", args=[plan.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert fleet[0].plate in page and 'id="routes-map-data"' in page
    assert "routes-plan.js" in page and "<script>" not in page
    assert lost.number in page and "no point on the map" in page
    assert RouteStop.objects.filter(plan=plan).count() == 4


def test_plan_form_without_vehicles_shows_an_error(client_for, fleet):
    response = client_for("dispatcher").post(reverse("routes:plan"), {"date": DAY.isoformat()})
    assert response.status_code == 200 and "vehicles" in response.context["form"].errors
    assert not RoutePlan.objects.exists()


def test_plan_page_queries_are_bounded(client_for, branch, fleet, django_assert_max_num_queries):
    orders = _orders(branch, 20)
    plan = make_manual_plan(branch, fleet, [orders[:10], orders[10:]])
    client = client_for("dispatcher")
    url = reverse("routes:plan-detail", args=[plan.pk])
    client.get(url)  # warm the per-process caches (nav, perms)
    with django_assert_max_num_queries(14):  # measured 12, the same for 4 and 30 stops
        response = client.get(url)
    assert response.status_code == 200


def test_move_a_stop_through_the_page(client_for, branch, fleet):
    orders = _orders(branch, 3)
    plan = make_manual_plan(branch, fleet, [orders, []])
    route_a, route_b = plan.routes.order_by("position")
    stop = route_a.stops.get(position=1)
    response = client_for("dispatcher").post(
        reverse("routes:stop-move", args=[stop.pk]), {"route": route_b.pk}
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    route_b.refresh_from_db()
    assert stop.route_id == route_b.pk and stop.position == 0
    assert route_b.km > 0 and route_b.starts_at is not None
    assert list(route_a.stops.values_list("position", flat=True)) == [0, 1]


def test_publish_through_the_page(client_for, branch, fleet, users):
    orders = _orders(branch, 2)
    plan = make_manual_plan(branch, fleet, [orders, []])
    response = client_for("dispatcher").post(reverse("routes:plan-publish", args=[plan.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_published
    assert set(Order.objects.values_list("assignee", flat=True)) == {users["driver"].pk}


def test_another_branchs_plan_is_hidden(client_for, other_branch, make_user):
    depot = make_depot(other_branch)
    van = make_vehicle(other_branch, depot)
    plan = make_manual_plan(other_branch, [van], [_orders(other_branch, 1)])
    client = client_for("dispatcher")
    assert client.get(reverse("routes:plan-detail", args=[plan.pk])).status_code == 404
    route = plan.routes.get()
    assert client.get(reverse("routes:route-sheet-pdf", args=[route.pk])).status_code == 404
    stop = route.stops.get()
    assert client.post(reverse("routes:stop-lock", args=[stop.pk])).status_code == 404


# --- Drivers ------------------------------------------------------------------------------------
def test_a_driver_reads_only_his_published_route(client_for, branch, users, make_user):
    other_driver = make_user(Role.DRIVER, username="driver-b")
    depot = make_depot(branch)
    mine = make_vehicle(branch, depot, driver=users["driver"])
    theirs = make_vehicle(branch, depot, driver=other_driver)
    today = datetime.date.today()
    orders = _orders(branch, 2, date=today)
    plan = make_manual_plan(
        branch, [mine, theirs], [orders[:1], orders[1:]], status=RoutePlan.Status.PUBLISHED
    )
    my_route = plan.routes.get(vehicle=mine)
    their_route = plan.routes.get(vehicle=theirs)
    client = client_for("driver")
    assert client.get(reverse("routes:route-sheet-pdf", args=[my_route.pk])).status_code == 200
    assert client.get(reverse("routes:route-sheet-pdf", args=[their_route.pk])).status_code == 404
    assert client.get(reverse("routes:plan-detail", args=[plan.pk])).status_code == 403
    page = client.get(reverse("routes:my-route")).content.decode()
    assert mine.plate in page and theirs.plate not in page


def test_a_driver_cannot_read_a_draft_route(client_for, branch, users):
    depot = make_depot(branch)
    van = make_vehicle(branch, depot, driver=users["driver"])
    plan = make_manual_plan(branch, [van], [_orders(branch, 1)])
    route = plan.routes.get()
    assert (
        client_for("driver").get(reverse("routes:route-sheet-xlsx", args=[route.pk])).status_code
        == 404
    )


# --- Route sheets -------------------------------------------------------------------------------
def _text(document) -> str:
    """All text laid out by WeasyPrint (pypdf is not installed: read the layout boxes)."""
    parts = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if getattr(box, "text", None):
                parts.append(box.text)
    return " ".join(parts)


def test_route_sheet_of_65_stops_fits_three_pages_with_cyrillic(branch, fleet):
    orders = _orders(
        branch,
        65,
        window=(9, 18),
        driver_comment="Позвонить за 30 минут, домофон не работает",
    )
    plan = make_manual_plan(branch, fleet[:1], [orders])
    route = plan.routes.get()
    document = sheets.sheet_document(route)
    text = _text(document)
    assert 1 <= len(document.pages) <= 3
    assert "Иванов Пётр" in text and "Позвонить за 30 минут" in text
    assert "Невский пр., 10" in text and "Signature" in text
    assert sheets.sheet_pdf(route).startswith(b"%PDF")


def test_route_sheet_xlsx_opens_with_the_stops(client_for, branch, fleet):
    from openpyxl import load_workbook

    orders = _orders(branch, 3)
    plan = make_manual_plan(branch, fleet[:1], [orders])
    route = plan.routes.get()
    response = client_for("dispatcher").get(reverse("routes:route-sheet-xlsx", args=[route.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][4] == "Иванов Пётр" and rows[0][3] == orders[0].number


def test_a_running_plan_shows_the_progress_bar_and_is_not_editable(client_for, branch, fleet):
    _orders(branch, 2)
    client = client_for("dispatcher")
    data = {"date": DAY.isoformat(), "vehicles": [v.pk for v in fleet]}
    response = client.post(reverse("routes:plan"), data, follow=True)  # the job is not run
    page = response.content.decode()
    assert 'class="job-progress"' in page and "Publish to drivers" not in page
    plan = RoutePlan.objects.get()
    again = client.post(reverse("routes:plan-reoptimise", args=[plan.pk]), follow=True)
    assert "still working" in again.content.decode()


def test_reoptimise_through_the_page(client_for, branch, fleet, django_capture_on_commit_callbacks):
    orders = _orders(branch, 3)
    plan = make_manual_plan(branch, fleet, [orders, []])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("dispatcher").post(reverse("routes:plan-reoptimise", args=[plan.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.job.status == "done" and plan.stats["orders"] == 3
    assert RouteStop.objects.filter(plan=plan).count() == 3


def test_all_route_sheets_of_a_day_in_one_pdf(client_for, branch, fleet):
    orders = _orders(branch, 4)
    plan = make_manual_plan(branch, fleet, [orders[:2], orders[2:]])
    routes = list(plan.routes.order_by("position"))
    document = sheets.sheet_document(routes)
    assert len(document.pages) == 2  # one sheet per route, each on its own page
    assert fleet[1].plate in _text(document)
    response = client_for("director").get(reverse("routes:plan-sheets-pdf", args=[plan.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_route_sheet_marks_the_bonus_gift_for_the_driver(client_for, branch, fleet):
    from openpyxl import load_workbook

    orders = _orders(branch, 1)
    orders[0].items.create(name="Стаканы", quantity=2, unit_price=0, is_gift=True, position=9)
    route = make_manual_plan(branch, fleet[:1], [orders]).routes.get()
    response = client_for("dispatcher").get(reverse("routes:route-sheet-xlsx", args=[route.pk]))
    cells = next(
        load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=3, values_only=True)
    )
    assert any(isinstance(c, str) and "[gift] Стаканы × 2" in c for c in cells)


def test_the_planning_form_passes_the_standing_routes_mode(client_for, branch, fleet):
    _orders(branch, 2)
    data = {"date": DAY.isoformat(), "vehicles": [v.pk for v in fleet], "standing_mode": "vans"}
    response = client_for("dispatcher").post(reverse("routes:plan"), data)
    assert response.status_code == 302
    assert RoutePlan.objects.get().standing_mode == "vans"
    data["standing_mode"] = "sideways"
    page = client_for("dispatcher").post(reverse("routes:plan"), data).content.decode()
    assert "errorlist" in page or "form-errors" in page
