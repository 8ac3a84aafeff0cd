"""Every write of the inventory app. One module per workflow; import from here."""

from inventory.services.adjustments import (
    PostedAdjustment,
    approve_adjustment,
    post_adjustment,
    refuse_unapproved_api_adjustment,
    reject_adjustment,
    undo_adjustment,
)
from inventory.services.catalog import (
    add_variant,
    create_product,
    update_product,
    update_variant,
)
from inventory.services.catalog_checks import VariantSpec
from inventory.services.counts import cancel_count, post_count, record_count_entry, start_count
from inventory.services.reservations import (
    consume_reservations,
    release_reservations,
    release_reserved_units,
    reserve_in_transaction,
    reserve_stock,
)
from inventory.services.stock import (
    StockLine,
    ensure_levels,
    lock_levels,
    receive_into_stock,
    record_movement,
    set_stock_parameters,
)
from inventory.services.transfers import (
    ReceivedLineInput,
    TransferLineInput,
    cancel_transfer,
    receive_transfer,
    request_transfer,
    ship_transfer,
)

__all__ = [
    "PostedAdjustment",
    "ReceivedLineInput",
    "StockLine",
    "TransferLineInput",
    "VariantSpec",
    "add_variant",
    "approve_adjustment",
    "cancel_count",
    "cancel_transfer",
    "consume_reservations",
    "create_product",
    "ensure_levels",
    "lock_levels",
    "post_adjustment",
    "post_count",
    "receive_into_stock",
    "receive_transfer",
    "record_count_entry",
    "record_movement",
    "refuse_unapproved_api_adjustment",
    "reject_adjustment",
    "release_reservations",
    "release_reserved_units",
    "request_transfer",
    "reserve_in_transaction",
    "reserve_stock",
    "set_stock_parameters",
    "ship_transfer",
    "start_count",
    "undo_adjustment",
    "update_product",
    "update_variant",
]
