"""`?limit=&offset=` on every list: a limit of 1 to OMNI_API_MAX_PAGE_SIZE and an offset of 0 or more, else
400 `validation_error` naming the parameter (a bad value is refused, never silently replaced)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=`; the page size is 1 to OMNI_API_MAX_PAGE_SIZE (default PAGE_SIZE)."""

    max_limit = settings.OMNI_API_MAX_PAGE_SIZE
    limit_query_description = (
        f"Results per page, 1 to {settings.OMNI_API_MAX_PAGE_SIZE} (default "
        f"{settings.REST_FRAMEWORK['PAGE_SIZE']}); anything else: 400 validation_error."
    )
    offset_query_description = "Results to skip, 0 or more (default 0); anything else: 400 validation_error."

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list | None:
        # Both are checked before the count query: a bad page costs nothing.
        self.get_limit(request)
        self.get_offset(request)
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request: Request) -> int | None:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= self.max_limit:
            raise ValidationError({self.limit_query_param: [f"A whole number from 1 to {self.max_limit}."]})
        return int(raw)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValidationError({self.offset_query_param: ["A whole number, 0 or more."]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit, "default": self.default_limit},
            self.offset_query_param: {"minimum": 0, "default": 0},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
