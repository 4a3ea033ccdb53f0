"""Households and persons: created only here (filing, and other apps through these functions)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction

from accounts.models import District
from referrals.models import Household, Person, Referral, ReferralPerson, Sex

# A person named on a referral and their role in it: a known Person, or the fields the filer typed.
PersonEntry = tuple[dict[str, Any] | Person, str]


def open_household(*, address: str, district: District | None, label: str = "") -> Household:
    """A new family record (for a referral, or a person of concern's family in patrols)."""
    return Household.objects.create(address=address, label=label, district=district)


@transaction.atomic
def add_person(
    *,
    household: Household,
    name: str,
    address: str = "",
    date_of_birth: date | None = None,
    estimated_age: int | None = None,
    sex: str = Sex.UNKNOWN,
) -> Person:
    """A member of a household, validated like the filing form's persons."""
    person = Person(
        household=household,
        name=name,
        address=address or household.address,
        date_of_birth=date_of_birth,
        estimated_age=estimated_age,
        sex=sex,
    )
    person.full_clean()
    person.save()
    return person


def _new_household(persons: Sequence[PersonEntry], incident_place: str, district: District) -> Household:
    """Every referral belongs to a household, so the next call about the same family finds it."""
    addresses: list[str] = [p["address"] for p, _ in persons if isinstance(p, dict) and p.get("address")]
    existing = [p.household for p, _ in persons if isinstance(p, Person) and p.household is not None]
    if existing:
        return existing[0]
    return open_household(address=(addresses or [incident_place or ""])[0], district=district)


def _attach_persons(referral: Referral, persons: Sequence[PersonEntry]) -> None:
    for person, role in persons:
        if not isinstance(person, Person):
            person = Person(**person)
            if referral.household_id and not person.household_id:
                person.household = referral.household
            person.full_clean()
            person.save()
        ReferralPerson.objects.get_or_create(referral=referral, person=person, role=role)
