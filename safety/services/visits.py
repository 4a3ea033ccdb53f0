"""Home visits: planning, the solo-visit guard, start, check-in, check-out, alarm and duress codes."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

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
    VisitActionKey,
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
def start_visit(*, actor: User, visit: HomeVisit, at: datetime | None = None) -> HomeVisit:
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
    now = at or timezone.now()
    visit.status = HomeVisit.Status.STARTED
    visit.started_at = now
    visit.expected_end_at = now + timedelta(minutes=visit.expected_minutes)
    visit.check_out_due_at = visit.expected_end_at + CHECK_OUT_GRACE
    visit.alert_level = 0
    visit.save()
    return visit


@transaction.atomic
def check_in(*, actor: User, visit: HomeVisit, extend_minutes: int = 0, at: datetime | None = None) -> HomeVisit:
    """I am fine; optionally I need more time (moves the expected end).

    ``at`` is when the worker pressed the button (an action queued offline and sent later). A late
    check-in never takes back an alert that already fired: the alert level stays until someone
    resolves the alert.
    """
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_in", visit)
    if extend_minutes < 0 or extend_minutes > 240:
        raise ValidationError({"extend_minutes": _("Extend by 0 to 240 minutes.")})
    now = at or timezone.now()
    if visit.last_check_in_at is None or now > visit.last_check_in_at:
        visit.last_check_in_at = now
    if extend_minutes:
        visit.expected_end_at = max(visit.expected_end_at or now, now) + timedelta(minutes=extend_minutes)
        if at is None or visit.alert_level == 0:
            visit.check_out_due_at = visit.expected_end_at + CHECK_OUT_GRACE
            visit.alert_level = 0
    visit.save()
    return visit


@transaction.atomic
def check_out(*, actor: User, visit: HomeVisit, code: str = "", at: datetime | None = None) -> HomeVisit:
    """Ends the visit. A duress code looks like a normal check-out but raises the alarm silently.

    ``at`` is when the worker pressed the button (sent later from an offline queue); alerts that
    fired meanwhile stay open for the supervisor to resolve.
    """
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_out", visit)
    now = at or timezone.now()
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


# Actions a worker's phone may queue while offline and send later, each with its own client key.
OFFLINE_ACTIONS = ("start", "check-in", "check-out", "alarm")
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock may run a little ahead of ours
OFFLINE_MAX_AGE = timedelta(hours=12)  # older than this, the action is no longer news: refuse it


def _check_pressed_at(*, visit: HomeVisit, action: str, at: datetime) -> None:
    now = timezone.now()
    if timezone.is_naive(at):
        raise ValidationError({"at": _("Give the time with its time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("This time lies in the future; check the phone's clock.")})
    if at < now - OFFLINE_MAX_AGE:
        raise ValidationError({"at": _("This action is more than 12 hours old and was not recorded.")})
    if action != "start" and visit.started_at is not None and at < visit.started_at - CLOCK_SKEW:
        raise ValidationError({"at": _("This time lies before the visit started.")})


@transaction.atomic
def act_with_key(
    *,
    actor: User,
    visit: HomeVisit,
    key: UUID,
    action: str,
    at: datetime,
    extend_minutes: int = 0,
    code: str = "",
) -> tuple[HomeVisit, bool]:
    """A visit action sent with a client key and the time it was pressed; each key acts once.

    Returns the visit and whether this call acted (False: the key was seen before, nothing done).
    The lone-worker timers run on the server regardless: an escalation that fired before a queued
    check-in or check-out arrived stays; the check-out still ends the visit at its pressed time.
    """
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    seen = VisitActionKey.objects.filter(key=key).first()
    if seen is not None:
        if seen.visit_id != visit.pk or seen.actor_id != actor.pk or seen.action != action:
            raise ValidationError({"key": _("This key belongs to another action.")})
        return visit, False
    if action not in OFFLINE_ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    _check_pressed_at(visit=visit, action=action, at=at)
    if action == "start":
        visit = start_visit(actor=actor, visit=visit, at=at)
    elif action == "check-in":
        visit = check_in(actor=actor, visit=visit, extend_minutes=extend_minutes, at=at)
    elif action == "check-out":
        visit = check_out(actor=actor, visit=visit, code=code, at=at)
    else:
        raise_alarm(actor=actor, visit=visit)
        visit.refresh_from_db()
    VisitActionKey.objects.create(visit=visit, key=key, action=action, actor=actor, at=at)
    return visit, True
