"""The territories and special-loads page, and the vehicle form's fuel and equipment, through
HTTP: saved and audited, bad input re-rendered with nothing lost, other branches hidden."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core.models import AuditEntry
from routes.models import ProductRequirement, Territory, Vehicle
from tests.orders.factories import make_product
from tests.routes.factories import make_depot, make_vehicle

pytestmark = pytest.mark.django_db

SQUARE = [[59.90, 30.20], [59.90, 30.40], [60.00, 30.40], [60.00, 30.20]]


@pytest.fixture
def vans(branch):
    depot = make_depot(branch)
    return [make_vehicle(branch, depot), make_vehicle(branch, depot)]


def _territory_data(vans, **over):
    data = {
        "name": "Север",
        "colour": "#cf222e",
        "position": "1",
        "is_active": "on",
        "polygon": json.dumps(SQUARE),
        "vehicles": [vans[0].pk],
    }
    data.update(over)
    return data


def test_a_dispatcher_draws_a_territory_and_gives_it_a_van(client, users, branch, vans):
    client.force_login(users["dispatcher"])
    response = client.post(reverse("routes:territory-create"), _territory_data(vans))

    assert response.status_code == 302
    territory = Territory.objects.get()
    assert territory.branch == branch and territory.polygon == SQUARE
    assert list(territory.vehicles.all()) == [vans[0]]
    assert AuditEntry.objects.filter(object_id=territory.pk, action="create").exists()
    page = client.get(reverse("routes:territory-list")).content.decode()
    assert "Север" in page and vans[0].plate in page and "territories-map-data" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("polygon", "[]"), ("polygon", "not json"), ("polygon", json.dumps(SQUARE[:2])), ("name", "")],
)
def test_a_bad_territory_is_re_rendered_with_the_error(client, users, vans, field, value):
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("routes:territory-create"), _territory_data(vans, **{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="Север"' in response.content.decode() or field == "name"
    assert not Territory.objects.exists()


def test_a_van_of_another_branch_cannot_join_a_territory(client, users, vans, other_branch):
    foreign = make_vehicle(other_branch, make_depot(other_branch))
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("routes:territory-create"), _territory_data(vans, vehicles=[foreign.pk])
    )
    assert response.status_code == 200 and "vehicles" in response.context["form"].errors
    assert not Territory.objects.exists()


def test_another_branchs_territory_is_not_found(client, users, other_branch):
    theirs = Territory.objects.create(branch=other_branch, name="Чужая", polygon=SQUARE)
    client.force_login(users["dispatcher"])
    assert client.get(reverse("routes:territory-edit", args=[theirs.pk])).status_code == 404
    data = {"name": "Наша", "colour": "#000000", "position": "0", "polygon": json.dumps(SQUARE)}
    assert client.post(reverse("routes:territory-edit", args=[theirs.pk]), data).status_code == 404
    assert Territory.objects.get(pk=theirs.pk).name == "Чужая"


def test_editing_keeps_the_history_of_the_vans(client, users, branch, vans):
    territory = Territory.objects.create(branch=branch, name="Север", polygon=SQUARE)
    territory.vehicles.add(vans[0])
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("routes:territory-edit", args=[territory.pk]),
        _territory_data(vans, vehicles=[vans[1].pk]),
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_id=territory.pk, action="update").get()
    assert entry.changes["vehicles"] == [[vans[0].plate], [vans[1].plate]]


def test_special_loads_are_added_once_and_removed(client, users):
    solvent = make_product(name="Растворитель")
    client.force_login(users["dispatcher"])
    url = reverse("routes:requirement-add")

    assert client.post(url, {"product": solvent.pk, "skill": "adr"}).status_code == 302
    again = client.post(url, {"product": solvent.pk, "skill": "adr"}, follow=True)
    assert "already needs" in again.content.decode()
    bad = client.post(url, {"product": solvent.pk, "skill": "flying"}, follow=True)
    assert bad.status_code == 200
    assert ProductRequirement.objects.get().skill == "adr"

    remove = reverse("routes:requirement-remove")
    client.post(remove, {"product": solvent.pk, "skill": "adr"})
    assert not ProductRequirement.objects.exists()
    again = client.post(remove, {"product": solvent.pk, "skill": "adr"}, follow=True)
    assert "nothing to remove" in again.content.decode()


def test_the_territory_list_reads_in_a_fixed_number_of_queries(
    client, users, branch, vans, django_assert_max_num_queries
):
    for n in range(8):
        t = Territory.objects.create(branch=branch, name=f"Зона {n}", polygon=SQUARE)
        t.vehicles.set(vans)
        ProductRequirement.objects.create(product=make_product(), skill="adr")
    client.force_login(users["dispatcher"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("routes:territory-list")).status_code == 200


def test_the_vehicle_form_saves_fuel_and_equipment(client, users, vans):
    van = vans[0]
    client.force_login(users["dispatcher"])
    data = {
        "plate": van.plate,
        "name": van.name,
        "depot": van.depot_id,
        "capacity_kg": "1500",
        "capacity_containers": "80",
        "cost_per_km": "15.00",
        "cost_per_hour": "400.00",
        "fixed_cost": "0",
        "fuel_per_100km": "11.5",
        "fuel_price": "62.40",
        "skills": ["adr", "tail_lift"],
        "shift_start": "08:00",
        "shift_end": "20:00",
        "is_active": "on",
    }
    response = client.post(reverse("routes:vehicle-edit", args=[van.pk]), data)
    assert response.status_code == 302
    van = Vehicle.objects.get(pk=van.pk)
    assert van.skills == ["adr", "tail_lift"]
    assert van.fuel_cost_per_km == Decimal("7.1760")
    listing = client.get(reverse("routes:vehicle-list")).content.decode()
    assert "Dangerous goods (ADR)" in listing and "7.18" in listing

    data["fuel_price"] = "-1"
    response = client.post(reverse("routes:vehicle-edit", args=[van.pk]), data)
    assert response.status_code == 200 and "fuel_price" in response.context["form"].errors
