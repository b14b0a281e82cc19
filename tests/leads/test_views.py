"""Lead pages: board, table, archive, card, tasks; htmx and plain requests; query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.leads import services
from crm.leads.models import Lead, Task
from crm.leads.seed import make_leads
from tests.leads.factories import make_lead, make_task, open_stages

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _bulk_leads(pipeline, managers, n):
    import random

    Lead.objects.bulk_create(
        make_leads(random.Random(1), branch=pipeline.branch, managers=managers, count=n)
    )


def _queries(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["leads:board", "leads:table", "leads:archive"])
def test_list_pages_use_a_constant_number_of_queries(client_for, users, pipeline, name):
    client = client_for("head_of_sales")
    managers = [users["manager"], users["head_of_sales"]]
    url = reverse(name) + f"?pipeline={pipeline.pk}"
    _bulk_leads(pipeline, managers, 5)
    few = _queries(client, url)
    _bulk_leads(pipeline, managers, 120)
    many = _queries(client, url)
    assert many == few


def test_board_caps_cards_per_column_and_shows_more(client_for, users, pipeline):
    first = open_stages(pipeline)[0]
    Lead.objects.bulk_create(
        Lead(
            branch=pipeline.branch,
            pipeline=pipeline,
            stage=first,
            contact_name=f"L{i}",
            manager=users["manager"],
        )
        for i in range(60)
    )
    client = client_for("manager")
    response = client.get(reverse("leads:board"))
    html = response.content.decode()
    assert html.count("data-move-url=") == 50
    assert "Show 10 more" in html
    more = client.get(
        reverse("leads:board") + f"?pipeline={pipeline.pk}&column={first.pk}&expand=1", **HX
    )
    assert more.content.decode().count("data-move-url=") == 60
    assert "<html" not in more.content.decode()


def test_board_htmx_returns_the_partial_and_full_page_otherwise(client_for, users, pipeline):
    make_lead(users["manager"], pipeline, contact_name="Пётр")
    client = client_for("manager")
    full = client.get(reverse("leads:board"))
    partial = client.get(reverse("leads:board"), **HX)
    assert b"<html" in full.content and b"<html" not in partial.content
    assert b'id="lead-board"' in partial.content and "Пётр" in partial.content.decode()
    assert f'data-live-groups="leads.pipeline.{pipeline.pk}"'.encode() in full.content


def test_board_shows_only_own_leads_to_a_manager(client_for, users, make_user, pipeline):
    other = make_user("manager", username="other")
    make_lead(users["manager"], pipeline, contact_name="Мой лид")
    make_lead(other, pipeline, contact_name="Чужой лид")
    html = client_for("manager").get(reverse("leads:board")).content.decode()
    assert "Мой лид" in html and "Чужой лид" not in html
    html = client_for("head_of_sales").get(reverse("leads:board")).content.decode()
    assert "Мой лид" in html and "Чужой лид" in html


def test_manager_gets_404_for_another_managers_lead(client_for, make_user, pipeline):
    other = make_user("manager", username="other")
    lead = make_lead(other, pipeline)
    client = client_for("manager")
    assert client.get(reverse("leads:lead-detail", args=[lead.pk])).status_code == 404
    stage = open_stages(pipeline)[1]
    response = client.post(reverse("leads:lead-move", args=[lead.pk]), {"stage": stage.pk})
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.stage != stage


def test_move_by_htmx_and_by_plain_post(client_for, users, pipeline):
    lead = make_lead(users["manager"], pipeline)
    stages = open_stages(pipeline)
    client = client_for("manager")
    url = reverse("leads:lead-move", args=[lead.pk])
    assert client.post(url, {"stage": stages[1].pk, "position": 0}, **HX).status_code == 204
    assert Lead.objects.get(pk=lead.pk).stage == stages[1]
    response = client.post(url, {"stage": stages[2].pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).stage == stages[2]
    bad = client.post(url, {"stage": "abc"}, **HX)
    assert bad.status_code == 400
    won = pipeline.stages.get(kind="won")
    assert client.post(url, {"stage": won.pk}, **HX).status_code == 400
    assert Lead.objects.get(pk=lead.pk).stage == stages[2]


@pytest.mark.parametrize(
    "name",
    ["", "x" * 5000, "Ёлка 🎄🚚", "<script>alert(1)</script>"],
)
def test_lead_create_never_500s_and_escapes(client_for, pipeline, name):
    client = client_for("manager")
    response = client.post(
        reverse("leads:lead-create") + f"?pipeline={pipeline.pk}",
        {"contact_name": name, "phone": "☎" * 50, "email": name, "amount": "1e400"},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert b"<script>alert(1)</script>" not in response.content


def test_lead_create_and_card_escape_script(client_for, users, pipeline):
    client = client_for("manager")
    response = client.post(
        reverse("leads:lead-create") + f"?pipeline={pipeline.pk}",
        {"contact_name": "<script>alert(1)</script>", "phone": "+79110000001", "need": "🚚"},
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    page = client.get(reverse("leads:lead-detail", args=[lead.pk]))
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;" in page.content
    board = client.get(reverse("leads:board"))
    assert b"<script>alert(1)</script>" not in board.content


@pytest.mark.parametrize("q", ["", "🚚", "<script>", "x" * 300, "'; drop table", "8911"])
def test_filters_accept_any_input(client_for, users, pipeline, q):
    make_lead(users["manager"], pipeline, phone="+79111234567")
    client = client_for("head_of_sales")
    for name in ("leads:board", "leads:table", "leads:archive"):
        response = client.get(
            reverse(name), {"q": q, "amount_min": q, "created_from": q, "manager": q}
        )
        assert response.status_code == 200


def test_search_by_phone_fragment(client_for, users, pipeline):
    make_lead(users["manager"], pipeline, contact_name="Телефонный", phone="+79111234567")
    make_lead(users["manager"], pipeline, contact_name="Другой", phone="+79217654321")
    html = client_for("manager").get(reverse("leads:table"), {"q": "8 911 123"}).content.decode()
    assert "Телефонный" in html and "Другой" not in html


def test_lose_requires_a_reason_in_the_form(client_for, users, pipeline, reason):
    lead = make_lead(users["manager"], pipeline)
    client = client_for("manager")
    url = reverse("leads:lead-lose", args=[lead.pk])
    assert client.post(url, {"reason": "", "comment": "x"}).status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "open"
    assert client.post(url, {"reason": reason.pk}).status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == "lost"


def test_archive_filters_and_reopen(client_for, users, pipeline, reason):
    manager = users["manager"]
    won = make_lead(manager, pipeline, contact_name="Выигранный")
    lost = make_lead(manager, pipeline, contact_name="Проигранный")
    make_lead(manager, pipeline, contact_name="Открытый")
    services.lead_win(actor=manager, lead=won)
    services.lead_lose(actor=manager, lead=lost, reason=reason)
    client = client_for("manager")
    html = client.get(reverse("leads:archive")).content.decode()
    assert "Выигранный" in html and "Проигранный" in html and "Открытый" not in html
    html = client.get(reverse("leads:archive"), {"status": "lost"}, **HX).content.decode()
    assert "Проигранный" in html and "Выигранный" not in html and "<html" not in html
    html = client.get(reverse("leads:archive"), {"loss_reason": reason.pk}).content.decode()
    assert "Проигранный" in html and "Выигранный" not in html
    client.post(reverse("leads:lead-reopen", args=[lost.pk]))
    assert Lead.objects.get(pk=lost.pk).status == "open"


def test_won_via_the_card_creates_the_client(client_for, users, pipeline):
    lead = make_lead(users["manager"], pipeline, company="ООО Клиент")
    client = client_for("manager")
    response = client.post(reverse("leads:lead-win", args=[lead.pk]), {"note": "ok"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "won" and lead.client.name == "ООО Клиент"
    page = client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert "ООО Клиент" in page


def test_my_tasks_put_overdue_on_top_and_done_at_the_bottom(client_for, users):
    manager = users["manager"]
    later = make_task(manager, hours=5, title="Позже")
    done = make_task(manager, hours=-10, title="Сделано")
    services.task_set_done(actor=manager, task=done)
    overdue = make_task(manager, hours=-1, title="Просрочено")
    soon = make_task(manager, hours=1, title="Скоро")
    from crm.leads.selectors import task_list

    ordered = list(task_list(user=manager, branch=manager.branch))
    assert ordered == [overdue, soon, later, done]
    html = client_for("manager").get(reverse("leads:task-list")).content.decode()
    assert (
        html.index("Просрочено") < html.index("Скоро") < html.index("Позже") < html.index("Сделано")
    )
    assert "task-overdue" in html and "task-done" in html


def test_tasks_are_private_to_their_manager(client_for, users, make_user):
    other = make_user("manager", username="other")
    task = make_task(users["head_of_sales"], assignee=other, title="Чужая задача")
    client = client_for("manager")
    assert "Чужая задача" not in client.get(reverse("leads:task-list")).content.decode()
    response = client.post(reverse("leads:task-done", args=[task.pk]))
    assert response.status_code == 404
    assert not Task.objects.get(pk=task.pk).is_done
    html = client_for("head_of_sales").get(reverse("leads:task-list") + "?all=1").content.decode()
    assert "Чужая задача" in html and "Completion by manager" in html


def test_task_create_form_handles_bad_input(client_for):
    client = client_for("manager")
    response = client.post(reverse("leads:task-create"), {"title": "", "due_at": "завтра"})
    assert response.status_code == 400
    response = client.post(
        reverse("leads:task-create"),
        {
            "title": "Позвонить 📞",
            "due_at": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "priority": "high",
        },
    )
    assert response.status_code == 302
    assert Task.objects.get().title == "Позвонить 📞"


def test_dashboard_is_the_managers_home(client_for, users, pipeline):
    make_lead(
        None, pipeline, manager=users["manager"], automatic=True, contact_name="Новый с сайта"
    )
    client = client_for("manager")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("leads:dashboard")
    html = client.get(reverse("leads:dashboard")).content.decode()
    assert "Новый с сайта" in html and "sales-chart" in html
    data = client.get(reverse("leads:dynamics-data")).json()
    assert len(data["labels"]) == 30 and data["values"] == [0.0] * 30
    lead = make_lead(users["manager"], pipeline, amount="700")
    services.lead_win(actor=users["manager"], lead=lead)
    data = client.get(reverse("leads:dynamics-data")).json()
    assert data["values"][-1] == 700.0
    weekly = client.get(reverse("leads:dynamics-data") + "?by=week").json()
    assert len(weekly["labels"]) == 12 and weekly["values"][-1] == 700.0
    assert client_for("head_of_sales").get(reverse("home"))["Location"] == reverse(
        "leads:dashboard"
    )


def test_pipeline_settings_add_and_rename_stage(client_for, pipeline):
    client = client_for("admin")
    url = reverse("leads:pipeline-detail", args=[pipeline.pk])
    client.post(url, {"name": "Замер", "kind": "open", "color": "#00ff00"})
    assert pipeline.stages.filter(name="Замер", color="#00ff00").exists()
    client.post(url, {"action": "rename", "name": "Розница"})
    pipeline.refresh_from_db()
    assert pipeline.name == "Розница"
    response = client.post(url, {"name": "", "kind": "bad", "color": "red"})
    assert response.status_code == 200
    response = client.post(reverse("leads:pipeline-list"), {"name": "Опт"})
    assert response.status_code == 302


def test_directories_add_entries(client_for):
    client = client_for("head_of_sales")
    client.post(reverse("leads:directories"), {"kind": "source", "source-name": "Авито"})
    client.post(reverse("leads:directories"), {"kind": "loss-reason", "loss-reason-name": "Дорого"})
    html = client.get(reverse("leads:directories")).content.decode()
    assert "Авито" in html and "Дорого" in html


def test_lead_edit_saves_with_history_and_manager_cannot_reassign(client_for, users, pipeline):
    lead = make_lead(users["manager"], pipeline, contact_name="Старое имя")
    client = client_for("manager")
    url = reverse("leads:lead-edit", args=[lead.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "contact_name": "Новое имя",
            "phone": "+7 911 000-00-01",
            "amount": "100",
            "manager": users["head_of_sales"].pk,
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.contact_name == "Новое имя" and lead.phone == "+79110000001"
    assert lead.manager == users["manager"]
    bad = client.post(url, {"contact_name": "", "phone": "abc"})
    assert bad.status_code == 200 and b"field-error" in bad.content
    head = client_for("head_of_sales")
    head.post(url, {"contact_name": "Новое имя", "manager": users["head_of_sales"].pk})
    lead.refresh_from_db()
    assert lead.manager == users["head_of_sales"]


def test_new_lead_form_hints_at_an_existing_client(client_for, users, make_user, branch):
    from clients.services import client_create

    client_create(actor=users["manager"], name="ООО Мой", phones=["+79110000007"], branch=branch)
    other = make_user("manager", username="other")
    client_create(actor=other, name="ООО Чужой", emails=["x@y.ru"], branch=branch)
    http = client_for("manager")
    url = reverse("leads:lead-duplicates")
    html = http.get(url, {"phone": "8 911 000 00 07", "email": "x@y.ru"}, **HX).content.decode()
    assert "ООО Мой" in html and "ООО Чужой" not in html
    for bad in ("", "🚚", "<script>", "9" * 100):
        assert http.get(url, {"phone": bad, "email": bad}, **HX).status_code == 200
