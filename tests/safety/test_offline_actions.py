"""Visit actions queued on a phone without signal and sent later: each client key acts once, at the
time the button was pressed; the server's lone-worker timers escalate regardless."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from safety import services
from safety.models import HomeVisit, SafetyAlert, VisitActionKey
from tests import factories as f
from tests.safety.conftest import soon

pytestmark = pytest.mark.django_db


def started(world, minutes_ago=40, minutes=60, workers=None):
    """A visit the worker started ``minutes_ago`` minutes ago."""
    with time_machine.travel(timezone.now() - timedelta(minutes=minutes_ago), tick=False):
        visit = services.plan_visit(
            actor=world.worker,
            referral=world.referral,
            workers=workers or [world.worker],
            planned_start=soon(),
            expected_minutes=minutes,
        )
        services.start_visit(actor=world.worker, visit=visit)
    return HomeVisit.objects.get(pk=visit.pk)


def send(client, visit, action, at, key=None, **extra):
    data = {"key": str(key or uuid.uuid4()), "action": action, "at": at.isoformat(), **extra}
    return client.post(reverse("safety:visit_sync", args=[visit.pk]), data)


def ago(minutes):
    return timezone.now().replace(microsecond=0) - timedelta(minutes=minutes)


def test_check_in_and_check_out_sent_later_are_recorded_at_the_time_pressed(client, world):
    visit = started(world)
    client.force_login(world.worker)
    pressed_in, pressed_out = ago(30), ago(10)

    answer = send(client, visit, "check-in", pressed_in)
    assert answer.status_code == 200
    assert answer.json()["acted"] is True
    assert answer.json()["last_check_in"] == timezone.localtime(pressed_in).strftime("%H:%M")
    assert send(client, visit, "check-out", pressed_out).status_code == 200

    visit.refresh_from_db()
    assert visit.last_check_in_at == pressed_in
    assert visit.checked_out_at == pressed_out
    assert visit.status == "checked_out"
    assert visit.check_out_due_at is None
    assert list(VisitActionKey.objects.values_list("action", flat=True)) == ["check-in", "check-out"]


def test_an_offline_check_in_with_more_time_moves_the_deadline_from_when_it_was_pressed(client, world):
    visit = started(world, minutes_ago=50, minutes=60)
    client.force_login(world.worker)
    assert send(client, visit, "check-in", ago(45), extend_minutes=30).status_code == 200
    visit.refresh_from_db()
    assert visit.expected_end_at == visit.started_at + timedelta(minutes=90)
    assert visit.check_out_due_at == visit.expected_end_at + timedelta(minutes=15)


def test_the_same_key_twice_acts_once(client, world):
    visit = started(world)
    client.force_login(world.worker)
    key = uuid.uuid4()

    first = send(client, visit, "alarm", ago(5), key=key)
    again = send(client, visit, "alarm", ago(5), key=key)

    assert first.status_code == again.status_code == 200
    assert (first.json()["acted"], again.json()["acted"]) == (True, False)
    assert SafetyAlert.objects.filter(visit=visit, kind="alarm").count() == 1
    assert VisitActionKey.objects.filter(key=key).count() == 1

    check_out_key = uuid.uuid4()
    assert send(client, visit, "check-out", ago(4), key=check_out_key).json()["acted"] is True
    # The phone did not hear the answer and sends the check-out again: the same answer, nothing more.
    repeat = send(client, visit, "check-out", ago(4), key=check_out_key)
    assert repeat.status_code == 200 and repeat.json()["acted"] is False
    assert VisitActionKey.objects.count() == 2


def test_a_key_reused_for_another_action_is_refused(client, world):
    visit = started(world)
    client.force_login(world.worker)
    key = uuid.uuid4()
    send(client, visit, "check-in", ago(5), key=key)
    answer = send(client, visit, "check-out", ago(4), key=key)
    assert answer.status_code == 400 and "key" in answer.json()["errors"]
    assert HomeVisit.objects.get(pk=visit.pk).status == "started"


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(lambda v: timezone.now() + timedelta(minutes=10), id="future"),
        pytest.param(lambda v: timezone.now() - timedelta(hours=13), id="older-than-12-hours"),
        pytest.param(lambda v: v.started_at - timedelta(minutes=20), id="before-the-visit-started"),
    ],
)
def test_a_time_in_the_future_or_far_past_is_refused_and_nothing_changes(client, world, at):
    visit = started(world)
    client.force_login(world.worker)
    before = HomeVisit.objects.filter(pk=visit.pk).values().get()

    for action in ("check-in", "check-out", "alarm"):
        answer = send(client, visit, action, at(visit))
        assert answer.status_code == 400
        assert "at" in answer.json()["errors"]

    assert HomeVisit.objects.filter(pk=visit.pk).values().get() == before
    assert not VisitActionKey.objects.exists()
    assert not SafetyAlert.objects.filter(visit=visit).exists()


def test_a_time_without_its_offset_or_a_bad_key_is_a_field_error(client, world):
    visit = started(world)
    client.force_login(world.worker)
    answer = client.post(
        reverse("safety:visit_sync", args=[visit.pk]), {"key": "not-a-key", "action": "check-in", "at": "yesterday"}
    )
    assert answer.status_code == 400
    assert {"key", "at"} <= set(answer.json()["errors"])
    assert HomeVisit.objects.get(pk=visit.pk).last_check_in_at is None


def test_another_organisations_visit_answers_like_a_missing_one(client, world):
    visit = started(world)
    stranger = f.SocialWorkerFactory(organization=f.TeamFactory())
    client.force_login(stranger)
    assert send(client, visit, "check-out", ago(5)).status_code == 404
    missing = HomeVisit(pk=visit.pk + 1000)
    assert send(client, missing, "check-out", ago(5)).status_code == 404
    assert HomeVisit.objects.get(pk=visit.pk).status == "started"
    assert not VisitActionKey.objects.exists()


def test_a_worker_not_on_the_visit_cannot_check_it_out(client, world):
    visit = started(world)
    client.force_login(world.worker2)  # same team, can see the visit, is not going
    before = HomeVisit.objects.filter(pk=visit.pk).values().get()
    answer = send(client, visit, "check-out", ago(5))
    assert answer.status_code == 403
    assert HomeVisit.objects.filter(pk=visit.pk).values().get() == before
    assert not VisitActionKey.objects.exists()


def test_an_action_the_visit_no_longer_allows_is_refused(client, world):
    visit = started(world)
    client.force_login(world.worker)
    send(client, visit, "check-out", ago(10))
    answer = send(client, visit, "check-in", ago(5))
    assert answer.status_code == 400
    assert HomeVisit.objects.get(pk=visit.pk).last_check_in_at is None
    assert VisitActionKey.objects.count() == 1


def test_without_signal_the_server_escalates_on_time_and_a_late_check_out_still_ends_the_visit(client, world):
    visit = started(world, minutes_ago=120, minutes=60)  # expected end an hour ago; nothing reached us
    due = visit.check_out_due_at
    assert services.sweep_lone_workers(now=due - timedelta(minutes=1)) == 0
    assert services.sweep_lone_workers(now=due) == 1
    alert = SafetyAlert.objects.get(visit=visit, kind="missed_check_out")
    assert alert.level == 1

    # The phone gets signal again and sends the check-out pressed before the deadline.
    client.force_login(world.worker)
    pressed = due - timedelta(minutes=5)
    assert send(client, visit, "check-out", pressed).status_code == 200

    visit.refresh_from_db()
    assert (visit.status, visit.checked_out_at) == ("checked_out", pressed)
    assert visit.alert_level == 1  # the escalation that fired stands
    alert.refresh_from_db()
    assert alert.resolved_at is None  # still open for the supervisor, who hears the worker is safe
    assert SafetyAlert.objects.filter(visit=visit).count() == 1
    assert services.sweep_lone_workers(now=timezone.now() + timedelta(hours=1)) == 0


def test_a_late_check_in_does_not_take_back_an_escalation(client, world):
    visit = started(world, minutes_ago=100, minutes=60)
    services.sweep_lone_workers(now=visit.check_out_due_at)
    client.force_login(world.worker)
    assert send(client, visit, "check-in", ago(90), extend_minutes=120).status_code == 200
    visit.refresh_from_db()
    assert visit.alert_level == 1
    assert visit.last_check_in_at == ago(90)


def test_the_visit_page_offers_the_teams_phone_when_the_alarm_cannot_get_through(client, world):
    visit = started(world)
    client.force_login(world.worker)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "tel:" not in page and "data-offline-visit" in page  # no phone on record: no links

    world.agency.contact_phone = "+886 2 2345-6789"
    world.agency.save()
    page = client.get(visit.get_absolute_url()).content.decode()
    assert 'href="tel:+886223456789"' in page
    assert 'href="sms:+886223456789?body=' in page
    assert "Last confirmed check-in:" in page

    world.team.contact_phone = "02-1111-2222"
    world.team.save()
    assert 'href="tel:0211112222"' in client.get(visit.get_absolute_url()).content.decode()


def test_the_app_manifest_and_service_worker_are_served_from_our_own_files(client):
    manifest = client.get(reverse("manifest"))
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["scope"], data["start_url"]) == ("/safety/", "/safety/visits/")
    assert all(icon["src"].startswith("/static/") for icon in data["icons"])

    worker = client.get(reverse("service_worker"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/safety/"
    assert b'addEventListener("fetch"' in b"".join(worker.streaming_content if worker.streaming else [worker.content])
    assert "script-src 'self'" in worker["Content-Security-Policy"]
