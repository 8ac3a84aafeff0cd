"""Domain errors with stable, machine-readable codes. The API turns them into problem documents
(omni.api.errors); the pages show their message. Apps subclass `DomainError` in their own exceptions.py."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = "The request cannot be carried out"
    default_detail = "The request cannot be carried out."

    def __init__(
        self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None, **extra: Any
    ):
        self.detail = detail or self.default_detail
        self.errors = errors
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """Input that passed the serializer but breaks a business rule (an unknown SKU, a closed location)."""

    code = "validation_error"
    status = 400
    title = "Invalid input"
    default_detail = "The request has invalid fields."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"
    default_detail = "No such object."


class Forbidden(DomainError):
    code = "permission_denied"
    status = 403
    title = "Permission denied"
    default_detail = "You may not do this."


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    title = "Invalid state transition"
    default_detail = "This object is not in a state that allows that action."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflict"
