"""Dashboard figures, computed by the database (aggregates, conditional counts, percentiles).

Every function takes querysets already narrowed to what the viewer may see, so the
dashboard and its exports can never show more than the visibility rule allows.
The number of queries is fixed: it does not grow with the number of rows.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from patrols.models import CommunityActivity, KeyLocation, MonthlyReport, PatrolVisit, PersonOfConcern
from referrals import filters as referral_filters
from referrals.models import AWAITING_ACK, OPEN_STATUSES, Category, DeclineReason, Referral, ReferralEvent, Status
from safety.models import EscortRequest, FollowUpItem, HazardEvent, HazardType, SafetyAlert
from safety.services import escort_fallback


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile, **extra):
        super().__init__(expression, percentile=percentile, output_field=DurationField(), **extra)


def database_percentiles():
    """PostgreSQL computes percentiles itself; elsewhere (the embedded SQLite) Python does."""
    return connection.vendor == "postgresql"


def percentile(values, p):
    """``percentile_cont``: linear interpolation between the closest ranks of the sorted values."""
    values = sorted(values)
    if not values:
        return None
    position = p * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _duration(end, start):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


# --- referrals -------------------------------------------------------------------------------
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
        "timing": timing_figures(referrals),
        "weekly": weekly,
        "transfers": ReferralEvent.objects.filter(referral__in=referrals.values("pk"), kind=Kind.TRANSFERRED).count(),
        "by_station": list(referrals.values("referring_station__name").annotate(n=Count("pk")).order_by("-n")[:50]),
        "by_team": list(referrals.values("team__name").annotate(n=Count("pk")).order_by("-n")[:50]),
        "repeat_households": list(
            referrals.exclude(household=None)
            .values("household_id", "household__address")
            .annotate(n=Count("pk"))
            .filter(n__gte=2)
            .order_by("-n")[:50]
        ),
        "overdue": list(
            referrals.filter(overdue_now).select_related("team", "referring_station").order_by("ack_due_at")[:100]
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


def caseload_figures(referrals, teams):
    """Open cases per active worker of ``teams`` against each team's maximum; unassigned; needs reassignment."""
    open_cases = Q(caseload__status__in=(Status.ACCEPTED, Status.IN_PROGRESS))
    workers = list(
        User.objects.filter(organization__in=teams, role=User.Role.SOCIAL_WORKER, is_active=True)
        .annotate(open_cases=Count("caseload", filter=open_cases), maximum=F("organization__caseload_max"))
        .select_related("organization")
        .order_by("organization__name", "last_name")
    )
    open_referrals = referrals.filter(status__in=OPEN_STATUSES)
    counts = open_referrals.aggregate(
        unassigned=Count("pk", filter=referral_filters.unassigned()),
        needs_reassignment=Count("pk", filter=Q(needs_reassignment=True)),
    )
    return {"workers": workers, **counts}


# A first missed check-out alert (its escalations are further levels of the same); alarms and duress codes.
MISSED_CHECK_OUT = Q(kind=SafetyAlert.Kind.MISSED_CHECK_OUT, level=1)
ALARM = Q(kind__in=[SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS])


def headline_figures(qs, *, show_social, show_police, now=None):
    """The figures of the dashboard's tiles for one period, from the same querysets and conditions as
    the sections' figures, in a fixed number of queries (at most five): the tiles' previous period."""
    now = now or timezone.now()
    counts = qs["referrals"].aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=referral_filters.overdue_now(now)),
        unassigned=Count("pk", filter=referral_filters.unassigned()),
    )
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


