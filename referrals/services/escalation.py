"""The escalation sweep: unacknowledged referrals go up step by step, each step fired exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.directory import agency_heads, district_coordinators, supervisors_of
from accounts.models import User
from accounts.services import notify_many
from referrals import policy
from referrals.models import (
    Referral,
    ReferralEscalation,
    ReferralEvent,
    Status,
)
from referrals.services._base import Kind, _record

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# (team, district, step) of a referral: everyone escalated to at that step is the same.
RecipientsKey = tuple[int | None, int, int]

MIN_ESCALATION_GAP = timedelta(minutes=30)


LAST_ESCALATION_LEVEL = 2


def escalation_recipients(*, referral: Referral, level: int) -> list[User]:
    if level == 1:
        return supervisors_of(referral.team) or district_coordinators(referral.district_id)
    return district_coordinators(referral.district_id) + agency_heads(referral.team)


def _half_window(referral: Referral) -> timedelta:
    window = (referral.ack_due_at or referral.filed_at) - referral.filed_at
    return max(window / 2, MIN_ESCALATION_GAP)


def sweep_escalations(*, now: datetime | None = None, batch: int = 500) -> int:
    """Fire every due escalation step exactly once; safe with several sweeps at the same time.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` in short transactions; the unique
    (referral, cycle, step) row is the proof a step has fired, so a step recorded by a sweep
    that died after the insert is never sent twice. Each batch costs a fixed number of queries.
    """
    now = now or timezone.now()
    fired = 0
    recipients: dict[RecipientsKey, list[User]] = {}  # looked up once per sweep, not once per referral
    while True:
        with transaction.atomic():
            claimed = list(
                Referral.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(escalate_at__lte=now, status=Status.SUBMITTED)
                .select_related("team")
                .order_by("escalate_at")[:batch]
            )
            if claimed:
                fired += _escalate_batch(claimed, now, recipients)
        if len(claimed) < batch:
            return fired


def _record_steps(claimed: list[Referral], now: datetime) -> set[int]:
    """Insert the step rows; returns the ids of referrals whose step was not recorded before."""
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(claimed))
    params: list[int | datetime | None] = []
    for r in claimed:
        params += [r.pk, r.sla_cycle, r.escalation_level + 1, r.escalate_at, now]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO referrals_referralescalation (referral_id, cycle, level, due_at, fired_at) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (referral_id, cycle, level) DO NOTHING RETURNING referral_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _escalate_batch(claimed: list[Referral], now: datetime, recipients: dict[RecipientsKey, list[User]]) -> int:
    new = _record_steps(claimed, now)
    fresh = [r for r in claimed if r.pk in new]
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral=r,
                kind=Kind.ESCALATED,
                note=str(r.escalation_level + 1),
                shared=False,
                at=now,
                to_status=r.status,
            )
            for r in fresh
        ]
    )
    messages: list[tuple[list[User], Referral]] = []
    for r in fresh:
        level = r.escalation_level + 1
        key = (r.team_id, r.district_id, level)
        if key not in recipients:
            recipients[key] = escalation_recipients(referral=r, level=level)
        messages.append((recipients[key], r))
    _notify_each(messages, _("not acknowledged in time: escalated"), kind="escalation")
    _advance(claimed)
    return len(fresh)


def _advance(claimed: list[Referral]) -> None:
    """Move each claimed referral to its next step: after a further half window, or no more steps."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # one set-based statement for the whole batch
            cursor.execute(
                "UPDATE referrals_referral SET escalation_level = escalation_level + 1, escalate_at = CASE "
                "WHEN escalation_level + 1 < %s THEN ack_due_at + GREATEST((ack_due_at - filed_at) / 2, %s) "
                "ELSE NULL END WHERE id = ANY(%s)",
                # django-stubs' SQL parameter types leave out timedelta, which the database adapts (an interval).
                [LAST_ESCALATION_LEVEL, MIN_ESCALATION_GAP, [r.pk for r in claimed]],  # type: ignore[list-item]
            )
        return
    for r in claimed:
        r.escalation_level += 1
        # Without a deadline there is no next step (NULL + interval in the statement above is NULL too).
        due = r.ack_due_at
        r.escalate_at = (
            due + _half_window(r) if due is not None and r.escalation_level < LAST_ESCALATION_LEVEL else None
        )
    Referral.objects.bulk_update(claimed, ["escalation_level", "escalate_at"])


def _notify_each(messages: list[tuple[list[User], Referral]], message: StrOrPromise, kind: str) -> None:
    """One notice per (recipients, referral), in one insert per reader language."""
    by_language: dict[str, list[tuple[User, Referral]]] = {}
    for users, referral in messages:
        for user in users:
            by_language.setdefault(user.language or "zh-hant", []).append((user, referral))
    for language, pairs in by_language.items():
        with override(language):
            text = str(message)
        notify_many(messages=[([u], f"{r.reference}: {text}", r.get_absolute_url()) for u, r in pairs], kind=kind)


@transaction.atomic
def acknowledge_escalation(*, actor: User, escalation: ReferralEscalation) -> ReferralEscalation:
    """A supervisor takes responsibility for an escalation; recorded once."""
    escalation = ReferralEscalation.objects.select_for_update().select_related("referral").get(pk=escalation.pk)
    referral = escalation.referral
    policy.require(actor, "acknowledge_escalation", referral)
    if escalation.acknowledged_at is None:
        escalation.acknowledged_by = actor
        escalation.acknowledged_at = timezone.now()
        escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
        _record(referral, Kind.ESCALATION_ACKNOWLEDGED, actor, note=str(escalation.level), shared=False)
    return escalation


def oldest_unfired_escalation(*, now: datetime) -> datetime | None:
    return (
        Referral.objects.filter(escalate_at__lte=now, status=Status.SUBMITTED)
        .order_by("escalate_at")
        .values_list("escalate_at", flat=True)
        .first()
    )
