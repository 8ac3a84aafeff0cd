"""Feedback rows built directly (the same rows feedback.services write), for the tests of every feedback
module: invitations, responses and follow-ups. Tests of the services themselves go through
feedback.services.responses.record_response."""

import datetime as dt
import uuid

import factory
from django.utils import timezone

from feedback.models import FollowUp, FollowUpReason, Invitation, InvitationChannel, Response, Touchpoint


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    touchpoint = Touchpoint.PICKUP
    channel = InvitationChannel.EMAIL
    source_key = factory.LazyFunction(lambda: f"test:{uuid.uuid4().hex}")
    email = "giulia@example.it"
    language = "it"
    occurred_at = factory.LazyFunction(lambda: timezone.now())  # follows the test clock
    created_at = factory.LazyFunction(lambda: timezone.now())
    expires_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(days=14))
    sent_at = None
    responded_at = None


class ResponseFactory(factory.django.DjangoModelFactory):
    """A response with an NPS of 9 unless told otherwise (give nps=None and another score to leave it out)."""

    class Meta:
        model = Response

    touchpoint = Touchpoint.WEB
    channel = factory.LazyAttribute(
        lambda o: o.touchpoint if o.touchpoint in ("web", "app", "kiosk", "store") else ""
    )
    nps = 9
    csat = None
    ces = None
    comment = ""
    created_at = factory.LazyFunction(lambda: timezone.now())


class FollowUpFactory(factory.django.DjangoModelFactory):
    """An open follow-up of a detractor's response, in the queue of the response's store."""

    class Meta:
        model = FollowUp

    response = factory.SubFactory(ResponseFactory, nps=3, touchpoint=Touchpoint.STORE)
    location = factory.LazyAttribute(lambda o: o.response.location)
    reason = FollowUpReason.DETRACTOR
    created_at = factory.LazyAttribute(lambda o: o.response.created_at)
