"""The storekeeper's pages (the containers ledger): the day page with a morning-load and an
evening-return form per van and the van balances, the daily report (+ .xlsx), a van's loading
list (+ PDF), the clients holding containers and the client balance correction, and the client
card's "Containers" tab.

Every view checks the role (``routes.roles``) and fetches vans and clients through
``routes.permissions_store``, so another branch's van or client answers 404. Business rules live
in ``routes.services.containers``; the views bind a form, call a service, render."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Client
from crm.core.forms import apply_validation_error
from crm.orders.services.orders import branch_today
from routes import sheets_store
from routes.forms_store import (
    AdjustForm,
    DayForm,
    ReportForm,
    VanLoadForm,
    VanReturnForm,
    parse_day,
)
from routes.models import ContainerKind, Vehicle
from routes.permissions_store import (
    can_record_containers,
    can_view_containers,
    container_clients_for,
    container_vehicles_for,
)
from routes.roles import RECORD_CONTAINERS, VIEW_CONTAINERS
from routes.services import containers

K = ContainerKind
CLIENTS_PER_PAGE = 50


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _date(request: HttpRequest, branch: Any) -> datetime.date:
    return parse_day(request.GET.get("date"), branch_today(branch))


def _day_url(date: datetime.date) -> str:
    return f"{reverse('routes:store-day')}?{urlencode({'date': date.isoformat()})}"


# --- The day page --------------------------------------------------------------------------------
@dataclass
class VanCard:
    """One van on the day page: its balance and the storekeeper's two forms."""

    balance: containers.VanBalance
    load_form: VanLoadForm
    return_form: VanReturnForm
    planned: dict[int | None, int]

    @property
    def vehicle(self) -> Vehicle:
        return self.balance.vehicle

    def load_rows(self) -> list[dict[str, Any]]:
        return [
            {"product": product, "field": fields[0], "planned": self.planned.get(product.pk)}
            for product, fields in self.load_form.rows()
        ]

    def return_rows(self) -> list[dict[str, Any]]:
        out = []
        for product, fields in self.return_form.rows():
            row = self.balance.row(product.pk) or containers.BalanceRow(product.pk, product.name)
            expected = [row.expected_full, row.expected_empty, row.expected_damaged]
            out.append({"product": product, "boxes": list(zip(fields, expected, strict=True))})
        return out


def _initial(balance: containers.VanBalance, date: datetime.date, kinds: tuple) -> dict:
    initial: dict[str, Any] = {"date": date.isoformat()}
    for row in balance.rows:
        for kind in kinds:
            value = getattr(row, containers.KIND_FIELD[kind])
            if value and row.product_id is not None:
                initial[containers.field_key(kind, row.product_id)] = value
    return initial


def _van_cards(
    *,
    branch: Any,
    date: datetime.date,
    vehicles: list[Vehicle],
    bound: dict[int, VanLoadForm | VanReturnForm] | None = None,
) -> list[VanCard]:
    routes = containers.day_routes(branch=branch, date=date)
    balances = containers.van_day_balances(
        branch=branch, date=date, vehicles=vehicles, routes=routes
    )
    planned = containers.planned_loads(r for r in routes.values() if r.plan.is_published)
    products = list(containers.returnable_products())
    bound = bound or {}
    cards = []
    for balance in balances:
        pk = balance.vehicle.pk
        load = VanLoadForm(
            initial=_initial(balance, date, containers.LOAD_KINDS),
            products=products,
            prefix=f"v{pk}",
        )
        back = VanReturnForm(
            initial=_initial(balance, date, containers.RETURN_KINDS),
            products=products,
            prefix=f"v{pk}",
        )
        form = bound.get(pk)
        load = form if isinstance(form, VanLoadForm) else load
        back = form if isinstance(form, VanReturnForm) else back
        cards.append(VanCard(balance, load, back, planned.get(pk, {})))
    return cards


def _day_vehicles(request: HttpRequest, branch: Any, date: datetime.date) -> list[Vehicle]:
    """Active vans, and any van that has a route or ledger rows that day."""
    used = Q(routes__plan__date=date) | Q(container_moves__date=date)
    ids = container_vehicles_for(request.user, branch).filter(used).values("pk")
    return list(
        container_vehicles_for(request.user, branch)
        .filter(Q(is_active=True) | Q(pk__in=ids))
        .select_related("driver")
        .order_by("plate")
    )


