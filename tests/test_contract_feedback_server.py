"""The contract's feedback endpoints held through a real multi-process server (gunicorn) on the test
database: the e-shop, a kiosk and a store tablet post answers, bad ones are problem documents, and the
summary is exact for HQ, the store's own for the store, refused to the e-shop and for another store."""

import pytest
import requests

from feedback.models import FollowUp, Response
from omni.services import create_api_client
from tests.loyalty.factories import OrderFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"feedback-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def test_posting_feedback_and_reading_the_summary(gunicorn_server):
    store = LocationFactory(code="MI-FBK")
    other = LocationFactory(code="RM-FBK")
    base = gunicorn_server.url + "/api/v1/feedback/"
    eshop, kiosk, tablet = (
        _headers("eshop", "eshop"),
        _headers("kiosk", "kiosk", store),
        _headers("store", "tablet", store),
    )
    hq, elsewhere = _headers("integration", "hq"), _headers("store", "elsewhere", other)
    pickup = OrderFactory(fulfilment_type="pickup", location=store, channel="web", delivery_address=None)

    posted = [
        requests.post(base, json=body, headers=headers, timeout=30)
        for headers, body in [
            (eshop, {"touchpoint": "web", "nps": 10, "csat": 5, "ces": 7, "comment": "Tutto facile"}),
            (kiosk, {"touchpoint": "kiosk", "nps": 8, "csat": 4}),
            (tablet, {"touchpoint": "pickup", "order": pickup.number, "nps": 2, "csat": 1, "ces": 3}),
            (tablet, {"touchpoint": "store", "nps": 9}),
        ]
    ]
    assert [r.status_code for r in posted] == [201] * 4, [r.text for r in posted]
    web, at_kiosk, at_pickup, at_till = (r.json() for r in posted)
    assert set(web) == {
        "id", "touchpoint", "order", "location", "nps", "csat", "ces", "comment", "created_at", "channel",
    }  # fmt: skip
    assert (web["channel"], web["location"], web["comment"]) == ("web", None, "Tutto facile")
    assert (at_kiosk["location"], at_kiosk["channel"]) == ("MI-FBK", "kiosk")
    assert (at_till["location"], at_till["channel"]) == ("MI-FBK", "store")
    assert (at_pickup["order"], at_pickup["location"], at_pickup["channel"]) == (
        pickup.number,
        "MI-FBK",
        "web",
    )
    assert FollowUp.objects.get().response_id == at_pickup["id"]

    out_of_range = requests.post(base, json={"touchpoint": "web", "nps": 11}, headers=eshop, timeout=30)
    assert "nps" in _problem(out_of_range, 400, "validation_error")["errors"]
    no_score = requests.post(base, json={"touchpoint": "web", "comment": "?"}, headers=eshop, timeout=30)
    _problem(no_score, 400, "validation_error")
    not_theirs = requests.post(
        base, json={"touchpoint": "pickup", "order": pickup.number, "nps": 5}, headers=eshop, timeout=30
    )
    assert _problem(not_theirs, 400, "validation_error")["errors"] == {
        "order": [f"No order {pickup.number}."]
    }
    another_store = requests.post(
        base, json={"touchpoint": "store", "location": "RM-FBK", "nps": 5}, headers=tablet, timeout=30
    )
    _problem(another_store, 403, "permission_denied")
    _problem(requests.post(base, json={"touchpoint": "web", "nps": 5}, timeout=30), 401, "not_authenticated")
    assert Response.objects.count() == 4

    everything = requests.get(base + "summary/", headers=hq, timeout=30)
    assert everything.status_code == 200, everything.text
    # NPS 10, 8, 2, 9: 2 promoters, 1 passive, 1 detractor: 25.0; CSAT 5, 4, 1: 2 of 3 = 66.7; CES 7, 3: 5.0
    assert everything.json() == {
        "responses": 4,
        "nps": {"score": 25.0, "promoters": 2, "passives": 1, "detractors": 1, "responses": 4},
        "csat": {"score": 66.7, "responses": 3},
        "ces": {"score": 5.0, "responses": 2},
    }
    own = requests.get(base + "summary/", headers=tablet, params={"touchpoint": "pickup"}, timeout=30).json()
    assert (own["responses"], own["nps"]["score"], own["csat"]["score"]) == (1, -100.0, 0.0)
    empty = requests.get(base + "summary/", headers=elsewhere, timeout=30).json()
    assert (empty["responses"], empty["nps"]["score"], empty["ces"]["score"]) == (0, None, None)
    _problem(
        requests.get(base + "summary/", headers=tablet, params={"location": "RM-FBK"}, timeout=30),
        403,
        "permission_denied",
    )
    _problem(requests.get(base + "summary/", headers=eshop, timeout=30), 403, "permission_denied")
    _problem(
        requests.get(base + "summary/", headers=hq, params={"since": "2026-02-30"}, timeout=30),
        400,
        "validation_error",
    )
