"""Paging of REST API lists in a stable order.

Its own module: DRF imports the pagination class while defining its generic views, so it
must not import them back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination

#: an ordering by one of these is already total: no tie-breaker needed after it
UNIQUE_KEYS = {"pk", "-pk", "id", "-id"}


def stable_order(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset in its own order, with the primary key as the last tie-breaker.

    Rows that tie on the sort (two clients of one name, an unordered list) would otherwise
    come back in whatever order the database likes, so a row could show on two pages.
    """
    query = queryset.query
    default = query.get_meta().ordering if query.default_ordering else None
    ordering = list(query.order_by or default or ())
    if any(isinstance(key, str) and key in UNIQUE_KEYS for key in ordering):
        return queryset
    return queryset.order_by(*ordering, "pk")


class StablePagination(pagination.PageNumberPagination):
    """Every list the API pages has a stable, total order (see `stable_order`)."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        if isinstance(queryset, QuerySet):
            queryset = stable_order(queryset)
        return super().paginate_queryset(queryset, request, view)
