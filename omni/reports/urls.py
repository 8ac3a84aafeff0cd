from django.urls import include, path

from omni.reports import urls_jobs, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("", include(urls_jobs)),
    path("<slug:slug>/", views.report_page, name="report"),
    path("<slug:slug>/export", views.export, name="export"),
]
