"""Every safety state change: events and the major-event rule, visits, escorts, alerts and their timers."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import approvals, calendar
from accounts.models import Organization
from accounts.services import notify_about, request_approval
from referrals.services import next_reference, team_supervisors
from safety import policy
from safety.models import (
    CHECK_OUT_GRACE,
    CLIENT_SOURCES,
    INJURY_CAUSED,
    MAJOR_INJURY_WINDOW_DAYS,
    MAJOR_MEDIA_REPORTS,
    SECOND_ALERT_AFTER,
    DuressCode,
    EscortRequest,
    FollowUpItem,
    FollowUpKind,
    HazardEvent,
    HomeVisit,
    Injury,
    RiskFlag,
    RiskSource,
    SafetyAlert,
    SafetyContact,
)

User = get_user_model()
FOLLOW_UP_DAYS = 14
ESCORT_ANSWER_WITHIN = timedelta(hours=4)


def _notify(users, message, url, reference, kind="safety"):
    notify_about(users, reference, message, url, kind=kind)


def _agency_of(team):
    return team.nearest(Organization.Kind.AGENCY) if team else None


def safety_contacts(team):
    agency = _agency_of(team)
    if agency is None:
        return []
    return [c.user for c in SafetyContact.objects.filter(agency=agency, user__is_active=True).select_related("user")]


def follow_up_owners(team):
    """Who can own a follow-up item of an event of ``team``: the active users of its agency."""
    agency = _agency_of(team) or team
    if agency is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, organization__path__startswith=agency.path)


def agency_heads(team):
    agency = _agency_of(team)
    if agency is None:
        return []
    return list(User.objects.filter(organization=agency, role=User.Role.SUPERVISOR, is_active=True))


# --- hazard events ---------------------------------------------------------------------
@transaction.atomic
def report_hazard_event(actor, *, worker=None, attachments=(), **fields):
    """Record an event (a supervisor may report for a worker); open its follow-up checklist; apply rules 1–2."""
    worker = worker or actor
    policy.require(actor, "report_event", worker)
    team = worker.organization
    if team is None or team.kind != Organization.Kind.TEAM:
        raise ValidationError({"worker": _("The worker must belong to a social-work team.")})
    if fields.get("occurred_at") and fields["occurred_at"] > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The event cannot be in the future.")})
    event = HazardEvent(worker=worker, reported_by=actor, team=team, **fields)
    event.reference = next_reference(timezone.localdate().year, "H")
    event.full_clean(exclude=["reference"])
    event.save()
    for upload in attachments:
        event.attachments.create(file=upload, name=upload.name[:200], size=upload.size)
    due = timezone.localdate() + timedelta(days=FOLLOW_UP_DAYS)
    FollowUpItem.objects.bulk_create(
        [FollowUpItem(event=event, kind=kind, owner=None, due_on=due) for kind in FollowUpKind.values]
    )
    if event.offender_id:
        RiskFlag.objects.create(
            person=event.offender, type="threats", source=RiskSource.HAZARD_EVENT, note=event.reference, added_by=actor
        )
    reasons = automatic_major_reasons(event)
    _notify(team_supervisors(team), _("hazard event reported"), event.get_absolute_url(), event.reference)
    if reasons:
        _make_major(event, reasons)
    return event


def automatic_major_reasons(event):
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


def _make_major(event, reasons):
    event.is_major = True
    event.for_safety_council = True
    event.major_reasons = sorted(set(event.major_reasons) | set(reasons))
    event.save(update_fields=["is_major", "for_safety_council", "major_reasons", "review_flag_reason"])
    recipients = agency_heads(event.team) + safety_contacts(event.team)
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(kind=SafetyAlert.Kind.MAJOR_EVENT, event=event, level=1)
    except IntegrityError:
        return
    alert.recipients.set([u for u in recipients if u])
    _notify(recipients, _("major hazard event"), event.get_absolute_url(), event.reference, kind="safety_major")


@transaction.atomic
def update_hazard_event(actor, event, **fields):
    """Later facts (more media reports, a worse injury) can make an event major."""
    policy.require(actor, "update_event", event)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    reasons = automatic_major_reasons(event)
    if reasons:
        _make_major(event, reasons)
    return event


@transaction.atomic
def flag_for_review(actor, event, reason):
    """Rule 3: a supervisor marks the event major because the safety mechanism needs review."""
    policy.require(actor, "flag_for_review", event)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the review.")})
    event.review_flag_reason = reason.strip()
    _make_major(event, ["review"])
    return event


@transaction.atomic
def update_follow_up(actor, item, *, owner=None, due_on=None, status=None, note=""):
    policy.require(actor, "update_follow_up", item)
    if owner is not None:
        if not follow_up_owners(item.event.team).filter(pk=owner.pk).exists():
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


# --- risk flags ----------------------------------------------------------------------------
@transaction.atomic
def add_risk_flag(actor, *, referral=None, source=RiskSource.OBSERVATION, **fields):
    """A flag on a person or household (or, with neither, on the address of ``referral``).

    The caller says only whether it comes from an agency record or their own observation: police and
    hazard-event sources are recorded by the system itself, never taken from input."""
    target = fields.get("person") or fields.get("household") or referral
    if target is None:
        raise ValidationError({"household": _("Flag a person or a household.")})
    policy.require(actor, "add_flag", target)
    if source not in CLIENT_SOURCES:
        raise ValidationError({"source": _("Choose an agency record or your own observation.")})
    if target is referral and not fields.get("address"):
        fields["address"] = (referral.household.address if referral.household_id else "") or referral.incident_place
    flag = RiskFlag(added_by=actor, source=source, **fields)
    flag.full_clean()
    flag.save()
    return flag


@transaction.atomic
def remove_risk_flag(actor, flag, reason):
    """Take a flag off (it no longer applies). A social worker's removal waits for a supervisor's
    approval: an ``Approval`` is returned and the flag stays in force until then."""
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    policy.require(actor, "remove_flag", flag)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the flag no longer applies.")})
    if approvals.needs_approval("safety.remove_flag", actor):
        team = actor.organization if actor.organization and actor.organization.kind == Organization.Kind.TEAM else None
        what = _("remove the risk flag: %(flag)s") % {"flag": flag.get_type_display()}
        return request_approval(actor, "safety.remove_flag", flag, unit=team, summary=what, payload={"reason": reason})
    return _retire_flag(actor, flag, reason)


def _retire_flag(actor, flag, reason):
    # Kept as history: the flag ends yesterday, with who took it off and why.
    flag.review_on = timezone.localdate() - timedelta(days=1)
    flag.note = f"{flag.note}\n[{timezone.localdate():%Y-%m-%d} {actor.get_full_name() or actor.username}] {reason}"[
        -500:
    ].strip()
    flag.save(update_fields=["review_on", "note"])
    return flag


def _carry_out_flag_removal(approver, flag, payload):
    policy.require(approver, "remove_flag", flag)
    _retire_flag(approver, flag, payload["reason"])


approvals.register(
    approvals.Kind(
        "safety.remove_flag", lambda pk: RiskFlag.objects.select_for_update().get(pk=pk), _carry_out_flag_removal
    )
)


def record_police_flag(referral, *, type, note="", review_on=None):
    """A risk the police recorded when filing (a weapon at the address, a history of violence): the
    system records it on the referral's household with the source "police record", in the name of
    the filing officer. No user input chooses this source; the referral's filing is the authority."""
    flag = RiskFlag(
        household=referral.household,
        type=type,
        source=RiskSource.POLICE,
        note=note,
        review_on=review_on,
        added_by=referral.referring_officer or referral.created_by,
    )
    flag.full_clean()
    flag.save()
    return flag


