"""Police escorts for a home visit: requests, answers and the sweep of unanswered ones."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from safety import policy
from safety.models import (
    EscortRequest,
    HomeVisit,
    SafetyAlert,
)
from safety.services._base import _notify
from safety.services.alerts import _raise

ESCORT_ANSWER_WITHIN = timedelta(hours=4)


@transaction.atomic
def request_escort(
    *,
    actor: User,
    visit: HomeVisit,
    station: Organization | None = None,
    needed_from: datetime,
    needed_until: datetime,
    note: str = "",
) -> EscortRequest:
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
def answer_escort(*, actor: User, escort: EscortRequest, accept: bool, reason: str = "") -> EscortRequest:
    escort = EscortRequest.objects.select_for_update().get(pk=escort.pk)
    policy.require(actor, "answer_escort", escort)
    if not accept and not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for declining.")})
    escort.status = EscortRequest.Status.ACCEPTED if accept else EscortRequest.Status.DECLINED
    escort.decline_reason = "" if accept else reason.strip()
    escort.responded_by = actor
    escort.responded_at = timezone.now()
    escort.save()
    from safety.services import escort_fallback  # declined: a supervisor sends a second worker or postpones

    if accept:
        escort_fallback.escort_accepted(escort=escort)
    else:
        escort_fallback.open_for(escort=escort, cause="declined")
    message = _("police escort accepted") if accept else _("police escort declined")
    _notify([escort.requested_by], message, escort.visit.get_absolute_url(), escort.visit.referral.reference)
    return escort


def sweep_escorts(*, now: datetime | None = None) -> int:
    from safety.services import escort_fallback  # unanswered: a supervisor sends a second worker or postpones

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
            escort_fallback.open_for(escort=escort, cause="unanswered")
    return fired
