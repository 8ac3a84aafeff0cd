"""The customers part of `make bench` (tools/bench/customers.py) and the data it adds
(demo/seed/customers.py), at a size a test can afford."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from carts.models import Cart, CartLine, CartStatus
from demo.seed.customers import CARD_PREFIX, cart_count, customer_count, seed_customers_and_carts
from loyalty.cards import is_valid_card_number
from loyalty.models import Customer, Member
from orders.models import Order
from tools.bench import cost

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _small_scale() -> None:
    call_command(
        "seed_demo",
        "--force",
        "--scale",
        "--skus",
        "60",
        "--locations",
        "4",
        "--orders",
        "400",
        "--movements",
        "0",
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_the_seed_tops_up_customers_and_carts_and_keeps_loyalty_true():
    from loyalty.selectors.reconciliation import check_loyalty

    _small_scale()
    history_carts = cart_count()
    assert customer_count() < 500 and 0 < history_carts < 600

    assert seed_customers_and_carts(customers=500, carts=600) == ["customers", "carts"]
    assert customer_count() == 500 and cart_count() == 600
    # every customer is a member with a valid card; the added ones carry the history's order emails
    assert Member.objects.filter(status="active").count() == 500
    added = Member.objects.filter(card_number__startswith=CARD_PREFIX)
    assert added.count() == 500 - 400 // 25
    assert all(is_valid_card_number(card) for card in added.values_list("card_number", flat=True))
    order_emails = set(Order.objects.exclude(customer_email="").values_list("customer_email", flat=True))
    assert order_emails and order_emails <= set(Customer.objects.values_list("email", flat=True))
    # the added carts: open while young, expired (and closed) after the idle time, each with lines
    now = timezone.now()
    new = Cart.objects.filter(order__isnull=True, status__in=[CartStatus.OPEN, CartStatus.EXPIRED])
    assert new.filter(status=CartStatus.OPEN).exists() and new.filter(status=CartStatus.EXPIRED).exists()
    assert not new.filter(status=CartStatus.OPEN, expires_at__lte=now).exists()
    assert not new.filter(status=CartStatus.EXPIRED, closed_at__isnull=True).exists()
    assert not Cart.objects.exclude(pk__in=CartLine.objects.values("cart_id")).exists()
    assert check_loyalty().ok
    # run again: nothing to add
    assert seed_customers_and_carts(customers=500, carts=600) == []
    assert customer_count() == 500 and cart_count() == 600


def test_the_customers_part_runs_through_gunicorn_and_is_written_up(monkeypatch, tmp_path):
    from tests.conftest import server_env
    from tools.bench import customers, report

    _small_scale()
    for key, value in server_env(DB_CONN_MAX_AGE="60").items():
        monkeypatch.setenv(key, value)  # the server the benchmark starts works on the test database
    monkeypatch.setattr(cost, "STATS_SETTLE_SECONDS", 0.1)
    opts = {"customers": 500, "carts": 900, "requests": 4, "warm_up_requests": 2, "workers": 1}
    result = customers.run(opts)

    assert result.seeded[:2] == ["customers", "carts"]  # and the segments, unless the history made them
    assert result.data["loyalty customers"] == 500 and result.data["carts"] == 900
    assert [what for what, _api, _raw in result.pairs] == ["cart by id", "open carts by email"]
    for what, api, raw in result.pairs:
        assert api.statuses == {200: 4} and len(api.ms) == len(raw.ms) == 4, what
        assert api.rows == raw.rows > 0, what  # both sides read the same carts
        assert api.cost is not None and raw.cost is not None
    assert set(result.queries) == {"cart by id", "open carts by email"}
    assert len(result.segments) >= 3 and len(result.counts_wall_ms) == 3 and len(result.counts_raw_ms) == 2
    assert result.counts_plan is not None and result.membership_plan is not None
    assert [who for who, _s, _r in result.membership] == ["any customer", "buyers"]
    for _who, selector, raw in result.membership:
        assert len(selector.ms) == len(raw.ms) > 0 and selector.rows == raw.rows

    text = customers.section(result)
    assert text.count("## Carts and segments") == 1
    for segment in result.segments:
        assert f"| `{segment['code']}` |" in text
    path = report.write(tmp_path, sections=[text], data={"customers": customers.figures(result)}, argv=[])
    assert "| cart by id | API | 4 |" in path.read_text()
    assert (tmp_path / "latest.json").exists()
    # a second run finds the data there
    assert customers.ensure_data(opts)[0] == []
