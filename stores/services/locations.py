"""Writes of locations and their opening hours (HQ only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput
from omni.services import record_audit
from stores import locks
from stores.models import Location, OpeningHours

EDITABLE_FIELDS = (
    "name",
    "kind",
    "address",
    "postcode",
    "city",
    "country",
    "latitude",
    "longitude",
    "phone",
    "email",
    "timezone",
    "click_and_collect",
    "ships",
    "accepts_returns",
    "pickup_hold_days",
    "preparation_minutes",
    "pickup_slot_minutes",
    "pickup_slot_capacity",
    "default_safety_stock",
    "active",
)


@dataclass(frozen=True)
class HoursSpec:
    weekday: int
    opens: time
    closes: time


def _require_hq(actor: Actor) -> None:
    if not actor.sees_all_locations or actor.role != "integration":
        raise Forbidden("Only HQ (the integration role, HQ managers and administrators) manages locations.")


def _validate(location: Location, *, exclude: Sequence[str] = ()) -> None:
    try:
        location.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise InvalidInput(errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc


def _hours_errors(hours: Sequence[HoursSpec]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: dict[int, list[tuple[time, time]]] = {}
    for index, spec in enumerate(hours):
        if not 0 <= spec.weekday <= 6:
            errors[f"opening_hours.{index}.weekday"] = ["0 (Monday) to 6 (Sunday)."]
        if spec.opens >= spec.closes:
            errors[f"opening_hours.{index}.closes"] = ["Closes after it opens."]
        for opens, closes in seen.get(spec.weekday, []):
            if spec.opens < closes and opens < spec.closes:
                errors[f"opening_hours.{index}.opens"] = ["Overlaps another period of the same day."]
        seen.setdefault(spec.weekday, []).append((spec.opens, spec.closes))
    return errors


@transaction.atomic
def create_location(*, actor: Actor, data: dict[str, Any], hours: Sequence[HoursSpec] = ()) -> Location:
    _require_hq(actor)
    location = Location(
        code=str(data["code"]).upper(), **{k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    )
    errors = _hours_errors(hours)
    if Location.objects.filter(code=location.code).exists():
        errors["code"] = [f"A location with code {location.code} already exists."]
    if errors:
        raise InvalidInput(errors=errors)
    _validate(location, exclude=["code"] if "code" not in errors else [])
    try:
        with transaction.atomic():
            location.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent create of the same code
        raise InvalidInput(
            errors={"code": [f"A location with code {location.code} already exists."]}
        ) from exc
    OpeningHours.objects.bulk_create(
        [OpeningHours(location=location, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours]
    )
    record_audit(action="location.created", actor=actor, object_type="location", object_id=location.code)
    return location


@transaction.atomic
def update_location(
    *, actor: Actor, code: str, data: dict[str, Any], hours: Sequence[HoursSpec] | None = None
) -> Location:
    _require_hq(actor)
    location = locks.location_by_code(code)
    changed = [k for k in data if k in EDITABLE_FIELDS]
    for key in changed:
        setattr(location, key, data[key])
    _validate(location)
    if changed:
        location.save(update_fields=changed)
    if hours is not None:
        errors = _hours_errors(hours)
        if errors:
            raise InvalidInput(errors=errors)
        set_opening_hours(location=location, hours=hours)
    record_audit(
        action="location.updated",
        actor=actor,
        object_type="location",
        object_id=code,
        data={"fields": changed + (["opening_hours"] if hours is not None else [])},
    )
    return location


@transaction.atomic
def set_opening_hours(*, location: Location, hours: Sequence[HoursSpec]) -> None:
    errors = _hours_errors(hours)
    if errors:
        raise InvalidInput(errors=errors)
    OpeningHours.objects.filter(location=location).delete()
    OpeningHours.objects.bulk_create(
        [OpeningHours(location=location, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours]
    )
