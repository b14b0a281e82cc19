"""Write operations on orders. Other apps (the intake API, routes, the driver's tablet) use these,
never the ORM, to create orders and move them through statuses:

- ``order_create(*, actor, payload: OrderInput, branch=None)`` / ``order_update(…)``;
- ``order_transition(*, actor, order, target, reason="")`` — the state machine;
- ``order_record_prepayment(*, actor, order, amount)``;
- ``repeat_payload(order)`` — the last order as a new one;
- ``order_status_changed`` — the signal higher apps subscribe to.
"""

from crm.orders.services.orders import (
    OrderInput,
    last_order_of,
    order_create,
    order_mark_seen,
    order_record_prepayment,
    order_update,
    publish_order_changed,
    repeat_payload,
    validate_order,
)
from crm.orders.services.workflow import order_status_changed, order_transition

__all__ = [
    "OrderInput",
    "last_order_of",
    "order_create",
    "order_mark_seen",
    "order_record_prepayment",
    "order_status_changed",
    "order_transition",
    "order_update",
    "publish_order_changed",
    "repeat_payload",
    "validate_order",
]
