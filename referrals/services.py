"""Every change to a referral happens here, one transaction per use case.

Each function checks who may do it and from which status (after the FHIR Task
workflow for closed-loop referrals), writes the change, appends an immutable
event, sets or clears the SLA timer and queues notifications on commit.
Refusals raise ``ValidationError`` (a rule) or ``PermissionDenied`` (a role).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, override
from guardian.shortcuts import assign_perm

from accounts import approvals, calendar, webhooks
from accounts.directory import agency_heads, district_coordinators, supervisors_of, team_workers
from accounts.models import District, Organization
from accounts.references import next_reference
from accounts.services import notify_about, notify_many, request_approval
from referrals import policy, prefill, selectors
from referrals.models import (
    DEFAULT_SLA,
    NARRATIVE_MAX,
    OPEN_STATUSES,
    CaseNote,
    DeclineReason,
    FailureReason,
    Household,
    IdempotencyKey,
    LinkRequest,
    Outcome,
    Person,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    ReferralFeedback,
    ReferralGap,
    ReferralPerson,
    ReferralUserObjectPermission,
    SLAPolicy,
    StationTeamMatch,
    Status,
)

User = get_user_model()
Kind = ReferralEvent.Kind
MIN_ESCALATION_GAP = timedelta(minutes=30)
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
LAST_ESCALATION_LEVEL = 2


# --- small helpers --------------------------------------------------------------------
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
    notify_about(recipients, referral.reference, message, referral.get_absolute_url(), kind=kind)


def _referrers(referral):
    return [referral.referring_officer] if referral.referring_officer else []


# --- who may do what: referrals/policy.py ------------------------------------------------
def allowed_actions(user, referral):
    """The actions a page or API client may offer ``user`` for ``referral``."""
    return policy.allowed_actions(user, referral)


# --- SLA -----------------------------------------------------------------------------
def sla_for(category, level):
    policy = SLAPolicy.objects.filter(level=level, category__in=[category, ""]).order_by("-category").first()
    if policy:
        return policy.acknowledge_within, policy.unit
    return DEFAULT_SLA[level]


def acknowledge_rule(referral):
    """The SLA rule as a practitioner reads it, for the case page: "by close of business Thu 26 Nov"."""
    amount, unit = sla_for(referral.category, referral.level)
    if unit == SLAPolicy.Unit.BUSINESS_DAYS:
        calendar_org = referral.team or referral.referring_station
        day = date_format(referral.ack_due_at.astimezone(calendar_org.tz), "D j M") if referral.ack_due_at else ""
        return ngettext(
            "by close of business %(day)s (%(n)d business day after filing)",
            "by close of business %(day)s (%(n)d business days after filing)",
            amount,
        ) % {"day": day, "n": amount}
    hours = amount / 60 if unit == SLAPolicy.Unit.MINUTES else amount
    if hours < 1:
        return ngettext("within %(n)d minute, day and night", "within %(n)d minutes, day and night", amount) % {
            "n": amount
        }
    hours = int(hours)
    return ngettext("within %(n)d hour, day and night", "within %(n)d hours, day and night", hours) % {"n": hours}


def acknowledge_due(referral, start):
    """When ``referral`` must be acknowledged if its clock starts at ``start``."""
    amount, unit = sla_for(referral.category, referral.level)
    if unit == SLAPolicy.Unit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == SLAPolicy.Unit.HOURS:
        return start + timedelta(hours=amount)
    calendar_org = referral.team or referral.referring_station
    return calendar.add_business_days(calendar_org, start, amount)


def _start_clock(referral, start):
    referral.ack_due_at = acknowledge_due(referral, start)
    referral.escalate_at = referral.ack_due_at
    referral.escalation_level = 0


def _stop_clock(referral):
    referral.escalate_at = None


# --- routing and references --------------------------------------------------------------
def matched_team(station, on_date=None):
    on_date = on_date or timezone.localdate()
    match = (
        StationTeamMatch.objects.filter(station=station, starts_on__lte=on_date)
        .exclude(ends_on__lt=on_date)
        .select_related("team")
        .order_by("-starts_on")
        .first()
    )
    return match.team if match else None


# --- filing ------------------------------------------------------------------------
class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@transaction.atomic
def submit_referral_once(actor, *, idempotency_key, request_hash, **kwargs):
    """File a referral at most once per key: returns (referral, created).

    The key is claimed before anything is written, in the same transaction as the referral:
    a concurrent retry waits on the key's unique index until the first request commits, then
    gets the first referral (same request) or ``IdempotencyConflict`` (a different one). A key
    older than ``IDEMPOTENCY_KEY_TTL`` is forgotten and may be used again. Filing itself (and its
    policy check) is ``submit_referral``: a refusal there rolls the claim back with everything else.
    """
    IdempotencyKey.objects.filter(
        user=actor, key=idempotency_key, created_at__lt=timezone.now() - IDEMPOTENCY_KEY_TTL
    ).delete()
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(user=actor, key=idempotency_key, request_hash=request_hash)
    except IntegrityError:
        earlier = IdempotencyKey.objects.select_related("referral").get(user=actor, key=idempotency_key)
        if earlier.request_hash != request_hash or earlier.referral is None:
            raise IdempotencyConflict from None
        return earlier.referral, False
    referral = submit_referral(actor, **kwargs)
    claim.referral = referral
    claim.save(update_fields=["referral"])
    return referral, True


def _provisional(actor, station):
    """The referral-to-be, for asking the policy whether ``actor`` may file for ``station``."""
    return Referral(created_by=actor, referring_station=station or actor.organization)


@transaction.atomic
def submit_referral(actor, *, persons=(), station=None, request_link=False, **fields):
    """File a referral. ``persons`` is a list of (Person data dict or Person, role).

    ``fields`` are Referral fields from a validated form or serializer (a ``household`` or
    ``linked_to`` there is one the filer may see). ``request_link``: the filer was told a
    household they cannot see matches; the referral keeps its own household and the persons typed,
    and a link request for each such household goes to the intake desk and the receiving team.
    """
    policy.require(actor, "file", _provisional(actor, station))
    if (
        fields.get("origin_reference")
        and prefill.prefill_for(actor, fields.get("origin"), fields["origin_reference"]) is None
    ):
        # The record a referral names as its origin must be one the filer may see (its page shows the referral).
        raise ValidationError(
            {
                "origin_reference": _(
                    "The record this referral was raised from cannot be found. Open the form from that record again."
                )
            }
        )
    linked_to = fields.get("linked_to")
    if linked_to is not None and not Referral.objects.visible_to(actor).filter(pk=linked_to.pk).exists():
        raise ValidationError({"linked_to": _("This referral cannot be linked.")})
    # A referral that already joins a known household (one the filer may see) needs no link request.
    joins_household = fields.get("household") or linked_to or any(isinstance(p, Person) for p, _ in persons)
    candidates = (
        selectors.hidden_matches(actor, _typed_people(persons), fields.get("incident_place", ""))
        if request_link and not joins_household
        else []
    )
    station = station or actor.organization
    if station is None or station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": _("Choose the police station filing this referral.")})
    district = station.district
    if district is None:
        raise ValidationError({"station": _("This station has no district; ask an administrator.")})
    now = timezone.now()
    referral = Referral(
        **fields,
        created_by=actor,
        referring_officer=actor if actor.is_officer else None,
        referring_station=station,
        district=district,
        filed_at=now,
        updated_at=now,
    )
    if district.routing_mode == District.RoutingMode.DIRECT:
        referral.team = matched_team(station, timezone.localtime(now, station.tz).date())
    referral.reference = next_reference(prefix="R", year=timezone.localdate(now).year)
    _start_clock(referral, now)
    calendar_org = referral.team or station
    referral.after_hours = not calendar.is_business_time(calendar_org, now)
    referral.full_clean(exclude=["reference", "household", "referring_officer"])
    if referral.household is None:
        referral.household = _new_household(persons, referral.incident_place, district)
    referral.save()
    _attach_persons(referral, persons)
    _record(referral, Kind.SUBMITTED, actor)
    if referral.linked_to_id:
        _record(referral, Kind.LINKED, actor, note=referral.linked_to.reference)
    _request_links(actor, referral, candidates, now)
    _announce_new(referral, actor, now)
    return referral


def _typed_people(persons):
    """What the filer gave about each person, as the matching keys see it."""
    typed = []
    for person, _role in persons:
        value = person.get if isinstance(person, dict) else (lambda key, p=person: getattr(p, key, None))
        typed.append({k: value(k) or "" for k in ("name", "phone", "id_number", "address")})
        typed[-1]["date_of_birth"] = value("date_of_birth") or None
    return typed


def _request_links(actor, referral, candidates, now):
    if not candidates:
        return
    LinkRequest.objects.bulk_create(
        [
            LinkRequest(referral=referral, household=household, linked_to=recent, requested_by=actor, requested_at=now)
            for household, recent in candidates
        ]
    )
    _record(referral, Kind.LINK_REQUESTED, actor, at=now)
    deciders = district_coordinators(referral.district_id) + supervisors_of(referral.team)
    _notify(deciders, referral, _("possible match with an existing household: confirm or reject the link"))


def _lock_link(link):
    return (
        LinkRequest.objects.select_for_update(of=("self",))
        .select_related("referral", "referral__team", "referral__district")
        .get(pk=link.pk)
    )


@transaction.atomic
def confirm_link(actor, link):
    """The referral joins the household its filer could not see (and links to that household's open referral).

    Its persons move into the household; the household the referral was filed with is removed when
    nothing else uses it. Any other pending request for the referral is closed as not the same.
    """
    link = _lock_link(link)
    policy.require(actor, "confirm_link", link)
    referral = _lock(link.referral)
    now = timezone.now()
    own = referral.household
    Person.objects.filter(referral_links__referral=referral, household=own).update(household=link.household)
    referral.household = link.household
    if link.linked_to_id and not referral.linked_to_id:
        referral.linked_to = link.linked_to
    _save(referral, "household", "linked_to", now=now)
    LinkRequest.objects.filter(pk=link.pk).update(state=LinkRequest.State.CONFIRMED, decided_by=actor, decided_at=now)
    referral.link_requests.filter(state=LinkRequest.State.PENDING).update(
        state=LinkRequest.State.REJECTED, decided_by=actor, decided_at=now
    )
    # Shared, without a note: the police learn that the link stands, not the other case's reference.
    _record(referral, Kind.LINKED, actor, at=now)
    if own is not None and not own.referrals.exists() and not own.members.exists():
        own.delete()
    link.refresh_from_db()
    return link


@transaction.atomic
def reject_link(actor, link):
    link = _lock_link(link)
    policy.require(actor, "reject_link", link)
    now = timezone.now()
    LinkRequest.objects.filter(pk=link.pk).update(state=LinkRequest.State.REJECTED, decided_by=actor, decided_at=now)
    if not link.referral.link_requests.filter(state=LinkRequest.State.PENDING).exists():
        _record(link.referral, Kind.LINK_REJECTED, actor, at=now)
    link.refresh_from_db()
    return link


def _new_household(persons, incident_place, district):
    """Every referral belongs to a household, so the next call about the same family finds it."""
    addresses = [p.get("address") for p, _ in persons if isinstance(p, dict) and p.get("address")]
    existing = [p.household for p, _ in persons if isinstance(p, Person) and p.household_id]
    if existing:
        return existing[0]
    return Household.objects.create(address=(addresses or [incident_place or ""])[0], district=district)


def _attach_persons(referral, persons):
    for person, role in persons:
        if not isinstance(person, Person):
            person = Person(**person)
            if referral.household_id and not person.household_id:
                person.household = referral.household
            person.full_clean()
            person.save()
        ReferralPerson.objects.get_or_create(referral=referral, person=person, role=role)


def _announce_new(referral, actor, now):
    if referral.team is None:
        recipients = district_coordinators(referral.district_id)
        _notify(recipients, referral, _("new referral in the intake queue"))
        return
    _notify(team_workers(referral.team) + supervisors_of(referral.team), referral, _("new referral for your team"))
    if referral.level == 1 and referral.after_hours:
        _alert_on_call(referral, actor, now)


def _alert_on_call(referral, actor, now):
    on_call = list(calendar.on_call_workers(referral.team, now))
    recipients = on_call or supervisors_of(referral.team)
    _notify(recipients, referral, _("level 1 referral outside office hours: acknowledge now"), kind="on_call")
    names = ", ".join(u.get_full_name() or u.username for u in recipients)
    _record(referral, Kind.ON_CALL_ALERTED, None, note=names, shared=False, at=now)


# --- the receiving side --------------------------------------------------------------------
@transaction.atomic
def acknowledge_referral(actor, referral):
    _lock(referral)
    policy.require(actor, "acknowledge", referral)
    return _acknowledge(actor, referral)


def _acknowledge(actor, referral):
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
def accept_referral(actor, referral, worker=None, *, feedback=None):
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
        give_feedback(actor, referral, **feedback)
    return referral


def _check_worker(worker, referral):
    if not (worker.is_active and worker.is_social_worker and worker.organization_id == referral.team_id):
        raise ValidationError({"worker": _("Choose an active social worker of the receiving team.")})


@transaction.atomic
def bulk_accept(actor, referrals, worker):
    """Assign many referrals to one worker; each is checked as if done one by one."""
    done, refused = [], []
    for referral in referrals:
        try:
            with transaction.atomic():
                accept_referral(actor, referral, worker)
            done.append(referral)
        except (ValidationError, PermissionDenied) as exc:
            refused.append((referral, exc))
    return done, refused


@transaction.atomic
def reassign_referral(actor, referral, worker, note=""):
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
def confirm_level(actor, referral, level):
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
def decline_referral(actor, referral, reason, note="", *, feedback=None):
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


def _decline(actor, referral, reason, note, feedback):
    before = referral.status
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    _stop_clock(referral)
    _save(referral, "status", "decline_reason", "escalate_at")
    _record(referral, Kind.DECLINED, actor, from_status=before, note=note)
    recipients = _referrers(referral) + supervisors_of(referral.team) + district_coordinators(referral.district_id)
    _notify(recipients, referral, _("declined"))
    if feedback:
        give_feedback(actor, referral, **feedback)
    return referral


@transaction.atomic
def return_to_referrer(actor, referral, needed):
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
def resubmit_referral(actor, referral, added):
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
def re_refer(actor, referral, agency, reason):
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
def record_failure(actor, referral, reason, note=""):
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
def give_feedback(actor, referral, *, appropriate, gaps=()):
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


@transaction.atomic
def transfer_referral(actor, referral, team, note):
    """Hand an open referral to another team: the SLA clock restarts, history stays."""
    _lock(referral)
    policy.require(actor, "transfer", referral)
    _require_text(note, "note", _("Write a handover note for the new team."))
    _move_to_team(actor, referral, team, note)
    return referral


def _move_to_team(actor, referral, team, note, kind=Kind.TRANSFERRED):
    if team is None or team.kind != Organization.Kind.TEAM or not team.is_active:
        raise ValidationError({"team": _("Choose an active social-work team.")})
    if team.pk == referral.team_id:
        raise ValidationError({"team": _("The referral is already with this team.")})
    now = timezone.now()
    before = referral.status
    referral.team = team
    referral.status = Status.SUBMITTED
    referral.assigned_worker = None
    referral.needs_reassignment = False
    referral.sla_cycle += 1
    _start_clock(referral, now)
    _save(
        referral,
        "team",
        "status",
        "assigned_worker",
        "needs_reassignment",
        "sla_cycle",
        "ack_due_at",
        "escalate_at",
        "escalation_level",
        now=now,
    )
    _record(referral, kind, actor, from_status=before, note=team.name, at=now)
    _record_handover(referral, actor, note, at=now)
    _notify(team_workers(team) + supervisors_of(team), referral, _("new referral for your team"))
    _notify(_referrers(referral), referral, _("transferred to another team"))


@transaction.atomic
def dispatch_referral(actor, referral, team, note=""):
    """A coordinator routes a referral from the district intake queue to a team."""
    _lock(referral)
    policy.require(actor, "dispatch", referral)
    if team is None or team.kind != Organization.Kind.TEAM or not team.is_active:
        raise ValidationError({"team": _("Choose an active social-work team.")})
    referral.team = team
    # The SLA clock started at filing; the team's own calendar now applies.
    referral.ack_due_at = acknowledge_due(referral, referral.filed_at)
    if referral.escalation_level == 0:
        referral.escalate_at = referral.ack_due_at
    _save(referral, "team", "ack_due_at", "escalate_at")
    _record(referral, Kind.DISPATCHED, actor, note=team.name)
    _record_handover(referral, actor, note)
    _notify(team_workers(team) + supervisors_of(team), referral, _("new referral for your team"))
    if referral.level == 1 and not calendar.is_business_time(team, timezone.now()):
        _alert_on_call(referral, actor, timezone.now())
    return referral


@transaction.atomic
def redirect_referral(actor, referral, team, note):
    """Send a declined referral to another team (declined → submitted)."""
    _lock(referral)
    policy.require(actor, "redirect", referral)
    _require_text(note, "note", _("Write a note for the new team."))
    referral.decline_reason = ""
    _move_to_team(actor, referral, team, note, kind=Kind.REDIRECTED)
    referral.save(update_fields=["decline_reason"])
    return referral


@transaction.atomic
def record_first_contact(actor, referral, at=None, note=""):
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
def close_referral(actor, referral, outcome, summary, referred_to=""):
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


def _close(actor, referral, outcome, summary, referred_to):
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


# --- the referring side ----------------------------------------------------------------------
@transaction.atomic
def cancel_referral(actor, referral, reason):
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


# --- notes and sharing -----------------------------------------------------------------------
@transaction.atomic
def add_note(actor, referral, text, visibility=CaseNote.Visibility.INTERNAL):
    policy.require(actor, "note", referral)
    _require_text(text, "text", _("Write the note."))
    if actor.reads_shared_view:
        # Police write to the social worker; everything they write is shared.
        visibility = CaseNote.Visibility.SHARED
    if visibility not in CaseNote.Visibility.values:
        raise ValidationError({"visibility": _("Choose who may read the note.")})
    note = CaseNote(referral=referral, author=actor, text=text.strip(), visibility=visibility)
    note.full_clean()
    note.save()
    Referral.objects.filter(pk=referral.pk).update(updated_at=note.created_at)
    if visibility == CaseNote.Visibility.SHARED:
        others = _referrers(referral) if not actor.reads_shared_view else [referral.assigned_worker]
        _notify([u for u in others if u and u.pk != actor.pk], referral, _("new shared note"))
    return note


@transaction.atomic
def share_with_worker(actor, referral, worker):
    """Let one more social worker (e.g. a colleague covering a visit) see this referral."""
    policy.require(actor, "share", referral)
    agency = referral.team.nearest(Organization.Kind.AGENCY) if referral.team_id else None
    if not (worker.is_active and worker.is_social_worker and (agency is None or agency.contains(worker.organization))):
        raise ValidationError({"worker": _("Choose an active social worker of the same agency.")})
    assign_perm("referrals.view_referral", worker, referral)
    _record(
        referral, Kind.ASSIGNED, actor, note=_("shared with %(name)s") % {"name": worker.get_full_name()}, shared=False
    )
    _notify([worker], referral, _("shared with you"))


# --- departures and re-matching ------------------------------------------------------------
@transaction.atomic
def flag_departed_worker(worker):
    """A deactivated worker's open cases are flagged so a supervisor reassigns them."""
    cases = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(assigned_worker=worker, status__in=OPEN_STATUSES, needs_reassignment=False)
        .select_related("team")
    )
    return _flag_for_reassignment(cases)


