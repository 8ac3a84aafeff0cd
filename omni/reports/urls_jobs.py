"""The background runs and weekly schedules of reports (included by omni/reports/urls.py, before the
report pages' <slug>/ patterns, so "runs" and "schedules" are never taken for report slugs)."""

from django.urls import path

from omni.reports import views_jobs

urlpatterns = [
    path("runs/", views_jobs.run_list, name="run-list"),
    path("runs/<int:pk>/", views_jobs.run_detail, name="run-detail"),
    path("runs/<int:pk>/status", views_jobs.run_status, name="run-status"),
    path("runs/<int:pk>/download", views_jobs.run_download, name="run-download"),
    path("schedules/", views_jobs.schedule_list, name="schedule-list"),
    path("schedules/<int:pk>/pause", views_jobs.schedule_pause, name="schedule-pause"),
    path("schedules/<int:pk>/resume", views_jobs.schedule_resume, name="schedule-resume"),
    path("schedules/<int:pk>/delete", views_jobs.schedule_delete, name="schedule-delete"),
    path("<slug:slug>/run", views_jobs.run_create, name="run-create"),
    path("<slug:slug>/schedule", views_jobs.schedule_create, name="schedule-create"),
]
