"""The debtors page (receivables aging, who owes what, the last reminder and the next one), a
debtor's page with its actions (promise to pay, "do not remind", lifting "stop deliveries"), the
Excel export and the dunning-ladder settings.

Every view checks the role permission (``billing.roles``) and fetches clients through
``clients.permissions.clients_for``: a manager sees only his own clients, another manager's
client answers 404. Business rules live in ``billing.services.dunning`` and
``billing.services.aging``; the views bind a form, call a service, render."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.forms_debts import (
    DebtorFilterForm,
    DunningStepForm,
    LiftStopForm,
    PromiseForm,
    RemindersForm,
)
from billing.models import Document, DunningEvent, DunningStep, PromiseToPay
from billing.roles import MANAGE_DUNNING, VIEW_DEBTORS, WORK_DEBTS
from billing.services import aging, dunning
from clients.models import Client
from clients.permissions import clients_for
from crm.accounts.models import Branch, User
from crm.core.forms import apply_validation_error

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUPS = {
    "manager": (gettext_lazy("Manager"), aging.aging_by_manager),
    "route": (gettext_lazy("Standing route"), aging.aging_by_route),
    "branch": (gettext_lazy("Branch"), aging.aging_by_branch),
}
SORT_FIELDS = {
    "-overdue": ["-overdue_amount", "-open_debt", "pk"],
    "overdue": ["overdue_amount", "open_debt", "pk"],
    "-debt": ["-open_debt", "pk"],
    "name": ["name", "pk"],
}


def _today() -> datetime.date:
    return timezone.localdate()


# --- The list ------------------------------------------------------------------------------------
def _filtered(request: HttpRequest) -> tuple[QuerySet[Client], QuerySet[Client], DebtorFilterForm]:
    """(clients in scope after the manager and branch filters, the debtors among them sorted
    and filtered by bucket, the form)."""
    scope = clients_for(request.user)
    managers = User.objects.filter(pk__in=scope.values("manager")).order_by(
        "last_name", "first_name", "pk"
    )
    branches = None
    if request.user.can_switch_branch:
        branches = Branch.objects.filter(pk__in=scope.values("branch")).order_by("name")
    form = DebtorFilterForm(request.GET or None, managers=managers, branches=branches)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("manager"):
        scope = scope.filter(manager=data["manager"])
    if data.get("branch"):
        scope = scope.filter(branch=data["branch"])
    rows = aging.debtors(scope, _today())
    bucket = data.get("bucket")
    if bucket == "overdue":
        rows = rows.filter(overdue_amount__gt=0)
    elif bucket:
        rows = rows.filter(**{f"{bucket}__gt": 0})
    order = SORT_FIELDS.get(data.get("sort") or "-overdue", SORT_FIELDS["-overdue"])
    rows = rows.select_related("manager", "branch").order_by(*order)
    return scope, rows, form


def _with_states(clients: list[Client]) -> list[Client]:
    states = dunning.reminder_states(clients, _today())
    for client in clients:
        client.reminders = states[client.pk]
    return clients


def _chart(totals: dict[str, Any]) -> dict[str, Any]:
    return {
        "labels": [str(label) for _key, label, *_rest in aging.BUCKETS],
        "values": [float(totals[key]) for key in aging.BUCKET_KEYS],
        "label": str(_("Outstanding")),
    }


@permission_required(VIEW_DEBTORS, raise_exception=True)
@require_GET
def debtors(request: HttpRequest) -> HttpResponse:
    """Who owes what: the aging summary with a chart and a grouping, and the debtors with
    their buckets, the last reminder, the next step and the promise to pay."""
    scope, rows, form = _filtered(request)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_states(list(page.object_list))
    documents = Document.objects.filter(client__in=scope)
    totals = aging.aging_totals(today=_today(), documents=documents)
    group = request.GET.get("group") if request.GET.get("group") in GROUPS else "manager"
    group_label, group_rows = GROUPS[group]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "totals": totals,
        "buckets": aging.BUCKETS,
        "bucket_totals": [(key, label, totals[key]) for key, label, *_r in aging.BUCKETS],
        "chart": _chart(totals),
        "group": group,
        "group_label": group_label,
        "groups": [(key, label) for key, (label, _fn) in GROUPS.items()],
        "group_rows": group_rows(today=_today(), documents=documents),
        "query": query.urlencode(),
        "can_work": request.user.has_perm(WORK_DEBTS),
        "can_manage_ladder": request.user.has_perm(MANAGE_DUNNING),
        "today": _today(),
    }
    return render(request, "billing/debts/debtors.html", context)


@permission_required(VIEW_DEBTORS, raise_exception=True)
@require_GET
def debtors_xlsx(request: HttpRequest) -> HttpResponse:
    _scope, rows, _form = _filtered(request)
    clients = _with_states(list(rows))
    response = HttpResponse(_debtors_xlsx(clients, _today()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="debtors-{_today():%Y-%m-%d}.xlsx"'
    return response


def _debtors_xlsx(clients: list[Client], today: datetime.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Debtors"))[:31]
    head = [_("Client"), _("Manager"), _("Branch"), _("Debt"), _("Overdue")]
    head += [label for _key, label, *_rest in aging.BUCKETS]
    head += [
        _("Last reminder"),
        _("Reminded on"),
        _("Next step"),
        _("Next step on"),
        _("Promised to pay by"),
        _("Do not remind"),
        _("Stop deliveries"),
    ]
    sheet.append([str(_("Debtors")), today])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["B1"].number_format = "DD.MM.YYYY"
    sheet.append([str(title) for title in head])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    yes, no = str(_("yes")), ""
    for c in clients:
        state = c.reminders
        last_at = timezone.localtime(state.last_at).date() if state.last_at else None
        manager = c.manager.get_full_name() or c.manager.get_username() if c.manager else ""
        sheet.append(
            [c.name, manager, c.branch.name, c.open_debt, c.overdue_amount]
            + [getattr(c, key) for key in aging.BUCKET_KEYS]
            + [
                str(state.last_step) if state.last_step else "",
                last_at,
                str(state.next_step) if state.next_step else "",
                state.next_on,
                c.promise_to_pay_on,
                yes if c.do_not_remind else no,
                yes if c.stop_deliveries else no,
            ]
        )
    for row in sheet.iter_rows(min_row=3):
        for cell in row[3:10]:
            cell.number_format = "#,##0.00"
        for index in (11, 13, 14):
            row[index].number_format = "DD.MM.YYYY"
    for index, width in enumerate([36, 22, 18] + [14] * 7 + [24, 12, 24, 12, 12, 10, 10], 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- A debtor ------------------------------------------------------------------------------------
def _client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(clients_for(request.user).select_related("manager", "branch"), pk=pk)


def _detail(request: HttpRequest, client: Client, **forms: Any) -> HttpResponse:
    today = _today()
    invoices = list(
        Document.objects.filter(aging.open_invoices(), client=client).order_by("due_date", "pk")
    )
    for invoice in invoices:
        invoice.days_overdue = (today - invoice.due_date).days if invoice.due_date else 0
    events = (
        DunningEvent.objects.filter(client=client)
        .select_related("step", "document")
        .order_by("-done_at", "-pk")[:50]
    )
    context = {
        "client": client,
        "invoices": invoices,
        "events": events,
        "promises": PromiseToPay.objects.filter(client=client).select_related("created_by")[:10],
        "state": dunning.reminder_states([client], today)[client.pk],
        "can_work": request.user.has_perm(WORK_DEBTS),
        "promise_form": forms.get("promise_form") or PromiseForm(),
        "lift_form": forms.get("lift_form") or LiftStopForm(),
        "today": today,
    }
    return render(request, "billing/debts/debtor_detail.html", context)


@permission_required(VIEW_DEBTORS, raise_exception=True)
@require_GET
def debtor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A debtor: open invoices, reminders sent, promises, and the actions."""
    return _detail(request, _client(request, pk))


