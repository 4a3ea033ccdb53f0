"""An agency's system hears of its referrals' status changes: signed, references and statuses only,
retried with growing pauses, switched off after repeated failure."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from accounts import webhooks
from accounts.models import WebhookDelivery, WebhookSubscription
from referrals import services
from tests import factories as f
from tests.referrals import conftest as referral_fixtures
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db
world = referral_fixtures.world  # a station matched to a team of an agency, with its people


class Receiver:
    """A local HTTP endpoint answering ``status`` and keeping what it received."""

    def __init__(self, status=204):
        received = self.received = []
        answer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(answer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status = status
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _file(world):
    return services.submit_referral(
        actor=world.officer,
        persons=[SUBJECT],
        **referral_data(narrative="Secret narrative", category="domestic_violence"),
    )


def test_the_agency_hears_of_its_referrals_changes_signed_and_without_case_content(world, receiver):
    mine = WebhookSubscription.objects.create(organization=world.agency, url=receiver.url)
    WebhookSubscription.objects.create(organization=f.AgencyFactory(), url=receiver.url)  # another agency
    referral = _file(world)
    services.acknowledge_referral(actor=world.worker, referral=referral)

    assert webhooks.deliver_due() == 2
    assert set(WebhookDelivery.objects.values_list("subscription", flat=True)) == {mine.pk}
    by_status = {json.loads(body)["referral"]["status"]: (headers, body) for headers, body in receiver.received}
    (headers, body), (_, second) = by_status["submitted"], by_status["acknowledged"]
    payload = json.loads(body)
    assert payload["event"] == "referral.changed"
    assert payload["referral"] == {
        "reference": referral.reference,
        "status": "submitted",
        "previous_status": None,
        "status_code": "waiting",
        "change": "submitted",
        "changed_at": payload["referral"]["changed_at"],
    }
    assert json.loads(second)["referral"]["status"] == "acknowledged"
    for private in (b"Secret narrative", b"domestic", b"Wang", b"0933"):
        assert private not in body + second
    timestamp, mac = (part.split("=", 1)[1] for part in headers["X-Webhook-Signature"].split(","))
    expected = hmac.new(mine.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert headers["X-Webhook-Id"] == payload["id"]
    assert WebhookDelivery.objects.filter(state="delivered").count() == 2


def test_nothing_is_queued_for_a_change_that_rolled_back(world):
    WebhookSubscription.objects.create(organization=world.agency, url="http://127.0.0.1:9/hook")
    referral = _file(world)
    WebhookDelivery.objects.all().delete()
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal will do
        services.close_referral(actor=world.worker, referral=referral, outcome="mediated", summary="not accepted yet")
    assert not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_growing_pauses_then_the_subscription_is_switched_off(world):
    failing = Receiver(status=500)
    try:
        subscription = WebhookSubscription.objects.create(organization=world.agency, url=failing.url)
        _file(world)
        delivery = WebhookDelivery.objects.get()
        pauses = []
        for _ in range(4):
            before = timezone.now()
            webhooks.deliver_due(now=timezone.now() + timedelta(days=1))
            delivery.refresh_from_db()
            pauses.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
        assert pauses == [1, 2, 4, 8]
        assert delivery.last_status == 500 and delivery.state == "pending" and delivery.attempts == 4

        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliver_due(now=timezone.now() + timedelta(days=1))
        delivery.refresh_from_db()
        assert delivery.state == "gave_up" and delivery.attempts == webhooks.MAX_ATTEMPTS
        assert len(failing.received) == webhooks.MAX_ATTEMPTS

        subscription.consecutive_failures = webhooks.DISABLE_AFTER - 1
        subscription.save()
        _file(world)
        webhooks.deliver_due(now=timezone.now() + timedelta(days=1))
        subscription.refresh_from_db()
        assert not subscription.active and subscription.disabled_at is not None
        _file(world)
        assert WebhookDelivery.objects.count() == 2  # a switched-off subscription gets nothing new
    finally:
        failing.close()


def test_an_unreachable_receiver_does_not_hold_up_the_sweep(world):
    WebhookSubscription.objects.create(organization=world.agency, url="http://127.0.0.1:9/hook")
    _file(world)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_status is None
    assert "Error" in delivery.last_error
