"""The hazard event form without signal: a report sent offline waits on the phone and reaches the
server once, with the details entered, when the connection returns."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from safety.models import HazardEvent, HazardEventKey
from tests import factories as f
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_until(check, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.25)
    return check()


def test_a_report_sent_offline_reaches_the_server_once(open_page):
    team = f.TeamFactory(parent=f.AgencyFactory())
    worker = f.SocialWorkerFactory(organization=team, language="en")
    page = open_page(worker, "en", viewport=PHONE)
    page.goto(f"{page.base_url}/safety/events/new/")
    assert wait_until(lambda: page.evaluate("() => !!navigator.serviceWorker.controller"), seconds=15)
    page.wait_for_timeout(500)  # the first visit's copy of the form is written to the cache
    assert not page.is_visible("[data-testid=offline-note]")

    page.context.set_offline(True)
    page.reload()  # the form comes from the phone's copy
    page.wait_for_selector("[data-testid=offline-note]", state="visible")
    occurred = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.check("input[name=types][value=intimidation]")
    page.fill("input[name=occurred_at]", occurred)
    page.fill("input[name=place]", "Stairwell, No. 8, Heping Rd.")
    page.fill("textarea[name=narrative]", "Shouted at on the stairs.")
    page.click("[data-testid=submit-event]")
    status = page.wait_for_selector("text=Offline: 1 report waiting")
    assert status.get_attribute("aria-live") == "polite"
    assert page.input_value("input[name=place]") == ""
    time.sleep(1)
    assert not HazardEvent.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the phone does when signal returns
    assert wait_until(lambda: HazardEvent.objects.count() == 1)
    event = HazardEvent.objects.get()
    assert (event.worker, event.reported_by, event.team) == (worker, worker, team)
    assert event.types == ["intimidation"]
    assert event.place == "Stairwell, No. 8, Heping Rd."
    assert event.narrative == "Shouted at on the stairs."
    assert timezone.localtime(event.occurred_at).strftime("%Y-%m-%dT%H:%M") == occurred
    page.wait_for_selector(f"text=Sent: hazard event {event.reference} reported.")
    # Nothing is sent twice: a reload and another round of retries report no more.
    page.reload()
    page.wait_for_timeout(1000)
    assert HazardEvent.objects.count() == 1
    assert HazardEventKey.objects.count() == 1


def test_a_report_the_server_refuses_is_shown_and_not_sent_again(open_page):
    worker = f.SocialWorkerFactory(organization=f.TeamFactory(parent=f.AgencyFactory()), language="en")
    page = open_page(worker, "en", viewport=PHONE)
    page.goto(f"{page.base_url}/safety/events/new/")
    page.context.set_offline(True)
    page.fill("input[name=place]", "Park")  # no type, no time, no narrative
    page.click("[data-testid=submit-event]")
    page.wait_for_selector("text=Offline: 1 report waiting")

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = page.wait_for_selector("[data-testid=refused-reports]", state="visible")
    assert "Not accepted" in refused.inner_text()
    assert not page.is_visible("text=Offline: 1 report waiting")
    page.click("text=Put back into the form")
    assert page.input_value("input[name=place]") == "Park"
    assert not HazardEvent.objects.exists()
