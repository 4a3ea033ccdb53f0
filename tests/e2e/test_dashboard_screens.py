"""Screenshots of the supervisor dashboard in both languages, saved under test-artifacts/e2e/.

The README's screenshots come from scripts/screenshots (the demo city)."""

import pytest
from django.utils import timezone

from referrals import services
from safety import services as safety_services
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_dashboard_screenshot(open_page, language):
    station = f.StationFactory(name="中山派出所 Zhongshan Station")
    agency = f.AgencyFactory(district=station.district, name="家庭關懷協會 Family Care Association")
    team = f.TeamFactory(district=station.district, parent=agency, name="北區家庭社工一組 North Family Team 1")
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    for n in range(9):
        r = services.submit_referral(
            actor=officer,
            persons=[({"name": f"P{n}"}, "subject")],
            level=1 + n % 3,
            category=["family_conflict", "elderly", "juvenile"][n % 3],
            narrative="x",
            incident_at=timezone.now(),
        )
        if n % 2:
            services.accept_referral(actor=worker, referral=r)
    safety_services.report_hazard_event(
        actor=worker, types=["intimidation"], occurred_at=timezone.now(), place="x", narrative="n"
    )
    supervisor = f.SupervisorFactory(organization=agency, language=language)
    page = open_page(supervisor, language)
    page.goto(f"{page.base_url}/dashboards/")
    page.wait_for_selector("[data-testid=kpi-total]")
    assert page.inner_text("[data-testid=kpi-total]") == "9"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"dashboard-{language}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000