def _day_page(request: HttpRequest, date: datetime.date, bound: dict | None = None) -> HttpResponse:
    branch = _branch(request)
    cards = _van_cards(
        branch=branch, date=date, vehicles=_day_vehicles(request, branch, date), bound=bound
    )
    context = {
        "date": date,
        "today": branch_today(branch),
        "day_form": DayForm(initial={"date": date}),
        "vans": cards,
        "can_record": can_record_containers(request.user),
        "has_products": bool(cards[0].load_form.products) if cards else _has_products(),
        "previous": date - datetime.timedelta(days=1),
        "next": date + datetime.timedelta(days=1),
    }
    return render(request, "routes/store/day.html", context)


def _has_products() -> bool:
    return containers.returnable_products().exists()


@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_day(request: HttpRequest) -> HttpResponse:
    """The storekeeper's day: every van with its route and driver, the morning load and evening
    return forms (for those who record), and the balance with differences flagged."""
    return _day_page(request, _date(request, _branch(request)))


def _van_response(
    request: HttpRequest, vehicle: Vehicle, date: datetime.date, form: Any, saved: bool
) -> HttpResponse:
    """htmx: the van's card again (with the errors or the new balance); plain POST: back to
    the day page, or the whole page with the errors."""
    if request.htmx:
        bound = None if saved else {vehicle.pk: form}
        card = _van_cards(branch=vehicle.branch, date=date, vehicles=[vehicle], bound=bound)[0]
        context = {"van": card, "date": date, "can_record": True, "saved": saved}
        return render(request, "routes/store/day.html#van-card", context)
    if saved:
        return redirect(_day_url(date))
    return _day_page(request, date, bound={vehicle.pk: form})


def _record(request: HttpRequest, pk: int, form_class: type, save: Any) -> HttpResponse:
    branch = _branch(request)
    vehicle = get_object_or_404(
        container_vehicles_for(request.user, branch).select_related("branch", "driver"), pk=pk
    )
    products = list(containers.returnable_products())
    form = form_class(request.POST, products=products, prefix=f"v{vehicle.pk}")
    date = parse_day(request.POST.get(f"v{vehicle.pk}-date"), branch_today(branch))
    saved = False
    if form.is_valid():
        date = form.cleaned_data["date"]
        try:
            save(form, vehicle, date)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            saved = True
            if not request.htmx:
                messages.success(request, _("Saved: %(vehicle)s.") % {"vehicle": vehicle})
    return _van_response(request, vehicle, date, form, saved)


@permission_required(RECORD_CONTAINERS, raise_exception=True)
@require_POST
def store_van_load(request: HttpRequest, pk: int) -> HttpResponse:
    """The morning load of one van (re-saving replaces the earlier counts)."""

    def save(form: VanLoadForm, vehicle: Vehicle, date: datetime.date) -> None:
        containers.van_load_record(
            actor=request.user, vehicle=vehicle, date=date, loaded=form.loaded()
        )

    return _record(request, pk, VanLoadForm, save)


