"""The operator's day screen: the list / time-line of a date's orders, its live body, the Excel
and PDF exports of exactly what is shown, and delivery stickers for selected orders.

Thin: parse the date and the filters, ask ``crm.orders.day`` for the rows, render. Visibility is
``orders_for`` (a manager sees own clients' orders, a driver their own); exports and stickers
also need ``orders.export_orders``."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.orders import day as selectors
from crm.orders.day_exports import render_pdf, stickers_pdf, write_xlsx
from crm.orders.filters import DayFilter
from crm.orders.services.orders import branch_today, order_group

VIEWS = ("list", "timeline")
STICKER_FORMATS = ("a4", "tape58", "tape80")
MAX_STICKERS = 500


def _active_branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def _parse_date(raw: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


class DayState:
    """What a request asks for: date, filters, view; and the rows that answer it."""

    def __init__(self, request: HttpRequest) -> None:
        user = request.user
        active = _active_branch(request)
        self.filterset = DayFilter(request.GET or None, branch=active, user=user)
        self.filterset.is_valid()  # an invalid value drops that filter only, not the others
        cleaned = getattr(self.filterset.form, "cleaned_data", {})
        self.branch = cleaned.get("branch") or active
        self.today = branch_today(self.branch)
        self.date = _parse_date(request.GET.get("date"), self.today)
        self.view = request.GET.get("view") if request.GET.get("view") in VIEWS else "list"
        self.filters = {k: v for k, v in cleaned.items() if k != "branch"}
        self.user = user
        self.now = timezone.now()

    def orders(self) -> list:
        qs = selectors.day_orders(
            user=self.user, branch=self.branch, date=self.date, filters=self.filters, now=self.now
        )
        return selectors.decorate(list(qs))

    def query(self, **changes: Any) -> str:
        """The current date, view and filters as a query string (``changes`` override)."""
        params: dict[str, Any] = {"date": self.date.isoformat(), "view": self.view}
        data = self.filterset.form.data if self.filterset.is_bound else {}
        for name in self.filterset.filters:
            value = data.get(name)
            if value:
                params[name] = value
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _detail_url_maker() -> Any:
    """Reverse the order card once and format it per row (2 000 reverses cost ~50 ms)."""
    marker = 987654321
    try:
        url = reverse("orders:order-detail", kwargs={"pk": marker})
    except NoReverseMatch:
        return lambda pk: ""
    head, tail = url.split(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _rows(state: DayState) -> list:
    orders = state.orders()
    detail_url = _detail_url_maker()
    for order in orders:
        order.detail_url = detail_url(order.pk)
    return orders


def _timeline(state: DayState, orders: list) -> dict[str, Any]:
    return selectors.build_timeline(orders, state.branch.workday_start, state.branch.workday_end)


def _context(state: DayState) -> dict[str, Any]:
    orders = _rows(state)
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
    context = _context(DayState(request))
    if _is_htmx(request):
        return render(request, "orders/day/page.html#day-page", context)
    return render(request, "orders/day/page.html", context)


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def day_rows(request: HttpRequest) -> HttpResponse:
    """The live part (counters, toolbar, list or time-line), refetched on every order event."""
    return render(request, "orders/day/page.html#day-body", _context(DayState(request)))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required("orders.export_orders", raise_exception=True)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    state = DayState(request)
    content = write_xlsx(_rows(state), date=state.date)
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"orders-{state.date.isoformat()}.xlsx",
    )


@require_GET
@permission_required("orders.export_orders", raise_exception=True)
def export_pdf(request: HttpRequest) -> HttpResponse:
    state = DayState(request)
    context = {
        "orders": _rows(state),
        "date": state.date,
        "branch": state.branch,
        "counters": selectors.day_counters(user=state.user, branch=state.branch, date=state.date),
    }
    html = render_to_string("orders/day/export_pdf.html", context, request=request)
    return _download(
        render_pdf(html, request), "application/pdf", f"orders-{state.date.isoformat()}.pdf"
    )


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
        list(selectors.orders_by_ids(user=request.user, branch=_active_branch(request), ids=ids))
    )
    if not orders:
        messages.error(request, _("Select the orders to print stickers for."))
        return redirect(reverse("orders:day") + "?" + request.POST.get("query", ""))
    content = stickers_pdf(orders, fmt=fmt, request=request)
    return _download(content, "application/pdf", f"stickers-{fmt}.pdf")
