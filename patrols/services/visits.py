"""Beat visits to persons of concern: cadence, outcomes, search reports, and the family record for referrals."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.references import next_reference
from patrols import policy
from patrols.models import (
    DEFAULT_CADENCE_DAYS,
    Outcome,
    PatrolVisit,
    PersonOfConcern,
    RiskLevel,
    SearchReport,
    VisitCadence,
)
from patrols.services._base import _notify, _people_of, _precinct_of
from referrals.models import Household, Person, Referral
from referrals.services import households


def cadence_days(*, risk_level: str) -> int:
    row = VisitCadence.objects.filter(risk_level=risk_level).first()
    return row.every_days if row else DEFAULT_CADENCE_DAYS[RiskLevel(risk_level)]


@transaction.atomic
def record_visit(
    *,
    actor: User,
    person: PersonOfConcern,
    outcome: str,
    visited_at: datetime | None = None,
    side_visit_note: str = "",
    new_address: str = "",
    notified_station: Organization | None = None,
    children_present: int = 0,
    child_care_checked: bool = False,
    child_care_note: str = "",
    vulnerable_family: bool = False,
    note: str = "",
) -> PatrolVisit:
    policy.require(actor, "record_visit", person)
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"visited_at": _("The visit cannot be in the future.")})
    if outcome == Outcome.REFUSED and not side_visit_note.strip():
        raise ValidationError({"side_visit_note": _("Record the side visit (側訪) when the person refuses.")})
    if outcome == Outcome.MOVED:
        if not new_address.strip():
            raise ValidationError({"new_address": _("Record where the person is now.")})
        if notified_station is None or notified_station.kind != Organization.Kind.STATION:
            raise ValidationError({"notified_station": _("Choose the station covering the new address.")})
    visit = PatrolVisit.objects.create(
        reference=next_reference(prefix="PV", year=timezone.localdate().year),
        station=person.station,
        person=person,
        officer=actor,
        visited_at=visited_at,
        outcome=outcome,
        side_visit_note=side_visit_note.strip(),
        new_address=new_address.strip(),
        notified_station=notified_station if outcome == Outcome.MOVED else None,
        children_present=children_present,
        child_care_checked=child_care_checked,
        child_care_note=child_care_note,
        vulnerable_family=vulnerable_family,
        note=note,
    )
    person.last_visited_on = timezone.localdate(visited_at)
    person.next_due_on = person.last_visited_on + timedelta(days=cadence_days(risk_level=person.risk_level))
    person.save(update_fields=["last_visited_on", "next_due_on"])
    if outcome == Outcome.MOVED:
        _notify(_people_of(notified_station), _("person of concern moved into your area"), "/patrols/", visit.reference)
    if outcome == Outcome.UNKNOWN:
        precinct = _precinct_of(person.station)
        if precinct is None:  # the search report's precinct is required: stop before the insert would fail
            raise ValueError(f"Station {person.station_id} is in no precinct: the search report has nowhere to go.")
        SearchReport.objects.create(visit=visit, precinct=precinct)
        _notify(_people_of(precinct), _("search report: whereabouts unknown"), "/patrols/", visit.reference)
    return visit


@transaction.atomic
def household_for(*, person: PersonOfConcern) -> Household:
    """The family record of a person of concern, created once, for children and referrals."""
    if person.household is None:
        person.household = households.open_household(
            address=person.address, label=person.name, district=person.station.district
        )
        person.person = households.add_person(household=person.household, name=person.name, address=person.address)
        person.save(update_fields=["household", "person"])
    return person.household


@transaction.atomic
def add_child(
    *,
    actor: User,
    person: PersonOfConcern,
    name: str,
    date_of_birth: date | None = None,
    estimated_age: int | None = None,
    sex: str = "unknown",
) -> Person:
    policy.require(actor, "add_child", person)
    household = household_for(person=person)
    return households.add_person(
        household=household, name=name, date_of_birth=date_of_birth, estimated_age=estimated_age, sex=sex
    )


def children_of(*, person: PersonOfConcern) -> list[Person]:
    if person.household_id is None:
        return []
    return list(Person.objects.filter(household_id=person.household_id).exclude(pk=person.person_id))


def referral_for_visit(*, visit: PatrolVisit, user: User) -> Referral | None:
    """The referral raised from a visit, if any and if ``user`` may see it: its status closes the loop back
    to police. A referral elsewhere that merely names the visit's reference is not shown."""
    return (
        Referral.objects.visible_to(user)
        .filter(origin=Referral.Origin.PATROL_VISIT, origin_reference=visit.reference)
        .order_by("-filed_at")
        .first()
    )
