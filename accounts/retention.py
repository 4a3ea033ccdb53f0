"""The retention schedule: finished records are anonymised or deleted after their keeping period.

Each app registers its record types with a default period, the query of records past it, and
what to do with them (anonymise: the row stays for statistics, its personal content goes;
delete: the row goes). A ``RetentionRule`` row overrides a default; a ``LegalHold`` on a record
stops it; every run writes a ``RetentionRun`` report of counts (never content). Runs nightly
(Celery beat, or ``run_timers`` once a day in the embedded mode) and by ``manage.py apply_retention``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import hooks

BATCH = 500


@dataclass(frozen=True)
class RecordType:
    name: str
    label: str
    default_days: int
    expired: Callable  # expired(*, cutoff) -> queryset of records past their period, not yet disposed of
    dispose: Callable  # dispose(*, records) -> None; anonymise or delete them
    key_field: str = "pk"  # how a legal hold names the record
    action: str = "anonymised"  # or "deleted"


def registered():
    """Record types registered under ``hooks.RETENTION``, by name."""
    return {t.name: t for t in hooks.get_hooks(hooks.RETENTION)}


def keep_days(record_type):
    from accounts.models import RetentionRule

    rule = RetentionRule.objects.filter(record_type=record_type.name).first()
    if rule is not None:
        return rule.keep_days
    return settings.RETENTION_DAYS.get(record_type.name, record_type.default_days)


def run(now=None, *, dry_run=False):
    """Apply the schedule to every registered type; returns the ``RetentionRun`` report."""
    from accounts.models import LegalHold, RetentionRun

    now = now or timezone.now()
    retention_run = RetentionRun.objects.create(started_at=now, dry_run=dry_run)
    report = {}
    for record_type in registered().values():
        days = keep_days(record_type)
        held = set(
            LegalHold.objects.filter(record_type=record_type.name, lifted_at__isnull=True).values_list(
                "record_key", flat=True
            )
        )
        expired = record_type.expired(cutoff=now - timedelta(days=days))
        on_hold = expired.filter(**{f"{record_type.key_field}__in": held}).count() if held else 0
        candidates = expired.exclude(**{f"{record_type.key_field}__in": held}) if held else expired
        done = candidates.count() if dry_run else _dispose_in_batches(record_type, candidates)
        report[record_type.name] = {"keep_days": days, record_type.action: done, "on_legal_hold": on_hold}
    retention_run.report = report
    retention_run.finished_at = timezone.now()
    retention_run.save(update_fields=["report", "finished_at"])
    return retention_run


def _dispose_in_batches(record_type, queryset):
    done = 0
    while True:
        # Short transactions: a long run never holds locks on live tables for long.
        with transaction.atomic():
            batch = list(queryset.order_by("pk")[:BATCH])
            if not batch:
                return done
            record_type.dispose(records=batch)
        done += len(batch)


def due_today(now=None):
    """True when no run has started in the last 23 hours (the embedded timer loop asks this)."""
    from accounts.models import RetentionRun

    now = now or timezone.now()
    return not RetentionRun.objects.filter(dry_run=False, started_at__gt=now - timedelta(hours=23)).exists()


# --- record types of the accounts app --------------------------------------------------------
def _access_log_expired(*, cutoff):
    from accounts.models import AccessLog

    return AccessLog.objects.filter(at__lt=cutoff)


def _delete_access_log(*, records):
    import pgtrigger

    from accounts.models import AccessLog

    # The access log is append-only; its own retention period is the one exception.
    with pgtrigger.ignore("accounts.AccessLog:access_log_append_only"):
        AccessLog.objects.filter(pk__in=[r.pk for r in records])._raw_delete(AccessLog.objects.db)


def _notifications_expired(*, cutoff):
    from accounts.models import Notification

    return Notification.objects.filter(created_at__lt=cutoff)


def delete_rows(*, records):
    type(records[0]).objects.filter(pk__in=[r.pk for r in records]).delete()


def _deliveries_expired(*, cutoff):
    from accounts.models import WebhookDelivery

    return WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(state=WebhookDelivery.State.PENDING)


for record_type in (
    RecordType("access_log", "access log", 6 * 365, _access_log_expired, _delete_access_log, action="deleted"),
    RecordType("notification", "notifications", 365, _notifications_expired, delete_rows, action="deleted"),
    RecordType("webhook_delivery", "webhook deliveries", 90, _deliveries_expired, delete_rows, action="deleted"),
):
    hooks.register(hooks.RETENTION, record_type)
