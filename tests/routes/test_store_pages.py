"""The storekeeper's pages through HTTP: the day page and its van forms (htmx and plain POST,
errors re-rendered), the daily report and its .xlsx, the loading list and its PDF, client
balance corrections, the client card's tab, who is refused and bounded query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse

from routes.models import ContainerKind, ContainerMove, RoutePlan
from routes.services import containers
from tests.clients.factories import make_client
from tests.routes.container_factories import make_returnable, make_van, make_van_day, stop_counts
from tests.routes.factories import make_manual_plan, make_stop_order

pytestmark = pytest.mark.django_db

K = ContainerKind
TODAY = datetime.date.today()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bottle():
    return make_returnable("Бутыль 19 л")


@pytest.fixture
def van(branch, users):
    return make_van(branch, driver=users["driver"])


@pytest.fixture
def shop(branch, users):
    return make_client(branch=branch, name="Магазин «Ромашка»", manager=users["manager"])


@pytest.fixture
def van_day(branch, users, van, shop, bottle):
    """A published route of two stops; the van loaded 10, the driver delivered 7, collected 4."""
    route = make_van_day(branch, van, shop, [[(bottle, 5)], [(bottle, 2)]], date=TODAY)
    first, second = route.stops.order_by("position")
    containers.van_load_record(
        actor=users["storekeeper"], vehicle=van, date=TODAY, loaded={bottle.pk: 10}
    )
    stop_counts(first, users["driver"], **{f"p{bottle.pk}": (5, 3, 0, 0)})
    stop_counts(second, users["driver"], **{f"p{bottle.pk}": (2, 1, 0, 0)})
    return route


def _day(date=TODAY):
    return f"{reverse('routes:store-day')}?date={date.isoformat()}"


# --- The day page -------------------------------------------------------------------------------
def test_storekeeper_sees_the_vans_forms_and_balance(client_for, van_day, van, bottle):
    response = client_for("storekeeper").get(_day())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="van-{van.pk}"' in html
    assert f'name="v{van.pk}-loaded_{bottle.pk}"' in html
    assert f'name="v{van.pk}-ret_full_{bottle.pk}"' in html
    assert 'value="10"' in html  # the morning load as recorded
    assert "store-bad" in html and 'data-flagged="1"' in html  # nothing back yet: 3 full, 4 empty


def test_storekeeper_lands_on_the_day_page(client_for):
    response = client_for("storekeeper").get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("routes:store-day"))


def test_accountant_reads_without_forms(client_for, van_day, van):
    response = client_for("accountant").get(_day())
    assert response.status_code == 200
    assert f"v{van.pk}-loaded_" not in response.content.decode()
    assert (
        client_for("accountant").post(reverse("routes:store-van-load", args=[van.pk])).status_code
        == 403
    )


def test_evening_return_through_htmx_clears_the_flag(client_for, van_day, van, bottle):
    data = {
        f"v{van.pk}-date": TODAY.isoformat(),
        f"v{van.pk}-ret_full_{bottle.pk}": "3",
        f"v{van.pk}-ret_empty_{bottle.pk}": "4",
        f"v{van.pk}-ret_damaged_{bottle.pk}": "",
    }
    response = client_for("storekeeper").post(
        reverse("routes:store-van-return", args=[van.pk]), data, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and f'id="van-{van.pk}"' in html
    assert "store-bad" not in html and 'data-flagged="1"' not in html
    assert "store-saved" in html
    row = containers.van_day_balances(branch=van.branch, date=TODAY, vehicles=[van])[0].rows[0]
    assert (row.returned_full, row.returned_empty, row.flagged) == (3, 4, False)


def test_morning_load_plain_post_redirects_and_replaces(client_for, van, bottle):
    client = client_for("storekeeper")
    url = reverse("routes:store-van-load", args=[van.pk])
    for quantity in ("12", "15"):
        response = client.post(
            url, {f"v{van.pk}-date": TODAY.isoformat(), f"v{van.pk}-loaded_{bottle.pk}": quantity}
        )
        assert response.status_code == 302 and response["Location"] == _day()
    assert list(ContainerMove.objects.values_list("kind", "quantity")) == [(K.LOADED, 15)]


@pytest.mark.parametrize("htmx", [True, False])
def test_bad_counts_rerender_with_errors(client_for, van, bottle, htmx):
    data = {f"v{van.pk}-date": TODAY.isoformat(), f"v{van.pk}-loaded_{bottle.pk}": "-4"}
    extra = HTMX if htmx else {}
    response = client_for("storekeeper").post(
        reverse("routes:store-van-load", args=[van.pk]), data, **extra
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert 'value="-4"' in response.content.decode()
    assert not ContainerMove.objects.exists()


def test_a_service_error_lands_on_the_form(client_for, van, bottle):
    far = TODAY + datetime.timedelta(days=9)
    data = {f"v{van.pk}-date": far.isoformat(), f"v{van.pk}-loaded_{bottle.pk}": "4"}
    response = client_for("dispatcher").post(
        reverse("routes:store-van-load", args=[van.pk]), data, **HTMX
    )
    assert response.status_code == 200
    assert "that far ahead" in response.content.decode()
    assert not ContainerMove.objects.exists()


@pytest.mark.parametrize("role", ["driver", "manager", "operator", "lab_technician"])
def test_other_roles_are_refused(client_for, van, role):
    client = client_for(role)
    assert client.get(_day()).status_code == 403
    assert client.get(reverse("routes:store-report")).status_code == 403
    assert client.post(reverse("routes:store-van-load", args=[van.pk])).status_code == 403


def test_another_branchs_van_and_client_are_hidden(client_for, other_branch, bottle):
    foreign_van = make_van(other_branch)
    foreign_client = make_client(branch=other_branch, name="Чужой")
    client = client_for("storekeeper")
    data = {f"v{foreign_van.pk}-date": TODAY.isoformat()}
    assert (
        client.post(reverse("routes:store-van-load", args=[foreign_van.pk]), data).status_code
        == 404
    )
    assert (
        client.post(reverse("routes:store-van-return", args=[foreign_van.pk]), data).status_code
        == 404
    )
    assert (
        client.get(reverse("routes:store-loading-list", args=[foreign_van.pk])).status_code == 404
    )
    assert client.get(reverse("routes:store-loading-pdf", args=[foreign_van.pk])).status_code == 404
    assert (
        client.get(reverse("routes:store-client-adjust", args=[foreign_client.pk])).status_code
        == 404
    )
    assert f'id="van-{foreign_van.pk}"' not in client.get(_day()).content.decode()


def test_day_page_queries_are_bounded(
    client_for, branch, users, shop, bottle, django_assert_max_num_queries
):
    client = client_for("storekeeper")
    client.get(reverse("routes:store-clients"))  # the session is warm
    vans = [make_van(branch, driver=users["driver"]) for _n in range(4)]
    orders = [
        [
            make_stop_order(shop, point=("59.94", "30.32"), date=TODAY, product=bottle)
            for _stop in range(n + 1)
        ]
        for n in range(4)
    ]
    make_manual_plan(branch, vans, orders, status=RoutePlan.Status.PUBLISHED)
    for van in vans:
        containers.van_load_record(
            actor=users["storekeeper"], vehicle=van, date=TODAY, loaded={bottle.pk: 5}
        )
    make_returnable("Коврик")
    with django_assert_max_num_queries(12):  # measured 11, the same for 1 van or 4
        response = client.get(_day())
    assert response.content.decode().count('class="card store-van') == 4


# --- The report ---------------------------------------------------------------------------------
def test_report_shows_van_driver_product_and_totals(client_for, van_day, van, users):
    response = client_for("accountant").get(
        reverse("routes:store-report"), {"date": TODAY.isoformat()}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert van.plate in html and users["driver"].get_full_name() in html
    assert "store-totals" in html and "<tfoot>" in html


def test_report_filters_by_van(client_for, van_day, van, branch):
    other = make_van(branch)
    response = client_for("accountant").get(
        reverse("routes:store-report"), {"date": TODAY.isoformat(), "vehicle": other.pk}
    )
    assert van.plate not in response.content.decode().split('id="store-report"')[1]


def test_report_xlsx_opens_with_a_totals_row(client_for, van_day, van, bottle, branch, users):
    second = make_van(branch)
    containers.van_load_record(
        actor=users["storekeeper"],
        vehicle=second,
        date=TODAY,
        loaded={bottle.pk: 6},
    )
    from openpyxl import load_workbook

    response = client_for("accountant").get(
        reverse("routes:store-report-xlsx"), {"date": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("Vehicle", "Driver", "Product", "Loaded")
    assert {rows[2][0], rows[3][0]} == {van.plate, second.plate}
    total = rows[-1]
    assert total[0] == "Total"
    assert total[3:8] == (16, 7, 4, 0, 0)  # loaded, delivered, collected, damaged, missing
    assert sheet.freeze_panes == "D3"
    assert sheet.cell(3, 4).number_format == "#,##0"


# --- The loading list ---------------------------------------------------------------------------
def test_loading_list_page_and_pdf(client_for, van_day, van, shop, bottle):
    client = client_for("storekeeper")
    query = {"date": TODAY.isoformat()}
    response = client.get(reverse("routes:store-loading-list", args=[van.pk]), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('data-stop="2"') < html.index('data-stop="1"')
    assert "Магазин «Ромашка»" in html or "Магазин &laquo;Ромашка&raquo;" in html
    pdf = client.get(reverse("routes:store-loading-pdf", args=[van.pk]), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_loading_pdf_of_40_stops_lays_out_cyrillic(branch, van, shop, bottle):
    from routes import sheets_store

    make_van_day(branch, van, shop, [[(bottle, 2)]] * 40, date=TODAY)
    document = sheets_store.loading_document(containers.loading_list(vehicle=van, date=TODAY))
    text = " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if getattr(box, "text", None)
    )
    assert len(document.pages) <= 3
    assert "Ромашка" in text and "Бутыль 19 л" in text and "80" in text


def test_loading_list_without_a_published_route(client_for, van):
    response = client_for("storekeeper").get(reverse("routes:store-loading-list", args=[van.pk]))
    assert "No published route" in response.content.decode()


# --- Client balances ----------------------------------------------------------------------------
def test_adjustment_form_errors_and_success(client_for, shop, bottle):
    client = client_for("storekeeper")
    url = reverse("routes:store-client-adjust", args=[shop.pk])
    response = client.post(url, {"product": bottle.pk, "quantity": "5", "note": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {"product": bottle.pk, "quantity": "-5", "note": "Списание"})
    assert response.status_code == 200 and "below zero" in response.content.decode()
    response = client.post(url, {"product": bottle.pk, "quantity": "5", "note": "Остаток"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.containers_held == 5
    listing = client.get(reverse("routes:store-clients")).content.decode()
    assert f'data-client="{shop.pk}"' in listing
    found = client.get(reverse("routes:store-clients"), {"q": "ромашка"}).content.decode()
    assert f'data-client="{shop.pk}"' in found


def test_card_tab_shows_the_count_to_managers_and_the_ledger_to_readers(
    client_for, van_day, shop, bottle
):
    url = reverse("clients:client-tab", args=[shop.pk, "containers"])

    def tab(role: str) -> str:
        response = client_for(role).get(url, **HTMX)
        assert response.status_code == 200
        return response.content.decode()

    manager = tab("manager")
    assert 'id="containers-tab"' in manager and "<strong>3</strong>" in manager
    assert "store-moves" not in manager and "store-client-adjust" not in manager
    director = tab("director")
    assert "store-moves" in director and "Correct the balance" not in director
    dispatcher = tab("dispatcher")
    assert reverse("routes:store-client-adjust", args=[shop.pk]) in dispatcher


def test_report_queries_are_bounded(
    client_for, branch, users, shop, bottle, django_assert_max_num_queries
):
    for _n in range(5):
        van = make_van(branch, driver=users["driver"])
        containers.van_load_record(
            actor=users["storekeeper"], vehicle=van, date=TODAY, loaded={bottle.pk: 5}
        )
    client = client_for("accountant")
    client.get(reverse("routes:store-clients"))  # the session is warm
    with django_assert_max_num_queries(11):  # measured 10, the same for 1 van or 5
        response = client.get(reverse("routes:store-report"), {"date": TODAY.isoformat()})
    assert response.content.decode().count(f'data-product="{bottle.pk}"') == 5