@transaction.atomic
def worker_moved(worker):
    """A worker who changes team or agency leaves the old team's cases behind.

    The old team's open cases assigned to them are flagged for reassignment, and every referral
    shared with them by an object grant is un-shared: their new post decides what they see.
    """
    cases = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(assigned_worker=worker, status__in=OPEN_STATUSES, needs_reassignment=False)
        .exclude(team_id=worker.organization_id)
        .select_related("team")
    )
    ReferralUserObjectPermission.objects.filter(user=worker).delete()
    return _flag_for_reassignment(cases)


def _flag_for_reassignment(cases):
    for referral in cases:
        referral.needs_reassignment = True
        _save(referral, "needs_reassignment")
        _record(referral, Kind.NEEDS_REASSIGNMENT, None, shared=False)
        _notify(supervisors_of(referral.team), referral, _("needs reassignment"))
    return cases


@dataclass
class RematchReport:
    """What a re-matching did, for the administrator's report."""

    moved: list = field(default_factory=list)  # waiting referrals: in the new team's queue, clock unchanged
    handed_over: list = field(default_factory=list)  # cases being worked, transferred with the handover note
    stayed: list = field(default_factory=list)  # cases being worked that stay with their worker


@transaction.atomic
def rematch_station(actor, station, team, starts_on, note, hand_over_open_cases=False):
    """Match ``station`` to ``team`` from ``starts_on``; re-matching never resets ongoing work.

    Referrals not yet accepted move to the new team's queue with their SLA clock. Accepted and
    in-progress cases stay with their worker, unless ``hand_over_open_cases``: then each is
    transferred to the new team with the handover note, as a transfer by hand would.
    """
    policy.require(actor, "rematch", None)
    if station.kind != Organization.Kind.STATION:
        raise ValidationError({"station": _("Choose a police station.")})
    if team.kind != Organization.Kind.TEAM or not team.is_active:
        raise ValidationError({"team": _("Choose an active social-work team.")})
    _require_text(note, "note", _("Write a handover note for the new team."))
    StationTeamMatch.objects.filter(station=station, ends_on__isnull=True, starts_on__lt=starts_on).update(
        ends_on=starts_on - timedelta(days=1)
    )
    StationTeamMatch.objects.filter(station=station, starts_on__gte=starts_on).delete()
    StationTeamMatch.objects.create(station=station, team=team, starts_on=starts_on, note=note)
    report = RematchReport()
    for referral in (
        Referral.objects.select_for_update()
        .filter(referring_station=station, status__in=OPEN_STATUSES, team__isnull=False)
        .exclude(team=team)
        .order_by("pk")
    ):
        if referral.status in (Status.SUBMITTED, Status.ACKNOWLEDGED):
            _rematch_waiting(actor, referral, team, note)
            report.moved.append(referral)
        elif hand_over_open_cases:
            _move_to_team(actor, referral, team, note)
            report.handed_over.append(referral)
        else:
            report.stayed.append(referral)
    return report


