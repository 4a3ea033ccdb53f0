"""Risk flags on people, households and addresses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import VisibleQuerySet
from referrals.models import Household, Person, normalise_address
from safety.models.events import _social_work_only


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
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)
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
