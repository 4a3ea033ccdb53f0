"""Alarms, duress and second-level missed check-outs go by SMS too; a gateway that hangs never holds a sweep."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qsl

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import sms
from accounts.models import Notification, SmsMessage
from safety import services
from safety.models import SafetyAlert, SafetyContact
from tests import factories as f
from tests.safety.conftest import soon

pytestmark = pytest.mark.django_db

SUPERVISOR_PHONE, CONTACT_PHONE, WORKER_PHONE, ON_CALL_PHONE = (
    "0912-345-678",
    "0933 111 222",
    "0955000111",
    "0966000222",
)


@pytest.fixture
def phones(world):
    """The supervisor, the agency's safety contact and the worker have mobile numbers."""
    world.supervisor.phone = SUPERVISOR_PHONE
    world.supervisor.save()
    world.worker.phone = WORKER_PHONE
    world.worker.save()
    other_team = f.TeamFactory(district=world.station.district, parent=world.agency)
    world.contact = f.SocialWorkerFactory(organization=other_team, phone=CONTACT_PHONE)
    SafetyContact.objects.create(agency=world.agency, user=world.contact)
    return world


def started(world):
    visit = services.plan_visit(
        actor=world.worker, referral=world.referral, workers=[world.worker], planned_start=soon(10), expected_minutes=60
    )
    return services.start_visit(actor=world.worker, visit=visit)


def numbers():
    return sorted(m.to for m in sms.outbox)


def test_level_1_is_in_app_only_and_level_2_goes_by_sms(phones, django_capture_on_commit_callbacks):
    visit = started(phones)
    end = visit.expected_end_at
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_lone_workers(now=end + timedelta(minutes=15)) == 1
    assert sms.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_lone_workers(now=end + timedelta(minutes=30)) == 1
    assert numbers() == ["+886912345678", "+886933111222"]  # supervisor and safety contact, never the worker
    body = sms.outbox[0].body
    assert body.startswith(f"{visit.referral.reference}: missed check-out")
    assert visit.get_absolute_url() in body
    for detail in ("Chen Da", "DV call-out", "Heping"):  # no names, narrative or address for this step
        assert detail not in body
    alert = SafetyAlert.objects.get(visit=visit, level=2)
    rows = SmsMessage.objects.filter(object_id=alert.pk)
    assert sorted(rows.values_list("state", flat=True)) == ["sent", "sent"]
    assert all(row.provider_id for row in rows)


def test_alarm_goes_by_sms_with_the_address_as_in_app(phones, django_capture_on_commit_callbacks):
    visit = started(phones)
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_alarm(actor=phones.worker, visit=visit)
    assert numbers() == ["+886912345678", "+886933111222"]
    in_app = Notification.objects.get(recipient=phones.supervisor, kind="safety_alert").title
    for message in sms.outbox:
        assert message.body.startswith(in_app)  # the in-app notice, and the link to open it
        assert "Heping" in message.body and "Chen Da" not in message.body


def test_duress_goes_by_sms_but_never_to_the_worker_under_duress(phones, django_capture_on_commit_callbacks):
    from accounts.models import OnCallShift

    # The worker is on call for the team too: still no text to their own phone.
    OnCallShift.objects.create(
        team=phones.team,
        worker=phones.worker,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=8),
    )
    services.set_duress_code(user=phones.worker, code="4321")
    visit = started(phones)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_out(actor=phones.worker, visit=visit, code="4321")
    assert numbers() == ["+886912345678", "+886933111222"]
    assert "+886955000111" not in numbers()
    assert all("silent alarm" in m.body for m in sms.outbox)


