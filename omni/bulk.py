"""Writing a new aggregate (an order with its lines, shipments, allocations, payment and timeline) in one
statement instead of one per table.

`reserve_ids` takes primary keys from the tables' own sequences (and values of any other sequence) in one
round trip, so that rows can name their parents before anything is written; `insert_all` then writes the
rows of several models in one statement, each model's INSERT a data-modifying CTE (UNNEST of one array per
column for many rows, as Django's own bulk_create does on PostgreSQL). The columns come from the models'
fields, so the models stay the one description of the tables. Foreign keys are DEFERRABLE INITIALLY
DEFERRED (Django's default on PostgreSQL): they are checked at commit, whatever the order of the CTEs.

Django has no multi-table insert, and bulk_create takes a round trip, a compile and an execute per model;
placing an order paid six of them (measured: ~30% of its Python time was building ORM INSERTs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model

_sequence_names: dict[tuple[str, type[Model]], str] = {}


def _sequence_of(using: str, model: type[Model]) -> str:
    key = (using, model)
    if key not in _sequence_names:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
            )
            (name,) = cursor.fetchone()
        if name is None:
            raise LookupError(f"{model._meta.db_table} has no sequence behind its primary key.")
        _sequence_names[key] = name
    return _sequence_names[key]


def reserve_ids(
    counts: Mapping[type[Model], int], *, sequences: Sequence[str] = (), using: str = "default"
) -> tuple[dict[type[Model], list[int]], list[int]]:
    """`counts[model]` new primary keys per model, and one value of each named sequence, in one query."""
    models = list(counts)
    names = [_sequence_of(using, model) for model in models]
    columns = ["ARRAY(SELECT nextval(%s) FROM generate_series(1, %s))" for _ in models]
    columns += ["nextval(%s)" for _ in sequences]
    params: list[Any] = []
    for name, model in zip(names, models, strict=True):
        params += [name, counts[model]]
    params += list(sequences)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    ids = {model: list(row[i]) for i, model in enumerate(models)}
    return ids, list(row[len(models) :])


# How each field's value goes to PostgreSQL. Django's compiler calls pre_save and get_db_prep_save per field
# per row (a placement spent a quarter of its Python there); for the internal types below, whose
# conversion on PostgreSQL returns the value as it is, the attribute itself is the parameter. Any other
# field (and a datetime that Django fills in: auto_now, auto_now_add) goes through Django's conversion.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DecimalField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


@dataclass(frozen=True)
class _Column:
    field: Any
    column: str
    db_type: str  # without its length or precision: varchar[] takes any varchar(n)
    as_is: bool
    json: bool


_plans: dict[tuple[str, type[Model], bool], list[_Column]] = {}


def _columns(using: str, model: type[Model], with_pk: bool) -> list[_Column]:
    key = (using, model, with_pk)
    if key not in _plans:
        connection = connections[using]
        columns = []
        for field in model._meta.concrete_fields:
            if field.primary_key and not with_pk:
                continue
            kind = field.get_internal_type()
            db_type = field.db_type(connection)
            assert field.column is not None and db_type is not None, f"{field} has no column"
            filled = kind in ("DateTimeField", "DateField") and (
                getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            )
            columns.append(
                _Column(
                    field=field,
                    column=field.column,
                    db_type=db_type.split("(")[0],
                    as_is=kind in _AS_IS or (kind == "DateTimeField" and not filled),
                    json=kind == "JSONField",
                )
            )
        _plans[key] = columns
    return _plans[key]


def _value(column: _Column, obj: Model, connection: Any) -> Any:
    field = column.field
    if column.as_is:
        return getattr(obj, field.attname)
    if column.json:
        value = getattr(obj, field.attname)
        return None if value is None else connection.ops.adapt_json_value(value, field.encoder)
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


def insert_all(groups: Sequence[Sequence[Model]], *, using: str = "default") -> None:
    """INSERT every instance of every group (a group: instances of one model, all with their primary key
    set or all without) in one statement. Instances are marked saved; keys assigned by the database are
    not read back (give them with reserve_ids where a row is referenced)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    written: list[Model] = []
    for objs in groups:
        if not objs:
            continue
        model = type(objs[0])
        with_pk = objs[0].pk is not None
        if any((obj.pk is not None) != with_pk or type(obj) is not model for obj in objs):
            raise ValueError(f"A group is {model.__name__}s that all have a primary key or none.")
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="insert_all")  # type: ignore[attr-defined]
        columns = _columns(using, model, with_pk)
        names = ", ".join(quote(c.column) for c in columns)
        table = quote(model._meta.db_table)
        if len(objs) == 1:
            values = ", ".join(f"%s::{c.db_type}" for c in columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({values})"  # noqa: S608 - names from models
            parts.append(f"w{len(parts)} AS ({insert})")
            params.extend(_value(c, objs[0], connection) for c in columns)
        else:
            arrays = ", ".join(f"%s::{c.db_type}[]" for c in columns)
            insert = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 - as above
            parts.append(f"w{len(parts)} AS ({insert})")
            params.extend([_value(c, obj, connection) for obj in objs] for c in columns)
        written.extend(objs)
    if not parts:
        return
    with connection.cursor() as cursor:
        cursor.execute("WITH " + ", ".join(parts) + " SELECT 1", params)
    for obj in written:
        obj._state.adding = False
        obj._state.db = using
