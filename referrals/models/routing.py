"""SLA rules, station-team matches and idempotency keys of filing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from referrals.models.choices import Category, Level
from referrals.models.referral import Referral


class SLAPolicy(models.Model):
    """How fast a referral must be acknowledged, per category (blank = any) and level."""

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("minutes (24/7)")
        HOURS = "hours", _("hours (24/7)")
        BUSINESS_DAYS = "business_days", _("business days of the team's calendar")

    category = models.CharField(_("category"), max_length=30, choices=Category.choices, blank=True)
    level = models.PositiveSmallIntegerField(_("triage level"), choices=Level.choices)
    acknowledge_within = models.PositiveIntegerField(_("acknowledge within"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.HOURS)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["level", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "level"], name="sla_policy_unique"),
            models.CheckConstraint(condition=Q(acknowledge_within__gt=0), name="sla_policy_positive"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_category_display() or '*'}"


# Used when no policy row matches (DESIGN.md "Triage and SLA timers").
DEFAULT_SLA = {1: (60, SLAPolicy.Unit.MINUTES), 2: (24, SLAPolicy.Unit.HOURS), 3: (3, SLAPolicy.Unit.BUSINESS_DAYS)}


class StationTeamMatch(models.Model):
    """Which social-work team serves a police station, over a period of dates."""

    station = models.ForeignKey(
        Organization,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="team_matches",
        limit_choices_to={"kind": Organization.Kind.STATION},
    )
    team = models.ForeignKey(
        Organization,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="station_matches",
        limit_choices_to={"kind": Organization.Kind.TEAM},
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("station–team match")
        verbose_name_plural = _("station–team matching")
        ordering = ["station", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="match_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.station} → {self.team}"


class IdempotencyKey(models.Model):
    """A retried API POST with the same key returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 of the normalised request body: the same key with another body is refused.
    request_hash = models.CharField(max_length=64, default="")
    # Empty only while the first request is still being processed (the key is claimed first).
    referral = models.ForeignKey(Referral, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self):
        return self.key