@permission_required(WORK_DEBTS, raise_exception=True)
@require_POST
def debtor_promise(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = PromiseForm(request.POST)
    if form.is_valid():
        try:
            dunning.promise_to_pay_record(actor=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The promise to pay is recorded."))
            return redirect("billing:debtor-detail", pk=client.pk)
    return _detail(request, client, promise_form=form)


@permission_required(WORK_DEBTS, raise_exception=True)
@require_POST
def debtor_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = RemindersForm(request.POST)
    form.is_valid()
    do_not_remind = bool(form.cleaned_data.get("do_not_remind"))
    dunning.client_reminders_set(actor=request.user, client=client, do_not_remind=do_not_remind)
    if do_not_remind:
        messages.success(request, _("Debt reminders are switched off for this client."))
    else:
        messages.success(request, _("Debt reminders are switched on for this client."))
    return redirect("billing:debtor-detail", pk=client.pk)


@permission_required(WORK_DEBTS, raise_exception=True)
@require_POST
def debtor_lift_stop(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = LiftStopForm(request.POST)
    if form.is_valid():
        try:
            dunning.client_stop_lift(
                actor=request.user, client=client, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Deliveries may go on for this client."))
            return redirect("billing:debtor-detail", pk=client.pk)
    return _detail(request, client, lift_form=form)


# --- The ladder ----------------------------------------------------------------------------------
@permission_required(MANAGE_DUNNING, raise_exception=True)
@require_GET
def dunning_ladder(request: HttpRequest) -> HttpResponse:
    steps = DunningStep.objects.order_by("days_after_due", "pk")
    return render(request, "billing/debts/ladder.html", {"steps": steps})


def _step_form(request: HttpRequest, step: DunningStep | None) -> HttpResponse:
    form = DunningStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            dunning.dunning_step_save(actor=request.user, step=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The step is saved."))
            return redirect("billing:dunning-ladder")
    return render(request, "billing/debts/step_form.html", {"form": form, "step": step})


@permission_required(MANAGE_DUNNING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def dunning_step_add(request: HttpRequest) -> HttpResponse:
    return _step_form(request, None)


@permission_required(MANAGE_DUNNING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def dunning_step_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _step_form(request, get_object_or_404(DunningStep, pk=pk))
