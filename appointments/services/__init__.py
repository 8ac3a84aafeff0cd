"""The appointments app's writes."""

from appointments.services.booking import (
    CustomerInput,
    book_appointment,
    cancel_appointment,
    close_appointment,
)
from appointments.services.catalog import create_service, update_service

__all__ = [
    "CustomerInput",
    "book_appointment",
    "cancel_appointment",
    "close_appointment",
    "create_service",
    "update_service",
]
