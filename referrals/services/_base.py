"""What every referral service shares: refusals, row locks, the event log, saves and notices."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import webhooks
from accounts.services import notify_about, request_approval
from referrals.models import (
    Referral,
    ReferralEvent,
)

User = get_user_model()


Kind = ReferralEvent.Kind


def _refuse(message):
    raise ValidationError(message)


def _require_status(referral, *allowed):
    if referral.status not in allowed:
        _refuse(
            _("This referral is %(status)s; that action is not possible now.")
            % {"status": referral.get_status_display()}
        )


def _require_text(value, field, message):
    if not (value or "").strip():
        raise ValidationError({field: message})


def _lock(referral):
    """Re-read the referral under a row lock so two people cannot act on a stale copy."""
    fresh = Referral.objects.select_for_update().get(pk=referral.pk)
    referral.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return referral


def _record(referral, kind, actor, *, from_status="", note="", shared=True, at=None):
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


def _announce(referral, event):
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


def _record_handover(referral, actor, note, at=None):
    """Handover, dispatch and redirect notes are written for social work: the police see only who has it."""
    if (note or "").strip():
        _record(referral, Kind.HANDOVER_NOTE, actor, note=note.strip(), shared=False, at=at)


def _save(referral, *fields, now=None):
    referral.updated_at = now or timezone.now()
    referral.save(update_fields=[*fields, "updated_at"])


def _notify(recipients, referral, message, kind="referral"):
    """Inbox entries (and e-mail) with reference and status only, in each reader's language."""
    notify_about(
        recipients=recipients, reference=referral.reference, message=message, url=referral.get_absolute_url(), kind=kind
    )


def _referrers(referral):
    return [referral.referring_officer] if referral.referring_officer else []


def _ask_approval(actor, referral, kind, what, payload):
    approval = request_approval(
        actor=actor, kind=kind, record=referral, unit=referral.team, summary=what, payload=payload
    )
    _record(referral, Kind.APPROVAL_REQUESTED, actor, note=str(what), shared=False)
    return approval
