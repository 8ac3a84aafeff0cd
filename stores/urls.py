from django.urls import path

from stores.views import closures, locations

app_name = "stores"
urlpatterns = [
    path("", locations.location_list, name="list"),
    path("switch/", locations.switch_location, name="switch-location"),
    path("<str:code>/", locations.location_detail, name="detail"),
    path("<str:code>/closures/", closures.closures, name="closures"),
    path("<str:code>/closures/<int:closure_id>/delete/", closures.closure_delete, name="closure-delete"),
]
