"""The client card's Tasks tab and "New task" action come from the leads app."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.services import client_create
from crm.leads.models import Task
from tests.leads.factories import make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_client_card_shows_the_clients_tasks(client_for, users):
    manager = users["manager"]
    client = client_create(actor=manager, name="ООО Ромашка")
    make_task(manager, title="Привезти образцы", client=client)
    make_task(manager, title="Чужая задача")
    http = client_for("manager")
    html = http.get(reverse("clients:client-tab", args=[client.pk, "tasks"]), **HX).content
    html = html.decode()
    assert "Привезти образцы" in html and "Чужая задача" not in html
    card = http.get(reverse("clients:client-detail", args=[client.pk])).content.decode()
    assert f"/leads/tasks/new/?client={client.pk}" in card


def test_task_for_a_client_from_the_card_action(client_for, users):
    manager = users["manager"]
    client = client_create(actor=manager, name="ИП Сергеев")
    http = client_for("manager")
    url = reverse("leads:task-create") + f"?client={client.pk}"
    assert http.get(url).status_code == 200
    response = http.post(
        url, {"title": "Позвонить", "due_at": "2030-01-01 10:00", "priority": "normal"}
    )
    assert response.status_code == 302
    assert Task.objects.get().client == client


def test_task_for_someone_elses_client_is_404(client_for, users, make_user):
    other = make_user("manager", username="other")
    client = client_create(actor=other, name="Чужой клиент")
    url = reverse("leads:task-create") + f"?client={client.pk}"
    assert client_for("manager").get(url).status_code == 404
