import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from patrols import services as patrol_services
from patrols.models import KeyLocation, PersonOfConcern
from referrals import services
from referrals.models import Referral
from safety import services as safety_services
from tests import factories as f
from tests.referrals.factories import ReferralFactory, StationTeamMatchFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:dashboard")


@pytest.fixture
def seeded(db):
    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    worker = f.SocialWorkerFactory(organization=team)
    made = []
    for n in range(6):
        r = services.submit_referral(
            actor=officer,
            persons=[({"name": f"P{n}", "phone": f"09110000{n}"}, "subject")],
            category="elderly" if n % 2 else "dispute",
            level=1 + n % 3,
            narrative="x",
            incident_at=timezone.now(),
        )
        made.append(r)
    services.acknowledge_referral(actor=worker, referral=made[0])
    services.accept_referral(actor=worker, referral=made[1])
    services.decline_referral(actor=f.SupervisorFactory(organization=agency), referral=made[2], reason="outside_area")
    Referral.objects.filter(pk=made[3].pk).update(ack_due_at=timezone.now() - timedelta(hours=1))
    safety_services.report_hazard_event(
        actor=worker, types=["physical_attack"], occurred_at=timezone.now(), place="x", injury="death", narrative="n"
    )
    poc = PersonOfConcern.objects.create(
        station=station, name="X", address="y", next_due_on=timezone.localdate() - timedelta(days=2)
    )
    patrol_services.record_visit(actor=officer, person=poc, outcome="met")
    PersonOfConcern.objects.create(
        station=station, name="Z", address="y", next_due_on=timezone.localdate() - timedelta(days=2)
    )
    KeyLocation.objects.create(station=station, type="vacant_house", name="h", address="a", status="suspected")
    return {
        "station": station,
        "team": team,
        "officer": officer,
        "worker": worker,
        "supervisor": f.SupervisorFactory(organization=agency),
        "station_head": f.SupervisorFactory(organization=station),
    }


def test_referral_figures_equal_independent_counts(seeded, client):
    client.force_login(seeded["supervisor"])
    ctx = client.get(URL).context
    r = ctx["referrals"]
    rows = Referral.objects.filter(team=seeded["team"])
    assert r["totals"]["total"] == rows.count() == 6
    assert r["totals"]["open_submitted"] == rows.filter(status="submitted").count()
    assert r["totals"]["open_accepted"] == rows.filter(status="accepted").count()
    assert r["totals"]["decline_outside_area"] == rows.filter(decline_reason="outside_area").count() == 1
    assert len(r["overdue"]) == rows.filter(status="submitted", ack_due_at__lt=timezone.now()).count()
    assert sum(w["total"] for w in r["weekly"]) == 6
    assert sum(w["level_1"] for w in r["weekly"]) == rows.filter(level=1).count()
    # Only made[3]'s acknowledgement deadline has passed, and nobody answered it: late.
    past_due = rows.filter(ack_due_at__lt=timezone.now())
    assert r["acknowledgement"]["due"] == past_due.count() == 1
    assert r["acknowledgement"]["unacknowledged"] == past_due.filter(status="submitted").count() == 1
    assert r["on_time_pct"] == 0.0


def test_caseload_and_safety_figures_equal_independent_counts(seeded, client):
    client.force_login(seeded["supervisor"])
    ctx = client.get(URL).context
    workers = {w.pk: w.open_cases for w in ctx["caseload"]["workers"]}
    assert (
        workers[seeded["worker"].pk]
        == Referral.objects.filter(assigned_worker=seeded["worker"], status__in=["accepted", "in_progress"]).count()
    )
    assert (
        ctx["caseload"]["unassigned"]
        == Referral.objects.filter(status__in=["submitted", "acknowledged"], assigned_worker=None).count()
    )
    assert ctx["safety"]["major"] == 1
    assert sum(m["physical_attack"] for m in ctx["safety"]["by_month"]) == 1


def test_patrol_figures_equal_independent_counts(seeded, client):
    client.force_login(seeded["station_head"])
    ctx = client.get(URL).context
    p = ctx["patrols"]
    assert p["visits"]["done"] == 1
    assert p["persons"]["overdue"] == PersonOfConcern.objects.filter(next_due_on__lt=timezone.localdate()).count()
    assert p["suspected"] == KeyLocation.objects.filter(status="suspected").count() == 1
    assert "safety" not in ctx and "caseload" not in ctx  # police never see worker safety


def test_officers_and_workers_get_404(seeded, client):
    for user in (seeded["officer"], seeded["worker"]):
        client.force_login(user)
        assert client.get(URL).status_code == 404
        assert client.get(reverse("dashboards:chart", args=["weekly"])).status_code == 404


def test_precinct_a_never_sees_precinct_b(seeded, client):
    other_precinct_head = f.SupervisorFactory(organization=f.PrecinctFactory())
    client.force_login(other_precinct_head)
    ctx = client.get(URL).context
    assert ctx["referrals"]["totals"]["total"] == 0
    assert ctx["patrols"]["visits"]["done"] == 0
    csv = client.get(URL, {"export": "stations", "format": "csv"}).content.decode("utf-8-sig")
    assert seeded["station"].name not in csv


def test_exports_hold_the_visible_rows_and_open_as_xlsx(seeded, client):
    ReferralFactory()  # another organisation's
    client.force_login(seeded["supervisor"])
    response = client.get(URL, {"export": "teams", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1:] == [(seeded["team"].name, 6)]
    assert AccessLog.objects.filter(action="export", object_type="dashboard").count() == 1
    assert client.get(URL, {"export": "nope", "format": "csv"}).status_code == 404


def test_charts_are_svg_without_scripts(seeded, client):
    client.force_login(seeded["supervisor"])
    svg = client.get(reverse("dashboards:chart", args=["weekly"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert b"<script" not in svg.content


@pytest.mark.parametrize("extra", [10, 1000])
def test_dashboard_query_count_does_not_grow(seeded, client, django_assert_max_num_queries, extra):
    template = Referral.objects.first()
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"R-2026-{500000 + n}",
                category="dispute",
                level=3,
                incident_at=timezone.now(),
                narrative="bulk",
                created_by=template.created_by,
                referring_officer=template.referring_officer,
                referring_station=template.referring_station,
                district=template.district,
                team=template.team,
                household=template.household,
                ack_due_at=timezone.now() + timedelta(days=1),
            )
            for n in range(extra)
        ]
    )
    client.force_login(seeded["supervisor"])
    # The sections' figures, and the tiles' headline figures of the period before, to compare
    # (41: the repeat households' addresses are read by key after grouping).
    with django_assert_max_num_queries(41):
        assert client.get(URL).status_code == 200


def test_role_home_pages(seeded, client):
    client.force_login(seeded["officer"])
    assert 'data-testid="home-referrals"' in client.get("/").content.decode()
    client.force_login(seeded["worker"])
    assert 'data-testid="home-caseload"' in client.get("/").content.decode()
    client.force_login(f.AdministratorFactory())
    assert 'data-testid="oldest-overdue"' in client.get("/").content.decode()
