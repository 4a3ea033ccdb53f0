"""Risk flags: adding, removing (with a supervisor's approval where configured), police-recorded flags and lookups."""

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import approvals
from accounts.models import Approval, Organization, User
from accounts.services import request_approval
from referrals.models import Household, Person, Referral
from safety import policy
from safety.models import (
    CLIENT_SOURCES,
    HomeVisit,
    RiskFlag,
    RiskSource,
)


@transaction.atomic
def add_risk_flag(
    *, actor: User, referral: Referral | None = None, source: str = RiskSource.OBSERVATION, **fields: Any
) -> RiskFlag:
    """A flag on a person or household (or, with neither, on the address of ``referral``).

    The caller says only whether it comes from an agency record or their own observation: police and
    hazard-event sources are recorded by the system itself, never taken from input."""
    target = fields.get("person") or fields.get("household") or referral
    if target is None:
        raise ValidationError({"household": _("Flag a person or a household.")})
    policy.require(actor, "add_flag", target)
    if source not in CLIENT_SOURCES:
        raise ValidationError({"source": _("Choose an agency record or your own observation.")})
    if referral is not None and target is referral and not fields.get("address"):
        fields["address"] = (
            referral.household.address if referral.household is not None else ""
        ) or referral.incident_place
    flag = RiskFlag(added_by=actor, source=source, **fields)
    flag.full_clean()
    flag.save()
    return flag


@transaction.atomic
def remove_risk_flag(*, actor: User, flag: RiskFlag, reason: str) -> RiskFlag | Approval:
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
        return request_approval(
            actor=actor, kind="safety.remove_flag", record=flag, unit=team, summary=what, payload={"reason": reason}
        )
    return _retire_flag(actor, flag, reason)


def _retire_flag(actor: User, flag: RiskFlag, reason: str) -> RiskFlag:
    # Kept as history: the flag ends yesterday, with who took it off and why.
    flag.review_on = timezone.localdate() - timedelta(days=1)
    flag.note = f"{flag.note}\n[{timezone.localdate():%Y-%m-%d} {actor.get_full_name() or actor.username}] {reason}"[
        -500:
    ].strip()
    flag.save(update_fields=["review_on", "note"])
    return flag


def _locked_flag(pk: int) -> RiskFlag:
    return RiskFlag.objects.select_for_update().get(pk=pk)


def _carry_out_flag_removal(approver: User, flag: RiskFlag, payload: dict[str, Any]) -> None:
    policy.require(approver, "remove_flag", flag)
    _retire_flag(approver, flag, payload["reason"])


def record_police_flag(*, referral: Referral, type: str, note: str = "", review_on: date | None = None) -> RiskFlag:
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


def active_flags_for(
    *,
    households: Collection[int | Household] = (),
    persons: Collection[int | Person] = (),
    addresses: Iterable[str] = (),
) -> list[RiskFlag]:
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


def flags_for_visit(*, visit: HomeVisit) -> list[RiskFlag]:
    referral = visit.referral
    persons = [link.person_id for link in referral.person_links.all()]
    return active_flags_for(
        households=[referral.household_id] if referral.household_id else [], persons=persons, addresses=[visit.address]
    )


def forget_flag_notes(*, people: Collection[int], households: Collection[int]) -> None:
    """Retention removed these people's details: their risk flags keep type and dates, not the notes."""
    RiskFlag.objects.filter(Q(person__in=people) | Q(household__in=households)).update(note="", address="")
