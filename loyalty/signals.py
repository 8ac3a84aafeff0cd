"""Signals other apps listen to (loyalty imports no other app)."""

from django.dispatch import Signal

# Sent inside erase_customer's transaction, before the profile is blanked, with `emails` (every address the
# person had, merged duplicates included) and `phones`. Apps that keep their own copy of personal data
# (orders) anonymise it in the same transaction, so an erasure is all or nothing.
customer_erased = Signal()

# Sent inside merge_customers' transaction, after the loyalty rows are re-pointed (the duplicate is a
# tombstone with `merged_into` = keep, its member merged into keep's or moved to keep), with `keep` and
# `merged` (the two Customer rows, locked). Apps that keep their own rows per member or per email (carts:
# the wishlist and the open carts) move them to the kept person in the same transaction: all or nothing.
customers_merged = Signal()
