from django.urls import path

from loyalty import views

app_name = "loyalty"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("customers/<int:customer_id>/adjust/", views.customer_adjust, name="adjust"),
    path("customers/<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("customers/<int:customer_id>/card/", views.member_card, name="card"),
    path("customers/<int:customer_id>/export/", views.customer_export, name="export"),
    path("customers/<int:customer_id>/erase/", views.customer_erase, name="erase"),
]
