"""The administrator's PDF templates: a saved template is checked first (syntax and a real render
on the newest document of its kind), is used by the next PDF, and can be dropped to go back to the
built-in one; nobody else may edit them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.models import DocumentTemplate
from billing.pdf import clear_caches, render_document_pdf
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

OWN = """{% extends "billing/pdf/base.html" %}{% block heading %}
<h1>Наш собственный счёт {{ document.number }}</h1><p>{{ total_in_words }}</p>
{% endblock %}"""


@pytest.fixture
def invoice(branch):
    make_organisation(branch)
    return make_invoice(make_billing_client(branch, name="ООО «Ромашка»"), amount="1234.50")


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_admin_sees_the_built_in_template_and_saves_an_own_one(client_for, invoice):
    http = client_for("admin")
    url = reverse("billing:doc-template-edit", args=["invoice"])
    page = http.get(url).content.decode()
    assert "Built-in template" in page and "billing/pdf/base.html" in page
    response = http.post(url, {"html": OWN})
    assert response.status_code == 302
    clear_caches()
    text = _text(render_document_pdf(invoice))
    assert "Наш собственный счёт" in text and invoice.number in text
    assert "Одна тысяча двести тридцать четыре рубля" in text
    listing = http.get(reverse("billing:doc-template-list")).content.decode()
    assert "Own" in listing
    preview = http.get(reverse("billing:doc-template-preview", args=["invoice"]))
    assert preview["Content-Type"] == "application/pdf"
    assert "Наш собственный счёт" in _text(preview.content)


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("{% if %}", "The template has an error"),
        (
            "{% extends 'billing/pdf/base.html' %}"
            "{% block heading %}{{ lines|first|add }}{% endblock %}",
            "The template has an error",
        ),
        ("{% include 'no/such/template.html' %}", "The template fails on"),
        ("   ", "This field is required"),
    ],
)
def test_a_broken_template_is_refused_and_nothing_changes(client_for, invoice, html, message):
    url = reverse("billing:doc-template-edit", args=["invoice"])
    response = client_for("admin").post(url, {"html": html})
    assert response.status_code == 400 and message in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_reset_goes_back_to_the_built_in_template(client_for, invoice):
    http = client_for("admin")
    http.post(reverse("billing:doc-template-edit", args=["invoice"]), {"html": OWN})
    response = http.post(reverse("billing:doc-template-reset", args=["invoice"]))
    assert response.status_code == 302 and not DocumentTemplate.objects.exists()
    clear_caches()
    assert "Наш собственный счёт" not in _text(render_document_pdf(invoice))


def test_only_administrators_edit_templates(client_for, invoice):
    url = reverse("billing:doc-template-edit", args=["invoice"])
    for role in ("accountant", "director", "manager"):
        assert client_for(role).post(url, {"html": OWN}).status_code == 403
    assert (
        client_for("admin").get(reverse("billing:doc-template-edit", args=["nope"])).status_code
        == 404
    )
    assert not DocumentTemplate.objects.exists()
