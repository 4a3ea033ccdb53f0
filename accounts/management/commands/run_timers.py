import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from accounts import outbox, retention, sms, timers, webhooks

log = logging.getLogger(__name__)

MAIL_INTERVAL = 5  # seconds between rounds of the embedded mail sender


def send_outbox(stop, interval=MAIL_INTERVAL, mail=True):
    """The embedded sender of e-mail and webhooks, and the daily retention run: its own thread and
    database connection, apart from the timer sweeps, so a mail server or a webhook receiver that
    never answers delays its messages but never an alert."""
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                if mail:
                    outbox.deliver_pending_emails(older_than=timedelta(0))
                    sms.deliver_due(budget_seconds=interval * 4)
                webhooks.deliver_due(budget_seconds=interval * 4)
                if retention.due_today():
                    retention.run()
            except Exception:  # noqa: BLE001 - database briefly away: next round
                log.exception("outbox round failed")
            stop.wait(interval)
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Sweep due timers (escalations, check-outs, reminders) in a loop; the embedded replacement for Celery beat."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one sweep, then send the queued e-mail, and exit.")
        parser.add_argument("--interval", type=int, default=settings.TIMER_SWEEP_INTERVAL)

    def handle(self, *args, once=False, interval=60, **options):
        if once:
            results = timers.run_all()
            sent = outbox.deliver_pending_emails(older_than=timedelta(0)) if self._sends_mail() else 0
            if self._sends_mail():
                sms.deliver_due()
            self._report(results, sent, always=True)
            return
        stop = threading.Event()
        sender = threading.Thread(
            target=send_outbox, args=(stop,), kwargs={"mail": self._sends_mail()}, name="outbox", daemon=True
        )
        sender.start()
        try:
            while True:  # a fixed cadence: a deadline waits at most one interval for its sweep
                started = time.monotonic()
                close_old_connections()
                self._report(timers.run_all(), None)
                time.sleep(max(max(interval, 1) - (time.monotonic() - started), 0.1))
        finally:
            stop.set()

    @staticmethod
    def _sends_mail():
        # With Celery the `email` worker and beat's outbox task send; without a broker this command does.
        return settings.EMAIL_DELIVERY == "outbox"

    def _report(self, results, sent, always=False):
        fired = {k: v for k, v in results.items() if v}
        if fired or always:
            mail = "" if sent is None else f"; e-mails delivered: {sent}"
            self.stdout.write(f"timers fired: {fired or 'none'}{mail}")
