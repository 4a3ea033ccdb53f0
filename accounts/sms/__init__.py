"""The SMS channel: a pluggable backend (setting ``SMS_BACKEND``, like Django's e-mail backends) and an
outbox of :class:`~accounts.models.SmsMessage` rows.

* ``accounts.sms.backends.console.SmsBackend`` prints (development),
* ``accounts.sms.backends.locmem.SmsBackend`` appends to :data:`outbox` (tests),
* ``accounts.sms.backends.twilio.SmsBackend`` posts to a Twilio-compatible gateway, with delivery
  receipts to :func:`accounts.sms.views.status_callback`.

Callers (alerts raised inside timer sweeps and requests) only write rows with
:func:`accounts.texting.text`; the rows
are sent after commit by a task on the ``email`` queue, or by the outbox sweep (:func:`deliver_due`)
when there is no broker or the task never ran. A send that fails waits 30 s, 1, 2, 4 … minutes
before the next attempt and is marked failed after ``MAX_ATTEMPTS``.
"""

import base64
import hashlib
import hmac
import logging
import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_PAUSE = timedelta(seconds=30)
MAX_PAUSE = timedelta(minutes=30)
BATCH = 20

# What the locmem backend has sent (tests empty it between tests, like django.core.mail.outbox).
outbox = []


def get_backend(path=None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def normalise_number(phone):
    """A staff phone as the gateway wants it (E.164): "0912-345 678" → "+886912345678"; "" if unusable."""
    digits = re.sub(r"[\s\-().]", "", phone or "")
    if digits.startswith("+"):
        number = "+" + re.sub(r"\D", "", digits[1:])
    elif digits.startswith("00"):
        number = "+" + re.sub(r"\D", "", digits[2:])
    elif digits.startswith("0"):
        number = f"+{settings.SMS_COUNTRY_CODE}" + re.sub(r"\D", "", digits[1:])
    else:
        return ""
    return number if 8 <= len(number) <= 16 else ""


def callback_url():
    return f"{settings.SITE_URL.rstrip('/')}{reverse('sms_status')}"


# --- sending ------------------------------------------------------------------------------------
def _claim(message_id, now):
    """Take the row for one attempt: its next attempt moves past the send timeout, so a parallel
    sender (the task and the outbox sweep) skips it."""
    from accounts.models import SmsMessage

    hold = now + timedelta(seconds=settings.SMS_TIMEOUT * 4)
    with transaction.atomic():
        row = (
            SmsMessage.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id,
                state__in=[SmsMessage.State.QUEUED, SmsMessage.State.RETRYING],
                next_attempt_at__lte=now,
            )
            .first()
        )
        if row is None:
            return None
        row.next_attempt_at = hold
        row.save(update_fields=["next_attempt_at"])
    return row


def deliver(message_id, now=None):
    """One attempt at one queued text; True when the gateway took it."""
    from accounts.models import SmsMessage
    from accounts.sms.backends.base import SmsError

    now = max(now or timezone.now(), timezone.now())
    row = _claim(message_id, now)
    if row is None:
        return False
    row.attempts += 1
    try:
        result = get_backend().send(row.to_number, row.body, status_callback=callback_url())
    except SmsError as exc:
        row.error = str(exc)[:300]
        if exc.permanent or row.attempts >= MAX_ATTEMPTS:
            row.state, row.next_attempt_at = SmsMessage.State.FAILED, None
        else:
            row.state = SmsMessage.State.RETRYING
            row.next_attempt_at = now + min(FIRST_PAUSE * 2 ** (row.attempts - 1), MAX_PAUSE)
        log.warning("SMS %s failed (attempt %s): %s", row.pk, row.attempts, row.error)
        row.save(update_fields=["attempts", "error", "state", "next_attempt_at"])
        return False
    now = timezone.now()
    row.provider_id, row.error, row.next_attempt_at, row.sent_at = result.provider_id, "", None, now
    row.state = SmsMessage.State.DELIVERED if result.state == "delivered" else SmsMessage.State.SENT
    row.delivered_at = now if row.state == SmsMessage.State.DELIVERED else None
    row.save(update_fields=["attempts", "provider_id", "error", "next_attempt_at", "sent_at", "state", "delivered_at"])
    return True


def deliver_due(now=None, budget_seconds=20):
    """Outbox sweep: texts whose task never ran (broker down, worker killed) and retries that are due,
    oldest first, within a time budget; after two failures in a row the gateway is taken to be down
    and the rest wait for the next round."""
    from accounts.models import SmsMessage

    started = time.monotonic()
    now = now or timezone.now()
    ids = list(
        SmsMessage.objects.filter(
            state__in=[SmsMessage.State.QUEUED, SmsMessage.State.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = failed_in_a_row = 0
    for pk in ids:
        if time.monotonic() - started > budget_seconds:
            break
        if deliver(pk, now):
            sent += 1
            failed_in_a_row = 0
        else:
            failed_in_a_row += 1
            if failed_in_a_row >= 2:
                break
    return sent


# --- delivery receipts --------------------------------------------------------------------------
def signature(url, params, token):
    """Twilio's request signature: base64 HMAC-SHA1 of the URL followed by each POST field's name and
    value, sorted by name, keyed with the account's auth token."""
    data = url + "".join(f"{key}{value}" for key, value in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signature_ok(url, params, given):
    token = settings.SMS_AUTH_TOKEN
    if not token or not given:
        return False
    return hmac.compare_digest(signature(url, params, token), given)


# The gateway's states as ours; states not listed (queued, sending, accepted) change nothing.
RECEIPT_STATES = {"sent": "sent", "delivered": "delivered", "undelivered": "failed", "failed": "failed"}


@transaction.atomic
def apply_receipt(provider_id, status, error_code=""):
    """Record a delivery receipt; returns the row, or None for an id we never sent. A receipt never
    moves a message back (a late "sent" after "delivered" is ignored)."""
    from accounts.models import SmsMessage

    row = SmsMessage.objects.select_for_update().filter(provider_id=provider_id).exclude(provider_id="").first()
    if row is None:
        return None
    new = RECEIPT_STATES.get(status)
    order = [SmsMessage.State.SENT, SmsMessage.State.FAILED, SmsMessage.State.DELIVERED]
    if new is None or row.state not in order or order.index(new) <= order.index(row.state):
        return row
    row.state = new
    if new == SmsMessage.State.DELIVERED:
        row.delivered_at = timezone.now()
    if new == SmsMessage.State.FAILED:
        row.error = f"gateway: {status} {error_code}".strip()[:300]
    row.save(update_fields=["state", "delivered_at", "error"])
    return row
