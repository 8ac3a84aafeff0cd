"""Return API shapes (API-CONTRACT.md, Returns). Input serializers check the form only;
orders.services.returns applies the rules and names the field it refuses (`lines.0.quantity`,
`location`). Refunds are never sent: the server computes them from what the order's lines stored."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.api.serializers.orders import LineIn, line_quantity, money
from orders.models import PaymentMethod, ReturnCondition, ReturnReason, ReturnStatus
from orders.services.placement import MAX_LINES, MAX_QUANTITY
from orders.services.returns import EXCHANGE_PAYMENT_METHODS, REFUND_METHODS


class ReturnLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = line_quantity(f"Whole units, 1 to {MAX_QUANTITY}, at most what is left to return.")
    condition = serializers.ChoiceField(
        choices=ReturnCondition.choices,
        help_text="resellable: back on hand at the receiving location; damaged: recorded, not sellable.",
    )
    reason = serializers.ChoiceField(choices=ReturnReason.choices, required=False, default=ReturnReason.OTHER)


class ExchangeIn(serializers.Serializer):
    lines = serializers.ListField(child=LineIn(), min_length=1, max_length=MAX_LINES)
    payment_method = serializers.ChoiceField(
        choices=EXCHANGE_PAYMENT_METHODS,
        required=False,
        default=PaymentMethod.CARD.value,
        help_text="How a difference in the store's favour is paid at the desk.",
    )


class ReturnIn(serializers.Serializer):
    order = serializers.CharField(max_length=20, help_text="The order's number, e.g. W-100023.")
    location = serializers.CharField(
        max_length=20, help_text="The receiving location's code; it must accept returns."
    )
    lines = serializers.ListField(child=ReturnLineIn(), max_length=MAX_LINES)
    refund_method = serializers.ChoiceField(
        choices=REFUND_METHODS,
        required=False,
        default="original",
        help_text="original: owed on the order's payment (its provider pays it back; cash is handed back); "
        "cash: handed back at a store's desk.",
    )
    send_to = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="A warehouse's code: the resellable units are sent back there by inventory transfer.",
    )
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Past the return window: why a store manager (staff session) or HQ accepts it anyway.",
    )
    exchange = ExchangeIn(
        required=False,
        allow_null=True,
        help_text="An exchange at the desk: these lines are sold (carry_out at `location`) in the same "
        "transaction, paid first with the return's value; the difference is charged or paid back.",
    )


class ReturnLineOut(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    condition = serializers.ChoiceField(choices=ReturnCondition.choices)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    refund_amount = money(help_text="What was paid for these units.")
    vat_amount = money(help_text="The VAT included in refund_amount.")


class ExchangeOut(serializers.Serializer):
    order = serializers.CharField(source="exchange_order.number", help_text="The new carry_out order.")
    total = money(source="exchange_order.total")
    credit = money(source="exchange_credit", help_text="Paid by the return's value.")
    charged = money(source="exchange_charged", help_text="The difference charged at the desk.")


class ReturnOut(serializers.Serializer):
    number = serializers.CharField(help_text="R-…; blank in a preview (nothing was written).")
    order = serializers.CharField(source="order.number")
    location = serializers.CharField(source="location.code")
    status = serializers.ChoiceField(
        choices=ReturnStatus.choices,
        help_text="refunded: paid back at the desk or settled by an exchange; refund_due: owed on the "
        "original payment (refund_due on that payment).",
    )
    lines = ReturnLineOut(many=True, source="lines.all")
    refund_amount = money(help_text="What was paid for the returned units (discounts shared pro rata).")
    refund_vat = money()
    refund_paid = money(help_text="What goes back to the customer: refund_amount less an exchange's credit.")
    refund_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    currency = serializers.CharField()
    points_reversed = serializers.IntegerField(help_text="Points earned on the units, taken back.")
    points_restored = serializers.IntegerField(help_text="Points redeemed on the units, given back.")
    points_unrecovered = serializers.IntegerField(help_text="Points that could not be taken back (spent).")
    send_to = serializers.CharField(source="send_to.code", allow_null=True, default=None)
    transfer = serializers.CharField(source="transfer.number", allow_null=True, default=None)
    exchange = serializers.SerializerMethodField()
    window_overridden = serializers.BooleanField()
    override_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(ExchangeOut(allow_null=True))
    def get_exchange(self, ret: Any) -> dict[str, Any] | None:
        if ret.exchange_order_id is None:
            return None
        return dict(ExchangeOut(ret).data)


class ReturnPreviewOut(ReturnOut):
    window_closes_at = serializers.DateTimeField(help_text="The end of the order's return window.")
    preview = serializers.BooleanField(help_text="Always true: nothing was written.")
