"""What the safety services share: notices, and who in an agency is told or may own a follow-up."""

from django.contrib.auth import get_user_model

from accounts.directory import agency_of
from accounts.services import notify_about
from safety.models import (
    SafetyContact,
)

User = get_user_model()


def _notify(users, message, url, reference, kind="safety"):
    notify_about(recipients=users, reference=reference, message=message, url=url, kind=kind)


def safety_contacts(*, team):
    agency = agency_of(team)
    if agency is None:
        return []
    return [c.user for c in SafetyContact.objects.filter(agency=agency, user__is_active=True).select_related("user")]


def follow_up_owners(*, team):
    """Who can own a follow-up item of an event of ``team``: the active users of its agency."""
    agency = agency_of(team) or team
    if agency is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, organization__path__startswith=agency.path)
