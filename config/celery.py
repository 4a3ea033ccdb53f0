"""Celery application. Timers live in the database; beat only triggers sweeps."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-timers": {
        "task": "accounts.tasks.sweep_timers",
        # Default as in settings.TIMER_SWEEP_INTERVAL (why 20 s: see there).
        "schedule": float(os.environ.get("TIMER_SWEEP_INTERVAL", "20")),
    },
    "apply-retention": {
        "task": "accounts.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),
    },
    "deliver-webhooks": {
        "task": "accounts.tasks.deliver_webhooks",
        "schedule": 60.0,
    },
    "deliver-pending-sms": {
        "task": "accounts.tasks.deliver_pending_sms",
        "schedule": 30.0,
    },
    "deliver-pending-notifications": {
        "task": "accounts.tasks.deliver_pending_emails",
        "schedule": 60.0,
    },
}
