"""The composition root: the only module (with settings) that sees every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView

from offline.views import app as offline_app
from omni import views
from omni.forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm  # the admin's login is throttled like the back-office's

api_v1 = [
    path("", include("stores.api.urls")),
    # before inventory's: a SKU may contain "/", so inventory's `skus/{sku}/` would read
    # `skus/TEE-1/recommendations/` as the SKU "TEE-1/recommendations"
    path("", include("carts.api.urls")),
    path("", include("offline.api.urls")),
    path("", include("appointments.api.urls")),
    path("", include("feedback.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("loyalty.api.urls")),
]

handler500 = "omni.views.server_error"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    # the store tablets' installable app: at the root, so that the worker's scope is the whole back office
    path("manifest.webmanifest", offline_app.manifest, name="web-manifest"),
    path("sw.js", offline_app.service_worker, name="service-worker"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("locations/", include("stores.urls")),
    path("catalog/", include("inventory.urls")),
    path("orders/", include("orders.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("carts/", include("carts.urls")),
    path("offline/", include("offline.urls")),
    path("appointments/", include("appointments.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("omni.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", views.ApiRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
