"""Real orders (orders.models rows, the same the placement service writes), built directly for the tests
that need many of them quickly; tests that exercise placement use orders.services.place_order."""

from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Order, OrderLine
from tests.inventory.factories import VariantFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T-{n:06d}")
    channel = "web"
    status = "placed"
    fulfilment_type = "delivery"
    customer_email = "giulia@example.it"
    customer_first_name = "Giulia"
    customer_last_name = "Rossi"
    delivery_address = factory.LazyFunction(
        lambda: {"line1": "Via Roma 1", "city": "Milano", "postcode": "20100", "country": "IT"}
    )
    subtotal = Decimal("0.00")
    discount = Decimal("0.00")
    total = Decimal("0.00")
    created_at = factory.LazyFunction(lambda: timezone.now())  # follows the test clock


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    sku = factory.LazyAttribute(lambda o: o.variant.sku)
    name = "Maglia"
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.variant.price)
    vat_rate = Decimal("22.00")
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity - o.order_discount)
    order_discount = Decimal("0.00")
    vat_amount = Decimal("0.00")


def order_with_lines(lines, **order_fields):  # type: ignore[no-untyped-def]
    """lines: [(variant, quantity)] or [(variant, quantity, order_discount)]; totals follow the lines."""
    order = OrderFactory(**order_fields)
    for spec in lines:
        variant, quantity, *rest = spec
        OrderLineFactory(
            order=order, variant=variant, quantity=quantity, order_discount=rest[0] if rest else Decimal("0")
        )
    rows = list(order.lines.all())
    order.subtotal = sum((r.unit_price * r.quantity for r in rows), Decimal("0.00"))
    order.total = sum((r.line_total for r in rows), Decimal("0.00"))
    order.discount = order.subtotal - order.total
    order.save(update_fields=["subtotal", "total", "discount"])
    return order
