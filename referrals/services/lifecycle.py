"""Working and ending a case: first contact, closing, the referrer's cancellation, and the decisions
carried out once a supervisor approves them."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import approvals
from accounts.directory import team_workers
from accounts.models import Approval, User
from referrals import policy
from referrals.models import (
    Outcome,
    Referral,
    Status,
)
from referrals.services._base import Kind, _ask_approval, _lock, _notify, _record, _referrers, _require_text, _save
from referrals.services.intake import _decline
from referrals.services.sla import _stop_clock


def allowed_actions(*, user: User, referral: Referral) -> set[str]:
    """The actions a page or API client may offer ``user`` for ``referral``."""
    return policy.allowed_actions(user, referral)


@transaction.atomic
def record_first_contact(*, actor: User, referral: Referral, at: datetime | None = None, note: str = "") -> Referral:
    _lock(referral)
    policy.require(actor, "first_contact", referral)
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationError({"at": _("First contact cannot be in the future.")})
    if at < referral.filed_at.replace(second=0, microsecond=0):  # forms give whole minutes
        raise ValidationError({"at": _("First contact cannot be before the referral was filed.")})
    before = referral.status
    referral.status = Status.IN_PROGRESS
    referral.first_contact_at = at
    _save(referral, "status", "first_contact_at", now=now)
    _record(referral, Kind.FIRST_CONTACT, actor, from_status=before, note=note, shared=False, at=now)
    _notify(_referrers(referral), referral, _("first contact made"))
    return referral


@transaction.atomic
def close_referral(
    *, actor: User, referral: Referral, outcome: str, summary: str, referred_to: str = ""
) -> Referral | Approval:
    """Close with a coded outcome and a summary for the police. With an outcome that needs a
    supervisor's approval (``settings.APPROVALS``), a social worker's closing waits for it."""
    _lock(referral)
    policy.require(actor, "close", referral)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    _require_text(summary, "summary", _("Write a summary the referring officer can read."))
    if outcome == Outcome.REFERRED_ON:
        _require_text(referred_to, "referred_to", _("Say which service the case was referred to."))
    if approvals.needs_approval("referral.close", actor, outcome):
        what = _("close: %(outcome)s") % {"outcome": Outcome(outcome).label}
        payload = {"outcome": outcome, "summary": summary, "referred_to": referred_to}
        return _ask_approval(actor, referral, "referral.close", what, payload)
    return _close(actor, referral, outcome, summary, referred_to)


def _close(actor: User, referral: Referral, outcome: str, summary: str, referred_to: str) -> Referral:
    now = timezone.now()
    before = referral.status
    referral.status = Status.CLOSED
    referral.outcome = outcome
    referral.outcome_summary = summary.strip()
    referral.referred_to = referred_to.strip()
    referral.closed_at = now
    _save(referral, "status", "outcome", "outcome_summary", "referred_to", "closed_at", now=now)
    _record(referral, Kind.CLOSED, actor, from_status=before, note=referral.get_outcome_display(), at=now)
    _notify(_referrers(referral), referral, _("closed"))
    return referral


@transaction.atomic
def cancel_referral(*, actor: User, referral: Referral, reason: str) -> Referral:
    _lock(referral)
    policy.require(actor, "cancel", referral)
    _require_text(reason, "reason", _("Say why the referral is cancelled."))
    before = referral.status
    referral.status = Status.CANCELLED
    _stop_clock(referral)
    _save(referral, "status", "escalate_at")
    _record(referral, Kind.CANCELLED, actor, from_status=before, note=reason.strip())
    recipients = [referral.assigned_worker] if referral.assigned_worker else team_workers(referral.team)
    _notify(recipients, referral, _("cancelled by the referring police"))
    return referral


def _locked_referral(pk: int) -> Referral:
    return Referral.objects.select_for_update(of=("self",)).select_related("team", "referring_station").get(pk=pk)


def _carry_out_decline(approver: User, referral: Referral, payload: dict[str, Any]) -> None:
    policy.require(approver, "decline", referral)
    _decline(approver, referral, payload["reason"], payload.get("note", ""), payload.get("feedback"))


def _carry_out_close(approver: User, referral: Referral, payload: dict[str, Any]) -> None:
    policy.require(approver, "close", referral)
    _close(approver, referral, payload["outcome"], payload["summary"], payload.get("referred_to", ""))


def _record_decision(approval: Approval, referral: Referral) -> None:
    kind = Kind.APPROVED if approval.state == approval.State.APPROVED else Kind.APPROVAL_REJECTED
    note = f"{approval.summary}: {approval.reason}" if approval.reason else approval.summary
    _record(referral, kind, approval.decided_by, note=note, shared=False)
