"""The filter form of a report: dates, the shared filters the report lists (contributed by the apps that own
the data, see base.register_filter) and the report's own fields, cleaned into ReportFilters.

Location visibility is settled here, once: a store manager's form offers only their own locations (another
id is a form error) and, when they pick none, the filters carry all of their locations; HQ managers who pick
none get None (every location)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.reports.base import Report, ReportFilters, filter_field

if TYPE_CHECKING:
    from omni.actors import Actor

DATE_FORMAT = "%Y-%m-%d"
MAX_RANGE_DAYS = 3 * 366  # "absurd" ranges (more than three years) are refused
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
SHARED = ("location", "category", "brand", "channel")
# how the cleaned value of a shared field lands in ReportFilters
_ATTRIBUTE = {"category": "category_ids", "brand": "brand_id", "channel": "channel"}


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=True,  # after the default window is filled in, an empty date means a bad other date
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )


class ReportFilterForm(forms.Form):
    def __init__(self, report: Report, actor: Actor, data: Mapping[str, Any]) -> None:
        self.report = report
        self.actor = actor
        self.shared_names: list[str] = []
        self.extra_names: list[str] = []
        super().__init__(_with_default_dates(report, data))
        if "dates" in report.filters:
            self.fields["date_from"] = _date_field(_("From"))
            self.fields["date_to"] = _date_field(_("To"))
        specs = [
            spec for name in SHARED if name in report.filters and (spec := filter_field(name)) is not None
        ]
        for spec in sorted(specs, key=lambda s: s.order):
            self.fields[spec.name] = spec.build(actor)
            self.shared_names.append(spec.name)
        for name, field in report.extra_fields(actor).items():
            if name not in self.fields:
                self.fields[name] = field
                self.extra_names.append(name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "dates" in self.report.filters:
            start, end = cleaned.get("date_from"), cleaned.get("date_to")
            for name, value in (("date_from", start), ("date_to", end)):
                if value is not None and not EARLIEST <= value <= LATEST:
                    self.add_error(
                        name,
                        _("Choose a date between %(first)s and %(last)s.")
                        % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
                    )
            if start is not None and end is not None and EARLIEST <= start <= LATEST and end <= LATEST:
                if start > end:
                    self.add_error("date_to", _("The end date comes before the start date."))
                elif (end - start).days + 1 > MAX_RANGE_DAYS:
                    self.add_error("date_from", _("Choose a period of three years at most."))
        if self.actor.location_ids is not None and not self.actor.location_ids:
            raise forms.ValidationError(_("You work at no location: there is nothing to report."))
        return cleaned

    def to_filters(self) -> ReportFilters:
        cleaned = self.cleaned_data
        values: dict[str, Any] = {}
        chosen_location: int | None = None
        for name in self.shared_names:
            spec = filter_field(name)
            assert spec is not None
            value = spec.value(cleaned.get(name))
            if name == "location":
                chosen_location = value
            elif name == "category":
                values["category_ids"] = (
                    (value,) if isinstance(value, int) else (tuple(value) if value else None)
                )
            else:
                values[_ATTRIBUTE[name]] = value if value not in ("", None) else None
        if chosen_location is not None:
            # the field's choices are the actor's locations; checked again so no other path can widen them
            if not self.actor.can_act_at(chosen_location):
                raise ValueError("A location outside the actor's own slipped through the form.")
            location_ids: tuple[int, ...] | None = (chosen_location,)
        elif self.actor.location_ids is None:
            location_ids = None
        else:
            location_ids = tuple(sorted(self.actor.location_ids))
        return ReportFilters(
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            location_ids=location_ids,
            extra={name: cleaned.get(name) for name in self.extra_names},
            tz=settings.TIME_ZONE,
            hidden=self.report.hidden_columns(self.actor),
            **values,
        )


def _with_default_dates(report: Report, data: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values (one per name), with the report's default window filled in where a date is
    missing: the last `default_days` days ending today, or ending at / starting from the one date given."""
    values: dict[str, Any] = {}
    for key in data:
        values[key] = data[key]  # a QueryDict gives the last value of a repeated name
    if "dates" not in report.filters:
        return values
    span = dt.timedelta(days=max(1, report.default_days) - 1)
    start = _parse(values.get("date_from"))
    end = _parse(values.get("date_to"))
    has_from, has_to = bool(values.get("date_from")), bool(values.get("date_to"))
    if not has_from and not has_to:
        end = timezone.localdate()
        values["date_to"] = end.strftime(DATE_FORMAT)
        values["date_from"] = (end - span).strftime(DATE_FORMAT)
    elif not has_to and start is not None:
        values["date_to"] = max(start, timezone.localdate()).strftime(DATE_FORMAT)
    elif not has_from and end is not None and end > dt.date.min + span:
        values["date_from"] = (end - span).strftime(DATE_FORMAT)
    return values


def _parse(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    for fmt in (DATE_FORMAT, "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def filters_from(
    report: Report, actor: Actor, data: Mapping[str, Any]
) -> tuple[ReportFilterForm, ReportFilters | None]:
    """The bound filter form of `report` for `actor` and, when it is valid, the filters it stands for."""
    form = ReportFilterForm(report, actor, data)
    if not form.is_valid():
        return form, None
    return form, form.to_filters()


def filter_params(form: forms.Form) -> list[tuple[str, str]]:
    """The form's own parameters as submitted (dates filled in), without sort, page or format."""
    params: list[tuple[str, str]] = []
    for name in form.fields:
        value = form.data.get(name)
        if value not in (None, ""):
            params.append((name, str(value)))
    return params


def querystring(form_or_data: forms.Form | Mapping[str, Any], **extra: Any) -> str:
    """The query string of the filters (a form's fields, or a mapping), plus `extra` (e.g. sort=, page=),
    skipping empty values."""
    if isinstance(form_or_data, forms.Form):
        params = filter_params(form_or_data)
    else:
        params = [(k, str(v)) for k, v in form_or_data.items() if v not in (None, "")]
    params += [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
    return urlencode(params)
