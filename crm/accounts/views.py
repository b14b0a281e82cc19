from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.accounts import services
from crm.accounts.forms import (
    BranchForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    StaffForm,
    StaffPasswordForm,
)
from crm.accounts.middleware import BRANCH_SESSION_KEY
from crm.accounts.models import Branch
from crm.accounts.permissions import branches_for, can_manage_staff, staff_for
from crm.accounts.roles import Role
from crm.accounts.selectors import staff_list
from crm.core.forms import apply_validation_error
from crm.core.pagination import paginate, querystring_without_page
from crm.core.panels import record_panels
from crm.core.registry import home_url_name_for, nav_items_for


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own start page; roles without a dedicated one get this overview."""
    url_name = home_url_name_for(request.user.role)
    if url_name:
        return redirect(url_name)
    sections = [item for item in nav_items_for(request.user) if item.key != "home"]
    return render(request, "accounts/home.html", {"sections": sections})


@login_not_required
@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = _safe_next(request, request.POST.get("next"))
    response = redirect(target)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.profile_update(user=request.user, language=language)
    translation.activate(language)
    response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_POST
@permission_required("accounts.switch_branch", raise_exception=True)
def branch_switch(request: HttpRequest) -> HttpResponse:
    branch = get_object_or_404(
        branches_for(request.user), pk=request.POST.get("branch"), is_active=True
    )
    request.session[BRANCH_SESSION_KEY] = branch.pk
    messages.success(request, _("You are now working in %(branch)s.") % {"branch": branch})
    return redirect(_safe_next(request, request.POST.get("next")))


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


# --- Staff (administrators) -----------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required("accounts.view_staff", raise_exception=True)
def staff_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    show_inactive = request.GET.get("inactive") == "1"
    page = paginate(
        request,
        staff_list(
            user=request.user,
            branch=request.branch,
            query=query,
            role=role,
            show_inactive=show_inactive,
        ),
    )
    context = {
        "page": page,
        "query": query,
        "role": role,
        "show_inactive": show_inactive,
        "roles": Role.choices,
        "can_manage": can_manage_staff(request.user),
        "qs": querystring_without_page(request),
    }
    if request.htmx:
        return render(request, "accounts/staff_list.html#staff-table", context)
    return render(request, "accounts/staff_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("accounts.manage_staff", raise_exception=True)
def staff_create(request: HttpRequest) -> HttpResponse:
    initial = {"branch": request.branch, "language": request.LANGUAGE_CODE}
    form = StaffForm(request.POST or None, initial=initial, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password")
        try:
            user = services.staff_create(actor=request.user, password=password, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Employee %(name)s added.") % {"name": user})
            return redirect("accounts:staff-detail", pk=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(staff_for(request.user), pk=pk)
    may_manage = can_manage_staff(request.user, employee)
    form = StaffForm(request.POST or None, instance=employee) if may_manage else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.staff_update(actor=request.user, user=employee, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("accounts:staff-detail", pk=employee.pk)
    context = {
        "employee": employee,
        "form": form,
        "can_manage": may_manage,
        "password_form": StaffPasswordForm() if may_manage else None,
        **record_panels(employee, request.user),
    }
    return render(request, "accounts/staff_detail.html", context)


@require_POST
@permission_required("accounts.manage_staff", raise_exception=True)
def staff_password(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(staff_for(request.user), pk=pk)
    form = StaffPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.staff_set_password(
                actor=request.user, user=employee, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The new password is set."))
    else:
        messages.error(request, _("Enter the new password."))
    return redirect("accounts:staff-detail", pk=employee.pk)


@require_http_methods(["GET"])
@permission_required("accounts.manage_staff", raise_exception=True)
def branch_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/branch_list.html",
        {"branches": branches_for(request.user).order_by("name")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("accounts.manage_staff", raise_exception=True)
def branch_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    branch = get_object_or_404(branches_for(request.user), pk=pk) if pk else Branch()
    form = BranchForm(request.POST or None, instance=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_save(actor=request.user, branch=form.save(commit=False))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Branch saved."))
            return redirect("accounts:branch-list")
    return render(request, "accounts/branch_form.html", {"form": form, "branch": branch})
