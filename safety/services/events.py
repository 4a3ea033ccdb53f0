"""Hazard events: reporting, the automatic major-event rule, review flags and follow-up items with their sweep."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.directory import agency_heads, supervisors_of
from accounts.models import Organization, User
from accounts.references import next_reference
from safety import policy
from safety.models import (
    INJURY_CAUSED,
    MAJOR_INJURY_WINDOW_DAYS,
    MAJOR_MEDIA_REPORTS,
    FollowUpItem,
    FollowUpKind,
    HazardEvent,
    HazardEventKey,
    Injury,
    RiskFlag,
    RiskSource,
    SafetyAlert,
)
from safety.services._base import _notify, follow_up_owners, safety_contacts
from safety.services.alerts import _raise

FOLLOW_UP_DAYS = 14
OFFLINE_REPORT_MAX_AGE = timedelta(days=7)  # a report queued on a phone longer than this is refused


@transaction.atomic
def report_hazard_event(
    *, actor: User, worker: User | None = None, attachments: Iterable[UploadedFile] = (), **fields: Any
) -> HazardEvent:
    """Record an event (a supervisor may report for a worker); open its follow-up checklist; apply rules 1–2."""
    worker = worker or actor
    policy.require(actor, "report_event", worker)
    team = worker.organization
    if team is None or team.kind != Organization.Kind.TEAM:
        raise ValidationError({"worker": _("The worker must belong to a social-work team.")})
    if fields.get("occurred_at") and fields["occurred_at"] > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The event cannot be in the future.")})
    event = HazardEvent(worker=worker, reported_by=actor, team=team, **fields)
    event.reference = next_reference(prefix="H", year=timezone.localdate().year)
    event.full_clean(exclude=["reference"])
    event.save()
    for upload in attachments:
        # An upload always has a name and a size (the stubs allow None for files in general).
        event.attachments.create(file=upload, name=(upload.name or "")[:200], size=upload.size or 0)
    due = timezone.localdate() + timedelta(days=FOLLOW_UP_DAYS)
    FollowUpItem.objects.bulk_create(
        [FollowUpItem(event=event, kind=kind, owner=None, due_on=due) for kind in FollowUpKind.values]
    )
    if event.offender_id:
        RiskFlag.objects.create(
            person=event.offender, type="threats", source=RiskSource.HAZARD_EVENT, note=event.reference, added_by=actor
        )
    reasons = automatic_major_reasons(event=event)
    _notify(supervisors_of(team), _("hazard event reported"), event.get_absolute_url(), event.reference)
    if reasons:
        _make_major(event, reasons)
    return event


@transaction.atomic
def report_with_key(
    *, actor: User, key: UUID, at: datetime, worker: User | None = None, **fields: Any
) -> tuple[HazardEvent, bool]:
    """A report queued on a phone and sent with a client key and the time it was sent; each key reports once.

    Returns the event and whether this call reported it (False: the key was seen before, nothing done).
    The event's own time (``occurred_at``) comes from the form like any report.
    """
    seen = HazardEventKey.objects.select_for_update().filter(key=key).select_related("event").first()
    if seen is not None:
        if seen.actor_id != actor.pk:
            raise ValidationError({"key": _("This key belongs to another report.")})
        return seen.event, False
    now = timezone.now()
    if at > now + timedelta(minutes=5) or at < now - OFFLINE_REPORT_MAX_AGE:
        raise ValidationError({"at": _("The time the report was sent is not plausible.")})
    try:
        with transaction.atomic():  # the same key sent twice at once: the second waits, then finds the first
            event = report_hazard_event(actor=actor, worker=worker, **fields)
            HazardEventKey.objects.create(event=event, key=key, actor=actor, at=at)
    except IntegrityError:
        seen = HazardEventKey.objects.select_related("event").get(key=key)
        if seen.actor_id != actor.pk:
            raise ValidationError({"key": _("This key belongs to another report.")}) from None
        return seen.event, False
    return event, True


def automatic_major_reasons(*, event: HazardEvent) -> list[str]:
    """Rules 1 and 2 of the major-event definition, at the boundaries the rules give."""
    reasons = []
    if event.injury == Injury.DEATH:
        reasons.append("death")
    if event.injury in INJURY_CAUSED:
        # "Within one month" counted in whole days of the team's calendar.
        tz = event.team.tz
        first_day = timezone.localtime(event.occurred_at, tz).date() - timedelta(days=MAJOR_INJURY_WINDOW_DAYS)
        since = datetime.combine(first_day, time.min, tzinfo=tz)
        earlier = HazardEvent.objects.filter(
            team=event.team, injury__in=INJURY_CAUSED, occurred_at__gte=since, occurred_at__lte=event.occurred_at
        ).exclude(pk=event.pk)
        if earlier.exists():
            reasons.append("repeat_injury")
    if event.media_report_count >= MAJOR_MEDIA_REPORTS:
        reasons.append("media")
    return reasons


def _make_major(event: HazardEvent, reasons: Iterable[str]) -> None:
    event.is_major = True
    event.for_safety_council = True
    event.major_reasons = sorted(set(event.major_reasons) | set(reasons))
    event.save(update_fields=["is_major", "for_safety_council", "major_reasons", "review_flag_reason"])
    recipients = agency_heads(event.team) + safety_contacts(team=event.team)
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(kind=SafetyAlert.Kind.MAJOR_EVENT, event=event, level=1)
    except IntegrityError:
        return
    alert.recipients.set([u for u in recipients if u])
    _notify(recipients, _("major hazard event"), event.get_absolute_url(), event.reference, kind="safety_major")


@transaction.atomic
def update_hazard_event(*, actor: User, event: HazardEvent, **fields: Any) -> HazardEvent:
    """Later facts (more media reports, a worse injury) can make an event major."""
    policy.require(actor, "update_event", event)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    reasons = automatic_major_reasons(event=event)
    if reasons:
        _make_major(event, reasons)
    return event


@transaction.atomic
def flag_for_review(*, actor: User, event: HazardEvent, reason: str) -> HazardEvent:
    """Rule 3: a supervisor marks the event major because the safety mechanism needs review."""
    policy.require(actor, "flag_for_review", event)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the review.")})
    event.review_flag_reason = reason.strip()
    _make_major(event, ["review"])
    return event


@transaction.atomic
def update_follow_up(
    *,
    actor: User,
    item: FollowUpItem,
    owner: User | None = None,
    due_on: date | None = None,
    status: str | None = None,
    note: str = "",
) -> FollowUpItem:
    policy.require(actor, "update_follow_up", item)
    if owner is not None:
        if not follow_up_owners(team=item.event.team).filter(pk=owner.pk).exists():
            raise ValidationError({"owner": _("Choose an active member of the event's agency.")})
        item.owner = owner
    if due_on is not None:
        item.due_on = due_on
        item.escalated_at = None
    if status:
        item.status = status
    item.note = note or item.note
    item.full_clean()
    item.save()
    return item


def sweep_follow_ups(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        for item in (
            FollowUpItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=FollowUpItem.Status.OPEN, escalated_at__isnull=True, due_on__lt=timezone.localdate(now))
            .select_related("event__team", "owner")[:500]
        ):
            recipients = supervisors_of(item.event.team) + safety_contacts(team=item.event.team) + [item.owner]
            if _raise(None, SafetyAlert.Kind.FOLLOW_UP_OVERDUE, 1, recipients, _("follow-up overdue"), follow_up=item):
                fired += 1
            item.escalated_at = now
            item.save(update_fields=["escalated_at"])
    return fired
