"""Community-policing state changes: visits and their follow-ups, inspections, reports, evaluation."""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.references import next_reference
from accounts.services import notify_about
from patrols import policy
from patrols.models import (
    DEFAULT_CADENCE_DAYS,
    DEFAULT_THRESHOLD,
    INDICATORS,
    Beat,
    BeatHoursChange,
    CommunityActivity,
    Evaluation,
    EvaluationItem,
    EvaluationScore,
    IndicatorThreshold,
    Inspection,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    Outcome,
    PatrolVisit,
    PersonOfConcern,
    ReportAmendment,
    ReportReminder,
    SearchReport,
    VisitCadence,
)
from referrals.models import Person, Referral
from referrals.services import households

User = get_user_model()
REPORT_DUE_DAY = 10
ESCALATE_REPORT_AFTER = timedelta(days=2)

GRADES = [
    (Decimal(90), "特優"),
    (Decimal(80), "優等"),
    (Decimal(70), "甲等"),
    (Decimal(60), "乙等"),
    (Decimal(50), "丙等"),
]
LOWEST_GRADE = "丁等"
PEER_GROUPS = [(1001, "甲"), (451, "乙"), (201, "丙")]
LOWEST_GROUP = "丁"


# --- the evaluation scale ----------------------------------------------------------------
def grade(total, false_figures=False):
    """特優 ≥90; 優等 80–<90; 甲等 70–<80; 乙等 60–<70; 丙等 50–<60; 丁等 <50 (or false figures)."""
    if false_figures:
        return LOWEST_GRADE
    total = Decimal(str(total))
    return next((name for floor, name in GRADES if total >= floor), LOWEST_GRADE)


def peer_group(beats):
    """甲 ≥1,001 beats; 乙 451–1,000; 丙 201–450; 丁 ≤200."""
    return next((name for floor, name in PEER_GROUPS if beats >= floor), LOWEST_GROUP)


# --- helpers ----------------------------------------------------------------------------------
def _notify(users, message, url, reference, kind="patrol"):
    notify_about(users, reference, message, url, kind=kind)


def _people_of(org):
    return list(User.objects.filter(organization=org, is_active=True)) if org else []


def _station_heads(station):
    return list(User.objects.filter(organization=station, role=User.Role.SUPERVISOR, is_active=True))


def _precinct_of(station):
    return station.nearest(Organization.Kind.PRECINCT) or station.parent


def _at_a_station(station, message):
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": message})


def cadence_days(risk_level):
    row = VisitCadence.objects.filter(risk_level=risk_level).first()
    return row.every_days if row else DEFAULT_CADENCE_DAYS[risk_level]


# --- persons of concern and visits ---------------------------------------------------------
@transaction.atomic
def record_visit(
    actor,
    person,
    *,
    outcome,
    visited_at=None,
    side_visit_note="",
    new_address="",
    notified_station=None,
    children_present=0,
    child_care_checked=False,
    child_care_note="",
    vulnerable_family=False,
    note="",
):
    policy.require(actor, "record_visit", person)
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"visited_at": _("The visit cannot be in the future.")})
    if outcome == Outcome.REFUSED and not side_visit_note.strip():
        raise ValidationError({"side_visit_note": _("Record the side visit (側訪) when the person refuses.")})
    if outcome == Outcome.MOVED:
        if not new_address.strip():
            raise ValidationError({"new_address": _("Record where the person is now.")})
        if notified_station is None or notified_station.kind != Organization.Kind.STATION:
            raise ValidationError({"notified_station": _("Choose the station covering the new address.")})
    visit = PatrolVisit.objects.create(
        reference=next_reference(prefix="PV", year=timezone.localdate().year),
        station=person.station,
        person=person,
        officer=actor,
        visited_at=visited_at,
        outcome=outcome,
        side_visit_note=side_visit_note.strip(),
        new_address=new_address.strip(),
        notified_station=notified_station if outcome == Outcome.MOVED else None,
        children_present=children_present,
        child_care_checked=child_care_checked,
        child_care_note=child_care_note,
        vulnerable_family=vulnerable_family,
        note=note,
    )
    person.last_visited_on = timezone.localdate(visited_at)
    person.next_due_on = person.last_visited_on + timedelta(days=cadence_days(person.risk_level))
    person.save(update_fields=["last_visited_on", "next_due_on"])
    if outcome == Outcome.MOVED:
        _notify(_people_of(notified_station), _("person of concern moved into your area"), "/patrols/", visit.reference)
    if outcome == Outcome.UNKNOWN:
        precinct = _precinct_of(person.station)
        SearchReport.objects.create(visit=visit, precinct=precinct)
        _notify(_people_of(precinct), _("search report: whereabouts unknown"), "/patrols/", visit.reference)
    return visit


@transaction.atomic
def household_for(person):
    """The family record of a person of concern, created once, for children and referrals."""
    if person.household_id is None:
        person.household = households.open_household(
            address=person.address, label=person.name, district=person.station.district
        )
        person.person = households.add_person(household=person.household, name=person.name, address=person.address)
        person.save(update_fields=["household", "person"])
    return person.household


