"""The shapes of a member's preferences and consents (API-CONTRACT.md, "The customer's preferences and
consent"). Input serializers check the form only; loyalty.services.preferences and .consent apply the
rules (an open store's code, the size names, the source's form) and name the field they refuse."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loyalty.models import ConsentChannel, ConsentPurpose
from loyalty.services.preferences import MAX_SIZES, SIZE_VALUE_MAX

SIZES_HELP = (
    f'e.g. {{"tops": "M", "shoes": "42"}}: at most {MAX_SIZES} sizes, each named by one lowercase word '
    f"(at most 30 characters) with a value of 1 to {SIZE_VALUE_MAX} characters."
)

# --- Input ---------------------------------------------------------------------------------------------


class PreferencesIn(serializers.Serializer):
    """PATCH: only the fields given change."""

    preferred_location = serializers.CharField(
        max_length=20,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="An open store's code; null or empty: no preferred store.",
    )
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        allow_blank=True,
        help_text="The language of the customer's messages; empty: the shop's default.",
    )
    sizes = serializers.DictField(
        child=serializers.CharField(max_length=SIZE_VALUE_MAX),
        required=False,
        allow_empty=True,
        help_text=f"Replaces every size held. {SIZES_HELP}",
    )


class ConsentIn(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField(help_text="true: consent given; false: withdrawn or refused.")
    # a field named like DRF's Field.source attribute: fine at runtime (the metaclass takes declared fields)
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "The touchpoint the customer stated it through: one lowercase word (web, app, kiosk, store, "
            "till, staff, import...). Omitted: the caller's own (eshop web, kiosk kiosk, store store, "
            "integration import)."
        ),
    )


# --- Output --------------------------------------------------------------------------------------------


class PreferencesOut(serializers.Serializer):
    preferred_location = serializers.CharField(allow_null=True, help_text="The store's code.")
    preferred_location_name = serializers.CharField(allow_null=True)
    language = serializers.CharField(help_text="it, en or empty.")
    sizes = serializers.DictField(child=serializers.CharField(), help_text=SIZES_HELP)


class ConsentStateOut(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    since = serializers.DateTimeField(help_text="When the customer stated it.")


class ConsentEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="The touchpoint: web, app, kiosk, store, till, staff, ..."
    )
    actor = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.CharField(
            help_text="Who recorded it: an API client (api:NAME), a staff username, or system. "
            "Empty on a kiosk (a screen customers stand at)."
        )
    )
    def get_actor(self, event: Any) -> str:
        return "" if self.context.get("masked") else event.actor_label

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Where it was given (a code)."))
    def get_location(self, event: Any) -> str | None:
        return event.location.code if event.location_id else None


class ConsentsOut(serializers.Serializer):
    current = ConsentStateOut(
        many=True, help_text="The latest statement on each purpose and channel ever stated; none: no consent."
    )
    history = ConsentEventOut(many=True, help_text="Every statement, newest first (at most the 200 newest).")
