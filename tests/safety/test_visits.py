from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from safety import services
from safety.models import EscortRequest, HomeVisit, SafetyAlert
from tests import factories as f
from tests.concurrency import run_concurrently
from tests.safety.conftest import flag_household, soon

pytestmark = pytest.mark.django_db


def plan(world, workers=None, minutes=60):
    return services.plan_visit(
        actor=world.worker,
        referral=world.referral,
        workers=workers or [world.worker],
        planned_start=soon(10),
        expected_minutes=minutes,
    )


def test_solo_visit_to_a_flagged_household_is_refused(world):
    flag_household(world)
    visit = plan(world)
    with pytest.raises(ValidationError, match="risk flag"):
        services.start_visit(actor=world.worker, visit=visit)
    assert HomeVisit.objects.get(pk=visit.pk).status == "planned"


def test_with_a_second_worker_it_starts(world):
    flag_household(world)
    visit = plan(world, workers=[world.worker, world.worker2])
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_with_a_supervisor_override_and_reason_it_starts(world):
    flag_household(world)
    visit = plan(world)
    with pytest.raises(ValidationError):
        services.override_solo_visit(actor=world.supervisor, visit=visit, reason="")
    with pytest.raises(Exception):
        services.override_solo_visit(actor=world.worker, visit=visit, reason="I am sure")
    services.override_solo_visit(
        actor=world.supervisor, visit=visit, reason="Family moved the partner out; checked by phone"
    )
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"
    assert HomeVisit.objects.get(pk=visit.pk).override_by == world.supervisor


def test_unflagged_household_can_be_visited_alone(world):
    assert services.start_visit(actor=world.worker, visit=plan(world)).status == "started"


def _started(world, minutes=60):
    visit = plan(world, minutes=minutes)
    return services.start_visit(actor=world.worker, visit=visit)


def test_missed_check_out_raises_level_1_then_level_2(world):
    visit = _started(world)
    end = visit.expected_end_at
    assert services.sweep_lone_workers(now=end + timedelta(minutes=14)) == 0
    assert services.sweep_lone_workers(now=end + timedelta(minutes=15)) == 1  # expected end + grace
    assert services.sweep_lone_workers(now=end + timedelta(minutes=20)) == 0
    assert services.sweep_lone_workers(now=end + timedelta(minutes=30)) == 1  # fifteen minutes later
    assert services.sweep_lone_workers(now=end + timedelta(hours=5)) == 0
    levels = sorted(SafetyAlert.objects.filter(visit=visit).values_list("level", flat=True))
    assert levels == [1, 2]
    assert Notification.objects.filter(recipient=world.supervisor, kind="safety_alert").count() == 2


def test_check_out_between_the_steps_prevents_level_2(world):
    visit = _started(world)
    end = visit.expected_end_at
    services.sweep_lone_workers(now=end + timedelta(minutes=16))
    services.check_out(actor=world.worker, visit=visit)
    assert services.sweep_lone_workers(now=end + timedelta(minutes=40)) == 0
    assert list(SafetyAlert.objects.filter(visit=visit).values_list("level", flat=True)) == [1]


def test_alarm_alerts_at_once_with_the_address(world):
    visit = _started(world)
    services.raise_alarm(actor=world.worker, visit=visit)
    note = Notification.objects.get(recipient=world.supervisor, kind="safety_alert")
    assert "Heping" in note.title


def test_duress_code_looks_like_a_normal_check_out_but_alerts(world, client):
    services.set_duress_code(user=world.worker, code="4321")
    normal, duress = _started(world), _started(world)
    client.force_login(world.worker)
    a = client.post(reverse("safety:visit_act", args=[normal.pk, "check-out"]), {"code": ""}, follow=True)
    b = client.post(reverse("safety:visit_act", args=[duress.pk, "check-out"]), {"code": "4321"}, follow=True)
    strip = lambda r, v: r.content.decode().replace(str(v.pk), "").replace(str(v.referral_id), "")  # noqa: E731
    assert [m.message for m in a.context["messages"]] == [m.message for m in b.context["messages"]]
    assert "alarm" not in strip(b, duress).lower().replace("ALARM", "")
    assert not SafetyAlert.objects.filter(visit=normal).exists()
    assert SafetyAlert.objects.get(visit=duress).kind == "duress"


