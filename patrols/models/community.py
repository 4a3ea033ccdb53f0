"""Community activities, watch teams and contact groups."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from patrols.models._scope import _manager


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
