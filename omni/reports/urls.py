from django.urls import path

from omni.reports.views import jobs, pages

app_name = "reports"

urlpatterns = [
    path("", pages.index, name="index"),
    # Background runs and weekly schedules come before the <slug>/ patterns, so "runs" and "schedules" are
    # never taken for report slugs.
    path("runs/", jobs.run_list, name="run-list"),
    path("runs/<int:pk>/", jobs.run_detail, name="run-detail"),
    path("runs/<int:pk>/status", jobs.run_status, name="run-status"),
    path("runs/<int:pk>/download", jobs.run_download, name="run-download"),
    path("schedules/", jobs.schedule_list, name="schedule-list"),
    path("schedules/<int:pk>/pause", jobs.schedule_pause, name="schedule-pause"),
    path("schedules/<int:pk>/resume", jobs.schedule_resume, name="schedule-resume"),
    path("schedules/<int:pk>/delete", jobs.schedule_delete, name="schedule-delete"),
    path("<slug:slug>/run", jobs.run_create, name="run-create"),
    path("<slug:slug>/schedule", jobs.schedule_create, name="schedule-create"),
    path("<slug:slug>/", pages.report_page, name="report"),
    path("<slug:slug>/export", pages.export, name="export"),
]
