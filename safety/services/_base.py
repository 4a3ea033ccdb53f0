"""What the safety services share: notices, and who in an agency is told or may own a follow-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from accounts.directory import agency_of
from accounts.models import Organization, User
from accounts.services import notify_about
from safety.models import (
    SafetyContact,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise


def _notify(
    users: Iterable[User | None], message: StrOrPromise, url: str, reference: str, kind: str = "safety"
) -> None:
    notify_about(recipients=users, reference=reference, message=message, url=url, kind=kind)


def safety_contacts(*, team: Organization | None) -> list[User]:
    agency = agency_of(team)
    if agency is None:
        return []
    return [c.user for c in SafetyContact.objects.filter(agency=agency, user__is_active=True).select_related("user")]


def follow_up_owners(*, team: Organization | None) -> QuerySet[User]:
    """Who can own a follow-up item of an event of ``team``: the active users of its agency."""
    agency = agency_of(team) or team
    if agency is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, organization__path__startswith=agency.path)
