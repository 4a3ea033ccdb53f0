"""Community policing: beats, persons of concern, visits, key locations, community work, reports, evaluation."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.querysets import VisibleQuerySet
from referrals.models import Household, Person


def police_scope(user, field="station"):
    """Patrol records are police-only: a unit sees its own subtree; social work sees nothing."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    org = user.organization
    if not user.is_police or org is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": org.path})


class PoliceQuerySet(VisibleQuerySet):
    scope_field = "station"

    def visible_to(self, user):
        return self.filter(police_scope(user, self.scope_field))


def _manager(field="station"):
    return type(f"PoliceQuerySet_{field}", (PoliceQuerySet,), {"scope_field": field}).as_manager()


class Beat(models.Model):
    station = models.ForeignKey(
        Organization,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="beats",
        limit_choices_to={"kind": Organization.Kind.STATION},
    )
    code = models.CharField(_("beat number"), max_length=20)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("beat officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="beats",
    )
    weekly_visit_hours = models.DecimalField(
        _("scheduled visit hours per week"), max_digits=5, decimal_places=1, default=Decimal("4.0")
    )

    objects = _manager()

    class Meta:
        verbose_name = _("police beat")
        verbose_name_plural = _("police beats")
        ordering = ["station", "code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="beat_code_unique")]

    def __str__(self):
        return f"{self.station} {self.code}"


class BeatHoursChange(models.Model):
    """A change of a beat's scheduled hours; a reduction waits for the station head's approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    beat = models.ForeignKey(Beat, on_delete=models.CASCADE, related_name="hours_changes")
    old_hours = models.DecimalField(max_digits=5, decimal_places=1)
    new_hours = models.DecimalField(_("new hours per week"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = _manager("beat__station")

    class Meta:
        verbose_name = _("change of beat hours")
        verbose_name_plural = _("changes of beat hours")

    def __str__(self):
        return f"{self.beat}: {self.old_hours} → {self.new_hours}"


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High (high reoffending)")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class VisitCadence(models.Model):
    """How often a person of concern is visited, per risk level (configurable)."""

    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, unique=True)
    every_days = models.PositiveSmallIntegerField(_("visit every (days)"))

    class Meta:
        verbose_name = _("visit cadence")
        verbose_name_plural = _("visit cadences")
        constraints = [models.CheckConstraint(condition=Q(every_days__gt=0), name="cadence_positive")]

    def __str__(self):
        return f"{self.get_risk_level_display()}: {self.every_days}"


DEFAULT_CADENCE_DAYS = {RiskLevel.HIGH: 30, RiskLevel.MEDIUM: 60, RiskLevel.LOW: 90}


class PersonOfConcern(models.Model):
    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="persons_of_concern"
    )
    beat = models.ForeignKey(
        Beat,
        verbose_name=_("beat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="persons_of_concern",
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("registered address"), max_length=255)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    habits = models.TextField(_("habits"), blank=True, max_length=1000)
    associates = models.TextField(_("associates"), blank=True, max_length=1000)
    haunts = models.TextField(_("haunts"), blank=True, max_length=1000)
    gang_ties = models.TextField(_("gang ties"), blank=True, max_length=1000)
    # The family record shared with social work when a referral is raised from a visit.
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_visited_on = models.DateField(_("last visited"), null=True, blank=True)
    next_due_on = models.DateField(_("next visit due"), default=timezone.localdate)
    active = models.BooleanField(_("active"), default=True)

    objects = _manager()

    class Meta:
        verbose_name = _("person of security concern")
        verbose_name_plural = _("persons of security concern")
        ordering = ["next_due_on", "name"]
        indexes = [models.Index(fields=["station", "next_due_on"], condition=Q(active=True), name="poc_due_idx")]

    def __str__(self):
        return self.name

    @property
    def is_overdue(self):
        return self.active and self.next_due_on < timezone.localdate()


class Outcome(models.TextChoices):
    MET = "met", _("Met")
    REFUSED = "refused", _("Refused (side visit recorded)")
    MOVED = "moved", _("Not at the registered address")
    UNKNOWN = "unknown", _("Whereabouts unknown")


class PatrolVisit(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="patrol_visits"
    )
    person = models.ForeignKey(
        PersonOfConcern, verbose_name=_("person of concern"), on_delete=models.PROTECT, related_name="visits"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    side_visit_note = models.TextField(_("side visit (側訪)"), blank=True, max_length=1000)
    new_address = models.CharField(_("where the person is now"), max_length=255, blank=True)
    notified_station = models.ForeignKey(
        Organization,
        verbose_name=_("station notified"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    children_present = models.PositiveSmallIntegerField(_("children living in the household"), default=0)
    child_care_checked = models.BooleanField(_("children's care checked"), default=False)
    child_care_note = models.CharField(_("child-care note"), max_length=500, blank=True)
    vulnerable_family = models.BooleanField(_("vulnerable family found"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    objects = _manager()

    class Meta:
        verbose_name = _("patrol visit")
        verbose_name_plural = _("patrol visits")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["station", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="refused") | ~Q(side_visit_note=""), name="refused_has_side_visit"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="moved") | Q(notified_station__isnull=False), name="moved_notifies_a_station"
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("patrols:visit", args=[self.pk])


class SearchReport(models.Model):
    visit = models.OneToOneField(PatrolVisit, on_delete=models.PROTECT, related_name="search_report")
    precinct = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = _manager("visit__station")

    class Meta:
        verbose_name = _("search report")
        verbose_name_plural = _("search reports")

    def __str__(self):
        return str(self.visit)


class LocationType(models.TextChoices):
    SPECIAL_INDUSTRY = "special_industry", _("Special industry")
    RENTAL_BUILDING = "rental_building", _("Rental building")
    SUBDIVIDED_SUITE = "subdivided_suite", _("Subdivided suites")
    VACANT_HOUSE = "vacant_house", _("Vacant house")
    WORK_SHED = "work_shed", _("Work shed")
    ABANDONED_FACTORY = "abandoned_factory", _("Abandoned factory")
    METAL_SHEET_HOUSE = "metal_sheet_house", _("Metal-sheet or container house")
    FENCING_PLACE = "fencing_place", _("Place to fence stolen goods")
    MONEY_PLACE = "money_place", _("Place where money gathers")
    PAST_VIOLATION = "past_violation", _("Place with past violations")


class SuspectedSite(models.TextChoices):
    DRUG_LAB = "drug_lab", _("Drug lab")
    GUN_WORKSHOP = "gun_workshop", _("Gun workshop")
    CALL_CENTRE = "call_centre", _("Fraud or gambling call centre")
    DETENTION = "detention", _("Illegal detention")
    GAMBLING_DEN = "gambling_den", _("Gambling den")
    CHOP_SHOP = "chop_shop", _("Vehicle chop shop")


# Indicator checklists per suspected-site kind (seeds/002, the plan's annex).
INDICATORS = {
    SuspectedSite.DRUG_LAB: {
        "windows_covered": _("Windows kept shut or covered"),
        "chemical_smell": _("Chemical smells"),
        "chemical_waste": _("Chemical containers or waste outside"),
        "ventilation": _("Unusual ventilation or exhaust fans"),
        "night_activity": _("Activity mostly at night"),
    },
    SuspectedSite.GUN_WORKSHOP: {
        "machine_noise": _("Machine noise"),
        "windows_covered": _("Windows kept shut or covered"),
        "metal_parts": _("Metal parts or tools delivered"),
        "outward_cctv": _("Outward-facing CCTV"),
        "night_activity": _("Activity mostly at night"),
    },
    SuspectedSite.CALL_CENTRE: {
        "office_hours_no_sign": _("Young people keeping office hours with no company sign"),
        "bulk_food": _("One person buying large amounts of food"),
        "windows_covered": _("Windows kept shut or covered"),
        "many_phones": _("Many phones or network cables"),
        "outward_cctv": _("Outward-facing CCTV"),
    },
    SuspectedSite.DETENTION: {
        "bulk_food": _("One person buying large amounts of food"),
        "guards": _("People guarding the entrance"),
        "windows_covered": _("Windows kept shut or covered"),
        "cries": _("Shouting or cries heard"),
        "outward_cctv": _("Outward-facing CCTV"),
    },
    SuspectedSite.GAMBLING_DEN: {
        "lookouts": _("Lookouts at the door"),
        "traffic_at_night": _("Many visitors late at night"),
        "outward_cctv": _("Outward-facing CCTV"),
        "windows_covered": _("Windows kept shut or covered"),
        "cash_movement": _("Large cash movements"),
    },
    SuspectedSite.CHOP_SHOP: {
        "vehicles_never_leave": _("Vehicles go in and never come out"),
        "machine_noise": _("Machine noise"),
        "parts_piles": _("Piles of vehicle parts"),
        "night_activity": _("Activity mostly at night"),
        "plates_removed": _("Number plates removed"),
    },
}


class IndicatorThreshold(models.Model):
    kind = models.CharField(_("suspected site"), max_length=20, choices=SuspectedSite.choices, unique=True)
    threshold = models.PositiveSmallIntegerField(_("indicators that make a site suspected"), default=3)

    class Meta:
        verbose_name = _("indicator threshold")
        verbose_name_plural = _("indicator thresholds")
        constraints = [models.CheckConstraint(condition=Q(threshold__gt=0), name="threshold_positive")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.threshold}"


DEFAULT_THRESHOLD = 3


class KeyLocation(models.Model):
    class Status(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SUSPECTED = "suspected", _("Suspected")
        CLOSED = "closed", _("Closed down")

    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="key_locations"
    )
    beat = models.ForeignKey(Beat, verbose_name=_("beat"), null=True, blank=True, on_delete=models.SET_NULL)
    type = models.CharField(_("type"), max_length=20, choices=LocationType.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NORMAL)
    suspected_kind = models.CharField(_("suspected of"), max_length=20, choices=SuspectedSite.choices, blank=True)
    last_checked_on = models.DateField(_("last checked"), null=True, blank=True)
    cctv_advice = models.TextField(_("CCTV installation advice"), blank=True, max_length=1000)

    objects = _manager()

    class Meta:
        verbose_name = _("key security location")
        verbose_name_plural = _("key security locations")
        ordering = ["station", "type", "name"]

    def __str__(self):
        return self.name

    @property
    def is_suspected(self):
        return self.status == self.Status.SUSPECTED

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("patrols:location", args=[self.pk])


class Inspection(models.Model):
    location = models.ForeignKey(KeyLocation, on_delete=models.CASCADE, related_name="inspections")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)
    kind = models.CharField(_("checklist"), max_length=20, choices=SuspectedSite.choices)
    indicators = models.JSONField(_("indicators seen"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = _manager("location__station")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at"]

    def __str__(self):
        return f"{self.location} {self.inspected_at:%Y-%m-%d}"


class MissingPersonReport(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    station = models.ForeignKey(
        Organization,
        verbose_name=_("station taking the report"),
        on_delete=models.PROTECT,
        related_name="missing_person_reports",
    )
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(
        _("sex"), max_length=10, choices=[("female", _("Female")), ("male", _("Male")), ("unknown", _("Unknown"))]
    )
    age = models.PositiveSmallIntegerField(_("age"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    last_seen_place = models.CharField(_("last seen place"), max_length=255)
    description = models.TextField(_("description"), max_length=2000)
    high_sensitivity = models.BooleanField(_("high sensitivity"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = _manager()

    class Meta:
        verbose_name = _("missing-person report")
        verbose_name_plural = _("missing-person reports")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(age__lte=130), name="missing_age_plausible")]

    def __str__(self):
        return self.reference


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Community security meeting")
    EVENT = "event", _("Community event")
    BRIEFING = "briefing", _("Crime-prevention briefing")
    WATCH_PATROL = "watch_patrol", _("Watch-team patrol")


class Topic(models.TextChoices):
    FRAUD = "fraud", _("Fraud")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    CHILD_SAFETY = "child_safety", _("Child safety")
    DRUGS = "drugs", _("Drugs")
    TRAFFIC = "traffic", _("Traffic")
    OTHER = "other", _("Other")


class CommunityActivity(models.Model):
    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="community_activities"
    )
    kind = models.CharField(_("activity"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=255)
    attendees = models.PositiveIntegerField(_("attendees"))
    topics = models.JSONField(_("topics"), default=list, blank=True)
    watch_team = models.ForeignKey(
        "WatchTeam", verbose_name=_("watch team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = _manager()

    class Meta:
        verbose_name = _("community activity")
        verbose_name_plural = _("community activities")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"


class WatchTeam(models.Model):
    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="watch_teams"
    )
    name = models.CharField(_("name"), max_length=200)
    leader = models.CharField(_("leader"), max_length=100, blank=True)
    members = models.PositiveIntegerField(_("members"), default=0)

    objects = _manager()

    class Meta:
        verbose_name = _("neighbourhood watch team")
        verbose_name_plural = _("neighbourhood watch teams")

    def __str__(self):
        return self.name


class ContactGroup(models.Model):
    class Kind(models.TextChoices):
        CHIEFS = "chiefs", _("Village and borough chiefs")
        BUILDING_MANAGERS = "building_managers", _("Building managers")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="contact_groups"
    )
    kind = models.CharField(_("group"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    members = models.PositiveIntegerField(_("members"), default=0)

    objects = _manager()

    class Meta:
        verbose_name = _("contact group")
        verbose_name_plural = _("contact groups")

    def __str__(self):
        return self.name


class MonthlyReport(models.Model):
    """A station's month, figures computed from the logs; locked once submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("month"))  # the first day of the month
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Late-report timer: the next step (1 reminder, 2 escalation) fires at remind_at.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminder_level = models.PositiveSmallIntegerField(default=0)

    objects = _manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "station"]
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="one_report_per_station_month")]
        indexes = [
            models.Index(
                fields=["remind_at"], condition=Q(status="draft", remind_at__isnull=False), name="report_remind_idx"
            )
        ]

    def __str__(self):
        return f"{self.station} {self.month:%Y-%m}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("patrols:report", args=[self.pk])


