from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from patrols import selectors, services
from patrols.models import Beat, EvaluationItem, KeyLocation, MonthlyReport, ReportReminder, SearchReport
from tests import factories as f
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db
TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.mark.parametrize(
    "total, expected",
    [
        (90, "特優"),
        ("89.99", "優等"),
        (80, "優等"),
        ("79.99", "甲等"),
        (70, "甲等"),
        (60, "乙等"),
        ("59.99", "丙等"),
        (50, "丙等"),
        ("49.99", "丁等"),
        (100, "特優"),
        (0, "丁等"),
    ],
)
def test_grade_boundaries(total, expected):
    assert services.grade(total=Decimal(str(total))) == expected


def test_false_figures_drop_the_grade_to_the_lowest():
    assert services.grade(total=Decimal("95"), false_figures=True) == "丁等"


@pytest.mark.parametrize(
    "beats, group", [(1001, "甲"), (1000, "乙"), (451, "乙"), (450, "丙"), (201, "丙"), (200, "丁"), (0, "丁")]
)
def test_peer_group_boundaries(beats, group):
    assert services.peer_group(beats=beats) == group


def test_refused_needs_a_side_visit(world):
    with pytest.raises(ValidationError):
        services.record_visit(actor=world.officer, person=world.poc, outcome="refused")
    visit = services.record_visit(
        actor=world.officer, person=world.poc, outcome="refused", side_visit_note="Neighbour: home daily"
    )
    assert visit.side_visit_note and visit.reference.startswith("PV-")


def test_moved_notifies_the_other_station(world):
    with pytest.raises(ValidationError):
        services.record_visit(actor=world.officer, person=world.poc, outcome="moved", new_address="Elsewhere 5")
    services.record_visit(
        actor=world.officer,
        person=world.poc,
        outcome="moved",
        new_address="Elsewhere 5",
        notified_station=world.other_station,
    )
    assert Notification.objects.filter(recipient=world.other_officer, title__contains="moved").exists()


def test_unknown_whereabouts_files_a_search_report_and_notifies_the_precinct(world):
    visit = services.record_visit(actor=world.officer, person=world.poc, outcome="unknown")
    assert SearchReport.objects.get(visit=visit).precinct == world.precinct
    assert Notification.objects.filter(recipient=world.precinct_officer, title__contains="search").exists()


def test_next_visit_due_follows_the_cadence_of_the_risk_level(world):
    services.record_visit(actor=world.officer, person=world.poc, outcome="met")
    world.poc.refresh_from_db()
    assert world.poc.next_due_on == timezone.localdate() + timedelta(days=30)


def test_inspection_over_the_threshold_marks_a_suspected_site(world):
    location = KeyLocation.objects.create(station=world.station, type="work_shed", name="Shed", address="Lane 3")
    services.inspect_location(actor=world.officer, location=location, kind="drug_lab", indicators=["windows_covered"])
    assert KeyLocation.objects.get().status == "normal"
    services.inspect_location(
        actor=world.officer,
        location=location,
        kind="drug_lab",
        indicators=["windows_covered", "chemical_smell", "night_activity"],
    )
    location.refresh_from_db()
    assert (location.status, location.suspected_kind) == ("suspected", "drug_lab")
    assert Notification.objects.filter(recipient=world.precinct_officer, title__contains="suspected").exists()
    with pytest.raises(ValidationError):
        services.inspect_location(
            actor=world.officer, location=location, kind="drug_lab", indicators=["plates_removed"]
        )


@pytest.mark.parametrize("sex, age, sensitive", [("female", 30, True), ("male", 12, True), ("male", 40, False)])
def test_missing_person_at_any_station_women_and_children_notify_the_precinct(world, sex, age, sensitive):
    far_station = f.StationFactory()  # jurisdiction does not matter
    officer = f.OfficerFactory(organization=far_station)
    watch = f.SupervisorFactory(organization=far_station.parent)
    report = services.take_missing_person_report(
        actor=officer,
        station=far_station,
        name="Lin",
        sex=sex,
        age=age,
        last_seen_at=timezone.now() - timedelta(hours=3),
        last_seen_place="Station square",
        description="Blue jacket",
    )
    assert report.high_sensitivity is sensitive
    assert Notification.objects.filter(recipient=watch, kind="missing_person").exists() is sensitive