@permission_required(RECORD_CONTAINERS, raise_exception=True)
@require_POST
def store_van_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The evening return of one van: full, empty and damaged per product."""

    def save(form: VanReturnForm, vehicle: Vehicle, date: datetime.date) -> None:
        containers.van_return_record(
            actor=request.user, vehicle=vehicle, date=date, returned=form.counts()
        )

    return _record(request, pk, VanReturnForm, save)


# --- The daily report ----------------------------------------------------------------------------
def _report(request: HttpRequest) -> tuple[ReportForm, datetime.date, list]:
    branch = _branch(request)
    vehicles = container_vehicles_for(request.user, branch).order_by("plate")
    form = ReportForm(
        request.GET or None, vehicles=vehicles, initial={"date": _date(request, branch)}
    )
    date, chosen = branch_today(branch), None
    if form.is_bound and form.is_valid():
        date = form.cleaned_data["date"] or date
        chosen = form.cleaned_data["vehicle"]
    shown = [chosen] if chosen else list(vehicles.select_related("driver"))
    balances = containers.van_day_balances(branch=branch, date=date, vehicles=shown)
    balances = [b for b in balances if b.rows]
    return form, date, balances


@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_report(request: HttpRequest) -> HttpResponse:
    """The storekeeper's (and the accountant's) daily report: per van, driver and product."""
    form, date, balances = _report(request)
    context = {
        "form": form,
        "date": date,
        "balances": balances,
        "total": containers.balance_totals(balances),
        "xlsx_query": request.GET.urlencode(),
    }
    return render(request, "routes/store/report.html", context)


@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_report_xlsx(request: HttpRequest) -> HttpResponse:
    _form, date, balances = _report(request)
    response = HttpResponse(
        sheets_store.report_xlsx(balances, date), content_type=sheets_store.XLSX
    )
    name = sheets_store.report_filename(date)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- The loading list ----------------------------------------------------------------------------
def _loading(request: HttpRequest, pk: int) -> containers.LoadingList:
    branch = _branch(request)
    vehicle = get_object_or_404(
        container_vehicles_for(request.user, branch).select_related("depot"), pk=pk
    )
    return containers.loading_list(vehicle=vehicle, date=_date(request, branch))


@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_loading_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The van's loading list: stops in reverse order (first in, last out), printable."""
    loading = _loading(request, pk)
    return render(request, "routes/store/loading_list.html", {"loading": loading})


@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_loading_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    loading = _loading(request, pk)
    response = HttpResponse(sheets_store.loading_pdf(loading), content_type="application/pdf")
    name = sheets_store.loading_filename(loading)
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --- Clients: who holds containers, and corrections ----------------------------------------------
@permission_required(VIEW_CONTAINERS, raise_exception=True)
@require_GET
def store_clients(request: HttpRequest) -> HttpResponse:
    """Clients of the branch holding containers (or found by name or phone), most first."""
    query = request.GET.get("q", "").strip()
    clients = container_clients_for(request.user, _branch(request))
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        match = Q(name__icontains=query)
        if len(digits) >= 4:
            match |= Q(phones__digits__contains=digits)
        clients = clients.filter(match).distinct()
    else:
        clients = clients.exclude(containers_held=0)
    clients = clients.order_by("-containers_held", "name", "pk").only(
        "pk", "name", "containers_held"
    )
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "can_record": can_record_containers(request.user),
    }
    return render(request, "routes/store/clients.html", context)


@permission_required(RECORD_CONTAINERS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def store_client_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed correction of what the client holds, with a reason (an opening balance…)."""
    client = get_object_or_404(container_clients_for(request.user, _branch(request)), pk=pk)
    form = AdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            containers.client_containers_adjust(
                actor=request.user,
                client=client,
                product=data["product"],
                quantity=data["quantity"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The client's balance is corrected."))
            return redirect("routes:store-client-adjust", pk=client.pk)
    context = {
        "client": client,
        "form": form,
        "lines": containers.client_held_lines(client.pk),
        "moves": _move_rows(containers.client_recent_moves(client.pk)),
    }
    return render(request, "routes/store/client_adjust.html", context)


# --- The client card's "Containers" tab ----------------------------------------------------------
@dataclass
class MoveRow:
    move: Any
    signed: int  # + brought to the client, − taken away; 0: not counted at the client


def _move_rows(moves: list[Any]) -> list[MoveRow]:
    return [MoveRow(m, m.quantity * containers.CLIENT_SIGN.get(m.kind, 0)) for m in moves]


def client_tab(request: HttpRequest, client: Client) -> str:
    """The client card's "Containers" tab (registered in ``routes.wiring_store``): what the
    client holds per product, with the deposit it stands for; ledger readers also see the latest
    movements, recorders a link to correct the balance."""
    user = request.user
    detail = can_view_containers(user)
    same_branch = client.branch_id == getattr(_branch(request), "pk", None)
    context = {
        "client": client,
        "lines": containers.client_held_lines(client.pk),
        "detail": detail,
        "moves": _move_rows(containers.client_recent_moves(client.pk)) if detail else [],
        "can_adjust": can_record_containers(user) and same_branch,
    }
    return render_to_string("routes/store/card_tab.html", context, request=request)
