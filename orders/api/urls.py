from rest_framework.routers import SimpleRouter

from orders.api.views import OrderViewSet

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
urlpatterns = router.urls