def active_flags_for(households=(), persons=(), addresses=()):
    """Active flags of many households, persons or addresses in one query (for badges in lists)."""
    from referrals.models import normalise_address

    q = Q(pk__in=[])
    if households:
        q |= Q(household__in=households)
    if persons:
        q |= Q(person__in=persons)
    keys = [normalise_address(a) for a in addresses if a]
    if keys:
        q |= Q(address_key__in=keys)
    return list(RiskFlag.objects.active().filter(q))


def flags_for_visit(visit):
    referral = visit.referral
    persons = [link.person_id for link in referral.person_links.all()]
    return active_flags_for(
        households=[referral.household_id] if referral.household_id else [], persons=persons, addresses=[visit.address]
    )


# --- home visits ---------------------------------------------------------------------------
@transaction.atomic
def plan_visit(actor, referral, *, workers, planned_start, expected_minutes, address="", escort_needed=False):
    policy.require(actor, "plan_visit", referral)
    workers = list(workers) or [actor]
    agency = referral.team.nearest(Organization.Kind.AGENCY) or referral.team if referral.team_id else None
    for w in workers:
        if not (w.is_active and w.is_social_worker) or (agency is not None and not agency.contains(w.organization)):
            raise ValidationError({"workers": _("Choose active social workers of the team's agency.")})
    if not expected_minutes or expected_minutes <= 0 or expected_minutes > 24 * 60:
        raise ValidationError({"expected_minutes": _("Give a duration between 1 minute and 24 hours.")})
    address = address or (referral.household.address if referral.household_id else "") or referral.incident_place
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
def override_solo_visit(actor, visit, reason):
    policy.require(actor, "override_solo_visit", visit)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for allowing one worker.")})
    visit.override_by = actor
    visit.override_reason = reason.strip()
    visit.save(update_fields=["override_by", "override_reason"])
    return visit