@transaction.atomic
def add_child(actor, person, *, name, date_of_birth=None, estimated_age=None, sex="unknown"):
    policy.require(actor, "add_child", person)
    household = household_for(person)
    return households.add_person(
        household=household, name=name, date_of_birth=date_of_birth, estimated_age=estimated_age, sex=sex
    )


def children_of(person):
    if person.household_id is None:
        return []
    return list(Person.objects.filter(household_id=person.household_id).exclude(pk=person.person_id))


def referral_for_visit(visit, user):
    """The referral raised from a visit, if any and if ``user`` may see it: its status closes the loop back
    to police. A referral elsewhere that merely names the visit's reference is not shown."""
    return (
        Referral.objects.visible_to(user)
        .filter(origin=Referral.Origin.PATROL_VISIT, origin_reference=visit.reference)
        .order_by("-filed_at")
        .first()
    )


# --- key locations -----------------------------------------------------------------------
@transaction.atomic
def add_key_location(actor, station, **fields):
    policy.require(actor, "add_location", KeyLocation(station=station))
    _at_a_station(station, _("Key locations are kept by a police station."))
    beat = fields.get("beat")
    if beat is not None and beat.station_id != station.pk:
        raise ValidationError({"beat": _("Choose one of the station's own beats.")})
    location = KeyLocation(station=station, **fields)
    location.full_clean()
    location.save()
    return location


def threshold_for(kind):
    row = IndicatorThreshold.objects.filter(kind=kind).first()
    return row.threshold if row else DEFAULT_THRESHOLD


@transaction.atomic
def inspect_location(actor, location, *, kind, indicators, note=""):
    policy.require(actor, "inspect_location", location)
    allowed = INDICATORS.get(kind)
    if allowed is None:
        raise ValidationError({"kind": _("Choose a checklist.")})
    unknown = set(indicators) - set(allowed)
    if unknown:
        raise ValidationError({"indicators": _("Unknown indicator for this checklist.")})
    inspection = Inspection.objects.create(
        location=location, officer=actor, kind=kind, indicators=sorted(set(indicators)), note=note
    )
    location.last_checked_on = timezone.localdate()
    fields = ["last_checked_on"]
    if len(set(indicators)) >= threshold_for(kind) and location.status != KeyLocation.Status.SUSPECTED:
        location.status = KeyLocation.Status.SUSPECTED
        location.suspected_kind = kind
        fields += ["status", "suspected_kind"]
        precinct = _precinct_of(location.station)
        _notify(_people_of(precinct), _("suspected site found"), location.get_absolute_url(), location.name)
    location.save(update_fields=fields)
    return inspection


# --- missing persons -------------------------------------------------------------------------
@transaction.atomic
def take_missing_person_report(actor, station, **fields):
    """Any station takes the report, whatever the jurisdiction; women and children are high-sensitivity."""
    policy.require(actor, "take_missing_report", MissingPersonReport(station=station))
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": _("Reports are taken at a police station.")})
    if fields.get("last_seen_at") and fields["last_seen_at"] > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"last_seen_at": _("The time last seen cannot be in the future.")})
    report = MissingPersonReport(station=station, taken_by=actor, **fields)
    report.high_sensitivity = report.sex == "female" or (report.age is not None and report.age < 18)
    report.reference = next_reference(prefix="MP", year=timezone.localdate().year)
    report.full_clean()
    report.save()
    if report.high_sensitivity:
        _notify(
            _people_of(_precinct_of(station)),
            _("high-sensitivity missing person"),
            "/patrols/missing/",
            report.reference,
            kind="missing_person",
        )
    return report


# --- community work ---------------------------------------------------------------------------
@transaction.atomic
def log_activity(actor, station, **fields):
    policy.require(actor, "log_activity", CommunityActivity(station=station))
    _at_a_station(station, _("Activities are logged by a station."))
    activity = CommunityActivity(station=station, recorded_by=actor, **fields)
    activity.full_clean()
    activity.save()
    return activity


# --- beat hours ---------------------------------------------------------------------------
@transaction.atomic
def change_beat_hours(actor, beat, new_hours, reason):
    """Increases apply at once; a reduction waits for the station head's approval."""
    policy.require(actor, "change_hours", beat)
    if new_hours is None or new_hours < 0 or new_hours > 168:
        raise ValidationError({"new_hours": _("Give hours between 0 and 168.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason.")})
    change = BeatHoursChange.objects.create(
        beat=beat, old_hours=beat.weekly_visit_hours, new_hours=new_hours, reason=reason.strip(), requested_by=actor
    )
    if new_hours >= beat.weekly_visit_hours:
        _apply_hours(change, actor)
    else:
        _notify(_station_heads(beat.station), _("reduction of beat hours to approve"), "/patrols/beats/", beat.code)
    return change


