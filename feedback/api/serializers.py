"""Feedback API shapes (the contract: POST /api/v1/feedback/ and its summary). Inputs check the form of a
request (a score's range, the touchpoint); feedback.services.responses applies the rules."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from feedback.models import Response, Touchpoint
from feedback.services.responses import CES_RANGE, COMMENT_MAX, CSAT_RANGE, NPS_RANGE

# --- Input ---------------------------------------------------------------------------------------------


class FeedbackIn(serializers.Serializer):
    touchpoint = serializers.ChoiceField(choices=Touchpoint.choices, help_text="What the answer is about.")
    order = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="The order's number, one the caller may see (the e-shop: its own web and app orders; a "
        "kiosk or store: those of its location); else 400 on `order`.",
    )
    location = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="The store's code. Kiosk and store clients: their own (the default; another: 403); "
        "otherwise the order's store when omitted.",
    )
    nps = serializers.IntegerField(
        min_value=NPS_RANGE[0],
        max_value=NPS_RANGE[1],
        required=False,
        allow_null=True,
        help_text="How likely the customer is to recommend us, 0-10.",
    )
    csat = serializers.IntegerField(
        min_value=CSAT_RANGE[0],
        max_value=CSAT_RANGE[1],
        required=False,
        allow_null=True,
        help_text="How satisfied, 1-5.",
    )
    ces = serializers.IntegerField(
        min_value=CES_RANGE[0],
        max_value=CES_RANGE[1],
        required=False,
        allow_null=True,
        help_text="How easy it was, 1-7.",
    )
    comment = serializers.CharField(
        max_length=COMMENT_MAX, required=False, allow_blank=True, default="", trim_whitespace=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if all(attrs.get(name) is None for name in ("nps", "csat", "ces")):
            raise serializers.ValidationError("Give at least one score: nps, csat or ces.")
        return attrs


# --- Output --------------------------------------------------------------------------------------------


class FeedbackOut(serializers.Serializer):
    id = serializers.IntegerField()
    touchpoint = serializers.ChoiceField(choices=Touchpoint.choices)
    order = serializers.CharField(allow_null=True, help_text="The order's number.")
    location = serializers.CharField(allow_null=True, help_text="The store's code; null online.")
    channel = serializers.CharField(
        help_text="The sales channel: the order's, else the touchpoint's for web, app, kiosk and store; "
        "else empty."
    )
    nps = serializers.IntegerField(allow_null=True)
    csat = serializers.IntegerField(allow_null=True)
    ces = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


def feedback_body(response: Response) -> dict[str, Any]:
    return {
        "id": response.pk,
        "touchpoint": response.touchpoint,
        "order": response.order.number if response.order is not None else None,
        "location": response.location.code if response.location is not None else None,
        "channel": response.channel,
        "nps": response.nps,
        "csat": response.csat,
        "ces": response.ces,
        "comment": response.comment,
        "created_at": serializers.DateTimeField().to_representation(response.created_at),
    }


class NpsOut(serializers.Serializer):
    score = serializers.FloatField(
        allow_null=True, help_text="% promoters (9-10) - % detractors (0-6), one decimal; null: no answers."
    )
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    responses = serializers.IntegerField()


class CsatOut(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="% of answers that are 4 or 5, one decimal.")
    responses = serializers.IntegerField()


class CesOut(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="The mean answer (1-7), two decimals.")
    responses = serializers.IntegerField()


class SummaryOut(serializers.Serializer):
    responses = serializers.IntegerField(help_text="Responses counted (each has at least one score).")
    nps = NpsOut()
    csat = CsatOut()
    ces = CesOut()
