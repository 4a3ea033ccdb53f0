from types import SimpleNamespace

import pytest

from accounts.models import District
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory


@pytest.fixture
def world(db):
    """A direct-routing district: one station matched to one team, with its people."""
    district = f.DistrictFactory(routing_mode=District.RoutingMode.DIRECT)
    station = f.StationFactory(district=district)
    agency = f.AgencyFactory(district=district)
    team = f.TeamFactory(district=district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    return SimpleNamespace(
        district=district,
        station=station,
        agency=agency,
        team=team,
        officer=f.OfficerFactory(organization=station),
        worker=f.SocialWorkerFactory(organization=team),
        worker2=f.SocialWorkerFactory(organization=team),
        supervisor=f.SupervisorFactory(organization=agency),
    )


def referral_data(**overrides):
    from datetime import timedelta

    from django.utils import timezone

    data = {
        "category": "family_conflict",
        "level": 2,
        "incident_at": timezone.now() - timedelta(hours=1),
        "incident_place": "No. 1, Minquan E. Rd.",
        "narrative": "Couple argued loudly; both agree to be contacted.",
    }
    data.update(overrides)
    return data


SUBJECT = ({"name": "Wang Xiaoming", "phone": "0933-111-222", "address": "No. 1, Minquan E. Rd."}, "subject")


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every test here reads English (the ``english`` fixture, tests/conftest.py)."""
