import time

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import retention, services, timers, webhooks


class Command(BaseCommand):
    help = "Sweep due timers (escalations, check-outs, reminders) in a loop; the embedded replacement for Celery beat."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one sweep and exit.")
        parser.add_argument("--interval", type=int, default=settings.TIMER_SWEEP_INTERVAL)

    def handle(self, *args, once=False, interval=60, **options):
        while True:
            results = timers.run_all()
            sent = services.deliver_pending_emails()
            # After the timers, with a time budget: a slow receiver never delays a safety sweep.
            webhooks.deliver_due(budget_seconds=max(interval // 3, 1))
            if retention.due_today():
                retention.run()
            fired = {k: v for k, v in results.items() if v}
            if fired or sent or once:
                self.stdout.write(f"timers fired: {fired or 'none'}; e-mails delivered: {sent}")
            if once:
                return
            time.sleep(max(interval, 1))
