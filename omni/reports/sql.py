"""Small SQL building blocks the apps' reports share: AND-ed conditions with their parameters, the
location rule every report keeps, local-day windows on timestamp columns, and codes shown as labels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from omni.reports.base import SQL, Label, ReportFilters


@dataclass
class Where:
    """AND-ed conditions and their parameters, in the order they are written."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def restrict_locations(where: Where, filters: ReportFilters, column: str) -> None:
    """Rows of the chosen (or allowed) locations only: the one rule every report keeps."""
    if filters.location_ids is not None:
        where.add(f"{column} = ANY(%s)", list(filters.location_ids))


def restrict_dates(where: Where, filters: ReportFilters, column: str) -> None:
    """[start, end) of the chosen local days, on an aware timestamp column."""
    if filters.start is not None:
        where.add(f"{column} >= %s", filters.start)
    if filters.end is not None:
        where.add(f"{column} < %s", filters.end)


def label_case(column: str, choices: Iterable[tuple[str, Label]], blank: str | None = None) -> SQL:
    """CASE column WHEN code THEN label ... END, the labels in the active language (as parameters); an
    empty code reads `blank` when given; an unknown code stays as it is."""
    pairs = list(choices)
    whens = " ".join("WHEN %s THEN %s" for _ in pairs)
    params: list[Any] = []
    for code, label in pairs:
        params += [code, str(label)]
    if blank is not None:
        whens += " WHEN '' THEN %s"
        params.append(blank)
    if not whens:
        return column, []
    return f"CASE {column} {whens} ELSE {column} END", params
