"""Worker safety: hazard events, follow-up support, risk flags, safe home visits, escorts and alerts."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.visibility import VisibleQuerySet
from referrals.models import Household, Person, Referral, normalise_address

CHECK_OUT_GRACE = timedelta(minutes=15)
SECOND_ALERT_AFTER = timedelta(minutes=15)
MAJOR_INJURY_WINDOW_DAYS = 30
MAJOR_MEDIA_REPORTS = 3


class HazardType(models.TextChoices):
    PROPERTY_LOSS = "property_loss", _("Property loss")
    PHYSICAL_ATTACK = "physical_attack", _("Physical attack")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    INTIMIDATION = "intimidation", _("Intimidation or threat")
    REPUTATION = "reputation", _("Damage to reputation")
    IRRATIONAL_PETITIONING = "irrational_petitioning", _("Irrational petitioning (harassing complaints)")
    OTHER = "other", _("Other threat")


class Injury(models.TextChoices):
    NONE = "none", _("No injury")
    MINOR = "minor", _("Minor injury")
    SERIOUS = "serious", _("Serious injury")
    DEATH = "death", _("Death")


INJURY_CAUSED = (Injury.MINOR, Injury.SERIOUS, Injury.DEATH)


class FollowUpKind(models.TextChoices):
    MEDICAL = "medical", _("Medical care")
    COUNSELLING = "counselling", _("Counselling")
    FAMILY_CARE = "family_care", _("Care for the worker's family")
    LEGAL = "legal", _("Legal assistance")
    OFFENDER_LIABILITY = "offender_liability", _("Pursue the offender's liability")
    LEAVE_INSURANCE = "leave_insurance", _("Leave, insurance and compensation")
    INVESTIGATION = "investigation", _("Cause investigation and improvement")


class RiskType(models.TextChoices):
    WEAPON = "weapon", _("Weapon")
    VIOLENCE = "violence", _("History of violence")
    THREATS = "threats", _("Threats to staff")
    PSYCHIATRIC = "psychiatric", _("Psychiatric crisis history")
    SELF_HARM = "self_harm", _("Self-harm history")
    SUBSTANCE = "substance", _("Substance use")
    ANIMAL = "animal", _("Dangerous animal")
    INFECTION = "infection", _("Infectious disease")
    OTHER = "other", _("Other")


class RiskSource(models.TextChoices):
    POLICE = "police", _("Police record")
    AGENCY = "agency", _("Agency record")
    OBSERVATION = "observation", _("Worker observation")
    HAZARD_EVENT = "hazard_event", _("Hazard event")


# What a user may say a flag comes from; "police record" and "hazard event" are set by the system only.
CLIENT_SOURCES = (RiskSource.AGENCY, RiskSource.OBSERVATION)


def _social_work_only(user):
    return user.is_authenticated and not user.reads_shared_view


class SafetyContact(models.Model):
    """The agency's safety contact: sees every hazard event of the agency and receives major-event alerts."""

    agency = models.ForeignKey(
        Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="safety_contacts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="safety_contact_for"
    )

    class Meta:
        verbose_name = _("safety contact")
        verbose_name_plural = _("safety contacts")
        constraints = [models.UniqueConstraint(fields=["agency", "user"], name="safety_contact_unique")]

    def __str__(self):
        return f"{self.agency}: {self.user}"


class HazardEventQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        rule = Q(worker=user) | Q(reported_by=user)
        org = user.organization
        if org is not None and user.is_supervisor:
            rule |= Q(team__path__startswith=org.path)
        contact_for = SafetyContact.objects.filter(user=user).values_list("agency__path", flat=True)
        for path in contact_for:
            rule |= Q(team__path__startswith=path)
        return self.filter(rule)


