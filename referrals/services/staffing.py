"""No case without an owner: a departed or moved worker's cases are flagged for reassignment."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import request_cache
from accounts.directory import supervisors_of
from accounts.models import User
from referrals.models import (
    OPEN_STATUSES,
    Referral,
    ReferralUserObjectPermission,
)
from referrals.models.referral import grants_key
from referrals.services._base import Kind, _notify, _record, _save


@transaction.atomic
def flag_departed_worker(*, worker: User) -> list[Referral]:
    """A deactivated worker's open cases are flagged so a supervisor reassigns them."""
    cases = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(assigned_worker=worker, status__in=OPEN_STATUSES, needs_reassignment=False)
        .select_related("team")
    )
    return _flag_for_reassignment(cases)


@transaction.atomic
def worker_moved(*, worker: User) -> list[Referral]:
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
    request_cache.forget(grants_key(worker))
    return _flag_for_reassignment(cases)


def _flag_for_reassignment(cases: list[Referral]) -> list[Referral]:
    for referral in cases:
        referral.needs_reassignment = True
        _save(referral, "needs_reassignment")
        _record(referral, Kind.NEEDS_REASSIGNMENT, None, shared=False)
        _notify(supervisors_of(referral.team), referral, _("needs reassignment"))
    return cases
