"""The schedule where others ask "who works": the route planner's drivers and vans for a day,
and lead distribution (someone away by the schedule gets no leads; the working-day buttons
still count)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from crm.accounts import workday
from crm.accounts.services_schedules import schedule_apply, schedule_cell_set
from crm.leads import distribution, services
from routes.forms import DriverForm, PlanForm, drivers_of
from tests.accounts.schedule_factories import make_template
from tests.leads.factories import make_pipeline
from tests.routes.factories import make_depot, make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(make_user):
    return make_user("hr", username="hr_lena")


@pytest.fixture
def fleet(make_user, branch):
    depot = make_depot(branch)
    drivers = [make_user("driver", username=f"drv{i}", first_name=f"Водитель{i}") for i in range(3)]
    vans = [make_vehicle(branch, depot, driver=d, name=f"Газель {d.username}") for d in drivers]
    return drivers, vans


def test_planner_offers_only_drivers_and_vans_working_that_day(hr, fleet, branch):
    drivers, vans = fleet
    day = datetime.date.today() + datetime.timedelta(days=1)
    schedule_apply(
        actor=hr,
        template=make_template(branch, "WWOO"),
        users=drivers[:2],
        start=day,
        end=day + datetime.timedelta(days=6),
    )
    schedule_cell_set(actor=hr, user=drivers[0], day=day, action="sick")
    assert set(drivers_of(branch, day)) == {drivers[1], drivers[2]}  # drv2 keeps no schedule
    assert set(drivers_of(branch)) == set(drivers)  # without a day: everyone, as before
    assert set(drivers_of(branch, day + datetime.timedelta(days=2))) == {drivers[2]}  # cycle off
    form = DriverForm(branch=branch, day=day)
    assert drivers[0] not in form.fields["driver"].queryset
    plan_form = PlanForm(branch=branch, day=day)
    assert set(plan_form.fields["vehicles"].queryset) == {vans[1], vans[2]}
    # a form built without the day still refuses the sick driver's van for that date
    posted = PlanForm(
        {"date": day.isoformat(), "vehicles": [vans[0].pk, vans[1].pk]}, branch=branch
    )
    assert not posted.is_valid()
    assert "does not work on this day" in str(posted.errors["vehicles"])


def test_plan_page_for_a_date_leaves_out_the_sick_drivers_van(hr, fleet, branch, make_user):
    drivers, vans = fleet
    day = datetime.date.today() + datetime.timedelta(days=2)
    schedule_cell_set(actor=hr, user=drivers[0], day=day, action="sick")
    client = Client()
    client.force_login(make_user("dispatcher", username="disp"))
    page = client.get(reverse("routes:plan") + f"?date={day.isoformat()}").content.decode()
    assert "Газель drv1" in page and "Газель drv0" not in page
    other_day = client.get(
        reverse("routes:plan") + f"?date={(day + datetime.timedelta(days=1)).isoformat()}"
    )
    assert "Газель drv0" in other_day.content.decode()
    refused = client.post(
        reverse("routes:plan"), {"date": day.isoformat(), "vehicles": [vans[0].pk]}
    )
    assert refused.status_code == 200  # the form comes back with the error, no plan


def test_a_manager_away_by_the_schedule_gets_no_leads(hr, make_user, branch):
    pipeline = make_pipeline(branch)
    anna = make_user("manager", username="anna", first_name="Анна")
    boris = make_user("manager", username="boris", first_name="Борис")
    make_user("head_of_sales", username="head")
    distribution.rule_for_pipeline(pipeline)
    workday.workday_start(user=anna)
    workday.workday_start(user=boris)
    today = workday.today_for(branch)
    schedule_cell_set(actor=hr, user=boris, day=today, action="vacation")
    for _ in range(3):
        lead = services.lead_create(
            actor=None, branch=branch, pipeline=pipeline, automatic=True, contact_name="Заявка"
        )
        distribution.distribute_lead(lead.pk)
    assert set(pipeline.leads.values_list("manager__username", flat=True)) == {"anna"}
    # the buttons still count: Anna ends her day, nobody is left, the next lead waits
    workday.workday_end(user=anna)
    lead = services.lead_create(
        actor=None, branch=branch, pipeline=pipeline, automatic=True, contact_name="Ждёт"
    )
    distribution.distribute_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.manager is None


def test_sticky_owner_on_sick_leave_sends_the_lead_to_the_pool(hr, make_user, branch):
    from tests.clients.factories import make_client

    pipeline = make_pipeline(branch)
    anna = make_user("manager", username="anna")
    boris = make_user("manager", username="boris")
    rule = distribution.rule_for_pipeline(pipeline)
    rule.sticky_owner = True
    rule.save(update_fields=["sticky_owner"])
    workday.workday_start(user=anna)
    workday.workday_start(user=boris)
    client = make_client(branch=branch, manager=anna)
    schedule_cell_set(actor=hr, user=anna, day=workday.today_for(branch), action="sick")
    lead = services.lead_create(
        actor=None,
        branch=branch,
        pipeline=pipeline,
        automatic=True,
        contact_name="Повтор",
        client=client,
    )
    distribution.distribute_lead(lead.pk)
    lead.refresh_from_db()
    assert lead.manager == boris
