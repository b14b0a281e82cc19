from __future__ import annotations

import pytest

from tests.clients.factories import make_client


@pytest.fixture
def own_client(users, branch):
    """A client of the ``manager`` user with a main address that has coordinates."""
    client = make_client(
        branch=branch,
        manager=users["manager"],
        name="Аква-Офис",
        addresses=[
            {
                "address": "Невский пр., 28",
                "city": "Санкт-Петербург",
                "latitude": "59.935",
                "longitude": "30.325",
                "is_primary": True,
            }
        ],
    )
    return client
