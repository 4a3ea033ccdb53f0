"""The receiving side: acknowledge, accept, assign, confirm the level, decline, return, re-refer, feedback."""

from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import approvals
from accounts.directory import district_coordinators, supervisors_of, team_workers
from accounts.models import Approval, User
from referrals import policy
from referrals.models import (
    NARRATIVE_MAX,
    DeclineReason,
    FailureReason,
    Referral,
    ReferralFeedback,
    ReferralGap,
    Status,
)
from referrals.services._base import Kind, _ask_approval, _lock, _notify, _record, _referrers, _require_text, _save
from referrals.services.sla import _start_clock, _stop_clock


@transaction.atomic
def acknowledge_referral(*, actor: User, referral: Referral) -> Referral:
    _lock(referral)
    policy.require(actor, "acknowledge", referral)
    return _acknowledge(actor, referral)


def _acknowledge(actor: User, referral: Referral) -> Referral:
    now = timezone.now()
    before = referral.status
    referral.status = Status.ACKNOWLEDGED
    referral.acknowledged_at = referral.acknowledged_at or now
    _stop_clock(referral)
    _save(referral, "status", "acknowledged_at", "escalate_at", now=now)
    _record(referral, Kind.ACKNOWLEDGED, actor, from_status=before, at=now)
    _notify(_referrers(referral), referral, _("acknowledged"))
    return referral


@transaction.atomic
def accept_referral(
    *, actor: User, referral: Referral, worker: User | None = None, feedback: dict[str, Any] | None = None
) -> Referral:
    """Accept and assign a worker (the actor when none is given: a claim)."""
    _lock(referral)
    policy.require(actor, "accept", referral)
    worker = worker or actor
    _check_worker(worker, referral)
    if referral.status == Status.SUBMITTED:
        _acknowledge(actor, referral)
    now = timezone.now()
    before = referral.status
    referral.status = Status.ACCEPTED
    referral.assigned_worker = worker
    referral.accepted_at = now
    referral.needs_reassignment = False
    _save(referral, "status", "assigned_worker", "accepted_at", "needs_reassignment", now=now)
    _record(referral, Kind.ACCEPTED, actor, from_status=before, at=now)
    _record(referral, Kind.ASSIGNED, actor, note=worker.get_full_name() or worker.username, shared=False, at=now)
    _notify(_referrers(referral), referral, _("accepted"))
    if worker.pk != actor.pk:
        _notify([worker], referral, _("assigned to you"))
    if feedback:
        give_feedback(actor=actor, referral=referral, **feedback)
    return referral


def _check_worker(worker: User, referral: Referral) -> None:
    if not (worker.is_active and worker.is_social_worker and worker.organization_id == referral.team_id):
        raise ValidationError({"worker": _("Choose an active social worker of the receiving team.")})


@transaction.atomic
def bulk_accept(
    *, actor: User, referrals: Iterable[Referral], worker: User
) -> tuple[list[Referral], list[tuple[Referral, ValidationError | PermissionDenied]]]:
    """Assign many referrals to one worker; each is checked as if done one by one."""
    done: list[Referral] = []
    refused: list[tuple[Referral, ValidationError | PermissionDenied]] = []
    for referral in referrals:
        try:
            with transaction.atomic():
                accept_referral(actor=actor, referral=referral, worker=worker)
            done.append(referral)
        except (ValidationError, PermissionDenied) as exc:
            refused.append((referral, exc))
    return done, refused


@transaction.atomic
def reassign_referral(*, actor: User, referral: Referral, worker: User, note: str = "") -> Referral:
    _lock(referral)
    policy.require(actor, "reassign", referral)
    _check_worker(worker, referral)
    referral.assigned_worker = worker
    referral.needs_reassignment = False
    _save(referral, "assigned_worker", "needs_reassignment")
    _record(referral, Kind.ASSIGNED, actor, note=note or worker.get_full_name() or worker.username, shared=False)
    _notify([worker], referral, _("assigned to you"))
    return referral


@transaction.atomic
def confirm_level(*, actor: User, referral: Referral, level: int) -> Referral:
    _lock(referral)
    policy.require(actor, "confirm_level", referral)
    if level not in (1, 2, 3):
        raise ValidationError({"level": _("Choose level 1, 2 or 3.")})
    before_level = referral.level
    referral.level = level
    referral.level_confirmed = True
    fields = ["level", "level_confirmed"]
    if referral.status == Status.SUBMITTED and level != before_level:
        _start_clock(referral, referral.filed_at)
        fields += ["ack_due_at", "escalate_at", "escalation_level"]
    _save(referral, *fields)
    _record(referral, Kind.LEVEL_CHANGED, actor, note=f"{before_level} → {level}")
    return referral


@transaction.atomic
def decline_referral(
    *, actor: User, referral: Referral, reason: str, note: str = "", feedback: dict[str, Any] | None = None
) -> Referral | Approval:
    """Decline (a reason is required). A social worker's decline waits for a supervisor's approval:
    the referral stays as it is and an ``Approval`` is returned instead."""
    _lock(referral)
    policy.require(actor, "decline", referral)
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Choose a reason for declining.")})
    if reason == DeclineReason.OTHER:
        _require_text(note, "note", _("Explain the reason for declining."))
    if approvals.needs_approval("referral.decline", actor):
        what = _("decline: %(reason)s") % {"reason": DeclineReason(reason).label}
        payload = {"reason": reason, "note": note, "feedback": feedback}
        return _ask_approval(actor, referral, "referral.decline", what, payload)
    return _decline(actor, referral, reason, note, feedback)


