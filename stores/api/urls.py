from rest_framework.routers import SimpleRouter

from stores.api.locations import LocationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("locations", LocationViewSet, basename="location")
urlpatterns = router.urls
