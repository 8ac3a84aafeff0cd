from django.urls import path

from orders import views, views_pickup, views_returns

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("picking/", views.picking, name="picking"),
    path("counter/", views.counter, name="counter"),
    # click and collect at the current location
    path("pickup/", views_pickup.pickup_queue, name="pickup-queue"),
    path("pickup/print/", views_pickup.pickup_print, name="pickup-print"),
    path("pickup/desk/", views_pickup.pickup_desk, name="pickup-desk"),
    path("pickup/<str:number>/pick/", views_pickup.pickup_pick, name="pickup-pick"),
    path("pickup/<str:number>/short/", views_pickup.pickup_short, name="pickup-short"),
    path("pickup/<str:number>/ready/", views_pickup.pickup_ready, name="pickup-ready"),
    path("pickup/<str:number>/handover/", views_pickup.pickup_handover, name="pickup-handover"),
    path("pickup/<str:number>/unlock/", views_pickup.pickup_unlock, name="pickup-unlock"),
    # returns at the current location
    path("returns/", views_returns.returns_desk, name="returns-desk"),
    path("returns/r/<str:number>/", views_returns.return_detail, name="return-detail"),
    path("returns/<str:number>/", views_returns.return_order, name="return-order"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/cancel/", views.order_cancel, name="cancel"),
    path("<str:number>/ship/", views.order_ship, name="ship"),
]
