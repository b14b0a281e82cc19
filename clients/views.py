from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import cards, services
from clients.exports import export_clients
from clients.filters import ClientFilter
from clients.forms import (
    AddressFormSet,
    ClientForm,
    ContactFormSet,
    ImportMappingForm,
    ImportUploadForm,
    MergeForm,
    PhoneFormSet,
    SavedFilterForm,
    formset_rows,
)
from clients.imports import TARGETS, import_set_mapping, import_start, import_upload
from clients.models import Client, ImportBatch
from clients.permissions import (
    can_add_client,
    can_change_client,
    can_merge_clients,
    can_reassign_clients,
    can_see_client,
)
from clients.selectors import (
    SORTS,
    client_card,
    client_list,
    client_search_ordered,
    saved_filters_for,
)
from crm.core.forms import apply_validation_error
from crm.core.pagination import COUNT_CAP, paginate, querystring_without_page
from crm.core.panels import attachments_context, history_context, timeline_context

VIEW = "clients.view_client"
LIST_PARAMS = ("q", "sort", *ClientFilter.base_filters)


def _filtered(request: HttpRequest) -> tuple[Any, ClientFilter, str, str]:
    query = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    qs = client_list(user=request.user, branch=request.branch, query=query, sort=sort)
    filterset = ClientFilter(request.GET or None, queryset=qs, branch=request.branch)
    return client_search_ordered(filterset.qs, query=query, sort=sort), filterset, query, sort


def _list_querystring(request: HttpRequest) -> str:
    params = QueryDict(mutable=True)
    for key in LIST_PARAMS:
        for value in request.GET.getlist(key):
            if value:
                params.appendlist(key, value)
    return params.urlencode()


# --- List, export, saved filters ------------------------------------------------------------------
@require_GET
@permission_required(VIEW, raise_exception=True)
def client_list_view(request: HttpRequest) -> HttpResponse:
    qs, filterset, query, sort = _filtered(request)
    page = paginate(request, qs, cap=COUNT_CAP)
    context = {
        "page": page,
        "filter": filterset,
        "query": query,
        "sort": sort,
        "sorts": [
            ("name", _("Name")),
            ("-balance", _("Debt first")),
            ("balance", _("Balance ascending")),
            ("-created", _("Newest")),
            ("-last_order", _("Last order")),
        ],
        "qs": querystring_without_page(request),
        "current_filter": _list_querystring(request),
        "saved_filters": saved_filters_for(request.user),
        "saved_filter_form": SavedFilterForm(),
        "can_add": can_add_client(request.user),
        "can_export": request.user.has_perm("clients.export_clients"),
        "can_import": request.user.has_perm("clients.import_clients"),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "clients/client_list.html#client-table", context)
    return render(request, "clients/client_list.html", context)


@require_GET
@permission_required("clients.export_clients", raise_exception=True)
def client_export(request: HttpRequest) -> FileResponse:
    qs, _filterset, _query, _sort = _filtered(request)
    path = export_clients(qs)
    handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    os.unlink(path)  # the open handle keeps the data until the response is sent
    name = f"clients-{timezone.localdate():%Y-%m-%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)


def _render_saved_filters(
    request: HttpRequest, form: SavedFilterForm | None = None
) -> HttpResponse:
    context = {
        "saved_filters": saved_filters_for(request.user),
        "saved_filter_form": form or SavedFilterForm(),
        "current_filter": request.POST.get("querystring", ""),
    }
    return render(request, "clients/client_list.html#saved-filters", context)


def _back_to_list(request: HttpRequest, querystring: str = "") -> HttpResponse:
    url = reverse("clients:client-list")
    return redirect(f"{url}?{querystring}" if querystring else url)


