"""Delivering notices to browsers by Web Push (VAPID). Runs in the `email` worker (or a thread in the
embedded mode), never in a request or a timer sweep.

A push carries the notice's title and link only (minimum detail, as the in-app notice and the e-mail).
It is sent once: a push is an extra channel, so a device that is off, a push service that fails or
hangs (bounded by PUSH_TIMEOUT) loses nothing; the inbox entry, e-mail and SMS carry the notice."""

import json
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Notification, PushSubscription

log = logging.getLogger(__name__)

GONE = (404, 410)  # the push service no longer knows the subscription: the device unsubscribed
MAX_FAILURES = 20  # other failures in a row before a subscription is given up
TTL = 60 * 60  # seconds a push service keeps an undelivered push (a device that is off for longer misses it)


def payload(notification):
    """The notice's title and link, and a line in the recipient's language; nothing more."""
    with override(notification.recipient.language or settings.LANGUAGE_CODE):
        body = _("Open the case system to read more.")
    return json.dumps(
        {
            "title": notification.title,
            "body": body,
            "url": notification.url or "/",
            "tag": f"notice-{notification.pk}",
        },
        ensure_ascii=False,
    )


def deliver(notification_id):
    """Push one notice to each of its recipient's devices; returns how many pushes were accepted."""
    from pywebpush import WebPushException, webpush

    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or not (settings.PUSH_ENABLED and settings.VAPID_PRIVATE_KEY):
        return 0
    data = payload(n)
    sent = 0
    for sub in PushSubscription.objects.filter(user_id=n.recipient_id):
        try:
            webpush(
                subscription_info={"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                data=data,
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},  # a fresh dict: webpush adds aud and exp to it
                timeout=settings.PUSH_TIMEOUT,
                ttl=TTL,
                headers={"Urgency": "high"},
            )
        except WebPushException as exc:
            if exc.status_code in GONE:
                log.info("push subscription %s gone (%s); removed", sub.pk, exc.status_code)
                sub.delete()
            else:
                _failed(sub, exc)
            continue
        except Exception as exc:  # noqa: BLE001 - timeouts, refused connections, bad keys: the next notice tries again
            _failed(sub, exc)
            continue
        PushSubscription.objects.filter(pk=sub.pk).update(last_success_at=timezone.now(), failures=0)
        sent += 1
    return sent


def _failed(sub, exc):
    log.warning("push to subscription %s failed: %s", sub.pk, str(exc)[:200])
    if sub.failures + 1 >= MAX_FAILURES:
        sub.delete()
    else:
        PushSubscription.objects.filter(pk=sub.pk).update(failures=F("failures") + 1)
