from django.urls import path

from orders.views import arrival, orders, pickup, pickup_desk, receipts, returns, segments, till

app_name = "orders"
urlpatterns = [
    path("", orders.order_list, name="list"),
    path("picking/", orders.picking, name="picking"),
    path("counter/", till.counter, name="counter"),
    # click and collect at the current location
    path("pickup/", pickup.pickup_queue, name="pickup-queue"),
    path("pickup/print/", pickup.pickup_print, name="pickup-print"),
    path("pickup/desk/", pickup_desk.pickup_desk, name="pickup-desk"),
    path("pickup/<str:number>/pick/", pickup.pickup_pick, name="pickup-pick"),
    path("pickup/<str:number>/short/", pickup.pickup_short, name="pickup-short"),
    path("pickup/<str:number>/ready/", pickup.pickup_ready, name="pickup-ready"),
    path("pickup/<str:number>/handover/", pickup_desk.pickup_handover, name="pickup-handover"),
    path("pickup/<str:number>/unlock/", pickup_desk.pickup_unlock, name="pickup-unlock"),
    # the customer's "I'm here" page (public: the signed link of the ready email is the key)
    path("here/<str:token>/", arrival.arrival, name="arrival"),
    # returns at the current location
    path("returns/", returns.returns_desk, name="returns-desk"),
    path("returns/r/<str:number>/", returns.return_detail, name="return-detail"),
    path("returns/r/<str:number>/settle/", returns.settle_refund, name="return-settle"),
    path("returns/<str:number>/", returns.return_order, name="return-order"),
    # customer segments (managers)
    path("segments/", segments.segment_list, name="segment-list"),
    path("segments/new/", segments.segment_create, name="segment-create"),
    path("segments/<int:segment_id>/", segments.segment_detail, name="segment-detail"),
    path("segments/<int:segment_id>/edit/", segments.segment_edit, name="segment-edit"),
    path("segments/<int:segment_id>/export.csv", segments.segment_export, name="segment-export"),
    path("<str:number>/", orders.order_detail, name="detail"),
    path("<str:number>/receipt/", receipts.receipt, name="receipt"),
    path("<str:number>/gift-receipt/", receipts.gift_receipt, name="gift-receipt"),
    path("<str:number>/cancel/", orders.order_cancel, name="cancel"),
    path("<str:number>/ship/", orders.order_ship, name="ship"),
]
