"""The profile a merged duplicate leads to: asked by the staff pages, consent and pricing alike (its own
module, so the selectors that read profiles and the consent selectors do not import each other)."""

from __future__ import annotations

from loyalty.models import Customer


def root_of(customer: Customer) -> Customer:
    """The profile a merged duplicate points at (merges re-point, so one hop; a few for safety)."""
    for _ in range(5):
        if customer.merged_into_id is None:
            return customer
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer
