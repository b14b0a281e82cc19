"""A worker's day: the printable list of jobs, e-mailing it (one worker or everyone working on
the date), and the hour-scale day/week view. Dispatchers (who assign workers) see any worker of
the branch; everyone else only their own day."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts.models import User
from crm.orders.roles_workers import ASSIGN
from crm.orders.services.orders import branch_today
from crm.orders.worker_day import day_jobs, hour_lanes, hour_ticks, worker_day_send, workers_of_day


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _date(raw: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return default


def _worker(request: HttpRequest) -> Any:
    """The worker asked for (dispatchers: any of the branch, 404 otherwise); else oneself."""
    raw = request.GET.get("worker") or request.POST.get("worker") or ""
    if not request.user.has_perm(ASSIGN) or not raw.isdigit():
        return request.user
    return get_object_or_404(
        User.objects.filter(branch=_branch(request)).select_related("branch"), pk=int(raw)
    )


def _context(request: HttpRequest) -> dict:
    branch = _branch(request)
    worker = _worker(request)
    day = _date(request.GET.get("date", ""), branch_today(branch))
    choices = (
        User.objects.filter(pk__in=workers_of_day(branch, day) | {worker.pk}).order_by("last_name")
        if request.user.has_perm(ASSIGN)
        else []
    )
    return {
        "worker": worker,
        "day": day,
        "choices": choices,
        "can_send": request.user.has_perm(ASSIGN),
    }


@require_GET
def worker_day(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["jobs"] = day_jobs(context["worker"], context["day"])
    return render(request, "orders/workers/day.html", context)


@require_POST
def worker_day_email(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ASSIGN):
        raise PermissionDenied
    branch = _branch(request)
    day = _date(request.POST.get("date", ""), branch_today(branch) + datetime.timedelta(days=1))
    if request.POST.get("worker") == "all":
        workers = list(
            User.objects.filter(pk__in=workers_of_day(branch, day), is_active=True).select_related(
                "branch"
            )
        )
    else:
        workers = [_worker(request)]
    sent = worker_day_send(workers=workers, day=day)
    messages.success(
        request, _("%(n)s e-mails sent for %(day)s.") % {"n": sent, "day": day.strftime("%d.%m.%Y")}
    )
    worker = request.POST.get("worker", "")
    query = f"?date={day.isoformat()}" + (f"&worker={worker}" if worker.isdigit() else "")
    return redirect(reverse("orders:worker-day") + query)


@require_GET
def worker_hours(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    hours = 24 if request.GET.get("hours") == "24" else 12
    day = context["day"]
    week = request.GET.get("week") == "1"
    days = (
        [
            day - datetime.timedelta(days=day.weekday()) + datetime.timedelta(days=i)
            for i in range(7)
        ]
        if week
        else [day]
    )
    context.update(
        hours=hours,
        week=week,
        lanes=hour_lanes(context["worker"], days, hours),
        ticks=hour_ticks(hours),
    )
    return render(request, "orders/workers/hours.html", context)
