"""Telephony pages: the operators' extensions (admins) and an incoming call's pop-up.

Thin: bind forms, call ``crm.telephony.services``, render or redirect. Calls are fetched through
``calls_for`` (someone else's pop-up is a 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.permissions import can_add_client
from crm.core.forms import apply_validation_error
from crm.telephony import services
from crm.telephony.forms import CallClientForm, ExtensionForm
from crm.telephony.models import Call
from crm.telephony.permissions import calls_for, extensions_for
from crm.telephony.roles import MANAGE_EXTENSIONS
from crm.telephony.selectors import extension_rows, popup_context


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


# --- Extensions -----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_EXTENSIONS, raise_exception=True)
def extension_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    form = ExtensionForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.operator_extension_set(
                actor=request.user,
                user=form.cleaned_data["user"],
                extension=form.cleaned_data["extension"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The extension is saved."))
            return redirect("telephony:extension-list")
    rows = extension_rows(user=request.user, branch=branch)
    return render(request, "telephony/extension_list.html", {"rows": rows, "form": form})


@require_POST
@permission_required(MANAGE_EXTENSIONS, raise_exception=True)
def extension_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(extensions_for(request.user, _branch(request)), pk=pk)
    services.operator_extension_delete(actor=request.user, record=record)
    messages.success(request, _("The extension is removed."))
    return redirect("telephony:extension-list")


# --- The pop-up -----------------------------------------------------------------------------------
def _call(request: HttpRequest, pk: int) -> Call:
    return get_object_or_404(
        calls_for(request.user).select_related("client", "client__manager", "operator", "branch"),
        pk=pk,
    )


@require_GET
def call_popup(request: HttpRequest, pk: int) -> HttpResponse:
    """The pop-up partial the page's script fetches on a live ``call.incoming`` event; opened
    directly, the same card on a page of its own."""
    call = _call(request, pk)
    context = popup_context(call=call, user=request.user)
    if getattr(request, "htmx", False):
        return render(request, "telephony/_popup.html", context)
    return render(request, "telephony/call_detail.html", context)


@require_POST
def call_client_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The unknown caller's pop-up: a new client card with the caller's number."""
    call = _call(request, pk)
    if not can_add_client(request.user):
        raise PermissionDenied
    if call.client_id is not None:
        return redirect("clients:client-detail", pk=call.client_id)
    form = CallClientForm(request.POST)
    if form.is_valid():
        try:
            client = services.call_create_client(
                actor=request.user, call=call, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Client %(name)s added.") % {"name": client.name})
            return redirect("clients:client-edit", pk=client.pk)
    context = {**popup_context(call=call, user=request.user), "client_form": form}
    return render(request, "telephony/call_detail.html", context, status=422)
