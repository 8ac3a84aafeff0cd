"""The admin shows the programme; the ledger and the people in it are read-only there."""

import pytest
from django.urls import reverse

from loyalty.models import LedgerEntry
from loyalty.services import adjust
from tests.loyalty.conftest import HQ
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "customer",
    "member",
    "ledgerentry",
    "pointslot",
    "lotdraw",
    "tier",
    "loyaltyrule",
    "tierchange",
    "expirywarning",
    "memberaccess",
]


def test_every_loyalty_model_lists_and_the_ledger_cannot_be_edited(client, member):
    entry = adjust(member=member, points=10, reason="x", actor=HQ)
    adjust(member=member, points=-5, reason="y", actor=HQ)
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    for model in MODELS:
        response = client.get(reverse(f"admin:loyalty_{model}_changelist"))
        assert response.status_code == 200, model
    page = client.get(reverse("admin:loyalty_ledgerentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="points"' not in page.content  # shown, not editable
    assert client.get(reverse("admin:loyalty_ledgerentry_add")).status_code == 403
    response = client.post(reverse("admin:loyalty_ledgerentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403 and LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert client.get(reverse("admin:loyalty_member_change", args=[member.pk])).status_code == 200
