"""The retention schedule: rules, legal holds and runs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionRule(models.Model):
    """How long one type of record is kept after it is finished (overrides the settings default)."""

    record_type = models.CharField(_("record type"), max_length=40, unique=True)
    keep_days = models.PositiveIntegerField(_("keep for (days)"))
    note = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self):
        return f"{self.record_type}: {self.keep_days}"


class LegalHold(models.Model):
    """Stops the retention schedule for one record (a court order, a complaint, an inquiry)."""

    record_type = models.CharField(_("record type"), max_length=40)
    record_key = models.CharField(
        _("record"), max_length=64, help_text=_("The reference, or the number of the record.")
    )
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["record_type", "record_key"])]

    def __str__(self):
        return f"{self.record_type} {self.record_key}"


class RetentionRun(models.Model):
    """What one run of the retention schedule removed: counts per record type, never content."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    dry_run = models.BooleanField(_("dry run"), default=False)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"
