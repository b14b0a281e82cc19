"""The working day: start / break / back / end, "today" in the branch's time zone, the header
widget and its page (with and without htmx), and the "who is working" board."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.accounts import workday
from crm.accounts.models import WorkEvent, WorkSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user("manager", username="mgr")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_day_goes_start_break_back_end(manager):
    assert workday.workday_state(manager) == "absent"
    assert not workday.is_working(manager)
    workday.workday_start(user=manager)
    assert workday.is_working(manager)
    workday.workday_break(user=manager)
    assert workday.workday_state(manager) == "break"
    assert not workday.is_working(manager)
    workday.workday_resume(user=manager)
    assert workday.is_working(manager)
    workday.workday_end(user=manager)
    assert workday.workday_state(manager) == "ended"
    assert not workday.is_working(manager)
    kinds = list(WorkEvent.objects.values_list("kind", flat=True))
    assert kinds == ["start", "break", "resume", "end"]
    workday.workday_start(user=manager)  # back after ending: the same day's session again
    assert workday.is_working(manager)
    assert WorkSession.objects.count() == 1


@pytest.mark.parametrize(
    ("before", "action"),
    [([], "break"), ([], "resume"), ([], "end"), (["start"], "start"), (["start"], "resume")],
)
def test_impossible_moves_are_refused(manager, before, action):
    for step in before:
        workday.WORKDAY_ACTIONS[step](user=manager)
    with pytest.raises(ValidationError):
        workday.WORKDAY_ACTIONS[action](user=manager)


def test_roles_that_get_no_leads_keep_no_working_day(make_user):
    with pytest.raises(PermissionDenied):
        workday.workday_start(user=make_user("driver", username="drv"))


def test_today_is_the_branch_day(manager, branch):
    branch.timezone = "Asia/Vladivostok"  # UTC+10
    branch.save()
    late_utc = datetime.datetime(2026, 3, 1, 20, 0, tzinfo=datetime.UTC)
    assert workday.today_for(branch, late_utc) == datetime.date(2026, 3, 2)
    session = workday.workday_start(user=manager)
    assert session.day == workday.today_for(branch)


def test_yesterdays_unfinished_day_does_not_count(manager):
    now = timezone.now()
    WorkSession.objects.create(
        user=manager,
        day=workday.today_for(manager.branch) - datetime.timedelta(days=1),
        state="working",
        started_at=now,
        changed_at=now,
    )
    assert workday.workday_state(manager) == "absent"


def test_header_shows_the_widget_only_to_those_who_get_leads(manager, make_user):
    page = _client(manager).get(reverse("leads:task-list"))
    assert 'id="workday"' in page.content.decode()
    page = _client(make_user("driver", username="drv")).get(reverse("accounts:profile"))
    assert 'id="workday"' not in page.content.decode()


def test_widget_buttons_with_htmx(manager):
    client = _client(manager)
    widget = client.get(reverse("accounts:workday"), headers={"HX-Request": "true"})
    assert 'data-workday-action="start"' in widget.content.decode()
    assert "<html" not in widget.content.decode()
    response = client.post(
        reverse("accounts:workday-action", args=["start"]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'data-workday-state="working"' in html
    assert 'data-workday-action="break"' in html
    assert workday.is_working(manager)


def test_widget_buttons_without_htmx(manager):
    client = _client(manager)
    response = client.post(
        reverse("accounts:workday-action", args=["start"]), {"next": "/leads/tasks/"}
    )
    assert response.status_code == 302 and response["Location"] == "/leads/tasks/"
    response = client.post(
        reverse("accounts:workday-action", args=["start"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:workday")
    page = client.get(response["Location"])
    assert "already started" in page.content.decode()
    assert 'data-workday-state="working"' in page.content.decode()
    assert client.post(reverse("accounts:workday-action", args=["dance"])).status_code == 404


def test_board_shows_who_works(manager, make_user, users):
    other = make_user("manager", username="mgr2", first_name="Ольга")
    workday.workday_start(user=manager)
    workday.workday_start(user=other)
    workday.workday_break(user=other)
    page = _client(users["head_of_sales"]).get(reverse("accounts:workday-board"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-user="{manager.pk}"' in html and "On a break" in html
    assert _client(manager).get(reverse("accounts:workday-board")).status_code == 403