def solo_visit_blocked(visit):
    """A flagged household needs two workers (or an escort accepted) unless a supervisor overrode it."""
    if visit.override_by_id or visit.workers.count() >= 2:
        return False
    if visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).exists():
        return False
    return bool(flags_for_visit(visit))


@transaction.atomic
def start_visit(actor, visit):
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "start_visit", visit)
    if solo_visit_blocked(visit):
        raise ValidationError(
            _(
                "This household carries a risk flag: go with a second worker, a police escort, "
                "or a supervisor's override."
            )
        )
    from safety import assessment, escort_fallback  # the pre-visit guards

    for refusal in (escort_fallback.start_refusal(visit), assessment.start_refusal(visit)):
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
def check_in(actor, visit, extend_minutes=0):
    """I am fine; optionally I need more time (moves the expected end)."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_in", visit)
    if extend_minutes < 0 or extend_minutes > 240:
        raise ValidationError({"extend_minutes": _("Extend by 0 to 240 minutes.")})
    now = timezone.now()
    visit.last_check_in_at = now
    if extend_minutes:
        visit.expected_end_at = max(visit.expected_end_at, now) + timedelta(minutes=extend_minutes)
        visit.check_out_due_at = visit.expected_end_at + CHECK_OUT_GRACE
        visit.alert_level = 0
    visit.save()
    return visit


@transaction.atomic
def check_out(actor, visit, code=""):
    """Ends the visit. A duress code looks like a normal check-out but raises the alarm silently."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "check_out", visit)
    now = timezone.now()
    visit.status = HomeVisit.Status.CHECKED_OUT
    visit.checked_out_at = now
    visit.check_out_due_at = None
    visit.save()
    if code and is_duress_code(actor, code):
        _raise(visit, SafetyAlert.Kind.DURESS, 1, _alarm_recipients(visit), _("silent alarm: send help"))
    return visit


@transaction.atomic
def raise_alarm(actor, visit):
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "raise_alarm", visit)
    level = SafetyAlert.objects.filter(visit=visit, kind=SafetyAlert.Kind.ALARM).count() + 1
    return _raise(visit, SafetyAlert.Kind.ALARM, level, _alarm_recipients(visit), _("ALARM: worker needs help"))


def _alarm_recipients(visit):
    team = visit.referral.team
    return team_supervisors(team) + list(calendar.on_call_workers(team, timezone.now())) if team else []


def _raise(visit, kind, level, recipients, message, escort=None, follow_up=None):
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(kind=kind, level=level, visit=visit, escort=escort, follow_up=follow_up)
    except IntegrityError:
        return None  # this step was already raised
    if visit is not None:
        # Never the workers of the visit itself: a silent alarm must not show on the phone of the worker
        # under duress (nor of the colleague beside them), even when they are on call.
        on_the_visit = set(visit.workers.values_list("pk", flat=True))
        recipients = [u for u in recipients if u is not None and u.pk not in on_the_visit]
    recipients = [u for u in recipients if u is not None]
    alert.recipients.set(recipients)
    if visit is not None:
        url, reference = visit.get_absolute_url(), visit.referral.reference
    elif escort is not None:
        url, reference = "/safety/escorts/", escort.visit.referral.reference
    else:
        url, reference = follow_up.event.get_absolute_url(), follow_up.event.reference
    # The visit address goes with alarms so help can be sent; nothing else about the case.
    suffix = f" ({visit.address})" if kind in (SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS) else ""
    _notify(recipients, f"{message}{suffix}", url, reference, kind="safety_alert")
    from safety import alert_texts  # level-2 missed check-outs, alarms and duress also go by SMS

    alert_texts.text_alert(alert, message, suffix)
    return alert


def set_duress_code(user, code):
    policy.require(user, "set_duress_code", user)
    if not code or len(code) < 4 or len(code) > 12 or not code.isdigit():
        raise ValidationError({"code": _("Use 4 to 12 digits.")})
    DuressCode.objects.update_or_create(user=user, defaults={"code_hash": make_password(code)})


def is_duress_code(user, code):
    stored = DuressCode.objects.filter(user=user).first()
    return bool(stored and check_password(code, stored.code_hash))


