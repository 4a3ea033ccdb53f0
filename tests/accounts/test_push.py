"""Browser push (Web Push with VAPID): devices subscribe on /accounts/push/; on-call alerts, escalations and
safety alerts also go to the recipients' devices, after commit, with the title and link only; a push service
that fails, hangs or forgets a device never stops the notice (inbox, e-mail and SMS still go)."""

import base64
import io
import json
import os
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import http_ece
import pytest
import requests
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pywebpush import WebPushException

from accounts import push, services
from accounts.models import Notification, PushSubscription
from referrals import services as referral_services
from safety import services as safety_services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = pytest.mark.django_db
TAIPEI = ZoneInfo("Asia/Taipei")


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def device_keys():
    """A browser's side of a subscription: its P-256 key pair and auth secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return SimpleNamespace(private=private, p256dh=b64(public), auth=b64(os.urandom(16)))


def browser_json(endpoint=None, keys=None):
    endpoint = endpoint or f"https://fcm.googleapis.com/fcm/send/{os.urandom(8).hex()}"
    keys = keys or device_keys()
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


@pytest.fixture(autouse=True)
def vapid(settings, english):
    out = io.StringIO()
    call_command("generate_vapid_keys", stdout=out, stderr=io.StringIO())
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PUBLIC_KEY = values["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = values["VAPID_PRIVATE_KEY"]
    settings.VAPID_SUBJECT = "mailto:ops@example.org"
    settings.PUSH_ENABLED = True
    return settings


@pytest.fixture
def world(db):
    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    return SimpleNamespace(
        station=station,
        agency=agency,
        team=team,
        officer=officer,
        worker=f.SocialWorkerFactory(organization=team),
        worker2=f.SocialWorkerFactory(organization=team),
        supervisor=f.SupervisorFactory(organization=agency),
        station_head=f.SupervisorFactory(organization=station),
    )


def subscribe(user, endpoint="https://fcm.googleapis.com/fcm/send/", keys=None):
    keys = keys or device_keys()
    return services.subscribe_push(
        user=user, endpoint=f"{endpoint}{user.pk}-{os.urandom(4).hex()}", p256dh=keys.p256dh, auth=keys.auth
    )


def post_json(client, name, data):
    return client.post(reverse(name), data=json.dumps(data), content_type="application/json")


def file_referral(world, **extra):
    data = {
        "category": "domestic_violence",
        "level": 2,
        "incident_at": timezone.now() - timedelta(hours=1),
        "incident_place": "No. 8, Alley 2, Heping Rd.",
        "narrative": "DV call-out, neighbour heard screaming",
    }
    data.update(extra)
    return referral_services.submit_referral(
        actor=world.officer, persons=[({"name": "Chen Da", "address": "No. 8, Heping Rd."}, "alleged_offender")], **data
    )


def pushed(webpush):
    """(endpoint, decoded payload) of each call to the mocked pywebpush.webpush."""
    return [(c.kwargs["subscription_info"]["endpoint"], json.loads(c.kwargs["data"])) for c in webpush.call_args_list]


# --- subscribing -------------------------------------------------------------------------------------
def test_a_worker_turns_notifications_on_and_sees_the_device(world, client):
    client.force_login(world.worker)
    page = client.get(reverse("push_settings"))
    assert page.status_code == 200
    assert b"Turn on notifications on this device" in page.content
    data = browser_json()
    response = client.post(
        reverse("push_subscribe"),
        data=json.dumps(data),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
    )
    assert response.status_code == 201
    sub = PushSubscription.objects.get(user=world.worker)
    assert (sub.endpoint, sub.p256dh, sub.auth) == (data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"])
    page = client.get(reverse("push_settings"))
    assert "Chrome · Android" in page.content.decode()
    # Sending the same subscription again (a new visit on the device) keeps one row.
    assert post_json(client, "push_subscribe", data).status_code == 201
    assert PushSubscription.objects.filter(user=world.worker).count() == 1


def test_the_page_works_with_csrf_checks_on(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker)
    assert post_json(client, "push_subscribe", browser_json()).status_code == 403  # no token
    page = client.get(reverse("push_settings"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("push_subscribe"),
        data=json.dumps(browser_json()),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "change,field",
    [
        ({"endpoint": "http://push.example.org/abc"}, "endpoint"),
        ({"endpoint": "javascript:alert(1)"}, "endpoint"),
        ({"endpoint": "https://push.example.org/" + "a" * 480}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        ({"keys": {"p256dh": "B" * 87, "auth": "<script>alert(1)</script>"}}, "auth"),
    ],
)
def test_a_bad_subscription_is_refused_with_the_reason(world, client, change, field):
    client.force_login(world.worker)
    data = {**browser_json(), **change}
    response = post_json(client, "push_subscribe", data)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_malformed_json_is_a_bad_request(world, client):
    client.force_login(world.worker)
    response = client.post(reverse("push_subscribe"), data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert post_json(client, "push_subscribe", {"endpoint": "https://x.example/1"}).status_code == 400


def test_at_most_ten_devices_per_user(world, client):
    for _ in range(services.MAX_PUSH_SUBSCRIPTIONS):
        subscribe(world.worker)
    client.force_login(world.worker)
    response = post_json(client, "push_subscribe", browser_json())
    assert response.status_code == 400
    assert "remove one first" in response.json()["detail"]
    assert PushSubscription.objects.filter(user=world.worker).count() == services.MAX_PUSH_SUBSCRIPTIONS


def test_a_device_moves_to_whoever_turned_it_on_last(world, client):
    data = browser_json()
    client.force_login(world.worker)
    post_json(client, "push_subscribe", data)
    client.force_login(world.worker2)
    assert post_json(client, "push_subscribe", data).status_code == 201
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [world.worker2.pk]


@pytest.mark.parametrize("who", ["officer", "station_head"])
def test_police_cannot_subscribe(world, client, who):
    user = getattr(world, who)
    client.force_login(user)
    assert client.get(reverse("push_settings")).status_code == 404
    assert post_json(client, "push_subscribe", browser_json()).status_code == 404
    assert not PushSubscription.objects.exists()
    assert b"Get urgent notices on your phone" not in client.get(reverse("notifications")).content


def test_supervisors_and_coordinators_can_subscribe(world, client):
    for user in (world.supervisor, f.CoordinatorFactory(organization=world.agency)):
        client.force_login(user)
        assert b"Get urgent notices on your phone" in client.get(reverse("notifications")).content
        assert post_json(client, "push_subscribe", browser_json()).status_code == 201
    assert PushSubscription.objects.count() == 2


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get(reverse("push_settings")).status_code == 302
    assert post_json(client, "push_subscribe", browser_json()).status_code == 302


# --- unsubscribing -----------------------------------------------------------------------------------
def test_removing_a_device_from_the_list(world, client):
    sub = subscribe(world.worker)
    client.force_login(world.worker)
    response = client.post(reverse("push_unsubscribe"), {"id": sub.pk}, follow=True)
    assert response.status_code == 200
    assert "Notifications are off for" in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_turning_off_on_the_device_itself(world, client):
    sub = subscribe(world.worker)
    client.force_login(world.worker)
    assert post_json(client, "push_unsubscribe", {"endpoint": sub.endpoint}).status_code == 200
    assert not PushSubscription.objects.exists()
    assert post_json(client, "push_unsubscribe", {"endpoint": sub.endpoint}).status_code == 404
    assert post_json(client, "push_unsubscribe", {}).status_code == 400


def test_another_users_device_cannot_be_removed_and_answers_as_missing(world, client):
    theirs = subscribe(world.worker2)
    client.force_login(world.worker)
    by_id = client.post(reverse("push_unsubscribe"), {"id": theirs.pk})
    missing = client.post(reverse("push_unsubscribe"), {"id": theirs.pk + 1000})
    assert by_id.status_code == missing.status_code == 404
    assert post_json(client, "push_unsubscribe", {"endpoint": theirs.endpoint}).status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    assert theirs.endpoint not in client.get(reverse("push_settings")).content.decode()


def test_the_service_worker_is_served_at_the_root(client):
    response = client.get("/push-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert 'addEventListener("push"' in body and "notificationclick" in body and "openWindow" in body


def test_without_keys_the_page_says_push_is_not_set_up(world, client, settings):
    settings.VAPID_PRIVATE_KEY = ""
    client.force_login(world.worker)
    page = client.get(reverse("push_settings")).content.decode()
    assert "not set up on this server" in page
    assert "data-push-on" not in page


# --- sending -------------------------------------------------------------------------------------------
@mock.patch("pywebpush.webpush")
def test_an_alarm_is_pushed_to_the_recipients_devices_only(webpush, world, django_capture_on_commit_callbacks):
    supervisor_device = subscribe(world.supervisor)
    subscribe(world.worker)  # the worker raising the alarm is not alerted
    subscribe(world.worker2)  # a colleague who is not alerted
    referral = file_referral(world)
    visit = safety_services.plan_visit(
        actor=world.worker,
        referral=referral,
        workers=[world.worker],
        planned_start=timezone.now() + timedelta(minutes=5),
        expected_minutes=60,
    )
    visit = safety_services.start_visit(actor=world.worker, visit=visit)
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.raise_alarm(actor=world.worker, visit=visit)
    notice = Notification.objects.get(recipient=world.supervisor, kind="safety_alert")
    sent = pushed(webpush)
    assert [endpoint for endpoint, _ in sent] == [supervisor_device.endpoint]
    payload = sent[0][1]
    assert payload["title"] == notice.title and payload["url"] == notice.url
    raw = webpush.call_args.kwargs["data"]
    for detail in ("Chen Da", "DV call-out", "screaming"):
        assert detail not in raw
    assert webpush.call_args.kwargs["timeout"] == 10
    assert webpush.call_args.kwargs["vapid_claims"]["sub"] == "mailto:ops@example.org"
    supervisor_device.refresh_from_db()
    assert supervisor_device.last_success_at is not None


@mock.patch("pywebpush.webpush")
def test_an_escalation_is_pushed_in_the_readers_language(webpush, world, django_capture_on_commit_callbacks):
    world.supervisor.language = "zh-hant"
    world.supervisor.save()
    device = subscribe(world.supervisor)
    referral = file_referral(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert referral_services.sweep_escalations(now=referral.escalate_at + timedelta(minutes=1)) == 1
    notice = Notification.objects.get(recipient=world.supervisor, kind="escalation")
    [(endpoint, payload)] = pushed(webpush)
    assert endpoint == device.endpoint
    assert payload["title"] == notice.title and payload["title"].startswith(referral.reference)
    assert payload["url"] == referral.get_absolute_url()
    assert payload["body"] == "開啟個案系統以查看詳情。"
    assert "Chen Da" not in webpush.call_args.kwargs["data"]


@mock.patch("pywebpush.webpush")
def test_a_level_one_referral_after_hours_is_pushed_to_the_on_call_worker(
    webpush, world, django_capture_on_commit_callbacks
):
    f.OnCallShiftFactory(
        team=world.team,
        worker=world.worker2,
        starts_at=datetime(2026, 11, 20, 18, 0, tzinfo=TAIPEI),
        ends_at=datetime(2026, 11, 21, 9, 0, tzinfo=TAIPEI),
    )
    device = subscribe(world.worker2)
    subscribe(world.worker)  # not on call
    with time_machine.travel(datetime(2026, 11, 20, 23, 30, tzinfo=TAIPEI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            referral = file_referral(world, level=1)
    assert referral.after_hours
    assert [e for e, _ in pushed(webpush)] == [device.endpoint]


@mock.patch("pywebpush.webpush")
def test_other_notices_are_not_pushed(webpush, world, django_capture_on_commit_callbacks):
    subscribe(world.worker)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world.worker], kind="referral", title="R-2026-000001: new", url="/")
        with services.inbox_only():  # the demo world's history is never pushed
            services.notify(recipients=[world.worker], kind="escalation", title="R-2026-000001: escalated", url="/")
    assert webpush.call_count == 0


@mock.patch("pywebpush.webpush")
def test_nothing_is_pushed_when_push_is_switched_off(webpush, world, settings, django_capture_on_commit_callbacks):
    settings.PUSH_ENABLED = False
    subscribe(world.worker)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world.worker], kind="escalation", title="R-2026-000001: escalated", url="/")
    assert webpush.call_count == 0
    assert Notification.objects.filter(recipient=world.worker).count() == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_removed(world, status, django_capture_on_commit_callbacks):
    gone, kept = subscribe(world.worker), subscribe(world.worker)

    def service(subscription_info, **kwargs):
        if subscription_info["endpoint"] == gone.endpoint:
            raise WebPushException("Push failed", response=SimpleNamespace(status_code=status, text="", headers={}))
        return SimpleNamespace(status_code=201)

    with mock.patch("pywebpush.webpush", side_effect=service):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[world.worker], kind="escalation", title="R-2026-000001: escalated", url="/")
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectTimeout("push service silent"),
        requests.exceptions.ConnectionError("refused"),
        WebPushException("Push failed", response=SimpleNamespace(status_code=500, text="", headers={})),
        RuntimeError("anything"),
    ],
)
def test_a_failing_push_service_never_stops_the_notice(world, error, django_capture_on_commit_callbacks):
    world.supervisor.phone = "0912-345-678"
    world.supervisor.save()
    device = subscribe(world.supervisor)
    referral = file_referral(world)
    mail.outbox.clear()
    with mock.patch("pywebpush.webpush", side_effect=error) as webpush:
        with django_capture_on_commit_callbacks(execute=True):
            assert referral_services.sweep_escalations(now=referral.escalate_at + timedelta(minutes=1)) == 1
    assert webpush.call_count == 1
    assert Notification.objects.filter(recipient=world.supervisor, kind="escalation").exists()
    assert [m.to for m in mail.outbox] == [[world.supervisor.email]]  # the e-mail still goes
    device.refresh_from_db()
    assert device.failures == 1 and device.last_success_at is None


def test_a_device_failing_again_and_again_is_given_up(world):
    device = subscribe(world.worker)
    PushSubscription.objects.filter(pk=device.pk).update(failures=push.MAX_FAILURES - 1)
    notice = services.notify(recipients=[world.worker], kind="referral", title="R-1: x", url="/")[0]
    with mock.patch("pywebpush.webpush", side_effect=requests.exceptions.ReadTimeout("silent")):
        assert push.deliver(notice.pk) == 0
    assert not PushSubscription.objects.exists()


def test_a_broker_that_is_down_drops_the_push_but_not_the_notice(world, django_capture_on_commit_callbacks):
    from accounts import tasks

    subscribe(world.worker)
    with (
        mock.patch.object(tasks.send_push, "delay", side_effect=ConnectionError("broker down")),
        mock.patch.object(tasks, "_broker_down_until", 0.0),
        mock.patch.object(tasks, "send_notification_email") as email,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[world.worker], kind="escalation", title="R-2026-000001: escalated", url="/")
        assert email.delay.call_count == 1
    assert Notification.objects.filter(recipient=world.worker, kind="escalation").exists()


# --- against a real (local) push service -------------------------------------------------------------
class PushService(ThreadingHTTPServer):
    """Records what arrives; ``delay`` seconds of silence first (a hanging push service)."""

    def __init__(self, delay=0.0, status=201):
        self.received, self.delay, self.status = [], delay, status
        super().__init__(("127.0.0.1", 0), self.Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.server.received.append((dict(self.headers), body))
            time.sleep(self.server.delay)
            self.send_response(self.server.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/push/"


def local_device(user, service):
    """A subscription whose push service is the local one (rows are written as the browser gave them)."""
    keys = device_keys()
    sub = PushSubscription.objects.create(user=user, endpoint=service.url, p256dh=keys.p256dh, auth=keys.auth)
    return sub, keys


def test_a_real_push_is_encrypted_for_the_device_and_carries_title_and_link_only(world):
    service = PushService()
    try:
        sub, keys = local_device(world.supervisor, service)
        notice = services.notify(
            recipients=[world.supervisor], kind="escalation", title="R-2026-000042: escalated", url="/referrals/42/"
        )[0]
        assert push.deliver(notice.pk) == 1
    finally:
        service.shutdown()
    [(headers, body)] = service.received
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["authorization"].startswith("vapid t=")  # signed with our VAPID key
    assert (headers["content-encoding"], headers["urgency"]) == ("aes128gcm", "high")
    plain = http_ece.decrypt(body, private_key=keys.private, auth_secret=base64.urlsafe_b64decode(keys.auth + "=="))
    data = json.loads(plain)
    assert set(data) == {"title", "body", "url", "tag"}
    assert (data["title"], data["url"]) == ("R-2026-000042: escalated", "/referrals/42/")
    sub.refresh_from_db()
    assert sub.last_success_at is not None


def test_a_hanging_push_service_is_given_up_after_the_timeout(world, settings):
    settings.PUSH_TIMEOUT = 1
    service = PushService(delay=5)
    try:
        sub, _keys = local_device(world.supervisor, service)
        notice = services.notify(recipients=[world.supervisor], kind="escalation", title="R-1: escalated", url="/")[0]
        started = time.monotonic()
        assert push.deliver(notice.pk) == 0
        assert time.monotonic() - started < 4
    finally:
        service.shutdown()
    sub.refresh_from_db()
    assert sub.failures == 1


def test_generate_vapid_keys_prints_a_usable_pair():
    from py_vapid import Vapid

    out = io.StringIO()
    call_command("generate_vapid_keys", stdout=out, stderr=io.StringIO())
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    vapid = Vapid.from_string(values["VAPID_PRIVATE_KEY"])
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert b64(public) == values["VAPID_PUBLIC_KEY"]
