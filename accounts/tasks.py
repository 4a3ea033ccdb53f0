from celery import shared_task

from accounts import services, timers


@shared_task(acks_late=True)
def send_notification_email(notification_id):
    return services.deliver_email(notification_id)


@shared_task
def deliver_pending_emails():
    return services.deliver_pending_emails()


@shared_task
def sweep_timers():
    return timers.run_all()


def queue_email(notification_id):
    """Queue the e-mail; if the broker is down the row stays pending for the outbox sweep."""
    try:
        send_notification_email.delay(notification_id)
    except Exception:  # noqa: BLE001 - broker unavailable: deliver_pending_emails retries
        import logging

        logging.getLogger(__name__).warning("broker unavailable; notification %s left in outbox", notification_id)
