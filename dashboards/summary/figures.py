"""The dashboard's referral figures read from the summary (ReferralDailyFigures).

They are the figures of ``dashboards.selectors.referral_figures`` and the same dictionaries: the
counts by filing day and by deadline day come from the summary; what depends on the moment
(overdue now, deadlines passed today) or on single referrals (timing, repeat households, quality,
the overdue list) is counted directly, as before.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection
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


@dataclass
class PeriodSums:
    """What the dashboard reads from the summary for its period and the period just before it."""

    current: dict  # COUNTED summed over the period's filing days
    previous: dict  # the same over the previous period's
    days: list  # (day, category, filed, level_1, level_2, level_3) of the period's filing days
    stations: list  # (referring_station_id, filed) of the period
    teams: list  # (team_id, filed) of the period
    due_current: dict  # ACKNOWLEDGEMENT summed over the period's whole past deadline days
    due_previous: dict  # the same over the previous period's


def period_sums(rows, start, end, before_start, now=None):
    """The summary's sums for [start, end) and [before_start, start): on PostgreSQL in two statements
    (one per date key, each with GROUPING SETS over both periods); elsewhere one per figure."""
    now = now or timezone.now()
    first, after = _days(start, end)
    previous_first, _ = _days(before_start, start)
    due_until = min(after, timezone.localdate(now))
    if connection.vendor == "postgresql":
        sums = _grouped_sums(rows, first, after, previous_first)
        due = _grouped_due(rows, first, previous_first, due_until)
        return PeriodSums(**sums, **due)
    in_period = rows.filter(day__gte=first, day__lt=after)
    return PeriodSums(
        current=_sums(in_period, COUNTED),
        previous=_sums(rows.filter(day__gte=previous_first, day__lt=first), COUNTED),
        days=[
            (r["day"], r["category"], r["filed"], r["level_1"], r["level_2"], r["level_3"])
            for r in in_period.values("day", "category").annotate(**{n: Sum(n) for n in LEVELS}).order_by()
        ],
        stations=list(
            in_period.values("referring_station_id").annotate(n=Sum("filed")).values_list("referring_station_id", "n")
        ),
        teams=list(in_period.values("team_id").annotate(n=Sum("filed")).values_list("team_id", "n")),
        due_current=_sums(rows.filter(due_day__gte=first, due_day__lt=due_until), ACKNOWLEDGEMENT),
        due_previous=_sums(
            rows.filter(due_day__gte=previous_first, due_day__lt=min(first, due_until)), ACKNOWLEDGEMENT
        ),
    )


LEVELS = ("filed", "level_1", "level_2", "level_3")
KEYS = ("day", "category", "team_id", "referring_station_id")
# GROUPING(day, category, team_id, referring_station_id): a bit set for each key summed over.
PERIOD, BY_DAY, BY_TEAM, BY_STATION = 0b1111, 0b0011, 0b1101, 0b1110


def _grouped_sums(rows, first, after, previous_first):
    inner, params = rows.filter(day__gte=previous_first, day__lt=after).values(*KEYS, *COUNTED).query.sql_with_params()
    sums = ", ".join(f"SUM({name})" for name in COUNTED)
    # Only constant column names and the ORM's own compiled statement go into the text; values are parameters.
    keys = ", ".join(KEYS)
    sql = (
        f"SELECT cur, GROUPING({keys}), {keys}, {sums} "  # noqa: S608
        f"FROM (SELECT day >= %s AS cur, t.* FROM ({inner}) t) u "
        "GROUP BY GROUPING SETS ((cur), (cur, day, category), (cur, team_id), (cur, referring_station_id))"
    )
    found = {"current": dict.fromkeys(COUNTED, 0), "previous": dict.fromkeys(COUNTED, 0)}
    found |= {"days": [], "stations": [], "teams": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, *params])
        filed, levels = COUNTED.index("filed"), [COUNTED.index(n) for n in LEVELS]
        for cur, grouping, day, category, team, station, *values in cursor.fetchall():
            if grouping == PERIOD:
                found["current" if cur else "previous"] = dict(zip(COUNTED, (v or 0 for v in values), strict=True))
            elif not cur:
                continue  # the previous period needs its totals only
            elif grouping == BY_DAY:
                found["days"].append((day, category, *(values[i] or 0 for i in levels)))
            elif grouping == BY_TEAM:
                found["teams"].append((team, values[filed] or 0))
            elif grouping == BY_STATION:
                found["stations"].append((station, values[filed] or 0))
    return found


def _grouped_due(rows, first, previous_first, due_until):
    due = rows.filter(due_day__gte=previous_first, due_day__lt=due_until)
    inner, params = due.values("due_day", *ACKNOWLEDGEMENT).query.sql_with_params()
    sums = ", ".join(f"SUM({name})" for name in ACKNOWLEDGEMENT)
    found = {"due_current": dict.fromkeys(ACKNOWLEDGEMENT, 0), "due_previous": dict.fromkeys(ACKNOWLEDGEMENT, 0)}
    with connection.cursor() as cursor:
        sql = f"SELECT due_day >= %s AS cur, {sums} FROM ({inner}) t GROUP BY 1"  # noqa: S608 (as above)
        cursor.execute(sql, [first, *params])
        for cur, *values in cursor.fetchall():
            found["due_current" if cur else "due_previous"] = dict(
                zip(ACKNOWLEDGEMENT, (v or 0 for v in values), strict=True)
            )
    return found


def acknowledgement_from(past, due, start, end, now):
    """acknowledgement_figures of the deadlines in [start, min(end, now)): whole past days from the
    summary (``past``: their sums); today's deadlines so far counted directly from ``due``."""
    today = datetime.combine(timezone.localdate(now), time.min, tzinfo=timezone.get_current_timezone())
    counted = past["filed"] - past["withdrawn"]
    on_time, unacknowledged = past["on_time"], past["unacknowledged"]
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


