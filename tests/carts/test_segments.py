"""A promotion limited to a segment goes to an identified cart whose customer is in the segment, exactly as
it goes to the order placed from it, and never to an anonymous cart (totals worked out by hand)."""

from decimal import Decimal

import pytest

from loyalty import services as loyalty
from loyalty.models import Member, Tier
from omni.actors import Actor
from orders.services.segments import save_segment
from tests.orders.factories import PromotionFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
URL = "/api/v1/carts/"


def test_a_segment_promotion_prices_the_members_cart_and_its_order_alike(api, net):
    member = loyalty.enroll_member(email="oro@example.it", first_name="Oro", last_name="Test", actor=HQ)
    Member.objects.filter(pk=member.pk).update(tier=Tier.objects.get(code="gold"))
    gold = save_segment(actor=HQ, code="gold", name="Gold", rules=[{"kind": "tier", "tiers": ["gold"]}])
    PromotionFactory(name="Gold tees", variant=net["tee"], value=Decimal("25.00"), segment=gold)
    eshop = api("eshop")
    lines = [{"sku": "TEE-1", "quantity": 2}]

    mine = eshop.post(
        URL, {"channel": "web", "customer": {"email": "oro@example.it"}, "lines": lines}, format="json"
    )
    anonymous = eshop.post(URL, {"channel": "web", "lines": lines}, format="json").json()
    cart = mine.json()
    # 19.90 less 25% = 4.975 -> 4.98 off a unit; 2 units: 39.80 - 9.96 = 29.84
    assert (cart["lines"][0]["promotion"], cart["discount"], cart["total"]) == ("Gold tees", "9.96", "29.84")
    assert (anonymous["lines"][0]["promotion"], anonymous["total"]) == (None, "39.80")

    body = {"channel": "web", "fulfilment": {"type": "pickup", "location": "MI-1"}}
    order = eshop.post(f"{URL}{cart['id']}/checkout/", body, format="json").json()
    assert (order["lines"][0]["promotion"], order["discount"], order["total"]) == (
        "Gold tees",
        "9.96",
        "29.84",
    )
