"""The operator's day screen: the list / time-line of a date's orders, its live body, the Excel
and PDF exports of exactly what is shown, and delivery stickers for selected orders.

Thin: parse the date and the filters, ask ``crm.orders.day`` for the rows, render. Visibility is
``orders_for`` (a manager sees own clients' orders, a driver their own); exports and stickers
also need ``orders.export_orders``."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.orders import day as selectors
from crm.orders.day_exports import (
    day_pdf,
    day_pdf_filename,
    day_pdf_job_start,
    stickers_pdf,
    write_xlsx,
)
from crm.orders.day_state import DayState, active_branch
from crm.orders.services.orders import order_group

STICKER_FORMATS = ("a4", "tape58", "tape80")
MAX_STICKERS = 500


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def _timeline(state: DayState, orders: list) -> dict[str, Any]:
    return selectors.build_timeline(orders, state.branch.workday_start, state.branch.workday_end)


def _context(state: DayState) -> dict[str, Any]:
    orders = state.rows()
    one_day = datetime.timedelta(days=1)
    context = {
        "state": state,
        "orders": orders,
        "filter": state.filterset,
        "date": state.date,
        "is_today": state.date == state.today,
        "view": state.view,
        "counters": selectors.day_counters(user=state.user, branch=state.branch, date=state.date),
        "problem_count": sum(1 for o in orders if o.problems),
        "query": state.query(),
        "prev_query": state.query(date=(state.date - one_day).isoformat()),
        "next_query": state.query(date=(state.date + one_day).isoformat()),
        "today_query": state.query(date=state.today.isoformat()),
        "list_query": state.query(view="list"),
        "timeline_query": state.query(view="timeline"),
        "live_group": (
            order_group(state.branch.pk) if state.user.has_perm("orders.view_all_orders") else ""
        ),
        "can_export": state.user.has_perm("orders.export_orders"),
        "can_add": state.user.has_perm("orders.add_order"),
    }
    if state.view == "timeline":
        context["timeline"] = _timeline(state, orders)
    return context


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def day(request: HttpRequest) -> HttpResponse:
    context = _context(DayState.from_request(request))
    if _is_htmx(request):
        return render(request, "orders/day/page.html#day-page", context)
    return render(request, "orders/day/page.html", context)


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def day_rows(request: HttpRequest) -> HttpResponse:
    """The live part (counters, toolbar, list or time-line), refetched on every order event."""
    context = _context(DayState.from_request(request))
    return render(request, "orders/day/page.html#day-body", context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required("orders.export_orders", raise_exception=True)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    state = DayState.from_request(request)
    content = write_xlsx(state.rows(), date=state.date)
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"orders-{state.date.isoformat()}.xlsx",
    )


@require_GET
@permission_required("orders.export_orders", raise_exception=True)
def export_pdf(request: HttpRequest) -> HttpResponse:
    """Small days come back at once; a big one (WeasyPrint needs ~25 ms a row) becomes a
    background job whose page shows the progress and then the download."""
    state = DayState.from_request(request)
    orders = state.rows()
    if len(orders) > settings.ORDERS_PDF_SYNC_MAX_ROWS:
        job = day_pdf_job_start(actor=request.user, state=state, rows=len(orders))
        return redirect("core:job-detail", pk=job.pk)
    return _download(day_pdf(state, orders), "application/pdf", day_pdf_filename(state))


def _ids(request: HttpRequest) -> list[int]:
    ids = []
    for raw in request.POST.getlist("ids")[:MAX_STICKERS]:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            continue
    return ids


@require_POST
@permission_required("orders.export_orders", raise_exception=True)
def stickers(request: HttpRequest) -> HttpResponse:
    """Stickers for the selected orders the user may see; ids of hidden orders are ignored."""
    fmt = request.POST.get("format") if request.POST.get("format") in STICKER_FORMATS else "a4"
    ids = _ids(request)
    orders = selectors.decorate(
        list(selectors.orders_by_ids(user=request.user, branch=active_branch(request), ids=ids))
    )
    if not orders:
        messages.error(request, _("Select the orders to print stickers for."))
        return redirect(reverse("orders:day") + "?" + request.POST.get("query", ""))
    content = stickers_pdf(orders, fmt=fmt, request=request)
    return _download(content, "application/pdf", f"stickers-{fmt}.pdf")
