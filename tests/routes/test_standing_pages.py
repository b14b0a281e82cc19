"""Standing routes and route-aware intake through HTTP: the list (constant queries), the form
(bad input re-rendered), the route page with its map and site search, adding / moving /
removing sites, the client card's Routes tab with its one-click add, the order form's htmx
endpoint, planning a day with a standing mode, and who gets a 404."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from routes.models import RoutePlan, StandingRoute, StandingStop
from tests.routes.factories import make_depot, make_vehicle
from tests.routes.standing_factories import (
    make_site_client,
    make_standing_route,
    next_monday,
    site_address,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]

HX = {"HX-Request": "true"}
TODAY = datetime.date.today()
MONDAY = next_monday(TODAY)


def _sites(branch, n, lat="59.95"):
    return [site_address(branch, (lat, f"30.{300 + 7 * i}")) for i in range(n)]


@pytest.fixture
def route(users, branch, fleet):
    return make_standing_route(
        users["dispatcher"],
        branch,
        fleet[0],
        weekday=0,
        name="Понедельник",
        addresses=_sites(branch, 3),
    )


# --- List ---------------------------------------------------------------------------------------
def test_list_groups_routes_by_weekday_with_counts(client_for, route, users, branch, fleet):
    make_standing_route(users["dispatcher"], branch, fleet[1], weekday=3, name="Четверг")
    page = client_for("dispatcher").get(reverse("routes:standing-list")).content.decode()
    assert "Monday" in page and "Thursday" in page
    assert "Понедельник" in page and "3 / 65" in page
    only_thursday = client_for("dispatcher").get(reverse("routes:standing-list"), {"weekday": 3})
    assert "Четверг" in only_thursday.content.decode()
    assert "Понедельник</a>" not in only_thursday.content.decode()
    assert 'id="standing-plan"' in page  # planners get the plan form
    assert (
        'id="standing-plan"'
        not in client_for("director").get(reverse("routes:standing-list")).content.decode()
    )


def test_list_queries_do_not_grow_with_routes(
    client_for, users, branch, fleet, django_assert_max_num_queries
):
    http = client_for("dispatcher")
    make_standing_route(users["dispatcher"], branch, fleet[0], addresses=_sites(branch, 2))
    with django_assert_max_num_queries(12) as few:
        http.get(reverse("routes:standing-list"))
    for weekday in range(1, 6):
        make_standing_route(
            users["dispatcher"],
            branch,
            fleet[weekday % 2],
            weekday=weekday,
            addresses=_sites(branch, 3, lat=f"59.9{weekday}"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        http.get(reverse("routes:standing-list"))


# --- Form ---------------------------------------------------------------------------------------
def _route_data(van, **over):
    data = {
        "name": "Вторник · Север",
        "weekday": "1",
        "every_weeks": "1",
        "anchor_date": "",
        "vehicle": van.pk,
        "driver": "",
        "max_stops": "",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_dispatcher_creates_a_standing_route(client_for, fleet):
    response = client_for("dispatcher").post(
        reverse("routes:standing-create"), _route_data(fleet[0])
    )
    route = StandingRoute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "routes:standing-detail", args=[route.pk]
    )
    assert route.weekday == 1 and route.created_by.username == "dispatcher"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"every_weeks": "2"}, "anchor_date"),
        (
            {"every_weeks": "2", "anchor_date": "2025-01-06"},
            "anchor_date",
        ),  # a Monday, not a Tuesday
        ({"every_weeks": "0"}, "every_weeks"),
        ({"name": ""}, "name"),
        ({"max_stops": "0"}, "max_stops"),
        ({"vehicle": ""}, "vehicle"),
    ],
)
def test_bad_route_input_rerenders_with_errors(client_for, fleet, over, field):
    response = client_for("dispatcher").post(
        reverse("routes:standing-create"), _route_data(fleet[0], **over)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not StandingRoute.objects.exists()


def test_a_vehicle_of_another_branch_is_not_a_choice(client_for, other_branch):
    foreign = make_vehicle(other_branch, make_depot(other_branch))
    response = client_for("dispatcher").post(
        reverse("routes:standing-create"), _route_data(foreign)
    )
    assert "vehicle" in response.context["form"].errors
    assert not StandingRoute.objects.exists()


def test_duplicate_name_and_weekday_clash_rerender(client_for, route, users, branch, fleet):
    http = client_for("dispatcher")
    response = http.post(
        reverse("routes:standing-create"), _route_data(fleet[1], name="Понедельник")
    )
    assert response.status_code == 200 and response.context["form"].errors
    thursday = make_standing_route(users["dispatcher"], branch, fleet[1], weekday=3)
    StandingStop.objects.create(
        route=thursday, address=route.stops.first().address, weekday=3, position=0
    )
    response = http.post(
        reverse("routes:standing-edit", args=[route.pk]),
        _route_data(fleet[0], name="Понедельник", weekday="3"),
    )
    assert response.status_code == 200 and "weekday" in response.context["form"].errors
    route.refresh_from_db()
    assert route.weekday == 0


# --- The route page ------------------------------------------------------------------------------
def test_route_page_draws_the_sites_in_order(client_for, route, django_assert_max_num_queries):
    http = client_for("dispatcher")
    with django_assert_max_num_queries(12):
        response = http.get(reverse("routes:standing-detail", args=[route.pk]))
    page = response.content.decode()
    data = json.loads(re.search(r'id="standing-map-data"[^>]*>(.*?)</script>', page).group(1))
    assert [s["n"] for s in data["stops"]] == [1, 2, 3]
    assert "standing-routes.js" in page and "<script>" not in page
    assert "data-sortable-sites" in page
    assert (
        "data-sortable-sites"
        not in client_for("director")
        .get(reverse("routes:standing-detail", args=[route.pk]))
        .content.decode()
    )


def test_site_search_offers_the_best_place_with_and_without_htmx(client_for, route, branch):
    target = site_address(branch, ("59.951", "30.308"), name="Кафе Поиск")
    http = client_for("dispatcher")
    url = reverse("routes:standing-detail", args=[route.pk])
    fragment = http.get(url, {"q": "Поиск"}, headers=HX).content.decode()
    assert fragment.startswith('<div id="site-search">') and "Кафе Поиск" in fragment
    assert 'name="position" value="3"' in fragment  # between the second and the third site
    page = http.get(url, {"q": "Поиск"}).content.decode()
    assert "<html" in page and "Кафе Поиск" in page
    assert str(target.pk) in page


def test_sites_are_added_moved_and_removed_through_http(client_for, route, branch):
    http = client_for("dispatcher")
    new = site_address(branch, ("59.96", "30.40"))
    detail = reverse("routes:standing-detail", args=[route.pk])
    response = http.post(
        reverse("routes:standing-site-add", args=[route.pk]),
        {"address": new.pk, "position": 1, "next": detail},
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert route.stops.get(position=0).address == new

    site = route.stops.get(address=new)
    http.post(reverse("routes:standing-site-move", args=[site.pk]), {"position": 3})
    site.refresh_from_db()
    assert site.position == 2

    http.post(reverse("routes:standing-site-remove", args=[route.pk]), {"site": site.pk})
    assert not route.stops.filter(address=new).exists()
    assert list(route.stops.values_list("position", flat=True).order_by("position")) == [0, 1, 2]
    again = http.post(
        reverse("routes:standing-site-remove", args=[route.pk]), {"site": site.pk}, follow=True
    )
    assert "no longer on the route" in again.content.decode()


def test_bad_site_input_changes_nothing(client_for, route):
    http = client_for("dispatcher")
    response = http.post(
        reverse("routes:standing-site-add", args=[route.pk]), {"address": "x"}, follow=True
    )
    assert "Choose an address." in response.content.decode()
    site = route.stops.first()
    http.post(reverse("routes:standing-site-move", args=[site.pk]), {"position": "0"})
    site.refresh_from_db()
    assert site.position == 0 and route.stops.count() == 3


def test_an_empty_route_is_deleted_a_full_one_is_not(client_for, route, users, branch, fleet):
    http = client_for("dispatcher")
    response = http.post(reverse("routes:standing-delete", args=[route.pk]), follow=True)
    assert "Only a route without sites" in response.content.decode()
    empty = make_standing_route(users["dispatcher"], branch, fleet[1], weekday=4)
    assert http.post(reverse("routes:standing-delete", args=[empty.pk])).status_code == 302
    assert list(StandingRoute.objects.all()) == [route]


def test_another_branch_gets_404(route, make_user, other_branch, branch):
    from django.test import Client

    stranger = make_user("dispatcher", username="msk", branch=other_branch)
    http = Client()
    http.force_login(stranger)
    assert http.get(reverse("routes:standing-detail", args=[route.pk])).status_code == 404
    assert http.get(reverse("routes:standing-edit", args=[route.pk])).status_code == 404
    site = route.stops.first()
    assert (
        http.post(reverse("routes:standing-site-move", args=[site.pk]), {"position": 2}).status_code
        == 404
    )
    response = http.post(
        reverse("routes:standing-site-add", args=[route.pk]), {"address": site_address(branch).pk}
    )
    assert response.status_code == 404
    assert route.stops.count() == 3


# --- The client card ----------------------------------------------------------------------------
def _tab(http, client, **kw):
    return http.get(reverse("clients:client-tab", args=[client.pk, "standing"]), headers=HX, **kw)


def test_card_tab_shows_the_best_routes_with_deltas(client_for, route, users, branch, fleet):
    thursday = make_standing_route(
        users["dispatcher"], branch, fleet[1], weekday=3, addresses=_sites(branch, 2, "59.80")
    )
    new = site_address(branch, ("59.951", "30.308"))
    page = _tab(client_for("dispatcher"), new.client).content.decode()
    assert (
        f'data-suggestion-route="{route.pk}"' in page
        and f'data-suggestion-route="{thursday.pk}"' in page
    )
    assert page.index(f'data-suggestion-route="{route.pk}"') < page.index(
        f'data-suggestion-route="{thursday.pk}"'
    )
    assert "Δ km" in page and "62 of 65 stops" in page
    assert f'data-add-to-route="{route.pk}"' in page
    # directors see the suggestions but get no button
    director = _tab(client_for("director"), new.client).content.decode()
    assert f'data-suggestion-route="{route.pk}"' in director and "data-add-to-route" not in director
    full = client_for("dispatcher").get(
        reverse("clients:client-detail", args=[new.client.pk]), {"tab": "standing"}
    )
    assert 'data-tab-link="standing"' in full.content.decode()


def test_card_tab_queries_do_not_grow_with_routes(
    client_for, route, users, branch, fleet, django_assert_max_num_queries
):
    new = make_site_client(branch, [("59.951", "30.308"), ("59.90", "30.40")])
    http = client_for("dispatcher")
    with django_assert_max_num_queries(20) as few:
        _tab(http, new)
    for weekday in range(1, 6):
        make_standing_route(
            users["dispatcher"],
            branch,
            fleet[weekday % 2],
            weekday=weekday,
            addresses=_sites(branch, 4, lat=f"59.9{weekday}"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _tab(http, new).content.decode()
    assert page.count("data-suggestion-route=") == 6  # three routes for each of two addresses


def test_card_tab_for_an_address_already_on_a_route_and_one_without_a_point(
    client_for, route, branch
):
    site = route.stops.first().address
    page = _tab(client_for("dispatcher"), site.client).content.decode()
    assert (
        f'data-on-route="{route.pk}"' in page and f'data-suggestion-route="{route.pk}"' not in page
    )
    nowhere = make_site_client(branch, [None])
    assert "no point on the map" in _tab(client_for("dispatcher"), nowhere).content.decode()


def test_one_click_adds_the_address_from_the_card(client_for, route, branch):
    new = site_address(branch, ("59.951", "30.308"))
    http = client_for("dispatcher")
    data = {
        "address": new.pk,
        "position": 2,
        "card": new.client.pk,
        "next": f"/clients/{new.client.pk}/?tab=standing",
    }
    response = http.post(reverse("routes:standing-site-add", args=[route.pk]), data, headers=HX)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="standing-flash"' in page
    assert f'data-on-route="{route.pk}"' in page
    assert route.stops.get(address=new).position == 1
    # without htmx: back to the card with a message
    other = site_address(branch, ("59.952", "30.309"))
    data.update(
        address=other.pk, card=other.client.pk, next=f"/clients/{other.client.pk}/?tab=standing"
    )
    response = http.post(reverse("routes:standing-site-add", args=[route.pk]), data)
    assert response.status_code == 302 and response["Location"] == data["next"]
    assert route.stops.filter(address=other).exists()


def test_manager_adds_own_client_only(client_for, route, users, branch, make_user):
    own = site_address(branch, manager=users["manager"])
    foreign = site_address(branch, manager=make_user("manager", username="other"))
    http = client_for("manager")
    response = http.post(reverse("routes:standing-site-add", args=[route.pk]), {"address": own.pk})
    assert response.status_code == 302  # to the client's card: managers do not see route pages
    assert response["Location"].startswith(reverse("clients:client-detail", args=[own.client.pk]))
    assert (
        http.post(
            reverse("routes:standing-site-add", args=[route.pk]), {"address": foreign.pk}
        ).status_code
        == 404
    )
    assert (
        client_for("director")
        .post(reverse("routes:standing-site-add", args=[route.pk]), {"address": foreign.pk})
        .status_code
        == 403
    )
    assert list(
        route.stops.filter(address__in=[own, foreign]).values_list("address", flat=True)
    ) == [own.pk]


def test_an_unsafe_next_is_ignored(client_for, route, branch):
    new = site_address(branch)
    response = client_for("dispatcher").post(
        reverse("routes:standing-site-add", args=[route.pk]),
        {"address": new.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("routes:standing-detail", args=[route.pk])


# --- The order form's endpoint ------------------------------------------------------------------
def test_suggest_endpoint_returns_the_best_route_of_the_weekday(client_for, route, branch):
    new = site_address(branch, ("59.951", "30.308"))
    http = client_for("operator")
    url = reverse("routes:standing-suggest")
    fragment = http.get(
        url, {"address": new.pk, "date": MONDAY.isoformat()}, headers=HX
    ).content.decode()
    assert (
        fragment.startswith('<div id="standing-suggest"')
        and "Понедельник" in fragment
        and "at #3" in fragment
    )
    tuesday = (MONDAY + datetime.timedelta(days=1)).isoformat()
    assert (
        "No standing route runs"
        in http.get(url, {"address": new.pk, "date": tuesday}, headers=HX).content.decode()
    )
    assert (
        "Choose a date."
        in http.get(url, {"address": new.pk, "date": "31.02"}, headers=HX).content.decode()
    )
    by_point = http.get(
        url, {"lat": "59.951", "lon": "30.308", "date": MONDAY.isoformat()}, headers=HX
    )
    assert "Понедельник" in by_point.content.decode()
    page = http.get(url, {"address": new.pk, "date": MONDAY.isoformat()}).content.decode()
    assert "<html" in page and "Понедельник" in page
    on_route = route.stops.first().address
    assert (
        "Already on"
        in http.get(
            url, {"address": on_route.pk, "date": MONDAY.isoformat()}, headers=HX
        ).content.decode()
    )


def test_suggest_endpoint_hides_other_managers_clients(client_for, route, branch, make_user):
    foreign = site_address(branch, manager=make_user("manager", username="other"))
    response = client_for("manager").get(
        reverse("routes:standing-suggest"), {"address": foreign.pk, "date": MONDAY.isoformat()}
    )
    assert response.status_code == 404
    assert client_for("driver").get(reverse("routes:standing-suggest")).status_code == 403


# --- Plan a day with a standing mode ------------------------------------------------------------
def test_plan_a_day_from_the_standing_page(
    client_for, route, fleet, django_capture_on_commit_callbacks
):
    from tests.orders.factories import make_order

    for site in route.stops.all():
        make_order(client=site.address.client, date=MONDAY)
    data = {"date": MONDAY.isoformat(), "vehicles": [v.pk for v in fleet], "standing_mode": "vans"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("dispatcher").post(reverse("routes:standing-plan"), data)
    plan = RoutePlan.objects.get()
    assert response["Location"] == reverse("routes:plan-detail", args=[plan.pk])
    assert plan.standing_mode == "vans" and plan.stats["standing"]["orders"] == 3
    assert {s.route.vehicle_id for s in plan.stops.select_related("route")} == {fleet[0].pk}


def test_plan_form_errors_rerender(client_for, route):
    response = client_for("dispatcher").post(
        reverse("routes:standing-plan"), {"date": "", "vehicles": [], "standing_mode": "nope"}
    )
    form = response.context["plan_form"]
    assert response.status_code == 200 and {"date", "vehicles", "standing_mode"} <= set(form.errors)
    assert not RoutePlan.objects.exists()