class HazardEvent(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker affected"),
        on_delete=models.PROTECT,
        related_name="hazard_events",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Organization, verbose_name=_("service unit"), on_delete=models.PROTECT, related_name="hazard_events"
    )
    types = models.JSONField(_("types"), default=list)
    occurred_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=255)
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazard_events",
    )
    visit = models.ForeignKey(
        "HomeVisit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazard_events",
    )
    injury = models.CharField(_("injury"), max_length=10, choices=Injury.choices, default=Injury.NONE)
    property_loss = models.CharField(_("property loss"), max_length=255, blank=True)
    offender = models.ForeignKey(
        Person, verbose_name=_("known offender"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offender_description = models.CharField(_("offender description"), max_length=500, blank=True)
    police_report_made = models.BooleanField(_("police report made"), default=False)
    media_report_count = models.PositiveSmallIntegerField(_("media reports"), default=0)
    media_links = models.TextField(_("media links"), blank=True, max_length=2000)
    narrative = models.TextField(_("narrative"), max_length=4000)
    is_major = models.BooleanField(_("major hazard event"), default=False)
    major_reasons = models.JSONField(_("why major"), default=list, blank=True)
    review_flag_reason = models.CharField(_("reason for review (rule 3)"), max_length=500, blank=True)
    for_safety_council = models.BooleanField(_("for the safety council"), default=False)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    objects = HazardEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["team", "occurred_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(types=[]), name="hazard_event_has_a_type"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:event", args=[self.pk])

    def type_labels(self):
        labels = dict(HazardType.choices)
        return [labels.get(t, t) for t in self.types]


ALLOWED_ATTACHMENTS = {"pdf": b"%PDF", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class HazardAttachment(models.Model):
    event = models.ForeignKey(HazardEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="hazard/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class FollowUpQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return self.filter(event__in=HazardEvent.objects.visible_to(user).values("pk"))


class FollowUpItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        NOT_NEEDED = "not_needed", _("Not needed")

    event = models.ForeignKey(HazardEvent, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("support"), max_length=30, choices=FollowUpKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "kind"], name="follow_up_once_per_kind")]
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(status="open", escalated_at__isnull=True), name="follow_up_due_idx"
            )
        ]

    def __str__(self):
        return f"{self.event_id} {self.kind}"

    @property
    def is_overdue(self):
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class RiskFlagQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        """Flags on the households and persons of referrals the user may see (or flags they added)."""
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        households = Household.objects.visible_to(user).values("pk")
        persons = Person.objects.visible_to(user).values("pk")
        return self.filter(Q(household__in=households) | Q(person__in=persons) | Q(added_by=user))

    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(review_on__isnull=True) | Q(review_on__gte=on))


class RiskFlag(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="risk_flags"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="risk_flags",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_key = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    type = models.CharField(_("risk"), max_length=20, choices=RiskType.choices)
    source = models.CharField(_("source"), max_length=20, choices=RiskSource.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    review_on = models.DateField(_("review or expiry date"), null=True, blank=True)

    objects = RiskFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-added_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False) | ~Q(address_key=""),
                name="risk_flag_has_a_target",
            )
        ]

    def __str__(self):
        return self.get_type_display()

    def clean(self):
        # The address key is part of the "has a target" constraint that full_clean checks.
        self.address_key = normalise_address(self.address)

    def save(self, *args, **kwargs):
        self.address_key = normalise_address(self.address)
        super().save(*args, **kwargs)


class VisitQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        referrals = Referral.objects.visible_to(user).values("pk")
        return self.filter(Q(referral__in=referrals) | Q(workers=user)).distinct()


