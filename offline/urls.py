"""The staff pages of the offline app."""

from __future__ import annotations

from django.urls import path

from offline.views import app, devices

app_name = "offline"

urlpatterns: list = [
    # the installable app's shell (offline-client): work the same online and offline
    path("till/", app.till, name="till"),
    path("count/", app.count, name="count"),
    path("damage/", app.damage, name="damage"),
    path("unavailable/", app.unavailable, name="unavailable"),
    # the managers' page of the tablets (offline-server)
    path("devices/", devices.devices, name="devices"),
    path("shortfalls/<int:shortfall_id>/review/", devices.review, name="shortfall-review"),
]
