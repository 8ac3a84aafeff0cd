"""The survey's signed links (feedback.links): a round trip, an altered token, an expired invitation, an id
that names nothing, and the short link of a printed receipt."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import signing
from django.utils import timezone

from feedback.exceptions import BadLink, InvitationExpired
from feedback.links import (
    SALT,
    invitation_from_token,
    link_token,
    receipt_check,
    receipt_link_valid,
    receipt_short_url,
    survey_url,
)
from feedback.models import Invitation
from tests.feedback.invite_helpers import invitation, store

pytestmark = pytest.mark.django_db


def test_round_trip():
    made = invitation(store())
    token = link_token(made)
    assert token == link_token(made)  # the same link every time it is asked for
    found = invitation_from_token(token)
    assert found.pk == made.pk and found.location.name == "Milano Duomo"
    assert survey_url(made) == f"/feedback/s/{token}/"
    assert str(made.pk) not in token and made.pk.hex not in token  # the id is encoded, then signed


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # the id changed
        lambda t: t.split(":")[0],  # no signature
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_an_altered_token_is_a_bad_link(alter):
    token = link_token(invitation())
    with pytest.raises(BadLink):
        invitation_from_token(alter(token))


def test_a_token_signed_for_something_else_is_a_bad_link():
    made = invitation()
    other = signing.Signer(salt="another.purpose", algorithm="sha256").sign(link_token(made).split(":")[0])
    with pytest.raises(BadLink):
        invitation_from_token(other)


def test_an_unknown_id_correctly_signed_is_a_bad_link():
    made = invitation()
    token = link_token(made)
    Invitation.objects.filter(pk=made.pk).delete()
    with pytest.raises(BadLink):
        invitation_from_token(token)
    forged = signing.Signer(salt=SALT, algorithm="sha256").sign("not-base64-of-an-id!")
    with pytest.raises(BadLink):
        invitation_from_token(forged)
    assert uuid.UUID(int=0) != made.pk


def test_expired_at_its_expiry_and_not_a_second_before():
    now = timezone.now()
    made = invitation(expires_at=now + dt.timedelta(seconds=30))
    assert invitation_from_token(link_token(made)).pk == made.pk
    made.expires_at = now - dt.timedelta(microseconds=1)
    made.save(update_fields=["expires_at"])
    with pytest.raises(InvitationExpired):
        invitation_from_token(link_token(made))


def test_an_answered_link_past_its_expiry_still_opens_to_say_so():
    made = invitation(expires_at=timezone.now() - dt.timedelta(days=1), responded_at=timezone.now())
    assert invitation_from_token(link_token(made)).pk == made.pk


def test_the_receipt_short_link():
    check = receipt_check("S-000123")
    assert len(check) == 10 and check == check.lower()
    assert receipt_short_url("S-000123") == f"/feedback/r/S-000123/{check}/"
    assert receipt_link_valid("S-000123", check) and receipt_link_valid("S-000123", check.upper())
    assert not receipt_link_valid("S-000124", check)
    assert not receipt_link_valid("S-000123", check[:-1] + ("a" if check[-1] != "a" else "b"))
    assert not receipt_link_valid("S-000123", "")
