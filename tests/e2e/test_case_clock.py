"""The case page's countdown moves on without a reload, and the card's button opens the likely next form."""

import re

import pytest

from referrals import services
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def minutes_in(text):
    return int(re.search(r"(\d+) min", text).group(1))


def test_the_countdown_refreshes_and_turns_overdue(open_page):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    referral = services.submit_referral(actor=officer, persons=[SUBJECT], **referral_data(level=1))

    page = open_page(worker, "en")
    page.clock.install()
    page.goto(f"{page.base_url}{referral.get_absolute_url()}")
    countdown = page.locator("[data-testid=countdown]")
    first = countdown.inner_text()
    assert re.fullmatch(r"\d+ min left", first), first
    page.clock.fast_forward("40:00")
    later = countdown.inner_text()
    assert later.endswith("min left") and minutes_in(first) - minutes_in(later) in (39, 40, 41), (first, later)
    page.clock.fast_forward("30:00")
    assert countdown.inner_text().startswith("overdue by")
    assert "overdue" in (countdown.get_attribute("class") or "")

    # The card's button opens the folded form of the likely next step.
    services.acknowledge_referral(actor=worker, referral=referral)
    page.goto(f"{page.base_url}{referral.get_absolute_url()}")
    assert page.locator("#action-accept").get_attribute("open") is None
    page.click("[data-testid=primary-action]")
    assert page.locator("#action-accept").get_attribute("open") is not None
    assert "First contact by" in page.inner_text("[data-testid=next-step]")
