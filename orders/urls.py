from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("picking/", views.picking, name="picking"),
    path("counter/", views.counter, name="counter"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/cancel/", views.order_cancel, name="cancel"),
    path("<str:number>/ship/", views.order_ship, name="ship"),
]
