"""A location's appointment services (stores.Service), as the API and the pages list them."""

from __future__ import annotations

from django.db.models import QuerySet

from stores.models import Location, Service


def location_by_code(code: str) -> Location | None:
    return Location.objects.filter(code=str(code or "").strip().upper()).first()


def services_of(location: Location) -> QuerySet[Service]:
    """Every service of the location, active or not (the managers' page)."""
    return Service.objects.filter(location=location).order_by("name", "code")


def active_services(location: Location) -> QuerySet[Service]:
    return services_of(location).filter(active=True)


def service_at(location: Location, code: str, *, active_only: bool = True) -> Service | None:
    services = active_services(location) if active_only else services_of(location)
    return services.select_related("location").filter(code=str(code or "").strip()).first()
