"""What the patrol services share: notices to a station's people and who heads a station or precinct."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.models import Organization
from accounts.services import notify_about

User = get_user_model()


def _notify(users, message, url, reference, kind="patrol"):
    notify_about(recipients=users, reference=reference, message=message, url=url, kind=kind)


def _people_of(org):
    return list(User.objects.filter(organization=org, is_active=True)) if org else []


def _station_heads(station):
    return list(User.objects.filter(organization=station, role=User.Role.SUPERVISOR, is_active=True))


def _precinct_of(station):
    return station.nearest(Organization.Kind.PRECINCT) or station.parent


def _at_a_station(station, message):
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": message})
