from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Default for every API list: keyset pagination on the primary key, newest first."""

    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
