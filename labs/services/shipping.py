"""A made sample leaves the lab: a delivery order to the receiver's address (so it rides on the
next route like any other stop, through the orders app's own ``order_create``), or a parcel sent
by a courier service or the post with its tracking number. A delivered order marks the sample
received by the client (``labs.reactions``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import ClientAddress
from crm.orders.models import Order, OrderStatus, OrderType
from crm.orders.services import OrderInput, order_create
from crm.orders.services.orders import ADDRESS_FIELDS
from labs.models import LabRequest, RequestStatus, ShippingMethod
from labs.services.workflow import lab_request_transition


def _stop(request: LabRequest) -> dict[str, Any]:
    address: ClientAddress = request.ship_address
    stop = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    stop.update(
        kind="delivery",
        client_address=address,
        receiver_name=request.receiver.name,
        receiver_phone=request.receiver.phone,
        note=_("Lab sample %(number)s") % {"number": request.number},
    )
    return stop


def _order_payload(request: LabRequest, date: datetime.date) -> OrderInput:
    address = request.ship_address
    quantity = request.sample_quantity or "1"
    return OrderInput(
        client=request.client,
        data={
            "order_type": OrderType.DELIVERY,
            "date": date,
            "window_from": address.window_from,
            "window_to": address.window_to,
            "comment": _("Sample for lab request %(number)s") % {"number": request.number},
            "driver_comment": _("Sample: %(product)s, %(quantity)s. Hand to %(receiver)s.")
            % {
                "product": request.product.name,
                "quantity": quantity,
                "receiver": request.receiver.name,
            },
        },
        items=[
            {
                "product": request.product,
                "name": _("Sample: %(product)s") % {"product": request.product.name},
                "quantity": Decimal("1"),
                "unit_price": Decimal("0"),
            }
        ],
        stops=[_stop(request)],
    )


@transaction.atomic
def lab_request_ship(
    *,
    actor: Any,
    request: LabRequest,
    method: str,
    date: datetime.date | None = None,
    tracking_number: str = "",
) -> LabRequest:
    request = LabRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.status != RequestStatus.SAMPLE_MADE:
        raise ValidationError(_("Only a made sample can be shipped."))
    tracking_number = (tracking_number or "").strip()
    if method == ShippingMethod.ROUTE:
        if date is None:
            raise ValidationError({"date": [_("Choose the delivery date.")]})
        if request.ship_address is None or request.receiver is None:
            raise ValidationError(_("Choose the address and the receiver of the sample first."))
        order = order_create(actor=actor, payload=_order_payload(request, date))
        request.delivery_order = order
        request.tracking_number = ""
    elif method in (ShippingMethod.COURIER, ShippingMethod.POST):
        if not tracking_number:
            raise ValidationError({"tracking_number": [_("Give the tracking number.")]})
        request.delivery_order = None
        request.tracking_number = tracking_number[:100]
    else:
        raise ValidationError({"method": [_("Choose how the sample is shipped.")]})
    request.shipping_method = method
    request.save(update_fields=["delivery_order", "tracking_number", "shipping_method"])
    return lab_request_transition(actor=actor, request=request, target=RequestStatus.SHIPPED)


def lab_requests_on_order_completed(*, order: Order, target: str) -> int:
    """The delivery order of a shipped sample completed: the client received it."""
    if target != OrderStatus.COMPLETED:
        return 0
    moved = 0
    for request in LabRequest.objects.filter(delivery_order=order, status=RequestStatus.SHIPPED):
        lab_request_transition(actor=None, request=request, target=RequestStatus.RECEIVED)
        moved += 1
    return moved
