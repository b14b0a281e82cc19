"""Expenses: the list of a period with the form to add one (with an attachment), the category
directory with limits, and the monthly plan per category. Expenses are kept per branch: a user
who cannot switch branches sees and records only his own branch's; another branch's expense is
a 404."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.core.forms import apply_validation_error
from reports import roles, services
from reports.filters import local_today, report_filter_for
from reports.forms import CategoryForm, ExpenseForm, PlanForm, PlanMonthForm
from reports.models import Expense, ExpenseCategory, PlannedExpense
from reports.selectors.common import money_sum
from reports.selectors.expenses import by_category, over_limit

PER_PAGE = 50


def expenses_for(request: HttpRequest) -> QuerySet[Expense]:
    """Expenses the user may see: every branch for roles that switch, else their own."""
    qs = Expense.objects.select_related("category", "created_by", "branch")
    if request.user.can_switch_branch:
        return qs
    return qs.filter(branch=request.user.branch)


@permission_required(roles.VIEW_EXPENSES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def expense_list(request: HttpRequest) -> HttpResponse:
    flt, period_form = report_filter_for(request)
    branch = request.branch
    form = ExpenseForm(initial={"date": local_today(branch)})
    can_add = request.user.has_perm(roles.ADD_EXPENSE)
    if request.method == "POST":
        if not can_add:
            return HttpResponse(status=403)
        form = ExpenseForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                _expense, warning = services.expense_create(
                    actor=request.user, branch=branch, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Expense recorded."))
                if warning:
                    messages.warning(request, warning)
                return redirect("reports:expense-list")
    rows = expenses_for(request).filter(date__gte=flt.date_from, date__lte=flt.date_to)
    if flt.branch is not None:
        rows = rows.filter(branch=flt.branch)
    total = rows.aggregate(s=money_sum("amount"))["s"]
    page = Paginator(rows.order_by("-date", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "flt": flt,
        "period_form": period_form,
        "form": form,
        "page": page,
        "total": total,
        "categories": by_category(flt),
        "over_limit": over_limit(flt.branch, flt.today),
        "can_add": can_add,
        "can_plan": request.user.has_perm(roles.PLAN_EXPENSES),
        "can_manage": request.user.has_perm(roles.MANAGE_CATEGORIES),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/expenses/expense_list.html", context, status=status)


@permission_required(roles.ADD_EXPENSE, raise_exception=True)
@require_POST
def expense_delete(request: HttpRequest) -> HttpResponse:
    """The expense's id comes in the POST body (``pk``); another branch's answers 404."""
    pk = request.POST.get("pk", "")
    expense = get_object_or_404(expenses_for(request), pk=int(pk) if pk.isdigit() else 0)
    services.expense_delete(actor=request.user, expense=expense)
    messages.success(request, _("Expense deleted."))
    return redirect("reports:expense-list")


@permission_required(roles.MANAGE_CATEGORIES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(initial={"is_active": True})
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                services.category_save(actor=request.user, category=None, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Category added."))
                return redirect("reports:category-list")
    context = {"form": form, "categories": ExpenseCategory.objects.order_by("-is_active", "name")}
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/expenses/category_list.html", context, status=status)


@permission_required(roles.MANAGE_CATEGORIES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(ExpenseCategory, pk=pk)
    initial = {
        "name": category.name,
        "monthly_limit": category.monthly_limit,
        "is_active": category.is_active,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("reports:category-list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/expenses/category_edit.html",
        {"form": form, "category": category},
        status=status,
    )


@permission_required(roles.PLAN_EXPENSES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def expense_plan(request: HttpRequest) -> HttpResponse:
    branch = request.branch
    month_form = PlanMonthForm(request.GET or None)
    month = local_today(branch).replace(day=1)
    if month_form.is_bound and month_form.is_valid():
        month = month_form.cleaned_data["month"].replace(day=1)
    categories = list(ExpenseCategory.objects.filter(is_active=True).order_by("name"))
    current = {
        p.category_id: p.amount for p in PlannedExpense.objects.filter(branch=branch, month=month)
    }
    initial = {f"cat_{pk}": amount for pk, amount in current.items()}
    form = PlanForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.expense_plan_set(
                actor=request.user, branch=branch, month=month, amounts=form.amounts()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Plan saved."))
            return redirect(f"{request.path}?month={month:%Y-%m}")
    context = {
        "form": form,
        "month": month,
        "month_form": PlanMonthForm(initial={"month": month}),
        "branch": branch,
        "previous": (month - datetime.timedelta(days=1)).replace(day=1),
        "next": (month + datetime.timedelta(days=32)).replace(day=1),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/expenses/plan.html", context, status=status)
