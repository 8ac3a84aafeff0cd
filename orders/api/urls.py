from rest_framework.routers import SimpleRouter

from orders.api.returns_views import ReturnViewSet
from orders.api.views import OrderViewSet

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
router.register("returns", ReturnViewSet, basename="return")
urlpatterns = router.urls
