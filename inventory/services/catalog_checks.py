"""The catalog's rules that need no lock: money, VAT rates, text fields, GTINs, and SKUs and GTINs new to
the catalog (a check before the insert; the unique indexes still decide under a race). A broken rule is a
CatalogInvalid (400) naming every field at fault; a SKU or GTIN already taken is DuplicateSku or
DuplicateGtin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from inventory.exceptions import CatalogInvalid, DuplicateGtin, DuplicateSku
from inventory.gtin import gtin_problem, to_gtin14
from inventory.models import Variant, sku_validator

CENT = Decimal("0.01")
MAX_PRICE = Decimal("99999999.99")  # max_digits=10, decimal_places=2


@dataclass(frozen=True)
class VariantSpec:
    """One SKU to create. Money in EUR, VAT included."""

    sku: str
    price: Decimal
    gtin: str | None = None
    size: str = ""
    color: str = ""
    cost_price: Decimal | None = None
    active: bool = True


def _invalid(
    errors: dict[str, list[str]], exc_class: type[CatalogInvalid] = CatalogInvalid
) -> CatalogInvalid:
    field, messages = next(iter(errors.items()))
    more = len(errors) - 1
    suffix = f" (and {more} more field{'s' if more > 1 else ''})" if more > 0 else ""
    return exc_class(f"{field}: {messages[0]}{suffix}", errors=errors)


def money_problem(value: Any, *, required: bool = True) -> str | None:
    """None when `value` is a valid price (a Decimal >= 0 with at most two decimals), else why not."""
    if value is None:
        return "A price is required." if required else None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return "A price is a decimal number such as 19.90."
    if not value.is_finite():
        return "A price is a decimal number such as 19.90."
    if value < 0:
        return "A price cannot be negative."
    if value != value.quantize(CENT):
        return "A price has at most 2 decimal places."
    if value > MAX_PRICE:
        return f"A price is at most {MAX_PRICE}."
    return None


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _vat_problem(value: Any) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return "A VAT rate is a decimal number such as 22.00."
    if not Decimal("0") <= value <= Decimal("100"):
        return "A VAT rate is between 0 and 100."
    if value != value.quantize(CENT):
        return "A VAT rate has at most 2 decimal places."
    return None


def _text(
    value: str | None, *, field: str, max_length: int, required: bool, errors: dict[str, list[str]]
) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        errors[field] = ["This field is required."]
    elif len(text) > max_length:
        errors[field] = [f"At most {max_length} characters."]
    return text


def _clean_gtin(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _spec_errors(spec: VariantSpec, path: str) -> dict[str, list[str]]:
    """Field errors of one variant; `path` is its prefix in the request ("variants.0." or "")."""
    errors: dict[str, list[str]] = {}
    try:
        sku_validator(spec.sku or "")
    except DjangoValidationError:
        errors[f"{path}sku"] = ["Letters, digits, dot, dash, slash or underscore; 1 to 64 characters."]
    gtin = _clean_gtin(spec.gtin)
    if gtin is not None and (problem := gtin_problem(gtin)):
        errors[f"{path}gtin"] = [problem]
    if problem := money_problem(spec.price):
        errors[f"{path}price"] = [problem]
    if problem := money_problem(spec.cost_price, required=False):
        errors[f"{path}cost_price"] = [problem.replace("A price", "A cost price")]
    _text(spec.size, field=f"{path}size", max_length=20, required=False, errors=errors)
    _text(spec.color, field=f"{path}color", max_length=40, required=False, errors=errors)
    return errors


def _path(prefix: str | None, index: int) -> str:
    return f"{prefix}.{index}." if prefix else ""


def _duplicates(specs: Sequence[VariantSpec], prefix: str | None) -> tuple[dict[str, list[str]], bool]:
    """Errors for SKUs and GTINs that already exist in the catalog; (errors, any SKU among them)."""
    skus = [spec.sku for spec in specs]
    gtin14s = [to_gtin14(g) for g in (_clean_gtin(spec.gtin) for spec in specs) if g]
    taken_skus = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    taken_gtins = dict(
        Variant.objects.filter(gtin14__in=gtin14s).values_list("gtin14", "sku") if gtin14s else []
    )
    errors: dict[str, list[str]] = {}
    for index, spec in enumerate(specs):
        path = _path(prefix, index)
        if spec.sku in taken_skus:
            errors[f"{path}sku"] = [f"SKU {spec.sku} is already in the catalog."]
        gtin = _clean_gtin(spec.gtin)
        if gtin and (owner := taken_gtins.get(to_gtin14(gtin))):
            errors[f"{path}gtin"] = [f"GTIN {gtin} already belongs to SKU {owner}."]
    return errors, bool(taken_skus)


def _validate_specs(specs: Sequence[VariantSpec], prefix: str | None) -> None:
    """Every rule that does not need the database, then uniqueness against the catalog."""
    errors: dict[str, list[str]] = {}
    first_sku: dict[str, int] = {}
    first_gtin: dict[str, int] = {}
    for index, spec in enumerate(specs):
        path = _path(prefix, index)
        errors.update(_spec_errors(spec, path))
        if spec.sku in first_sku:
            errors.setdefault(f"{path}sku", []).append(
                f"SKU {spec.sku} appears twice in this request (also {prefix}.{first_sku[spec.sku]}.sku)."
            )
        else:
            first_sku[spec.sku] = index
        gtin = _clean_gtin(spec.gtin)
        if gtin and f"{path}gtin" not in errors:
            key = to_gtin14(gtin)
            if key in first_gtin:
                errors[f"{path}gtin"] = [
                    f"GTIN {gtin} appears twice in this request (also {prefix}.{first_gtin[key]}.gtin)."
                ]
            else:
                first_gtin[key] = index
    if errors:
        raise _invalid(errors)
    duplicates, sku_taken = _duplicates(specs, prefix)
    if duplicates:
        raise _invalid(duplicates, DuplicateSku if sku_taken else DuplicateGtin)
