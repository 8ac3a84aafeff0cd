"""The API platform as API-CONTRACT.md fixes it: Bearer tokens and roles, problem+json for every error,
Idempotency-Key, pagination and throttling."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from omni.dburl import url_for
from omni.models import ApiClient, AuditEntry, IdempotencyRecord
from omni.services import revoke_api_client
from tests.conftest import assert_problem
from tests.omni.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.omni.urls")]

THINGS = "/api/v1/things/"


def test_no_token_is_401_problem():
    response = APIClient().get(THINGS)
    body = assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in body


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer a b", "Bearer "])
def test_bad_token_is_401(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(api.get(THINGS), 401, "not_authenticated")


def test_token_is_stored_hashed_and_last_use_recorded(make_api_client):
    api = make_api_client("eshop")
    row = ApiClient.objects.get(pk=api.client_row.pk)
    assert api.token not in (row.token_hash, row.token_prefix + "x")
    assert len(row.token_hash) == 64 and api.token.startswith(row.token_prefix)
    assert row.last_used_at is None
    assert api.get(THINGS).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_revoked_token_is_401(make_api_client):
    api = make_api_client("integration")
    assert api.get(THINGS).status_code == 200
    revoke_api_client(client=api.client_row)
    assert_problem(api.get(THINGS), 401, "not_authenticated")
    assert AuditEntry.objects.filter(action="api_client.revoked").count() == 1


@pytest.mark.parametrize("role", ["eshop", "kiosk", "store"])
def test_role_that_may_not_is_403(make_api_client, role):
    from tests.stores.factories import LocationFactory

    location = LocationFactory() if role in ("kiosk", "store") else None
    api = make_api_client(role, location=location)
    assert_problem(api.post(THINGS, {"name": "x"}, format="json"), 403, "permission_denied")


def test_validation_error_paths_are_flattened(integration_api):
    response = integration_api.post(
        THINGS,
        {"name": "x", "lines": [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 0}]},
        format="json",
    )
    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["lines.1.quantity"]
    assert body["detail"].startswith("lines.1.quantity:")


def test_missing_field_is_named(integration_api):
    body = assert_problem(integration_api.post(THINGS, {}, format="json"), 400, "validation_error")
    assert "name" in body["errors"]


def test_malformed_json_is_400_problem(integration_api):
    response = integration_api.generic("POST", THINGS, '{"name": ', content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_wrong_media_type_is_415_problem(integration_api):
    response = integration_api.generic(
        "POST", THINGS, "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_method_not_allowed_is_405_problem(integration_api):
    response = integration_api.delete(THINGS)
    assert_problem(response, 405, "method_not_allowed")


def test_unknown_route_is_404_problem(integration_api):
    assert_problem(integration_api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_problem(APIClient().get("/api/nothing"), 404, "not_found")


def test_uncaught_bug_is_500_problem_not_html(integration_api):
    integration_api.raise_request_exception = False
    response = integration_api.get(THINGS + "boom/")
    assert_problem(response, 500, "server_error")


def test_domain_error_is_its_problem(integration_api):
    assert_problem(
        integration_api.post(THINGS, {"name": "x", "conflict": True}, format="json"),
        409,
        "invalid_transition",
    )


def test_pagination_caps_the_page_size(integration_api, settings):
    for i in range(3):
        AuditEntry.objects.create(action="test.thing", data={"name": str(i)})
    body = integration_api.get(THINGS + "?limit=2").json()
    assert len(body["results"]) == 2 and body["next"] and body["count"] == 3
    body = integration_api.get(THINGS + f"?limit={settings.OMNI_API_MAX_PAGE_SIZE}&offset=1").json()
    assert len(body["results"]) == 2 and body["next"] is None
    assert integration_api.get(THINGS + "?offset=5").json()["results"] == []
    from omni.api.pagination import LimitOffsetPagination

    assert LimitOffsetPagination.max_limit == settings.OMNI_API_MAX_PAGE_SIZE == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=201", "limit"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
        ("limit=2.5", "limit"),
        ("limit=", "limit"),
        ("offset=-1", "offset"),
        ("offset=abc", "offset"),
        ("offset=", "offset"),
        ("limit=2&offset=-3", "offset"),
    ],
)
def test_a_bad_page_is_400_naming_the_parameter(integration_api, query, field):
    AuditEntry.objects.create(action="test.thing", data={"name": "x"})
    body = assert_problem(integration_api.get(THINGS + "?" + query), 400, "validation_error")
    assert list(body["errors"]) == [field], body


def test_a_bad_page_is_400_on_the_real_lists(make_api_client):
    for url in ("/api/v1/orders/", "/api/v1/locations/", "/api/v1/stock/movements/", "/api/v1/skus/"):
        body = assert_problem(make_api_client("integration").get(url + "?limit=-5"), 400, "validation_error")
        assert body["errors"] == {"limit": ["A whole number from 1 to 200."]}


def test_throttling_is_per_client_and_answers_429_problem(make_api_client, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "3/min"}}
    first, second = make_api_client("eshop"), make_api_client("eshop")
    for _ in range(3):
        assert first.get(THINGS).status_code == 200
    response = first.get(THINGS)
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1
    assert second.get(THINGS).status_code == 200
    cache.clear()


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_same_key_same_body_replays_and_does_nothing_twice(integration_api):
    first = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AuditEntry.objects.filter(action="test.thing").count() == 1


def test_same_key_other_body_is_422(integration_api):
    integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = integration_api.post(THINGS, {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_problem(response, 422, "idempotency_key_reused")
    assert AuditEntry.objects.filter(action="test.thing").count() == 1


def test_key_order_of_json_fields_does_not_matter(integration_api):
    integration_api.post(THINGS, {"name": "a", "sleep": 0}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    response = integration_api.generic(
        "POST",
        THINGS,
        '{"sleep": 0, "name": "a"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert response["Idempotent-Replayed"] == "true"


def test_keys_are_per_client(make_api_client):
    one, two = make_api_client("integration"), make_api_client("integration")
    assert one.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    response = two.post(THINGS, {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response


def test_key_still_running_is_409(integration_api):
    IdempotencyRecord.objects.create(
        owner=f"client:{integration_api.client_row.pk}",
        key="k-4",
        method="POST",
        path=THINGS,
        request_hash="x" * 64,
    )
    # the fingerprint differs: 422 wins over in-progress; with the same fingerprint it is 409
    from omni.api import idempotency

    record = IdempotencyRecord.objects.get(key="k-4")
    record.request_hash = idempotency.hashlib.sha256(b'POST\n/api/v1/things/\n{"name":"a"}').hexdigest()
    record.save(update_fields=["request_hash"])
    # "Still running" is a request that holds the key's advisory lock on its own connection.
    with _holding_lock(idempotency._lock_id(record.owner, "k-4")):
        response = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert_problem(response, 409, "idempotency_in_progress")
    assert AuditEntry.objects.filter(action="test.thing").count() == 0


def test_a_key_whose_request_died_is_taken_over_at_once(integration_api):
    """An in-progress row nobody holds (the process or the database died mid-request): nothing of it was
    committed, so the retry runs the request instead of answering 409 for minutes."""
    from omni.api import idempotency

    IdempotencyRecord.objects.create(
        owner=f"client:{integration_api.client_row.pk}",
        key="k-dead",
        method="POST",
        path=THINGS,
        request_hash=idempotency.hashlib.sha256(b'POST\n/api/v1/things/\n{"name":"a"}').hexdigest(),
    )
    response = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-dead")
    assert response.status_code == 201, response.content
    assert AuditEntry.objects.filter(action="test.thing").count() == 1
    again = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-dead")
    assert again["Idempotent-Replayed"] == "true" and again.json() == response.json()


@contextmanager
def _holding_lock(lock_id: int):
    """Hold a session advisory lock on a connection of its own, as a running request would."""
    from django.db import connection

    with psycopg.connect(url_for(connection.settings_dict), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [lock_id])
        yield


def test_errors_are_replayed_too(integration_api):
    first = integration_api.post(
        THINGS, {"name": "x", "conflict": True}, format="json", HTTP_IDEMPOTENCY_KEY="k-5"
    )
    again = integration_api.post(
        THINGS, {"name": "x", "conflict": True}, format="json", HTTP_IDEMPOTENCY_KEY="k-5"
    )
    assert first.status_code == again.status_code == 409
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again["Content-Type"].startswith("application/problem+json")


def test_key_expires_after_24_hours(integration_api):
    integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    IdempotencyRecord.objects.filter(key="k-6").update(created_at=timezone.now() - timedelta(hours=25))
    response = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert AuditEntry.objects.filter(action="test.thing").count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_bad_key_is_400(integration_api, key):
    response = integration_api.post(THINGS, {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_problem(response, 400, "validation_error")


def test_purge_task_deletes_only_expired():
    from omni.tasks import purge_idempotency_keys_task

    IdempotencyRecord.objects.create(
        owner="client:1",
        key="old",
        method="POST",
        path="/",
        request_hash="h",
        created_at=timezone.now() - timedelta(hours=30),
    )
    IdempotencyRecord.objects.create(owner="client:1", key="new", method="POST", path="/", request_hash="h")
    assert purge_idempotency_keys_task.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(make_api_client):
    api = make_api_client("integration")
    token = api.token
    results: list[int] = []
    barrier = threading.Barrier(6)

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            response = client.post(
                THINGS, {"name": "race", "sleep": 0.3}, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
            )
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1, results
    assert set(results) <= {201, 409}
    assert AuditEntry.objects.filter(action="test.thing").count() == 1


# --- Staff session ------------------------------------------------------------------------------


def test_staff_session_works_and_csrf_is_enforced(client):
    user = UserFactory(role="hq_manager")
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.get(THINGS).status_code == 200
    assert_problem(csrf_client.post(THINGS, {"name": "a"}, format="json"), 403, "permission_denied")


def test_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
