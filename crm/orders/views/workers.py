"""Worker pages: the skills directory and a worker's profile (HR), "assign worker" on an order
(the dispatcher), actions and messages on one job, and the worker's own jobs (tablet page)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.accounts.models_schedules import StaffProfile
from crm.accounts.models_skills import RatingAdjustment, Skill
from crm.accounts.permissions_schedules import can_manage_schedules, schedule_staff_for
from crm.accounts.services_skills import rating_adjust, staff_profile_update
from crm.core.forms import apply_validation_error
from crm.orders.forms_workers import (
    AssignForm,
    MessageForm,
    OrderSkillsForm,
    RatingAdjustmentForm,
    SkillForm,
    WorkerProfileForm,
)
from crm.orders.models import Order
from crm.orders.models_workers import AssignmentStatus, WorkerAssignment, WorkerMessage
from crm.orders.permissions import orders_for
from crm.orders.roles_workers import ASSIGN
from crm.orders.services import workers as services
from crm.orders.services.orders import branch_today
from crm.orders.workers import eligible_workers, order_span, worker_ratings


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _require_hr(request: HttpRequest) -> None:
    if not can_manage_schedules(request.user):
        raise PermissionDenied


# --- Skills and worker profiles (HR) -------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def skill_list(request: HttpRequest) -> HttpResponse:
    _require_hr(request)
    form = SkillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The skill is added."))
        return redirect("orders:skills")
    staff = list(
        schedule_staff_for(request.user, _branch(request))
        .filter(is_active=True)
        .select_related("staff_profile")
        .prefetch_related("staff_profile__skills")
        .order_by("role", "last_name")
    )
    ratings = worker_ratings([u.pk for u in staff])
    for person in staff:
        person.rating = ratings[person.pk]
        profile = getattr(person, "staff_profile", None)
        person.skill_names = [s.name for s in profile.skills.all()] if profile else []
        person.category = profile.category if profile else ""
    context = {
        "skills": Skill.objects.annotate(people=Count("profiles")),
        "staff": staff,
        "form": form,
    }
    return render(request, "orders/workers/skills.html", context)


@require_http_methods(["GET", "POST"])
def worker_profile(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hr(request)
    person = get_object_or_404(schedule_staff_for(request.user, _branch(request)), pk=pk)
    profile = StaffProfile.objects.filter(user=person).prefetch_related("skills").first()
    initial = {
        "skills": list(profile.skills.all()) if profile else [],
        "category": profile.category if profile else "",
        "vacation_days_per_year": profile.vacation_days_per_year if profile else 28,
    }
    which = request.POST.get("form")
    profile_form = WorkerProfileForm(request.POST if which == "profile" else None, initial=initial)
    rating_form = RatingAdjustmentForm(request.POST if which == "rating" else None)
    try:
        if which == "profile" and profile_form.is_valid():
            data = profile_form.cleaned_data
            staff_profile_update(
                actor=request.user,
                user=person,
                skills=list(data["skills"]),
                category=data["category"],
                vacation_days_per_year=data["vacation_days_per_year"],
            )
            messages.success(request, _("Saved."))
            return redirect("orders:worker-profile", pk=person.pk)
        if which == "rating" and rating_form.is_valid():
            rating_adjust(actor=request.user, user=person, **rating_form.cleaned_data)
            messages.success(request, _("The rating is adjusted."))
            return redirect("orders:worker-profile", pk=person.pk)
    except ValidationError as error:
        apply_validation_error(rating_form if which == "rating" else profile_form, error)
    context = {
        "person": person,
        "rating": worker_ratings([person.pk])[person.pk],
        "adjustments": RatingAdjustment.objects.filter(user=person).select_related("actor"),
        "jobs": WorkerAssignment.objects.filter(worker=person)
        .select_related("order", "order__client")
        .order_by("-order__date")[:20],
        "profile_form": profile_form,
        "rating_form": rating_form,
    }
    return render(request, "orders/workers/profile.html", context)


# --- Assigning workers on an order ---------------------------------------------------------------
def _order(request: HttpRequest, pk: int) -> Order:
    if not request.user.has_perm(ASSIGN):
        raise PermissionDenied
    order = get_object_or_404(
        orders_for(request.user, _branch(request)).select_related("branch", "client"), pk=pk
    )
    if not services.can_assign(request.user, order):
        raise PermissionDenied
    return order


@require_http_methods(["GET", "POST"])
def order_workers(request: HttpRequest, pk: int) -> HttpResponse:
    """Who can do the order (skills, on shift, free), best first; tick one or several."""
    order = _order(request, pk)
    candidates = eligible_workers(order)
    form = AssignForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.worker_assign(actor=request.user, order=order, workers=form.chosen())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Workers assigned."))
            return redirect("orders:order-workers", pk=order.pk)
    start, end = order_span(order)
    context = {
        "order": order,
        "span": (start, end),
        "candidates": candidates,
        "form": form,
        "skills_form": OrderSkillsForm(
            initial={"skills": [n.skill_id for n in order.skill_needs.all()]}
        ),
        "assignments": order.worker_assignments.select_related("worker").prefetch_related(
            "messages"
        ),
        "message_form": MessageForm(),
    }
    return render(request, "orders/workers/assign.html", context)


@require_POST
def order_skills(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = OrderSkillsForm(request.POST)
    if form.is_valid():
        services.order_skills_set(
            actor=request.user, order=order, skills=list(form.cleaned_data["skills"])
        )
    return redirect("orders:order-workers", pk=order.pk)


def _assignment(request: HttpRequest, pk: int) -> WorkerAssignment:
    visible = orders_for(request.user, _branch(request))
    return get_object_or_404(
        WorkerAssignment.objects.filter(
            Q(worker=request.user) | Q(order__in=visible)
        ).select_related("order", "order__branch", "worker"),
        pk=pk,
    )


@require_POST
def assignment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        services.assignment_move(actor=request.user, assignment=assignment, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if assignment.worker_id == request.user.pk:
        return redirect("orders:my-jobs")
    return redirect("orders:order-workers", pk=assignment.order_id)


@require_POST
def assignment_message(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if not services.can_assign(request.user, assignment.order):
        raise PermissionDenied
    form = MessageForm(request.POST)
    if form.is_valid():
        services.worker_message_send(
            actor=request.user, assignment=assignment, body=form.cleaned_data["body"]
        )
        messages.success(request, _("The message is sent."))
    else:
        messages.error(request, _("Write the message."))
    return redirect("orders:order-workers", pk=assignment.order_id)


# --- The worker's own jobs (tablet) ------------------------------------------------------------
@require_http_methods(["GET"])
def my_jobs(request: HttpRequest) -> HttpResponse:
    branch = request.user.branch
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = branch_today(branch) if branch else datetime.date.today()
    jobs = list(
        WorkerAssignment.objects.filter(worker=request.user, order__date=day)
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("order", "order__client", "order__branch")
        .prefetch_related(
            "order__stops",
            "order__items",
            Prefetch("messages", queryset=WorkerMessage.objects.order_by("sent_at")),
        )
        .order_by("order__window_from", "pk")
    )
    services.worker_messages_mark_read(worker=request.user, assignment_ids=[j.pk for j in jobs])
    context = {
        "jobs": jobs,
        "day": day,
        "prev": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
    }
    return render(request, "orders/workers/my_jobs.html", context)
