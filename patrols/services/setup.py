"""Setting up a station's beats, persons of concern and key locations (the admin's add and change forms call these)."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from patrols import policy
from patrols.models import Beat, KeyLocation, PersonOfConcern
from patrols.services.visits import cadence_days


@transaction.atomic
def save_beat(*, actor: User, beat: Beat) -> Beat:
    """A new or changed beat; its weekly hours change only by a beat-hours change (``change_beat_hours``)."""
    policy.require(actor, "set_up", beat)
    beat.full_clean()
    beat.save()
    return beat


@transaction.atomic
def save_person_of_concern(*, actor: User, person: PersonOfConcern, changed: Iterable[str] = ()) -> PersonOfConcern:
    """A new or changed person of concern. The next visit is due by the cadence of the risk level: a new
    person within one cadence, and a changed risk level counts from the last visit (or today)."""
    policy.require(actor, "set_up", person)
    if person.pk is None or "risk_level" in set(changed):
        since = person.last_visited_on or timezone.localdate()
        person.next_due_on = since + timedelta(days=cadence_days(risk_level=person.risk_level))
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def save_key_location(*, actor: User, location: KeyLocation) -> KeyLocation:
    """A key location set up or corrected by an administrator; its status changes only by inspection."""
    policy.require(actor, "set_up", location)
    if location.beat is not None and location.beat.station_id != location.station_id:
        raise ValidationError({"beat": _("Choose one of the station's own beats.")})
    location.full_clean()
    location.save()
    return location
