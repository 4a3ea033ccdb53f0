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

from accounts.models import User
from patrols.models import CommunityActivity, KeyLocation, MonthlyReport, PatrolVisit, PersonOfConcern
from referrals.models import OPEN_STATUSES, Category, DeclineReason, Referral, ReferralEvent, Status
from safety.models import EscortRequest, FollowUpItem, HazardEvent, HazardType, SafetyAlert


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile, **extra):
        super().__init__(expression, percentile=percentile, output_field=DurationField(), **extra)


def supports_percentiles():
    return connection.vendor == "postgresql"


def _duration(end, start):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


# --- referrals -------------------------------------------------------------------------------
def referral_figures(referrals, now=None):
    """``referrals``: visible referrals filed in the period (and matching the filters)."""
    now = now or timezone.now()
    totals = referrals.aggregate(
        total=Count("pk"),
        after_hours=Count("pk", filter=Q(after_hours=True)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        on_time=Count("pk", filter=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("ack_due_at"))),
        declined=Count("pk", filter=Q(status=Status.DECLINED)),
        **{f"open_{s}": Count("pk", filter=Q(status=s)) for s in OPEN_STATUSES},
        **{
            f"decline_{r}": Count("pk", filter=Q(status=Status.DECLINED, decline_reason=r))
            for r in DeclineReason.values
        },
    )
    timing = {}
    if supports_percentiles():
        timing = referrals.aggregate(
            ack_median=Percentile(
                _duration("acknowledged_at", "filed_at"), 0.5, filter=Q(acknowledged_at__isnull=False)
            ),
            ack_p90=Percentile(_duration("acknowledged_at", "filed_at"), 0.9, filter=Q(acknowledged_at__isnull=False)),
            contact_median=Percentile(
                _duration("first_contact_at", "filed_at"), 0.5, filter=Q(first_contact_at__isnull=False)
            ),
            contact_p90=Percentile(
                _duration("first_contact_at", "filed_at"), 0.9, filter=Q(first_contact_at__isnull=False)
            ),
        )
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
        "on_time_pct": _pct(totals["on_time"], totals["acknowledged"]),
        "after_hours_pct": _pct(totals["after_hours"], totals["total"]),
        "timing": timing,
        "weekly": weekly,
        "transfers": ReferralEvent.objects.filter(referral__in=referrals.values("pk"), kind="transferred").count(),
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
            referrals.filter(status=Status.SUBMITTED, ack_due_at__lt=now)
            .select_related("team", "referring_station")
            .order_by("ack_due_at")[:100]
        ),
    }


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
        unassigned=Count("pk", filter=Q(assigned_worker__isnull=True)),
        needs_reassignment=Count("pk", filter=Q(needs_reassignment=True)),
    )
    return {"workers": workers, **counts}


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
        missed_check_outs=Count("pk", filter=Q(kind=SafetyAlert.Kind.MISSED_CHECK_OUT, level=1)),
        alarms=Count("pk", filter=Q(kind__in=[SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS])),
    )
    return {
        "by_month": by_month,
        "major": events.filter(is_major=True).count(),
        "follow_ups_overdue": follow_ups.filter(
            status=FollowUpItem.Status.OPEN, due_on__lt=timezone.localdate()
        ).count(),
        "escorts": e,
        "escort_pct": {k: _pct(e[k], e["total"]) for k in ("accepted", "declined", "unanswered")},
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


def querysets_for(user, start, end, filters):
    """The visible rows of every section, narrowed by the dashboard filters."""
    referrals = Referral.objects.visible_to(user).filter(filed_at__gte=start, filed_at__lt=end)
    if filters.get("district"):
        referrals = referrals.filter(district=filters["district"])
    if filters.get("station"):
        referrals = referrals.filter(referring_station=filters["station"])
    if filters.get("team"):
        referrals = referrals.filter(team=filters["team"])
    if filters.get("category"):
        referrals = referrals.filter(category=filters["category"])
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
