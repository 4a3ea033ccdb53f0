"""Users, their roles and on-call shifts."""

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models.organisation import Organization
from accounts.querysets import VisibleQuerySet


class UserQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self
        return (
            self.filter(organization__path__startswith=user.organization.path)
            if user.organization_id
            else self.filter(pk=user.pk)
        )


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    pass


@pghistory.track(
    pghistory.UpdateEvent(
        "role_or_access_changed", condition=pghistory.AnyChange("role", "organization", "is_active", "is_superuser")
    ),
    fields=["role", "organization", "is_active", "is_superuser"],
    model_name="UserAccessEvent",
)
class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICER = "officer", _("Police officer")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        INTAKE_COORDINATOR = "intake_coordinator", _("Intake coordinator")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")
        INTEGRATION = "integration", _("Integration client")

    class Language(models.TextChoices):
        ZH_HANT = "zh-hant", _("Traditional Chinese")
        EN = "en", _("English")

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.OFFICER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANT)

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_officer(self):
        return self.role == self.Role.OFFICER

    @property
    def is_social_worker(self):
        return self.role == self.Role.SOCIAL_WORKER

    @property
    def is_intake_coordinator(self):
        return self.role == self.Role.INTAKE_COORDINATOR

    @property
    def is_supervisor(self):
        return self.role == self.Role.SUPERVISOR

    @property
    def is_administrator(self):
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser

    @property
    def is_police(self):
        """Police side: officers, and supervisors (station heads) of police units."""
        if self.is_officer:
            return True
        return bool(self.organization_id and self.organization.is_police and not self.is_administrator)

    @property
    def is_integration(self):
        return self.role == self.Role.INTEGRATION

    @property
    def reads_shared_view(self):
        """Police and dispatch systems read a referral's shared view only: no internal notes, events or safety data."""
        return self.is_police or self.is_integration

    def clean(self):
        super().clean()
        needs_org = self.role not in (self.Role.ADMINISTRATOR, self.Role.INTEGRATION) and not self.is_superuser
        if needs_org and not self.organization_id:
            raise ValidationError({"organization": _("This role needs an organisation.")})
        if self.role == self.Role.OFFICER and self.organization_id and not self.organization.is_police:
            raise ValidationError({"organization": _("A police officer belongs to a police unit.")})
        if self.role == self.Role.SOCIAL_WORKER and self.organization_id and self.organization.is_police:
            raise ValidationError({"organization": _("A social worker belongs to a social-work team or agency.")})


class OnCallShiftQuerySet(models.QuerySet):
    def covering(self, at):
        """Shifts that cover the instant ``at`` (start inclusive, end exclusive)."""
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class OnCallShift(models.Model):
    """One worker on call for one team between two instants (may cross midnight)."""

    team = models.ForeignKey(
        Organization,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="on_call_shifts",
        limit_choices_to={"kind": Organization.Kind.TEAM},
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_ends_after_start"),
        ]
        indexes = [models.Index(fields=["team", "starts_at", "ends_at"])]

    def __str__(self):
        return f"{self.team} · {self.worker} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The shift must end after it starts.")})
        if self.team_id and not self.team.is_team:
            raise ValidationError({"team": _("Choose a social work team.")})
