"""The referral figures of the dashboard: acknowledgement, timing, totals, quality, caseload and the headline tiles."""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from accounts.models import User
from dashboards.selectors.stats import Percentile, _duration, _pct, database_percentiles, percentile
from referrals import filters as referral_filters
from referrals.models import (
    AWAITING_ACK,
    OPEN_STATUSES,
    Category,
    DeclineReason,
    Household,
    Referral,
    ReferralEvent,
    Status,
)
from safety.models import SafetyAlert

# The acknowledgement conditions are the referral list's filters, so a figure and its list agree.
Kind = ReferralEvent.Kind


def acknowledgement_figures(due):
    """``due``: visible referrals whose acknowledgement deadline fell in the period and has passed.

    A referral counts on time when its team answered it (acknowledged or declined it) by the
    deadline of its current clock (which restarts on a transfer or redirect). One never answered
    is late. One the police cancelled before its deadline, unanswered, was withdrawn: not counted.
    """
    counts = referral_filters.with_answer(due).aggregate(
        due=Count("pk"),
        withdrawn=Count("pk", filter=referral_filters.WITHDRAWN),
        on_time=Count("pk", filter=referral_filters.ON_TIME),
        unacknowledged=Count("pk", filter=Q(status__in=AWAITING_ACK)),
    )
    counted = counts["due"] - counts["withdrawn"]
    return {
        "due": counted,
        "on_time": counts["on_time"],
        "late": counted - counts["on_time"],
        "unacknowledged": counts["unacknowledged"],
        "on_time_pct": _pct(counts["on_time"], counted),
    }


def timing_figures(referrals):
    """Median and 90th percentile of the time from filing to acknowledgement and to first contact."""
    to_ack = _duration("acknowledged_at", "filed_at")
    to_contact = _duration("first_contact_at", "filed_at")
    acked, contacted = Q(acknowledged_at__isnull=False), Q(first_contact_at__isnull=False)
    if database_percentiles():
        return referrals.aggregate(
            ack_median=Percentile(to_ack, 0.5, filter=acked),
            ack_p90=Percentile(to_ack, 0.9, filter=acked),
            contact_median=Percentile(to_contact, 0.5, filter=contacted),
            contact_p90=Percentile(to_contact, 0.9, filter=contacted),
        )
    rows = list(referrals.filter(acked | contacted).values_list("filed_at", "acknowledged_at", "first_contact_at"))
    ack = [a - filed for filed, a, _ in rows if a is not None]
    contact = [c - filed for filed, _, c in rows if c is not None]
    return {
        "ack_median": percentile(ack, 0.5),
        "ack_p90": percentile(ack, 0.9),
        "contact_median": percentile(contact, 0.5),
        "contact_p90": percentile(contact, 0.9),
    }


