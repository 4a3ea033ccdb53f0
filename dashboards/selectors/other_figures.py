"""The safety and community-policing figures of the dashboard."""

from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards.selectors.referral_figures import ALARM, MISSED_CHECK_OUT
from dashboards.selectors.stats import _pct
from patrols.models import KeyLocation
from safety.models import EscortRequest, FollowUpItem, HazardType
from safety.services import escort_fallback


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
