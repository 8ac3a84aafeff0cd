"""Loyalty API shapes. Input serializers check the form only; loyalty.services applies the rules and
names the field it refuses. A kiosk (a screen customers stand at) gets the member's email, phone and last
name masked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loyalty.conf import MAX_POINTS
from loyalty.models import ConsentChannel, ConsentPurpose, LedgerKind, Member
from loyalty.segments import segments_of
from loyalty.selectors.consent import has_consent
from omni.actors import Actor
from omni.models import ApiRole


def context_for(actor: Actor) -> dict[str, Any]:
    """A kiosk (a screen customers stand at) gets personal data masked."""
    return {"masked": actor.role == ApiRole.KIOSK and not actor.is_staff_user}


# --- Input ---------------------------------------------------------------------------------------------


class MemberIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=80, allow_blank=True)
    last_name = serializers.CharField(max_length=80, allow_blank=True)
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", help_text="e.g. +39 02 1234 5678."
    )
    marketing_consent = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Marketing by email: records a consent statement (granted or withdrawn) through the "
            "caller's touchpoint. Omit to leave the consent as it is."
        ),
    )
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        allow_blank=True,
        default="",
        help_text="The language of the member's emails.",
    )


class AdjustmentIn(serializers.Serializer):
    points = serializers.IntegerField(
        min_value=-MAX_POINTS, max_value=MAX_POINTS, help_text="Signed: positive adds points, negative takes."
    )
    reason = serializers.CharField(max_length=500, help_text="Why: kept in the ledger and the audit log.")


class MergeIn(serializers.Serializer):
    merge = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="The id of the duplicate member merged into this one."
    )
    reason = serializers.CharField(max_length=500)


class EraseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="e.g. the erasure request's reference.")


# --- Output --------------------------------------------------------------------------------------------


def _mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    card_number = serializers.CharField()
    email = serializers.SerializerMethodField()
    first_name = serializers.CharField(source="customer.first_name")
    last_name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    points_balance = serializers.IntegerField(help_text="Always the sum of the ledger.")
    points_available = serializers.SerializerMethodField()
    points_pending = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()
    tier_name = serializers.SerializerMethodField()
    marketing_consent = serializers.SerializerMethodField()
    enrolled_at = serializers.DateTimeField()

    @property
    def _masked(self) -> bool:
        return bool(self.context.get("masked"))

    def get_email(self, member: Member) -> str:
        email = member.customer.email
        return _mask_email(email) if self._masked else email

    def get_last_name(self, member: Member) -> str:
        last = member.customer.last_name
        return f"{last[:1]}." if self._masked and last else last

    def get_phone(self, member: Member) -> str:
        phone = member.customer.phone
        return f"***{phone[-3:]}" if self._masked and phone else phone

    @extend_schema_field(
        serializers.BooleanField(
            help_text="The current marketing consent by email (see `GET .../consents/` for every purpose "
            "and channel)."
        )
    )
    def get_marketing_consent(self, member: Member) -> bool:
        annotated = getattr(member, "marketing_consent", None)
        if annotated is not None:
            return bool(annotated)
        return has_consent(member.customer, ConsentPurpose.MARKETING, ConsentChannel.EMAIL)

    @extend_schema_field(serializers.IntegerField(help_text="Spendable now (not pending, not expired)."))
    def get_points_available(self, member: Member) -> int:
        return int(getattr(member, "points_available", member.points_balance))

    @extend_schema_field(serializers.IntegerField(help_text="Locked until the return window closes."))
    def get_points_pending(self, member: Member) -> int:
        return int(getattr(member, "points_pending", 0))

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="bronze, silver, gold, ..."))
    def get_tier(self, member: Member) -> str | None:
        return member.tier.code if member.tier else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tier_name(self, member: Member) -> str | None:
        return str(member.tier.name) if member.tier else None


class MemberDetailOut(MemberOut):
    """A member's detail: the member and the customer segments it belongs to now."""

    segments = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="The codes of the customer segments the member belongs to now (evaluated live).",
        )
    )
    def get_segments(self, member: Member) -> list[str]:
        return segments_of(member.customer)


class LedgerEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LedgerKind.choices)
    points = serializers.IntegerField(help_text="Signed.")
    balance_after = serializers.IntegerField(help_text="The balance this entry left.")
    reverses = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()
    reason = serializers.CharField()
    location = serializers.SerializerMethodField()
    quantity = serializers.IntegerField(allow_null=True, help_text="Units of the order line, if any.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When the points it added expire.")

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[("earn", "earn"), ("redeem", "redeem")],
            allow_null=True,
            help_text="kind=reverse: the earn taken back on a return, or the redemption given back.",
        )
    )
    def get_reverses(self, entry: Any) -> str | None:
        return entry.reverses or None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="An order number."))
    def get_order(self, entry: Any) -> str | None:
        return entry.order_number or None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A location's code."))
    def get_location(self, entry: Any) -> str | None:
        return entry.location_code or None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A return number."))
    def get_return(self, entry: Any) -> str | None:
        return entry.return_number or None


# `return` is a Python keyword: declared here rather than as a class attribute.
LedgerEntryOut._declared_fields["return"] = serializers.SerializerMethodField(method_name="get_return")


class LotOut(serializers.Serializer):
    points = serializers.IntegerField()
    remaining = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    available_at = serializers.DateTimeField(
        help_text="Spendable from (later than created with the pending period)."
    )
    expires_at = serializers.DateTimeField()


class AdjustmentOut(serializers.Serializer):
    member = MemberOut()
    entry = LedgerEntryOut()