def referral_figures(referrals, due, now=None):
    """``referrals``: visible referrals filed in the period (and matching the filters);
    ``due``: those whose acknowledgement deadline fell in the period (see acknowledgement_figures)."""
    overdue_now = referral_filters.overdue_now(now)
    totals = referrals.aggregate(
        total=Count("pk"),
        after_hours=Count("pk", filter=Q(after_hours=True)),
        declined=Count("pk", filter=Q(status=Status.DECLINED)),
        overdue=Count("pk", filter=overdue_now),
        **{f"open_{s}": Count("pk", filter=Q(status=s)) for s in OPEN_STATUSES},
        **{
            f"decline_{r}": Count("pk", filter=Q(status=Status.DECLINED, decline_reason=r))
            for r in DeclineReason.values
        },
    )
    acknowledgement = acknowledgement_figures(due)
    weekly = list(
        referrals.annotate(week=TruncWeek("filed_at"))
        .values("week")
        .annotate(
            total=Count("pk"),
            **{f"level_{n}": Count("pk", filter=Q(level=n)) for n in (1, 2, 3)},
            **{c: Count("pk", filter=Q(category=c)) for c in Category.values},
        )
        .order_by("week")
    )
    return {
        "totals": totals,
        "acknowledgement": acknowledgement,
        "on_time_pct": acknowledgement["on_time_pct"],
        "after_hours_pct": _pct(totals["after_hours"], totals["total"]),
        "weekly": weekly,
        "transfers": ReferralEvent.objects.filter(referral__in=referrals.values("pk"), kind=Kind.TRANSFERRED).count(),
        "by_station": list(
            referrals.values("referring_station__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "referring_station__name")[:50]
        ),
        "by_team": list(referrals.values("team__name").annotate(n=Count("pk")).order_by("-n", "team__name")[:50]),
        **row_figures(referrals, now),
    }


def repeat_households(referrals):
    """Households with two or more of ``referrals``, the 50 largest. Grouped on the referral's own
    column, then the 50 addresses read by key: joining every household before grouping cost more
    than the grouping."""
    largest = list(
        referrals.exclude(household=None)
        .values("household_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "household_id")[:50]
    )
    addresses = dict(Household.objects.filter(pk__in=[r["household_id"] for r in largest]).values_list("pk", "address"))
    return [{**r, "household__address": addresses.get(r["household_id"], "")} for r in largest]


def row_figures(referrals, now=None):
    """The figures that read single referrals (or the moment), counted directly on every path.
    Ties are ordered by name or id, so that two ways of counting list them alike."""
    overdue_now = referral_filters.overdue_now(now)
    return {
        "timing": timing_figures(referrals),
        "repeat_households": repeat_households(referrals),
        "overdue": list(
            referrals.filter(overdue_now).select_related("team", "referring_station").order_by("ack_due_at", "pk")[:100]
        ),
        "quality": quality_figures(referrals),
    }


def quality_figures(referrals):
    """The receiving teams' feedback on referrals filed in the period: overall and by referring station."""
    from collections import Counter

    from referrals.models import ReferralFeedback, ReferralGap

    rows = ReferralFeedback.objects.filter(referral__in=referrals.values("pk")).values_list(
        "station__name", "appropriate", "gaps"
    )
    labels, by_station = dict(ReferralGap.choices), {}
    for station, appropriate, gaps in rows:
        entry = by_station.setdefault(station, {"station": station, "judged": 0, "appropriate": 0, "gaps": Counter()})
        entry["judged"] += 1
        entry["appropriate"] += int(appropriate)
        entry["gaps"].update(gaps)
    stations = sorted(by_station.values(), key=lambda e: (-e["judged"], e["station"]))
    for entry in stations:
        entry["appropriate_pct"] = _pct(entry["appropriate"], entry["judged"])
        entry["common_gaps"] = ", ".join(f"{labels.get(code, code)} ({n})" for code, n in entry["gaps"].most_common(3))
    judged = sum(e["judged"] for e in stations)
    appropriate = sum(e["appropriate"] for e in stations)
    return {"judged": judged, "appropriate": appropriate, "pct": _pct(appropriate, judged), "by_station": stations}


def caseload_figures(referrals, teams, counts=None):
    """Open cases per active worker of ``teams`` against each team's maximum; unassigned; needs reassignment."""
    # A count per worker from the caseload index, not a join of every referral before grouping.
    open_cases = (
        Referral.objects.filter(assigned_worker=OuterRef("pk"), status__in=(Status.ACCEPTED, Status.IN_PROGRESS))
        .order_by()
        .values("assigned_worker")
        .annotate(n=Count("pk"))
        .values("n")
    )
    workers = list(
        User.objects.filter(organization__in=teams, role=User.Role.SOCIAL_WORKER, is_active=True)
        .annotate(open_cases=Coalesce(Subquery(open_cases), 0), maximum=F("organization__caseload_max"))
        .select_related("organization")
        .order_by("organization__name", "last_name")
    )
    if counts is None:  # unless the summary has counted them
        counts = referrals.filter(status__in=OPEN_STATUSES).aggregate(
            unassigned=Count("pk", filter=referral_filters.unassigned()),
            needs_reassignment=Count("pk", filter=Q(needs_reassignment=True)),
        )
    return {"workers": workers, **counts}


# A first missed check-out alert (its escalations are further levels of the same); alarms and duress codes.
MISSED_CHECK_OUT = Q(kind=SafetyAlert.Kind.MISSED_CHECK_OUT, level=1)


ALARM = Q(kind__in=[SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS])


def headline_figures(qs, *, show_social, show_police, now=None, counts=None, acknowledgement=None):
    """The figures of the dashboard's tiles for one period, from the same querysets and conditions as
    the sections' figures, in a fixed number of queries (at most five): the tiles' previous period.
    ``counts`` (total, overdue, unassigned) and ``acknowledgement``: when the summary has them."""
    now = now or timezone.now()
    if counts is None:
        counts = qs["referrals"].aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=referral_filters.overdue_now(now)),
            unassigned=Count("pk", filter=referral_filters.unassigned()),
        )
    if acknowledgement is None:
        acknowledgement = acknowledgement_figures(qs["due"])
    figures = {
        "total": counts["total"],
        "on_time_pct": acknowledgement["on_time_pct"],
        "on_time": acknowledgement["on_time"],
        "due": acknowledgement["due"],
        "late": acknowledgement["late"],
        "overdue": counts["overdue"],
        "unacknowledged": acknowledgement["unacknowledged"],
    }
    if show_social:
        alerts = qs["alerts"].aggregate(missed=Count("pk", filter=MISSED_CHECK_OUT), alarms=Count("pk", filter=ALARM))
        figures["unassigned"] = counts["unassigned"]
        figures["major"] = qs["events"].filter(is_major=True).count()
        figures["safety_alerts"] = alerts["missed"] + alerts["alarms"]
    if show_police:
        figures["persons_overdue"] = qs["persons"].filter(active=True, next_due_on__lt=timezone.localdate(now)).count()
    return figures


def headline_from(figures):
    """The headline figures read from the sections' figures of the same period (no query): the
    dashboard's own period uses these, the previous period ``headline_figures``; both count alike."""
    r, a = figures["referrals"], figures["referrals"]["acknowledgement"]
    headline = {
        "total": r["totals"]["total"],
        "on_time_pct": a["on_time_pct"],
        "on_time": a["on_time"],
        "due": a["due"],
        "late": a["late"],
        "overdue": r["totals"]["overdue"],
        "unacknowledged": a["unacknowledged"],
    }
    if "safety" in figures:
        headline["unassigned"] = figures["caseload"]["unassigned"]
        headline["major"] = figures["safety"]["major"]
        headline["safety_alerts"] = figures["safety"]["missed_check_outs"] + figures["safety"]["alarms"]
    if "patrols" in figures:
        headline["persons_overdue"] = figures["patrols"]["persons"]["overdue"]
    return headline
