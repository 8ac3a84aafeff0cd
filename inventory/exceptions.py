"""The catalog's domain errors. Each keeps the stable code of the contract (`validation_error`,
`not_found`) and says which field is wrong in `errors`, so the API and the pages can point at it."""

from __future__ import annotations

from omni.exceptions import DomainError, InvalidInput, InvalidTransition, NotFound


class CatalogInvalid(InvalidInput):
    """Input that breaks a catalog rule (no variants, a bad GTIN, a price with three decimals)."""

    default_detail = "The product has invalid fields."


class DuplicateSku(CatalogInvalid):
    default_detail = "This SKU is already in the catalog."


class DuplicateGtin(CatalogInvalid):
    default_detail = "This GTIN already belongs to another SKU."


class ProductNotFound(NotFound):
    default_detail = "No product with this id."


class SkuNotFound(NotFound):
    default_detail = "No SKU with this code."


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    status = 409
    title = "Insufficient stock"
    default_detail = "There is not enough stock."

    def __init__(self, shortages: list[dict], detail: str | None = None):
        skus = sorted({s["sku"] for s in shortages})
        super().__init__(
            detail or f"Not enough stock for {', '.join(skus)}.",
            skus=skus,
            shortages=shortages,
        )


class AdjustmentRequestDecided(InvalidTransition):
    """An adjustment request that is no longer waiting (approved or rejected by someone else first)."""

    default_detail = "This adjustment request has already been decided."


class UndoNotAllowed(InvalidTransition):
    """An undo refused: not an adjustment of the user's own, already undone, or too late."""

    default_detail = "This movement cannot be undone."
