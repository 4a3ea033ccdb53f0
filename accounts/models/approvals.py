"""Decisions waiting for a supervisor's approval."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.organisation import Organization


class Approval(models.Model):
    """A decision a worker asked a supervisor to approve (declining a referral, closing it with certain
    outcomes, removing a risk flag). Approving carries it out; rejecting leaves things as they were."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("decision"), max_length=40)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(_("record"), max_length=100)
    unit = models.ForeignKey(
        Organization, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+", null=True
    )
    payload = models.JSONField(default=dict)
    summary = models.CharField(_("what is asked"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["state", "unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], condition=Q(state="pending"), name="one_pending_approval_per_record"
            )
        ]

    def __str__(self):
        return f"{self.summary} · {self.get_state_display()}"
