from django.urls import path

from stores import views

app_name = "stores"
urlpatterns = [
    path("", views.location_list, name="list"),
    path("switch/", views.switch_location, name="switch-location"),
    path("<str:code>/", views.location_detail, name="detail"),
]
