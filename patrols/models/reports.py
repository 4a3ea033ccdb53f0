"""Monthly reports, their reminders and amendments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from patrols.models._scope import _manager


class MonthlyReport(models.Model):
    """A station's month, figures computed from the logs; locked once submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    station = models.ForeignKey(
        Organization, verbose_name=_("station"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("month"))  # the first day of the month
    due_on = models.DateField(_("due"), editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    # Late-report timer: the next step (1 reminder, 2 escalation) fires at remind_at.
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_level = models.PositiveSmallIntegerField(default=0)

    objects = _manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "station"]
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="one_report_per_station_month")]
        indexes = [
            models.Index(
                fields=["remind_at"], condition=Q(status="draft", remind_at__isnull=False), name="report_remind_idx"
            )
        ]

    def __str__(self):
        return f"{self.station} {self.month:%Y-%m}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("patrols:report", args=[self.pk])


class ReportReminder(models.Model):
    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="reminders")
    level = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "level"], name="report_reminder_once")]

    def __str__(self):
        return f"{self.report} {self.level}"


class ReportAmendment(models.Model):
    """A correction after submission; the original figures stay as they were."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="amendments")
    figures = models.JSONField(_("corrected figures"))
    reason = models.CharField(_("reason"), max_length=500)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = _manager("report__station")

    class Meta:
        verbose_name = _("report amendment")
        verbose_name_plural = _("report amendments")
        ordering = ["made_at"]

    def __str__(self):
        return f"{self.report} {self.made_at:%Y-%m-%d}"