# --- safety ---------------------------------------------------------------------------------
def safety_figures(events, escorts, alerts, follow_ups):
    by_month = list(
        events.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(
            total=Count("pk"),
            major=Count("pk", filter=Q(is_major=True)),
            # types is a JSON list; match the quoted code inside it (portable across databases).
            **{t: Count("pk", filter=Q(types__icontains=f'"{t}"')) for t in HazardType.values},
        )
        .order_by("month")
    )
    e = escorts.aggregate(
        total=Count("pk"),
        accepted=Count("pk", filter=Q(status=EscortRequest.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=EscortRequest.Status.DECLINED)),
        unanswered=Count("pk", filter=Q(status=EscortRequest.Status.REQUESTED, respond_by__lt=timezone.now())),
    )
    a = alerts.aggregate(
        missed_check_outs=Count("pk", filter=MISSED_CHECK_OUT),
        alarms=Count("pk", filter=ALARM),
    )
    return {
        "by_month": by_month,
        "major": events.filter(is_major=True).count(),
        "follow_ups_overdue": follow_ups.filter(
            status=FollowUpItem.Status.OPEN, due_on__lt=timezone.localdate()
        ).count(),
        "escorts": e,
        "escort_pct": {k: _pct(e[k], e["total"]) for k in ("accepted", "declined", "unanswered")},
        "fallback": escort_fallback.outcomes(escorts=escorts),  # declined or unanswered escorts: what supervisors did
        **a,
    }


# --- patrols --------------------------------------------------------------------------------
def patrol_figures(visits, persons, locations, activities, reports):
    today = timezone.localdate()
    return {
        "visits": visits.aggregate(
            done=Count("pk"),
            refused=Count("pk", filter=Q(outcome="refused")),
            unknown=Count("pk", filter=Q(outcome="unknown")),
        ),
        "persons": persons.filter(active=True).aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(next_due_on__lt=today)),
            due_week=Count("pk", filter=Q(next_due_on__lte=today + timedelta(days=7))),
        ),
        "locations": list(
            locations.values("type")
            .annotate(total=Count("pk"), suspected=Count("pk", filter=Q(status=KeyLocation.Status.SUSPECTED)))
            .order_by("type")
        ),
        "suspected": locations.filter(status=KeyLocation.Status.SUSPECTED).count(),
        "activities": activities.aggregate(total=Count("pk"), attendees=Sum("attendees")),
        "reports": list(reports.select_related("station").order_by("-month", "station__name")[:50]),
    }


SECTIONS = {
    "referrals": Referral,
    "due": Referral,
    "events": HazardEvent,
    "escorts": EscortRequest,
    "alerts": SafetyAlert,
    "follow_ups": FollowUpItem,
    "visits": PatrolVisit,
    "persons": PersonOfConcern,
    "locations": KeyLocation,
    "activities": CommunityActivity,
    "reports": MonthlyReport,
}


def querysets_for(user, start, end, filters, now=None):
    """The visible rows of every section, narrowed by the dashboard filters.

    A filter the form refused (an unknown id, or one outside the viewer's reach) matches nothing.
    """
    now = now or timezone.now()
    if filters.get("refused"):
        return {name: model.objects.none() for name, model in SECTIONS.items()}
    visible = Referral.objects.visible_to(user)
    if filters.get("district"):
        visible = visible.filter(district=filters["district"])
    if filters.get("station"):
        visible = visible.filter(referring_station=filters["station"])
    if filters.get("team"):
        visible = visible.filter(team=filters["team"])
    if filters.get("category"):
        visible = visible.filter(category=filters["category"])
    referrals = visible.filter(filed_at__gte=start, filed_at__lt=end)
    due = visible.filter(ack_due_at__gte=start, ack_due_at__lt=min(end, now))
    events = HazardEvent.objects.visible_to(user).filter(occurred_at__gte=start, occurred_at__lt=end)
    if filters.get("team"):
        events = events.filter(team=filters["team"])
    visits = PatrolVisit.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end)
    persons = PersonOfConcern.objects.visible_to(user)
    locations = KeyLocation.objects.visible_to(user)
    activities = CommunityActivity.objects.visible_to(user).filter(held_on__gte=start.date(), held_on__lt=end.date())
    reports = MonthlyReport.objects.visible_to(user).filter(
        month__gte=start.date().replace(day=1), month__lt=end.date()
    )
    if filters.get("station"):
        visits, persons = visits.filter(station=filters["station"]), persons.filter(station=filters["station"])
        locations = locations.filter(station=filters["station"])
        activities, reports = activities.filter(station=filters["station"]), reports.filter(station=filters["station"])
    return {
        "referrals": referrals,
        "due": due,
        "events": events,
        "escorts": EscortRequest.objects.visible_to(user).filter(requested_at__gte=start, requested_at__lt=end),
        "alerts": SafetyAlert.objects.visible_to(user).filter(raised_at__gte=start, raised_at__lt=end),
        "follow_ups": FollowUpItem.objects.visible_to(user),
        "visits": visits,
        "persons": persons,
        "locations": locations,
        "activities": activities,
        "reports": reports,
    }


