"""What every referral service shares: refusals, row locks, the event log, saves and notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import webhooks
from accounts.models import Approval, User
from accounts.services import notify_about, request_approval
from referrals.models import (
    Referral,
    ReferralEvent,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


Kind = ReferralEvent.Kind


def _refuse(message: StrOrPromise) -> NoReturn:
    raise ValidationError(message)


def _require_status(referral: Referral, *allowed: str) -> None:
    if referral.status not in allowed:
        _refuse(
            _("This referral is %(status)s; that action is not possible now.")
            % {"status": referral.get_status_display()}
        )


def _require_text(value: str | None, field: str, message: StrOrPromise) -> None:
    if not (value or "").strip():
        raise ValidationError({field: message})


def _lock(referral: Referral) -> Referral:
    """Re-read the referral under a row lock so two people cannot act on a stale copy."""
    fresh = Referral.objects.select_for_update().get(pk=referral.pk)
    referral.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return referral


def _record(
    referral: Referral,
    kind: Kind,
    actor: User | None,
    *,
    from_status: str = "",
    note: str = "",
    shared: bool = True,
    at: datetime | None = None,
) -> ReferralEvent:
    event = ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=referral.status,
        note=note,
        shared=shared,
        at=at or timezone.now(),
    )
    if kind in WEBHOOK_KINDS or (from_status and from_status != referral.status):
        _announce(referral, event)
    return event


# Changes an organisation's systems hear of besides status changes: who has the referral now.
WEBHOOK_KINDS = {Kind.SUBMITTED, Kind.DISPATCHED, Kind.TRANSFERRED, Kind.REDIRECTED, Kind.REMATCHED}


def _announce(referral: Referral, event: ReferralEvent) -> None:
    """Webhooks carry the reference and statuses only (see accounts/webhooks.py)."""
    webhooks.announce(
        "referral.changed",
        referral.reference,
        [referral.referring_station, referral.team],
        {
            "referral": {
                "reference": referral.reference,
                "status": referral.status,
                "previous_status": event.from_status or None,
                "status_code": referral.status_code,
                "change": event.kind,
                "changed_at": event.at.isoformat(),
            }
        },
    )


def _record_handover(referral: Referral, actor: User, note: str, at: datetime | None = None) -> None:
    """Handover, dispatch and redirect notes are written for social work: the police see only who has it."""
    if (note or "").strip():
        _record(referral, Kind.HANDOVER_NOTE, actor, note=note.strip(), shared=False, at=at)


def _save(referral: Referral, *fields: str, now: datetime | None = None) -> None:
    referral.updated_at = now or timezone.now()
    referral.save(update_fields=[*fields, "updated_at"])


def _notify(
    recipients: Iterable[User | None], referral: Referral, message: StrOrPromise, kind: str = "referral"
) -> None:
    """Inbox entries (and e-mail) with reference and status only, in each reader's language."""
    notify_about(
        recipients=recipients, reference=referral.reference, message=message, url=referral.get_absolute_url(), kind=kind
    )


def _referrers(referral: Referral) -> list[User]:
    return [referral.referring_officer] if referral.referring_officer else []


def _ask_approval(actor: User, referral: Referral, kind: str, what: StrOrPromise, payload: dict[str, Any]) -> Approval:
    approval = request_approval(
        actor=actor, kind=kind, record=referral, unit=referral.team, summary=what, payload=payload
    )
    _record(referral, Kind.APPROVAL_REQUESTED, actor, note=str(what), shared=False)
    return approval
