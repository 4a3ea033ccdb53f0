"""Referrals under the retention schedule (see accounts/retention.py).

A finished referral (closed, declined or cancelled) past its period keeps its row, category,
level, statuses and dates for statistics; its narrative, places, notes and outcome text go, and
so do the names, phones, ID numbers, birth dates and addresses of people and households that
no retained referral still needs. The change history of those rows goes with them: a history
that kept the old text would defeat the schedule.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts import hooks
from referrals.models import CaseNote, Household, Person, Referral, ReferralEvent, Status

REMOVED = "—"
FINISHED = (Status.CLOSED, Status.DECLINED, Status.CANCELLED, Status.RE_REFERRED, Status.FAILED)


def expired(*, cutoff: datetime) -> QuerySet[Referral]:
    finished_before = Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, updated_at__lt=cutoff)
    return Referral.objects.filter(finished_before, status__in=FINISHED).exclude(narrative=REMOVED)


def anonymise(*, records: Iterable[Referral]) -> None:
    import pgtrigger
    from django.apps import apps
    from django.db import models

    ids = [r.pk for r in records]
    Referral.objects.filter(pk__in=ids).update(
        narrative=REMOVED,
        incident_place="",
        call_number="",
        consent_note="",
        risk_note="",
        known_risks=[],
        outcome_summary="",
        referred_to="",
        origin_reference="",
    )
    CaseNote.objects.filter(referral__in=ids).update(text=REMOVED)
    with pgtrigger.ignore("referrals.ReferralEvent:referral_event_append_only"):
        # Events are append-only; clearing their notes under the schedule is the one exception.
        models.QuerySet.update(ReferralEvent.objects.filter(referral__in=ids).exclude(note=""), note="")
    people, households = _no_longer_needed(ids)
    Person.objects.filter(pk__in=people).update(
        name=REMOVED,
        name_key="",
        phone="",
        phone_key="",
        id_number=None,
        id_number_key="",
        date_of_birth=None,
        address="",
        address_key="",
    )
    Household.objects.filter(pk__in=households).update(label="", address="", address_key="")
    for forget in hooks.get_hooks(hooks.PERSONS_ANONYMISED):  # other apps' notes about these people
        forget(people=people, households=households)
    for history, pks in (("ReferralHistory", ids), ("PersonEvent", people), ("HouseholdEvent", households)):
        apps.get_model("referrals", history).objects.filter(pgh_obj_id__in=pks).delete()


def _no_longer_needed(ids: list[int]) -> tuple[list[int], list[int]]:
    """People and households of these referrals that no other (retained) referral links to."""
    retained = Referral.objects.exclude(pk__in=ids).exclude(narrative=REMOVED)
    people = set(Person.objects.filter(referral_links__referral__in=ids).values_list("pk", flat=True))
    people -= set(Person.objects.filter(referral_links__referral__in=retained).values_list("pk", flat=True))
    households = set(Referral.objects.filter(pk__in=ids, household__isnull=False).values_list("household", flat=True))
    households -= set(retained.filter(household__in=households).values_list("household", flat=True))
    return sorted(people), sorted(households)
