from django.urls import path, re_path

from inventory.views import approvals, catalog, counts, stock, transfers

SKU = r"(?P<sku>[A-Za-z0-9][A-Za-z0-9._/-]{0,63})"

app_name = "inventory"
urlpatterns = [
    path("", catalog.catalog, name="catalog"),
    re_path(rf"^sku/{SKU}/$", catalog.sku_detail, name="sku-detail"),
    re_path(rf"^prices/{SKU}/$", catalog.sku_update, name="sku-update"),
    # stock
    path("stock/", stock.stock_lookup, name="stock-lookup"),
    path("stock/location/", stock.stock_list, name="stock-list"),
    re_path(rf"^stock/movements/{SKU}/$", stock.stock_movements, name="stock-movements"),
    path("stock/movement/new/", stock.movement_new, name="stock-movement-new"),
    path("stock/movement/<int:movement_id>/undo/", stock.movement_undo, name="stock-movement-undo"),
    # adjustments waiting for a manager's approval
    path("stock/adjustments/", approvals.adjustment_queue, name="stock-adjustments"),
    path(
        "stock/adjustments/<int:request_id>/approve/",
        approvals.adjustment_approve,
        name="stock-adjustment-approve",
    ),
    path(
        "stock/adjustments/<int:request_id>/reject/",
        approvals.adjustment_reject,
        name="stock-adjustment-reject",
    ),
    # counts
    path("stock/counts/", counts.count_list, name="count-list"),
    path("stock/counts/new/", counts.count_new, name="count-new"),
    path("stock/counts/<int:count_id>/", counts.count_detail, name="count-detail"),
    path("stock/counts/<int:count_id>/review/", counts.count_review, name="count-review"),
    path("stock/counts/<int:count_id>/post/", counts.count_post, name="count-post"),
    path("stock/counts/<int:count_id>/cancel/", counts.count_cancel, name="count-cancel"),
    # transfers
    path("stock/transfers/", transfers.transfer_list, name="transfer-list"),
    path("stock/transfers/new/", transfers.transfer_new, name="transfer-new"),
    path("stock/transfers/<int:transfer_id>/", transfers.transfer_detail, name="transfer-detail"),
    path(
        "stock/transfers/<int:transfer_id>/delivery-note/",
        transfers.transfer_delivery_note,
        name="transfer-delivery-note",
    ),
    path("stock/transfers/<int:transfer_id>/ship/", transfers.transfer_ship, name="transfer-ship"),
    path("stock/transfers/<int:transfer_id>/receive/", transfers.transfer_receive, name="transfer-receive"),
    path("stock/transfers/<int:transfer_id>/cancel/", transfers.transfer_cancel, name="transfer-cancel"),
]