# --- escorts --------------------------------------------------------------------------------
@transaction.atomic
def request_escort(actor, visit, *, station=None, needed_from, needed_until, note=""):
    policy.require(actor, "request_escort", visit)
    # The referring station covers the family's address unless the worker chooses another.
    station = station or visit.referral.referring_station
    if (
        station is None
        or station.kind != Organization.Kind.STATION
        or station.district_id != visit.referral.district_id
    ):
        raise ValidationError({"station": _("Choose a police station of the family's district.")})
    if needed_until <= needed_from:
        raise ValidationError({"needed_until": _("The end must be after the start.")})
    respond_by = min(needed_from, timezone.now() + ESCORT_ANSWER_WITHIN)
    escort = EscortRequest(
        visit=visit,
        station=station,
        needed_from=needed_from,
        needed_until=needed_until,
        respond_by=respond_by,
        note=note,
        requested_by=actor,
    )
    escort.full_clean()
    escort.save()
    officers = User.objects.filter(organization=station, is_active=True)
    _notify(officers, _("police escort requested"), "/safety/escorts/", visit.referral.reference, kind="escort")
    return escort


@transaction.atomic
def answer_escort(actor, escort, accept, reason=""):
    escort = EscortRequest.objects.select_for_update().get(pk=escort.pk)
    policy.require(actor, "answer_escort", escort)
    if not accept and not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for declining.")})
    escort.status = EscortRequest.Status.ACCEPTED if accept else EscortRequest.Status.DECLINED
    escort.decline_reason = "" if accept else reason.strip()
    escort.responded_by = actor
    escort.responded_at = timezone.now()
    escort.save()
    from safety import escort_fallback  # declined: a supervisor sends a second worker or postpones

    if accept:
        escort_fallback.escort_accepted(escort)
    else:
        escort_fallback.open_for(escort, "declined")
    message = _("police escort accepted") if accept else _("police escort declined")
    _notify([escort.requested_by], message, escort.visit.get_absolute_url(), escort.visit.referral.reference)
    return escort


# --- alerts ---------------------------------------------------------------------------------
@transaction.atomic
def acknowledge_alert(actor, alert):
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
def resolve_alert(actor, alert, resolution, note=""):
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


# --- timer sweeps ---------------------------------------------------------------------------
def sweep_lone_workers(now=None, batch=200):
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


def _missed_check_out(visit, now):
    level = visit.alert_level + 1
    team = visit.referral.team
    if level == 1:
        recipients = team_supervisors(team)
    else:
        recipients = list(calendar.on_call_workers(team, now)) + team_supervisors(team) if team else []
        for escort in visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).select_related("station"):
            recipients += list(User.objects.filter(organization=escort.station, is_active=True))
    alert = _raise(visit, SafetyAlert.Kind.MISSED_CHECK_OUT, level, recipients, _("missed check-out"))
    visit.alert_level = level
    visit.check_out_due_at = visit.check_out_due_at + SECOND_ALERT_AFTER if level < 2 else None
    visit.save(update_fields=["alert_level", "check_out_due_at"])
    return 1 if alert else 0


def sweep_escorts(now=None):
    from safety import escort_fallback  # unanswered: a supervisor sends a second worker or postpones

    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        for escort in (
            EscortRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=EscortRequest.Status.REQUESTED, escalated_at__isnull=True, respond_by__lte=now)
            .select_related("station", "visit__referral")[:500]
        ):
            precinct = escort.station.nearest(Organization.Kind.PRECINCT) or escort.station.parent
            recipients = list(User.objects.filter(organization=precinct, is_active=True)) if precinct else []
            if _raise(
                None, SafetyAlert.Kind.ESCORT_UNANSWERED, 1, recipients, _("escort request unanswered"), escort=escort
            ):
                fired += 1
            escort.escalated_at = now
            escort.save(update_fields=["escalated_at"])
            escort_fallback.open_for(escort, "unanswered")
    return fired


def sweep_follow_ups(now=None):
    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        for item in (
            FollowUpItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=FollowUpItem.Status.OPEN, escalated_at__isnull=True, due_on__lt=timezone.localdate(now))
            .select_related("event__team", "owner")[:500]
        ):
            recipients = team_supervisors(item.event.team) + safety_contacts(item.event.team) + [item.owner]
            if _raise(None, SafetyAlert.Kind.FOLLOW_UP_OVERDUE, 1, recipients, _("follow-up overdue"), follow_up=item):
                fired += 1
            item.escalated_at = now
            item.save(update_fields=["escalated_at"])
    return fired


def oldest_overdue(now):
    due = [
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
    due = [d for d in due if d]
    return min(due) if due else None
