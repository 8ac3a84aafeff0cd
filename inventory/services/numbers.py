"""Human-friendly document numbers (T-000123) from a PostgreSQL sequence per prefix: no race, no gaps
beyond rolled-back transactions."""

from __future__ import annotations

from django.db import connection

SEQUENCES = {"T": "inventory_transfer_number_seq", "C": "inventory_count_number_seq"}


def next_number(prefix: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCES[prefix]])
        (value,) = cursor.fetchone()
    return f"{prefix}-{value:06d}"
