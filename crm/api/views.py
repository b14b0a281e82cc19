"""The Integrations page (administrators): API keys — issue (the key is shown once, in the
response to the form, and never stored in clear), revoke — and the log of calls with filters,
a call's payload and errors, and "retry" for a call whose processing failed."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.api import selectors, services
from crm.api.forms import CallFilterForm, KeyForm
from crm.api.models import ApiCall, ApiKey
from crm.api.roles import MANAGE_INTEGRATIONS
from crm.core.forms import apply_validation_error

PER_PAGE = 50


@require_GET
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
def integrations(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    calls = selectors.api_call_list(filters=filters)
    page = Paginator(calls, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "api/integrations.html",
        {
            "keys": selectors.api_key_list(),
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "key_form": KeyForm(initial={"branch": getattr(request, "branch", None)}),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
def key_create(request: HttpRequest) -> HttpResponse:
    form = KeyForm(request.POST or None, initial={"branch": getattr(request, "branch", None)})
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = services.api_key_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                branch=form.cleaned_data["branch"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            response = render(request, "api/key_created.html", {"key": key, "raw": raw})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/key_form.html", {"form": form})


@require_POST
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(actor=request.user, key=key)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("api:integrations")


@require_GET
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(ApiCall.objects.select_related("key__branch"), pk=pk)
    return render(
        request,
        "api/call_detail.html",
        {
            "call": call,
            "payload": json.dumps(call.payload, ensure_ascii=False, indent=2),
            "errors": json.dumps(call.errors, ensure_ascii=False, indent=2),
        },
    )


@require_POST
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
def call_retry(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(ApiCall, pk=pk)
    try:
        call = services.api_call_retry(actor=request.user, call=call)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if call.state == ApiCall.State.FAILED:
            messages.error(request, _("Processing failed again; the call is kept."))
        else:
            messages.success(
                request, _("Processed: %(state)s.") % {"state": call.get_state_display()}
            )
    return redirect("api:call-detail", pk=call.pk)
