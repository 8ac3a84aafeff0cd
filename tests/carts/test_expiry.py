"""Carts idle past OMNI_CART_IDLE_DAYS expire, by the management command and by the beat task, at a frozen
time: a change pushes the expiry back; converted and already expired carts are left alone; running twice
expires nothing twice."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from carts import services
from carts.models import Cart, CartStatus
from carts.services.carts import CartLineInput
from carts.tasks import expire_carts_task
from omni.actors import Actor

pytestmark = pytest.mark.django_db

HQ = Actor.system()
T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def at(moment):
    """Freeze django.utils.timezone.now (every caller reads it through the module) at `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def new_cart(when, **kwargs):
    with at(when):
        return services.create_cart(actor=HQ, channel="web", lines=[CartLineInput("TEE-1", 1)], **kwargs)


def status(cart):
    return Cart.objects.get(pk=cart.pk).status


def test_idle_carts_expire_after_the_configured_days_and_a_change_pushes_it_back(settings, net):
    settings.OMNI_CART_IDLE_DAYS = 10
    idle = new_cart(T0)
    touched = new_cart(T0)
    assert idle.expires_at == T0 + dt.timedelta(days=10)
    with at(T0 + dt.timedelta(days=5)):
        services.add_line(actor=HQ, cart_id=touched.pk, sku="TEE-1", quantity=1)
    assert Cart.objects.get(pk=touched.pk).expires_at == T0 + dt.timedelta(days=15)

    out = StringIO()
    call_command("expire_carts", "--as-of", (T0 + dt.timedelta(days=9, hours=23)).isoformat(), stdout=out)
    assert "0 cart(s) expired" in out.getvalue() and status(idle) == CartStatus.OPEN

    call_command("expire_carts", "--as-of", (T0 + dt.timedelta(days=10)).isoformat(), stdout=out)
    assert "1 cart(s) expired" in out.getvalue()
    assert status(idle) == CartStatus.EXPIRED and status(touched) == CartStatus.OPEN
    assert Cart.objects.get(pk=idle.pk).closed_at == T0 + dt.timedelta(days=10)

    with at(T0 + dt.timedelta(days=20)):
        assert expire_carts_task() == 1  # the beat task, at a frozen now
        assert expire_carts_task() == 0  # nothing twice
    assert status(touched) == CartStatus.EXPIRED


def test_an_expired_cart_can_no_longer_change_and_converted_carts_never_expire(settings, net):
    from orders.services import FulfilmentInput

    settings.OMNI_CART_IDLE_DAYS = 1
    idle = new_cart(T0)
    bought = new_cart(timezone.now(), email="buyer@example.it")
    services.checkout_cart(
        actor=HQ, cart_id=bought.pk, channel="web", fulfilment=FulfilmentInput(type="pickup", location="MI-1")
    )
    assert services.expire_carts(as_of=timezone.now() + dt.timedelta(days=30)) == 1
    assert status(idle) == CartStatus.EXPIRED and status(bought) == CartStatus.CONVERTED
    from carts.exceptions import CartInvalidTransition

    with pytest.raises(CartInvalidTransition):
        services.add_line(actor=HQ, cart_id=idle.pk, sku="TEE-1", quantity=1)


def test_the_command_refuses_a_time_that_is_not_one(net):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("expire_carts", "--as-of", "yesterday")
