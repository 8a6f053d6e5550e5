"""Cursor pagination: an opaque ``cursor`` that stays right while tickets are added (no
page numbers to shift, no count to compute)."""

from rest_framework.pagination import CursorPagination


class TicketCursor(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
