"""Monthly reports: figures, deadlines, submission, amendments and the reminder sweep."""

from datetime import date, datetime, time, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from patrols import policy
from patrols.models import (
    CommunityActivity,
    Inspection,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    Outcome,
    PatrolVisit,
    PersonOfConcern,
    ReportAmendment,
    ReportReminder,
)
from patrols.services._base import _at_a_station, _notify, _people_of, _precinct_of, _station_heads
from referrals.models import Referral

REPORT_DUE_DAY = 10


ESCALATE_REPORT_AFTER = timedelta(days=2)


def month_bounds(*, month: date, tz: tzinfo) -> tuple[datetime, datetime, date]:
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=tz)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(nxt, time.min, tzinfo=tz), nxt


def compute_figures(*, station: Organization, month: date) -> dict[str, int]:
    """The month's figures, each counted by the database from the logs."""
    start, end, _next = month_bounds(month=month, tz=station.tz)
    visits = PatrolVisit.objects.filter(station=station, visited_at__gte=start, visited_at__lt=end)
    inspections = Inspection.objects.filter(location__station=station, inspected_at__gte=start, inspected_at__lt=end)
    v = visits.aggregate(
        done=Count("pk"),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
        unknown=Count("pk", filter=Q(outcome=Outcome.UNKNOWN)),
    )
    due = PersonOfConcern.objects.filter(station=station, active=True, next_due_on__lt=_next).count()
    return {
        "visits_done": v["done"],
        "visits_due": due + v["done"],
        "visits_refused": v["refused"],
        "whereabouts_unknown": v["unknown"],
        "locations_checked": inspections.values("location").distinct().count(),
        "suspected_sites": KeyLocation.objects.filter(station=station, status=KeyLocation.Status.SUSPECTED).count(),
        "activities": CommunityActivity.objects.filter(
            station=station, held_on__gte=start.date(), held_on__lt=end.date()
        ).count(),
        "referrals_raised": Referral.objects.filter(
            origin=Referral.Origin.PATROL_VISIT, referring_station=station, filed_at__gte=start, filed_at__lt=end
        ).count(),
        "missing_persons": MissingPersonReport.objects.filter(
            station=station, created_at__gte=start, created_at__lt=end
        ).count(),
    }


def report_deadline(*, station: Organization, month: date) -> datetime:
    """The end of the 10th of the following month, in the station's time zone."""
    _start, _end, nxt = month_bounds(month=month, tz=station.tz)
    return datetime.combine(nxt.replace(day=REPORT_DUE_DAY) + timedelta(days=1), time.min, tzinfo=station.tz)


@transaction.atomic
def open_report(*, station: Organization, month: date) -> MonthlyReport:
    month = month.replace(day=1)
    report, created = MonthlyReport.objects.get_or_create(
        station=station,
        month=month,
        defaults={
            "due_on": month_bounds(month=month, tz=station.tz)[2].replace(day=REPORT_DUE_DAY),
            "remind_at": report_deadline(station=station, month=month),
        },
    )
    return report


@transaction.atomic
def submit_report(*, actor: User, report: MonthlyReport) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    policy.require(actor, "submit_report", report)
    report.figures = compute_figures(station=report.station, month=report.month)
    report.status = MonthlyReport.Status.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.remind_at = None
    report.save()
    return report


@transaction.atomic
def amend_report(*, actor: User, report: MonthlyReport, figures: dict[str, int], reason: str) -> ReportAmendment:
    policy.require(actor, "amend_report", report)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    unknown = set(figures) - set(report.figures)
    if unknown or any(not isinstance(v, int) or v < 0 for v in figures.values()):
        raise ValidationError({"figures": _("Correct only the report's own figures, with whole numbers.")})
    return ReportAmendment.objects.create(
        report=report, figures={**report.figures, **figures}, reason=reason.strip(), made_by=actor
    )


def last_month(*, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@transaction.atomic
def open_month_report(*, actor: User, station: Organization, month: date | None = None) -> MonthlyReport:
    """The station head opens the station's report for a month (last month unless given); opening it twice
    gives the same report."""
    policy.require(actor, "open_report", MonthlyReport(station=station))
    _at_a_station(station, _("Monthly reports are kept by a police station."))
    return open_report(station=station, month=month or last_month(today=timezone.localdate()))


def ensure_reports(*, today: date | None = None) -> None:
    """Open last month's report for every station, so a missing one is chased too."""
    month = last_month(today=today)
    for station in Organization.objects.filter(kind=Organization.Kind.STATION, is_active=True):
        open_report(station=station, month=month)


def sweep_reports(*, now: datetime | None = None, batch: int = 200) -> int:
    """Not submitted by the 10th: remind the station head; two days later escalate to the precinct. Once each."""
    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        for report in (
            MonthlyReport.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MonthlyReport.Status.DRAFT, remind_at__lte=now)
            .select_related("station")[:batch]
        ):
            level = report.reminder_level + 1
            try:
                with transaction.atomic():
                    ReportReminder.objects.create(report=report, level=level, sent_at=now)
            except IntegrityError:
                pass
            else:
                fired += 1
                if level == 1:
                    _notify(
                        _station_heads(report.station),
                        _("monthly report is due"),
                        report.get_absolute_url(),
                        f"{report.month:%Y-%m}",
                    )
                else:
                    _notify(
                        _people_of(_precinct_of(report.station)),
                        _("monthly report not submitted"),
                        report.get_absolute_url(),
                        f"{report.month:%Y-%m}",
                    )
            report.reminder_level = level
            due = report.remind_at  # set: the sweep picks reports whose reminder is due
            report.remind_at = due + ESCALATE_REPORT_AFTER if level == 1 and due is not None else None
            report.save(update_fields=["reminder_level", "remind_at"])
    return fired


def oldest_overdue(*, now: datetime) -> datetime | None:
    return (
        MonthlyReport.objects.filter(status=MonthlyReport.Status.DRAFT, remind_at__lte=now)
        .order_by("remind_at")
        .values_list("remind_at", flat=True)
        .first()
    )
