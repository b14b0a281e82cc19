"""The status names page: rename the core statuses for the whole business or per order type."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from crm.orders.models import OrderStatus, OrderType, StatusName
from crm.orders.services.statuses import status_names_save

TYPES = [("", gettext_lazy("All types")), *OrderType.choices]


def _field(order_type: str, status: str) -> str:
    return f"name__{order_type or 'all'}__{status}"


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_statusname", raise_exception=True)
def status_names(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        names = {
            (order_type, status): request.POST.get(_field(order_type, status), "")
            for order_type, _label in TYPES
            for status in OrderStatus.values
        }
        changed = status_names_save(actor=request.user, names=names)
        messages.success(request, _("Saved: %(n)s changes.") % {"n": changed})
        return redirect("orders:status-names")
    current = {(r.order_type, r.status): r.name for r in StatusName.objects.all()}
    rows = [
        {
            "status": status,
            "default": label,
            "cells": [
                {"field": _field(t, status), "value": current.get((t, status), "")}
                for t, _l in TYPES
            ],
        }
        for status, label in OrderStatus.choices
    ]
    return render(request, "orders/status_names.html", {"rows": rows, "types": TYPES})
