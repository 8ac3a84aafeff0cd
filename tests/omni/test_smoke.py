import pytest

from tests.conftest import assert_problem


@pytest.mark.django_db
def test_unknown_api_route_is_a_problem(client):
    assert_problem(client.get("/api/v1/nope/"), 404, "not_found")
