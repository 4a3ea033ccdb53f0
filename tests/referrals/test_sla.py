from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import Holiday, Notification
from referrals import services
from referrals.models import Referral, ReferralEscalation, SLAPolicy, Status
from tests import factories as f
from tests.concurrency import run_concurrently
from tests.referrals.conftest import SUBJECT, referral_data

TAIPEI = ZoneInfo("Asia/Taipei")


def file(world, **overrides):
    return services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data(**overrides))


def _level_one_at_night(world):
    on_call = f.OnCallShiftFactory(
        team=world.team,
        worker=world.worker2,
        starts_at=datetime(2026, 11, 20, 18, 0, tzinfo=TAIPEI),
        ends_at=datetime(2026, 11, 21, 9, 0, tzinfo=TAIPEI),
    )
    with time_machine.travel(datetime(2026, 11, 20, 23, 30, tzinfo=TAIPEI), tick=False):
        r = file(world, level=1, category="domestic_violence")
    return r, on_call.worker


@pytest.mark.django_db
def test_level_one_after_hours_alerts_the_on_call_worker_at_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r, on_call = _level_one_at_night(world)
    assert r.after_hours
    alert = Notification.objects.get(recipient=on_call, kind="on_call")
    assert alert.title.startswith(r.reference)
    assert any(m.to == [on_call.email] for m in mail.outbox)
    assert r.ack_due_at == datetime(2026, 11, 21, 0, 30, tzinfo=TAIPEI)
    assert r.events.filter(kind="on_call_alerted").exists()


@pytest.mark.django_db
def test_level_one_escalates_to_the_supervisor_after_an_hour_then_further(world):
    r, _ = _level_one_at_night(world)
    coordinator = f.CoordinatorFactory(organization__district=world.district)
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 0, 29, tzinfo=TAIPEI)) == 0
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 0, 31, tzinfo=TAIPEI)) == 1
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 0, 40, tzinfo=TAIPEI)) == 0
    assert Notification.objects.filter(recipient=world.supervisor, kind="escalation").count() == 1
    # Second step after a further half window (at least 30 minutes) to coordinator and agency manager.
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 1, 1, tzinfo=TAIPEI)) == 1
    assert Notification.objects.filter(recipient=coordinator, kind="escalation").count() == 1
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 9, 0, tzinfo=TAIPEI)) == 0
    assert list(ReferralEscalation.objects.filter(referral=r).values_list("level", flat=True).order_by("level")) == [
        1,
        2,
    ]


@pytest.mark.django_db
def test_acknowledging_stops_the_escalation(world):
    r, _ = _level_one_at_night(world)
    services.acknowledge_referral(actor=world.worker2, referral=r)
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 3, 0, tzinfo=TAIPEI)) == 0
    assert not ReferralEscalation.objects.exists()


@pytest.mark.django_db
def test_a_stale_claim_cannot_fire_a_step_twice(world):
    r, _ = _level_one_at_night(world)
    services.sweep_escalations(now=datetime(2026, 11, 21, 0, 31, tzinfo=TAIPEI))
    # Simulate a sweep that read the row before the first one saved its progress.
    Referral.objects.filter(pk=r.pk).update(escalation_level=0, escalate_at=r.ack_due_at)
    assert services.sweep_escalations(now=datetime(2026, 11, 21, 0, 32, tzinfo=TAIPEI)) == 0
    assert Notification.objects.filter(recipient=world.supervisor, kind="escalation").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_fire_each_escalation_exactly_once(world):
    referrals = [_level_one_at_night(world)[0] for _ in range(20)]
    when = datetime(2026, 11, 21, 0, 31, tzinfo=TAIPEI)
    results = run_concurrently(*[lambda: services.sweep_escalations(now=when, batch=3)] * 2)
    assert sum(results) == len(referrals)
    assert ReferralEscalation.objects.filter(level=1).count() == len(referrals)
    assert Notification.objects.filter(recipient=world.supervisor, kind="escalation").count() == len(referrals)


@pytest.mark.django_db
def test_level_three_on_friday_evening_is_due_on_the_third_business_day(world):
    # Friday 2026-11-20 17:00 Taipei; the team works Mon-Fri 09:00-18:00.
    with time_machine.travel(datetime(2026, 11, 20, 17, 0, tzinfo=TAIPEI), tick=False):
        r = file(world, level=3, category="dispute")
    assert r.ack_due_at.astimezone(TAIPEI) == datetime(2026, 11, 25, 18, 0, tzinfo=TAIPEI)  # Wednesday's close


@pytest.mark.django_db
def test_level_three_skips_the_team_holidays(world):
    Holiday.objects.create(organization=world.agency, date=date(2026, 11, 23), name="Typhoon day")
    with time_machine.travel(datetime(2026, 11, 20, 17, 0, tzinfo=TAIPEI), tick=False):
        r = file(world, level=3, category="dispute")
    assert r.ack_due_at.astimezone(TAIPEI) == datetime(2026, 11, 26, 18, 0, tzinfo=TAIPEI)  # Thursday's close


@pytest.mark.django_db
def test_case_page_shows_the_deadline_as_the_rule_reads(world, client):
    Holiday.objects.create(organization=world.agency, date=date(2026, 11, 23), name="Typhoon day")
    with time_machine.travel(datetime(2026, 11, 20, 17, 0, tzinfo=TAIPEI), tick=False):
        r = file(world, level=3, category="dispute")
        client.force_login(world.worker)
        page = client.get(r.get_absolute_url()).content.decode()
    assert "by close of business Thu 26 Nov (3 business days after filing)" in page


@pytest.mark.django_db
def test_two_routine_referrals_filed_the_same_day_share_one_deadline(world):
    with time_machine.travel(datetime(2026, 11, 18, 9, 5, tzinfo=TAIPEI), tick=False):
        morning = file(world, level=3, category="dispute")
    with time_machine.travel(datetime(2026, 11, 18, 17, 55, tzinfo=TAIPEI), tick=False):
        evening = file(world, level=3, category="dispute")
    assert morning.ack_due_at == evening.ack_due_at == datetime(2026, 11, 23, 18, 0, tzinfo=TAIPEI)


@pytest.mark.django_db
def test_level_one_shows_a_clock_rule(world, client):
    r = file(world, level=1, category="domestic_violence")
    client.force_login(world.worker)
    assert "within 1 hour, day and night" in client.get(r.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_sla_policy_per_category_overrides_the_default(world):
    SLAPolicy.objects.create(category="suicide_risk", level=2, acknowledge_within=2, unit=SLAPolicy.Unit.HOURS)
    now = datetime(2026, 11, 18, 10, 0, tzinfo=TAIPEI)
    with time_machine.travel(now, tick=False):
        urgent = file(world, level=2, category="suicide_risk")
        ordinary = file(world, level=2, category="dispute")
    assert urgent.ack_due_at == now + timedelta(hours=2)
    assert ordinary.ack_due_at == now + timedelta(hours=24)


@pytest.mark.django_db
def test_the_sweep_is_registered_and_reports_the_oldest_overdue(world):
    from accounts import timers

    r, _ = _level_one_at_night(world)
    assert "referral_escalations" in timers.registered()
    due, name = timers.oldest_overdue(datetime(2026, 11, 21, 2, 0, tzinfo=TAIPEI))
    assert (due, name) == (r.escalate_at, "referral_escalations")
    assert r.status == Status.SUBMITTED