def _rematch_waiting(actor, referral, team, note):
    """A referral nobody has accepted yet changes queue; its deadline and escalation steps carry on."""
    now = timezone.now()
    referral.team = team
    _save(referral, "team", now=now)
    _record(referral, Kind.REMATCHED, actor, note=team.name, at=now)
    _record_handover(referral, actor, note, at=now)
    _notify(team_workers(team) + supervisors_of(team), referral, _("new referral for your team"))


# --- escalation -----------------------------------------------------------------------------
def escalation_recipients(referral, level):
    if level == 1:
        return supervisors_of(referral.team) or district_coordinators(referral.district_id)
    return district_coordinators(referral.district_id) + agency_heads(referral.team)


def _half_window(referral):
    window = (referral.ack_due_at or referral.filed_at) - referral.filed_at
    return max(window / 2, MIN_ESCALATION_GAP)


def sweep_escalations(now=None, batch=500):
    """Fire every due escalation step exactly once; safe with several sweeps at the same time.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` in short transactions; the unique
    (referral, cycle, step) row is the proof a step has fired, so a step recorded by a sweep
    that died after the insert is never sent twice. Each batch costs a fixed number of queries.
    """
    now = now or timezone.now()
    fired = 0
    recipients = {}  # (team, district, step) -> users: looked up once per sweep, not once per referral
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


