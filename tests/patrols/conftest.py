from types import SimpleNamespace

import pytest

from patrols.models import Beat, PersonOfConcern
from tests import factories as f


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every test here reads English (the ``english`` fixture, tests/conftest.py)."""


@pytest.fixture
def world(db):
    precinct = f.PrecinctFactory()
    station = f.StationFactory(district=precinct.district, parent=precinct)
    other_station = f.StationFactory(district=precinct.district, parent=precinct)
    officer = f.OfficerFactory(organization=station)
    beat = Beat.objects.create(station=station, code="B-01", officer=officer)
    poc = PersonOfConcern.objects.create(
        station=station, beat=beat, name="Liu Da", address="No. 20, Chang'an W. Rd.", risk_level="high"
    )
    return SimpleNamespace(
        precinct=precinct,
        station=station,
        other_station=other_station,
        officer=officer,
        beat=beat,
        poc=poc,
        head=f.SupervisorFactory(organization=station),
        precinct_officer=f.SupervisorFactory(organization=precinct),
        other_officer=f.OfficerFactory(organization=other_station),
    )
