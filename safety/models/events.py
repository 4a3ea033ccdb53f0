"""Hazard events (incidents against workers), their attachments and follow-up items; safety contacts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.models.display import ChoiceDisplay
from accounts.querysets import VisibleQuerySet
from referrals.models import Person, Referral

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


class HazardEvent(ChoiceDisplay, models.Model):
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
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, editable=False)

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


class HazardEventKey(models.Model):
    """A report sent with a client key (queued on a phone without signal): each key reports once."""

    event = models.OneToOneField(HazardEvent, on_delete=models.CASCADE, related_name="client_key")
    key = models.UUIDField(_("client key"), unique=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    at = models.DateTimeField(_("pressed at"), editable=False)
    created = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard event key")
        verbose_name_plural = _("hazard event keys")
        ordering = ["at"]

    def __str__(self):
        return str(self.key)


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
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

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