@require_POST
@permission_required(VIEW, raise_exception=True)
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            services.saved_filter_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                querystring=form.cleaned_data["querystring"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            form = None
    if request.htmx:
        return _render_saved_filters(request, form)
    if form is not None:
        messages.error(request, "; ".join(m for errs in form.errors.values() for m in errs))
    else:
        messages.success(request, _("Filter saved."))
    return _back_to_list(request, request.POST.get("querystring", ""))


@require_POST
@permission_required(VIEW, raise_exception=True)
def saved_filter_rename(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_filters_for(request.user), pk=pk)
    try:
        services.saved_filter_rename(
            actor=request.user, saved_filter=saved, name=request.POST.get("name", "")
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    if request.htmx:
        return _render_saved_filters(request)
    return _back_to_list(request)


@require_POST
@permission_required(VIEW, raise_exception=True)
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_filters_for(request.user), pk=pk)
    services.saved_filter_delete(actor=request.user, saved_filter=saved)
    if request.htmx:
        return _render_saved_filters(request)
    messages.success(request, _("Filter deleted."))
    return _back_to_list(request)


# --- Create and edit ------------------------------------------------------------------------------
def _duplicates_context(
    request: HttpRequest, client: Client | None, phones: list[str], emails: list[str], inn: str
) -> list[dict]:
    found: dict[int, dict] = {}
    for kwargs in (
        *({"phone": p} for p in phones),
        *({"email": e} for e in emails),
        *([{"inn": inn}] if inn else []),
    ):
        for dup in services.client_find_duplicates(branch=request.branch, exclude=client, **kwargs)[
            :5
        ]:
            found.setdefault(
                dup.pk,
                {"client": dup, "visible": can_see_client(request.user, dup), "by": []},
            )["by"].append(next(iter(kwargs.values())))
    return list(found.values())


def _form_kit(request: HttpRequest, client: Client) -> tuple:
    data = request.POST if request.method == "POST" else None
    may_reassign = can_reassign_clients(request.user)
    initial = (
        {"manager": request.user.pk}
        if client.pk is None and request.user.role == "manager"
        else None
    )
    form = ClientForm(
        data, instance=client, initial=initial, branch=request.branch, may_reassign=may_reassign
    )
    phones = PhoneFormSet(data, instance=client, prefix="phones")
    contacts = ContactFormSet(data, instance=client, prefix="contacts")
    addresses = AddressFormSet(data, instance=client, prefix="addresses")
    return form, phones, contacts, addresses


def _save_client(request: HttpRequest, client: Client) -> tuple[Client | None, dict]:
    form, phones, contacts, addresses = _form_kit(request, client)
    context: dict[str, Any] = {
        "form": form,
        "phone_formset": phones,
        "contact_formset": contacts,
        "address_formset": addresses,
        "client": client,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "address_helpers": cards.address_helpers_for(request.user),
    }
    if request.method != "POST":
        return None, context
    valid = all([form.is_valid(), phones.is_valid(), contacts.is_valid(), addresses.is_valid()])
    if not valid:
        return None, context
    data = dict(form.cleaned_data)
    emails = data.pop("emails")
    tags = data.pop("tag_names")
    phone_numbers = [row["number"] for row in formset_rows(phones)]
    if not request.POST.get("confirm_duplicate"):
        duplicates = _duplicates_context(
            request, client if client.pk else None, phone_numbers, emails, data.get("inn", "")
        )
        if duplicates:
            context["duplicates"] = duplicates
            return None, context
    kwargs = {
        "phones": phone_numbers,
        "emails": emails,
        "contacts": formset_rows(contacts),
        "addresses": formset_rows(addresses),
        "tags": tags,
        **data,
    }
    try:
        if client.pk is None:
            saved = services.client_create(actor=request.user, branch=request.branch, **kwargs)
        else:
            saved = services.client_update(actor=request.user, client=client, **kwargs)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None, context
    return saved, context


@require_http_methods(["GET", "POST"])
@permission_required("clients.add_client", raise_exception=True)
def client_create(request: HttpRequest) -> HttpResponse:
    saved, context = _save_client(request, Client(branch=request.branch))
    if saved is not None:
        messages.success(request, _("Client %(name)s added.") % {"name": saved.name})
        return redirect("clients:client-detail", pk=saved.pk)
    return render(request, "clients/client_form.html", {**context, "creating": True})


def _visible(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(client_card(user=request.user, branch=request.branch), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> Client:
    client = _visible(request, pk)
    if not can_change_client(request.user, client):
        raise PermissionDenied
    return client


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = _changeable(request, pk)
    saved, context = _save_client(request, client)
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("clients:client-detail", pk=saved.pk)
    return render(request, "clients/client_form.html", {**context, "creating": False})


@require_GET
@permission_required(VIEW, raise_exception=True)
def client_duplicates(request: HttpRequest) -> HttpResponse:
    """While the create form is typed: the cards sharing this phone, e-mail or INN (htmx)."""
    phones = [p[:40] for p in request.GET.getlist("phone") if p.strip()][:5]
    emails = [e[:254] for e in request.GET.getlist("email") if e.strip()][:5]
    inn = request.GET.get("inn", "").strip()[:12]
    exclude = None
    if request.GET.get("exclude", "").isdigit():
        exclude = Client.objects.filter(pk=request.GET["exclude"]).first()
    duplicates = _duplicates_context(request, exclude, phones, emails, inn)
    return render(
        request, "clients/client_form.html#duplicates", {"duplicates": duplicates, "checking": True}
    )


# --- Card -----------------------------------------------------------------------------------------
def _tab_context(request: HttpRequest, client: Client, key: str) -> dict:
    context: dict[str, Any] = {
        "client": client,
        "can_change": can_change_client(request.user, client),
    }
    if key == "timeline":
        context.update(timeline_context(client))
    elif key == "files":
        context.update(attachments_context(client, request.user))
    elif key == "history":
        context.update(history_context(client))
    context["tab_key"] = key
    context["map_tile_url"] = settings.MAP_TILE_URL
    context["map_attribution"] = settings.MAP_TILE_ATTRIBUTION
    return context


def _card_context(request: HttpRequest, client: Client, active: str) -> dict:
    tab = cards.tab(active, request.user)
    if tab is None:
        raise Http404
    context = _tab_context(request, client, active)
    return {
        **context,
        "tabs": cards.tabs_for(request.user),
        "active_tab": active,
        "tab_html": tab.render(request, client, context),
        "facts": cards.facts_for(request.user, client),
        "actions": cards.actions_for(request.user, client),
        "moods": Client.Mood.choices,
        "can_merge": can_merge_clients(request.user) and context["can_change"],
        "can_delete": request.user.has_perm("clients.delete_client") and context["can_change"],
        "primary_phone": next(iter(client.phones.all()), None),
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = _visible(request, pk)
    return render(
        request,
        "clients/client_detail.html",
        _card_context(request, client, request.GET.get("tab", "about")),
    )


@require_GET
@permission_required(VIEW, raise_exception=True)
def client_tab(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    client = _visible(request, pk)
    if not request.htmx:
        return redirect(f"{reverse('clients:client-detail', args=[pk])}?{urlencode({'tab': key})}")
    tab = cards.tab(key, request.user)
    if tab is None:
        raise Http404
    context = _tab_context(request, client, key)
    return HttpResponse(tab.render(request, client, context))


def _after_flag(request: HttpRequest, client: Client) -> HttpResponse:
    if request.htmx:
        client = _visible(request, client.pk)
        return render(
            request,
            "clients/client_detail.html#card-flags",
            _card_context(request, client, "about"),
        )
    return redirect("clients:client-detail", pk=client.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def client_mood(request: HttpRequest, pk: int) -> HttpResponse:
    client = _changeable(request, pk)
    try:
        services.client_set_mood(
            actor=request.user, client=client, mood=request.POST.get("mood", "")
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return _after_flag(request, client)


@require_POST
@permission_required(VIEW, raise_exception=True)
def client_attention(request: HttpRequest, pk: int) -> HttpResponse:
    client = _changeable(request, pk)
    services.client_set_attention(
        actor=request.user, client=client, needs_attention=not client.needs_attention
    )
    return _after_flag(request, client)


@require_POST
@permission_required(VIEW, raise_exception=True)
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = _changeable(request, pk)
    services.client_archive(actor=request.user, client=client, archived=not client.is_archived)
    if client.is_archived:
        messages.success(request, _("The client is back from the archive."))
    else:
        messages.success(request, _("The client is archived."))
    return redirect("clients:client-detail", pk=client.pk)


@require_POST
@permission_required("clients.delete_client", raise_exception=True)
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = _changeable(request, pk)
    try:
        services.client_delete(actor=request.user, client=client)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("clients:client-detail", pk=client.pk)
    messages.success(request, _("The client is deleted."))
    return redirect("clients:client-list")


@require_http_methods(["GET", "POST"])
@permission_required("clients.merge_clients", raise_exception=True)
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = _changeable(request, pk)
    form = MergeForm(request.POST or None, initial={"other": request.GET.get("other")})
    candidates = []
    for phone in keep.phones.all():
        candidates += list(
            services.client_find_duplicates(phone=phone.number, branch=keep.branch, exclude=keep)
        )
    if keep.inn:
        candidates += list(
            services.client_find_duplicates(inn=keep.inn, branch=keep.branch, exclude=keep)
        )
    candidates = list({c.pk: c for c in candidates if not c.merged_into_id}.values())
    if request.method == "POST" and form.is_valid():
        other = (
            client_card(user=request.user, branch=request.branch)
            .filter(pk=form.cleaned_data["other"])
            .first()
        )
        if other is None:
            form.add_error("other", _("No such client in this branch."))
        else:
            try:
                services.client_merge(actor=request.user, keep=keep, other=other)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request, _("“%(other)s” is merged into this card.") % {"other": other.name}
                )
                return redirect("clients:client-detail", pk=keep.pk)
    return render(
        request,
        "clients/client_merge.html",
        {"client": keep, "form": form, "candidates": candidates},
    )


# --- Import ---------------------------------------------------------------------------------------
IMPORT = "clients.import_clients"


def _my_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.select_related("job"), pk=pk, created_by=request.user
    )


@require_http_methods(["GET", "POST"])
@permission_required(IMPORT, raise_exception=True)
def import_upload_view(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_upload(
                actor=request.user, branch=request.branch, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("clients:import-detail", pk=batch.pk)
    recent = ImportBatch.objects.filter(created_by=request.user)[:10]
    return render(request, "clients/import_upload.html", {"form": form, "recent": recent})


@require_http_methods(["GET", "POST"])
@permission_required(IMPORT, raise_exception=True)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _my_batch(request, pk)
    form = ImportMappingForm(request.POST or None, headers=batch.headers, mapping=batch.mapping)
    if request.method == "POST" and batch.status in ("uploaded", "checked") and form.is_valid():
        try:
            with transaction.atomic():
                import_set_mapping(actor=request.user, batch=batch, mapping=form.mapping())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("clients:import-detail", pk=batch.pk)
    context = {
        "batch": batch,
        "form": form,
        "targets": TARGETS,
        "errors": batch.errors[:500],
        "job": batch.job,
    }
    return render(request, "clients/import_detail.html", context)


@require_POST
@permission_required(IMPORT, raise_exception=True)
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _my_batch(request, pk)
    try:
        import_start(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("clients:import-detail", pk=batch.pk)


@require_GET
@permission_required(IMPORT, raise_exception=True)
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    batch = _my_batch(request, pk)
    if not batch.report:
        raise Http404
    return FileResponse(
        batch.report.open("rb"), as_attachment=True, filename=f"rejected-{batch.original_name}"
    )
