from django.urls import path

from carts.views import till

app_name = "carts"

urlpatterns = [
    path("till/load/", till.load_cart, name="till-load"),
]
