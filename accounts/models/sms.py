"""SMS messages: one row per text to one recipient, the outbox of the SMS channel and its delivery record."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SmsMessage(models.Model):
    """Written in the transaction that raised the alert; sent later by a task or the outbox sweep, so a
    gateway that hangs or fails never holds up the sweep that raised the alert."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Waiting to retry")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="sms_messages",
    )
    to_number = models.CharField(_("number"), max_length=30)
    # Minimum detail only, as in the in-app notice: a reference, what happened and (for an alarm) the address.
    body = models.CharField(_("text"), max_length=480)
    # What the message is about (a safety alert), without making accounts depend on the app that raised it.
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    provider_id = models.CharField(_("provider's message id"), max_length=64, blank=True, db_index=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state__in=["queued", "retrying"]), name="sms_outbox_idx"
            ),
            models.Index(fields=["content_type", "object_id"], name="sms_about_idx"),
        ]

    def __str__(self):
        return f"{self.to_number} · {self.get_state_display()}"