class HomeVisit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        STARTED = "started", _("In progress")
        CHECKED_OUT = "checked_out", _("Checked out")
        CANCELLED = "cancelled", _("Cancelled")

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="home_visits"
    )
    address = models.CharField(_("address"), max_length=255)
    planned_start = models.DateTimeField(_("planned start"))
    expected_minutes = models.PositiveSmallIntegerField(_("expected duration (minutes)"), default=60)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("workers going"), related_name="home_visits"
    )
    escort_needed = models.BooleanField(_("police escort needed"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    expected_end_at = models.DateTimeField(_("expected end"), null=True, blank=True)
    # Lone-worker timer: when the next alert is due if nobody has checked out.
    check_out_due_at = models.DateTimeField(null=True, blank=True)
    alert_level = models.PositiveSmallIntegerField(default=0)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("override by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_reason = models.CharField(_("override reason"), max_length=500, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-planned_start"]
        indexes = [
            models.Index(fields=["check_out_due_at"], condition=Q(status="started"), name="visit_check_out_due_idx")
        ]
        constraints = [models.CheckConstraint(condition=Q(expected_minutes__gt=0), name="visit_duration_positive")]

    def __str__(self):
        return f"{self.referral} {self.planned_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("safety:visit", args=[self.pk])


class DuressCode(models.Model):
    """A worker's personal duress code, stored hashed like a password."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duress_code")
    code_hash = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("duress code")
        verbose_name_plural = _("duress codes")

    def __str__(self):
        return str(self.user)


class EscortQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        org = user.organization
        if user.is_police:
            # Police see only requests addressed to their station (the precinct above, for escalations).
            return self.filter(station__path__startswith=org.path) if org else self.none()
        return self.filter(visit__in=HomeVisit.objects.visible_to(user).values("pk"))


class EscortRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="escort_requests")
    station = models.ForeignKey(
        Organization,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="escort_requests",
        limit_choices_to={"kind": Organization.Kind.STATION},
    )
    needed_from = models.DateTimeField(_("needed from"))
    needed_until = models.DateTimeField(_("needed until"))
    respond_by = models.DateTimeField(_("answer by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = EscortQuerySet.as_manager()

    class Meta:
        verbose_name = _("escort request")
        verbose_name_plural = _("escort requests")
        ordering = ["respond_by"]
        indexes = [
            models.Index(
                fields=["respond_by"],
                condition=Q(status="requested", escalated_at__isnull=True),
                name="escort_respond_by_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(needed_until__gt=models.F("needed_from")), name="escort_times_ordered"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="escort_decline_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.station} {self.needed_from:%Y-%m-%d %H:%M}"


class AlertQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        visits = HomeVisit.objects.visible_to(user).values("pk")
        # The workers of a visit never see its alerts: a duress alarm must stay silent on their screens.
        own_visits = HomeVisit.objects.filter(workers=user).values("pk")
        return self.filter(Q(recipients=user) | Q(visit__in=visits)).exclude(visit__in=own_visits).distinct()


class SafetyAlert(models.Model):
    """One alert step; unique per visit, kind and level so a step is raised exactly once."""

    class Kind(models.TextChoices):
        MISSED_CHECK_OUT = "missed_check_out", _("Missed check-out")
        ALARM = "alarm", _("Alarm")
        DURESS = "duress", _("Silent alarm")
        ESCORT_UNANSWERED = "escort_unanswered", _("Escort request unanswered")
        FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up overdue")
        MAJOR_EVENT = "major_event", _("Major hazard event")

    class Resolution(models.TextChoices):
        REAL_EMERGENCY = "real_emergency", _("Real emergency")
        FALSE_ALARM = "false_alarm", _("False alarm")
        WORKER_SAFE = "worker_safe", _("Worker safe, action taken")

    kind = models.CharField(_("alert"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    visit = models.ForeignKey(HomeVisit, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    escort = models.ForeignKey(EscortRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    event = models.ForeignKey(HazardEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    follow_up = models.ForeignKey(FollowUpItem, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="safety_alerts")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind", "level"], condition=Q(visit__isnull=False), name="visit_alert_once"
            ),
            models.UniqueConstraint(
                fields=["escort", "kind", "level"], condition=Q(escort__isnull=False), name="escort_alert_once"
            ),
            models.UniqueConstraint(
                fields=["follow_up", "kind", "level"], condition=Q(follow_up__isnull=False), name="follow_up_alert_once"
            ),
            models.UniqueConstraint(
                fields=["event", "kind", "level"], condition=Q(event__isnull=False), name="event_alert_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.level}"


# Before the visit: risk assessment, escort fallback, route notes (a module of their own).
from safety.models_planning import EscortFallback, Recommendation, RouteNote, VisitRiskAssessment  # noqa: E402,F401
