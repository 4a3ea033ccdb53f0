"""Journey 2: a visit to a flagged household cannot start alone; with a second worker it starts and ends."""

import re

import pytest
from django.utils import timezone

from referrals import services as referral_services
from safety.models import HomeVisit, RiskFlag
from tests import factories as f
from tests.e2e.conftest import PHONE
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_flagged_household_needs_two_workers(open_page):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team, language="en")
    colleague = f.SocialWorkerFactory(organization=team)
    referral = referral_services.submit_referral(
        actor=officer,
        persons=[({"name": "Chen Da", "address": "No. 8, Heping Rd."}, "alleged_offender")],
        category="domestic_violence",
        level=2,
        narrative="DV call-out",
        incident_at=timezone.now(),
    )
    RiskFlag.objects.create(household=referral.household, type="weapon", source="police")

    page = open_page(worker, "en", viewport=PHONE)
    plan_url = f"{page.base_url}/safety/visits/plan/{referral.pk}/"
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    page.goto(plan_url)
    page.fill("input[name=planned_start]", when)
    page.click("[data-testid=plan-visit]")
    page.wait_for_url(re.compile(r"/safety/visits/\d+/$"))
    assert page.is_visible("[data-testid=solo-blocked]")
    with page.expect_navigation():  # the refused start answers with the same page: wait for that answer
        page.click("[data-testid=start-visit]")
    assert page.inner_text("[data-testid=visit-status]") == "Planned"
    assert HomeVisit.objects.get().status == "planned"

    page.goto(plan_url)
    page.fill("input[name=planned_start]", when)
    page.check(f"input[name=workers][value='{colleague.pk}']")
    page.click("[data-testid=plan-visit]")
    page.wait_for_url(re.compile(r"/safety/visits/\d+/$"))
    page.click("[data-testid=start-visit]")
    page.wait_for_selector("[data-testid=alarm]")
    assert page.inner_text("[data-testid=visit-status]") == "In progress"
    with page.expect_navigation():
        page.click("[data-testid=check-out]")
    assert page.inner_text("[data-testid=visit-status]") == "Checked out"
    assert HomeVisit.objects.filter(status="checked_out").count() == 1
