"""What the dashboard counts: the visible querysets for a period and filters, its sections and the definitions shown."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patrols.models import CommunityActivity, KeyLocation, MonthlyReport, PatrolVisit, PersonOfConcern
from referrals.models import Referral
from safety.models import EscortRequest, FollowUpItem, HazardEvent, SafetyAlert

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


def querysets_for(user, start, end, filters, now=None, visible=None):
    """The visible rows of every section, narrowed by the dashboard filters.

    A filter the form refused (an unknown id, or one outside the viewer's reach) matches nothing.
    ``visible``: the referrals' visibility rule for ``user`` said on the referrals' own columns
    (``dashboards.summary.figures.visibility``), which selects the same referrals.
    """
    now = now or timezone.now()
    if filters.get("refused"):
        return {name: model.objects.none() for name, model in SECTIONS.items()}
    visible = Referral.objects.visible_to(user) if visible is None else Referral.objects.filter(visible)
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