def test_beat_hours_reduction_needs_the_station_head(world):
    increase = services.change_beat_hours(
        actor=world.officer, beat=world.beat, new_hours=Decimal("6"), reason="New housing estate"
    )
    assert increase.status == "approved"
    reduction = services.change_beat_hours(
        actor=world.officer, beat=world.beat, new_hours=Decimal("2"), reason="Fewer households"
    )
    assert reduction.status == "pending" and Beat.objects.get().weekly_visit_hours == Decimal("6")
    with pytest.raises(Exception):
        services.decide_beat_hours(actor=world.officer, change=reduction, approve=True)
    services.decide_beat_hours(actor=world.head, change=reduction, approve=True)
    assert Beat.objects.get().weekly_visit_hours == Decimal("2")


def test_submitted_report_is_locked_and_amendments_keep_the_original(world):
    services.record_visit(actor=world.officer, person=world.poc, outcome="met")
    report = services.open_report(station=world.station, month=timezone.localdate())
    services.submit_report(actor=world.head, report=report)
    report.refresh_from_db()
    original = dict(report.figures)
    assert original["visits_done"] == 1
    with pytest.raises(ValidationError):
        services.submit_report(actor=world.head, report=report)
    with pytest.raises(ValidationError):
        services.amend_report(actor=world.head, report=report, figures={"visits_done": 2}, reason="")
    with pytest.raises(ValidationError):
        services.amend_report(actor=world.head, report=report, figures={"made_up": 2}, reason="typo")
    amendment = services.amend_report(
        actor=world.head, report=report, figures={"visits_done": 2}, reason="One visit logged late on paper"
    )
    report.refresh_from_db()
    assert report.figures == original
    assert amendment.figures["visits_done"] == 2


def test_late_report_reminder_and_escalation_fire_exactly_once(world):
    report = services.open_report(station=world.station, month=date(2026, 10, 1))
    deadline = datetime(2026, 11, 11, 0, 0, tzinfo=TAIPEI)
    assert report.remind_at == deadline
    assert services.sweep_reports(now=deadline - timedelta(minutes=1)) == 0
    assert services.sweep_reports(now=deadline) == 1
    assert services.sweep_reports(now=deadline + timedelta(days=1)) == 0
    assert services.sweep_reports(now=deadline + timedelta(days=2)) == 1
    assert services.sweep_reports(now=deadline + timedelta(days=30)) == 0
    assert list(ReportReminder.objects.values_list("level", flat=True).order_by("level")) == [1, 2]
    assert Notification.objects.filter(recipient=world.head, title__contains="due").count() == 1
    assert Notification.objects.filter(recipient=world.precinct_officer, title__contains="not submitted").count() == 1


def test_submitted_report_is_not_chased(world):
    report = services.open_report(station=world.station, month=date(2026, 10, 1))
    services.submit_report(actor=world.head, report=report)
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=TAIPEI)):
        assert services.sweep_reports() == 0
    assert MonthlyReport.objects.get().status == "submitted"


def test_evaluation_is_weighted_graded_and_ranked_in_its_peer_group(world):
    items = [EvaluationItem.objects.create(name=n, weight=Decimal(w)) for n, w in (("a", 60), ("b", 40))]
    dept_head = world.precinct_officer
    other = f.StationFactory(parent=world.precinct, district=world.precinct.district)
    services.evaluate(
        actor=dept_head, unit=world.station, period="2026-H2", scores={items[0].pk: 90, items[1].pk: 80}
    )  # 86
    services.evaluate(
        actor=dept_head,
        unit=other,
        period="2026-H2",
        scores={items[0].pk: 100, items[1].pk: 100},
        false_figures=True,
        finding="Inflated visits",
    )
    rows = list(selectors.evaluation_table(dept_head, "2026-H2"))
    assert [(r.unit_id, r.rank, r.group) for r in rows] == [(world.station.pk, 1, "丁"), (other.pk, 2, "丁")]
    assert rows[0].total == Decimal("86.00") and services.grade(total=rows[0].total) == "優等"
    with pytest.raises(ValidationError):
        services.evaluate(actor=dept_head, unit=other, period="2026-H2", scores={items[0].pk: 100}, false_figures=False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_report_reminders_fire_once_with_two_concurrent_sweeps(world):
    stations = [f.StationFactory(parent=world.precinct, district=world.precinct.district) for _ in range(8)]
    for station in stations:
        f.SupervisorFactory(organization=station)
        services.open_report(station=station, month=date(2026, 10, 1))
    when = datetime(2026, 11, 11, 0, 1, tzinfo=TAIPEI)
    results = run_concurrently(*[lambda: services.sweep_reports(now=when, batch=3)] * 2)
    assert all(isinstance(n, int) for n in results), results  # neither sweep failed on the other's locks
    while services.sweep_reports(now=when):
        pass
    assert ReportReminder.objects.filter(level=1).count() == 8
    assert Notification.objects.filter(title__contains="due").count() == 8
