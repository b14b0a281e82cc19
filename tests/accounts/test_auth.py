"""Log-in by username or e-mail, throttling, log-out, passwords, language, branch switch."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from crm.accounts.middleware import BRANCH_SESSION_KEY
from tests.accounts.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("login", ["olga", "OLGA", "olga@example.com", "Olga@Example.COM"])
def test_login_by_username_or_email_case_insensitive(make_user, login):
    make_user("accountant", username="olga", email="olga@example.com")
    client = Client()
    response = _login(client, login)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home"), follow=True).status_code == 200  # the role's own home


def test_wrong_password_rerenders_with_a_clear_message(make_user):
    make_user(username="ivan")
    response = _login(Client(), "ivan", "wrong")
    assert response.status_code == 200
    assert "Wrong login or password" in response.content.decode()


def test_inactive_employee_cannot_log_in(make_user):
    make_user(username="gone", is_active=False)
    response = _login(Client(), "gone")
    assert response.status_code == 200


def test_login_is_throttled_after_five_failures(make_user, settings):
    make_user(username="target")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "target", "nope")
    response = _login(client, "target")  # even the right password is refused now
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:profile')}"


def test_logout_needs_post_and_ends_the_session(make_user):
    client = Client()
    client.force_login(make_user())
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change(make_user):
    user = make_user()
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Nov-pass-4567", "new_password2": "x"},
    )
    assert response.status_code == 200  # mismatch re-renders with errors
    client.post(
        reverse("accounts:password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Nov-pass-4567",
            "new_password2": "Nov-pass-4567",
        },
    )
    user.refresh_from_db()
    assert user.check_password("Nov-pass-4567")


def test_password_reset_sends_a_link_that_works(make_user):
    user = make_user(username="forgetful", email="forgetful@example.com")
    client = Client()
    client.post(reverse("accounts:password-reset"), {"email": "forgetful@example.com"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Fresh-pass-987", "new_password2": "Fresh-pass-987"})
    user.refresh_from_db()
    assert user.check_password("Fresh-pass-987")


def test_unknown_email_reset_reveals_nothing():
    response = Client().post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 0


def test_language_switch_is_remembered_for_the_user(make_user):
    user = make_user(language="en")
    client = Client()
    client.force_login(user)
    client.post(reverse("accounts:language"), {"language": "uk", "next": "/"})
    user.refresh_from_db()
    assert user.language == "uk"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<html lang="uk">' in page


def test_language_switch_refuses_unknown_language_and_foreign_next(make_user):
    user = make_user(language="en")
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:language"), {"language": "xx", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.language == "en"


def test_director_switches_branch_and_manager_cannot(make_user, other_branch):
    director, manager = make_user("director"), make_user("manager")
    client = Client()
    client.force_login(director)
    client.post(reverse("accounts:branch-switch"), {"branch": other_branch.pk})
    assert client.session[BRANCH_SESSION_KEY] == other_branch.pk
    assert other_branch.name in client.get(reverse("home"), follow=True).content.decode()

    client = Client()
    client.force_login(manager)
    response = client.post(reverse("accounts:branch-switch"), {"branch": other_branch.pk})
    assert response.status_code == 403
    assert BRANCH_SESSION_KEY not in client.session


def test_each_role_lands_on_a_home_page_naming_role_and_branch(users, client_for):
    for role, user in users.items():
        page = client_for(role).get(reverse("home"), follow=True).content.decode()
        assert user.get_role_display() in page, role
        assert user.branch.name in page, role
