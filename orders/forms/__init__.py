"""Forms of the order pages, one module per area: they parse what staff type or scan; the services apply the
rules and their errors are shown on the form (or as messages) by the views (omni.pages). Import from here."""

from orders.forms.orders import CANCEL_REASON_CHOICES, CancelForm, OrderFilterForm, ShipForm
from orders.forms.pickup import (
    PICKUP_QUEUE_SHOW_CHOICES,
    SHORT_PICK_RESOLUTION_CHOICES,
    CodeInput,
    HandoverForm,
    PickForm,
    PickupQueueFilterForm,
    PickupSearchForm,
    ShortPickForm,
    UnlockPickupForm,
)
from orders.forms.returns import (
    REFUND_METHOD_CHOICES,
    SETTLE_METHOD_CHOICES,
    ExchangeScanForm,
    ReturnForm,
    ReturnScanForm,
    ReturnSearchForm,
    SettleRefundForm,
)
from orders.forms.till import (
    COUNTER_PAYMENT_CHOICES,
    BasketAddForm,
    BasketQuantityForm,
    CheckoutForm,
    LoyaltyCardForm,
    RedeemPointsForm,
)

__all__ = [
    "CANCEL_REASON_CHOICES",
    "COUNTER_PAYMENT_CHOICES",
    "PICKUP_QUEUE_SHOW_CHOICES",
    "REFUND_METHOD_CHOICES",
    "SETTLE_METHOD_CHOICES",
    "SHORT_PICK_RESOLUTION_CHOICES",
    "BasketAddForm",
    "BasketQuantityForm",
    "CancelForm",
    "CheckoutForm",
    "CodeInput",
    "ExchangeScanForm",
    "HandoverForm",
    "LoyaltyCardForm",
    "OrderFilterForm",
    "PickForm",
    "PickupQueueFilterForm",
    "PickupSearchForm",
    "RedeemPointsForm",
    "ReturnForm",
    "ReturnScanForm",
    "ReturnSearchForm",
    "SettleRefundForm",
    "ShipForm",
    "ShortPickForm",
    "UnlockPickupForm",
]
