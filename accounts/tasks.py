import logging
import threading
import time

from celery import shared_task
from django.conf import settings

from accounts import outbox, timers

log = logging.getLogger(__name__)

# An SMTP session is a handful of exchanges, each bounded by EMAIL_TIMEOUT; past these limits the send is
# abandoned (the row stays in the outbox) so a silent mail server cannot hold an `email` worker for ever.
EMAIL_SOFT_TIME_LIMIT = settings.EMAIL_TIMEOUT * 4
EMAIL_TIME_LIMIT = EMAIL_SOFT_TIME_LIMIT + 15
SMS_SOFT_TIME_LIMIT = settings.SMS_TIMEOUT * 3
PUSH_SOFT_TIME_LIMIT = settings.PUSH_TIMEOUT * 4


@shared_task(acks_late=True, soft_time_limit=EMAIL_SOFT_TIME_LIMIT, time_limit=EMAIL_TIME_LIMIT)
def send_notification_email(notification_id):
    return outbox.deliver_email(notification_id)


@shared_task(soft_time_limit=EMAIL_SOFT_TIME_LIMIT, time_limit=EMAIL_TIME_LIMIT)
def send_email_message(subject, body, from_email, to, html=None):
    """A message that is not a notification (password reset): sent once, not kept in the outbox."""
    return outbox.send_message(subject, body, from_email, to, html)


@shared_task(soft_time_limit=EMAIL_SOFT_TIME_LIMIT * 10, time_limit=EMAIL_SOFT_TIME_LIMIT * 10 + 15)
def deliver_pending_emails():
    return outbox.deliver_pending_emails()


@shared_task(soft_time_limit=50, time_limit=60)
def deliver_webhooks():
    from accounts import webhooks

    return webhooks.deliver_due()


@shared_task(acks_late=True, soft_time_limit=SMS_SOFT_TIME_LIMIT, time_limit=SMS_SOFT_TIME_LIMIT + 15)
def send_sms(message_id):
    """One attempt at one text (accounts.sms); a failure leaves the row for the outbox sweep's retry."""
    from accounts import sms

    return sms.deliver(message_id)


@shared_task(soft_time_limit=SMS_SOFT_TIME_LIMIT * 10, time_limit=SMS_SOFT_TIME_LIMIT * 10 + 15)
def deliver_pending_sms():
    from accounts import sms

    return sms.deliver_due()


@shared_task(soft_time_limit=PUSH_SOFT_TIME_LIMIT, time_limit=PUSH_SOFT_TIME_LIMIT + 15)
def send_push(notification_id):
    """One notice to its recipient's browsers (accounts.push); sent once, never retried."""
    from accounts import push

    return push.deliver(notification_id)


@shared_task
def apply_retention():
    from accounts import retention

    return retention.run().report


@shared_task
def sweep_timers():
    return timers.run_all()


BROKER_RETRY_AFTER = 30  # seconds without publishing after a failure, so requests do not wait on a dead broker
_broker_down_until = 0.0


def queue_email(notification_id):
    """Queue the e-mail; never send it here (callers are requests and timer sweeps).

    Without a broker (EMAIL_DELIVERY "outbox") the row simply stays pending for the outbox sender;
    if the broker is down it stays pending for the outbox sweep.
    """
    global _broker_down_until

    if settings.EMAIL_DELIVERY != "celery":
        return  # run_timers' mail thread sends it
    if time.monotonic() < _broker_down_until:
        return  # the outbox sweep (deliver_pending_emails) sends it once the broker is back
    try:
        send_notification_email.delay(notification_id)
    except Exception:  # noqa: BLE001 - broker unavailable: deliver_pending_emails retries
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        log.warning("broker unavailable; notification %s left in outbox", notification_id)


def queue_push(notification_id):
    """Hand a push to the `email` worker, or to a thread without a broker; never send it here.
    A push that cannot be queued is dropped: the inbox entry, e-mail and SMS still carry the notice."""
    if settings.EMAIL_DELIVERY == "celery":
        if time.monotonic() < _broker_down_until:
            return
        try:
            send_push.delay(notification_id)
        except Exception:  # noqa: BLE001 - broker unavailable
            mark_broker_down()
            log.warning("broker unavailable; push for notification %s dropped", notification_id)
        return
    threading.Thread(target=_push_in_thread, args=(notification_id,), daemon=True).start()


def _push_in_thread(notification_id):
    from django.db import connection

    from accounts import push

    try:
        push.deliver(notification_id)
    except Exception:  # noqa: BLE001 - a thread has nobody to tell
        log.warning("push for notification %s failed", notification_id, exc_info=True)
    finally:
        connection.close()


def broker_down_until():
    return _broker_down_until


def mark_broker_down():
    global _broker_down_until

    _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER


def queue_message(subject, body, from_email, to, html=None):
    """Send a one-off message apart from the caller: a task on the `email` queue, or a thread without a broker."""
    if settings.EMAIL_DELIVERY == "celery":
        try:
            send_email_message.delay(subject, body, from_email, list(to), html)
        except Exception:  # noqa: BLE001 - broker unavailable: the user can ask again
            log.warning("broker unavailable; a one-off e-mail was not queued")
        return
    threading.Thread(target=outbox.send_message, args=(subject, body, from_email, list(to), html), daemon=True).start()
