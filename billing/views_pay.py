"""Staff pay pages: pay rules, the accountant's period page (accruals, advances, payouts per
employee; compute the period; pay once; .xlsx), and every employee's own pay."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.forms_pay import PayoutForm, PayRuleForm, PeriodForm
from billing.models_pay import PayAccrual, Payout, PayoutKind, PayRule
from billing.roles_pay import MANAGE_PAY
from billing.services import pay as services
from crm.accounts.models import User
from crm.accounts.workday import today_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_PAY):
        raise PermissionDenied


def _staff(branch: Any):
    return User.objects.filter(branch=branch).order_by("last_name", "first_name")


def _period(
    request: HttpRequest, branch: Any
) -> tuple[PeriodForm, datetime.date, datetime.date, Any]:
    today = today_for(branch)
    first = today.replace(day=1)
    form = PeriodForm(
        request.GET or None, staff=_staff(branch), initial={"start": first, "end": today}
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, data["start"], data["end"], data["employee"]
    return form, first, today, None


# --- Pay rules -----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def pay_rules(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    form = PayRuleForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The pay rule is saved."))
        return redirect("billing:pay-rules")
    rules = PayRule.objects.filter(branch=branch).order_by("-is_active", "name")
    return render(request, "billing/pay/rules.html", {"rules": rules, "form": form})


@require_http_methods(["GET", "POST"])
def pay_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    rule = get_object_or_404(PayRule.objects.filter(branch=branch), pk=pk)
    form = PayRuleForm(request.POST or None, instance=rule, branch=branch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The pay rule is saved."))
        return redirect("billing:pay-rules")
    return render(request, "billing/pay/rule_edit.html", {"rule": rule, "form": form})


# --- The accountant's period page ----------------------------------------------------------------
def _rows(
    branch: Any, start: datetime.date, end: datetime.date, employee: Any
) -> tuple[list, list]:
    accruals = PayAccrual.objects.filter(branch=branch, day__range=(start, end)).select_related(
        "employee", "rule", "payout"
    )
    payouts = Payout.objects.filter(
        branch=branch, paid_at__date__range=(start, end)
    ).select_related("employee", "paid_by")
    if employee is not None:
        accruals, payouts = accruals.filter(employee=employee), payouts.filter(employee=employee)
    return list(accruals.order_by("employee__last_name", "day", "pk")), list(payouts)


def _summary(accruals: list, payouts: list) -> list[dict]:
    people: dict[int, dict] = defaultdict(
        lambda: {
            "accrued": Decimal(0),
            "unpaid": Decimal(0),
            "advances": Decimal(0),
            "paid": Decimal(0),
        }
    )
    for a in accruals:
        row = people[a.employee_id]
        row["employee"] = a.employee
        row["accrued"] += a.amount
        if a.payout_id is None:
            row["unpaid"] += a.amount
    for p in payouts:
        row = people[p.employee_id]
        row["employee"] = p.employee
        row["advances" if p.kind == PayoutKind.ADVANCE else "paid"] += p.amount
    return sorted(people.values(), key=lambda r: r["employee"].display_name)


@require_http_methods(["GET"])
def pay_period(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    form, start, end, employee = _period(request, branch)
    accruals, payouts = _rows(branch, start, end, employee)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "accruals": accruals,
        "payouts": payouts,
        "summary": _summary(accruals, payouts),
        "key": uuid.uuid4,
        "query": request.GET.urlencode(),
    }
    return render(request, "billing/pay/period.html", context)


def _back(request: HttpRequest) -> str:
    query = request.POST.get("query", "")
    return f"{reverse('billing:pay')}?{query}" if query else reverse("billing:pay")


@require_POST
def pay_compute(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    form = PeriodForm(request.POST, staff=_staff(branch))
    if not form.is_valid():
        messages.error(request, _("Choose the period."))
        return redirect("billing:pay")
    try:
        created = services.pay_compute(
            actor=request.user,
            branch=branch,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)s new accruals.") % {"n": created})
    return redirect(_back(request))


@require_POST
def payout_create(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    form = PayoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the amount."))
        return redirect(_back(request))
    data = form.cleaned_data
    employee = get_object_or_404(_staff(branch), pk=data["employee"])
    try:
        payout = services.payout_record(
            actor=request.user,
            branch=branch,
            employee=employee,
            start=data["start"],
            end=data["end"],
            key=data["key"],
            kind=data["kind"],
            amount=data["amount"],
            note=data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(kind)s of %(amount)s recorded for %(name)s.")
            % {
                "kind": payout.get_kind_display(),
                "amount": payout.amount,
                "name": employee.display_name,
            },
        )
    return redirect(_back(request))


@require_http_methods(["GET"])
def pay_xlsx(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    _form, start, end, employee = _period(request, branch)
    accruals, payouts = _rows(branch, start, end, employee)
    response = HttpResponse(_workbook(accruals, payouts, start, end), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="pay-{start:%Y-%m-%d}-{end:%Y-%m-%d}.xlsx"'
    )
    return response


def _workbook(accruals: list, payouts: list, start: datetime.date, end: datetime.date) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Accruals"))[:31]
    sheet.append([str(_("Staff pay")), start, end])
    sheet["A1"].font = Font(bold=True)
    sheet.append(
        [
            str(h)
            for h in (
                _("Employee"),
                _("Day"),
                _("For"),
                _("Rule"),
                _("Quantity"),
                _("Amount"),
                _("Paid"),
            )
        ]
    )
    for a in accruals:
        sheet.append(
            [
                a.employee.display_name,
                a.day,
                a.description,
                a.rule.name,
                a.quantity,
                a.amount,
                bool(a.payout_id),
            ]
        )
    money = book.create_sheet(str(_("Advances and payouts"))[:31])
    money.append(
        [str(h) for h in (_("Employee"), _("Kind"), _("Amount"), _("Paid"), _("By"), _("Note"))]
    )
    for p in payouts:
        money.append(
            [
                p.employee.display_name,
                str(p.get_kind_display()),
                p.amount,
                p.paid_at.replace(tzinfo=None),
                str(p.paid_by or ""),
                p.note,
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Everyone's own pay --------------------------------------------------------------------------
@require_http_methods(["GET"])
def my_pay(request: HttpRequest) -> HttpResponse:
    user = request.user
    accruals = (
        PayAccrual.objects.filter(employee=user)
        .select_related("rule")
        .order_by("-day", "-pk")[:100]
    )
    payouts = Payout.objects.filter(employee=user).order_by("-paid_at")[:50]
    unpaid = sum(
        (a.amount for a in PayAccrual.objects.filter(employee=user, payout__isnull=True)),
        Decimal(0),
    )
    context = {"accruals": accruals, "payouts": payouts, "unpaid": unpaid}
    return render(request, "billing/pay/mine.html", context)
