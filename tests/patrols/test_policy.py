"""patrols/policy.py is the one table of who may act on patrol records; pages and the API offer what it allows."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patrols import services
from patrols.models import MissingPersonReport, MonthlyReport, ReportAmendment
from tests.patrols.test_authorisation import patrol_records
from tests.world import build_world

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "patrols" / "templates"


@pytest.fixture
def world(db):
    world = build_world()
    world.ours = patrol_records(world.a.s1, world.officer, world.station_head, "A")
    return world


def test_every_action_on_a_record_is_offered_somewhere():
    from patrols import policy

    offered = {a for actions in policy.ACTIONS_ON.values() for a in actions}
    assert offered == {a for a, r in policy.RULES.items() if r.on_record}


def test_the_dispatch_account_has_no_patrol_action(world):
    from patrols import policy

    assert all("integration" not in r.who for r in policy.RULES.values())
    for record in (world.ours.poc, world.ours.beat, world.ours.change, world.ours.location, world.ours.report):
        assert policy.allowed_actions(world.integration, record) == set()
    with pytest.raises(PermissionDenied):
        services.take_missing_person_report(
            actor=world.integration,
            station=world.a.s1,
            name="Lin",
            sex="female",
            age=9,
            last_seen_at=timezone.now(),
            last_seen_place="Park",
            description="Red coat",
        )
    assert not MissingPersonReport.objects.exists()


def test_a_missing_person_report_is_taken_at_the_officers_own_station(world):
    """Any station takes the report whatever the jurisdiction, but an officer cannot file it as another station."""
    data = dict(name="Lin", sex="male", age=40, last_seen_at=timezone.now(), last_seen_place="Park", description="x")
    with pytest.raises(PermissionDenied):
        services.take_missing_person_report(actor=world.officer_other, station=world.a.s1, **data)
    assert not MissingPersonReport.objects.exists()
    assert (
        services.take_missing_person_report(actor=world.officer_other, station=world.b.s1, **data).station == world.b.s1
    )


def test_an_officer_reads_the_monthly_report_but_only_the_station_head_submits_or_amends_it(world, client):
    report = world.ours.report
    client.force_login(world.officer)
    page = client.get(reverse("patrols:report", args=[report.pk]))
    assert page.status_code == 200 and reverse("patrols:report_submit", args=[report.pk]) not in page.content.decode()

    assert client.post(reverse("patrols:report_submit", args=[report.pk])).status_code == 403
    assert MonthlyReport.objects.get(pk=report.pk).status == "draft"

    services.submit_report(actor=world.station_head, report=report)
    page = client.get(reverse("patrols:report", args=[report.pk]))
    assert page.context["amend_form"] is None
    with pytest.raises(PermissionDenied):
        services.amend_report(actor=world.officer, report=report, figures={"visits_done": 7}, reason="Paper visits")
    assert not ReportAmendment.objects.exists()


def test_only_the_station_head_is_offered_the_decision_on_a_reduction(world, client):
    decide = reverse("patrols:beat_hours_decide", args=[world.ours.change.pk])
    client.force_login(world.officer)
    assert decide not in client.get(reverse("patrols:beat")).content.decode()
    assert client.post(decide, {"approve": "1"}).status_code == 403
    assert world.ours.beat.__class__.objects.get(pk=world.ours.beat.pk).weekly_visit_hours == Decimal("4.0")
    client.force_login(world.station_head)
    assert decide in client.get(reverse("patrols:beat")).content.decode()


def test_the_api_offers_the_actions_the_policy_allows(world):
    client = APIClient()
    client.force_authenticate(world.officer)
    person = client.get(f"/api/persons-of-concern/{world.ours.poc.pk}/").json()
    assert person["allowed_actions"] == ["add_child", "record_visit"]
    location = client.get(f"/api/key-locations/{world.ours.location.pk}/").json()
    assert location["allowed_actions"] == ["inspect_location"]


def test_an_administrator_without_a_station_is_refused_station_work_not_shown_an_error(world, client):
    client.force_login(world.administrator)
    response = client.post(reverse("patrols:activities"), {"kind": "meeting", "held_on": "2026-01-05"})
    assert response.status_code == 403


def test_patrol_templates_never_decide_from_status_strings():
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"\{%[^%]*\b(status|is_supervisor|is_officer|role)\b[^%]*%\}", path.read_text())
    ]
    assert not offenders


# --- hole 19: no writes on GET -------------------------------------------------------------------------
def test_reading_the_monthly_reports_page_creates_nothing_the_station_head_opens_the_report(world, client):
    before = MonthlyReport.objects.count()
    for user in (world.officer, world.station_head):
        client.force_login(user)
        assert client.get(reverse("patrols:reports")).status_code == 200
    assert MonthlyReport.objects.count() == before

    client.force_login(world.officer)
    assert reverse("patrols:report_open") not in client.get(reverse("patrols:reports")).content.decode()
    assert client.post(reverse("patrols:report_open")).status_code == 403
    assert MonthlyReport.objects.count() == before

    client.force_login(world.station_head)
    assert reverse("patrols:report_open") in client.get(reverse("patrols:reports")).content.decode()
    response = client.post(reverse("patrols:report_open"))
    opened = MonthlyReport.objects.get(station=world.a.s1, month=services.last_month())
    assert response.status_code == 302 and response.url == opened.get_absolute_url()
    assert client.post(reverse("patrols:report_open")).url == opened.get_absolute_url()  # once only
    assert MonthlyReport.objects.count() == before + 1
