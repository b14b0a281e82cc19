from __future__ import annotations

import pytest

from tests.labs.factories import make_lab_client


@pytest.fixture
def shop(users):
    return make_lab_client(users["manager"].branch, users["manager"], name="Кафе «Лимон»")
