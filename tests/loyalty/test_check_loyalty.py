"""check_loyalty: clean books exit 0; drift injected behind the services' back (raw SQL) exits non-zero
with a report that names it."""

import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from loyalty.models import PointsLot
from loyalty.services import adjust, earn_for_order, redeem_for_order
from loyalty.tasks import check_loyalty_task
from omni.dburl import url_for
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ
from tests.loyalty.factories import order_with_lines

ROOT = Path(__file__).resolve().parents[2]


def _books(member) -> Order:  # type: ignore[no-untyped-def]
    order = order_with_lines(
        [(VariantFactory(price=Decimal("80.00")), 2)], customer_email=member.customer.email
    )
    earn_for_order(order=order)
    redeem_for_order(
        order=order_with_lines(
            [(VariantFactory(price=Decimal("30.00")), 1)], customer_email=member.customer.email
        ),
        points=60,
        actor=HQ,
    )
    adjust(member=member, points=-10, reason="fix", actor=HQ)
    Order.objects.filter(pk=order.pk).update(status="shipped", completed_at=timezone.now())
    return order


def _sql(statement: str, params=()) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _run() -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check_loyalty", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_clean_books_pass(member):
    _books(member)
    out, error = _run()
    assert error is None and out.startswith("OK: 1 members") and "no drift" in out
    assert check_loyalty_task.delay().get() == {"members": 1, "drift": 0}


@pytest.mark.django_db
def test_a_balance_moved_behind_the_ledgers_back_is_drift(member):
    _books(member)
    _sql("UPDATE loyalty_member SET points_balance = points_balance + 5 WHERE id = %s", [member.pk])
    out, error = _run()
    assert error is not None and "3 problems" in str(error)
    assert "balance differs from the ledger: 1" in out and "balance differs from the lots: 1" in out
    assert "newest entry's balance_after differs from the balance: 1" in out
    assert f"member={member.pk}" in out and "balance=95, ledger=90" in out


@pytest.mark.django_db
def test_an_entry_slipped_in_without_its_lot_is_drift(member):
    _books(member)
    _sql(
        "INSERT INTO loyalty_ledgerentry (member_id, kind, points, balance_after, reverses, source_type, "
        "source_id, source_line, order_number, return_number, reason, data, location_code, actor_label, "
        "created_at) VALUES (%s, 'adjust', 7, 97, '', '', '', '', '', '', 'sneaky', '{}', '', '', now())",
        [member.pk],
    )
    out, error = _run()
    assert error is not None
    assert (
        "balance differs from the ledger: 1" in out
        and "entry points differ from its lots less its draws: 1" in out
    )


@pytest.mark.django_db
def test_a_lot_changed_behind_its_draws_is_drift(member):
    _books(member)
    lot = PointsLot.objects.filter(member=member, remaining__gt=0).first()
    _sql("UPDATE loyalty_pointslot SET remaining = remaining - 1 WHERE id = %s", [lot.pk])
    out, error = _run()
    assert error is not None
    assert "lot remaining differs from its points less its draws: 1" in out and f"lot={lot.pk}" in out


@pytest.mark.django_db
def test_a_completed_member_order_that_did_not_earn_is_drift(member):
    _books(member)
    order = order_with_lines(
        [(VariantFactory(price=Decimal("10.00")), 1)], customer_email=member.customer.email
    )
    Order.objects.filter(pk=order.pk).update(status="collected", completed_at=timezone.now())
    guest = order_with_lines([(VariantFactory(), 1)], customer_email="")
    Order.objects.filter(pk=guest.pk).update(status="completed", completed_at=timezone.now())
    out, error = _run()
    assert error is not None and "completed order line without its earn entry: 1" in out
    assert f"order_number={order.number}" in out and guest.number not in out
    earn_for_order(order=order)
    assert _run()[1] is None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_exit_codes_from_the_command_line(member):
    _books(member)
    env = {"DATABASE_URL": url_for(connection.settings_dict), "OMNI_TESTING": "1", "PATH": "/usr/bin:/bin"}

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "check_loyalty"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    clean = run()
    assert clean.returncode == 0, clean.stderr
    assert "OK:" in clean.stdout
    _sql("UPDATE loyalty_member SET points_balance = points_balance + 1 WHERE id = %s", [member.pk])
    drift = run()
    assert drift.returncode == 1 and "Loyalty drift" in drift.stderr and "balance differs" in drift.stdout
