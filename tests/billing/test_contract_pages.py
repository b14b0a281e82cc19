"""Contract pages through HTTP: create from a type's clauses with tariff lines, the list with its
filters and a constant query count, the card tab, hand-editing and re-assembling, agreements,
the PDF, the directories, and a manager never seeing another manager's client's contracts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import ClauseTemplate, Contract
from tests.billing.contract_factories import make_contract, make_contract_type
from tests.billing.core_factories import make_billing_client, make_organisation

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def own(branch, users):
    return make_billing_client(branch, manager=users["manager"], name="Свой клиент")


@pytest.fixture
def foreign(branch, make_user):
    colleague = make_user("manager", username="colleague")
    return make_billing_client(branch, manager=colleague, name="Чужой клиент")


def test_a_manager_creates_a_contract_from_a_type(own, branch, client_for):
    contract_type = make_contract_type()
    org = make_organisation(branch)
    unwanted = ClauseTemplate.objects.get(number="9")
    http = client_for("manager")
    url = reverse("billing:contract-create", args=[own.pk]) + f"?type={contract_type.pk}"
    page = http.get(url).content.decode()
    assert "Предмет договора" in page and "Срок действия" in page
    keep = ClauseTemplate.objects.exclude(pk=unwanted.pk).values_list("pk", flat=True)
    data = {
        "organisation": org.pk,
        "contract_type": contract_type.pk,
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=364)).isoformat(),
        "billing_period": "monthly",
        "payment_days": "10",
        "credit_limit": "1000",
        "clauses": list(keep),
        **_management("tariffs", 1),
        "tariffs-0-name": "Аренда ковра",
        "tariffs-0-unit": "mat",
        "tariffs-0-quantity": "4",
        "tariffs-0-price": "450",
        "tariffs-0-vat_rate": "20",
    }
    response = http.post(url, data)
    contract = Contract.objects.get(client=own)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:contract-detail", args=[contract.pk])
    assert contract.number.startswith("ДОГ-") and contract.status == "draft"
    assert "Срок действия" not in contract.text and "Аренда ковра — 4" in contract.text
    detail = http.get(response["Location"]).content.decode()
    assert contract.number in detail and "Аренда ковра" in detail
    http.post(reverse("billing:contract-activate", args=[contract.pk]))
    contract.refresh_from_db()
    own.refresh_from_db()
    assert contract.status == "active" and own.contract_state == "valid"


def test_text_edit_and_reassemble_asks_for_confirmation(own, client_for):
    contract = make_contract(own)
    http = client_for("manager")
    http.post(reverse("billing:contract-text", args=[contract.pk]), {"text": "Свой текст"})
    contract.refresh_from_db()
    assert contract.text_edited and contract.text == "Свой текст"
    http.post(reverse("billing:contract-reassemble", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.text == "Свой текст"  # not confirmed: kept
    http.post(reverse("billing:contract-reassemble", args=[contract.pk]), {"confirm": "on"})
    contract.refresh_from_db()
    assert not contract.text_edited and "Предмет договора" in contract.text


def test_an_agreement_extends_the_contract(own, client_for):
    contract = make_contract(own, ends_on=TODAY + datetime.timedelta(days=10))
    new_end = TODAY + datetime.timedelta(days=400)
    response = client_for("manager").post(
        reverse("billing:agreement-create", args=[contract.pk]),
        {"signed_on": TODAY.isoformat(), "new_ends_on": new_end.isoformat(), "text": "Продлить"},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.ends_on == new_end and contract.agreements.get().number.startswith("ДС-")


def test_the_pdf_downloads(own, client_for):
    contract = make_contract(own)
    response = client_for("manager").get(reverse("billing:contract-pdf", args=[contract.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_manager_never_sees_a_colleagues_clients_contracts(own, foreign, client_for):
    mine, theirs = make_contract(own), make_contract(foreign)
    http = client_for("manager")
    listing = http.get(reverse("billing:contract-list")).content.decode()
    assert mine.number in listing and theirs.number not in listing
    for name in ("billing:contract-detail", "billing:contract-pdf", "billing:contract-edit"):
        assert http.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert http.get(reverse("billing:contract-create", args=[foreign.pk])).status_code == 404
    head = client_for("head_of_sales").get(reverse("billing:contract-list")).content.decode()
    assert mine.number in head and theirs.number in head


def test_the_list_filters(own, foreign, client_for):
    soon = make_contract(own, ends_on=TODAY + datetime.timedelta(days=10))
    over = make_contract(foreign, ends_on=TODAY - datetime.timedelta(days=1))
    later = make_contract(own, ends_on=TODAY + datetime.timedelta(days=200))
    http = client_for("head_of_sales")
    url = reverse("billing:contract-list")
    expiring = http.get(url, {"state": "expiring"}).content.decode()
    assert soon.number in expiring and over.number not in expiring and later.number not in expiring
    expired = http.get(url, {"state": "expired"}).content.decode()
    assert over.number in expired and soon.number not in expired
    drafts = http.get(url, {"status": "draft"}).content.decode()
    assert soon.number not in drafts


def test_the_list_costs_the_same_queries_for_more_rows(own, branch, client_for):
    http = client_for("head_of_sales")
    url = reverse("billing:contract-list")
    make_contract(own)
    with CaptureQueriesContext(connection) as few:
        assert http.get(url).status_code == 200
    for n in range(6):
        make_contract(make_billing_client(branch, name=f"Клиент {n}"))
    with CaptureQueriesContext(connection) as many:
        assert http.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_card_tab(own, client_for):
    contract = make_contract(own)
    page = client_for("manager").get(
        reverse("clients:client-detail", args=[own.pk]) + "?tab=contracts"
    )
    html = page.content.decode()
    assert contract.number in html and reverse("billing:contract-create", args=[own.pk]) in html
    director = client_for("director").get(
        reverse("clients:client-detail", args=[own.pk]) + "?tab=contracts"
    )
    assert "Allow work without a valid contract" in director.content.decode()


def test_clause_directory_refuses_unknown_placeholders(client_for):
    http = client_for("accountant")
    response = http.post(
        reverse("billing:clause-create"),
        {"number": "5", "title": "Опечатка", "body": "Для {client.nmae}", "position": "1"},
    )
    assert response.status_code == 200 and "Unknown placeholders: {client.nmae}" in (
        response.content.decode()
    )
    assert not ClauseTemplate.objects.exists()
    http.post(
        reverse("billing:clause-create"),
        {
            "number": "5",
            "title": "Верно",
            "body": "Для {client.name}",
            "position": "1",
            "is_active": "on",
        },
    )
    assert ClauseTemplate.objects.get().title == "Верно"
    assert client_for("manager").get(reverse("billing:clause-list")).status_code == 403


def test_organisation_facsimile_upload(client_for, branch):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(buffer, "PNG")
    stamp = SimpleUploadedFile("stamp.png", buffer.getvalue(), "image/png")
    response = client_for("accountant").post(
        reverse("billing:organisation-create"),
        {
            "name": "ООО «Коло»",
            "short_name": "Коло",
            "code": "kolo",
            "branches": [branch.pk],
            "default_vat_rate": "20",
            "currency": "RUB",
            "is_active": "on",
            "stamp_image": stamp,
        },
    )
    assert response.status_code == 302
    from billing.models import Organisation

    assert Organisation.objects.get(code="kolo").stamp_image.name.endswith(".png")
