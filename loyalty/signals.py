"""Signals other apps listen to (loyalty imports no other app)."""

from django.dispatch import Signal

# Sent inside erase_customer's transaction, before the profile is blanked, with `emails` (every address the
# person had, merged duplicates included) and `phones`. Apps that keep their own copy of personal data
# (orders) anonymise it in the same transaction, so an erasure is all or nothing.
customer_erased = Signal()
