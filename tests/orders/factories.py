from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Promotion, PromotionKind


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    name = factory.Sequence(lambda n: f"Promo {n}")
    kind = PromotionKind.PERCENT
    value = Decimal("10.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
