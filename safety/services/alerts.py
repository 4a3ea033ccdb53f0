"""Safety alerts: raising them, taking and resolving them, and the lone-worker sweep of missed check-outs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import calendar
from accounts.directory import supervisors_of
from accounts.models import User
from safety import policy
from safety.models import (
    SECOND_ALERT_AFTER,
    EscortRequest,
    FollowUpItem,
    HomeVisit,
    SafetyAlert,
)
from safety.services._base import _notify

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _alarm_recipients(visit: HomeVisit) -> list[User]:
    team = visit.referral.team
    return supervisors_of(team) + list(calendar.on_call_workers(team, timezone.now())) if team else []


def _raise(
    visit: HomeVisit | None,
    kind: SafetyAlert.Kind,
    level: int,
    recipients: Iterable[User | None],
    message: StrOrPromise,
    escort: EscortRequest | None = None,
    follow_up: FollowUpItem | None = None,
) -> SafetyAlert | None:
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(kind=kind, level=level, visit=visit, escort=escort, follow_up=follow_up)
    except IntegrityError:
        return None  # this step was already raised
    alerted = [u for u in recipients if u is not None]
    if visit is not None:
        # Never the workers of the visit itself: a silent alarm must not show on the phone of the worker
        # under duress (nor of the colleague beside them), even when they are on call.
        on_the_visit = set(visit.workers.values_list("pk", flat=True))
        alerted = [u for u in alerted if u.pk not in on_the_visit]
    alert.recipients.set(alerted)
    if visit is not None:
        url, reference = visit.get_absolute_url(), visit.referral.reference
    elif escort is not None:
        url, reference = "/safety/escorts/", escort.visit.referral.reference
    else:
        assert follow_up is not None, "an alert is about a visit, an escort request or a follow-up item"
        url, reference = follow_up.event.get_absolute_url(), follow_up.event.reference
    # The visit address goes with alarms so help can be sent; nothing else about the case.
    suffix = (
        f" ({visit.address})" if visit is not None and kind in (SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS) else ""
    )
    _notify(alerted, f"{message}{suffix}", url, reference, kind="safety_alert")
    from safety.services import alert_texts  # level-2 missed check-outs, alarms and duress also go by SMS

    alert_texts.text_alert(alert=alert, message=message, suffix=suffix)
    return alert


@transaction.atomic
def acknowledge_alert(*, actor: User, alert: SafetyAlert) -> SafetyAlert:
    alert = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    policy.require(actor, "acknowledge_alert", alert)
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    if alert.visit_id:
        # Whoever takes it is responsible now: no further escalation steps for this visit.
        HomeVisit.objects.filter(pk=alert.visit_id).update(check_out_due_at=None)
    return alert


@transaction.atomic
def resolve_alert(*, actor: User, alert: SafetyAlert, resolution: str, note: str = "") -> SafetyAlert:
    alert = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    policy.require(actor, "resolve_alert", alert)
    if resolution not in SafetyAlert.Resolution.values:
        raise ValidationError({"resolution": _("Choose how the alert ended.")})
    alert.resolved_by = actor
    alert.resolved_at = timezone.now()
    alert.resolution = resolution
    alert.resolution_note = note
    alert.save()
    return alert


def sweep_lone_workers(*, now: datetime | None = None, batch: int = 200) -> int:
    """Missed check-out: level 1 at expected end + grace (supervisor), level 2 fifteen minutes later
    (on-call list and the escort station). Exactly once per step, safe with concurrent sweeps."""
    now = now or timezone.now()
    fired = 0
    while True:
        with transaction.atomic():
            due = list(
                HomeVisit.objects.select_for_update(skip_locked=True)
                .filter(status=HomeVisit.Status.STARTED, check_out_due_at__lte=now)
                .order_by("check_out_due_at")[:batch]
            )
            for visit in due:
                fired += _missed_check_out(visit, now)
        if len(due) < batch:
            return fired


def _missed_check_out(visit: HomeVisit, now: datetime) -> int:
    level = visit.alert_level + 1
    team = visit.referral.team
    if level == 1:
        recipients = supervisors_of(team)
    else:
        recipients = list(calendar.on_call_workers(team, now)) + supervisors_of(team) if team else []
        for escort in visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).select_related("station"):
            recipients += list(User.objects.filter(organization=escort.station, is_active=True))
    alert = _raise(visit, SafetyAlert.Kind.MISSED_CHECK_OUT, level, recipients, _("missed check-out"))
    visit.alert_level = level
    due = visit.check_out_due_at  # set: the sweep picks only visits whose check-out is due
    visit.check_out_due_at = due + SECOND_ALERT_AFTER if level < 2 and due is not None else None
    visit.save(update_fields=["alert_level", "check_out_due_at"])
    return 1 if alert else 0


def oldest_overdue(*, now: datetime) -> datetime | None:
    candidates = [
        HomeVisit.objects.filter(status=HomeVisit.Status.STARTED, check_out_due_at__lte=now)
        .order_by("check_out_due_at")
        .values_list("check_out_due_at", flat=True)
        .first(),
        EscortRequest.objects.filter(
            status=EscortRequest.Status.REQUESTED, escalated_at__isnull=True, respond_by__lte=now
        )
        .order_by("respond_by")
        .values_list("respond_by", flat=True)
        .first(),
    ]
    due = [d for d in candidates if d]
    return min(due) if due else None
