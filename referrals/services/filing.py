"""Filing a referral (once per idempotency key), its persons and household, and links to earlier referrals."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import calendar
from accounts.directory import district_coordinators, supervisors_of, team_workers
from accounts.models import District, Organization, User
from accounts.references import next_reference
from referrals import policy, prefill, selectors
from referrals.models import (
    Household,
    IdempotencyKey,
    LinkRequest,
    Person,
    Referral,
)
from referrals.services._base import Kind, _lock, _notify, _record, _save
from referrals.services.households import PersonEntry, _attach_persons, _new_household
from referrals.services.routing import _alert_on_call, matched_team
from referrals.services.sla import _start_clock

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@transaction.atomic
def submit_referral_once(
    *, actor: User, idempotency_key: str, request_hash: str, **kwargs: Any
) -> tuple[Referral, bool]:
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
    referral = submit_referral(actor=actor, **kwargs)
    claim.referral = referral
    claim.save(update_fields=["referral"])
    return referral, True


def _provisional(actor: User, station: Organization | None) -> Referral:
    """The referral-to-be, for asking the policy whether ``actor`` may file for ``station``."""
    return Referral(created_by=actor, referring_station=station or actor.organization)


@transaction.atomic
def submit_referral(
    *,
    actor: User,
    persons: Sequence[PersonEntry] = (),
    station: Organization | None = None,
    request_link: bool = False,
    **fields: Any,
) -> Referral:
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
        referral.team = matched_team(station=station, on_date=timezone.localtime(now, station.tz).date())
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
    if referral.linked_to is not None:
        _record(referral, Kind.LINKED, actor, note=referral.linked_to.reference)
    _request_links(actor, referral, candidates, now)
    _announce_new(referral, actor, now)
    return referral


def _typed_people(persons: Sequence[PersonEntry]) -> list[dict[str, Any]]:
    """What the filer gave about each person, as the matching keys see it."""
    typed: list[dict[str, Any]] = []
    for person, _role in persons:
        value = _getter(person)
        typed.append({k: value(k) or "" for k in ("name", "phone", "id_number", "address")})
        typed[-1]["date_of_birth"] = value("date_of_birth") or None
    return typed


def _getter(person: dict[str, Any] | Person) -> Callable[[str], Any]:
    """A field of what the filer typed (a dict) or of a known person, by name."""
    if isinstance(person, dict):
        return person.get
    return lambda key: getattr(person, key, None)


def _request_links(
    actor: User, referral: Referral, candidates: list[tuple[Household, Referral | None]], now: datetime
) -> None:
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


def _lock_link(link: LinkRequest) -> LinkRequest:
    return (
        LinkRequest.objects.select_for_update(of=("self",))
        .select_related("referral", "referral__team", "referral__district")
        .get(pk=link.pk)
    )


@transaction.atomic
def confirm_link(*, actor: User, link: LinkRequest) -> LinkRequest:
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
def reject_link(*, actor: User, link: LinkRequest) -> LinkRequest:
    link = _lock_link(link)
    policy.require(actor, "reject_link", link)
    now = timezone.now()
    LinkRequest.objects.filter(pk=link.pk).update(state=LinkRequest.State.REJECTED, decided_by=actor, decided_at=now)
    if not link.referral.link_requests.filter(state=LinkRequest.State.PENDING).exists():
        _record(link.referral, Kind.LINK_REJECTED, actor, at=now)
    link.refresh_from_db()
    return link


def _announce_new(referral: Referral, actor: User, now: datetime) -> None:
    if referral.team is None:
        recipients = district_coordinators(referral.district_id)
        _notify(recipients, referral, _("new referral in the intake queue"))
        return
    _notify(team_workers(referral.team) + supervisors_of(referral.team), referral, _("new referral for your team"))
    if referral.level == 1 and referral.after_hours:
        _alert_on_call(referral, actor, now)
