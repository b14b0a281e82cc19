"""The administrators' Staff page: create, edit, roles in sync with groups, history, scoping."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.accounts.models import User
from crm.core.models import AuditEntry
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(users):
    client = Client()
    client.force_login(users["admin"])
    return client


def _staff_data(**overrides):
    data = {
        "username": "new_driver",
        "email": "nd@example.com",
        "first_name": "Пётр",
        "last_name": "Иванов",
        "patronymic": "",
        "phone": "+79110000000",
        "role": "driver",
        "language": "ru",
        "is_active": "on",
        "password": "Strong-pass-2026",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_employee_with_role_group_and_history(admin_client, branch):
    response = admin_client.post(reverse("accounts:staff-create"), _staff_data(branch=branch.pk))
    user = User.objects.get(username="new_driver")
    assert response.status_code == 302
    assert list(user.groups.values_list("name", flat=True)) == ["driver"]
    assert user.check_password("Strong-pass-2026")
    entry = AuditEntry.objects.get(object_id=user.pk, action="create")
    assert entry.changes["role"] == [None, "driver"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": ""}, "username", "required"),
        ({"username": "ADMIN"}, "username", "taken"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password": "123"}, "password", "too short"),
        ({"role": "pope"}, "role", "valid choice"),
        ({"branch": ""}, "branch", "branch"),
    ],
)
def test_bad_staff_input_rerenders_with_field_errors_and_saves_nothing(
    admin_client, branch, overrides, field, message
):
    data = _staff_data(branch=branch.pk)
    data.update(overrides)
    before = User.objects.count()
    response = admin_client.post(reverse("accounts:staff-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]).lower(), errors
    assert User.objects.count() == before


def test_names_with_html_and_emoji_are_shown_escaped(admin_client, branch):
    admin_client.post(
        reverse("accounts:staff-create"),
        _staff_data(branch=branch.pk, first_name="<script>alert(1)</script>", last_name="Ёжик 🦔"),
    )
    page = admin_client.get(reverse("accounts:staff-list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Ёжик 🦔" in page


def test_role_change_moves_group_and_is_logged(admin_client, users, branch):
    manager = users["manager"]
    data = _staff_data(
        username="manager", email="manager@example.com", role="dispatcher", branch=branch.pk
    )
    data.pop("password")
    admin_client.post(reverse("accounts:staff-detail", args=[manager.pk]), data)
    manager.refresh_from_db()
    assert manager.role == "dispatcher"
    assert list(manager.groups.values_list("name", flat=True)) == ["dispatcher"]
    assert AuditEntry.objects.filter(object_id=manager.pk, changes__role__1="dispatcher").exists()
    page = admin_client.get(reverse("accounts:staff-detail", args=[manager.pk])).content.decode()
    assert "Dispatcher" in page and "History" in page


def test_admin_cannot_switch_themselves_off(admin_client, users, branch):
    admin = users["admin"]
    data = _staff_data(username="admin", email="admin@example.com", role="admin", branch=branch.pk)
    data.pop("password")
    data.pop("is_active")
    response = admin_client.post(reverse("accounts:staff-detail", args=[admin.pk]), data)
    assert "cannot deactivate your own account" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_admin_sets_a_password_and_the_employee_is_notified(admin_client, users):
    driver = users["driver"]
    admin_client.post(
        reverse("accounts:staff-password", args=[driver.pk]), {"password": "Brand-new-2026"}
    )
    driver.refresh_from_db()
    assert driver.check_password("Brand-new-2026")
    assert driver.notifications.filter(title__icontains="password").exists()


def test_refused_password_change_changes_nothing(users):
    client = Client()
    client.force_login(users["director"])
    driver = users["driver"]
    response = client.post(
        reverse("accounts:staff-password", args=[driver.pk]), {"password": "Brand-new-2026"}
    )
    assert response.status_code == 403
    driver.refresh_from_db()
    assert not driver.check_password("Brand-new-2026")


def test_head_of_sales_sees_only_own_branch_staff(make_user, other_branch):
    head = make_user("head_of_sales")
    stranger = make_user("manager", branch=other_branch, last_name="Чужой")
    client = Client()
    client.force_login(head)
    assert "Чужой" not in client.get(reverse("accounts:staff-list")).content.decode()
    assert client.get(reverse("accounts:staff-detail", args=[stranger.pk])).status_code == 404


def test_admin_sees_the_other_branch_only_after_switching(make_user, users, other_branch):
    make_user("manager", branch=other_branch, last_name="Московский")
    client = Client()
    client.force_login(users["admin"])
    assert "Московский" not in client.get(reverse("accounts:staff-list")).content.decode()
    client.post(reverse("accounts:branch-switch"), {"branch": other_branch.pk})
    assert "Московский" in client.get(reverse("accounts:staff-list")).content.decode()


def test_staff_list_htmx_returns_only_the_table(admin_client):
    response = admin_client.get(
        reverse("accounts:staff-list"), {"q": "manager"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="staff-table"') and "<html" not in body
    assert "<html" in admin_client.get(reverse("accounts:staff-list")).content.decode()


def test_staff_list_query_count_does_not_grow_with_rows(admin_client, branch):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse("accounts:staff-list")).status_code == 200
        return len(ctx.captured_queries)

    few = count_queries()
    UserFactory.create_batch(20, branch=branch)
    assert count_queries() == few


def test_branch_admin_create_and_bad_timezone(admin_client):
    response = admin_client.post(
        reverse("accounts:branch-create"),
        {
            "code": "kzn",
            "name": "Казань",
            "city": "Казань",
            "timezone": "Mars/Olympus",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "Unknown time zone" in response.content.decode()
    admin_client.post(
        reverse("accounts:branch-create"),
        {
            "code": "kzn",
            "name": "Казань",
            "city": "Казань",
            "timezone": "Europe/Moscow",
            "is_active": "on",
        },
    )
    assert "Казань" in admin_client.get(reverse("accounts:branch-list")).content.decode()


def test_role_groups_exist_with_their_permissions():
    assert Group.objects.filter(name="admin", permissions__codename="manage_staff").exists()
    assert not Group.objects.filter(name="manager", permissions__codename="manage_staff").exists()
    assert Group.objects.count() >= 10
