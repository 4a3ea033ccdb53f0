"""What the patrol services share: notices to a station's people and who heads a station or precinct."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from accounts.models import Organization, User
from accounts.services import notify_about

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _notify(
    users: Iterable[User | None], message: StrOrPromise, url: str, reference: str, kind: str = "patrol"
) -> None:
    notify_about(recipients=users, reference=reference, message=message, url=url, kind=kind)


def _people_of(org: Organization | None) -> list[User]:
    return list(User.objects.filter(organization=org, is_active=True)) if org else []


def _station_heads(station: Organization) -> list[User]:
    return list(User.objects.filter(organization=station, role=User.Role.SUPERVISOR, is_active=True))


def _precinct_of(station: Organization) -> Organization | None:
    return station.nearest(Organization.Kind.PRECINCT) or station.parent


def _at_a_station(station: Organization | None, message: StrOrPromise) -> None:
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": message})
