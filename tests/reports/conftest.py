import pytest

from tests.reports.factories import build_world


@pytest.fixture
def world(branch, other_branch, users, make_user):
    return build_world(branch, other_branch, users, make_user)
