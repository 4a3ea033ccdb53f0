"""Two districts with every role and every relation, for permission tests.

District A is "ours": precinct PA with stations S1 (own) and S2 (same parent), agency GA with
teams T1 (own) and T2 (same parent), station S1 matched to T1 and S2 to T2, and a coordinator.
District B is "other": the same shape again. Actors are named by how they stand to a referral
that ``officer`` files at S1 and that goes to T1 (and that ``worker`` is assigned when a test
needs a worker):

=====================  ==========================================================
officer                filed it (own)
officer_station        another officer of S1 (own station)
officer_same_parent    an officer of S2, the same precinct (same parent)
station_head           the supervisor of S1 (police side, station subtree)
worker                 a worker of T1, assigned when the referral is accepted (own)
colleague              another worker of T1 (own team)
worker_same_parent     a worker of T2, the same agency (same parent)
worker_granted         a worker of T2 the referral was shared with (object grant)
supervisor             the supervisor of agency GA (subtree)
coordinator            the intake coordinator of district A (district)
integration            the dispatch system's account (files through the API)
administrator          an administrator
officer_other, worker_other, supervisor_other, coordinator_other, station_head_other
                       the same roles in district B (other)
=====================  ==========================================================
"""

import inspect
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import District, Organization, User
from referrals import services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

ACTORS = (
    "officer",
    "officer_station",
    "officer_same_parent",
    "station_head",
    "worker",
    "colleague",
    "worker_same_parent",
    "worker_granted",
    "supervisor",
    "coordinator",
    "integration",
    "administrator",
    "officer_other",
    "station_head_other",
    "worker_other",
    "supervisor_other",
    "coordinator_other",
)


def _district(tag, routing=District.RoutingMode.DIRECT):
    district = f.DistrictFactory(code=f"world-{tag}", name=f"District {tag}", routing_mode=routing)
    precinct = f.PrecinctFactory(district=district, name=f"Precinct {tag}")
    s1 = f.StationFactory(district=district, parent=precinct, name=f"Station {tag}1")
    s2 = f.StationFactory(district=district, parent=precinct, name=f"Station {tag}2")
    agency = f.AgencyFactory(district=district, name=f"Agency {tag}")
    t1 = f.TeamFactory(district=district, parent=agency, name=f"Team {tag}1")
    t2 = f.TeamFactory(district=district, parent=agency, name=f"Team {tag}2")
    StationTeamMatchFactory(station=s1, team=t1)
    StationTeamMatchFactory(station=s2, team=t2)
    welfare = f.OrganizationFactory(kind=Organization.Kind.WELFARE_DEPARTMENT, district=district)
    return SimpleNamespace(
        district=district, precinct=precinct, s1=s1, s2=s2, agency=agency, t1=t1, t2=t2, welfare=welfare
    )


def build_world():
    a, b = _district("A"), _district("B")
    users = {
        "officer": f.OfficerFactory(organization=a.s1),
        "officer_station": f.OfficerFactory(organization=a.s1),
        "officer_same_parent": f.OfficerFactory(organization=a.s2),
        "station_head": f.SupervisorFactory(organization=a.s1),
        "worker": f.SocialWorkerFactory(organization=a.t1),
        "colleague": f.SocialWorkerFactory(organization=a.t1),
        "worker_same_parent": f.SocialWorkerFactory(organization=a.t2),
        "worker_granted": f.SocialWorkerFactory(organization=a.t2),
        "supervisor": f.SupervisorFactory(organization=a.agency),
        "coordinator": f.CoordinatorFactory(organization=a.welfare),
        "integration": f.UserFactory(role=User.Role.INTEGRATION, organization=None),
        "administrator": f.AdministratorFactory(),
        "officer_other": f.OfficerFactory(organization=b.s1),
        "station_head_other": f.SupervisorFactory(organization=b.s1),
        "worker_other": f.SocialWorkerFactory(organization=b.t1),
        "supervisor_other": f.SupervisorFactory(organization=b.agency),
        "coordinator_other": f.CoordinatorFactory(organization=b.welfare),
    }
    return SimpleNamespace(a=a, b=b, users=users, **users)


def file_referral(world, *, by=None, **fields):
    """A referral filed at S1 (by ``officer`` unless ``by`` is the dispatch account), routed to T1,
    shared with ``worker_granted``."""
    by = by or world.officer
    data = {
        "category": "family_conflict",
        "level": 2,
        "incident_at": timezone.now(),
        "incident_place": "No. 1, Matrix Rd.",
        "narrative": "Parents and son argued; all agree to be contacted.",
    } | fields
    referral = services.submit_referral(
        actor=by,
        persons=[({"name": "Lin Mei", "phone": "0911222333", "address": "No. 1, Matrix Rd."}, "subject")],
        station=world.a.s1 if by.is_integration or by.is_administrator else None,
        **data,
    )
    assign_perm("referrals.view_referral", world.worker_granted, referral)
    return referral


@pytest.fixture
def two_districts(db):
    """The two-district world above, for a test module's ``world``: ``world = two_districts``."""
    return build_world()


def step(when, action, actor, referral, *args, **kwargs):
    """The service ``action`` by ``actor`` on ``referral`` with the clock at ``when``; further arguments in
    the order of the service's signature (services take keywords only)."""
    names = [n for n in inspect.signature(action).parameters if n not in ("actor", "referral")]
    with time_machine.travel(when, tick=False):
        return action(actor=actor, referral=referral, **dict(zip(names, args, strict=False)), **kwargs)
