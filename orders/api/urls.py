from rest_framework.routers import SimpleRouter

from orders.api.orders import OrderViewSet
from orders.api.returns import ReturnViewSet

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
router.register("returns", ReturnViewSet, basename="return")
urlpatterns = router.urls