# --- what each figure means ------------------------------------------------------------------
# One line per figure, shown on hover and in print. Each says what the query above counts: keep
# the two in step.
DEFINITIONS = {
    # referrals
    "total": _("Referrals filed in the period that you may see and that match the filters."),
    "on_time": _(
        "Of the referrals whose acknowledgement deadline passed in the period: the share the team acknowledged "
        "or declined by the deadline. Never answered counts as late; cancelled by the police before the "
        "deadline is not counted."
    ),
    "unacknowledged": _(
        "Referrals whose acknowledgement deadline passed in the period and that are still waiting for acknowledgement."
    ),
    "after_hours": _("Share of the referrals filed in the period that arrived outside the team's business hours."),
    "transfers": _("Transfers to another team of referrals filed in the period; each transfer counts once."),
    "quality": _(
        "Receiving teams' judgement of referrals filed in the period: the share they marked appropriate, "
        "of those they judged, and what they found missing most often, by referring station."
    ),
    "overdue_now": _("Referrals filed in the period still waiting for acknowledgement now, past their deadline."),
    "timing_ack": _("Time from filing to the first acknowledgement, over the referrals filed in the period."),
    "timing_contact": _("Time from filing to the first contact, over the referrals filed in the period."),
    "weekly": _("Referrals filed in the period by the week (from Monday) they were filed in, and by level."),
    "categories": _("Referrals filed in the period by the week (from Monday) they were filed in, and by category."),
    "open": _("Referrals filed in the period that are still open, by their status now."),
    "declines": _("Referrals filed in the period that stand declined now, by the reason given."),
    "stations": _("Referrals filed in the period by referring station (the 50 largest)."),
    "teams": _("Referrals filed in the period by receiving team (the 50 largest); no team yet is the intake queue."),
    "repeat": _("Households with two or more referrals filed in the period (the 50 largest)."),
    "overdue": _(
        "Referrals filed in the period still waiting for acknowledgement now, past their deadline "
        "(the 100 oldest deadlines)."
    ),
    # caseload
    "unassigned": _("Open referrals filed in the period that have no worker assigned."),
    "needs_reassignment": _("Open referrals filed in the period flagged as needing a new worker."),
    "caseload": _("Accepted and in-progress cases each active worker of your teams holds now, against the maximum."),
    # worker safety
    "major": _("Hazard events that occurred in the period and were reported as major."),
    "follow_ups_overdue": _("Open follow-up items of hazard events whose due date has passed, today."),
    "escort_accepted": _("Share of the escort requests made in the period that were accepted (requests in brackets)."),
    "escort_declined": _("Share of the escort requests made in the period that were declined."),
    "escort_unanswered": _("Share of the escort requests made in the period still unanswered past the reply deadline."),
    "fallback_second_worker": _(
        "Escort requests made in the period that police declined or left unanswered, where a supervisor then "
        "assigned a second worker."
    ),
    "fallback_postponed": _(
        "Escort requests made in the period that police declined or left unanswered, where the visit was postponed."
    ),
    "fallback_open": _(
        "Escort requests made in the period that police declined or left unanswered, still waiting for a "
        "supervisor to assign a second worker or postpone."
    ),
    "missed_check_outs": _("First missed check-out alerts raised in the period."),
    "alarms": _("Alarm and duress alerts raised in the period."),
    "safety_alerts": _("First missed check-out alerts and alarm or duress alerts raised in the period."),
    "hazards": _("Hazard events that occurred in the period by month, major ones, and by type (one may have several)."),
    # community policing
    "visits": _("Patrol visits recorded in the period."),
    "persons_overdue": _("Active persons of concern whose next visit date has passed, today."),
    "persons_due_week": _("Active persons of concern due a visit within seven days from today, overdue ones included."),
    "suspected": _("Key locations marked suspected now."),
    "activities": _("Community activities held in the period."),
    "locations": _("Key locations by type, and those marked suspected, now."),
    "reports": _("Monthly reports of the months in the period by station, with their status and due date (50 latest)."),
    "evaluation": _("The half-year evaluation of the half year in which the period starts, ranked in each peer group."),
}
