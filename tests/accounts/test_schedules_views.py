"""Schedule pages through HTTP: HR's month grid (query count flat in the number of people),
a cell with and without htmx, forms that re-render with errors, applying a template, templates,
the employee's own calendar and request, HR's decision, and who may see whose schedule."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from crm.accounts.models_schedules import Shift, ShiftTemplate, TimeOff
from crm.accounts.services_schedules import schedule_apply, time_off_request
from tests.accounts.schedule_factories import make_template

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def hr(make_user):
    return make_user("hr", username="hr_lena")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hr_lands_on_the_month_grid(hr):
    response = _client(hr).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:schedule-grid")


def test_grid_shows_hours_and_kinds_with_flat_queries(
    hr, make_user, branch, django_assert_max_num_queries
):
    template = make_template(branch, "WWOO")
    people = [make_user("driver", username=f"d{i}") for i in range(2)]
    schedule_apply(
        actor=hr, template=template, users=people, start=D(2026, 3, 1), end=D(2026, 3, 31)
    )
    client = _client(hr)
    url = reverse("accounts:schedule-grid") + "?month=2026-03"
    with django_assert_max_num_queries(14) as few:
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'id="grid-row-{people[0].pk}"' in body and "192" in body  # 16 shifts × 12 h
    more = [make_user("driver", username=f"e{i}") for i in range(6)]
    schedule_apply(actor=hr, template=template, users=more, start=D(2026, 3, 1), end=D(2026, 3, 31))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_cell_marks_sick_leave_with_and_without_htmx(hr, make_user):
    driver = make_user("driver", username="drv")
    url = reverse("accounts:schedule-cell", args=[driver.pk, "2026-03-10"])
    client = _client(hr)
    assert "cell-form" in client.get(url).content.decode()
    plain = client.post(url, {"action": "sick", "note": "ОРВИ"})
    assert plain.status_code == 302 and plain["Location"].endswith("?month=2026-03")
    assert TimeOff.objects.get(user=driver, day=D(2026, 3, 10)).kind == "sick"
    htmx = client.post(
        url,
        {"action": "shift", "starts_at": "09:00", "ends_at": "21:00"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200
    body = htmx.content.decode()
    assert body.lstrip().startswith("<tr") and f'id="grid-row-{driver.pk}"' in body and "12" in body
    assert not TimeOff.objects.filter(user=driver).exists()


def test_cell_form_re_renders_with_the_services_error(hr, make_user):
    driver = make_user("driver", username="drv")
    url = reverse("accounts:schedule-cell", args=[driver.pk, "2026-03-10"])
    page = _client(hr).post(url, {"action": "shift", "starts_at": "", "ends_at": ""})
    assert page.status_code == 200
    assert "start and end" in page.content.decode()
    assert not Shift.objects.exists()


def test_other_branch_cells_are_hidden_and_employees_refused(hr, make_user, other_branch):
    stranger = make_user("driver", username="far", branch=other_branch)
    client = _client(hr)
    url = reverse("accounts:schedule-cell", args=[stranger.pk, "2026-03-10"])
    assert client.post(url, {"action": "sick"}).status_code == 404
    driver = make_user("driver", username="drv")
    own = reverse("accounts:schedule-cell", args=[driver.pk, "2026-03-10"])
    assert _client(driver).post(own, {"action": "day_off"}).status_code == 403
    assert _client(driver).get(reverse("accounts:schedule-grid")).status_code == 403
    assert not TimeOff.objects.exists()


def test_apply_page_plans_three_people_and_re_renders_errors(hr, make_user, branch):
    template = make_template(branch, "WWOO", name="2/2")
    people = [make_user("driver", username=f"d{i}") for i in range(3)]
    client = _client(hr)
    assert "apply-form" in client.get(reverse("accounts:schedule-apply")).content.decode()
    data = {
        "template": template.pk,
        "users": [p.pk for p in people],
        "start": "2026-01-30",
        "end": "2026-02-02",
    }
    response = client.post(reverse("accounts:schedule-apply"), data)
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-01")
    assert Shift.objects.count() == 3 * 2
    bad = client.post(reverse("accounts:schedule-apply"), {**data, "end": "2026-01-01"})
    assert bad.status_code == 200 and "before the first" in bad.content.decode()
    assert Shift.objects.count() == 6


def test_templates_page_adds_and_edits_a_template(hr, make_user, branch):
    client = _client(hr)
    bad = client.post(
        reverse("accounts:shift-templates"),
        {"name": "Плохой", "cycle": "OO", "starts_at": "09:00", "ends_at": "18:00"},
    )
    assert bad.status_code == 200 and not ShiftTemplate.objects.exists()
    ok = client.post(
        reverse("accounts:shift-templates"),
        {
            "name": "3/3",
            "cycle": "wwwooo",
            "starts_at": "08:00",
            "ends_at": "20:00",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    template = ShiftTemplate.objects.get()
    assert (template.cycle, template.branch) == ("WWWOOO", branch)
    edit = reverse("accounts:shift-template-edit", args=[template.pk])
    client.post(
        edit, {"name": "3/3 ночь", "cycle": "WWWOOO", "starts_at": "20:00", "ends_at": "08:00"}
    )
    template.refresh_from_db()
    assert template.name == "3/3 ночь" and not template.is_active
    dispatcher = make_user("dispatcher", username="disp")
    assert _client(dispatcher).get(reverse("accounts:shift-templates")).status_code == 200
    assert _client(dispatcher).get(edit).status_code == 403
    assert (
        _client(dispatcher)
        .post(
            reverse("accounts:shift-templates"),
            {"name": "x", "cycle": "W", "starts_at": "08:00", "ends_at": "09:00"},
        )
        .status_code
        == 403
    )


def test_employee_sees_own_calendar_requests_and_hr_decides(hr, make_user, branch):
    driver = make_user("driver", username="drv")
    schedule_apply(
        actor=hr,
        template=make_template(branch, "WWOO"),
        users=[driver],
        start=D(2026, 3, 1),
        end=D(2026, 3, 31),
    )
    client = _client(driver)
    page = client.get(reverse("accounts:my-schedule") + "?month=2026-03").content.decode()
    assert "my-calendar" in page and "08:00–20:00" in page and "vacation-balance" in page
    day = datetime.date.today() + datetime.timedelta(days=5)
    sent = client.post(
        reverse("accounts:my-schedule"),
        {"day": day.isoformat(), "kind": "day_off", "note": "К врачу"},
    )
    assert sent.status_code == 302
    request = TimeOff.objects.get(user=driver)
    again = client.post(
        reverse("accounts:my-schedule"), {"day": day.isoformat(), "kind": "day_off"}
    )
    assert again.status_code == 200 and "already" in again.content.decode()
    hr_client = _client(hr)
    listing = hr_client.get(reverse("accounts:time-off-requests")).content.decode()
    assert "К врачу" in listing
    # the driver cannot decide, even on their own request
    assert (
        client.post(reverse("accounts:time-off-decide", args=[request.pk, "approve"])).status_code
        == 403
    )
    hr_client.post(reverse("accounts:time-off-decide", args=[request.pk, "approve"]))
    assert TimeOff.objects.get(pk=request.pk).status == "approved"


def test_employee_calendar_shows_only_their_own_schedule(hr, make_user, branch):
    me, colleague = make_user("driver", username="me"), make_user("driver", username="col")
    schedule_apply(
        actor=hr,
        template=make_template(branch, "W", starts=datetime.time(7, 15)),
        users=[colleague],
        start=D(2026, 3, 1),
        end=D(2026, 3, 3),
    )
    time_off_request(
        actor=colleague, day=datetime.date.today() + datetime.timedelta(days=2), note="Секрет"
    )
    page = _client(me).get(reverse("accounts:my-schedule") + "?month=2026-03").content.decode()
    assert "07:15" not in page and "Секрет" not in page


def test_hr_of_another_branch_cannot_decide(hr, make_user, other_branch):
    far_hr = make_user("hr", username="far_hr", branch=other_branch)
    driver = make_user("driver", username="drv")
    request = time_off_request(actor=driver, day=datetime.date.today() + datetime.timedelta(days=3))
    url = reverse("accounts:time-off-decide", args=[request.pk, "decline"])
    assert _client(far_hr).post(url).status_code == 404
    assert TimeOff.objects.get(pk=request.pk).status == "requested"
