"""OpenAPI: the Bearer scheme, and the problem document returned by every error."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (create_api_client).",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem document."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    # A declared field: SerializerMetaclass moves it into _declared_fields, so Serializer.errors is untouched.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def problem_responses(*statuses: int) -> dict:
    """`@extend_schema(responses={201: Out, **problem_responses(400, 409)})`"""
    from drf_spectacular.utils import OpenApiResponse

    return {s: OpenApiResponse(response=ProblemSerializer, description="Problem document") for s in statuses}
