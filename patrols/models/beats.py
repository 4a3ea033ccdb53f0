"""Beats, their hours, persons of concern and the visits to them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.models.display import ChoiceDisplay
from patrols.models._scope import _manager
from referrals.models import Household, Person


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


class PersonOfConcern(ChoiceDisplay, models.Model):
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
    last_visited_on = models.DateField(_("last visited"), null=True, blank=True, editable=False)
    next_due_on = models.DateField(_("next visit due"), default=timezone.localdate, editable=False)
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


class PatrolVisit(ChoiceDisplay, models.Model):
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
