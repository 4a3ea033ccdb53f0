"""Webhook subscriptions of partner systems and their deliveries."""

from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.organisation import Organization


class WebhookSubscription(models.Model):
    """An organisation's system that wants to hear of referral status changes (references and statuses only)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        help_text=_("Changes of referrals filed by or sent to this organisation or any unit below it are sent."),
    )
    url = models.URLField(_("address"), max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.organization} → {self.url}"

    def save(self, *args, **kwargs):
        if not self.secret:
            import secrets

            self.secret = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One message to one subscription; retried with growing pauses until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    reference = models.CharField(_("reference"), max_length=30)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, editable=False)
    last_status = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_due_idx", condition=Q(state="pending"))]

    def __str__(self):
        return f"{self.event} {self.reference} → {self.subscription.url}"
