"""Every read of the loyalty app that matters: who may see which member, lookups, the ledger, the
customer's 360-degree view, the GDPR export and the reconciliation."""

from loyalty.selectors.members import (
    LOOKUP_FIELDS,
    ledger_for,
    lots_for,
    matching_members,
    member_for,
    member_for_email,
    members_for,
    with_points,
)
from loyalty.selectors.profile import customer_360, customer_export_data, customer_orders
from loyalty.selectors.reconciliation import LoyaltyCheck, check_loyalty

__all__ = [
    "LOOKUP_FIELDS",
    "LoyaltyCheck",
    "check_loyalty",
    "customer_360",
    "customer_export_data",
    "customer_orders",
    "ledger_for",
    "lots_for",
    "matching_members",
    "member_for",
    "member_for_email",
    "members_for",
    "with_points",
]