def _record_steps(claimed, now):
    """Insert the step rows; returns the ids of referrals whose step was not recorded before."""
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(claimed))
    params = []
    for r in claimed:
        params += [r.pk, r.sla_cycle, r.escalation_level + 1, r.escalate_at, now]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO referrals_referralescalation (referral_id, cycle, level, due_at, fired_at) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (referral_id, cycle, level) DO NOTHING RETURNING referral_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _escalate_batch(claimed, now, recipients):
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
    messages = []
    for r in fresh:
        level = r.escalation_level + 1
        key = (r.team_id, r.district_id, level)
        if key not in recipients:
            recipients[key] = escalation_recipients(r, level)
        messages.append((recipients[key], r))
    _notify_each(messages, _("not acknowledged in time: escalated"), kind="escalation")
    _advance(claimed)
    return len(fresh)


def _advance(claimed):
    """Move each claimed referral to its next step: after a further half window, or no more steps."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # one set-based statement for the whole batch
            cursor.execute(
                "UPDATE referrals_referral SET escalation_level = escalation_level + 1, escalate_at = CASE "
                "WHEN escalation_level + 1 < %s THEN ack_due_at + GREATEST((ack_due_at - filed_at) / 2, %s) "
                "ELSE NULL END WHERE id = ANY(%s)",
                [LAST_ESCALATION_LEVEL, MIN_ESCALATION_GAP, [r.pk for r in claimed]],
            )
        return
    for r in claimed:
        r.escalation_level += 1
        r.escalate_at = r.ack_due_at + _half_window(r) if r.escalation_level < LAST_ESCALATION_LEVEL else None
    Referral.objects.bulk_update(claimed, ["escalation_level", "escalate_at"])


def _notify_each(messages, message, kind):
    """One notice per (recipients, referral), in one insert per reader language."""
    by_language = {}
    for users, referral in messages:
        for user in users:
            by_language.setdefault(user.language or "zh-hant", []).append((user, referral))
    for language, pairs in by_language.items():
        with override(language):
            text = str(message)
        notify_many([([u], f"{r.reference}: {text}", r.get_absolute_url()) for u, r in pairs], kind=kind)


@transaction.atomic
def acknowledge_escalation(actor, escalation):
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


def oldest_unfired_escalation(now):
    return (
        Referral.objects.filter(escalate_at__lte=now, status=Status.SUBMITTED)
        .order_by("escalate_at")
        .values_list("escalate_at", flat=True)
        .first()
    )


# --- decisions that wait for a supervisor (accounts/approvals.py) ----------------------------------
def _ask_approval(actor, referral, kind, what, payload):
    approval = request_approval(actor, kind, referral, unit=referral.team, summary=what, payload=payload)
    _record(referral, Kind.APPROVAL_REQUESTED, actor, note=str(what), shared=False)
    return approval


def _locked_referral(pk):
    return Referral.objects.select_for_update(of=("self",)).select_related("team", "referring_station").get(pk=pk)


def _carry_out_decline(approver, referral, payload):
    policy.require(approver, "decline", referral)
    _decline(approver, referral, payload["reason"], payload.get("note", ""), payload.get("feedback"))


def _carry_out_close(approver, referral, payload):
    policy.require(approver, "close", referral)
    _close(approver, referral, payload["outcome"], payload["summary"], payload.get("referred_to", ""))


def _record_decision(approval, referral):
    kind = Kind.APPROVED if approval.state == approval.State.APPROVED else Kind.APPROVAL_REJECTED
    note = f"{approval.summary}: {approval.reason}" if approval.reason else approval.summary
    _record(referral, kind, approval.decided_by, note=note, shared=False)
