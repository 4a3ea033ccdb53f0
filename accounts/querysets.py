"""The base of every record queryset: each model that holds records users may or may not see defines
``visible_to(user)`` (see accounts/visibility.py for how views and APIs use it)."""

from django.db import models


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user):  # pragma: no cover - every subclass defines it
        raise NotImplementedError(f"{self.model.__name__} must define visible_to(user)")