def test_acknowledging_stops_further_steps_and_resolve_needs_a_reason(world):
    visit = _started(world)
    services.sweep_lone_workers(now=visit.expected_end_at + timedelta(minutes=15))
    alert = SafetyAlert.objects.get()
    with pytest.raises(ValidationError):
        services.resolve_alert(actor=world.supervisor, alert=alert, resolution="false_alarm")
    services.acknowledge_alert(actor=world.supervisor, alert=alert)
    assert services.sweep_lone_workers(now=visit.expected_end_at + timedelta(hours=1)) == 0
    with pytest.raises(ValidationError):
        services.resolve_alert(actor=world.supervisor, alert=alert, resolution="nothing")
    services.resolve_alert(actor=world.supervisor, alert=alert, resolution="worker_safe", note="Phone battery died")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.resolution) == (world.supervisor, "worker_safe")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_step_fires_exactly_once_with_two_concurrent_sweeps(world):
    visits = [_started(world) for _ in range(12)]
    when = max(v.expected_end_at for v in visits) + timedelta(minutes=15)
    results = run_concurrently(*[lambda: services.sweep_lone_workers(now=when, batch=2)] * 2)
    assert sum(results) == 12
    assert SafetyAlert.objects.filter(level=1).count() == 12


def test_escort_unanswered_escalates_to_the_precinct_once(world):
    precinct_officer = f.SupervisorFactory(organization=world.station.parent)
    visit = plan(world)
    escort = services.request_escort(actor=world.worker, visit=visit, needed_from=soon(60), needed_until=soon(120))
    with time_machine.travel(escort.respond_by + timedelta(minutes=1)):
        assert services.sweep_escorts() == 1
        assert services.sweep_escorts() == 0
    assert Notification.objects.filter(recipient=precinct_officer, kind="safety_alert").exists()


def test_escort_decline_without_reason_is_refused(world, client):
    visit = plan(world)
    escort = services.request_escort(actor=world.worker, visit=visit, needed_from=soon(60), needed_until=soon(120))
    with pytest.raises(ValidationError):
        services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="")
    client.force_login(world.officer)
    client.post(reverse("safety:escort_answer", args=[escort.pk]), {"accept": "0", "reason": ""})
    assert EscortRequest.objects.get().status == "requested"
    client.post(reverse("safety:escort_answer", args=[escort.pk]), {"accept": "0", "reason": "All units on a call"})
    assert EscortRequest.objects.get().status == "declined"


def test_police_see_only_escorts_addressed_to_their_station(world, client):
    visit = plan(world)
    services.request_escort(actor=world.worker, visit=visit, needed_from=soon(60), needed_until=soon(120))
    client.force_login(world.officer)
    assert len(client.get(reverse("safety:escorts")).context["escorts"]) == 1
    client.force_login(f.OfficerFactory())
    assert len(client.get(reverse("safety:escorts")).context["escorts"]) == 0
    assert client.get(visit.get_absolute_url()).status_code == 404


def test_bad_visit_input(world, client):
    client.force_login(world.worker)
    url = reverse("safety:visit_plan", args=[world.referral.pk])
    bad = client.post(url, {"planned_start": "soon", "expected_minutes": "0", "workers": ["abc"]})
    assert bad.status_code == 400
    assert {"planned_start", "expected_minutes", "workers"} <= set(bad.context["form"].errors)
    other_referral_url = reverse("safety:visit_plan", args=[999999])
    assert client.get(other_referral_url).status_code == 404
    escort_bad = services.request_escort
    visit = plan(world)
    with pytest.raises(ValidationError):
        escort_bad(actor=world.worker, visit=visit, needed_from=soon(60), needed_until=soon(30))
    stranger = f.SocialWorkerFactory()
    client.force_login(stranger)
    assert client.post(reverse("safety:visit_act", args=[visit.pk, "start"])).status_code == 404


def test_visit_page_works_on_a_phone_sized_layout(world, client):
    visit = _started(world)
    client.force_login(world.worker)
    html = client.get(visit.get_absolute_url()).content.decode()
    assert 'data-testid="alarm"' in html and 'data-testid="check-out"' in html
    assert timezone.now() < visit.expected_end_at
