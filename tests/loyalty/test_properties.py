"""Property-based: any sequence of earning, redeeming, cancelling, returning, adjusting and letting time
pass (with the expiry job) keeps the books: balance = ledger sum = lots' remaining, never below zero,
every lot = its points less its draws, and no redemption ever draws on a lot that had expired or was
still pending. Refusals happen exactly when the member lacks the points."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.exceptions import InvalidRedemption, LoyaltyInvalid
from loyalty.models import LedgerEntry, LotDraw, PointsLot
from loyalty.selectors import check_loyalty
from loyalty.services import (
    adjust,
    earn_for_order,
    enroll_member,
    expire_points,
    redeem_for_order,
    restore_redeemed_for_order,
    reverse_for_return,
)
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ, assert_books_balance
from tests.loyalty.factories import order_with_lines

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EMAIL = "prop@example.it"
OPS = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 400), st.integers(1, 3)),
    st.tuples(st.just("redeem"), st.integers(1, 700)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 3)),
    st.tuples(st.just("adjust"), st.one_of(st.integers(-400, -1), st.integers(1, 400))),
    st.tuples(st.just("wait"), st.integers(1, 400), st.booleans()),  # days, then the expiry job or not
)


def spendable(member, now) -> int:  # type: ignore[no-untyped-def]
    lots = PointsLot.objects.filter(
        member=member, remaining__gt=0, available_at__lte=now, expires_at__gt=now, expired_at__isnull=True
    )
    return sum(lots.values_list("remaining", flat=True))


def run(ops, pending: bool) -> None:  # type: ignore[no-untyped-def]
    clock = {"now": timezone.now()}
    with mock.patch("django.utils.timezone.now", new=lambda: clock["now"]):
        member = enroll_member(email=EMAIL, first_name="P", last_name="", actor=HQ)
        earned: list = []  # (order, line, units left to return)
        redeemed: list = []
        returns = 0
        for op in ops:
            now = clock["now"]
            kind = op[0]
            if kind == "earn":
                order = order_with_lines(
                    [(VariantFactory(price=Decimal(op[1])), op[2])], customer_email=EMAIL
                )
                member.refresh_from_db()
                assert earn_for_order(order=order) == int(member.tier.multiplier * op[1] * op[2])
                assert earn_for_order(order=order) == 0  # idempotent
                earned.append([order, order.lines.get(), op[2]])
            elif kind == "redeem":
                order = order_with_lines(
                    [(VariantFactory(price=Decimal("1000.00")), 1)], customer_email=EMAIL
                )
                can = spendable(member, now)
                try:
                    discount = redeem_for_order(order=order, points=op[1], actor=HQ)
                except InvalidRedemption:
                    assert op[1] > can
                else:
                    assert op[1] <= can and discount == Decimal(op[1]) / 100
                    assert redeem_for_order(order=order, points=op[1], actor=HQ) == discount  # idempotent
                    redeemed.append(order)
            elif kind == "cancel" and redeemed:
                order = redeemed[op[1] % len(redeemed)]
                first = restore_redeemed_for_order(order=order)
                assert restore_redeemed_for_order(order=order) == first  # idempotent
            elif kind == "return" and earned:
                row = earned[op[1] % len(earned)]
                quantity = min(op[2], row[2])
                if quantity:
                    returns += 1
                    args = {
                        "order": row[0],
                        "returned_lines": [(row[1], quantity)],
                        "source_id": f"R-{returns}",
                    }
                    report = reverse_for_return(**args)
                    assert reverse_for_return(**args) == report  # idempotent
                    row[2] -= quantity
            elif kind == "adjust":
                member.refresh_from_db()
                balance = member.points_balance
                try:
                    adjust(member=member, points=op[1], reason="prop", actor=HQ)
                except LoyaltyInvalid:
                    assert -op[1] > balance
                else:
                    assert op[1] > 0 or -op[1] <= balance
            elif kind == "wait":
                clock["now"] = now + timedelta(days=op[1])
                if op[2]:
                    expire_points(as_of=clock["now"])
            assert_books_balance(member)

        # no redemption ever drew on a lot that was expired or still pending at the time
        for draw in LotDraw.objects.filter(entry__kind="redeem").select_related("entry", "lot"):
            assert draw.lot.expires_at > draw.entry.created_at, (draw.lot, draw.entry)
            assert draw.lot.available_at <= draw.entry.created_at
        # an expiry takes exactly its own lot, on or after its date
        for entry in LedgerEntry.objects.filter(kind="expire"):
            [draw] = entry.draws.select_related("lot")
            assert draw.lot_id == int(entry.source_id) and draw.points == -entry.points
            assert draw.lot.expires_at <= entry.created_at or draw.lot.expires_at <= clock["now"]
        check = check_loyalty()
        assert not (check.balance_vs_ledger or check.balance_vs_lots or check.balance_after)
        assert not (check.lots or check.entries), (check.lots, check.entries)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=16), pending=st.booleans())
def test_any_sequence_keeps_the_books(django_db_setup, ops, pending):  # type: ignore[no-untyped-def]
    from django.test import override_settings

    with (
        override_settings(LOYALTY_PENDING_PERIOD=pending, LOYALTY_RETURN_WINDOW_DAYS=20),
        transaction.atomic(),
    ):
        run(ops, pending)
        transaction.set_rollback(True)
