"""Hazard event reports queued on a phone without signal and sent later: each client key reports
once; a report the server refuses answers with field errors and saves nothing; the same rules as the
form apply (never police)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from safety.models import FollowUpItem, HazardEvent, HazardEventKey

pytestmark = pytest.mark.django_db


def report(**overrides):
    occurred = timezone.localtime() - timedelta(hours=2)
    data = {
        "types": ["intimidation"],
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "place": "Stairwell, No. 8, Heping Rd.",
        "injury": "none",
        "media_report_count": "0",
        "narrative": "Threatened on the stairs.",
        "key": str(uuid.uuid4()),
        "at": (timezone.now() - timedelta(minutes=30)).isoformat(),
    }
    data.update(overrides)
    return data


def sync(client, data):
    return client.post(reverse("safety:event_sync"), data)


def test_the_same_key_twice_reports_one_event(client, world):
    client.force_login(world.worker)
    data = report()

    first = sync(client, data)
    again = sync(client, data)  # the phone did not hear the answer and sends it again

    assert first.status_code == again.status_code == 200
    assert (first.json()["reported"], again.json()["reported"]) == (True, False)
    assert first.json()["reference"] == again.json()["reference"]
    event = HazardEvent.objects.get()
    assert first.json()["url"] == event.get_absolute_url()
    assert (event.worker, event.reported_by, event.team) == (world.worker, world.worker, world.team)
    assert event.place == "Stairwell, No. 8, Heping Rd."
    assert event.types == ["intimidation"]
    assert timezone.localtime(event.occurred_at).strftime("%Y-%m-%dT%H:%M") == data["occurred_at"]
    assert not event.attachments.exists()
    assert FollowUpItem.objects.filter(event=event).exists()
    key = HazardEventKey.objects.get()
    assert (str(key.key), key.event, key.actor) == (data["key"], event, world.worker)
    # The supervisors hear of it once.
    assert Notification.objects.filter(recipient=world.supervisor).count() == 1

    # Another key is another report.
    assert sync(client, report()).json()["reported"] is True
    assert HazardEvent.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, fields",
    [
        pytest.param({"place": "", "types": []}, {"place", "types"}, id="missing-fields"),
        pytest.param(
            {"occurred_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
            {"occurred_at"},
            id="event-in-the-future",
        ),
        pytest.param({"key": "not-a-key", "at": "yesterday"}, {"key", "at"}, id="bad-key-and-time"),
        pytest.param({"at": (timezone.now() + timedelta(hours=1)).isoformat()}, {"at"}, id="sent-in-the-future"),
        pytest.param({"at": (timezone.now() - timedelta(days=30)).isoformat()}, {"at"}, id="queued-too-long"),
    ],
)
def test_a_refused_report_answers_with_its_field_errors_and_saves_nothing(client, world, overrides, fields):
    client.force_login(world.worker)
    answer = sync(client, report(**overrides))
    assert answer.status_code == 400
    assert fields <= set(answer.json()["errors"])
    assert not HazardEvent.objects.exists()
    assert not HazardEventKey.objects.exists()


def test_a_key_sent_by_someone_else_is_refused(client, world):
    data = report()
    client.force_login(world.worker)
    sync(client, data)
    client.force_login(world.worker2)
    answer = sync(client, data)
    assert answer.status_code == 400 and "key" in answer.json()["errors"]
    assert HazardEvent.objects.count() == 1


def test_police_cannot_report_and_nothing_is_saved(client, world):
    client.force_login(world.officer)
    assert sync(client, report()).status_code == 404
    client.force_login(world.station_head)
    assert sync(client, report()).status_code == 404
    assert not HazardEvent.objects.exists()
    assert not HazardEventKey.objects.exists()


def test_a_worker_cannot_report_for_another_worker(client, world):
    client.force_login(world.worker)
    answer = sync(client, report(worker=str(world.worker2.pk)))
    assert answer.status_code == 400 and "worker" in answer.json()["errors"]
    assert not HazardEvent.objects.exists()


def test_a_supervisor_reports_for_a_worker_of_their_agency(client, world):
    client.force_login(world.supervisor)
    answer = sync(client, report(worker=str(world.worker.pk)))
    assert answer.status_code == 200
    event = HazardEvent.objects.get()
    assert (event.worker, event.reported_by) == (world.worker, world.supervisor)


def test_the_event_form_offers_the_offline_queue_and_the_worker_keeps_only_safety_pages(client, world):
    client.force_login(world.worker)
    page = client.get(reverse("safety:event_new")).content.decode()
    assert f'data-sync-url="{reverse("safety:event_sync")}"' in page
    assert 'data-sw-scope="/safety/"' in page
    assert 'aria-live="polite"' in page
    assert "Attachments cannot wait" in page

    worker = client.get(reverse("service_worker"))
    script = b"".join(worker.streaming_content if worker.streaming else [worker.content]).decode()
    assert r"/^\/safety\/visits\/\d+\/$/" in script
    assert '"/safety/events/new/"' in script


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_reports_one_event_and_fails_neither(world):
    """A phone that retries while its first send is still in flight: both answers name the one event."""
    from safety import services
    from safety.forms import OfflineReportForm
    from tests.concurrency import run_concurrently

    form = OfflineReportForm(report(), user=world.worker)
    assert form.is_valid(), form.errors
    fields = dict(form.cleaned_data)
    key, at = fields.pop("key"), fields.pop("at")
    for name in ("worker", "attachments", "offender_person"):
        fields.pop(name, None)

    def send():
        return services.report_with_key(actor=world.worker, key=key, at=at, worker=world.worker, **fields)

    results = run_concurrently(send, send)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _event, created in results) == [False, True]
    assert results[0][0].pk == results[1][0].pk == HazardEvent.objects.get().pk
    assert HazardEventKey.objects.count() == 1
