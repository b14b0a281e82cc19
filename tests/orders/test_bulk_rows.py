"""``bulk_update_rows`` writes decimals, JSON, nullable foreign keys and NULLs exactly as
``bulk_update`` would, only faster (one UPDATE … FROM VALUES per batch on PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.core.bulk import bulk_update_rows
from crm.orders.models import Order, PromoCode
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


def test_rows_get_their_own_values_in_batches(own_client):
    orders = [make_order(client=own_client) for _ in range(5)]
    promo = PromoCode.objects.create(
        code="BULK5", percent=Decimal("5"), valid_from="2026-01-01", valid_to="2026-12-31"
    )
    for i, order in enumerate(orders):
        order.total = Decimal("100.10") * (i + 1)
        order.distance_km = None if i % 2 else Decimal("12.5")
        order.price_breakdown = [{"rule": "Ночь", "amount": str(i)}]
        order.promo_code = promo if i == 0 else None
    with CaptureQueriesContext(connection) as queries:
        updated = bulk_update_rows(
            orders, ["total", "distance_km", "price_breakdown", "promo_code"], batch_size=2
        )
    assert updated == 5 and len(queries) == 3
    stored = {o.pk: o for o in Order.objects.filter(pk__in=[o.pk for o in orders])}
    for i, order in enumerate(orders):
        row = stored[order.pk]
        assert row.total == Decimal("100.10") * (i + 1)
        assert row.distance_km == (None if i % 2 else Decimal("12.5"))
        assert row.price_breakdown == [{"rule": "Ночь", "amount": str(i)}]
        assert row.promo_code_id == (promo.pk if i == 0 else None)


def test_nothing_to_write_sends_nothing(own_client):
    with CaptureQueriesContext(connection) as queries:
        assert bulk_update_rows([], ["total"]) == 0
    assert not queries
