from django.urls import path, re_path

from inventory import views

SKU = r"(?P<sku>[A-Za-z0-9][A-Za-z0-9._/-]{0,63})"

app_name = "inventory"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    re_path(rf"^sku/{SKU}/$", views.sku_detail, name="sku-detail"),
    re_path(rf"^prices/{SKU}/$", views.sku_update, name="sku-update"),
]
