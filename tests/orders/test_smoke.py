from decimal import Decimal

import pytest

from crm.orders.models import OrderStatus
from crm.orders.services import order_transition
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product


@pytest.mark.django_db
def test_order_is_created_priced_and_moves_to_work(users, branch):
    client = make_client(branch=branch, manager=users["manager"])
    order = make_order(client=client, actor=users["operator"], product=make_product(), quantity=3)
    assert order.number.startswith("SPB-")
    assert order.total == Decimal("300.00")
    order = order_transition(actor=users["operator"], order=order, target=OrderStatus.CONFIRMED)
    order = order_transition(actor=users["dispatcher"], order=order, target=OrderStatus.IN_WORK)
    assert order.status == OrderStatus.IN_WORK
    assert order.status_changes.count() == 2
