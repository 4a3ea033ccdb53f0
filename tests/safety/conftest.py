from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from referrals import services as referral_services
from safety.models import RiskFlag
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory


@pytest.fixture(autouse=True)
def _in_english(english, settings, tmp_path):
    """Every test here reads English (the ``english`` fixture, tests/conftest.py); uploads go to a temporary
    folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db):
    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    referral = referral_services.submit_referral(
        actor=officer,
        persons=[({"name": "Chen Da", "address": "No. 8, Alley 2, Heping Rd."}, "alleged_offender")],
        category="domestic_violence",
        level=2,
        narrative="DV call-out",
        incident_at=timezone.now(),
        incident_place="No. 8, Alley 2, Heping Rd.",
    )
    return SimpleNamespace(
        station=station,
        agency=agency,
        team=team,
        officer=officer,
        worker=worker,
        worker2=f.SocialWorkerFactory(organization=team),
        supervisor=f.SupervisorFactory(organization=agency),
        station_head=f.SupervisorFactory(organization=station),
        referral=referral,
    )


def flag_household(world):
    return RiskFlag.objects.create(household=world.referral.household, type="violence", source="police")


def soon(minutes=0):
    return timezone.now() + timedelta(minutes=minutes)
