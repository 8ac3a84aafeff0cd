"""The web tier keeps nothing a second box would miss: two gunicorn instances (separate processes on two
ports, sharing only the database) serve one staff journey and one API journey, request by request in turn.

- Staff: logged in on one, the session cookie works on the other; a CSRF token from one page is accepted by a
  POST to the other; what the POST put in the session (the current location, the flash message) shows on the
  other; logging out on one ends the session on both. Wrong passwords counted on both lock the account.
- API: an order POSTed with an Idempotency-Key on one is replayed by the other (the same answer, marked
  replayed), read on the other, and the key reused with another body is refused there; its token, revoked,
  is refused by both at once (whatever either keeps in memory).

Rate-limit counters are the one thing kept per process without OMNI_CACHE_URL (docs/OPERATIONS.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client, revoke_api_client
from orders.models import Order
from tests.conftest import LiveServer, server_env, start_gunicorn
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def two_servers(transactional_db) -> Iterator[tuple[LiveServer, LiveServer]]:
    env = server_env()
    first = start_gunicorn(env, workers=1)
    try:
        second = start_gunicorn(env, workers=1)
    except BaseException:
        first.child.close()
        raise
    try:
        yield first, second
    finally:
        second.child.close()
        first.child.close()


def _login(browser: requests.Session, base: str, username: str, password: str) -> requests.Response:
    browser.get(f"{base}/accounts/login/", headers=EN, timeout=30)
    return browser.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={**EN, "Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )


def test_a_staff_session_moves_between_instances(two_servers):
    a, b = (server.url for server in two_servers)
    first, second = LocationFactory(code="MI-01"), LocationFactory(code="TO-01", name="Torino Centro")
    UserFactory(username="gm", role="store_manager", locations=[first, second])
    browser = requests.Session()

    assert _login(browser, a, "gm", "omni-test-pass").status_code == 302  # logged in on A
    page = browser.get(f"{b}/", headers=EN, allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.headers.get("Location")  # the session is known on B
    token = TOKEN.search(page.text)
    assert token is not None and 'data-testid="location-switcher"' in page.text

    switched = browser.post(  # B's token, A's form handler
        f"{a}/locations/switch/",
        data={"location": second.pk, "next": "/", "csrfmiddlewaretoken": token.group(1)},
        headers={**EN, "Referer": f"{a}/"},
        allow_redirects=False,
        timeout=30,
    )
    assert switched.status_code == 302, switched.text[:500]
    page = browser.get(f"{b}/", headers=EN, timeout=30)
    assert re.search(rf'<option value="{second.pk}"\s+selected', page.text), (
        "the switch made on A is not on B"
    )
    assert "You are now working at Torino Centro" in page.text

    token = TOKEN.search(page.text)
    assert token is not None
    out = browser.post(
        f"{b}/accounts/logout/",
        data={"csrfmiddlewaretoken": token.group(1)},
        headers={**EN, "Referer": f"{b}/"},
        allow_redirects=False,
        timeout=30,
    )
    assert out.status_code == 302
    gone = browser.get(f"{a}/", allow_redirects=False, timeout=30)
    assert gone.status_code == 302 and "/accounts/login/" in gone.headers["Location"]


def test_wrong_passwords_on_both_instances_lock_the_account(two_servers, settings):
    a, b = (server.url for server in two_servers)
    UserFactory(username="guessed", role="associate")
    for attempt in range(settings.OMNI_LOGIN_MAX_FAILURES_PER_USERNAME):
        answer = _login(requests.Session(), (a, b)[attempt % 2], "guessed", f"wrong-{attempt}")
        assert answer.status_code == 200  # the form again, with its error
    refused = _login(requests.Session(), b, "guessed", "omni-test-pass")
    assert refused.status_code == 200 and "sessionid" not in refused.cookies  # locked: counted on both


def test_an_idempotent_order_is_replayed_by_the_other_instance(two_servers):
    a, b = (server.url for server in two_servers)
    hub = WarehouseFactory(code="PC-2X", latitude=45.05, longitude=9.69)
    variant = VariantFactory(sku="TWO-TEE-M")
    record_movement(
        actor=Actor.system(), location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=5
    )
    client, token = create_api_client(name="two-boxes-shop", role="eshop")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "two-boxes-1"}
    order = {
        "channel": "web",
        "customer": {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"},
        "lines": [{"sku": "TWO-TEE-M", "quantity": 1}],
        "fulfilment": {
            "type": "delivery",
            "address": {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"},
        },
    }

    placed = requests.post(f"{a}/api/v1/orders/", json=order, headers=headers, timeout=30)
    assert placed.status_code == 201, placed.text
    replayed = requests.post(f"{b}/api/v1/orders/", json=order, headers=headers, timeout=30)
    assert replayed.status_code == 201, replayed.text
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == placed.json()
    number = placed.json()["number"]
    auth = {"Authorization": headers["Authorization"]}
    read = requests.get(f"{b}/api/v1/orders/{number}/", headers=auth, timeout=30)
    assert read.status_code == 200 and read.json()["number"] == number
    other = {**order, "lines": [{"sku": "TWO-TEE-M", "quantity": 2}]}
    reused = requests.post(f"{b}/api/v1/orders/", json=other, headers=headers, timeout=30)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused", reused.text
    assert Order.objects.count() == 1

    # A token revoked (here, in a third process) is refused by both at once, whatever each has in memory.
    revoke_api_client(client=client)
    for base in (a, b):
        refused = requests.get(f"{base}/api/v1/orders/{number}/", headers=auth, timeout=30)
        assert refused.status_code == 401, (base, refused.status_code, refused.text[:300])
