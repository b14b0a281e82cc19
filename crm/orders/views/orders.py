"""Order pages: create (incl. repeat), card, edit, status moves, prepayment, price preview.

Thin: bind forms, call ``crm.orders.services``, render or redirect. Every order is fetched through
``orders_for`` (hidden orders are a 404) and every change re-checks the role on the server."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients.contract_guard import can_override, contract_block_reason
from clients.models import Client
from clients.permissions import clients_for
from clients.selectors import client_search
from crm.core.forms import apply_validation_error
from crm.core.panels import record_panels
from crm.orders import services
from crm.orders.forms import (
    ContractOverrideForm,
    ItemFormSet,
    OrderForm,
    PrepaymentForm,
    StopFormSet,
    TransitionForm,
)
from crm.orders.models import Order, OrderStatus, Product
from crm.orders.permissions import can_change_order, orders_for
from crm.orders.services.workflow import status_label
from crm.orders.workflow import NEEDS_REASON, available_moves, can_edit_contents


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _order(request: HttpRequest, pk: int) -> Order:
    return get_object_or_404(
        orders_for(request.user, _branch(request)).select_related(
            "client", "branch", "assignee", "promo_code", "created_by", "schedule"
        ),
        pk=pk,
    )


def _client(request: HttpRequest, pk: Any) -> Client:
    pk = _int(pk)
    if pk is None:
        raise Http404
    return get_object_or_404(clients_for(request.user, _branch(request)), pk=pk)


# --- Form plumbing --------------------------------------------------------------------------------
def _item_initial(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "product": item.get("product"),
            "name": "" if item.get("product") else item.get("name", ""),
            "quantity": item.get("quantity"),
            "unit_price": item.get("unit_price"),
            "discount_percent": item.get("discount_percent") or None,
        }
        for item in items
    ]


def _stop_initial(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for position, stop in enumerate(stops, start=1):
        row = dict(stop)
        if row.get("client_address") is not None:
            # chosen from the card: show the choice, not a copy of its text
            for name in ("address", "city", "latitude", "longitude"):
                row[name] = None if name in ("latitude", "longitude") else ""
        row["ORDER"] = position
        rows.append(row)
    return rows


def _new_order_initial(client: Client, branch: Any) -> tuple[dict, list, list]:
    address = client.addresses.first()
    data: dict[str, Any] = {"date": services.orders.repeat_date(branch)}
    stops = [{"kind": "delivery"}]
    if address is not None:
        stops = [{"kind": "delivery", "client_address": address}]
        data.update(window_from=address.window_from, window_to=address.window_to)
    return data, [], stops


def _query_initial(request: HttpRequest, initial: tuple[dict, list, list]) -> tuple:
    """``?product=&price=&note=`` prefill one line and the comment (links from other apps, e.g.
    a lab's calculated price); anything unreadable is ignored."""
    data, items, stops = initial
    product_pk = _int(request.GET.get("product"))
    product = None
    if product_pk is not None:
        product = Product.objects.filter(pk=product_pk, is_active=True).first()
    if product is not None:
        try:
            price: Decimal | None = Decimal(request.GET.get("price", ""))
        except (InvalidOperation, ValueError):
            price = None
        if price is not None and (not price.is_finite() or not 0 <= price < 10**12):
            price = None
        price = price.quantize(Decimal("0.01")) if price is not None else None
        items = [{"product": product, "quantity": Decimal("1"), "unit_price": price}]
    if note := request.GET.get("note", "").strip():
        data = {**data, "comment": note[:2000]}
    return data, items, stops


def _bind(
    request: HttpRequest,
    client: Client,
    branch: Any,
    instance: Order | None = None,
    initial: tuple[dict, list, list] | None = None,
) -> tuple[OrderForm, Any, Any]:
    post = request.POST if request.method == "POST" else None
    data, items, stops = initial or ({}, [], [])
    form = OrderForm(post, instance=instance, branch=branch, initial=data)
    item_formset = ItemFormSet(post, prefix="items", initial=_item_initial(items) or None)
    stop_formset = StopFormSet(
        post,
        prefix="stops",
        initial=_stop_initial(stops) or None,
        form_kwargs={"client": client},
    )
    return form, item_formset, stop_formset


def _apply_service_errors(error: ValidationError, form: OrderForm, items: Any, stops: Any) -> None:
    if not hasattr(error, "error_dict"):
        apply_validation_error(form, error)
        return
    for field, errors in error.error_dict.items():
        messages_ = [m for e in errors for m in e.messages]
        if field == "items":
            items._non_form_errors = items.error_class([*items.non_form_errors(), *messages_])
        elif field == "stops":
            stops._non_form_errors = stops.error_class([*stops.non_form_errors(), *messages_])
        elif field in form.fields:
            for message in messages_:
                form.add_error(field, message)
        else:  # NON_FIELD_ERRORS and fields the form does not show
            for message in messages_:
                form.add_error(None, message)


def _payload(
    client: Client, form: OrderForm, items: Any, stops: Any, **extra: Any
) -> services.OrderInput:
    return services.OrderInput(
        client=client,
        data=form.order_data(),
        items=items.rows(),
        stops=stops.rows(),
        promo_code=form.cleaned_data.get("promo_code", ""),
        **extra,
    )


def _form_context(client: Client, form: Any, items: Any, stops: Any, **extra: Any) -> dict:
    return {
        "client": client,
        "form": form,
        "item_formset": items,
        "stop_formset": stops,
        "addresses": client.addresses.all(),
        **extra,
    }


# --- Create / repeat ------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required("orders.add_order", raise_exception=True)
def order_pick_client(request: HttpRequest) -> HttpResponse:
    """ "New order" without a client: find the client first (name, phone typed any way, INN)."""
    query = request.GET.get("q", "").strip()[:100]
    found = []
    if query:
        qs = client_search(clients_for(request.user, _branch(request)), query)
        found = list(qs.filter(is_archived=False).select_related("manager")[:20])
    template = "orders/_client_picks.html" if _is_htmx(request) else "orders/order_pick_client.html"
    return render(request, template, {"query": query, "found": found})


@require_http_methods(["GET", "POST"])
@permission_required("orders.add_order", raise_exception=True)
def order_create(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    repeat_of = None
    if repeat_pk := request.GET.get("repeat"):
        repeat_of = _order(request, _int(repeat_pk) or 0)
        client = repeat_of.client
        repeat = services.repeat_payload(repeat_of)
        initial = (repeat.data, repeat.items, repeat.stops)
    elif "client" in request.GET:
        client = _client(request, request.GET["client"])
        initial = _query_initial(request, _new_order_initial(client, branch))
    else:
        return redirect("orders:order-pick-client")
    if client.is_archived:
        messages.error(request, _("The client is archived: restore the card to take orders."))
        return redirect("clients:client-detail", pk=client.pk)
    form, items, stops = _bind(request, client, branch, initial=initial)
    block = contract_block_reason(client, services.orders.branch_today(branch))
    override = ContractOverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and all(f.is_valid() for f in (form, items, stops)):
        source = Order.Source.REPEAT if repeat_of else Order.Source.MANUAL
        payload = _payload(
            client,
            form,
            items,
            stops,
            source=source,
            repeated_from=repeat_of,
            contract_override_reason=override.reason() if block else "",
        )
        try:
            order = services.order_create(actor=request.user, payload=payload, branch=branch)
        except ValidationError as error:
            _apply_service_errors(error, form, items, stops)
        else:
            messages.success(request, _("Order %(number)s is created.") % {"number": order.number})
            return redirect("orders:order-detail", pk=order.pk)
    context = _form_context(
        client,
        form,
        items,
        stops,
        creating=True,
        repeat_of=repeat_of,
        contract_block=block,
        override_form=override if block and can_override(request.user) else None,
    )
    return render(request, "orders/order_form.html", context)


@require_http_methods(["GET"])
@permission_required("orders.add_order", raise_exception=True)
def order_repeat_last(request: HttpRequest, client_pk: int) -> HttpResponse:
    """One click from the card or the phone pop-up: the last order opens as a new one."""
    client = _client(request, client_pk)
    last = services.last_order_of(client)
    if last is None or not orders_for(request.user, _branch(request)).filter(pk=last.pk).exists():
        messages.info(request, _("This client has no orders yet: fill in a new one."))
        return redirect(f"{reverse('orders:order-create')}?client={client.pk}")
    return redirect(f"{reverse('orders:order-create')}?repeat={last.pk}")


# --- Card -----------------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    services.order_mark_seen(order=order)
    moves = [
        {"move": m, "needs_reason": m.target in NEEDS_REASON, "label": m.label}
        for m in available_moves(request.user, order)
    ]
    can_change = can_change_order(request.user, order)
    context = {
        "order": order,
        "status_text": status_label(order, order.status),
        "items": order.items.select_related("product", "bonus_rule"),
        "stops": order.stops.select_related("client_address"),
        "changes": order.status_changes.select_related("actor"),
        "moves": moves,
        "can_change": can_change,
        "can_edit": can_change and can_edit_contents(request.user, order),
        "prepayment_form": PrepaymentForm(initial={"amount": order.prepayment_outstanding}),
        "transition_form": TransitionForm(),
        **record_panels(order, request.user),
    }
    return render(request, "orders/order_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_order", raise_exception=True)
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not can_change_order(request.user, order):
        raise PermissionDenied
    if not can_edit_contents(request.user, order):
        messages.error(
            request,
            _("An order in status “%(status)s” cannot be edited.")
            % {"status": status_label(order, order.status)},
        )
        return redirect("orders:order-detail", pk=order.pk)
    existing = (
        {name: getattr(order, name) for name in services.orders.ORDER_FIELDS},
        [
            {name: getattr(i, name) for name in services.orders.ITEM_FIELDS}
            for i in order.items.select_related("product")
            if not i.is_gift
        ],
        [
            {name: getattr(s, name) for name in services.orders.STOP_FIELDS}
            for s in order.stops.all()
        ],
    )
    form, items, stops = _bind(
        request, order.client, order.branch, instance=order, initial=existing
    )
    if request.method == "POST" and all(f.is_valid() for f in (form, items, stops)):
        try:
            services.order_update(
                actor=request.user, order=order, payload=_payload(order.client, form, items, stops)
            )
        except ValidationError as error:
            _apply_service_errors(error, form, items, stops)
        else:
            messages.success(request, _("Saved."))
            return redirect("orders:order-detail", pk=order.pk)
    context = _form_context(order.client, form, items, stops, order=order)
    return render(request, "orders/order_form.html", context)


# --- Status and money -----------------------------------------------------------------------------
@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_move(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["target"] not in OrderStatus.values:
        messages.error(request, _("Choose a status."))
        return redirect("orders:order-detail", pk=order.pk)
    target = form.cleaned_data["target"]
    try:
        order = services.order_transition(
            actor=request.user, order=order, target=target, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if _is_htmx(request):
            return HttpResponse(" ".join(error.messages), status=400)
    else:
        messages.success(
            request, _("Status: %(status)s.") % {"status": status_label(order, order.status)}
        )
    return redirect(request.POST.get("next") or reverse("orders:order-detail", args=[order.pk]))


@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_prepayment(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = PrepaymentForm(request.POST)
    if form.is_valid():
        try:
            services.order_record_prepayment(
                actor=request.user, order=order, amount=form.cleaned_data["amount"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The prepayment is recorded."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("orders:order-detail", pk=order.pk)


@require_POST
@permission_required("orders.add_order", raise_exception=True)
def order_quote(request: HttpRequest) -> HttpResponse:
    """Live price preview while the form is filled in (htmx): nothing is saved."""
    from crm.orders.services.pricing import order_quote as quote

    branch = _branch(request)
    client = _client(request, request.POST.get("client"))
    form, items, stops = _bind(request, client, branch)
    context: dict[str, Any] = {"client": client, "quote": None, "errors": []}
    if all(f.is_valid() for f in (form, items, stops)) and items.rows():
        try:
            context["quote"] = quote(
                client=client,
                branch=branch,
                data=form.order_data(),
                items=items.rows(),
                stops=stops.rows(),
                promo_code=form.cleaned_data.get("promo_code", ""),
            )
        except ValidationError as error:
            context["errors"] = error.messages
    return render(request, "orders/_quote.html", context)
