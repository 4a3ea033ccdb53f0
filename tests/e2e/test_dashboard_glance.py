"""The supervisor's dashboard at a glance: the tiles fill the first screen, each referral tile opens
the list behind it with the same count, and printing gives at most two A4 pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import Referral
from safety import services as safety_services
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def office(db):
    """A team with a modest month: 12 referrals, some answered, three past their deadline, one hazard event."""
    station = f.StationFactory(name="Zhongshan Station")
    agency = f.AgencyFactory(district=station.district, name="Family Care Association")
    team = f.TeamFactory(district=station.district, parent=agency, name="North Family Team 1")
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    for n in range(12):
        r = services.submit_referral(
            actor=officer,
            persons=[({"name": f"P{n}"}, "subject")],
            level=1 + n % 3,
            category=["family_conflict", "elderly", "juvenile"][n % 3],
            narrative="x",
            incident_at=timezone.now(),
        )
        if n % 3 == 1:
            services.accept_referral(actor=worker, referral=r)
        elif n in (0, 3, 6):
            Referral.objects.filter(pk=r.pk).update(ack_due_at=timezone.now() - timedelta(hours=2))
    safety_services.report_hazard_event(
        actor=worker, types=["intimidation"], occurred_at=timezone.now(), place="x", narrative="n"
    )
    return f.SupervisorFactory(organization=agency, language="en")


def tile_value(page, testid):
    return int(page.inner_text(f"[data-testid={testid}]").replace(",", ""))


def test_the_first_screen_holds_the_tiles_and_a_tile_opens_its_list(open_page, office):
    page = open_page(office, "en", viewport=LAPTOP)
    page.goto(f"{page.base_url}/dashboards/")
    tiles = page.locator("[data-testid=tiles] li.tile")
    assert tiles.count() >= 7  # referrals, caseload and worker safety for a social-work supervisor
    for n in range(tiles.count()):
        box = tiles.nth(n).bounding_box()
        assert box["y"] + box["height"] <= LAPTOP["height"], f"tile {n} is below the fold"
    # Each tile says how it stands against its target in words, not only in colour.
    assert "near target" in page.inner_text("[data-testid=tile-overdue_now]")  # 3 overdue: amber up to 5
    assert page.get_attribute("[data-testid=drill-overdue_now]", "href").startswith("/referrals/search/?")

    overdue = tile_value(page, "kpi-overdue")
    assert overdue == 3
    page.click("[data-testid=drill-overdue_now]")
    page.wait_for_selector("[data-testid=result-count]")
    assert int(page.get_attribute("[data-testid=result-count]", "data-count")) == overdue
    assert page.locator("[data-testid=results] tbody tr").count() == overdue
    assert "3 referrals" in page.inner_text("[data-testid=result-count]")

    page.go_back()
    total = tile_value(page, "kpi-total")
    page.click("[data-testid=drill-total]")
    page.wait_for_selector("[data-testid=result-count]")
    assert int(page.get_attribute("[data-testid=result-count]", "data-count")) == total == 12


def test_printing_unfolds_the_tables_on_two_a4_pages(open_page, office):
    page = open_page(office, "en", viewport=LAPTOP)
    page.goto(f"{page.base_url}/dashboards/")
    page.wait_for_load_state("networkidle")
    assert not page.is_visible("[data-testid=table-teams]")  # folded on screen
    page.emulate_media(media="print")
    assert page.is_visible("[data-testid=table-teams]") and page.is_visible("[data-testid=table-hazards]")
    assert not page.is_visible("form.dash-filters")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard-print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert 1 <= pages <= 2
