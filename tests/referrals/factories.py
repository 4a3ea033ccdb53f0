"""Factories for households, persons and referrals (shared by every app's tests)."""

from datetime import timedelta

import factory
from django.utils import timezone

from referrals.models import CaseNote, Household, Person, PersonRole, Referral, ReferralPerson, StationTeamMatch
from tests.factories import OfficerFactory, StationFactory, TeamFactory


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    label = factory.Sequence(lambda n: f"Household {n}")
    address = factory.Sequence(lambda n: f"No. {n}, Zhongshan Rd., Taipei")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    phone = factory.Sequence(lambda n: f"0912{n:06d}")
    address = factory.SelfAttribute("household.address")


class StationTeamMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationTeamMatch

    station = factory.SubFactory(StationFactory)
    team = factory.SubFactory(TeamFactory, district=factory.SelfAttribute("..station.district"))
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A submitted referral routed to a team; use the services to move it along."""

    class Meta:
        model = Referral

    reference = factory.Sequence(lambda n: f"R-1990-{n + 1:06d}")  # never collides with filed references
    category = "family_conflict"
    level = 2
    incident_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    incident_place = "Zhongshan Rd."
    narrative = "Neighbours heard shouting; both parties calm on arrival."
    referring_officer = factory.SubFactory(OfficerFactory)
    created_by = factory.SelfAttribute("referring_officer")
    referring_station = factory.SelfAttribute("referring_officer.organization")
    district = factory.SelfAttribute("referring_station.district")
    team = factory.SubFactory(TeamFactory, district=factory.SelfAttribute("..district"))
    household = factory.SubFactory(HouseholdFactory)
    ack_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))


class ReferralPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralPerson

    referral = factory.SubFactory(ReferralFactory)
    person = factory.SubFactory(PersonFactory, household=factory.SelfAttribute("..referral.household"))
    role = PersonRole.SUBJECT


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SubFactory(
        "tests.factories.SocialWorkerFactory", organization=factory.SelfAttribute("..referral.team")
    )
    text = "Spoke with the mother by phone."
