from decimal import Decimal

import factory

from stores.models import Location, LocationKind


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ST-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Store {o.code}")
    kind = LocationKind.STORE
    address = "Via Roma 1"
    city = "Milano"
    country = "IT"
    latitude = Decimal("45.464200")
    longitude = Decimal("9.190000")
    click_and_collect = True
    ships = False
    accepts_returns = True
    pickup_hold_days = 7


class WarehouseFactory(LocationFactory):
    code = factory.Sequence(lambda n: f"WH-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    kind = LocationKind.WAREHOUSE
    click_and_collect = False
    ships = True
    accepts_returns = False
