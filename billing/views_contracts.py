"""Contract pages: the list with filters, a client's contracts (card tab), create from a contract
type's clauses, edit terms and tariffs, edit the text by hand, re-assemble, activate, terminate,
supplementary agreements, the PDF, a director's override; and the directories (contract types,
clause templates, our organisations).

Every view checks the role (``billing.roles``) and fetches contracts and clients through
``contracts_for`` / ``clients_for``, so another manager's client's contract is a 404. Business
rules live in ``billing.services.contracts``."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import pdf
from billing.forms_contracts import (
    AgreementForm,
    ClauseTemplateForm,
    ContractFilterForm,
    ContractForm,
    ContractTextForm,
    ContractTypeForm,
    OrganisationForm,
    OverrideForm,
    ReassembleForm,
    TariffFormSet,
    TerminateForm,
    tariff_initial,
)
from billing.models import (
    ClauseTemplate,
    Contract,
    ContractOverride,
    ContractStatus,
    ContractType,
    Organisation,
)
from billing.permissions import can_manage_contract, contracts_for
from billing.roles import (
    MANAGE_CLAUSES,
    MANAGE_CONTRACTS,
    MANAGE_ORGANISATIONS,
    OVERRIDE_CONTRACT,
    VIEW_CONTRACTS,
)
from billing.services import contracts as svc
from clients.contract_guard import contract_block_reason
from clients.models import Client
from clients.permissions import clients_for
from crm.core.forms import apply_validation_error

PER_PAGE = 50
EXPIRING_DAYS = 30


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _contract(request: HttpRequest, pk: int) -> Contract:
    qs = contracts_for(request.user, _branch(request)).select_related(
        "client", "organisation", "contract_type", "created_by"
    )
    return get_object_or_404(qs, pk=pk)


def _managed(request: HttpRequest, pk: int) -> Contract:
    contract = _contract(request, pk)
    if not can_manage_contract(request.user, contract.client):
        raise PermissionDenied
    return contract


def _client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(clients_for(request.user, _branch(request)), pk=pk)


# --- List -----------------------------------------------------------------------------------------
def filter_contracts(qs: Any, data: dict[str, Any], today: datetime.date) -> Any:
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("contract_type"):
        qs = qs.filter(contract_type=data["contract_type"])
    state = data.get("state")
    if state == "expiring":
        soon = today + datetime.timedelta(days=EXPIRING_DAYS)
        qs = qs.filter(status=ContractStatus.ACTIVE, ends_on__gte=today, ends_on__lte=soon)
    elif state == "expired":
        qs = qs.filter(
            Q(status=ContractStatus.TERMINATED) | Q(status=ContractStatus.ACTIVE, ends_on__lt=today)
        )
    if query := (data.get("q") or "").strip():
        qs = qs.filter(Q(number__icontains=query) | Q(client__name__icontains=query))
    return qs


@permission_required(VIEW_CONTRACTS, raise_exception=True)
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ContractFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = filter_contracts(contracts_for(request.user, _branch(request)), data, today)
    qs = qs.select_related("client", "contract_type", "organisation").order_by("ends_on", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "qs": query.urlencode(),
        "today": today,
        "soon": today + datetime.timedelta(days=EXPIRING_DAYS),
    }
    return render(request, "billing/contracts/list.html", context)


# --- The client card's tab ------------------------------------------------------------------------
def client_tab(request: HttpRequest, client: Client) -> str:
    """The "Contracts" tab (registered in ``billing.wiring_contracts``)."""
    user = request.user
    today = timezone.localdate()
    context = {
        "client": client,
        "contracts": contracts_for(user)
        .filter(client=client)
        .select_related("contract_type", "organisation"),
        "can_manage": can_manage_contract(user, client),
        "can_override": user.has_perm(OVERRIDE_CONTRACT),
        "block_reason": contract_block_reason(client, today),
        "overrides": ContractOverride.objects.filter(client=client).select_related(
            "granted_by", "order"
        )[:5],
        "override_form": OverrideForm(initial={"valid_until": today}),
        "today": today,
    }
    return render_to_string("billing/contracts/card_tab.html", context, request=request)


# --- Create / edit --------------------------------------------------------------------------------
def _clause_choices(contract_type: ContractType | None, contract: Contract | None = None) -> Any:
    qs = svc.clauses_for_type(contract_type)
    if contract is not None and contract.pk:
        qs = ClauseTemplate.objects.filter(
            Q(pk__in=qs.values("pk")) | Q(pk__in=contract.clauses.all())
        )
    return qs.select_related("contract_type").order_by("position", "number", "pk")


def _type_from(request: HttpRequest) -> ContractType | None:
    raw = request.POST.get("contract_type") or request.GET.get("type")
    if not raw or not str(raw).isdigit():
        return None
    return ContractType.objects.filter(pk=int(raw), is_active=True).first()


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = _client(request, client_pk)
    if not can_manage_contract(request.user, client):
        raise PermissionDenied
    contract_type = _type_from(request)
    choices = _clause_choices(contract_type)
    today = timezone.localdate()
    initial = {
        "organisation": svc.organisation_for_client(client),
        "contract_type": contract_type,
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=364),
        "clauses": list(choices.values_list("pk", flat=True)),
    }
    if contract_type is not None:
        initial.update(
            billing_period=contract_type.default_period,
            payment_days=contract_type.default_payment_days,
        )
    post = request.POST if request.method == "POST" else None
    form = ContractForm(post, initial=initial, clause_choices=choices)
    tariffs = TariffFormSet(post, prefix="tariffs")
    if post is not None and form.is_valid() and tariffs.is_valid():
        try:
            contract = svc.contract_create(
                actor=request.user,
                client=client,
                organisation=form.cleaned_data["organisation"],
                contract_type=form.cleaned_data.get("contract_type"),
                clauses=form.cleaned_data["clauses"],
                terms=form.terms(),
                tariffs=tariffs.rows(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Contract %(number)s is drafted.") % {"number": contract.number}
            )
            return redirect("billing:contract-detail", pk=contract.pk)
    context = {
        "client": client,
        "form": form,
        "tariffs": tariffs,
        "types": ContractType.objects.filter(is_active=True),
        "contract_type": contract_type,
        "creating": True,
    }
    return render(request, "billing/contracts/form.html", context)


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    if contract.status == ContractStatus.TERMINATED:
        messages.error(request, _("A terminated contract cannot be changed."))
        return redirect("billing:contract-detail", pk=contract.pk)
    choices = _clause_choices(contract.contract_type, contract)
    post = request.POST if request.method == "POST" else None
    form = ContractForm(
        post,
        instance=contract,
        initial={"clauses": list(contract.clauses.values_list("pk", flat=True))},
        clause_choices=choices,
        editing=True,
    )
    tariffs = TariffFormSet(post, prefix="tariffs", initial=tariff_initial(contract) or None)
    if post is not None and form.is_valid() and tariffs.is_valid():
        try:
            svc.contract_update(
                actor=request.user,
                contract=contract,
                terms=form.terms(),
                clauses=form.cleaned_data["clauses"],
                tariffs=tariffs.rows(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            if contract.text_edited:
                messages.info(
                    request,
                    _("The text was edited by hand and is kept: re-assemble it to apply changes."),
                )
            return redirect("billing:contract-detail", pk=contract.pk)
    context = {"client": contract.client, "contract": contract, "form": form, "tariffs": tariffs}
    return render(request, "billing/contracts/form.html", context)


# --- Card -----------------------------------------------------------------------------------------
@permission_required(VIEW_CONTRACTS, raise_exception=True)
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    can_manage = can_manage_contract(request.user, contract.client)
    context = {
        "contract": contract,
        "client": contract.client,
        "tariffs": contract.tariffs.select_related("product"),
        "clauses": contract.clauses.order_by("position", "number"),
        "agreements": contract.agreements.all(),
        "can_manage": can_manage and contract.status != ContractStatus.TERMINATED,
        "is_valid": contract.is_valid_on(timezone.localdate()),
        "terminate_form": TerminateForm(),
        "reassemble_form": ReassembleForm(),
    }
    return render(request, "billing/contracts/detail.html", context)


@permission_required(VIEW_CONTRACTS, raise_exception=True)
@require_GET
def contract_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    response = HttpResponse(pdf.render_contract_pdf(contract), content_type="application/pdf")
    name = (contract.number or f"contract-{contract.pk}").replace("/", "-")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.pdf")
    return response


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_text(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    form = ContractTextForm(request.POST or None, initial={"text": contract.text})
    if request.method == "POST" and form.is_valid():
        try:
            svc.contract_set_text(
                actor=request.user, contract=contract, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The contract text is saved."))
            return redirect("billing:contract-detail", pk=contract.pk)
    context = {"contract": contract, "client": contract.client, "form": form}
    return render(request, "billing/contracts/text.html", context)


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_POST
def contract_reassemble(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    form = ReassembleForm(request.POST)
    if contract.text_edited and not form.is_valid():
        messages.error(
            request, _("The text was edited by hand: confirm that the edits may be replaced.")
        )
    else:
        svc.contract_reassemble(actor=request.user, contract=contract)
        messages.success(request, _("The text is assembled from the clauses again."))
    return redirect("billing:contract-detail", pk=contract.pk)


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_POST
def contract_activate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    try:
        svc.contract_activate(actor=request.user, contract=contract)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The contract is in force."))
    return redirect("billing:contract-detail", pk=contract.pk)


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_POST
def contract_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for terminating the contract."))
        return redirect("billing:contract-detail", pk=contract.pk)
    try:
        svc.contract_terminate(
            actor=request.user,
            contract=contract,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data.get("on"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The contract is terminated."))
    return redirect("billing:contract-detail", pk=contract.pk)


@permission_required(MANAGE_CONTRACTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _managed(request, pk)
    form = AgreementForm(request.POST or None, initial={"signed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = svc.agreement_add(
                actor=request.user, contract=contract, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Agreement %(number)s is added.") % {"number": agreement.number}
            )
            return redirect("billing:contract-detail", pk=contract.pk)
    context = {"contract": contract, "client": contract.client, "form": form}
    return render(request, "billing/contracts/agreement_form.html", context)


@permission_required(OVERRIDE_CONTRACT, raise_exception=True)
@require_POST
def contract_override(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = _client(request, client_pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            svc.contract_override_grant(
                actor=request.user,
                client=client,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["valid_until"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Work without a valid contract is allowed."))
    else:
        messages.error(request, _("Give the date and the reason."))
    return redirect(f"{client_card_url(client)}?tab=contracts")


def client_card_url(client: Client) -> str:
    return reverse("clients:client-detail", args=[client.pk])


# --- Directories ----------------------------------------------------------------------------------
@permission_required(MANAGE_CLAUSES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_type_list(request: HttpRequest) -> HttpResponse:
    form = ContractTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The contract type is added."))
        return redirect("billing:contract-type-list")
    types = ContractType.objects.order_by("name")
    return render(request, "billing/contracts/types.html", {"form": form, "types": types})


@permission_required(MANAGE_CLAUSES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract_type = get_object_or_404(ContractType, pk=pk)
    form = ContractTypeForm(request.POST or None, instance=contract_type)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("billing:contract-type-list")
    context = {"form": form, "object": contract_type, "title": contract_type.name}
    return render(request, "billing/contracts/directory_form.html", context)


@permission_required(MANAGE_CLAUSES, raise_exception=True)
@require_GET
def clause_list(request: HttpRequest) -> HttpResponse:
    clauses = ClauseTemplate.objects.select_related("contract_type").order_by(
        "contract_type__name", "position", "number"
    )
    return render(request, "billing/contracts/clauses.html", {"clauses": clauses})


@permission_required(MANAGE_CLAUSES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def clause_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    clause = get_object_or_404(ClauseTemplate, pk=pk) if pk else None
    initial = {} if clause else {"position": svc.next_position()}
    form = ClauseTemplateForm(request.POST or None, instance=clause, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The clause is saved."))
        return redirect("billing:clause-list")
    title = str(clause) if clause else _("New clause")
    context = {"form": form, "object": clause, "title": title, "back": "billing:clause-list"}
    return render(request, "billing/contracts/directory_form.html", context)


@permission_required(MANAGE_ORGANISATIONS, raise_exception=True)
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = Organisation.objects.prefetch_related("branches").order_by("short_name")
    return render(request, "billing/contracts/organisations.html", {"organisations": organisations})


@permission_required(MANAGE_ORGANISATIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk) if pk else None
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organisation is saved."))
        return redirect("billing:organisation-list")
    title = str(organisation) if organisation else _("New organisation")
    context = {
        "form": form,
        "object": organisation,
        "title": title,
        "back": "billing:organisation-list",
        "multipart": True,
    }
    return render(request, "billing/contracts/directory_form.html", context)
