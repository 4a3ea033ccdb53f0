"""Before the visit: the pre-visit risk assessment, the fallback when police cannot escort, and the
route notes workers leave each other for an address. Imported by safety.models."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.querysets import VisibleQuerySet
from referrals.models import normalise_address
from safety.models.visits import EscortRequest, HomeVisit


def _social_work_only(user):
    return user.is_authenticated and user.is_active and not user.reads_shared_view


class Recommendation(models.TextChoices):
    SOLO = "solo", _("One worker may go")
    SECOND_WORKER = "second_worker", _("Go with a second worker")
    POLICE_ESCORT = "police_escort", _("Go with a police escort")


class OnVisitQuerySet(VisibleQuerySet):
    """Records of a visit are seen by whoever sees the visit (social work only)."""

    def visible_to(self, user):
        return self.filter(visit__in=HomeVisit.objects.visible_to(user).values("pk"))


class VisitRiskAssessment(models.Model):
    """The checklist answered when the visit was planned, its score and the recommendation (safety.assessment)."""

    visit = models.OneToOneField(HomeVisit, on_delete=models.CASCADE, related_name="risk_assessment")
    answers = models.JSONField(_("answers"), default=dict)
    # Factors the records showed (flags, hazard events, earlier visits, the planned time), with why.
    from_records = models.JSONField(_("found in the records"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score"))
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recommendation overridden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_reason = models.CharField(_("reason for the override"), max_length=500, blank=True)
    override_at = models.DateTimeField(null=True, blank=True)

    objects = OnVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("pre-visit risk assessment")
        verbose_name_plural = _("pre-visit risk assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(override_by__isnull=True) | ~Q(override_reason=""), name="assessment_override_has_reason"
            )
        ]

    def __str__(self):
        return f"{self.visit_id}: {self.score} · {self.get_recommendation_display()}"


class EscortFallback(models.Model):
    """A supervisor's task when police decline an escort or let its answer deadline pass: assign a second
    worker or postpone. While it is open the visit cannot start with one worker (safety.escort_fallback)."""

    class Cause(models.TextChoices):
        DECLINED = "declined", _("Escort declined")
        UNANSWERED = "unanswered", _("Escort not answered in time")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a supervisor")
        SECOND_WORKER = "second_worker", _("Second worker assigned")
        POSTPONED = "postponed", _("Visit postponed")
        ESCORT_ACCEPTED = "escort_accepted", _("Escort accepted after all")

    escort = models.OneToOneField(EscortRequest, on_delete=models.CASCADE, related_name="fallback")
    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="escort_fallbacks")
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    added_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    postponed_from = models.DateTimeField(_("was planned for"), null=True, blank=True)
    postponed_to = models.DateTimeField(_("postponed to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = OnVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("escort fallback")
        verbose_name_plural = _("escort fallbacks")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["visit"], condition=Q(status="open"), name="escort_fallback_open_idx")]

    def __str__(self):
        return f"{self.visit_id}: {self.get_status_display()}"

    def get_absolute_url(self):
        return self.visit.get_absolute_url()


class RouteNoteQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        """Social work only, never police or dispatch: the author, the author's agency and the supervisors
        above it, and the district's intake coordinators (who see every visit of the district)."""
        if not _social_work_only(user):
            return self.none()
        if user.is_administrator:
            return self.all()
        rule = Q(author=user)
        org = user.organization
        if org is not None:
            rule |= Q(agency__path__startswith=org.path)  # supervisors above the agency
            agency = org.nearest(Organization.Kind.AGENCY)
            if agency is not None:
                rule |= Q(agency=agency)
            if user.is_intake_coordinator and org.district_id:
                rule |= Q(agency__district_id=org.district_id)
        return self.filter(rule)

    def for_address(self, address):
        key = normalise_address(address)
        return self.filter(address_key=key) if key else self.none()


class RouteNote(models.Model):
    """What a worker wants the next one at this address to know ("dog in the yard", "back entrance only")."""

    address = models.CharField(_("address"), max_length=255)
    address_key = models.CharField(max_length=255, db_index=True, editable=False)
    text = models.CharField(_("route note"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(HomeVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="route_notes")
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = RouteNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("route note")
        verbose_name_plural = _("route notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:60]

    def save(self, *args, **kwargs):
        self.address_key = normalise_address(self.address)
        super().save(*args, **kwargs)
