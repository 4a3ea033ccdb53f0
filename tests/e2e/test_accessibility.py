"""axe-core (shipped inside axe-playwright-python, no download) on the main pages: no critical or serious issue."""

import pytest
from django.utils import timezone

from referrals import services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
BLOCKING = {"critical", "serious"}


AXE_TIMEOUT_MS = 60_000


def violations(page):
    from axe_playwright_python.sync_playwright import Axe

    # Axe().run(page), with a limit: page.evaluate itself would wait for axe without one.
    page.evaluate(Axe().axe_script)
    results = page.evaluate(
        """(limit) => Promise.race([
            axe.run(document, {resultTypes: ["violations"]}),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`axe did not finish in ${limit} ms`)), limit)),
        ])""",
        AXE_TIMEOUT_MS,
    )["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def cast(db):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    referral = services.submit_referral(
        actor=officer,
        persons=[({"name": "Chen Yi", "phone": "0912345678"}, "subject")],
        category="elderly",
        level=3,
        narrative="Elderly man found wandering.",
        incident_at=timezone.now(),
    )
    services.accept_referral(actor=worker, referral=referral)
    from safety import services as safety_services

    visit = safety_services.plan_visit(
        actor=worker,
        referral=referral,
        workers=[worker],
        planned_start=timezone.now(),
        expected_minutes=30,
        address="No. 1, Test Rd.",
    )
    return {
        "visit": visit,
        "officer": officer,
        "worker": worker,
        "supervisor": f.SupervisorFactory(organization=team.parent),
        "coordinator": f.CoordinatorFactory(organization__district=station.district),
        "administrator": f.AdministratorFactory(),
        "referral": referral,
    }


PAGES = [
    (None, "/accounts/login/"),
    ("officer", "/"),
    ("officer", "/referrals/file/"),
    ("officer", "/referrals/mine/"),
    ("officer", "/referrals/{referral}/"),
    ("worker", "/"),
    ("worker", "/referrals/queue/"),
    ("worker", "/referrals/{referral}/"),
    ("worker", "/referrals/caseload/"),
    ("coordinator", "/referrals/intake/"),
    ("worker", "/safety/visits/{visit}/"),
    ("supervisor", "/"),
    ("supervisor", "/dashboards/"),
    ("supervisor", "/referrals/search/?condition=open"),
    ("supervisor", "/referrals/escalations/"),
    ("administrator", "/"),
]


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_main_pages_have_no_serious_accessibility_issues(open_page, cast, language):
    problems = {}
    pages = {}
    for role, path in PAGES:
        user = cast[role] if role else None
        key = role or "anonymous"
        if key not in pages:
            pages[key] = open_page(user, language, bypass_csp=True)
        page = pages[key]
        url = page.base_url + path.format(referral=cast["referral"].pk, visit=cast["visit"].pk)
        page.goto(url)
        found = violations(page)
        if found:
            problems[f"{key} {path}"] = found
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_check_catches_a_real_problem(open_page):
    """Guards the guard: a form field without a label must be reported."""
    page = open_page(None, "en", bypass_csp=True)
    page.goto(page.base_url + "/accounts/login/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text id=nolabel>')")
    assert any(v.startswith("label") for v in violations(page))
