"""Every write of the loyalty app. One module per workflow; import from here.

The orders app calls: member_for_email, redeem_for_order, restore_redeemed_for_order, earn_for_order,
reverse_for_return (with the order model instance and its lines; loyalty imports nothing of orders)."""

from loyalty.contacts import normalize_email, normalize_phone
from loyalty.selectors import member_for_email
from loyalty.services.access import lookup_members
from loyalty.services.adjustments import adjust
from loyalty.services.consent import default_source, record_consent
from loyalty.services.customers import (
    enroll_member,
    erase_customer,
    export_customer,
    get_or_create_customer,
    merge_customers,
)
from loyalty.services.expiry import deliver_expiry_warning, expire_points, send_expiry_warnings
from loyalty.services.orders import (
    discount_for,
    earn_for_order,
    redeem_for_order,
    restore_redeemed_for_order,
)
from loyalty.services.preferences import update_preferences
from loyalty.services.returns import reverse_for_return
from loyalty.services.tiers import qualifying_points, refresh_tiers, update_tier

__all__ = [
    "adjust",
    "default_source",
    "deliver_expiry_warning",
    "discount_for",
    "earn_for_order",
    "enroll_member",
    "erase_customer",
    "expire_points",
    "export_customer",
    "get_or_create_customer",
    "lookup_members",
    "member_for_email",
    "merge_customers",
    "normalize_email",
    "normalize_phone",
    "qualifying_points",
    "record_consent",
    "redeem_for_order",
    "refresh_tiers",
    "restore_redeemed_for_order",
    "reverse_for_return",
    "send_expiry_warnings",
    "update_preferences",
    "update_tier",
]
