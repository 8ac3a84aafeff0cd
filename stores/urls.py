from django.urls import path

from stores.views import locations

app_name = "stores"
urlpatterns = [
    path("", locations.location_list, name="list"),
    path("switch/", locations.switch_location, name="switch-location"),
    path("<str:code>/", locations.location_detail, name="detail"),
]
