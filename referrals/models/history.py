"""What happens to a referral: events, case notes, feedback, escalation steps and link requests."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.models.display import ChoiceDisplay
from accounts.querysets import VisibleQuerySet
from referrals.models.choices import ReferralGap, Status
from referrals.models.referral import Household, Referral


class EventQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        qs = self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))
        return qs.filter(shared=True) if user.is_authenticated and user.reads_shared_view else qs

    def update(self, **kwargs):
        raise PermissionError("Referral events are append-only.")

    def delete(self):
        raise PermissionError("Referral events are append-only.")


class ReferralEvent(ChoiceDisplay, models.Model):
    """Immutable history of a referral: every status change, escalation and handover."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DISPATCHED = "dispatched", _("Dispatched to a team")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ACCEPTED = "accepted", _("Accepted")
        ASSIGNED = "assigned", _("Worker assigned")
        FIRST_CONTACT = "first_contact", _("First contact made")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")
        REDIRECTED = "redirected", _("Redirected")
        TRANSFERRED = "transferred", _("Transferred")
        LEVEL_CHANGED = "level_changed", _("Triage level confirmed")
        ESCALATED = "escalated", _("Escalated")
        ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", _("Escalation acknowledged")
        ON_CALL_ALERTED = "on_call_alerted", _("On-call worker alerted")
        NEEDS_REASSIGNMENT = "needs_reassignment", _("Needs reassignment")
        LINKED = "linked", _("Linked to another referral")
        LINK_REQUESTED = "link_requested", _("Possible match sent to the intake desk")
        LINK_REJECTED = "link_rejected", _("Possible match checked: not the same household")
        HANDOVER_NOTE = "handover_note", _("Handover note (social work only)")
        REMATCHED = "rematched", _("Moved to the newly matched team")
        RETURNED = "returned", _("Returned to the referrer for more information")
        RESUBMITTED = "resubmitted", _("Resubmitted with more information")
        RE_REFERRED = "re_referred", _("Re-referred to another agency")
        FAILED = "failed", _("Could not be served")
        APPROVAL_REQUESTED = "approval_requested", _("Supervisor's approval requested")
        APPROVED = "approved", _("Approved by a supervisor")
        APPROVAL_REJECTED = "approval_rejected", _("Not approved by a supervisor")

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Shared events are shown to the referring police; internal ones only to social work.
    shared = models.BooleanField(default=True)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["referral", "at"]),
            # A referral's first or last event of some kinds (the acknowledgement clock), from the index alone.
            models.Index(fields=["referral", "kind", "at", "id"], name="referral_event_kind_idx"),
        ]
        triggers = [pgtrigger.Protect(name="referral_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.referral_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Referral events are append-only.")
        super().save(*args, **kwargs)


class NoteQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        qs = self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))
        return (
            qs.filter(visibility=CaseNote.Visibility.SHARED) if user.is_authenticated and user.reads_shared_view else qs
        )


class CaseNote(models.Model):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (social work only)")
        SHARED = "shared", _("Shared with the referring officer")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "created_at"])]

    def __str__(self):
        return f"{self.referral_id} note {self.pk}"


class ReferralFeedback(models.Model):
    """The receiving team's view of a referral's quality, given on acceptance or decline, for the referrer."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback")
    team = models.ForeignKey(Organization, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Organization, verbose_name=_("referring station"), on_delete=models.PROTECT, related_name="+"
    )
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appropriate = models.BooleanField(_("appropriate referral"))
    gaps = models.JSONField(_("what was missing"), default=list, blank=True)
    at = models.DateTimeField(_("given at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("referral feedback")
        verbose_name_plural = _("referral feedback")
        constraints = [models.UniqueConstraint(fields=["referral", "team"], name="feedback_once_per_team")]
        indexes = [models.Index(fields=["station", "at"])]

    def __str__(self):
        return f"{self.referral} · {self.team}"

    def get_gaps_display(self):
        labels = dict(ReferralGap.choices)
        return [labels.get(code, code) for code in self.gaps]


class ReferralEscalation(models.Model):
    """One escalation step; the unique constraint makes each step fire exactly once."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="escalations")
    cycle = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(editable=False)
    fired_at = models.DateTimeField(default=timezone.now, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "cycle", "level"], name="escalation_fires_once"),
        ]

    def __str__(self):
        return f"{self.referral_id} cycle {self.cycle} level {self.level}"


class LinkRequest(models.Model):
    """A filer asks to join a referral to a matching household they cannot see.

    Until the intake desk or the receiving team confirms it, the referral keeps its own household
    and only the persons the filer typed, so nothing of the other household reaches the filer.
    Decided once: confirmed (the referral joins the household) or rejected.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not the same household")

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="link_requests"
    )
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    # The household's most recent open referral when the request was made, if any.
    linked_to = models.ForeignKey(
        Referral, verbose_name=_("linked referral"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("household link request")
        verbose_name_plural = _("household link requests")
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["referral", "household"], name="link_request_once")]

    def __str__(self):
        return f"{self.referral_id} → household {self.household_id} ({self.state})"

    @property
    def is_pending(self):
        return self.state == self.State.PENDING
