"""The ``bench invoicing`` suite at a toy size on the test database: the report has its keys,
every invoice is created and rendered (on the process pool), and nothing is left behind. Times are
never asserted (the machine may be busy)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from billing.bench import BRANCH_CODE_PREFIX, _inn
from billing.models import Document, Organisation
from crm.accounts.models import Branch

KEYS = {"invoices", "create_seconds", "pdf_seconds", "pdf_per_second", "pages", "lines"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_bench_invoicing_reports_and_cleans_up() -> None:
    out = io.StringIO()
    call_command("bench", "invoicing", "--json", "--invoices", "20", "--workers", "2", stdout=out)
    result = json.loads(out.getvalue())
    assert result.keys() >= KEYS | {"suite"}, result
    assert result["suite"] == "invoicing"
    assert result["invoices"] == 20 and result["lines"] == 40
    assert result["pdfs"] == 20 and result["pages"] == 20
    assert result["create_seconds"] > 0 and result["pdf_per_second"] > 0
    assert not Branch.objects.filter(code__startswith=BRANCH_CODE_PREFIX).exists()
    assert not Document.objects.exists() and not Organisation.objects.exists()


def test_bench_inns_are_valid() -> None:
    from clients.validators import validate_inn

    for n in (0, 1, 999, 123456):
        validate_inn(_inn(n))


def test_bench_command_lists_the_invoicing_suite() -> None:
    out = io.StringIO()
    call_command("bench", "list", stdout=out)
    assert "invoicing" in out.getvalue()
