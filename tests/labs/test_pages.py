"""The lab pages through HTTP: create from the card (and the blocked sample), the card for each
side, moves with and without htmx, the lab's answer form, shipping a sample on a route, the
client card tab, the offers copied into an order and a proposal, visibility and list queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.orders.models import Order, OrderStatus
from crm.orders.services import order_transition
from labs.models import LabRequest, RequestStatus
from tests.labs.factories import make_lab_client, make_request
from tests.labs.states import request_in
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db
S = RequestStatus
HX = {"HX-Request": "true"}


def _login(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _detail(request) -> str:
    return reverse("labs:request-detail", args=[request.pk])


def test_manager_creates_and_sends_a_calculation_from_the_card(users, shop):
    product = make_product(name="Гель для стирки 5 л")
    http = _login(users["manager"])
    url = f"{reverse('labs:request-create')}?client={shop.pk}&kind=calculation"
    page = http.get(url)
    assert page.status_code == 200
    assert "Earliest realistic completion" in page.content.decode()
    deadline = datetime.date.today() + datetime.timedelta(days=20)
    response = http.post(
        url,
        {
            "product": product.pk,
            "purpose": "Прачечная",
            "volume": "200 канистр",
            "packaging": "5 л",
            "target_price": "350.00",
            "competitor_reference": "Synergetic",
            "wishes": "Без фосфатов",
            "deadline": deadline.isoformat(),
            "send": "1",
        },
    )
    request = LabRequest.objects.get(client=shop)
    assert response.status_code == 302 and response["Location"] == _detail(request)
    assert request.status == S.SENT and request.target_price == Decimal("350.00")
    assert request.manager == users["manager"] and request.planned_date is not None


def test_create_form_rerenders_with_errors(users, shop):
    http = _login(users["manager"])
    url = f"{reverse('labs:request-create')}?client={shop.pk}&kind=calculation"
    response = http.post(url, {"deadline": "2020-01-01", "target_price": "-1"})
    assert response.status_code == 400
    assert not LabRequest.objects.exists()


def test_sample_form_is_blocked_and_says_what_is_missing(users):
    client = make_lab_client(users["manager"].branch, users["manager"], shipping=False)
    http = _login(users["manager"])
    url = f"{reverse('labs:request-create')}?client={client.pk}&kind=sample"
    page = http.get(url).content.decode()
    edit = reverse("clients:client-edit", args=[client.pk])
    assert 'data-missing="address"' in page and f"{edit}#addresses-formset" in page
    assert 'data-missing="receiver"' in page and f"{edit}#contacts-formset" in page
    assert 'id="lab-request-form"' not in page
    http.post(url, {"product": make_product().pk, "deadline": "2030-01-01", "send": "1"})
    assert not LabRequest.objects.exists()
    tab = http.get(
        reverse("clients:client-tab", args=[client.pk, "labs"]), headers=HX
    ).content.decode()
    assert "lab-new-sample-blocked" in tab and "data-missing" in tab


def test_another_managers_requests_are_404(users, shop, make_user):
    request = request_in(S.SAMPLE_MADE, "sample", shop, users)
    other = _login(make_user("manager", username="other_manager"))
    for name in ("request-detail", "request-edit", "request-result", "request-ship"):
        assert other.get(reverse(f"labs:{name}", args=[request.pk])).status_code == 404
    response = other.post(
        reverse("labs:request-move", args=[request.pk]), {"target": "in_work", "reason": "x"}
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == S.SAMPLE_MADE
    create = f"{reverse('labs:request-create')}?client={shop.pk}&kind=calculation"
    assert other.get(create).status_code == 404
    assert request.number not in other.get(reverse("labs:request-list")).content.decode()


def test_return_for_rework_needs_a_reason_over_http(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    lab = _login(users["lab_technician"])
    url = reverse("labs:request-move", args=[request.pk])
    response = lab.post(url, {"target": "returned", "reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    response = lab.post(url, {"target": "returned", "reason": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.IN_WORK
    response = lab.post(
        url, {"target": "returned", "reason": "Нет объёма партии"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'id="lab-request"' in response.content.decode()
    page = _login(users["manager"]).get(_detail(request)).content.decode()
    assert "Нет объёма партии" in page and 'id="lab-edit"' in page


def test_a_role_may_not_make_the_other_sides_move(users, shop):
    request = request_in(S.SENT, "calculation", shop, users)
    manager = _login(users["manager"])
    response = manager.post(reverse("labs:request-move", args=[request.pk]), {"target": "in_work"})
    assert response.status_code == 403
    page = manager.get(_detail(request)).content.decode()
    assert 'data-move="in_work"' not in page
    lab_page = _login(users["lab_technician"]).get(_detail(request)).content.decode()
    assert 'data-move="in_work"' in lab_page and 'data-move-open="returned"' in lab_page


def test_lab_answer_form(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    lab = _login(users["lab_technician"])
    url = reverse("labs:request-result", args=[request.pk])
    assert lab.get(url).status_code == 200
    data = {
        "components-TOTAL_FORMS": "3",
        "components-INITIAL_FORMS": "0",
        "components-0-name": "Вода",
        "components-0-percent": "70",
        "components-1-name": "ПАВ",
        "components-1-percent": "25",
        "cost_per_unit": "120.50",
        "price_suggestion": "190.00",
        "lab_comment": "pH 7",
        "complete": "calculated",
    }
    response = lab.post(url, data)
    assert response.status_code == 400
    assert "add up to 95" in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.IN_WORK and request.cost_per_unit is None
    data["components-2-name"] = "Отдушка"
    data["components-2-percent"] = "5"
    response = lab.post(url, data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.CALCULATED and request.cost_per_unit == Decimal("120.50")
    assert request.components.count() == 3
    # the manager cannot open the lab's form
    response = _login(users["manager"]).get(url)
    assert response.status_code == 302 and response["Location"] == _detail(request)


def test_offers_copy_product_composition_and_price(users, shop):
    request = request_in(S.CALCULATED, "calculation", shop, users)
    manager = _login(users["manager"])
    page = manager.get(_detail(request)).content.decode()
    assert 'id="lab-offer-order"' in page and 'id="lab-offer-proposal"' in page
    tab = manager.get(reverse("clients:client-tab", args=[shop.pk, "labs"]), headers=HX)
    tab = tab.content.decode()
    assert f'data-offer="{request.pk}"' in tab
    query = f"product={request.product_id}&price=260.00&note=Состав%3A+Вода+70%25"
    order_form = manager.get(f"{reverse('orders:order-create')}?client={shop.pk}&{query}")
    body = order_form.content.decode()
    assert order_form.status_code == 200
    assert 'value="260.00"' in body and "Состав: Вода 70%" in body
    assert f'<option value="{request.product_id}" selected' in body
    proposal = manager.get(
        f"{reverse('billing:document-create', args=[shop.pk])}?kind=proposal&{query}"
    )
    body = proposal.content.decode()
    assert proposal.status_code == 200 and 'value="260.00"' in body
    assert "Состав: Вода 70%" in body


def test_sample_ships_on_a_route_and_arrives(users, shop, django_capture_on_commit_callbacks):
    request = request_in(S.SAMPLE_MADE, "sample", shop, users)
    manager = _login(users["manager"])
    url = reverse("labs:request-ship", args=[request.pk])
    assert manager.post(url, {"method": "post"}).status_code == 400
    date = datetime.date.today() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"method": "route", "date": date.isoformat()})
    assert response.status_code == 302
    request.refresh_from_db()
    order = request.delivery_order
    assert request.status == S.SHIPPED and order is not None and order.date == date
    stop = order.stops.get()
    assert stop.address == shop.addresses.first().address
    assert stop.receiver_name == "Ирина Петрова" and stop.receiver_phone == "+79110001122"
    assert order.items.get().unit_price == Decimal("0")
    with django_capture_on_commit_callbacks(execute=True):
        for target in (OrderStatus.CONFIRMED, OrderStatus.IN_WORK, OrderStatus.COMPLETED):
            order = order_transition(actor=users["admin"], order=order, target=target)
    request.refresh_from_db()
    assert request.status == S.RECEIVED
    assert Order.objects.filter(client=shop).count() == 1


def test_sample_sent_by_post_needs_a_tracking_number(users, shop):
    request = request_in(S.SAMPLE_MADE, "sample", shop, users)
    manager = _login(users["manager"])
    url = reverse("labs:request-ship", args=[request.pk])
    assert manager.post(url, {"method": "post", "tracking_number": " "}).status_code == 400
    assert manager.post(url, {"method": "post", "tracking_number": "RA1RU"}).status_code == 302
    request.refresh_from_db()
    assert request.status == S.SHIPPED and request.tracking_number == "RA1RU"


def test_order_a_sample_from_a_calculation(users, shop):
    calc = request_in(S.CALCULATED, "calculation", shop, users)
    manager = _login(users["manager"])
    url = f"{reverse('labs:request-create')}?client={shop.pk}&from={calc.pk}"
    page = manager.get(url).content.decode()
    assert calc.purpose in page
    deadline = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    response = manager.post(
        url,
        {
            "product": calc.product_id,
            "deadline": deadline,
            "sample_quantity": "2 канистры",
            "ship_address": shop.addresses.first().pk,
            "receiver": shop.contacts.first().pk,
            "send": "1",
        },
    )
    assert response.status_code == 302
    sample = LabRequest.objects.get(kind="sample")
    assert sample.based_on == calc and sample.status == S.SENT
    assert sample.components.count() == calc.components.count()


def test_list_filters_and_queries(users, shop, django_assert_max_num_queries):
    for status in (S.DRAFT, S.SENT, S.IN_WORK, S.CALCULATED):
        request_in(status, "calculation", shop, users)
    request_in(S.SAMPLE_MADE, "sample", shop, users)
    http = _login(users["director"])
    url = reverse("labs:request-list")
    with CaptureQueriesContext(connection) as few:
        page = http.get(url)
    assert page.content.decode().count("data-request=") == 5
    for _ in range(10):
        make_request(shop, actor=users["manager"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = http.get(url)
    assert page.content.decode().count("data-request=") == 15
    body = http.get(url, {"kind": "sample"}).content.decode()
    assert body.count("data-request=") == 1
    body = http.get(url, {"status": "in_work"}, headers={"HX-Request": "true"}).content.decode()
    assert body.count("data-request=") == 1 and "<html" not in body
    late = LabRequest.objects.get(status=S.IN_WORK)
    LabRequest.objects.filter(pk=late.pk).update(planned_date=datetime.date(2020, 1, 1))
    body = http.get(url, {"overdue": "on"}).content.decode()
    assert body.count("data-request=") == 1 and f'data-request="{late.pk}"' in body


def test_cabinet_orders_by_urgency_then_creation(users, shop, django_assert_max_num_queries):
    today = datetime.date.today()
    normal_old = request_in(S.SENT, "calculation", shop, users)
    normal_new = request_in(S.SENT, "calculation", shop, users)
    urgent = request_in(S.IN_WORK, "calculation", shop, users)
    overdue = request_in(S.SENT, "sample", shop, users)
    draft = make_request(shop, actor=users["manager"])
    far = today + datetime.timedelta(days=30)
    LabRequest.objects.filter(pk__in=[normal_old.pk, normal_new.pk]).update(
        deadline=far, planned_date=far
    )
    LabRequest.objects.filter(pk=urgent.pk).update(
        deadline=far, planned_date=today + datetime.timedelta(days=1)
    )
    LabRequest.objects.filter(pk=overdue.pk).update(
        deadline=far, planned_date=today - datetime.timedelta(days=1)
    )
    http = _login(users["lab_technician"])
    with django_assert_max_num_queries(12):
        body = http.get(reverse("labs:cabinet")).content.decode()
    order = [overdue.pk, urgent.pk, normal_old.pk, normal_new.pk]
    positions = [body.index(f'data-request="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert f'data-request="{draft.pk}"' not in body
    assert 'data-urgency="overdue"' in body and 'data-urgency="urgent"' in body
    everything = http.get(reverse("labs:cabinet"), {"show": "all"}).content.decode()
    assert f'data-request="{draft.pk}"' in everything


def test_client_tab_shows_status_and_urgency(users, shop):
    request = request_in(S.SENT, "calculation", shop, users)
    LabRequest.objects.filter(pk=request.pk).update(planned_date=datetime.date(2020, 1, 1))
    tab = _login(users["manager"]).get(
        reverse("clients:client-tab", args=[shop.pk, "labs"]), headers=HX
    )
    body = tab.content.decode()
    assert f'data-request="{request.pk}"' in body
    assert 'data-status="sent"' in body and 'data-urgency="overdue"' in body


def test_control_and_norms_pages(users, shop):
    request_in(S.CALCULATED, "calculation", shop, users)
    late = request_in(S.IN_WORK, "calculation", shop, users)
    LabRequest.objects.filter(pk=late.pk).update(planned_date=datetime.date(2020, 1, 1))
    director = _login(users["director"])
    body = director.get(reverse("labs:control")).content.decode()
    assert 'id="lab-age-data"' in body and users["lab_technician"].first_name in body
    url = reverse("labs:norms")
    assert director.get(url).status_code == 200
    bad = director.post(
        url, {"calculation_days": "0", "sample_days": "5", "per_technician_per_day": "2"}
    )
    assert bad.status_code == 400
    ok = director.post(
        url, {"calculation_days": "4", "sample_days": "6", "per_technician_per_day": "3"}
    )
    assert ok.status_code == 302
    assert shop.branch.lab_norms.calculation_days == 4


def test_request_from_a_lead_card(users, shop):
    from crm.leads.models import Lead
    from tests.leads.factories import make_lead, make_pipeline

    manager = users["manager"]
    lead = make_lead(manager, make_pipeline(shop.branch), name="Заявка с сайта")
    Lead.objects.filter(pk=lead.pk).update(client=shop)
    http = _login(manager)
    page = http.get(f"{reverse('labs:request-create')}?lead={lead.pk}&kind=calculation")
    assert page.status_code == 200 and shop.name in page.content.decode()
    Lead.objects.filter(pk=lead.pk).update(client=None)
    response = http.get(f"{reverse('labs:request-create')}?lead={lead.pk}")
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead-detail", args=[lead.pk])


def test_shipping_is_not_a_plain_status_button(users, shop):
    request = request_in(S.SAMPLE_MADE, "sample", shop, users)
    response = _login(users["manager"]).post(
        reverse("labs:request-move", args=[request.pk]), {"target": "shipped"}
    )
    assert response["Location"] == reverse("labs:request-ship", args=[request.pk])
    request.refresh_from_db()
    assert request.status == S.SAMPLE_MADE


def test_order_and_proposal_forms_ignore_unreadable_query_values(users, shop):
    manager = _login(users["manager"])
    query = "product=abc&price=-5&note="
    order_form = manager.get(f"{reverse('orders:order-create')}?client={shop.pk}&{query}")
    assert order_form.status_code == 200
    product = make_product(name="Антижир 1 л", price=Decimal("310.00"))
    proposal = manager.get(
        f"{reverse('billing:document-create', args=[shop.pk])}"
        f"?kind=proposal&product={product.pk}&price=NaN"
    )
    assert proposal.status_code == 200 and 'value="310.00"' in proposal.content.decode()
    order_form = manager.get(
        f"{reverse('orders:order-create')}?client={shop.pk}&product={product.pk}&price=-1"
    )
    body = order_form.content.decode()
    assert order_form.status_code == 200 and f'<option value="{product.pk}" selected' in body


def test_save_and_complete_is_all_or_nothing(users, shop):
    request = request_in(S.IN_WORK, "calculation", shop, users)
    response = _login(users["lab_technician"]).post(
        reverse("labs:request-result", args=[request.pk]),
        {
            "components-TOTAL_FORMS": "1",
            "components-INITIAL_FORMS": "0",
            "components-0-name": "Вода",
            "components-0-percent": "100",
            "lab_comment": "без цены",
            "complete": "calculated",
        },
    )
    assert response.status_code == 400 and "cost per unit" in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.IN_WORK and request.lab_comment == ""
    assert not request.components.exists()


def test_files_on_a_request_follow_its_visibility(users, shop, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.core.models import Attachment

    request = request_in(S.IN_WORK, "calculation", shop, users)
    url = reverse("core:attachments", args=["labs.labrequest", request.pk])
    upload = SimpleUploadedFile("рецептура.pdf", b"%PDF-1.4 test", "application/pdf")
    response = _login(users["lab_technician"]).post(url, {"file": upload})
    assert response.status_code in (200, 302)
    assert Attachment.objects.filter(object_id=request.pk).count() == 1
    other = _login(make_user("manager", username="other_files"))
    assert other.get(url).status_code == 404
    page = _login(users["manager"]).get(_detail(request)).content.decode()
    assert "рецептура.pdf" in page


@pytest.mark.parametrize("price", ["1e30", "Infinity", "1e-30"])
def test_extreme_prices_in_the_query_do_not_break_the_forms(users, shop, price):
    manager = _login(users["manager"])
    product = make_product(price=Decimal("310.00"))
    query = f"product={product.pk}&price={price}"
    order_form = manager.get(f"{reverse('orders:order-create')}?client={shop.pk}&{query}")
    proposal = manager.get(
        f"{reverse('billing:document-create', args=[shop.pk])}?kind=proposal&{query}"
    )
    assert order_form.status_code == 200 and proposal.status_code == 200
