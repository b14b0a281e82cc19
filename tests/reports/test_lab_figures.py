"""The lab on the director's dashboard: open and overdue requests, and the average turnaround of
the requests completed in the period — with the link to the overdue list."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import LabRequest
from reports.filters import ReportFilter
from reports.selectors.lab import lab_figures
from tests.labs.factories import advance, make_lab_client, make_request

pytestmark = pytest.mark.django_db


def test_lab_figures_count_the_queue_and_the_turnaround(users, branch, client_for):
    manager, lab, director = users["manager"], users["lab_technician"], users["director"]
    client = make_lab_client(branch, manager)
    today = datetime.date.today()
    waiting = make_request(client, actor=manager, deadline=today + datetime.timedelta(days=20))
    advance(waiting, "sent", manager=manager, lab=lab)
    late = make_request(client, actor=manager, deadline=today + datetime.timedelta(days=20))
    advance(late, "sent", manager=manager, lab=lab)
    LabRequest.objects.filter(pk=late.pk).update(deadline=today - datetime.timedelta(days=1))
    for hours in (24, 72):  # two finished: 1 and 3 days from sending to the answer
        done = advance(make_request(client, actor=manager), "calculated", manager=manager, lab=lab)
        now = timezone.now()
        LabRequest.objects.filter(pk=done.pk).update(
            sent_at=now - datetime.timedelta(hours=hours), completed_at=now
        )
    flt = ReportFilter(date_from=today.replace(day=1), date_to=today, today=today, branch=branch)

    figures = lab_figures(flt, director)

    assert figures["open"] == 2 and figures["overdue"] == 1
    assert figures["turnaround_days"] == Decimal("2.0") and figures["completed"] == 2
    page = client_for("director").get(reverse("reports:dashboard"))
    body = page.content.decode()
    assert 'data-figure="lab-overdue">1<' in body
    assert reverse("labs:request-list") + "?overdue=on" in body
    overdue_list = client_for("director").get(reverse("labs:request-list") + "?overdue=on")
    assert late.number in overdue_list.content.decode()
    assert waiting.number not in overdue_list.content.decode()
