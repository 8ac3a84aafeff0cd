"""What the management commands share: the `--as-of ISO-TIME` option of the jobs that beat runs on a clock
(expire pickups, points and carts, refresh the recommendations), so an operator can replay or preview one."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

AS_OF_HELP = (
    "Run as if it were this time (ISO 8601, e.g. 2026-11-30T18:00:00+01:00; without an offset, the server's "
    "time zone). Default: now."
)


def add_as_of(parser: CommandParser) -> None:
    parser.add_argument("--as-of", dest="as_of", default=None, help=AS_OF_HELP)


def as_of(value: str | None) -> datetime:
    """The time `--as-of` names (now when it is not given); a value that is not an ISO 8601 time or date is
    refused with a CommandError that says what is expected."""
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise CommandError(
            f"--as-of {value!r} is not an ISO 8601 time, e.g. 2026-11-30T18:00:00+01:00 or 2026-11-30T18:00."
        ) from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
