"""Wishlists (API-CONTRACT.md, Carts: "Wishlists"): `GET|POST /api/v1/loyalty/members/{id}/wishlist/` and
`DELETE /api/v1/loyalty/members/{id}/wishlist/{sku}/`.

Who may: whoever may read the member (loyalty's rule, `loyalty.selectors.member_for`): integration and
staff every member; the e-shop the members it enrolled or looked up by email; a kiosk or a store the
members it looked up by card (or enrolled) at its own location. Another client's member is not found."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from carts.models import WishlistEntry
from carts.selectors.wishlists import WishlistItem, wishlist_items, wishlist_member, wishlist_of
from carts.services.wishlists import MAX_WISHLIST_ENTRIES, add_to_wishlist, remove_from_wishlist
from inventory.api.catalog import SKU_PATTERN
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses

MEMBER_ID_PATTERN = r"[0-9]{1,18}"

MEMBER_ID = OpenApiParameter(
    "member_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The loyalty member's id.",
    pattern=f"^{MEMBER_ID_PATTERN}$",
)
SKU = OpenApiParameter(
    "sku", OpenApiTypes.STR, OpenApiParameter.PATH, description="The SKU.", pattern=f"^{SKU_PATTERN}$"
)


class WishlistIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="A SKU of the catalog, on sale.")


class WishlistEntryOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField(help_text="The product's name with the SKU's size and colour.")
    added_at = serializers.DateTimeField()
    available_at_preferred_location = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Units available now at the member's preferred store (on hand - reserved - safety stock); "
            "null when the member has no preferred store."
        ),
    )
    last_notified_at = serializers.DateTimeField(
        allow_null=True, help_text='When the member was last told it is "back in stock" there.'
    )


def _out(item: WishlistItem) -> dict[str, object]:
    return dict(WishlistEntryOut(item).data)


class WishlistViewSet(viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = WishlistEntryOut
    lookup_field = "sku"
    lookup_value_regex = SKU_PATTERN
    required_roles = {"list": ALL_ROLES, "create": ALL_ROLES, "destroy": ALL_ROLES}
    queryset = WishlistEntry.objects.none()  # for the schema; the selectors answer

    @extend_schema(
        summary="A member's wishlist",
        description=(
            "Newest first. Each entry carries what is available now at the member's preferred store "
            "(null without one). A member the caller may not read: 404."
        ),
        parameters=[MEMBER_ID],
        responses={200: WishlistEntryOut(many=True), **problem_responses(400, 401, 403, 404)},
    )
    def list(self, request: Request, member_id: str) -> Response:
        member = wishlist_member(actor_of(request), int(member_id))
        page = self.paginate_queryset(wishlist_of(member))
        return self.get_paginated_response([_out(item) for item in wishlist_items(member, list(page or []))])

    @extend_schema(
        summary="Add a SKU to a member's wishlist",
        description=(
            "201 with the new entry; 200 with the entry when the SKU is on the wishlist already. An "
            "unknown SKU, one not on sale, or a wishlist already holding "
            f"{MAX_WISHLIST_ENTRIES} SKUs: 400 naming `sku`. When the SKU is sold out at the member's "
            "preferred store and comes back, the member gets one email (if they consent to marketing by "
            "email)."
        ),
        parameters=[MEMBER_ID],
        request=WishlistIn,
        responses={
            201: WishlistEntryOut,
            200: WishlistEntryOut,
            **problem_responses(400, 401, 403, 404, 409, 422),
        },
    )
    @idempotent
    def create(self, request: Request, member_id: str) -> Response:
        data = parse(WishlistIn, request.data)
        member = wishlist_member(actor_of(request), int(member_id))
        entry, created = add_to_wishlist(member=member, sku=data["sku"])
        (item,) = wishlist_items(member, [entry])
        return Response(_out(item), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Take a SKU off a member's wishlist",
        description="204; a SKU that is not on the wishlist, or a member the caller may not read: 404.",
        parameters=[MEMBER_ID, SKU],
        responses={204: None, **problem_responses(400, 401, 403, 404)},
    )
    def destroy(self, request: Request, member_id: str, sku: str) -> Response:
        member = wishlist_member(actor_of(request), int(member_id))
        remove_from_wishlist(member=member, sku=sku)
        return Response(status=status.HTTP_204_NO_CONTENT)
