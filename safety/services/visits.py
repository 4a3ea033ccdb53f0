"""Home visits: planning, the solo-visit guard, start, check-in, check-out, alarm and duress codes."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from referrals.models import Referral
from safety import policy
from safety.models import (
    CHECK_OUT_GRACE,
    DuressCode,
    EscortRequest,
    HomeVisit,
    SafetyAlert,
)
from safety.services import assessment, escort_fallback  # the pre-visit guards
from safety.services.alerts import _alarm_recipients, _raise
from safety.services.flags import flags_for_visit


@transaction.atomic
def plan_visit(
    *,
    actor: User,
    referral: Referral,
    workers: Iterable[User],
    planned_start: datetime,
    expected_minutes: int,
    address: str = "",
    escort_needed: bool = False,
) -> HomeVisit:
    policy.require(actor, "plan_visit", referral)
    workers = list(workers) or [actor]
    agency = referral.team.nearest(Organization.Kind.AGENCY) or referral.team if referral.team is not None else None
    for w in workers:
        if not (w.is_active and w.is_social_worker) or (agency is not None and not agency.contains(w.organization)):
            raise ValidationError({"workers": _("Choose active social workers of the team's agency.")})
    if not expected_minutes or expected_minutes <= 0 or expected_minutes > 24 * 60:
        raise ValidationError({"expected_minutes": _("Give a duration between 1 minute and 24 hours.")})
    address = (
        address or (referral.household.address if referral.household is not None else "") or referral.incident_place
    )
    if not address:
        raise ValidationError({"address": _("Give the address of the visit.")})
    visit = HomeVisit.objects.create(
        referral=referral,
        address=address,
        planned_start=planned_start,
        expected_minutes=expected_minutes,
        escort_needed=escort_needed,
        planned_by=actor,
    )
    visit.workers.set(workers)
    return visit


@transaction.atomic
def override_solo_visit(*, actor: User, visit: HomeVisit, reason: str) -> HomeVisit:
    policy.require(actor, "override_solo_visit", visit)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for allowing one worker.")})
    visit.override_by = actor
    visit.override_reason = reason.strip()
    visit.save(update_fields=["override_by", "override_reason"])
    return visit


def solo_visit_blocked(*, visit: HomeVisit) -> bool:
    """A flagged household needs two workers (or an escort accepted) unless a supervisor overrode it."""
    if visit.override_by_id or visit.workers.count() >= 2:
        return False
    if visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).exists():
        return False
    return bool(flags_for_visit(visit=visit))


@transaction.atomic
def start_visit(*, actor: User, visit: HomeVisit) -> HomeVisit:
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "start_visit", visit)
    if solo_visit_blocked(visit=visit):
        raise ValidationError(
            _(
                "This household carries a risk flag: go with a second worker, a police escort, "
                "or a supervisor's override."
            )
        )
    for refusal in (escort_fallback.start_refusal(visit=visit), assessment.start_refusal(visit=visit)):
        if refusal:
            raise ValidationError(refusal)
    now = timezone.now()
    visit.status = HomeVisit.Status.STARTED
    visit.started_at = now
    visit.expected_end_at = now + timedelta(minutes=visit.expected_minutes)
    visit.check_out_due_at = visit.expected_end_at + CHECK_OUT_GRACE
    visit.alert_level = 0
    visit.save()
    return visit


@transaction.atomic
def check_in(*, actor: User, visit: HomeVisit, extend_minutes: int = 0) -> HomeVisit:
    """I am fine; optionally I need more time (moves the expected end)."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_in", visit)
    if extend_minutes < 0 or extend_minutes > 240:
        raise ValidationError({"extend_minutes": _("Extend by 0 to 240 minutes.")})
    now = timezone.now()
    visit.last_check_in_at = now
    if extend_minutes:
        visit.expected_end_at = max(visit.expected_end_at or now, now) + timedelta(minutes=extend_minutes)
        visit.check_out_due_at = visit.expected_end_at + CHECK_OUT_GRACE
        visit.alert_level = 0
    visit.save()
    return visit


@transaction.atomic
def check_out(*, actor: User, visit: HomeVisit, code: str = "") -> HomeVisit:
    """Ends the visit. A duress code looks like a normal check-out but raises the alarm silently."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_out", visit)
    now = timezone.now()
    visit.status = HomeVisit.Status.CHECKED_OUT
    visit.checked_out_at = now
    visit.check_out_due_at = None
    visit.save()
    if code and is_duress_code(user=actor, code=code):
        _raise(visit, SafetyAlert.Kind.DURESS, 1, _alarm_recipients(visit), _("silent alarm: send help"))
    return visit


@transaction.atomic
def raise_alarm(*, actor: User, visit: HomeVisit) -> SafetyAlert | None:
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "raise_alarm", visit)
    level = SafetyAlert.objects.filter(visit=visit, kind=SafetyAlert.Kind.ALARM).count() + 1
    return _raise(visit, SafetyAlert.Kind.ALARM, level, _alarm_recipients(visit), _("ALARM: worker needs help"))


def set_duress_code(*, user: User, code: str) -> None:
    policy.require(user, "set_duress_code", user)
    if not code or len(code) < 4 or len(code) > 12 or not code.isdigit():
        raise ValidationError({"code": _("Use 4 to 12 digits.")})
    DuressCode.objects.update_or_create(user=user, defaults={"code_hash": make_password(code)})


def is_duress_code(*, user: User, code: str) -> bool:
    stored = DuressCode.objects.filter(user=user).first()
    return bool(stored and check_password(code, stored.code_hash))


@transaction.atomic
def plan_assessed_visit(
    *, actor: User, referral: Referral, answers: Mapping[str, object], **visit_fields: Any
) -> HomeVisit:
    """Plan a visit and record its checklist in one step (the planning page)."""
    visit = plan_visit(actor=actor, referral=referral, **visit_fields)
    assessment.assess_visit(actor=actor, visit=visit, answers=answers)
    return visit
