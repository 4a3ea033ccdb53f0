"""The visit page without signal: actions pressed offline wait on the phone and reach the server
once, with the time they were pressed, when the connection returns."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccessLog
from safety import services
from safety.models import HomeVisit, VisitActionKey
from tests import factories as f
from tests.e2e.conftest import PHONE
from tests.referrals.factories import ReferralFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_until(check, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.25)
    return check()


@pytest.fixture
def visit_under_way():
    agency = f.AgencyFactory(contact_phone="02-2345-6789")
    team = f.TeamFactory(parent=agency)
    worker = f.SocialWorkerFactory(organization=team, language="en")
    referral = ReferralFactory(team=team)
    visit = services.plan_visit(
        actor=worker,
        referral=referral,
        workers=[worker],
        planned_start=timezone.now(),
        expected_minutes=60,
        address="No. 8, Heping Rd.",
    )
    services.start_visit(actor=worker, visit=visit)
    return worker, HomeVisit.objects.get(pk=visit.pk)


def test_check_in_and_out_offline_reach_the_server_once_with_their_times(open_page, visit_under_way):
    worker, visit = visit_under_way
    page = open_page(worker, "en", viewport=PHONE)
    context = page.context
    page.goto(f"{page.base_url}{visit.get_absolute_url()}")
    # The service worker takes over the page (polled from here: the page's CSP forbids eval).
    assert wait_until(lambda: page.evaluate("() => !!navigator.serviceWorker.controller"), seconds=15)
    page.wait_for_timeout(500)  # the first visit's copy of the page is written to the cache
    assert page.inner_text("[data-testid=last-check-in]") == "Last confirmed check-in: none yet"

    context.set_offline(True)
    reads = AccessLog.objects.filter(object_id=str(visit.pk)).count()
    page.reload()  # the page comes from the phone's copy: the server never hears of it
    assert page.inner_text("[data-testid=visit-status]") == "In progress"
    assert AccessLog.objects.filter(object_id=str(visit.pk)).count() == reads

    before_in = timezone.now()
    page.click("[data-testid=check-in]")
    page.wait_for_selector("text=Offline: 1 action waiting")
    between = timezone.now()
    page.click("[data-testid=check-out]")
    status = page.wait_for_selector("text=Offline: 2 actions waiting")
    after_out = timezone.now()
    assert status.get_attribute("aria-live") == "polite"
    time.sleep(1.5)  # the offline actions are older than the moment the connection returns
    assert HomeVisit.objects.get(pk=visit.pk).status == "started"
    assert not VisitActionKey.objects.exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the phone does when signal returns
    assert wait_until(lambda: VisitActionKey.objects.count() == 2)
    assert wait_until(lambda: HomeVisit.objects.get(pk=visit.pk).status == "checked_out")
    visit.refresh_from_db()
    assert before_in - timedelta(seconds=1) <= visit.last_check_in_at <= between + timedelta(seconds=1)
    assert between - timedelta(seconds=1) <= visit.checked_out_at <= after_out + timedelta(seconds=1)
    assert visit.checked_out_at < timezone.now() - timedelta(seconds=1)
    assert list(VisitActionKey.objects.order_by("at").values_list("action", flat=True)) == ["check-in", "check-out"]

    page.wait_for_selector("[data-testid=visit-status]:has-text('Checked out')")
    assert not page.is_visible("[data-testid=offline-status]")
    # Nothing is sent twice: a reload and another round of retries act no more.
    page.reload()
    page.wait_for_timeout(1000)
    assert VisitActionKey.objects.count() == 2


def test_an_alarm_without_signal_waits_and_offers_the_phone(open_page, visit_under_way):
    worker, visit = visit_under_way
    page = open_page(worker, "en", viewport=PHONE)
    page.goto(f"{page.base_url}{visit.get_absolute_url()}")
    assert not page.is_visible("[data-testid=alarm-fallback]")
    page.context.set_offline(True)
    page.click("[data-testid=alarm]")
    page.wait_for_selector("text=Offline: 1 action waiting")
    fallback = page.wait_for_selector("[data-testid=alarm-fallback]")
    assert fallback.query_selector("a[href='tel:0223456789']") is not None
    assert fallback.query_selector("a[href^='sms:0223456789?body=']") is not None

    page.context.set_offline(False)  # no 'online' event: the alarm is retried on its own
    assert wait_until(lambda: visit.alerts.filter(kind="alarm").count() == 1, seconds=30)
    page.wait_for_selector("text=Alarm raised. Help is being sent.")
    assert visit.alerts.filter(kind="alarm").count() == 1
