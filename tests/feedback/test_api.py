"""POST /api/v1/feedback/ and GET /api/v1/feedback/summary/ (the contract), for every role, with the unhappy
paths: ranges, orders a client may not see (answered like unknown ones), another store's location or scores,
bad filters, and an idempotent replay."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.models import FollowUp, Response
from tests.conftest import assert_problem
from tests.feedback.factories import ResponseFactory
from tests.feedback.test_scores import HAND_SUMMARY, make_hand_set
from tests.loyalty.factories import OrderFactory
from tests.orders.conftest import api, milano, roma

__all__ = ["api", "milano", "roma"]

URL = "/api/v1/feedback/"
SUMMARY = "/api/v1/feedback/summary/"
BODY_KEYS = {
    "id",
    "touchpoint",
    "order",
    "location",
    "nps",
    "csat",
    "ces",
    "comment",
    "created_at",
    "channel",
}
EMPTY = {
    "responses": 0,
    "nps": {"score": None, "promoters": 0, "passives": 0, "detractors": 0, "responses": 0},
    "csat": {"score": None, "responses": 0},
    "ces": {"score": None, "responses": 0},
}


# --- POST ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "touchpoint", "location", "channel"),
    [
        ("integration", "appointment", None, ""),
        ("eshop", "web", None, "web"),
        ("kiosk", "kiosk", "MI-1", "kiosk"),
        ("store", "store", "MI-1", "store"),
    ],
)
def test_every_role_gives_feedback(api, role, touchpoint, location, channel):
    client = api(role)
    answer = client.post(
        URL, {"touchpoint": touchpoint, "nps": 9, "csat": 5, "comment": "Bene"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert set(body) == BODY_KEYS
    assert (body["touchpoint"], body["location"], body["channel"]) == (touchpoint, location, channel)
    assert (body["nps"], body["csat"], body["ces"], body["comment"], body["order"]) == (
        9,
        5,
        None,
        "Bene",
        None,
    )
    response = Response.objects.get(pk=body["id"])
    assert response.api_client_id == client.client_row.pk


def test_a_store_client_gives_feedback_about_an_order_of_its_store(api, milano):
    order = OrderFactory(fulfilment_type="pickup", location=milano, channel="web", delivery_address=None)
    answer = api("store").post(URL, {"touchpoint": "pickup", "order": order.number, "nps": 4}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["order"], body["location"], body["channel"]) == (order.number, "MI-1", "web")
    assert FollowUp.objects.get(response_id=body["id"]).location_id == milano.pk


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"touchpoint": "web", "nps": 11}, {"nps"}),
        ({"touchpoint": "web", "nps": -1}, {"nps"}),
        ({"touchpoint": "web", "csat": 0}, {"csat"}),
        ({"touchpoint": "web", "csat": 6}, {"csat"}),
        ({"touchpoint": "web", "ces": 8}, {"ces"}),
        ({"touchpoint": "web", "nps": "ten"}, {"nps"}),
        ({"touchpoint": "web", "nps": 7.5}, {"nps"}),
        ({"touchpoint": "web"}, {"non_field_errors"}),
        ({"touchpoint": "web", "nps": None, "csat": None, "ces": None}, {"non_field_errors"}),
        ({"touchpoint": "phone", "nps": 5}, {"touchpoint"}),
        ({"nps": 5}, {"touchpoint"}),
        ({"touchpoint": "web", "nps": 5, "comment": "x" * 2001}, {"comment"}),
    ],
)
def test_bad_input_is_a_validation_error(api, body, fields):
    answer = api("eshop").post(URL, body, format="json")
    problem = assert_problem(answer, 400, "validation_error")
    assert set(problem["errors"]) == fields
    assert not Response.objects.exists()


def test_orders_the_client_may_not_see_are_answered_like_unknown_ones(api, milano, roma):
    eshop, other_eshop = api("eshop"), api("eshop")
    own = OrderFactory(api_client=eshop.client_row, channel="web")
    theirs = OrderFactory(api_client=other_eshop.client_row, channel="app")
    at_roma = OrderFactory(fulfilment_type="carry_out", location=roma, channel="store", delivery_address=None)
    answer = eshop.post(URL, {"touchpoint": "web", "order": own.number, "ces": 6}, format="json")
    assert answer.status_code == 201 and answer.json()["order"] == own.number
    for client, number in [
        (eshop, theirs.number),
        (eshop, "NOPE-1"),
        (api("store"), at_roma.number),
        (api("kiosk"), at_roma.number),
    ]:
        problem = assert_problem(
            client.post(URL, {"touchpoint": "store", "order": number, "ces": 6}, format="json"),
            400,
            "validation_error",
        )
        assert problem["errors"] == {"order": [f"No order {number}."]}
    answer = api("integration").post(
        URL, {"touchpoint": "store", "order": at_roma.number, "nps": 8}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["location"] == "RM-1"  # the order's store
    assert Response.objects.count() == 2


def test_kiosk_and_store_answer_for_their_own_location_only(api, milano, roma):
    for role in ("kiosk", "store"):
        own = api(role).post(URL, {"touchpoint": role, "location": "MI-1", "nps": 10}, format="json")
        assert own.status_code == 201 and own.json()["location"] == "MI-1"
        assert_problem(
            api(role).post(URL, {"touchpoint": role, "location": "RM-1", "nps": 10}, format="json"),
            403,
            "permission_denied",
        )
    unknown = api("integration").post(
        URL, {"touchpoint": "store", "location": "XX-9", "nps": 10}, format="json"
    )
    assert assert_problem(unknown, 400, "validation_error")["errors"] == {"location": ["No location XX-9."]}
    anywhere = api("integration").post(
        URL, {"touchpoint": "store", "location": "RM-1", "nps": 10}, format="json"
    )
    assert anywhere.status_code == 201 and anywhere.json()["location"] == "RM-1"


def test_no_token_is_401(db):
    assert_problem(
        APIClient().post(URL, {"touchpoint": "web", "nps": 9}, format="json"), 401, "not_authenticated"
    )
    assert_problem(APIClient().get(SUMMARY), 401, "not_authenticated")


def test_idempotent_replay(api):
    client = api("eshop")
    body = {"touchpoint": "app", "nps": 3, "comment": "Lenta"}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="fb-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="fb-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Response.objects.count() == 1 and FollowUp.objects.count() == 1
    other = client.post(URL, {**body, "nps": 4}, format="json", HTTP_IDEMPOTENCY_KEY="fb-1")
    assert_problem(other, 422, "idempotency_key_reused")


# --- Summary ---------------------------------------------------------------------------------------------


def test_summary_exact_numbers_and_filters(api, milano, roma):
    make_hand_set(touchpoint="pickup", channel="web", location=milano)
    ResponseFactory(touchpoint="store", channel="store", location=roma, nps=0)
    ResponseFactory(touchpoint="pickup", channel="app", location=milano, nps=10)
    long_ago = timezone.now() - dt.timedelta(days=40)
    ResponseFactory(touchpoint="pickup", channel="web", location=milano, nps=0, created_at=long_ago)
    client = api("integration")
    today = timezone.localdate().isoformat()
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    params = {"touchpoint": "pickup", "location": "MI-1", "channel": "web", "since": since, "until": today}
    answer = client.get(SUMMARY, params)
    assert answer.status_code == 200, answer.content
    assert answer.json() == HAND_SUMMARY
    everything = client.get(SUMMARY).json()
    assert everything["responses"] == 11
    assert everything["nps"] == {
        "score": 0.0,
        "promoters": 4,
        "passives": 2,
        "detractors": 4,
        "responses": 10,
    }
    assert client.get(SUMMARY, {"location": "RM-1"}).json()["nps"]["score"] == -100.0
    assert client.get(SUMMARY, {"touchpoint": "return"}).json() == EMPTY
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.get(SUMMARY, {"since": future}).json() == EMPTY


def test_a_store_reads_its_own_scores_only(api, milano, roma):
    ResponseFactory(touchpoint="store", channel="store", location=milano, nps=10)
    ResponseFactory(touchpoint="store", channel="store", location=roma, nps=0)
    ResponseFactory(touchpoint="web", channel="web", location=None, nps=0)
    store = api("store")
    own = store.get(SUMMARY).json()
    assert (own["responses"], own["nps"]["score"]) == (1, 100.0)
    assert store.get(SUMMARY, {"location": "MI-1"}).json() == own
    assert_problem(store.get(SUMMARY, {"location": "RM-1"}), 403, "permission_denied")
    assert api("store", location=roma).get(SUMMARY).json()["nps"]["score"] == -100.0


@pytest.mark.parametrize("role", ["eshop", "kiosk"])
def test_eshop_and_kiosk_may_not_read_the_summary(api, role):
    assert_problem(api(role).get(SUMMARY), 403, "permission_denied")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"touchpoint": "phone"}, "touchpoint"),
        ({"channel": "fax"}, "channel"),
        ({"location": "XX-9"}, "location"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "until"),
    ],
)
def test_bad_filters_are_400(api, params, field):
    problem = assert_problem(api("integration").get(SUMMARY, params), 400, "validation_error")
    assert field in problem["errors"]


def test_summary_of_nothing_is_null(api):
    assert api("integration").get(SUMMARY).json() == EMPTY
