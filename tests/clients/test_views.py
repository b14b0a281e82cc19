"""Client list, card, forms, duplicates, merge, saved filters — through HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, ClientPhone, SavedFilter
from clients.services import client_merge, client_set_balance
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.services import attachment_add, timeline_add
from tests.clients.factories import make_client, valid_inn

pytestmark = pytest.mark.django_db
LIST = reverse("clients:client-list")


def _names(response) -> str:
    return response.content.decode()


# --- Search and filters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed", ["+7 911 123-45-67", "8(911)1234567", "89111234567", "1234567", "123-45-67", "911 123"]
)
def test_search_finds_a_phone_typed_any_way(login, users, branch, typed):
    make_client(branch=branch, manager=users["manager"], name="Искомый", phones=["+79111234567"])
    make_client(branch=branch, manager=users["manager"], name="Другой", phones=["+79219999999"])
    page = _names(login("manager").get(LIST, {"q": typed}))
    assert "Искомый" in page and "Другой" not in page


def test_search_by_name_email_and_inn(login, users, branch):
    inn = valid_inn(3)
    make_client(
        branch=branch, manager=users["manager"], name="ООО «Ладога»", inn=inn, kind="company"
    )
    make_client(branch=branch, manager=users["manager"], name="Пётр", emails=["petr@mail.ru"])
    client = login("manager")
    assert "Ладога" in _names(client.get(LIST, {"q": "ладог"}))
    assert "Ладога" in _names(client.get(LIST, {"q": inn[:6]}))
    page = _names(client.get(LIST, {"q": "PETR@"}))
    assert "Пётр" in page and "Ладога" not in page


def test_filters_debt_tag_city_attention_archived_and_sort(login, users, branch):
    m = users["manager"]
    debtor = make_client(branch=branch, manager=m, name="Должник", tags=["VIP"])
    client_set_balance(actor=None, client=debtor, balance="-1500")
    make_client(
        branch=branch,
        manager=m,
        name="Москвич",
        addresses=[{"address": "Тверская 1", "city": "Москва"}],
    )
    archived = make_client(branch=branch, manager=m, name="Архивный")
    Client.objects.filter(pk=archived.pk).update(is_archived=True, needs_attention=True)
    http = login("manager")
    page = _names(http.get(LIST, {"debt": "1"}))
    assert "Должник" in page and "Москвич" not in page
    assert "1\u00a0500,00" in page or "1,500.00" in page or "-1" in page
    tag = debtor.tags.get()
    assert "Должник" in _names(http.get(LIST, {"tag": tag.pk}))
    page = _names(http.get(LIST, {"city": "моск"}))
    assert "Москвич" in page and "Должник" not in page
    assert "Архивный" not in _names(http.get(LIST))
    page = _names(http.get(LIST, {"archived": "1", "needs_attention": "1"}))
    assert "Архивный" in page and "Должник" not in page
    ordered = _names(http.get(LIST, {"sort": "balance"}))
    assert ordered.index("Должник") < ordered.index("Москвич")


def test_bad_filter_values_never_fail(login):
    http = login("manager")
    for params in (
        {"manager": "abc"},
        {"tag": "99999"},
        {"last_order_from": "not-a-date"},
        {"sort": "drop"},
        {"page": "-5"},
        {"q": "😀" * 200},
        {"debt": "maybe"},
        {"manager": "99999999999999999999999"},
        {"tag": "-1"},
        {"page": "99999999999999999999"},
        {"city": "'; DROP TABLE clients_client; --"},
        {"q": "<script>alert(1)</script>"},
    ):
        assert http.get(LIST, params).status_code == 200


def test_list_htmx_returns_only_the_table(login):
    http = login("manager")
    body = _names(http.get(LIST, {"q": "x"}, headers={"HX-Request": "true"}))
    assert body.lstrip().startswith('<div id="client-table"') and "<html" not in body
    assert "<html" in _names(http.get(LIST))


def test_list_query_count_does_not_grow_with_rows(login, users, branch):
    http = login("head_of_sales")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        make_client(
            branch=branch, manager=users["manager"], tags=["t"], addresses=[{"address": f"ул. {i}"}]
        )
    few = count()
    for i in range(25):
        make_client(
            branch=branch,
            manager=users["manager2"] if "manager2" in users else users["manager"],
            tags=["t", "u"],
            addresses=[{"address": f"пр. {i}"}],
        )
    assert count() == few


# --- Visibility -----------------------------------------------------------------------------------
def test_manager_sees_only_own_clients_and_gets_404_for_others(login, users, branch, make_user):
    other = make_user("manager", username="other_manager")
    mine = make_client(branch=branch, manager=users["manager"], name="Мой клиент")
    theirs = make_client(branch=branch, manager=other, name="Чужой клиент")
    http = login("manager")
    page = _names(http.get(LIST))
    assert "Мой клиент" in page and "Чужой клиент" not in page
    assert http.get(reverse("clients:client-detail", args=[theirs.pk])).status_code == 404
    assert http.get(reverse("clients:client-detail", args=[mine.pk])).status_code == 200
    timeline_url = reverse("core:timeline", args=["clients.client", theirs.pk])
    assert http.get(timeline_url).status_code == 404
    assert http.post(reverse("clients:client-archive", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_archived
    page = _names(login("head_of_sales").get(LIST))
    assert "Мой клиент" in page and "Чужой клиент" in page


def test_other_branch_clients_are_hidden(login, users, other_branch):
    stranger = make_client(branch=other_branch, name="Московский")
    http = login("head_of_sales")
    assert "Московский" not in _names(http.get(LIST))
    assert http.get(reverse("clients:client-detail", args=[stranger.pk])).status_code == 404


# --- Create, edit, duplicates ---------------------------------------------------------------------
def _form_data(**overrides):
    data = {
        "kind": "person",
        "name": "Анна Петрова",
        "source": "call",
        "discount_percent": "0",
        "currency": "RUB",
        "notes": "",
        "emails": "anna@example.com",
        "tag_names": "VIP, опт",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-number": "8 (911) 765-43-21",
        "phones-0-kind": "mobile",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "1",
        "addresses-INITIAL_FORMS": "0",
        "addresses-0-address": "Невский пр., 28",
        "addresses-0-city": "Санкт-Петербург",
        "addresses-0-latitude": "59.935",
        "addresses-0-longitude": "30.325",
        "addresses-0-window_from": "09:00",
        "addresses-0-window_to": "18:00",
    }
    data.update(overrides)
    return data


def test_letters_language_is_chosen_on_the_form_and_defaults_to_russian(login):
    http = login("manager")
    http.post(reverse("clients:client-create"), _form_data(name="Без языка"))
    other = {"phones-0-number": "+380 44 123 45 67", "emails": "ua@example.com"}
    http.post(reverse("clients:client-create"), _form_data(name="Україна", language="uk", **other))
    assert Client.objects.get(name="Без языка").language == "ru"
    assert Client.objects.get(name="Україна").language == "uk"


def test_manager_creates_a_client_with_phone_address_and_tags(login, users):
    http = login("manager")
    response = http.post(reverse("clients:client-create"), _form_data())
    client = Client.objects.get(name="Анна Петрова")
    assert response.status_code == 302 and response["Location"].endswith(f"/clients/{client.pk}/")
    assert client.manager == users["manager"] and client.branch == users["manager"].branch
    assert list(client.phones.values_list("number", flat=True)) == ["+79117654321"]
    assert client.addresses.get().latitude == Decimal("59.935000")
    assert sorted(client.tags.values_list("name", flat=True)) == ["VIP", "опт"]
    assert AuditEntry.objects.filter(object_id=client.pk, action="create").exists()
    card = _names(http.get(response["Location"]))
    assert "Анна Петрова" in card and "tel:+79117654321" in card


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "required"),
        ({"phones-0-number": "12345"}, "not a valid phone"),
        ({"emails": "bad@"}, "not a valid e-mail"),
        ({"inn": "7707083894", "kind": "company"}, "check digit"),
        ({"addresses-0-window_to": "08:00"}, "end after"),
        ({"addresses-0-longitude": ""}, "both latitude"),
        ({"kind": "dragon"}, "valid choice"),
        ({"discount_percent": "abc"}, "number"),
        ({"phones-TOTAL_FORMS": "x"}, ""),
    ],
)
def test_bad_form_input_rerenders_with_errors_and_saves_nothing(login, overrides, message):
    response = login("manager").post(reverse("clients:client-create"), _form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode().lower().replace("&#x27;", "'")
    assert not Client.objects.exists()


def test_errors_rerender_in_the_users_language(login, users):
    users["manager"].language = "ru"
    users["manager"].save()
    response = login("manager").post(reverse("clients:client-create"), _form_data(name=""))
    assert response.status_code == 200 and 'lang="ru"' in response.content.decode()


def test_duplicate_phone_offers_the_existing_card(login, users):
    existing = make_client(
        branch=users["manager"].branch,
        manager=users["manager"],
        name="Уже есть",
        phones=["+79117654321"],
    )
    http = login("manager")
    response = http.post(reverse("clients:client-create"), _form_data())
    page = response.content.decode()
    assert response.status_code == 200 and "Уже есть" in page
    assert reverse("clients:client-detail", args=[existing.pk]) in page
    assert Client.objects.count() == 1
    check = http.get(
        reverse("clients:client-duplicates"),
        {"phone": "8 911 765 43 21"},
        headers={"HX-Request": "true"},
    )
    assert "Уже есть" in check.content.decode()
    # Different person after all: confirmed, saved (the phone then lives on both cards).
    response = http.post(reverse("clients:client-create"), _form_data(confirm_duplicate="1"))
    assert response.status_code == 302 and Client.objects.count() == 2


def test_duplicate_of_another_managers_client_is_named_without_a_link(login, users, make_user):
    other = make_user("manager", username="m_other")
    theirs = make_client(
        branch=users["manager"].branch,
        manager=other,
        name="Чужой дубль",
        emails=["anna@example.com"],
    )
    page = login("manager").post(reverse("clients:client-create"), _form_data()).content.decode()
    assert "Чужой дубль" in page and reverse("clients:client-detail", args=[theirs.pk]) not in page


def test_script_in_names_is_escaped_everywhere(login):
    http = login("manager")
    http.post(
        reverse("clients:client-create"), _form_data(name="<script>alert(1)</script> Ёжик 🦔")
    )
    client = Client.objects.get()
    for url in (LIST, reverse("clients:client-detail", args=[client.pk])):
        page = http.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Ёжик 🦔" in page


def test_edit_changes_phones_and_keeps_history(login, users):
    client = make_client(
        branch=users["manager"].branch,
        manager=users["manager"],
        name="Правка",
        phones=["+79110000001"],
    )
    phone = client.phones.get()
    data = _form_data(
        name="Правка 2",
        **{
            "phones-TOTAL_FORMS": "2",
            "phones-INITIAL_FORMS": "1",
            "phones-0-id": str(phone.pk),
            "phones-0-client": str(client.pk),
            "phones-0-number": "+79110000001",
            "phones-0-kind": "mobile",
            "phones-1-number": "+7 921 000-00-02",
            "phones-1-kind": "work",
        },
    )
    response = login("manager").post(reverse("clients:client-edit", args=[client.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(client.phones.values_list("number", flat=True)) == [
        "+79110000001",
        "+79210000002",
    ]
    assert AuditEntry.objects.filter(object_id=client.pk, changes__name__1="Правка 2").exists()


def test_manager_cannot_hand_a_client_to_someone_else(login, users, make_user):
    other = make_user("manager", username="m_x")
    login("manager").post(reverse("clients:client-create"), _form_data(manager=other.pk))
    assert Client.objects.get().manager == users["manager"]


# --- Card -----------------------------------------------------------------------------------------
def test_card_tabs_load_via_htmx_and_as_full_pages(login, users):
    client = make_client(
        branch=users["manager"].branch,
        manager=users["manager"],
        contacts=[{"name": "Ирина", "role": "бухгалтер"}],
    )
    timeline_add(actor=users["manager"], target=client, body="Позвонить в пятницу")
    http = login("manager")
    for key, text in (
        ("contacts", "Ирина"),
        ("timeline", "Позвонить в пятницу"),
        ("about", "Person"),
        ("orders", ""),
        ("files", ""),
        ("history", ""),
    ):
        partial = http.get(
            reverse("clients:client-tab", args=[client.pk, key]), headers={"HX-Request": "true"}
        )
        assert (
            partial.status_code == 200
            and "<html" not in partial.content.decode()
            and text in partial.content.decode()
        )
        full = http.get(reverse("clients:client-detail", args=[client.pk]), {"tab": key})
        assert full.status_code == 200 and text in full.content.decode()
    assert (
        http.get(reverse("clients:client-detail", args=[client.pk]), {"tab": "nope"}).status_code
        == 404
    )
    no_htmx = http.get(reverse("clients:client-tab", args=[client.pk, "contacts"]))
    assert no_htmx.status_code == 302 and "tab=contacts" in no_htmx["Location"]


def test_card_shows_debt_and_order_placeholders(login, users):
    client = make_client(branch=users["manager"].branch, manager=users["manager"])
    client_set_balance(actor=None, client=client, balance=Decimal("-2500.50"), reason="test")
    page = login("manager").get(reverse("clients:client-detail", args=[client.pk])).content.decode()
    assert "Debt" in page and "2" in page and 'data-fact="orders_count"' in page


def test_mood_and_attention_toggles(login, users):
    client = make_client(branch=users["manager"].branch, manager=users["manager"])
    http = login("manager")
    r = http.post(
        reverse("clients:client-mood", args=[client.pk]),
        {"mood": "angry"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and 'id="card-flags"' in r.content.decode()
    http.post(reverse("clients:client-attention", args=[client.pk]))
    client.refresh_from_db()
    assert client.mood == "angry" and client.needs_attention
    http.post(reverse("clients:client-mood", args=[client.pk]), {"mood": "<b>"})
    client.refresh_from_db()
    assert client.mood == "angry"


def test_delete_with_history_is_refused_archive_works(login, users):
    client = make_client(branch=users["manager"].branch, manager=users["manager"])
    timeline_add(actor=users["admin"], target=client, body="Был звонок")
    http = login("admin")
    r = http.post(reverse("clients:client-delete", args=[client.pk]), follow=True)
    assert Client.objects.filter(pk=client.pk).exists()
    assert "Archive the client instead" in r.content.decode()
    http.post(reverse("clients:client-archive", args=[client.pk]))
    client.refresh_from_db()
    assert client.is_archived
    fresh = make_client(branch=users["manager"].branch, manager=users["manager"])
    http.post(reverse("clients:client-delete", args=[fresh.pk]))
    assert not Client.objects.filter(pk=fresh.pk).exists()


# --- Merge ----------------------------------------------------------------------------------------
def test_merge_moves_everything_and_logs(login, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    branch = users["manager"].branch
    keep = make_client(
        branch=branch,
        manager=users["manager"],
        name="Основная",
        phones=["+79110000011"],
        emails=["a@x.ru"],
    )
    other = make_client(
        branch=branch,
        manager=users["manager"],
        name="Дубль",
        phones=["+79110000011", "+79110000022"],
        emails=["A@x.ru", "b@x.ru"],
        contacts=[{"name": "Ира"}],
        addresses=[{"address": "Садовая 1"}],
        tags=["опт"],
        inn=valid_inn(9),
    )
    client_set_balance(actor=None, client=other, balance="-100")
    timeline_add(actor=users["admin"], target=other, body="Звонок дублю")
    attachment_add(
        actor=users["admin"],
        target=other,
        upload=SimpleUploadedFile("a.pdf", b"%PDF", "application/pdf"),
    )
    http = login("admin")
    assert "Дубль" in http.get(reverse("clients:client-merge", args=[keep.pk])).content.decode()
    r = http.post(reverse("clients:client-merge", args=[keep.pk]), {"other": other.pk})
    assert r.status_code == 302
    keep.refresh_from_db()
    other.refresh_from_db()
    assert sorted(keep.phones.values_list("number", flat=True)) == ["+79110000011", "+79110000022"]
    assert sorted(e.lower() for e in keep.emails.values_list("email", flat=True)) == [
        "a@x.ru",
        "b@x.ru",
    ]
    assert keep.contacts.count() == 1 and keep.addresses.count() == 1 and keep.tags.count() == 1
    assert keep.inn == other.inn and keep.balance == Decimal("-100")
    assert other.is_archived and other.merged_into == keep and not other.phones.exists()
    assert TimelineEntry.objects.filter(object_id=keep.pk, body="Звонок дублю").exists()
    from crm.core.models import Attachment

    assert Attachment.objects.filter(object_id=keep.pk).count() == 1
    assert AuditEntry.objects.filter(object_id=keep.pk, note__contains="Дубль").exists()
    assert ClientPhone.objects.filter(client=other).count() == 0


def test_merge_needs_the_permission(users):
    from django.core.exceptions import PermissionDenied

    a = make_client(branch=users["manager"].branch, manager=users["manager"])
    b = make_client(branch=users["manager"].branch, manager=users["manager"])
    with pytest.raises(PermissionDenied):
        client_merge(actor=users["manager"], keep=a, other=b)


# --- Saved filters --------------------------------------------------------------------------------
def test_saved_filters_create_rename_delete_are_personal(login, users):
    http = login("manager")
    http.post(
        reverse("clients:saved-filter-create"),
        {"name": "Должники", "querystring": "debt=1&sort=balance"},
    )
    saved = SavedFilter.objects.get(user=users["manager"])
    assert saved.querystring == "debt=1&sort=balance"
    page = http.get(LIST).content.decode()
    assert "Должники" in page and "?debt=1&amp;sort=balance" in page
    r = http.post(
        reverse("clients:saved-filter-create"),
        {"name": "Должники", "querystring": ""},
        headers={"HX-Request": "true"},
    )
    assert "already have a filter" in r.content.decode() and SavedFilter.objects.count() == 1
    http.post(reverse("clients:saved-filter-rename", args=[saved.pk]), {"name": "Долги"})
    saved.refresh_from_db()
    assert saved.name == "Долги"
    assert (
        login("head_of_sales")
        .post(reverse("clients:saved-filter-delete", args=[saved.pk]))
        .status_code
        == 404
    )
    http.post(reverse("clients:saved-filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()
    r = http.post(reverse("clients:saved-filter-create"), {"name": "", "querystring": ""})
    assert r.status_code == 302 and not SavedFilter.objects.exists()


def test_search_expressions_have_trigram_indexes_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are Postgres-only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'client_%%trgm%%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"client_name_trgm_idx", "client_phone_digits_trgm_idx"} <= names


def test_card_query_count_does_not_grow_with_phones_and_addresses(login, users, branch):
    http = login("manager")

    def count(client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            url = reverse("clients:client-detail", args=[client.pk])
            assert http.get(url, {"tab": "contacts"}).status_code == 200
        return len(ctx.captured_queries)

    small = make_client(branch=branch, manager=users["manager"], addresses=[{"address": "A 1"}])
    big = make_client(
        branch=branch,
        manager=users["manager"],
        phones=[f"+7911555{i:04d}" for i in range(6)],
        addresses=[{"address": f"B {i}", "latitude": 59.9, "longitude": 30.3} for i in range(6)],
        contacts=[{"name": f"К {i}"} for i in range(6)],
        tags=["a", "b", "c"],
    )
    assert count(big) == count(small)