class ReportReminder(models.Model):
    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="reminders")
    level = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "level"], name="report_reminder_once")]

    def __str__(self):
        return f"{self.report} {self.level}"


class ReportAmendment(models.Model):
    """A correction after submission; the original figures stay as they were."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="amendments")
    figures = models.JSONField(_("corrected figures"))
    reason = models.CharField(_("reason"), max_length=500)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    objects = _manager("report__station")

    class Meta:
        verbose_name = _("report amendment")
        verbose_name_plural = _("report amendments")
        ordering = ["made_at"]

    def __str__(self):
        return f"{self.report} {self.made_at:%Y-%m-%d}"


class EvaluationItem(models.Model):
    name = models.CharField(_("item"), max_length=200)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation item")
        verbose_name_plural = _("evaluation items")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Evaluation(models.Model):
    unit = models.ForeignKey(Organization, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evaluations")
    period = models.CharField(_("half year"), max_length=7)  # e.g. 2026-H1
    total = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, default=Decimal("0"))
    beats = models.PositiveIntegerField(_("beats"), default=0)
    false_figures = models.BooleanField(_("hidden, inflated or false figures found"), default=False)
    false_figures_reason = models.CharField(_("finding"), max_length=500, blank=True)

    objects = _manager("unit")

    class Meta:
        verbose_name = _("half-year evaluation")
        verbose_name_plural = _("half-year evaluations")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_evaluation_per_unit_period"),
            models.CheckConstraint(
                condition=Q(false_figures=False) | ~Q(false_figures_reason=""), name="false_figures_need_a_finding"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.period}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score (0–100)"), max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="one_score_per_item"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="score_0_to_100"),
        ]

    def __str__(self):
        return f"{self.evaluation} {self.item}"
