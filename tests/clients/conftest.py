from __future__ import annotations

import pytest
from django.test import Client as HttpClient


@pytest.fixture
def login(users):
    def make(role: str = "manager") -> HttpClient:
        client = HttpClient()
        client.force_login(users[role])
        return client

    return make
