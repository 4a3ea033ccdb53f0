"""Which team a referral goes to: station-team matching, transfer, dispatch, redirect and re-matching."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import calendar
from accounts.directory import supervisors_of, team_workers
from accounts.models import Organization, User
from referrals import policy
from referrals.models import (
    OPEN_STATUSES,
    Referral,
    StationTeamMatch,
    Status,
)
from referrals.services._base import Kind, _lock, _notify, _record, _record_handover, _referrers, _require_text, _save
from referrals.services.sla import _start_clock, acknowledge_due


def matched_team(*, station: Organization, on_date: date | None = None) -> Organization | None:
    on_date = on_date or timezone.localdate()
    match = (
        StationTeamMatch.objects.filter(station=station, starts_on__lte=on_date)
        .exclude(ends_on__lt=on_date)
        .select_related("team")
        .order_by("-starts_on")
        .first()
    )
    return match.team if match else None


def _alert_on_call(referral: Referral, actor: User, now: datetime) -> None:
    on_call = list(calendar.on_call_workers(referral.team, now))
    recipients = on_call or supervisors_of(referral.team)
    _notify(recipients, referral, _("level 1 referral outside office hours: acknowledge now"), kind="on_call")
    names = ", ".join(u.get_full_name() or u.username for u in recipients)
    _record(referral, Kind.ON_CALL_ALERTED, None, note=names, shared=False, at=now)


@transaction.atomic
def transfer_referral(*, actor: User, referral: Referral, team: Organization, note: str) -> Referral:
    """Hand an open referral to another team: the SLA clock restarts, history stays."""
    _lock(referral)
    policy.require(actor, "transfer", referral)
    _require_text(note, "note", _("Write a handover note for the new team."))
    _move_to_team(actor, referral, team, note)
    return referral


def _move_to_team(
    actor: User, referral: Referral, team: Organization, note: str, kind: Kind = Kind.TRANSFERRED
) -> None:
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
def dispatch_referral(*, actor: User, referral: Referral, team: Organization, note: str = "") -> Referral:
    """A coordinator routes a referral from the district intake queue to a team."""
    _lock(referral)
    policy.require(actor, "dispatch", referral)
    if team is None or team.kind != Organization.Kind.TEAM or not team.is_active:
        raise ValidationError({"team": _("Choose an active social-work team.")})
    referral.team = team
    # The SLA clock started at filing; the team's own calendar now applies.
    referral.ack_due_at = acknowledge_due(referral=referral, start=referral.filed_at)
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
def redirect_referral(*, actor: User, referral: Referral, team: Organization, note: str) -> Referral:
    """Send a declined referral to another team (declined → submitted)."""
    _lock(referral)
    policy.require(actor, "redirect", referral)
    _require_text(note, "note", _("Write a note for the new team."))
    referral.decline_reason = ""
    _move_to_team(actor, referral, team, note, kind=Kind.REDIRECTED)
    referral.save(update_fields=["decline_reason"])
    return referral


@dataclass
class RematchReport:
    """What a re-matching did, for the administrator's report."""

    moved: list[Referral] = field(default_factory=list)  # waiting referrals: in the new team's queue, clock unchanged
    handed_over: list[Referral] = field(default_factory=list)  # cases being worked, transferred with the handover note
    stayed: list[Referral] = field(default_factory=list)  # cases being worked that stay with their worker


@transaction.atomic
def rematch_station(
    *,
    actor: User,
    station: Organization,
    team: Organization,
    starts_on: date,
    note: str,
    hand_over_open_cases: bool = False,
) -> RematchReport:
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


def _rematch_waiting(actor: User, referral: Referral, team: Organization, note: str) -> None:
    """A referral nobody has accepted yet changes queue; its deadline and escalation steps carry on."""
    now = timezone.now()
    referral.team = team
    _save(referral, "team", now=now)
    _record(referral, Kind.REMATCHED, actor, note=team.name, at=now)
    _record_handover(referral, actor, note, at=now)
    _notify(team_workers(team) + supervisors_of(team), referral, _("new referral for your team"))
