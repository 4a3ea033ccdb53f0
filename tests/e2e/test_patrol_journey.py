"""Journey 3: a patrol visit finds a vulnerable family; one action raises the referral; the visit shows it."""

import re

import pytest
from django.utils import timezone

from patrols import services
from patrols.models import Beat, PatrolVisit, PersonOfConcern
from referrals.models import Referral
from tests import factories as f
from tests.e2e.conftest import PHONE
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visit_raises_a_referral_and_shows_its_status(open_page):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station, language="en")
    beat = Beat.objects.create(station=station, code="B-7", officer=officer)
    poc = PersonOfConcern.objects.create(
        station=station,
        beat=beat,
        name="Liu Da",
        address="No. 20, Chang'an W. Rd.",
        risk_level="high",
        next_due_on=timezone.localdate(),
    )
    services.add_child(actor=officer, person=poc, name="Liu Mei", estimated_age=7)

    page = open_page(officer, "en", viewport=PHONE)
    page.goto(f"{page.base_url}/patrols/persons/{poc.pk}/")
    page.check("input[name=outcome][value=met]")
    page.fill("input[name=children_present]", "1")
    page.check("input[name=vulnerable_family]")
    page.click("[data-testid=log-visit]")
    page.wait_for_url(re.compile(r"/patrols/visits/\d+/$"))
    visit = PatrolVisit.objects.get()

    page.click("[data-testid=raise-referral]")
    page.wait_for_url(re.compile(r"/referrals/file/"))
    assert page.input_value("input[name=persons-1-name]") == "Liu Mei"
    page.check("input[name=level][value='2']")
    page.fill("textarea[name=narrative]", "Child alone most evenings; father agrees to support.")
    page.click("[data-testid=submit-referral]")
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert (referral.origin_reference, referral.household_id) == (visit.reference, poc.household_id)

    page.goto(f"{page.base_url}/patrols/visits/{visit.pk}/")
    status = page.inner_text("[data-testid=referral-status]")
    assert referral.reference in status and "Submitted" in status