def _decline(actor: User, referral: Referral, reason: str, note: str, feedback: dict[str, Any] | None) -> Referral:
    before = referral.status
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    _stop_clock(referral)
    _save(referral, "status", "decline_reason", "escalate_at")
    _record(referral, Kind.DECLINED, actor, from_status=before, note=note)
    recipients = _referrers(referral) + supervisors_of(referral.team) + district_coordinators(referral.district_id)
    _notify(recipients, referral, _("declined"))
    if feedback:
        give_feedback(actor=actor, referral=referral, **feedback)
    return referral


@transaction.atomic
def return_to_referrer(*, actor: User, referral: Referral, needed: str) -> Referral:
    """Ask the referrer for more information: the SLA clock pauses with the time it had left."""
    _lock(referral)
    policy.require(actor, "return", referral)
    _require_text(needed, "needed", _("Say what information the team needs."))
    now = timezone.now()
    before = referral.status
    referral.sla_remaining = max(referral.ack_due_at - now, timedelta(0)) if referral.ack_due_at else None
    referral.status = Status.RETURNED
    referral.returned_for = needed.strip()
    _stop_clock(referral)
    _save(referral, "status", "sla_remaining", "returned_for", "escalate_at", now=now)
    _record(referral, Kind.RETURNED, actor, from_status=before, note=referral.returned_for, at=now)
    _notify(_referrers(referral), referral, _("returned for more information"))
    return referral


@transaction.atomic
def resubmit_referral(*, actor: User, referral: Referral, added: str) -> Referral:
    """The referrer adds what was asked for; the clock resumes with the time it had left."""
    _lock(referral)
    policy.require(actor, "resubmit", referral)
    _require_text(added, "added", _("Add the information the team asked for."))
    now = timezone.now()
    before = referral.status
    stamp = date_format(timezone.localtime(now), "SHORT_DATETIME_FORMAT")
    referral.narrative = f"{referral.narrative}\n\n[{stamp}] {added.strip()}"[:NARRATIVE_MAX]
    referral.status = Status.SUBMITTED
    if referral.sla_remaining is not None:
        referral.ack_due_at = now + referral.sla_remaining
        referral.escalate_at = referral.ack_due_at
    else:
        _start_clock(referral, now)
    referral.sla_remaining, referral.returned_for = None, ""
    _save(referral, "narrative", "status", "ack_due_at", "escalate_at", "sla_remaining", "returned_for", now=now)
    _record(referral, Kind.RESUBMITTED, actor, from_status=before, note=added.strip(), at=now)
    _notify(
        team_workers(referral.team) + supervisors_of(referral.team), referral, _("resubmitted with more information")
    )
    return referral


@transaction.atomic
def re_refer(*, actor: User, referral: Referral, agency: str, reason: str) -> Referral:
    """The team passes the referral to an agency outside the system; the referral ends here."""
    _lock(referral)
    policy.require(actor, "re_refer", referral)
    _require_text(agency, "agency", _("Name the agency it was referred to."))
    _require_text(reason, "reason", _("Say why it was referred there."))
    now = timezone.now()
    before = referral.status
    referral.status = Status.RE_REFERRED
    referral.referred_to = agency.strip()[:200]
    referral.closed_at = now
    _stop_clock(referral)
    _save(referral, "status", "referred_to", "closed_at", "escalate_at", now=now)
    _record(
        referral, Kind.RE_REFERRED, actor, from_status=before, note=f"{referral.referred_to}: {reason.strip()}", at=now
    )
    _notify(_referrers(referral), referral, _("re-referred to another agency"))
    return referral


@transaction.atomic
def record_failure(*, actor: User, referral: Referral, reason: str, note: str = "") -> Referral:
    """The family could not be reached or refused the service: the referral ends as failed."""
    _lock(referral)
    policy.require(actor, "fail", referral)
    if reason not in FailureReason.values:
        raise ValidationError({"reason": _("Choose why the referral could not be served.")})
    now = timezone.now()
    before = referral.status
    referral.status = Status.FAILED
    referral.failure_reason = reason
    referral.closed_at = now
    _stop_clock(referral)
    _save(referral, "status", "failure_reason", "closed_at", "escalate_at", now=now)
    _record(referral, Kind.FAILED, actor, from_status=before, note=(note or "").strip(), at=now)
    _notify(_referrers(referral), referral, _("could not be served"))
    return referral


@transaction.atomic
def give_feedback(
    *, actor: User, referral: Referral, appropriate: bool, gaps: Collection[str] = ()
) -> ReferralFeedback:
    """The receiving team says whether the referral was appropriate and what was missing (coded);
    the referring station sees it. One answer per team; a later one replaces it."""
    policy.require(actor, "feedback", referral)
    if appropriate not in (True, False):
        raise ValidationError({"appropriate": _("Say whether the referral was appropriate.")})
    unknown = [g for g in gaps if g not in ReferralGap.values]
    if unknown:
        raise ValidationError({"gaps": _("Unknown gap: %(codes)s") % {"codes": ", ".join(map(str, unknown))}})
    feedback, _created = ReferralFeedback.objects.update_or_create(
        referral=referral,
        team=referral.team,
        defaults={
            "station": referral.referring_station,
            "given_by": actor,
            "appropriate": appropriate,
            "gaps": sorted(set(gaps)),
            "at": timezone.now(),
        },
    )
    return feedback
