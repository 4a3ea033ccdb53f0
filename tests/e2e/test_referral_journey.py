"""Journey 1: an officer files on a phone; a social worker works the case; the officer sees the outcome."""

import re

import pytest

from accounts.models import User
from referrals.models import Referral
from tests import factories as f
from tests.e2e.conftest import PHONE
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_officer_files_worker_closes_officer_sees_outcome(open_page, language):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station, language=language)
    worker = f.SocialWorkerFactory(organization=team, language=language)

    # The officer files from a phone.
    phone = open_page(officer, language, viewport=PHONE)
    phone.goto(f"{phone.base_url}/referrals/file/")
    phone.select_option("select[name=category]", "family_conflict")
    phone.check("input[name=level][value='2']")
    phone.fill("textarea[name=narrative]", "Neighbours heard a couple fighting; both agree to be contacted.")
    phone.fill("input[name=persons-0-name]", "Lin Meiling")
    phone.fill("input[name=persons-0-phone]", "0955123456")
    phone.click("[data-testid=submit-referral]")
    phone.wait_for_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert referral.reference in phone.inner_text("h1")

    # The social worker acknowledges in the queue (in place), then accepts, records contact and closes.
    desk = open_page(worker, language)
    desk.goto(f"{desk.base_url}/referrals/queue/")
    desk.click(f"[data-testid=ack-{referral.pk}]")
    desk.wait_for_selector(f"#row-{referral.pk} .status-acknowledged")
    assert desk.url.endswith("/referrals/queue/")  # still in the list
    desk.goto(f"{desk.base_url}/referrals/{referral.pk}/")
    desk.click("#action-accept summary")
    desk.click("[data-testid=do-accept]")
    desk.wait_for_selector(".status-accepted")
    desk.fill(
        "#action-note textarea[name=text]" if desk.locator("#action-note").count() else "textarea[name=text]",
        "INTERNAL: father has a history of threats",
    )
    with desk.expect_navigation():
        desk.click("form[action$='/note/'] button[type=submit]")
    desk.click("#action-first_contact summary")
    desk.click("[data-testid=do-first_contact]")
    desk.wait_for_selector(".status-in_progress")
    desk.click("#action-close summary")
    desk.check("#action-close input[name=outcome][value=got_help]")
    desk.fill("#action-close textarea[name=summary]", "Family agreed a service plan with weekly visits.")
    desk.click("[data-testid=do-close]")
    desk.wait_for_selector(".status-closed")

    # Back on the phone: every step and the shared outcome, never the internal note.
    phone.reload()
    outcome = phone.inner_text("[data-testid=outcome]")
    assert "Family agreed a service plan" in outcome
    timeline = phone.inner_text("[data-testid=timeline]")
    assert timeline.count("\n") >= 3
    assert "INTERNAL" not in phone.content()
    api = phone.request.get(f"{phone.base_url}/api/referrals/{referral.pk}/").text()
    assert "Family agreed a service plan" in api and "INTERNAL" not in api
    phone.goto(f"{phone.base_url}/referrals/mine/")
    assert referral.reference in phone.inner_text("[data-testid=my-referrals]")
    assert User.objects.get(pk=officer.pk).language == language
