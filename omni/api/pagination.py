from django.conf import settings
from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=`; the page size is capped at OMNI_API_MAX_PAGE_SIZE."""

    max_limit = settings.OMNI_API_MAX_PAGE_SIZE
