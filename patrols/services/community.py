"""Community activities and changes to a beat's hours (with a supervisor's decision)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from patrols import policy
from patrols.models import (
    Beat,
    BeatHoursChange,
    CommunityActivity,
)
from patrols.services._base import _at_a_station, _notify, _station_heads


@transaction.atomic
def log_activity(*, actor: User, station: Organization, **fields: Any) -> CommunityActivity:
    policy.require(actor, "log_activity", CommunityActivity(station=station))
    _at_a_station(station, _("Activities are logged by a station."))
    activity = CommunityActivity(station=station, recorded_by=actor, **fields)
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def change_beat_hours(*, actor: User, beat: Beat, new_hours: int | None, reason: str) -> BeatHoursChange:
    """Increases apply at once; a reduction waits for the station head's approval."""
    policy.require(actor, "change_hours", beat)
    if new_hours is None or new_hours < 0 or new_hours > 168:
        raise ValidationError({"new_hours": _("Give hours between 0 and 168.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason.")})
    change = BeatHoursChange.objects.create(
        beat=beat, old_hours=beat.weekly_visit_hours, new_hours=new_hours, reason=reason.strip(), requested_by=actor
    )
    if new_hours >= beat.weekly_visit_hours:
        _apply_hours(change, actor)
    else:
        _notify(_station_heads(beat.station), _("reduction of beat hours to approve"), "/patrols/beats/", beat.code)
    return change


def _apply_hours(change: BeatHoursChange, actor: User) -> None:
    change.status = BeatHoursChange.Status.APPROVED
    change.decided_by = actor
    change.save(update_fields=["status", "decided_by"])
    Beat.objects.filter(pk=change.beat_id).update(weekly_visit_hours=change.new_hours)


@transaction.atomic
def decide_beat_hours(*, actor: User, change: BeatHoursChange, approve: bool) -> BeatHoursChange:
    change = BeatHoursChange.objects.select_for_update(of=("self",)).select_related("beat__station").get(pk=change.pk)
    policy.require(actor, "decide_hours", change)
    if approve:
        _apply_hours(change, actor)
    else:
        change.status = BeatHoursChange.Status.REJECTED
        change.decided_by = actor
        change.save(update_fields=["status", "decided_by"])
    return change
