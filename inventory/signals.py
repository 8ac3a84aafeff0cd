"""What inventory tells the apps above it, without knowing them (imports flow stores <- inventory <- orders).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it. Receivers
keep to their own data and inventory's services, and take no lock that the sender could be waiting for.

    transfer_shipped(sender=Transfer, transfer=Transfer, actor=Actor)
    transfer_received(sender=Transfer, transfer=Transfer, received={variant_id: units received}, actor=Actor)
"""

from __future__ import annotations

from django.dispatch import Signal

transfer_shipped = Signal()
transfer_received = Signal()
