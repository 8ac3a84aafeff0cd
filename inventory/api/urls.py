from rest_framework.routers import SimpleRouter

from inventory.api.catalog import ProductViewSet, SkuViewSet
from inventory.api.stock import (
    StockAlertViewSet,
    StockCountViewSet,
    StockLevelViewSet,
    StockMovementViewSet,
    TransferViewSet,
)


class Router(SimpleRouter):
    """SimpleRouter with the detail actions matched before the detail route: a SKU may contain "/", so
    `skus/TEE-1/availability/` must not be read as the SKU "TEE-1/availability"."""

    routes = [SimpleRouter.routes[0], SimpleRouter.routes[1], SimpleRouter.routes[3], SimpleRouter.routes[2]]


router = Router(trailing_slash=True)
router.register("products", ProductViewSet, basename="product")
router.register("skus", SkuViewSet, basename="sku")
router.register("stock/movements", StockMovementViewSet, basename="stock-movement")
router.register("stock/levels", StockLevelViewSet, basename="stock-level")
router.register("stock/alerts", StockAlertViewSet, basename="stock-alert")
router.register("stock/counts", StockCountViewSet, basename="stock-count")
router.register("transfers", TransferViewSet, basename="transfer")
urlpatterns = router.urls
