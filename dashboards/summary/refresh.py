"""Rebuild the summary's rows of the filing days whose referrals changed.

Every change to a referral goes through ``referrals.services`` and bumps ``Referral.updated_at``
(the events the figures read, acknowledgement, decline, cancellation and transfer, are recorded
with such a change). A referral's filing day never changes, so the filing days of the referrals
changed since the last refresh are exactly the days whose rows can differ: the refresh deletes
those days' rows and inserts them again from one ``INSERT … SELECT … GROUP BY`` over their
referrals, in one transaction. The state row is locked first, so two sweeps at once run one after
the other and the second finds the first's work done.

``updated_at`` is set by the application a moment before its transaction commits, so a change can
become visible after a refresh that started later than its ``updated_at``: each refresh looks back
``OVERLAP`` before the previous one, and once a day the sweep rebuilds every day.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dashboards.models import FiguresRefresh, ReferralDailyFigures
from referrals import filters as referral_filters
from referrals.models import AWAITING_ACK, OPEN_STATUSES, DeclineReason, Referral, ReferralEvent, Status

OVERLAP = timedelta(minutes=10)
FULL_EVERY = timedelta(days=1)
KEYS = ("day", "due_day", "team_id", "referring_station_id", "district_id", "category")


def time_zone():
    """The zone of the summary's days: the site's, which the dashboard's periods use by default."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _per_referral(referrals):
    """One row per referral: its keys and, computed once, what the counters read."""
    tz = time_zone()
    transfers = (
        ReferralEvent.objects.filter(referral=OuterRef("pk"), kind=ReferralEvent.Kind.TRANSFERRED)
        .order_by()
        .values("referral")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        referral_filters.with_answer(referrals)
        .annotate(
            day=TruncDate("filed_at", tzinfo=tz),
            due_day=TruncDate("ack_due_at", tzinfo=tz),
            n_transfers=Coalesce(Subquery(transfers), Value(0)),
        )
        .order_by()
        .values(
            *KEYS,
            "status",
            "level",
            "decline_reason",
            "after_hours",
            "needs_reassignment",
            "assigned_worker_id",
            "ack_due_at",
            "answered_at",
            "cancelled_at",
            "n_transfers",
        )
    )


def _counters():
    """(column, SQL expression over the per-referral rows, params), in the model's order."""

    def count_if(condition, *params):
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)", list(params)

    def status_in(statuses):
        return "status IN (" + ", ".join(["%s"] * len(statuses)) + ")"

    columns = [
        ("filed", "COUNT(*)", []),
        ("after_hours", *count_if("after_hours")),
        *((f"level_{n}", *count_if("level = %s", n)) for n in (1, 2, 3)),
        *((str(s), *count_if("status = %s", str(s))) for s in OPEN_STATUSES),
        ("declined", *count_if("status = %s", str(Status.DECLINED))),
        *(
            (f"decline_{r}", *count_if("status = %s AND decline_reason = %s", str(Status.DECLINED), r))
            for r in DeclineReason.values
        ),
        # referrals.filters.unassigned(), ON_TIME and WITHDRAWN over the rows (the comparison test holds them equal)
        (
            "unassigned",
            *count_if(f"assigned_worker_id IS NULL AND {status_in(OPEN_STATUSES)}", *OPEN_STATUSES),
        ),
        ("needs_reassignment", *count_if(f"needs_reassignment AND {status_in(OPEN_STATUSES)}", *OPEN_STATUSES)),
        ("transfers", "SUM(n_transfers)", []),
        (
            "withdrawn",
            *count_if("status = %s AND answered_at IS NULL AND cancelled_at <= ack_due_at", Status.CANCELLED),
        ),
        ("on_time", *count_if("answered_at <= ack_due_at")),
        ("unacknowledged", *count_if(status_in(AWAITING_ACK), *AWAITING_ACK)),
    ]
    return [(name, sql, [str(p) if isinstance(p, Status) else p for p in params]) for name, sql, params in columns]


def _insert(referrals):
    """Insert the summary rows of ``referrals`` (which must cover whole filing days)."""
    inner, inner_params = _per_referral(referrals).query.sql_with_params()
    counters = _counters()
    keys = ", ".join(KEYS)
    columns = ", ".join(name for name, _sql, _p in counters)
    expressions = ", ".join(sql for _n, sql, _p in counters)
    params = [p for _n, _s, ps in counters for p in ps]
    table = ReferralDailyFigures._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({keys}, {columns}) "  # noqa: S608 - names from the model, values as parameters
            f"SELECT {keys}, {expressions} FROM ({inner}) AS r GROUP BY {keys}",
            [*params, *inner_params],
        )
        return cursor.rowcount


def _day_ranges(days):
    """[start, end) datetimes of runs of consecutive local days (index ranges on ``filed_at``)."""
    tz, ranges = time_zone(), []
    for day in sorted(days):
        start = datetime.combine(day, time.min, tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def _filed_on(days):
    condition = Q(pk__in=[])
    for start, end in _day_ranges(days):
        condition |= Q(filed_at__gte=start, filed_at__lt=end)
    return Referral.objects.filter(condition)


def _changed_days(since):
    days = (
        Referral.objects.filter(updated_at__gte=since)
        .annotate(day=TruncDate("filed_at", tzinfo=time_zone()))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return {d if isinstance(d, date) else date.fromisoformat(d) for d in days}


def refresh(*, now=None, full=False):
    """Bring the summary up to date; returns the number of filing days rebuilt (or rows, in full)."""
    now = now or timezone.now()
    FiguresRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = FiguresRefresh.objects.select_for_update().get(pk=1)
        started = timezone.now()
        full = full or state.refreshed_at is None or state.time_zone != settings.TIME_ZONE
        full = full or state.full_at is None or state.full_at <= now - FULL_EVERY
        if full:
            ReferralDailyFigures.objects.all().delete()
            _insert(Referral.objects.all())
            state.full_at = started
            rebuilt = ReferralDailyFigures.objects.count()
        else:
            days = _changed_days(state.refreshed_at - OVERLAP)
            if days:
                ReferralDailyFigures.objects.filter(day__in=days).delete()
                _insert(_filed_on(days))
            rebuilt = len(days)
        state.refreshed_at, state.time_zone = started, settings.TIME_ZONE
        state.save()
    return rebuilt


def refreshed_at():
    """When the summary was last brought up to date (None: never, or for another time zone)."""
    state = FiguresRefresh.objects.filter(pk=1, time_zone=settings.TIME_ZONE).first()
    return state.refreshed_at if state else None
