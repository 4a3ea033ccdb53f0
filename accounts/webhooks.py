"""Webhooks: an organisation's systems hear of referral status changes, signed, retried, logged.

A change writes one ``WebhookDelivery`` row per interested subscription in the same transaction
as the change (an outbox), so nothing is sent for a change that rolled back and nothing is lost
when the sender is down. ``deliver_due`` sends what is due, claiming rows with SKIP LOCKED; a
failed attempt waits longer each time (1, 2, 4 … minutes, at most 6 hours) and is given up after
``MAX_ATTEMPTS``; a subscription failing ``DISABLE_AFTER`` times in a row is switched off.

Payloads carry references and statuses only: never names, narratives, categories or notes.
Receivers check ``X-Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with their secret and ignore a repeated ``X-Webhook-Id``.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
DISABLE_AFTER = 20
TIMEOUT_SECONDS = 5
BATCH = 20
MAX_PAUSE = timedelta(hours=6)


def sign(secret, body, timestamp):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def announce(event, reference, organisations, data):
    """Queue ``event`` about ``reference`` for every active subscription of an organisation
    containing one of ``organisations``. Call inside the transaction that made the change."""
    units = [org for org in organisations if org is not None]
    if not units:
        return []
    now = timezone.now()
    rows = [
        WebhookDelivery(
            subscription=subscription,
            event=event,
            reference=reference,
            payload={"id": str(uuid.uuid4()), "event": event, "occurred_at": now.isoformat(), **data},
            next_attempt_at=now,
        )
        for subscription in WebhookSubscription.objects.filter(active=True).select_related("organization")
        if any(subscription.organization.contains(unit) for unit in units)
    ]
    return WebhookDelivery.objects.bulk_create(rows)


def deliver_due(now=None, budget_seconds=20):
    """Send due deliveries, a few at a time, within a time budget; returns how many were delivered."""
    started = time.monotonic()
    delivered, tried = 0, set()
    while time.monotonic() - started < budget_seconds:
        claimed = _claim(now or timezone.now(), tried)
        if not claimed:
            break
        for delivery in claimed:
            tried.add(delivery.pk)
            delivered += _attempt(delivery)
    return delivered


def _claim(now, tried):
    # A claimed row's next attempt moves past the send timeout, so a parallel sweep skips it even
    # after the short claiming transaction has ended.
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
            .exclude(pk__in=tried)  # one attempt per delivery and run
            .order_by("next_attempt_at")[:BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in rows]).update(
            next_attempt_at=now + timedelta(seconds=TIMEOUT_SECONDS * 4)
        )
    return WebhookDelivery.objects.select_related("subscription").filter(pk__in=[d.pk for d in rows])


def _attempt(delivery):
    subscription = delivery.subscription
    if not subscription.active:
        return 0
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    status, error = _post(subscription, delivery, body)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error[:300]
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.State.DELIVERED, now, None
        subscription.consecutive_failures = 0
    else:
        subscription.consecutive_failures += 1
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.GAVE_UP, None
        else:
            delivery.next_attempt_at = now + min(timedelta(minutes=2 ** (delivery.attempts - 1)), MAX_PAUSE)
        if subscription.consecutive_failures >= DISABLE_AFTER:
            subscription.active, subscription.disabled_at = False, now
            log.warning("webhook subscription %s disabled after %s failures", subscription.pk, DISABLE_AFTER)
    delivery.save(update_fields=["attempts", "last_status", "last_error", "state", "delivered_at", "next_attempt_at"])
    subscription.save(update_fields=["consecutive_failures", "active", "disabled_at"])
    return int(delivery.state == WebhookDelivery.State.DELIVERED)


def _post(subscription, delivery, body):
    if not subscription.url.startswith(("https://", "http://")):
        return None, "only http(s) addresses are called"
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "police-social-work-webhooks/1",
            "X-Webhook-Id": delivery.payload["id"],
            "X-Webhook-Event": delivery.event,
            "X-Webhook-Signature": sign(subscription.secret, body, timestamp),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked above
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