def test_recipients_without_a_number_are_skipped(world, django_capture_on_commit_callbacks):
    visit = started(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_alarm(actor=world.worker, visit=visit)
    assert sms.outbox == [] and not SmsMessage.objects.exists()
    assert Notification.objects.filter(recipient=world.supervisor, kind="safety_alert").exists()


@pytest.mark.parametrize(
    "phone,number",
    [("0912-345-678", "+886912345678"), ("+1 (415) 555-0100", "+14155550100"), ("00886912345678", "+886912345678")]
    + [("", ""), ("12345", ""), ("abc", "")],
)
def test_numbers_are_sent_in_international_form(phone, number):
    assert sms.normalise_number(phone) == number


# --- the HTTP gateway, its receipts and a fault drill ------------------------------------------------
class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging handler must not hold the test at shutdown


class Gateway:
    """A local Twilio-compatible gateway: answers like Twilio, or accepts and never answers (hang)."""

    def __init__(self, hang=False):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((self.path, dict(self.headers), dict(parse_qsl(body.decode()))))
                if outer.hang:
                    time.sleep(3)
                    return
                answer = json.dumps({"sid": f"SM{len(outer.requests):032d}", "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.hang = hang
        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/2010-04-01/Accounts/AC123"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.twilio.SmsBackend"
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC123", "secret-token", "+886900000000"
    settings.SMS_TIMEOUT = 1
    settings.SITE_URL = "https://psw.example.org"
    return settings


def test_gateway_gets_a_signed_form_and_receipts_update_the_state(
    phones, twilio, client, django_capture_on_commit_callbacks
):
    visit = started(phones)
    with Gateway() as gateway:
        twilio.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            services.raise_alarm(actor=phones.worker, visit=visit)
    assert len(gateway.requests) == 2
    path, headers, form = gateway.requests[0]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert headers["Authorization"] == "Basic QUMxMjM6c2VjcmV0LXRva2Vu"  # AC123:secret-token
    assert form["From"] == "+886900000000" and form["To"] in ("+886912345678", "+886933111222")
    assert form["StatusCallback"] == "https://psw.example.org/sms/status/"
    assert form["Body"].startswith(visit.referral.reference)
    row = SmsMessage.objects.get(to_number=form["To"])
    assert (row.state, row.attempts) == ("sent", 1) and row.provider_id.startswith("SM")

    receipt = {"MessageSid": row.provider_id, "MessageStatus": "delivered", "AccountSid": "AC123"}
    forged = client.post(reverse("sms_status"), receipt, HTTP_X_TWILIO_SIGNATURE="bm90LXRoZS1zaWduYXR1cmU=")
    assert forged.status_code == 403
    row.refresh_from_db()
    assert row.state == "sent" and row.delivered_at is None

    signed = sms.signature("https://psw.example.org/sms/status/", receipt.items(), "secret-token")
    ok = client.post(reverse("sms_status"), receipt, HTTP_X_TWILIO_SIGNATURE=signed)
    assert ok.status_code == 204
    row.refresh_from_db()
    assert row.state == "delivered" and row.delivered_at is not None

    # A late "sent" never moves it back; "undelivered" for the other text marks it failed.
    late = {"MessageSid": row.provider_id, "MessageStatus": "sent"}
    client.post(
        reverse("sms_status"),
        late,
        HTTP_X_TWILIO_SIGNATURE=sms.signature(sms.callback_url(), late.items(), "secret-token"),
    )
    row.refresh_from_db()
    assert row.state == "delivered"
    other = SmsMessage.objects.exclude(pk=row.pk).get()
    lost = {"MessageSid": other.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    client.post(
        reverse("sms_status"),
        lost,
        HTTP_X_TWILIO_SIGNATURE=sms.signature(sms.callback_url(), lost.items(), "secret-token"),
    )
    other.refresh_from_db()
    assert other.state == "failed" and "30003" in other.error


def test_receipts_are_refused_without_a_configured_token(phones, client, settings):
    settings.SMS_AUTH_TOKEN = ""
    receipt = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    signed = sms.signature(sms.callback_url(), receipt.items(), "")
    assert client.post(reverse("sms_status"), receipt, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 403


def test_fault_drill_a_hanging_gateway_never_holds_the_sweep(phones, twilio, django_capture_on_commit_callbacks):
    """The gateway accepts the connection and never answers. The sweep only writes the texts: it fires
    both escalation steps at once; the sends time out afterwards and wait for a retry."""
    visit = started(phones)
    end = visit.expected_end_at
    with Gateway(hang=True) as gateway:
        twilio.SMS_GATEWAY_URL = gateway.url
        began = time.monotonic()
        with django_capture_on_commit_callbacks(execute=False) as sends:
            assert services.sweep_lone_workers(now=end + timedelta(minutes=15)) == 1
            assert services.sweep_lone_workers(now=end + timedelta(minutes=30)) == 1
        assert time.monotonic() - began < 1  # no gateway call inside the sweep
        assert sorted(SafetyAlert.objects.filter(visit=visit).values_list("level", flat=True)) == [1, 2]
        assert Notification.objects.filter(recipient=phones.supervisor, kind="safety_alert").count() == 2
        assert set(SmsMessage.objects.values_list("state", flat=True)) == {"queued"}
        began = time.monotonic()
        for send in sends:  # the `email` worker's tasks
            send()
        assert time.monotonic() - began < 2 * (1 + 1)  # each send gives up after SMS_TIMEOUT
        assert len(gateway.requests) == 2
    rows = list(SmsMessage.objects.all())
    assert {(r.state, r.attempts) for r in rows} == {("retrying", 1)}
    assert all("timeout" in r.error for r in rows)
    assert all(r.next_attempt_at > timezone.now() for r in rows)  # the retry waits its pause


def test_failed_sends_are_retried_with_growing_pauses_then_marked_failed(
    phones, twilio, django_capture_on_commit_callbacks
):
    twilio.SMS_GATEWAY_URL = "http://127.0.0.1:9/2010-04-01/Accounts/AC123"
    visit = started(phones)
    with mock.patch("urllib.request.urlopen", side_effect=TimeoutError("timed out")) as gateway:
        with django_capture_on_commit_callbacks(execute=True):
            services.raise_alarm(actor=phones.worker, visit=visit)
        pauses = []
        now = timezone.now()
        for _ in range(sms.MAX_ATTEMPTS - 1):
            row = SmsMessage.objects.order_by("pk").first()
            pauses.append(row.next_attempt_at - now)
            now = row.next_attempt_at + timedelta(seconds=1)
            sms.deliver_due(now)
    assert gateway.call_count == 2 * sms.MAX_ATTEMPTS
    assert [round(p.total_seconds() / 30) for p in pauses] == [1, 2, 4, 8]
    rows = SmsMessage.objects.all()
    assert {(r.state, r.attempts) for r in rows} == {("failed", sms.MAX_ATTEMPTS)}
    assert sms.deliver_due(now + timedelta(days=1)) == 0  # given up: nothing more is sent


def test_outbox_sweep_sends_what_the_broker_never_delivered(phones, django_capture_on_commit_callbacks):
    visit = started(phones)
    with django_capture_on_commit_callbacks(execute=False):  # the tasks were never published
        services.raise_alarm(actor=phones.worker, visit=visit)
    assert sms.outbox == []
    assert sms.deliver_due() == 2
    assert numbers() == ["+886912345678", "+886933111222"]
    assert sms.deliver_due() == 0  # sent once
