"""Home visits with their lone-worker timer, duress codes, escort requests and safety alerts."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.models.display import ChoiceDisplay
from accounts.querysets import VisibleQuerySet
from referrals.models import Referral
from safety.models.events import FollowUpItem, HazardEvent, _social_work_only

CHECK_OUT_GRACE = timedelta(minutes=15)


SECOND_ALERT_AFTER = timedelta(minutes=15)


class VisitQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        referrals = Referral.objects.visible_to(user).values("pk")
        return self.filter(Q(referral__in=referrals) | Q(workers=user)).distinct()


class HomeVisit(ChoiceDisplay, models.Model):
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
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True, editable=False)
    expected_end_at = models.DateTimeField(_("expected end"), null=True, blank=True, editable=False)
    # Lone-worker timer: when the next alert is due if nobody has checked out.
    check_out_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    alert_level = models.PositiveSmallIntegerField(default=0)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True, editable=False)
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


class VisitActionKey(models.Model):
    """An action sent with a client key (queued offline on the worker's phone): each key acts once."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="action_keys")
    key = models.UUIDField(_("client key"), unique=True, editable=False)
    action = models.CharField(_("action"), max_length=12, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    at = models.DateTimeField(_("pressed at"), editable=False)
    created = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit action key")
        verbose_name_plural = _("visit action keys")
        ordering = ["at"]

    def __str__(self):
        return f"{self.action} {self.key}"


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


class EscortRequest(ChoiceDisplay, models.Model):
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
    respond_by = models.DateTimeField(_("answer by"), editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

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


class SafetyAlert(ChoiceDisplay, models.Model):
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
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="safety_alerts")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("taken at"), null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
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
