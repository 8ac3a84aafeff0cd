"""The arrows between the apps hold underneath the import lines too (lint-imports checks the imports):
no app reaches a model of an app it may not import by name (`apps.get_model`), nor its tables in SQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each app may use besides itself (the layers of pyproject's import contract).
MAY_USE = {
    "omni": set(),
    "stores": {"omni"},
    "inventory": {"omni", "stores"},
    "loyalty": {"omni", "stores"},
    "orders": {"omni", "stores", "inventory", "loyalty"},
    "carts": {"omni", "stores", "inventory", "loyalty", "orders"},
    "offline": {"omni", "stores", "inventory", "loyalty", "orders"},
    "appointments": {"omni", "stores", "inventory", "loyalty", "orders", "carts"},
    "feedback": {"omni", "stores", "inventory", "loyalty", "orders", "carts", "appointments"},
}
GET_MODEL = re.compile(r"""get_model\(\s*["'](\w+)["']""")


def _tables() -> dict[str, str]:
    """Every table of the project's apps -> the app that owns it."""
    from django.apps import apps

    return {
        model._meta.db_table: config.label
        for config in apps.get_app_configs()
        if config.label in MAY_USE
        for model in config.get_models()
    }


def _sources(app: str):  # type: ignore[no-untyped-def]
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text()


@pytest.mark.parametrize("app", sorted(MAY_USE))
def test_no_model_of_another_app_by_name(app):
    found = [
        f"{path.relative_to(ROOT)}: {label}"
        for path, text in _sources(app)
        for label in GET_MODEL.findall(text)
        if label != app and label not in MAY_USE[app]
    ]
    assert found == []


@pytest.mark.parametrize("app", sorted(MAY_USE))
def test_no_sql_on_the_tables_of_an_app_it_may_not_use(app):
    tables = {t: owner for t, owner in _tables().items() if owner != app and owner not in MAY_USE[app]}
    if not tables:
        return  # carts (and orders, below it) may use every app below them
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path, text in _sources(app)
        for match in pattern.finditer(text)
    ]
    assert found == []
