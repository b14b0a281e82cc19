"""Shared fixtures: branches, a user per role, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from crm.accounts.models import Branch, User
from crm.accounts.roles import Role
from tests.accounts.factories import BranchFactory, UserFactory

ROLES = [r.value for r in Role]


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Tests read English source strings unless they switch language; files go to a temp dir."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def branch(db) -> Branch:
    return BranchFactory(code="spb", name="Санкт-Петербург", city="Санкт-Петербург")


@pytest.fixture
def other_branch(db) -> Branch:
    return BranchFactory(code="msk", name="Москва", city="Москва")


@pytest.fixture
def make_user(db, branch) -> Callable[..., User]:
    def make(role: str = Role.MANAGER, **kwargs) -> User:
        kwargs.setdefault("branch", branch)
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def users(make_user) -> dict[str, User]:
    """One user per role in the main branch."""
    return {role: make_user(role, username=role) for role in ROLES}


@pytest.fixture
def client_for(users) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role])
        return client

    return make
