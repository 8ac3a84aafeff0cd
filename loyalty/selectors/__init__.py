"""Every read of the loyalty app that matters, one module per domain: members (who may see which, the
ledger), customers (the lookup box, a person's view), the profile (the 360-degree view and the GDPR export),
merges, consent and preferences, who may do what on the pages, and the reconciliation. Import from here."""

from loyalty.selectors.consent import (
    ConsentState,
    consent_history,
    consent_row,
    current_consents,
    has_consent,
)
from loyalty.selectors.customers import (
    MAX_RESULTS,
    RECENT_ORDERS,
    Lookup,
    TierProgress,
    customer_for_card,
    customer_for_page,
    ledger_of,
    lookup_customers,
    member_of,
    merged_cards_of,
    open_lots_of,
    recent_returns_of,
    tier_progress,
)
from loyalty.selectors.members import (
    LOOKUP_FIELDS,
    ledger_for,
    lots_for,
    matching_members,
    member_for,
    member_for_email,
    members_for,
    with_marketing_consent,
    with_points,
)
from loyalty.selectors.merged import root_of
from loyalty.selectors.merges import MergePreview, find_duplicate, merge_preview
from loyalty.selectors.permissions import can_adjust, can_manage_personal_data, can_merge
from loyalty.selectors.preferences import preferences_of, preferred_location_of, store_choices
from loyalty.selectors.profile import (
    customer_360,
    customer_export_data,
    customer_orders,
    person_emails,
    returns_of,
)
from loyalty.selectors.reconciliation import LoyaltyCheck, check_loyalty

__all__ = [
    "LOOKUP_FIELDS",
    "MAX_RESULTS",
    "RECENT_ORDERS",
    "ConsentState",
    "Lookup",
    "LoyaltyCheck",
    "MergePreview",
    "TierProgress",
    "can_adjust",
    "can_manage_personal_data",
    "can_merge",
    "check_loyalty",
    "consent_history",
    "consent_row",
    "current_consents",
    "customer_360",
    "customer_export_data",
    "customer_for_card",
    "customer_for_page",
    "customer_orders",
    "find_duplicate",
    "has_consent",
    "ledger_for",
    "ledger_of",
    "lookup_customers",
    "lots_for",
    "matching_members",
    "member_for",
    "member_for_email",
    "member_of",
    "members_for",
    "merge_preview",
    "merged_cards_of",
    "open_lots_of",
    "person_emails",
    "preferences_of",
    "preferred_location_of",
    "recent_returns_of",
    "returns_of",
    "root_of",
    "store_choices",
    "tier_progress",
    "with_marketing_consent",
    "with_points",
]
