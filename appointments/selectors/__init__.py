"""The appointments app's reads (access: who reaches which appointment; agenda; services)."""

from appointments.selectors.access import appointment_for, visible_appointments
from appointments.selectors.services import active_services, service_at

__all__ = ["active_services", "appointment_for", "service_at", "visible_appointments"]
