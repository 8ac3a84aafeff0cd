"""Reading a request body in an API view: one helper for every app's views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def parse(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    """The validated data of `data`, or a ValidationError (a 400 validation_error problem document)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
