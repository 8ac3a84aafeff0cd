from django.urls import path, re_path

from inventory import views

SKU = r"(?P<sku>[A-Za-z0-9][A-Za-z0-9._/-]{0,63})"

app_name = "inventory"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    re_path(rf"^sku/{SKU}/$", views.sku_detail, name="sku-detail"),
    re_path(rf"^prices/{SKU}/$", views.sku_update, name="sku-update"),
    # stock
    path("stock/", views.stock_lookup, name="stock-lookup"),
    path("stock/location/", views.stock_list, name="stock-list"),
    re_path(rf"^stock/movements/{SKU}/$", views.stock_movements, name="stock-movements"),
    path("stock/movement/new/", views.movement_new, name="stock-movement-new"),
    # counts
    path("stock/counts/", views.count_list, name="count-list"),
    path("stock/counts/new/", views.count_new, name="count-new"),
    path("stock/counts/<int:count_id>/", views.count_detail, name="count-detail"),
    path("stock/counts/<int:count_id>/review/", views.count_review, name="count-review"),
    path("stock/counts/<int:count_id>/post/", views.count_post, name="count-post"),
    path("stock/counts/<int:count_id>/cancel/", views.count_cancel, name="count-cancel"),
    # transfers
    path("stock/transfers/", views.transfer_list, name="transfer-list"),
    path("stock/transfers/new/", views.transfer_new, name="transfer-new"),
    path("stock/transfers/<int:transfer_id>/", views.transfer_detail, name="transfer-detail"),
    path("stock/transfers/<int:transfer_id>/ship/", views.transfer_ship, name="transfer-ship"),
    path("stock/transfers/<int:transfer_id>/receive/", views.transfer_receive, name="transfer-receive"),
    path("stock/transfers/<int:transfer_id>/cancel/", views.transfer_cancel, name="transfer-cancel"),
]
