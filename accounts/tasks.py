from celery import shared_task

from accounts import services, timers


@shared_task(acks_late=True)
def send_notification_email(notification_id):
    return services.deliver_email(notification_id)


@shared_task
def deliver_pending_emails():
    return services.deliver_pending_emails()


@shared_task(soft_time_limit=50, time_limit=60)
def deliver_webhooks():
    from accounts import webhooks

    return webhooks.deliver_due()


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
    """Queue the e-mail; if the broker is down the row stays pending for the outbox sweep."""
    global _broker_down_until
    import logging
    import time

    if time.monotonic() < _broker_down_until:
        return  # the outbox sweep (deliver_pending_emails) sends it once the broker is back
    try:
        send_notification_email.delay(notification_id)
    except Exception:  # noqa: BLE001 - broker unavailable: deliver_pending_emails retries
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        logging.getLogger(__name__).warning("broker unavailable; notification %s left in outbox", notification_id)
