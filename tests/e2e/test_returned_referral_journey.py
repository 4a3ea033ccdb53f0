"""Journey: a referral returned for more information comes back, is accepted and judged appropriate,
and the station head sees the station's rate change."""

import re

import pytest

from referrals.models import Referral
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_returned_resubmitted_accepted_and_the_station_rate_changes(open_page):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station, language="en")
    head = f.SupervisorFactory(organization=station, language="en")
    worker = f.SocialWorkerFactory(organization=team, language="en")

    police = open_page(officer, "en")
    police.goto(f"{police.base_url}/referrals/file/")
    police.select_option("select[name=category]", "juvenile")
    police.check("input[name=level][value='2']")
    police.fill("textarea[name=narrative]", "Boy found alone at the arcade at 2 am.")
    police.fill("input[name=persons-0-name]", "Huang Wei")
    police.click("[data-testid=submit-referral]")
    police.wait_for_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()

    desk = open_page(worker, "en")
    desk.goto(f"{desk.base_url}/referrals/{referral.pk}/")
    desk.click("#action-return summary")
    desk.fill("#action-return textarea[name=needed]", "Which school does he attend, and a parent's phone?")
    desk.click("[data-testid=do-return]")
    desk.wait_for_selector(".status-returned")

    police.reload()
    assert "Which school does he attend" in police.inner_text("[data-testid=returned-for]")
    police.click("#action-resubmit summary")
    police.fill("#action-resubmit textarea[name=added]", "Zhongshan Junior High; mother 0912-000-111.")
    police.click("[data-testid=do-resubmit]")
    police.wait_for_selector(".status-submitted")

    desk.reload()
    assert "Zhongshan Junior High" in desk.inner_text(".narrative")
    desk.click("#action-accept summary")
    desk.check("#action-accept input[name=appropriate][value=yes]")
    desk.click("[data-testid=do-accept]")
    desk.wait_for_selector(".status-accepted")

    board = open_page(head, "en")
    board.goto(f"{board.base_url}/")
    rate = board.inner_text("[data-testid=referral-quality]")
    assert "100" in rate and "(1 of 1)" in rate
