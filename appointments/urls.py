"""The staff pages of the appointments app."""

from __future__ import annotations

from django.urls import path

from appointments.views import agenda, booking, services

app_name = "appointments"

urlpatterns = [
    path("agenda/", agenda.agenda_page, name="agenda"),
    path("book/", booking.book, name="book"),
    path("services/", services.service_list, name="services"),
    path("services/<int:service_id>/", services.service_edit, name="service-edit"),
    path("services/<int:service_id>/active/", services.service_active, name="service-active"),
    path("<uuid:appointment_id>/complete/", agenda.complete, name="complete"),
    path("<uuid:appointment_id>/no-show/", agenda.no_show, name="no-show"),
    path("<uuid:appointment_id>/cancel/", agenda.cancel, name="cancel"),
]
