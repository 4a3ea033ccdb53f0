"""The police visibility rule of patrol records: a station's records to its own people and the units above."""

from django.db.models import Q

from accounts.querysets import VisibleQuerySet


def police_scope(user, field="station"):
    """Patrol records are police-only: a unit sees its own subtree; social work sees nothing."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    org = user.organization
    if not user.is_police or org is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": org.path})


class PoliceQuerySet(VisibleQuerySet):
    scope_field = "station"

    def visible_to(self, user):
        return self.filter(police_scope(user, self.scope_field))


def _manager(field="station"):
    return type(f"PoliceQuerySet_{field}", (PoliceQuerySet,), {"scope_field": field}).as_manager()
