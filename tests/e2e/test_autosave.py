"""No lost work: what an officer types into the filing form comes back after a sign-out; the session warns first."""

import json
import re
import time

import pytest

from accounts.drafts import Draft, load_draft, save_draft
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAVE_WAIT_MS = 10_000  # the form saves about 2 seconds after the last keystroke


def wait_for_draft(user, key, field, value, timeout=SAVE_WAIT_MS / 1000):
    """Poll the server until the user's draft holds ``value`` in ``field``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        draft = load_draft(user, key)
        if draft is not None and draft.values.get(field) == value:
            return draft
        time.sleep(0.2)
    pytest.fail(f"the draft never held {field}={value!r}")


def sign_in(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*login).*$"))


def test_typed_filing_comes_back_after_signing_out_and_in_again(open_page):
    officer = f.OfficerFactory(organization=f.StationFactory())
    page = open_page(officer, "en")
    page.goto(f"{page.base_url}/referrals/file/")
    page.select_option("select[name=category]", "family_conflict")
    page.check("input[name=level][value='2']")
    page.fill("textarea[name=narrative]", "Neighbours heard shouting; the child was crying.")
    page.fill("input[name=persons-0-name]", "Lin Meiling")
    page.fill("input[name=persons-0-phone]", "0955123456")
    page.wait_for_selector("[data-testid=draft-status]:has-text('Draft saved at')", timeout=SAVE_WAIT_MS)
    draft = wait_for_draft(officer, "referral-file", "persons-0-phone", "0955123456")
    assert draft.values["persons-0-name"] == "Lin Meiling" and draft.values["level"] == "2"

    # Signed out (as a timeout would), then back: the form comes back as typed, and says so.
    page.click(".user-menu summary")
    page.click(".user-menu form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in(page, officer)
    page.goto(f"{page.base_url}/referrals/file/")
    notice = page.wait_for_selector("[data-testid=draft-notice]")
    assert re.search(r"Draft restored from \d\d:\d\d", notice.inner_text())
    assert notice.get_attribute("role") == "status"
    assert page.input_value("textarea[name=narrative]") == "Neighbours heard shouting; the child was crying."
    assert page.input_value("input[name=persons-0-name]") == "Lin Meiling"
    assert page.input_value("input[name=persons-0-phone]") == "0955123456"
    assert page.input_value("select[name=category]") == "family_conflict"
    assert page.is_checked("input[name=level][value='2']")

    # Discarding empties the form and forgets the draft on the server.
    page.click("[data-testid=draft-notice] button:has-text('Discard draft')")
    page.wait_for_selector("[data-testid=draft-notice]", state="detached")
    assert page.input_value("textarea[name=narrative]") == ""
    assert page.input_value("input[name=persons-0-name]") == ""
    assert "Draft discarded." in page.inner_text("[data-testid=draft-status]")
    assert not Draft.objects.filter(user=officer).exists()


def test_a_draft_with_more_persons_than_the_page_shows_adds_rows_and_filing_discards_it(open_page):
    from tests.referrals.factories import StationTeamMatchFactory

    station = f.StationFactory()
    StationTeamMatchFactory(station=station, team=f.TeamFactory(district=station.district))
    officer = f.OfficerFactory(organization=station)
    save_draft(
        officer,
        "referral-file",
        {
            "category": "family_conflict",
            "level": "2",
            "narrative": "Two people involved.",
            "persons-0-name": "Lin Meiling",
            "persons-1-name": "Chen Tao",
            "persons-1-role": "victim",
            "known_risks": ["weapons"],
        },
    )
    page = open_page(officer, "en")
    page.goto(f"{page.base_url}/referrals/file/")
    page.wait_for_selector("[data-testid=draft-notice]")
    assert page.locator("[data-testid=person-1]").count() == 1
    assert page.input_value("input[name=persons-1-name]") == "Chen Tao"
    assert page.input_value("select[name=persons-1-role]") == "victim"
    assert page.input_value("input[name=persons-TOTAL_FORMS]") == "2"
    assert page.is_checked("input[name=known_risks][value=weapons]")
    assert page.input_value("input[name=persons-0-name]") == "Lin Meiling"

    page.click("[data-testid=submit-referral]")
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    from referrals.models import Referral

    referral = Referral.objects.get()
    assert sorted(link.person.name for link in referral.person_links.all()) == ["Chen Tao", "Lin Meiling"]
    page.goto(f"{page.base_url}/referrals/file/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=draft-notice]").count() == 0
    assert not Draft.objects.filter(user=officer).exists()


def test_the_session_warns_a_minute_before_it_ends_and_keeps_what_was_typed(open_page, settings):
    settings.SESSION_IDLE_TIMEOUT = 65  # the warning comes about 5 seconds after the last request
    officer = f.OfficerFactory(organization=f.StationFactory(), language="zh-hant")
    page = open_page(officer, "zh-hant")
    page.goto(f"{page.base_url}/referrals/file/")
    page.fill("textarea[name=narrative]", "Typed just before stepping away.")

    dialog = page.wait_for_selector("[data-testid=session-warning]", state="visible", timeout=20_000)
    assert dialog.get_attribute("role") == "alertdialog"
    assert "您的登入將在 1 分鐘後結束。要保持登入嗎？" in dialog.inner_text()
    assert page.is_visible("[data-session-keep]") and not page.is_visible("[data-session-signin]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=draft-status]')?.textContent.includes('草稿已於')"
    )
    wait_for_draft(officer, "referral-file", "narrative", "Typed just before stepping away.")

    # Staying signed in closes the warning and the session goes on.
    page.click("[data-session-keep]")
    page.wait_for_selector("[data-testid=session-warning]", state="hidden")
    status = page.request.get(f"{page.base_url}/accounts/session/", headers={"X-Session-Passive": "1"})
    assert json.loads(status.text())["remaining"] > 60

    # Signed out meanwhile (cookies gone): the next warning says the session has ended and offers to sign in.
    page.context.clear_cookies()
    page.wait_for_selector("[data-session-ended]", state="visible", timeout=20_000)
    assert page.is_visible("[data-session-signin]") and not page.is_visible("[data-session-keep]")
    assert not page.is_visible("[data-session-text]")
