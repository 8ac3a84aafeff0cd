from django.urls import path

from loyalty.views import consent, customers, merges, privacy

app_name = "loyalty"
urlpatterns = [
    path("", customers.lookup, name="lookup"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer"),
    path("customers/<int:customer_id>/adjust/", customers.customer_adjust, name="adjust"),
    path("customers/<int:customer_id>/consent/", consent.customer_consent, name="consent"),
    path("customers/<int:customer_id>/preferences/", consent.customer_preferences, name="preferences"),
    path("customers/<int:customer_id>/merge/", merges.customer_merge, name="merge"),
    path("customers/<int:customer_id>/card/", customers.member_card, name="card"),
    path("customers/<int:customer_id>/export/", privacy.customer_export, name="export"),
    path("customers/<int:customer_id>/erase/", privacy.customer_erase, name="erase"),
]
