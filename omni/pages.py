"""What every back-office page needs from the platform: the Actor of the logged-in user, and one way to
show a domain error (omni.exceptions) on a page, so that each app does not translate errors its own way.

- `actor(request)`: who acts (a staff user, with the locations they may act at).
- `raise_for_access(exc)`: a refusal is a 403, an object the user may not see a 404 (never a form error).
- `show_on_form(form, exc)`: any other domain error on the form field it names, else on the whole form.
- `show_as_message(request, exc)`: the same as a message, for pages with no form.
- `form_errors_as_messages(request, form)`: a form's errors as messages ("Label: error").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, NotFound


def actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)  # type: ignore[arg-type]


def raise_for_access(exc: DomainError) -> None:
    """Forbidden -> 403 and NotFound -> 404; any other error returns for the caller to show."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.detail) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.detail) from exc


def show_on_form(form: Any, exc: DomainError, *, access_errors_raise: bool = True) -> None:
    """On the field the error names (its last path segment: "lines.0.quantity" -> "quantity") when the
    form has it, else on the whole form. Access errors are raised (raise_for_access) unless the page shows
    them on its form too (access_errors_raise=False: a report or object that is not there to choose)."""
    if access_errors_raise:
        raise_for_access(exc)
    for key in exc.errors or {}:
        field = str(key).split(".")[-1]
        if field in form.fields:
            form.add_error(field, exc.detail)
            return
    form.add_error(None, exc.detail)


def show_as_message(request: HttpRequest, exc: DomainError) -> None:
    raise_for_access(exc)
    messages.error(request, exc.detail)


def form_errors_as_messages(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
