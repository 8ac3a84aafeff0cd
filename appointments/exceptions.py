"""The appointments app's domain errors (the contract's codes: omni.exceptions)."""

from __future__ import annotations

from omni.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound


class AppointmentNotFound(NotFound):
    default_detail = "No such appointment."


class AppointmentInvalid(InvalidInput):
    default_detail = "The appointment has invalid fields."


class AppointmentInvalidTransition(InvalidTransition):
    default_detail = "This appointment cannot change that way."


class AppointmentForbidden(Forbidden):
    default_detail = "You may not book or manage appointments at this location."


def invalid(field: str, message: str) -> AppointmentInvalid:
    return AppointmentInvalid(message, errors={field: [message]})
