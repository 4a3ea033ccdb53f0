"""The dashboard's referral figures read from the summary (ReferralDailyFigures).

They are the figures of ``dashboards.selectors.referral_figures`` and the same dictionaries: the
counts by filing day and by deadline day come from the summary; what depends on the moment
(overdue now, deadlines passed today) or on single referrals (timing, repeat households, quality,
the overdue list) is counted directly, as before.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Organization
from dashboards.models import ReferralDailyFigures
from dashboards.selectors.referral_figures import acknowledgement_figures, row_figures
from dashboards.selectors.referral_figures import headline_figures as direct_headline_figures
from dashboards.selectors.stats import _pct
from dashboards.summary.refresh import refreshed_at  # noqa: F401 - the page shows it
from referrals import filters as referral_filters
from referrals.models import OPEN_STATUSES, Category, DeclineReason

COUNTED = ("filed", "after_hours", "level_1", "level_2", "level_3", *OPEN_STATUSES, "declined")
COUNTED += tuple(f"decline_{r}" for r in DeclineReason.values)
COUNTED += ("unassigned", "needs_reassignment", "transfers")
ACKNOWLEDGEMENT = ("filed", "withdrawn", "on_time", "unacknowledged")


def visibility(user):
    """``referrals.models.referral.referral_visibility`` on the summary's keys, in the same order of
    roles; None where the rule reads more than the keys (officers, social workers, integrations)."""
    if not user.is_authenticated:
        return None
    if user.is_administrator:
        return Q()
    org = user.organization
    if user.role == user.Role.INTEGRATION:
        return None
    if org is None:
        return Q(pk__in=[])
    if user.is_officer:
        return None
    if user.is_intake_coordinator:
        return Q(district_id=org.district_id) if org.district_id else Q(pk__in=[])
    if user.is_supervisor:
        # The subtree's ids, not a join on paths: the planner then scans the keys' indexes.
        subtree = list(Organization.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
        return Q(team_id__in=subtree) | Q(referring_station_id__in=subtree)
    return None


def rows_for(user, filters, visible):
    """The summary rows ``user`` may count (``visible``: ``visibility(user)``), narrowed by the
    dashboard's filters; None when the summary cannot answer (never refreshed, another time zone,
    a visibility it cannot express)."""
    if visible is None or filters.get("refused") or refreshed_at() is None:
        return None
    if timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return None
    rows = ReferralDailyFigures.objects.filter(visible)
    for name, key in (("district", "district"), ("station", "referring_station"), ("team", "team")):
        if filters.get(name):
            rows = rows.filter(**{key: filters[name]})
    if filters.get("category"):
        rows = rows.filter(category=filters["category"])
    return rows


def _days(start, end):
    """The local days of [start, end): the dashboard's periods run from midnight to midnight."""
    assert start.timetz().replace(tzinfo=None) == time.min and end.timetz().replace(tzinfo=None) == time.min
    return start.date(), end.date()


def _sums(rows, names):
    totals = rows.aggregate(**{name: Sum(name) for name in names})
    return {name: totals[name] or 0 for name in names}


def filed_sums(rows, start, end):
    first, after = _days(start, end)
    return _sums(rows.filter(day__gte=first, day__lt=after), COUNTED)


def acknowledgement_from(rows, due, start, end, now):
    """acknowledgement_figures of the deadlines in [start, min(end, now)): whole past days from the
    summary; today's deadlines so far counted directly from ``due`` (visible and filtered)."""
    today = datetime.combine(timezone.localdate(now), time.min, tzinfo=timezone.get_current_timezone())
    first, _after = _days(start, end)
    counted = on_time = unacknowledged = 0
    if min(end, today) > start:
        past = _sums(rows.filter(due_day__gte=first, due_day__lt=min(end, today).date()), ACKNOWLEDGEMENT)
        counted, on_time, unacknowledged = past["filed"] - past["withdrawn"], past["on_time"], past["unacknowledged"]
    if min(end, now) > max(start, today):
        so_far = acknowledgement_figures(due.filter(ack_due_at__gte=max(start, today)))
        counted += so_far["due"]
        on_time += so_far["on_time"]
        unacknowledged += so_far["unacknowledged"]
    return {
        "due": counted,
        "on_time": on_time,
        "late": counted - on_time,
        "unacknowledged": unacknowledged,
        "on_time_pct": _pct(on_time, counted),
    }


def weekly(rows, start, end):
    """Referrals filed by week (from Monday, local midnight) and by level and category."""
    first, after = _days(start, end)
    tz = timezone.get_current_timezone()
    names = ("filed", "level_1", "level_2", "level_3")
    by_week = {}
    days = (
        rows.filter(day__gte=first, day__lt=after)
        .values("day", "category")
        .annotate(**{name: Sum(name) for name in names})
        .order_by()
    )
    for row in days:
        if not row["filed"]:
            continue
        monday = row["day"] - timedelta(days=row["day"].weekday())
        week = by_week.setdefault(
            monday,
            {
                "week": datetime.combine(monday, time.min, tzinfo=tz),
                "total": 0,
                "level_1": 0,
                "level_2": 0,
                "level_3": 0,
                **dict.fromkeys(Category.values, 0),
            },
        )
        week["total"] += row["filed"]
        for n in (1, 2, 3):
            week[f"level_{n}"] += row[f"level_{n}"]
        week[row["category"]] += row["filed"]
    return [by_week[monday] for monday in sorted(by_week)]


def largest(rows, start, end, key):
    """The 50 largest referring stations or receiving teams (``key``) by referrals filed."""
    first, after = _days(start, end)
    name = f"{key}__name"
    return list(
        rows.filter(day__gte=first, day__lt=after)
        .values(name)
        .annotate(n=Sum("filed"))
        .filter(n__gt=0)
        .order_by("-n", name)[:50]
    )


def referral_figures(rows, sums, referrals, due, start, end, now=None):
    """``dashboards.selectors.referral_figures`` with the counts from the summary ``rows`` (``sums``:
    their ``filed_sums`` for the period); ``referrals`` and ``due`` as there, for the direct ones."""
    now = now or timezone.now()
    totals = {
        "total": sums["filed"],
        "after_hours": sums["after_hours"],
        "declined": sums["declined"],
        "overdue": referrals.filter(referral_filters.overdue_now(now)).count(),
        **{f"open_{s}": sums[s] for s in OPEN_STATUSES},
        **{f"decline_{r}": sums[f"decline_{r}"] for r in DeclineReason.values},
    }
    acknowledgement = acknowledgement_from(rows, due, start, end, now)
    return {
        "totals": totals,
        "acknowledgement": acknowledgement,
        "on_time_pct": acknowledgement["on_time_pct"],
        "after_hours_pct": _pct(totals["after_hours"], totals["total"]),
        "weekly": weekly(rows, start, end),
        "transfers": sums["transfers"],
        "by_station": largest(rows, start, end, "referring_station"),
        "by_team": largest(rows, start, end, "team"),
        **row_figures(referrals, now),
    }


def headline_figures(rows, qs, start, end, *, show_social, show_police, now=None):
    """``dashboards.selectors.headline_figures`` of [start, end) with the counts from the summary."""
    now = now or timezone.now()
    sums = filed_sums(rows, start, end)
    counts = {
        "total": sums["filed"],
        "overdue": qs["referrals"].filter(referral_filters.overdue_now(now)).count(),
        "unassigned": sums["unassigned"],
    }
    acknowledgement = acknowledgement_from(rows, qs["due"], start, end, now)
    return direct_headline_figures(
        qs, show_social=show_social, show_police=show_police, now=now, counts=counts, acknowledgement=acknowledgement
    )
