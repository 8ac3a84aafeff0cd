from rest_framework.routers import SimpleRouter

from loyalty.api.members import MemberViewSet

router = SimpleRouter(trailing_slash=True)
router.register("loyalty/members", MemberViewSet, basename="loyalty-member")
urlpatterns = router.urls