def _apply_hours(change, actor):
    change.status = BeatHoursChange.Status.APPROVED
    change.decided_by = actor
    change.save(update_fields=["status", "decided_by"])
    Beat.objects.filter(pk=change.beat_id).update(weekly_visit_hours=change.new_hours)


@transaction.atomic
def decide_beat_hours(actor, change, approve):
    change = BeatHoursChange.objects.select_for_update(of=("self",)).select_related("beat__station").get(pk=change.pk)
    policy.require(actor, "decide_hours", change)
    if approve:
        _apply_hours(change, actor)
    else:
        change.status = BeatHoursChange.Status.REJECTED
        change.decided_by = actor
        change.save(update_fields=["status", "decided_by"])
    return change


# --- monthly reports --------------------------------------------------------------------------
def month_bounds(month, tz):
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=tz)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(nxt, time.min, tzinfo=tz), nxt


def compute_figures(station, month):
    """The month's figures, each counted by the database from the logs."""
    start, end, _next = month_bounds(month, station.tz)
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


def report_deadline(station, month):
    """The end of the 10th of the following month, in the station's time zone."""
    _start, _end, nxt = month_bounds(month, station.tz)
    return datetime.combine(nxt.replace(day=REPORT_DUE_DAY) + timedelta(days=1), time.min, tzinfo=station.tz)


@transaction.atomic
def open_report(station, month):
    month = month.replace(day=1)
    report, created = MonthlyReport.objects.get_or_create(
        station=station,
        month=month,
        defaults={
            "due_on": month_bounds(month, station.tz)[2].replace(day=REPORT_DUE_DAY),
            "remind_at": report_deadline(station, month),
        },
    )
    return report


@transaction.atomic
def submit_report(actor, report):
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    policy.require(actor, "submit_report", report)
    report.figures = compute_figures(report.station, report.month)
    report.status = MonthlyReport.Status.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.remind_at = None
    report.save()
    return report


@transaction.atomic
def amend_report(actor, report, figures, reason):
    policy.require(actor, "amend_report", report)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    unknown = set(figures) - set(report.figures)
    if unknown or any(not isinstance(v, int) or v < 0 for v in figures.values()):
        raise ValidationError({"figures": _("Correct only the report's own figures, with whole numbers.")})
    return ReportAmendment.objects.create(
        report=report, figures={**report.figures, **figures}, reason=reason.strip(), made_by=actor
    )


def last_month(today=None):
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@transaction.atomic
def open_month_report(actor, station, month=None):
    """The station head opens the station's report for a month (last month unless given); opening it twice
    gives the same report."""
    policy.require(actor, "open_report", MonthlyReport(station=station))
    _at_a_station(station, _("Monthly reports are kept by a police station."))
    return open_report(station, month or last_month(timezone.localdate()))


def ensure_reports(today=None):
    """Open last month's report for every station, so a missing one is chased too."""
    month = last_month(today)
    for station in Organization.objects.filter(kind=Organization.Kind.STATION, is_active=True):
        open_report(station, month)


def sweep_reports(now=None, batch=200):
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
            report.remind_at = report.remind_at + ESCALATE_REPORT_AFTER if level == 1 else None
            report.save(update_fields=["reminder_level", "remind_at"])
    return fired


def oldest_overdue(now):
    return (
        MonthlyReport.objects.filter(status=MonthlyReport.Status.DRAFT, remind_at__lte=now)
        .order_by("remind_at")
        .values_list("remind_at", flat=True)
        .first()
    )


# --- half-year evaluation -----------------------------------------------------------------------
@transaction.atomic
def evaluate(actor, unit, period, scores, false_figures=False, finding=""):
    """Score a unit: Σ score × weight; the number of beats puts it in a peer group."""
    policy.require(actor, "evaluate", Evaluation(unit=unit))
    items = {item.pk: item for item in EvaluationItem.objects.all()}
    if set(scores) != set(items):
        raise ValidationError({"scores": _("Score every item of the table.")})
    for value in scores.values():
        if not (Decimal(0) <= Decimal(str(value)) <= Decimal(100)):
            raise ValidationError({"scores": _("Scores are between 0 and 100.")})
    if false_figures and not (finding or "").strip():
        raise ValidationError({"finding": _("Record the finding of hidden, inflated or false figures.")})
    total = sum(Decimal(str(scores[pk])) * items[pk].weight / Decimal(100) for pk in items)
    total = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    beats = Beat.objects.filter(station__path__startswith=unit.path).count()
    evaluation, _created = Evaluation.objects.update_or_create(
        unit=unit,
        period=period,
        defaults={"total": total, "beats": beats, "false_figures": false_figures, "false_figures_reason": finding},
    )
    EvaluationScore.objects.filter(evaluation=evaluation).delete()
    EvaluationScore.objects.bulk_create(
        [EvaluationScore(evaluation=evaluation, item=items[pk], score=Decimal(str(v))) for pk, v in scores.items()]
    )
    return evaluation


def period_of(day):
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def first_day_of(month_text):
    year, month = (int(x) for x in month_text.split("-"))
    return date(year, month, 1)
