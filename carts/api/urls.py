from django.urls import re_path
from rest_framework.routers import SimpleRouter

from carts.api.recommendations import RecommendationsView
from carts.api.views import CartViewSet
from carts.api.wishlists import MEMBER_ID_PATTERN, WishlistViewSet
from inventory.api.catalog import SKU_PATTERN

router = SimpleRouter(trailing_slash=True)
router.register("carts", CartViewSet, basename="cart")
router.register(
    rf"loyalty/members/(?P<member_id>{MEMBER_ID_PATTERN})/wishlist",
    WishlistViewSet,
    basename="loyalty-member-wishlist",
)
urlpatterns = [
    *router.urls,
    re_path(
        rf"^skus/(?P<sku>{SKU_PATTERN})/recommendations/$",
        RecommendationsView.as_view(),
        name="sku-recommendations",
    ),
]
