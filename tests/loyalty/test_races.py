"""The member lock under real concurrency: threads with their own database connections, and a real
multi-process server (gunicorn). Whatever the interleaving, points are spent once, credited once, and
the balance never goes below zero."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.db import connection

from loyalty.exceptions import InvalidRedemption, MemberExists
from loyalty.models import LedgerEntry, Member
from loyalty.selectors import check_loyalty
from loyalty.services import adjust, earn_for_order, enroll_member, redeem_for_order
from omni.services import create_api_client
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ, assert_books_balance
from tests.loyalty.factories import order_with_lines

EMAIL = "race@example.it"


def together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in n threads released at once; each thread uses (and closes) its own connection."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        try:
            barrier.wait(timeout=30)
            return work(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_two_redemptions_of_the_same_points_one_wins():
    member = enroll_member(email=EMAIL, first_name="R", last_name="", actor=HQ)
    adjust(member=member, points=500, reason="gift", actor=HQ)
    orders = [
        order_with_lines([(VariantFactory(price=Decimal("50.00")), 1)], customer_email=EMAIL)
        for _ in range(2)
    ]
    results = together(2, lambda i: redeem_for_order(order=orders[i], points=400, actor=HQ))
    assert sorted(type(r).__name__ for r in results) == ["Decimal", "InvalidRedemption"], results
    assert Decimal("4.00") in results
    assert_books_balance(member)
    assert member.points_balance == 100
    assert LedgerEntry.objects.filter(kind="redeem").count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_redemptions_never_overdraw():
    member = enroll_member(email=EMAIL, first_name="R", last_name="", actor=HQ)
    adjust(member=member, points=1000, reason="gift", actor=HQ)
    orders = [
        order_with_lines([(VariantFactory(price=Decimal("50.00")), 1)], customer_email=EMAIL)
        for _ in range(8)
    ]
    results = together(8, lambda i: redeem_for_order(order=orders[i], points=300, actor=HQ))
    assert Counter(type(r) for r in results) == Counter({Decimal: 3, InvalidRedemption: 5}), results
    assert_books_balance(member)
    assert member.points_balance == 100


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_earn_credits_once():
    member = enroll_member(email=EMAIL, first_name="R", last_name="", actor=HQ)
    order = order_with_lines(
        [(VariantFactory(price=Decimal("70.00")), 1), (VariantFactory(price=Decimal("30.00")), 2)],
        customer_email=EMAIL,
    )
    results = together(4, lambda i: earn_for_order(order=order))
    assert sorted(results) == [0, 0, 0, 130], results
    assert_books_balance(member)
    assert member.points_balance == 130


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_of_one_email_make_one_member():
    results = together(
        4, lambda i: enroll_member(email="Twin@example.it", first_name="T", last_name="", actor=HQ)
    )
    assert Counter(type(r) for r in results) == Counter({Member: 1, MemberExists: 3}), results
    assert Member.objects.count() == 1


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_adjustments_through_the_server_never_take_the_balance_below_zero(gunicorn_server):
    member = enroll_member(email=EMAIL, first_name="R", last_name="", actor=HQ)
    _, token = create_api_client(name="race-hq", role="integration")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{gunicorn_server.url}/api/v1/loyalty/members/{member.pk}/adjustments/"
    r = requests.post(url, json={"points": 500, "reason": "gift"}, headers=headers, timeout=30)
    assert r.status_code == 201, r.text

    def take(_: int) -> int:
        return requests.post(
            url, json={"points": -100, "reason": "race"}, headers=headers, timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(take, range(12)))
    assert statuses == Counter({201: 5, 400: 7}), statuses
    assert_books_balance(member)
    assert member.points_balance == 0
    body = requests.get(
        f"{gunicorn_server.url}/api/v1/loyalty/members/{member.pk}/ledger/",
        params={"limit": 50},
        headers=headers,
        timeout=30,
    ).json()
    assert sum(e["points"] for e in body["results"]) == 0 and body["count"] == 6
    assert check_loyalty().ok
