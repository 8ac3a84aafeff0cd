"""A tiny API used only by the platform tests, so that they test the platform and nothing else."""

import time

from django.db import OperationalError, transaction
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from omni.api.idempotency import idempotent
from omni.api.permissions import ALL_ROLES, INTEGRATION, HasRole, actor_of
from omni.exceptions import InvalidTransition
from omni.models import AuditEntry
from omni.services import record_audit


class LineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


class ThingSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=20)
    lines = LineSerializer(many=True, required=False)
    sleep = serializers.FloatField(required=False, min_value=0, max_value=5)
    conflict = serializers.BooleanField(required=False)
    fail_after_commit = serializers.BooleanField(required=False)
    database_down = serializers.BooleanField(required=False)


class ThingViewSet(viewsets.GenericViewSet):
    permission_classes = [HasRole]
    required_roles = {"create": INTEGRATION, "list": ALL_ROLES, "boom": ALL_ROLES, "database_down": ALL_ROLES}
    queryset = AuditEntry.objects.filter(action="test.thing").order_by("id")

    @idempotent
    def create(self, request):
        data = ThingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("sleep"):
            time.sleep(data.validated_data["sleep"])
        if data.validated_data.get("conflict"):
            raise InvalidTransition("Things cannot do that now.")
        if data.validated_data.get("database_down"):
            raise OperationalError("connection to server was lost")
        entry = record_audit(
            action="test.thing", actor=actor_of(request), data={"name": data.validated_data["name"]}
        )
        if data.validated_data.get("fail_after_commit"):
            # A careless after-commit hook: it raises once the work is committed.
            transaction.on_commit(lambda: (_ for _ in ()).throw(RuntimeError("hook failed")))
        return Response({"id": entry.pk, "name": entry.data["name"]}, status=201)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([{"id": e.pk} for e in page])

    @action(detail=False, methods=["get"])
    def boom(self, request):
        raise RuntimeError("a bug")

    @action(detail=False, methods=["get"], url_path="database-down")
    def database_down(self, request):
        raise OperationalError("could not connect to server")


def page_with_database_down(request):
    request.user.is_authenticated
    raise OperationalError("server closed the connection unexpectedly")


router = SimpleRouter()
router.register("things", ThingViewSet, basename="thing")
urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("test-pages/database-down/", page_with_database_down),
    path("", include("omni.urls")),
]
