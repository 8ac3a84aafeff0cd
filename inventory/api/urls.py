from rest_framework.routers import SimpleRouter

from inventory.api.views import ProductViewSet, SkuViewSet

router = SimpleRouter(trailing_slash=True)
router.register("products", ProductViewSet, basename="product")
router.register("skus", SkuViewSet, basename="sku")
urlpatterns = router.urls
