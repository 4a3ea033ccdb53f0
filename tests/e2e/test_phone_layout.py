"""Officers file and follow referrals, and workers run visits, on a phone: 360×640, no sideways scrolling,
tap targets at least 44 px."""

import pytest
from django.utils import timezone

from referrals import services as referral_services
from safety import services as safety_services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SMALL_PHONE = {"width": 360, "height": 640}

# Controls in the page's main area and its header lower than 44 px; links inside running text (a
# paragraph, a table cell, a list of facts) are exempt, as WCAG 2.5.8 exempts inline targets.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea,'
    + ' header a[href], header button')]
  .filter(el => el.offsetParent !== null)
  .filter(el => getComputedStyle(el).display !== 'inline' || el.closest('nav, .actions, form'))
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.height < 44 && !(el.type === 'checkbox' || el.type === 'radio')
                         && !(el.closest('p, li, td, dd, .facts, .timeline') && !el.closest('nav, header')))
  .map(([el, box]) => `${el.tagName.toLowerCase()} "${(el.innerText || el.name || '').trim().slice(0, 30)}"`
                      + ` ${Math.round(box.width)}x${Math.round(box.height)}`)
"""


def _world():
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    colleague = f.SocialWorkerFactory(organization=team)
    referral = referral_services.submit_referral(
        actor=officer,
        persons=[({"name": "陳大文", "address": "台北市中山區林森北路100號之3"}, "subject")],
        category="family_conflict",
        level=2,
        narrative="夫妻爭吵，鄰居報案。" * 20,
        incident_at=timezone.now(),
    )
    referral_services.accept_referral(actor=worker, referral=referral, worker=worker)
    visit = safety_services.plan_visit(
        actor=worker, referral=referral, planned_start=timezone.now(), expected_minutes=60, workers=[worker, colleague]
    )
    return officer, worker, referral, visit


def _assert_fits(page, path):
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    return page.evaluate(SMALL_TARGETS)


def test_officer_pages_fit_a_small_phone(open_page):
    officer, _worker, referral, _visit = _world()
    page = open_page(officer, viewport=SMALL_PHONE)
    paths = ["/", "/referrals/file/", "/referrals/mine/", referral.get_absolute_url()]
    small = {path: _assert_fits(page, path) for path in paths}
    assert not any(small.values()), f"tap targets under 44 px: {small}"


def test_visit_page_fits_a_small_phone(open_page):
    _officer, worker, _referral, visit = _world()
    page = open_page(worker, viewport=SMALL_PHONE)
    small = _assert_fits(page, f"/safety/visits/{visit.pk}/")
    assert small == [], f"tap targets under 44 px: {small}"
