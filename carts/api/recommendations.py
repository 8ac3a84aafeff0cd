""" "Bought together" (issue 18): `GET /api/v1/skus/{sku}/recommendations/?location=CODE&limit=N`, for every
role that reads the catalog. Only SKUs in stock where it matters: at `location`, else at a store's or a
kiosk's own location, else anywhere in the network."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.selectors.recommendations import DEFAULT_LIMIT, bought_together, default_location_id
from inventory.api.catalog import SKU_PATTERN
from inventory.exceptions import SkuNotFound
from inventory.selectors import location_by_code, variant_by_sku
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses

MAX_LIMIT = 20


class RecommendationQuery(serializers.Serializer):
    location = serializers.CharField(
        max_length=20,
        required=False,
        help_text=(
            "A location's code: only SKUs available there. Default: a store's or kiosk's own location; "
            "for other callers, available anywhere."
        ),
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        required=False,
        default=DEFAULT_LIMIT,
        help_text="At most this many.",
    )


class RecommendationOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="The catalog price.")
    currency = serializers.CharField()
    customers = serializers.IntegerField(
        min_value=1, help_text="How many customers bought it together with the SKU asked about."
    )
    reason = serializers.CharField(help_text='The explanation, e.g. "Bought together by 12 customers".')
    available = serializers.IntegerField(help_text="Units available at the location (or in the network).")


class RecommendationsOut(serializers.Serializer):
    sku = serializers.CharField()
    location = serializers.CharField(allow_null=True, help_text="The location the stock was checked at.")
    results = RecommendationOut(many=True)


class RecommendationsView(APIView):
    permission_classes = [HasRole]
    required_roles = {"get": ALL_ROLES}

    @extend_schema(
        summary='"Bought together" with a SKU',
        description=(
            "SKUs of other products bought in the same orders as this one over the last year, ranked by "
            "the number of distinct customers who bought both (`customers`, explained in `reason`), "
            "recomputed every night. Only SKUs on sale and in stock where it matters. An unknown SKU: 404; "
            "an unknown location: 400."
        ),
        parameters=[
            OpenApiParameter(
                "sku",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=f"^{SKU_PATTERN}$",
                description="The SKU.",
            ),
            RecommendationQuery,
        ],
        responses={200: RecommendationsOut, **problem_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, sku: str) -> Response:
        query = parse(RecommendationQuery, request.query_params)
        actor = actor_of(request)
        variant = variant_by_sku(sku)
        if variant is None:
            raise SkuNotFound(_("No SKU %(sku)s in the catalog.") % {"sku": sku})
        location_id: int | None = None
        code: str | None = None
        if query.get("location"):
            location = location_by_code(query["location"])
            location_id, code = location.pk, location.code
        elif actor.client is not None and actor.client.location is not None:
            location_id = default_location_id(actor)
            code = actor.client.location.code if location_id is not None else None
        found = bought_together(variant, location_id=location_id, limit=query["limit"])
        currency = settings.OMNI_CURRENCY
        results = [
            {
                "sku": r.sku,
                "name": r.name,
                "price": f"{r.price:.2f}",
                "currency": currency,
                "customers": r.customers,
                "reason": r.reason,
                "available": r.available,
            }
            for r in found
        ]
        return Response({"sku": variant.sku, "location": code, "results": results})
