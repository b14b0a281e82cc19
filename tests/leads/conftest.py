from __future__ import annotations

import pytest

from tests.leads.factories import make_pipeline, make_reason, make_source


@pytest.fixture
def pipeline(branch):
    return make_pipeline(branch)


@pytest.fixture
def reason(branch):
    return make_reason(branch)


@pytest.fixture
def source(branch):
    return make_source(branch)
