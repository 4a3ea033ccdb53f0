"""Factories for the standing cast of tests: organisations, people, rosters."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import District, Notification, OnCallShift, Organization, User

PASSWORD = "correct-horse-battery"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"District {n}")
    code = factory.Sequence(lambda n: f"district-{n}")
    routing_mode = District.RoutingMode.DIRECT


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    code = factory.Sequence(lambda n: f"org-{n}")
    kind = Organization.Kind.AGENCY
    district = factory.SubFactory(DistrictFactory)


class PrecinctFactory(OrganizationFactory):
    kind = Organization.Kind.PRECINCT


class StationFactory(OrganizationFactory):
    kind = Organization.Kind.STATION
    parent = factory.SubFactory(PrecinctFactory, district=factory.SelfAttribute("..district"))


class AgencyFactory(OrganizationFactory):
    kind = Organization.Kind.AGENCY


class TeamFactory(OrganizationFactory):
    kind = Organization.Kind.TEAM
    parent = factory.SubFactory(AgencyFactory, district=factory.SelfAttribute("..district"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = User.Role.SOCIAL_WORKER
    organization = factory.SubFactory(TeamFactory)
    language = User.Language.EN

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class OfficerFactory(UserFactory):
    role = User.Role.OFFICER
    organization = factory.SubFactory(StationFactory)


class SocialWorkerFactory(UserFactory):
    role = User.Role.SOCIAL_WORKER


class SupervisorFactory(UserFactory):
    role = User.Role.SUPERVISOR
    organization = factory.SubFactory(AgencyFactory)


class CoordinatorFactory(UserFactory):
    role = User.Role.INTAKE_COORDINATOR
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.WELFARE_DEPARTMENT)


class AdministratorFactory(UserFactory):
    role = User.Role.ADMINISTRATOR
    organization = None
    is_staff = True
    is_superuser = True


class OnCallShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnCallShift

    team = factory.SubFactory(TeamFactory)
    worker = factory.SubFactory(SocialWorkerFactory, organization=factory.SelfAttribute("..team"))
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=8))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(SocialWorkerFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"R-2026-{n:06d} submitted")
    url = "/"
