"""Texting users: SMS rows written with the alert that causes them, handed to the `email` worker after
commit (the SMS channel itself, backends and delivery, is ``accounts.sms``)."""

import logging
import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import override

from accounts import tasks
from accounts.models import SmsMessage
from accounts.services import replaying
from accounts.sms import normalise_number

log = logging.getLogger(__name__)


def text(recipients, reference, message, url="", *, about=None, kind=""):
    """Queue "<reference>: <message> <link>" to every active recipient with a usable number, each in
    their language; the same minimum detail as the in-app notice. Returns the rows written.

    Call inside the transaction that raised the alert: the rows (and so the texts) exist only if it
    commits, and nothing here talks to the gateway."""
    if not settings.SMS_ENABLED or replaying():  # the demo world's history is not texted to anyone
        return []
    link = f" {settings.SITE_URL.rstrip('/')}{url}" if url else ""
    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    rows, seen = [], set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        number = normalise_number(user.phone)
        if not number:
            log.info("no usable mobile number for user %s; SMS skipped", user.pk)
            continue
        with override(user.language or settings.LANGUAGE_CODE):
            body = f"{reference}: {message}{link}"
        rows.append(
            SmsMessage(
                recipient=user,
                to_number=number,
                body=body[:480],
                content_type=about_type,
                object_id=about.pk if about is not None else None,
                kind=kind,
            )
        )
    created = SmsMessage.objects.bulk_create(rows)
    for row in created:
        transaction.on_commit(lambda pk=row.pk: queue(pk))
    return created


def queue(message_id):
    """Hand one row to the `email` worker; never send here. Without a broker the outbox sweep sends it."""
    if settings.EMAIL_DELIVERY != "celery" or time.monotonic() < tasks.broker_down_until():
        return
    try:
        tasks.send_sms.delay(message_id)
    except Exception:  # noqa: BLE001 - broker unavailable: deliver_due sends it
        tasks.mark_broker_down()
        log.warning("broker unavailable; SMS %s left in the outbox", message_id)
