"""The ASGI server on Postgres under concurrent load keeps its connections within the pool."""

import pytest
from django.conf import settings

from crm.core.bench import load_run


@pytest.mark.slow
@pytest.mark.django_db
def test_concurrent_load_stays_within_the_connection_pool():
    assert settings.DB_IS_POSTGRES, "this load run needs DATABASE_URL pointing at Postgres"
    pool_max = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    result = load_run(requests=300, concurrency=40, pool=True)
    assert result["ok"] == 300, result
    assert 0 < result["peak_connections"] <= pool_max, result