def weekly(days):
    """Referrals filed by week (from Monday, local midnight) and by level and category."""
    tz = timezone.get_current_timezone()
    categories = Category.values  # a property that builds its list on each read: once here
    by_week = {}
    for day, category, filed, *levels in days:
        if not filed:
            continue
        monday = day - timedelta(days=day.weekday())
        week = by_week.get(monday)
        if week is None:
            week = by_week[monday] = {
                "week": datetime.combine(monday, time.min, tzinfo=tz),
                "total": 0,
                "level_1": 0,
                "level_2": 0,
                "level_3": 0,
                **dict.fromkeys(categories, 0),
            }
        week["total"] += filed
        for n, count in zip((1, 2, 3), levels, strict=True):
            week[f"level_{n}"] += count
        week[category] += filed
    return [by_week[monday] for monday in sorted(by_week)]


def ranked_names(*counts):
    """{unit id: (rank, name)} of the units in ``counts``, in the database's order of names (its
    collation), as the direct count's ORDER BY sorts them. One query for stations and teams."""
    ids = {pk for rows in counts for pk, _n in rows if pk}
    named = Organization.objects.filter(pk__in=ids).order_by("name", "pk").values_list("pk", "name")
    return {pk: (i, name) for i, (pk, name) in enumerate(named)}


def largest(counts, key, rank):
    """The 50 largest referring stations or receiving teams (``key``) by referrals filed, ties by
    name; no unit (the intake queue) last, as NULL sorts there."""
    nameless = (len(rank), None)
    ordered = sorted((-n, *rank.get(pk, nameless)) for pk, n in counts if n)
    return [{f"{key}__name": name, "n": -negative} for negative, _i, name in ordered][:50]


def referral_figures(sums, referrals, due, start, end, now=None):
    """``dashboards.selectors.referral_figures`` with the counts from the summary (``sums``: the
    ``period_sums`` of the period); ``referrals`` and ``due`` as there, for the direct ones."""
    now = now or timezone.now()
    current = sums.current
    totals = {
        "total": current["filed"],
        "after_hours": current["after_hours"],
        "declined": current["declined"],
        "overdue": referrals.filter(referral_filters.overdue_now(now)).count(),
        **{f"open_{s}": current[s] for s in OPEN_STATUSES},
        **{f"decline_{r}": current[f"decline_{r}"] for r in DeclineReason.values},
    }
    acknowledgement = acknowledgement_from(sums.due_current, due, start, end, now)
    rank = ranked_names(sums.stations, sums.teams)
    return {
        "totals": totals,
        "acknowledgement": acknowledgement,
        "on_time_pct": acknowledgement["on_time_pct"],
        "after_hours_pct": _pct(totals["after_hours"], totals["total"]),
        "weekly": weekly(sums.days),
        "transfers": current["transfers"],
        "by_station": largest(sums.stations, "referring_station", rank),
        "by_team": largest(sums.teams, "team", rank),
        **row_figures(referrals, now),
    }


def headline_figures(sums, qs, start, end, *, show_social, show_police, now=None):
    """``dashboards.selectors.headline_figures`` of the previous period [start, end) with the counts
    from the summary (``sums``: the ``period_sums`` of the period after it)."""
    now = now or timezone.now()
    counts = {
        "total": sums.previous["filed"],
        "overdue": qs["referrals"].filter(referral_filters.overdue_now(now)).count(),
        "unassigned": sums.previous["unassigned"],
    }
    acknowledgement = acknowledgement_from(sums.due_previous, qs["due"], start, end, now)
    return direct_headline_figures(
        qs, show_social=show_social, show_police=show_police, now=now, counts=counts, acknowledgement=acknowledgement
    )
