"""Sections other apps add to the staff SKU page (templates/inventory/sku_detail.html) without inventory
importing them: the arrows run carts -> inventory, so an app registers, once, in its AppConfig.ready(), a
function that renders its own fragment (its own template) for a SKU, as every app registers its dashboard
panels (omni.dashboard).

A section takes the request, the variant and the user's current location (or None) and answers HTML, or ""
to show nothing; the page shows the sections in the order they were registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from inventory.models import Variant
    from stores.models import Location

SkuSection = Callable[[HttpRequest, "Variant", "Location | None"], str]

_sections: dict[str, SkuSection] = {}


def register_sku_section(name: str, section: SkuSection) -> SkuSection:
    """Add (or, under the same name, replace) a section of the SKU page."""
    _sections[name] = section
    return section


def sku_sections(request: HttpRequest, variant: Variant, here: Location | None) -> list[SafeString]:
    """The registered sections' HTML for this SKU, empty ones left out."""
    rendered = (section(request, variant, here) for section in _sections.values())
    return [SafeString(html) for html in rendered if html]
