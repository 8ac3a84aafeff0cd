"""What one placement costs the database through the API, as the benchmark's orders do (an Idempotency-Key,
a delivery): the same statements whatever the number of lines, one transaction, one outbox message."""

import uuid
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.models import OutboxMessage
from tests.inventory.factories import VariantFactory
from tests.orders.test_api import ORDERS, delivery, stock

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_api_placement_costs_the_same_statements_for_1_3_10_and_50_lines(api, net):
    variants = [VariantFactory(sku=f"C-{i:03d}") for i in range(50)]
    for v in variants:
        stock(net["hub"], v, 10)
    client = api()

    def place(n: int) -> list[str]:
        body = delivery(lines=[{"sku": v.sku, "quantity": 1} for v in variants[:n]])
        with mock.patch("omni.outbox.publish", lambda ids: 0), CaptureQueriesContext(connection) as ctx:
            response = client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 201, response.content
        return [q["sql"] for q in ctx.captured_queries]

    place(50)  # this process's copies of the catalog, promotions and locations, loaded
    counts = {n: len(place(n)) for n in (1, 3, 10, 50)}
    assert len(set(counts.values())) == 1, counts
    statements = place(3)
    assert len(statements) <= 10, (
        statements
    )  # versions, BEGIN, claim, keys, plan, hold, write, outbox, answer, COMMIT
    assert sum(1 for sql in statements if sql == "COMMIT") == 1
    assert not any(sql.startswith("SAVEPOINT") for sql in statements)
    assert OutboxMessage.objects.count() == 6  # one per order (the low-stock check and the email, batched)
