"""The request's own pages: create (from a client or lead card), the card itself (the same page
for the manager and the lab, with the lab's fields and actions for the lab), the wishes form,
the lab's answer, status moves, shipping a sample; and the client card's "Lab" tab."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import Client
from clients.permissions import clients_for
from crm.core.forms import apply_validation_error
from crm.core.panels import attachments_context, history_context
from crm.leads.permissions import leads_for
from labs import services
from labs.forms import ComponentFormSet, MoveForm, RequestForm, ResultForm, ShipForm
from labs.models import LabRequest, RequestKind, RequestStatus
from labs.permissions import (
    available_moves,
    can_add_request,
    can_edit_lab,
    can_edit_wishes,
    can_ship,
    editable_fields,
    requests_for,
)
from labs.roles import ADD, VIEW
from labs.selectors import client_requests, completed_calculations
from labs.services.planning import branch_today, estimate, urgency
from labs.services.requests import SHIPPING_MESSAGES
from labs.workflow import ORDER, SPECIAL_TARGETS

DETAIL_RELATED = (
    "client",
    "client__manager",
    "product",
    "branch",
    "technician",
    "based_on",
    "ship_address",
    "receiver",
    "delivery_order",
    "lead",
)


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _lab_request(request: HttpRequest, pk: int) -> LabRequest:
    qs = requests_for(request.user).select_related(*DETAIL_RELATED)
    return get_object_or_404(qs, pk=pk)


def _client(request: HttpRequest, pk: Any) -> Client:
    pk = _int(pk)
    if pk is None:
        raise Http404
    return get_object_or_404(clients_for(request.user).select_related("branch"), pk=pk)


def _missing_shipping(client: Client) -> list[dict[str, str]]:
    url = reverse("clients:client-edit", args=[client.pk])
    anchors = {"address": "#addresses-formset", "receiver": "#contacts-formset"}
    return [
        {"code": code, "message": str(SHIPPING_MESSAGES[code]), "url": url + anchors[code]}
        for code in services.shipping_problems(client)
    ]


def offer_links(user: Any, lab_request: LabRequest) -> dict[str, str]:
    """One click copies product, composition and price into a new order or proposal (the
    orders and billing forms accept them as query parameters)."""
    if lab_request.status not in (RequestStatus.CALCULATED, RequestStatus.CLOSED):
        return {}
    price = lab_request.price_suggestion or lab_request.cost_per_unit
    note = _("Lab calculation %(number)s. Composition: %(composition)s") % {
        "number": lab_request.number,
        "composition": services.composition_summary(lab_request) or "—",
    }
    params = {"product": lab_request.product_id, "price": price or "", "note": note[:500]}
    links = {}
    if user.has_perm("orders.add_order"):
        query = urlencode({"client": lab_request.client_id, **params})
        links["order"] = f"{reverse('orders:order-create')}?{query}"
    if user.has_perm("billing.add_document"):
        query = urlencode({"kind": "proposal", **params})
        url = reverse("billing:document-create", args=[lab_request.client_id])
        links["proposal"] = f"{url}?{query}"
    return links


# --- Create ---------------------------------------------------------------------------------------
def _create_target(request: HttpRequest) -> tuple[Client, Any]:
    lead = None
    if "lead" in request.GET:
        lead = get_object_or_404(leads_for(request.user), pk=_int(request.GET["lead"]) or 0)
        if lead.client_id is None:
            raise ValidationError(
                _("The lead has no client card yet: link or create the client first.")
            )
        return _client(request, lead.client_id), lead
    return _client(request, request.GET.get("client")), lead


@permission_required(ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    try:
        client, lead = _create_target(request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("leads:lead-detail", pk=_int(request.GET["lead"]))
    based_on = None
    if from_pk := request.GET.get("from"):
        calculations = completed_calculations(user=request.user, client=client)
        based_on = get_object_or_404(calculations, pk=_int(from_pk) or 0)
    kind = RequestKind.SAMPLE if based_on else request.GET.get("kind", RequestKind.CALCULATION)
    if kind not in RequestKind.values:
        raise Http404
    missing = _missing_shipping(client) if kind == RequestKind.SAMPLE else []
    initial = {}
    if based_on is not None:
        initial = {name: getattr(based_on, name) for name in services.requests.COPIED}
        initial["wishes"] = based_on.wishes
    form = RequestForm(
        request.POST if request.method == "POST" and not missing else None,
        client=client,
        kind=kind,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        try:
            lab_request = services.lab_request_create(
                actor=request.user,
                client=client,
                kind=kind,
                data=form.wish_data(),
                lead=lead,
                based_on=based_on,
            )
            if "send" in request.POST:
                services.lab_request_transition(
                    actor=request.user, request=lab_request, target=RequestStatus.SENT
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Request %(n)s is saved.") % {"n": lab_request.number})
            return redirect("labs:request-detail", pk=lab_request.pk)
    context = {
        "client": client,
        "kind": kind,
        "kind_label": RequestKind(kind).label,
        "form": form,
        "missing": missing,
        "based_on": based_on,
        "lead": lead,
        "estimate": estimate(client.branch, kind),
    }
    return render(request, "labs/request_form.html", context, status=400 if form.errors else 200)


# --- The card -------------------------------------------------------------------------------------
def _steps(lab_request: LabRequest) -> list[dict[str, Any]]:
    chain = ORDER[lab_request.kind]
    current = lab_request.status
    if current in chain:
        reached = chain.index(current)
    else:  # returned to the manager or rejected: show how far it had got
        last = lab_request.moves.exclude(to_status=current).order_by("-at", "-id").first()
        reached = chain.index(last.to_status) + 1 if last and last.to_status in chain else 0
        reached = (
            min(reached, chain.index(RequestStatus.SENT)) if current == "returned" else reached
        )
    return [
        {"status": s, "label": RequestStatus(s).label, "done": i < reached, "current": s == current}
        for i, s in enumerate(chain)
    ]


def _detail_context(request: HttpRequest, lab_request: LabRequest, **extra: Any) -> dict:
    user = request.user
    today = branch_today(lab_request.branch)
    moves = available_moves(user, lab_request)
    context = {
        "lab_request": lab_request,
        "components": list(lab_request.components.all()),
        "moves_log": lab_request.moves.select_related("actor"),
        "steps": _steps(lab_request),
        "urgency": urgency(lab_request, today),
        "today": today,
        "moves": [m for m in moves if not m.reason],
        "reason_moves": [m for m in moves if m.reason],
        "can_edit_wishes": can_edit_wishes(user, lab_request),
        "can_edit_lab": can_edit_lab(user, lab_request),
        "can_ship": can_ship(user, lab_request),
        "can_open_client": clients_for(user).filter(pk=lab_request.client_id).exists(),
        "can_order_sample": (
            lab_request.kind == RequestKind.CALCULATION
            and lab_request.status in (RequestStatus.CALCULATED, RequestStatus.CLOSED)
            and can_add_request(user)
        ),
        "offers": offer_links(user, lab_request),
        "move_form": MoveForm(),
        **attachments_context(lab_request, user),
        **history_context(lab_request),
        **extra,
    }
    return context


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lab_request = _lab_request(request, pk)
    context = _detail_context(request, lab_request)
    if request.headers.get("HX-Request"):
        return render(request, "labs/request_detail.html#lab-request", context)
    return render(request, "labs/request_detail.html", context)


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lab_request = _lab_request(request, pk)
    editable = editable_fields(request.user, lab_request)
    if not can_edit_wishes(request.user, lab_request):
        messages.error(request, _("The request cannot be changed in this status."))
        return redirect("labs:request-detail", pk=lab_request.pk)
    form = RequestForm(
        request.POST or None,
        instance=lab_request,
        client=lab_request.client,
        kind=lab_request.kind,
        editable=editable,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lab_request_update(
                actor=request.user, request=lab_request, data=form.wish_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The request is saved."))
            return redirect("labs:request-detail", pk=lab_request.pk)
    context = {
        "lab_request": lab_request,
        "client": lab_request.client,
        "kind": lab_request.kind,
        "kind_label": lab_request.get_kind_display(),
        "form": form,
        "missing": _missing_shipping(lab_request.client) if lab_request.is_sample else [],
        "editing": True,
    }
    return render(request, "labs/request_form.html", context, status=400 if form.errors else 200)


def _result_errors(error: ValidationError, form: ResultForm, formset: Any) -> None:
    """Composition problems go on top of the formset, the rest onto the form."""
    if hasattr(error, "error_dict") and "components" in error.error_dict:
        formset._non_form_errors = formset.error_class(error.message_dict["components"])
        rest = {k: v for k, v in error.error_dict.items() if k != "components"}
        if not rest:
            return
        error = ValidationError(rest)
    apply_validation_error(form, error)


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The lab's answer: composition (summing to 100 %), cost, suggested price, comments."""
    lab_request = _lab_request(request, pk)
    if not can_edit_lab(request.user, lab_request):
        messages.error(request, _("The lab's answer can be changed only while in work."))
        return redirect("labs:request-detail", pk=lab_request.pk)
    initial = {
        "cost_per_unit": lab_request.cost_per_unit,
        "price_suggestion": lab_request.price_suggestion,
        "lab_comment": lab_request.lab_comment,
    }
    rows = [{"name": c.name, "percent": c.percent} for c in lab_request.components.all()]
    post = request.POST if request.method == "POST" else None
    form = ResultForm(post, initial=initial)
    formset = ComponentFormSet(post, prefix="components", initial=rows or None)
    if post is not None and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():  # "save and complete" is all or nothing
                services.lab_request_save_result(
                    actor=request.user,
                    request=lab_request,
                    components=formset.rows(),
                    **form.cleaned_data,
                )
                if target := request.POST.get("complete"):
                    services.lab_request_transition(
                        actor=request.user, request=lab_request, target=target
                    )
        except ValidationError as error:
            _result_errors(error, form, formset)
        else:
            messages.success(request, _("The lab's answer is saved."))
            return redirect("labs:request-detail", pk=lab_request.pk)
    done = RequestStatus.SAMPLE_MADE if lab_request.is_sample else RequestStatus.CALCULATED
    context = {
        "lab_request": lab_request,
        "form": form,
        "formset": formset,
        "complete_target": done,
        "complete_label": RequestStatus(done).label,
    }
    invalid = post is not None
    return render(request, "labs/request_result.html", context, status=400 if invalid else 200)


