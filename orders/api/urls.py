from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.api.orders import OrderViewSet
from orders.api.pickup_slots import PickupSlotsView
from orders.api.returns import ReturnViewSet

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
router.register("returns", ReturnViewSet, basename="return")
urlpatterns = [
    path("locations/<str:code>/pickup-slots/", PickupSlotsView.as_view(), name="location-pickup-slots"),
    *router.urls,
]
