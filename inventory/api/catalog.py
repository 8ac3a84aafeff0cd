"""Catalog endpoints: products with their variants, and SKUs (barcode lookup for the tablets).
Everyone reads the catalog; only the integration role writes it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from inventory import selectors, services
from inventory.api.filters.catalog import ProductFilter, VariantFilter
from inventory.api.serializers import catalog as io
from inventory.api.serializers.stock import AvailabilityOut, AvailabilityQuery, availability_query
from inventory.exceptions import ProductNotFound, SkuNotFound
from inventory.models import Product, Variant
from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, INTEGRATION, HasRole, actor_of
from omni.api.schema import problem_responses

SKU_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}"


def _spec(data: dict[str, Any]) -> services.VariantSpec:
    return services.VariantSpec(
        sku=data["sku"],
        gtin=data.get("gtin"),
        size=data.get("size", ""),
        color=data.get("color", ""),
        price=data["price"],
        cost_price=data.get("cost_price"),
        active=data.get("active", True),
    )


class CatalogViewSet(viewsets.GenericViewSet):
    permission_classes = [HasRole]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        actor = getattr(self.request, "auth", None)
        context["show_cost_price"] = isinstance(actor, Actor) and selectors.can_see_cost_price(actor)
        return context

    def output(self, serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
        return serializer_class(instance, context=self.get_serializer_context()).data


@extend_schema_view(
    list=extend_schema(
        summary="Search the catalog's products",
        description="Products with their variants, by name, brand, SKU or GTIN, category and brand.",
        responses={200: io.ProductOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A product with its variants",
        responses={200: io.ProductOut, **problem_responses(401, 403, 404)},
    ),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet):
    serializer_class = io.ProductOut
    filterset_class = ProductFilter
    lookup_value_regex = r"[0-9]{1,18}"
    required_roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": INTEGRATION,
        "partial_update": INTEGRATION,
        "add_variant": INTEGRATION,
    }
    queryset = Product.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.product_list()

    def get_object(self) -> Product:
        product = selectors.product_by_id(int(self.kwargs["pk"]))
        if product is None:
            raise ProductNotFound()
        return product

    def _product_response(self, product_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        product = selectors.product_by_id(product_id)
        headers = {"Location": reverse("product-detail", args=[product_id])} if status_code == 201 else None
        return Response(self.output(io.ProductOut, product), status=status_code, headers=headers)

    @extend_schema(
        summary="Create a product with its variants",
        description=(
            "Brand and category are names, created when new. Each variant's SKU and GTIN must be new to the "
            "catalog; a GTIN must have a correct check digit. Integration role only."
        ),
        request=io.ProductCreateIn,
        responses={201: io.ProductOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.ProductCreateIn, request.data)
        product = services.create_product(
            name=data["name"],
            brand=data["brand"],
            category=data["category"],
            description=data.get("description", ""),
            vat_rate=data["vat_rate"],
            active=data["active"],
            variants=[_spec(v) for v in data["variants"]],
            actor=actor_of(request),
        )
        return self._product_response(product.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a product's name, description, VAT rate or whether it is on sale",
        request=io.ProductUpdateIn,
        responses={200: io.ProductOut, **problem_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = parse(io.ProductUpdateIn, request.data)
        product = services.update_product(product_id=int(pk), actor=actor_of(request), **data)
        return self._product_response(product.pk)

    @extend_schema(
        summary="Add a variant (SKU) to a product",
        request=io.VariantIn,
        responses={201: io.SkuOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="variants")
    @idempotent
    def add_variant(self, request: Request, pk: str) -> Response:
        data = parse(io.VariantIn, request.data)
        variant = services.add_variant(product_id=int(pk), spec=_spec(data), actor=actor_of(request))
        found = selectors.variant_by_sku(variant.sku)
        return Response(
            self.output(io.SkuOut, found),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("sku-detail", args=[variant.sku])},
        )


@extend_schema_view(
    list=extend_schema(
        summary="Search SKUs, or look one up by barcode",
        description=(
            "`?gtin=` is the tablets' barcode lookup: a GTIN in its 8, 12, 13 or 14-digit form (a UPC-A "
            "matches its EAN-13 form). An invalid GTIN is a 400 naming `gtin`."
        ),
        responses={200: io.SkuOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A SKU with its price",
        responses={200: io.SkuOut, **problem_responses(401, 403, 404)},
    ),
)
class SkuViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet):
    serializer_class = io.SkuOut
    filterset_class = VariantFilter
    lookup_field = "sku"
    lookup_value_regex = SKU_PATTERN
    required_roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "partial_update": INTEGRATION,
        "availability": ALL_ROLES,
    }
    queryset = Variant.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.variant_list()

    def get_object(self) -> Variant:
        sku = self.kwargs["sku"]
        variant = selectors.variant_by_sku(sku)
        if variant is None:
            raise SkuNotFound(f"No SKU {sku} in the catalog.")
        return variant

    @extend_schema(
        summary="Change a SKU's price, cost price or whether it is on sale",
        description="Integration role only. Every price change is recorded in the audit log.",
        request=io.VariantUpdateIn,
        responses={200: io.SkuOut, **problem_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, sku: str) -> Response:
        data = parse(io.VariantUpdateIn, request.data)
        variant = services.update_variant(sku=sku, actor=actor_of(request), **data)
        return Response(self.output(io.SkuOut, selectors.variant_by_sku(variant.sku)))

    @extend_schema(
        summary="Where a SKU is available",
        description=(
            "Each active location holding the SKU, with on hand, reserved and available "
            "(max(on_hand - reserved - safety_stock, 0)); nearest first with `near`, each with "
            "`distance_km`. "
            "`available` at the top is the network figure: the sum over locations that ship or do "
            "click-and-collect. One query."
        ),
        parameters=[AvailabilityQuery],
        responses={200: AvailabilityOut, **problem_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def availability(self, request: Request, sku: str) -> Response:
        # The busiest read of the e-shop and the kiosks: plain data from the selector straight to JSON, no
        # model instance or serializer per location (AvailabilityOut documents the shape).
        query = availability_query(request.query_params)
        answer = selectors.sku_availability(
            sku, near=query.get("near"), click_and_collect=query.get("click_and_collect")
        )
        if answer is None:
            raise SkuNotFound(f"No SKU {sku} in the catalog.")
        return Response(answer)