@permission_required(VIEW, raise_exception=True)
@require_POST
def request_move(request: HttpRequest, pk: int) -> HttpResponse:
    lab_request = _lab_request(request, pk)
    form = MoveForm(request.POST)
    error_text = ""
    if form.is_valid() and form.cleaned_data["target"] in SPECIAL_TARGETS:
        return redirect("labs:request-ship", pk=lab_request.pk)
    if form.is_valid():
        try:
            services.lab_request_transition(
                actor=request.user,
                request=lab_request,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            error_text = " ".join(error.messages)
    else:
        error_text = _("Unknown status.")
    if error_text:
        if request.headers.get("HX-Request"):
            lab_request = _lab_request(request, pk)
            context = _detail_context(request, lab_request, move_error=error_text)
            return render(request, "labs/request_detail.html#lab-request", context, status=400)
        messages.error(request, error_text)
        return redirect("labs:request-detail", pk=lab_request.pk)
    if request.headers.get("HX-Request"):
        lab_request = _lab_request(request, pk)
        return render(
            request, "labs/request_detail.html#lab-request", _detail_context(request, lab_request)
        )
    return redirect("labs:request-detail", pk=lab_request.pk)


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_ship(request: HttpRequest, pk: int) -> HttpResponse:
    lab_request = _lab_request(request, pk)
    if not can_ship(request.user, lab_request):
        messages.error(request, _("Only a made sample can be shipped."))
        return redirect("labs:request-detail", pk=lab_request.pk)
    form = ShipForm(request.POST or None, initial={"method": "route"})
    if request.method == "POST" and form.is_valid():
        try:
            services.lab_request_ship(actor=request.user, request=lab_request, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The sample is on its way."))
            return redirect("labs:request-detail", pk=lab_request.pk)
    context = {"lab_request": lab_request, "form": form}
    return render(request, "labs/request_ship.html", context, status=400 if form.errors else 200)


# --- The client card's tab ------------------------------------------------------------------------
def client_tab(request: HttpRequest, client: Client) -> str:
    today = branch_today(client.branch)
    rows = list(client_requests(user=request.user, client=client, today=today)[:50])
    context = {
        "client": client,
        "rows": rows,
        "can_add": can_add_request(request.user),
        "missing": _missing_shipping(client),
        "offers": [
            (calc, offer_links(request.user, calc))
            for calc in completed_calculations(user=request.user, client=client)[:5]
        ],
    }
    return render_to_string("labs/card_tab.html", context, request=request)
