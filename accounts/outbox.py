"""Delivering notices by e-mail: the outbox sender and one-off messages. Runs in workers, never in a request."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Notification

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5


def deliver_email(notification_id):
    """Send one notification's e-mail. At least once: a row stays pending until the send succeeds."""
    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or n.email_state != Notification.EmailState.PENDING:
        return False
    # Compare-and-set on the attempt counter: a concurrent sender that got here first wins.
    claimed = Notification.objects.filter(
        pk=n.pk, email_state=Notification.EmailState.PENDING, email_attempts=n.email_attempts
    ).update(email_attempts=n.email_attempts + 1)
    if not claimed:
        return False
    link = f"{settings.SITE_URL.rstrip('/')}{n.url}" if n.url else settings.SITE_URL
    try:
        with override(n.recipient.language):
            send_mail(
                subject=n.title,
                message=_(
                    "%(title)s\n\nOpen: %(link)s\n\nThis message carries no personal details; sign in to read more."
                )
                % {"title": n.title, "link": link},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[n.recipient.email],
                fail_silently=False,
            )
    except Exception:  # noqa: BLE001 - any transport error leaves the row for a retry
        log.warning("notification e-mail %s failed (attempt %s)", n.pk, n.email_attempts + 1, exc_info=True)
        if n.email_attempts + 1 >= MAX_EMAIL_ATTEMPTS:
            Notification.objects.filter(pk=n.pk).update(email_state=Notification.EmailState.FAILED)
        return False
    Notification.objects.filter(pk=n.pk).update(email_state=Notification.EmailState.SENT, emailed_at=timezone.now())
    return True


def deliver_pending_emails(older_than=timedelta(seconds=30), limit=500, give_up_after=2):
    """Outbox sweep: e-mails whose queued task never ran (broker down, worker killed), and in embedded
    mode every e-mail. After ``give_up_after`` failures in a row the mail server is taken to be down
    and the rest wait for the next round, so one round lasts at most a few SMTP timeouts."""
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(email_state=Notification.EmailState.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failed_in_a_row = 0
    for nid in ids:
        if deliver_email(nid):
            sent += 1
            failed_in_a_row = 0
        elif Notification.objects.filter(pk=nid, email_state=Notification.EmailState.PENDING).exists():
            failed_in_a_row += 1
            if failed_in_a_row >= give_up_after:
                break
    return sent


def send_message(subject, body, from_email, to, html=None):
    """Send a one-off message (not a notification); failures are logged, never raised to the caller."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # noqa: BLE001 - the user can ask again; nothing to retry from here
        log.warning("one-off e-mail failed", exc_info=True)
        return False
    return True
