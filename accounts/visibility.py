"""The one visibility rule.

Every model that holds records users may or may not see gives its queryset a
``visible_to(user)`` method. Views, API viewsets, exports, search and
dashboards all start from that queryset, so a record outside it answers 404
(never 403: we do not reveal that it exists).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404


def visible(model_or_queryset, user):
    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return qs.visible_to(user)


def get_visible_or_404(model_or_queryset, user, **lookup):
    """Fetch one record the user may see; anything else (missing, not theirs, malformed id) is 404."""
    try:
        return visible(model_or_queryset, user).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def ensure_visible(obj, user):
    """Re-check inside a write that the record is (still) the user's to see."""
    if not visible(type(obj), user).filter(pk=obj.pk).exists():
        raise Http404


def require_role(user, *roles):
    """Pages meant for other roles answer 404 like any record the user may not see."""
    if not user.is_authenticated or not (user.is_administrator or user.role in roles):
        raise Http404


class VisibleObjectMixin:
    """For Django class-based views: the queryset is always the visible one."""

    def get_queryset(self):
        return visible(super().get_queryset(), self.request.user)


class VisibleViewSetMixin:
    """For DRF viewsets: list and retrieve both start from the visible queryset."""

    def get_queryset(self):
        return visible(super().get_queryset(), self.request.user)


class RecordViewSetMixin(VisibleViewSetMixin):
    """For viewsets of case, safety and patrol records: visible only, and every read is in the access log
    (a retrieve writes one row, a list one row per record on the page, in one insert)."""

    def retrieve(self, request, *args, **kwargs):
        from rest_framework.response import Response

        from accounts.access_log import log_access

        instance = self.get_object()
        log_access(request, instance)
        return Response(self.get_serializer(instance).data)

    def list(self, request, *args, **kwargs):
        from rest_framework.response import Response

        from accounts.access_log import log_reads

        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page) if page is not None else list(queryset)
        log_reads(request, rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)
