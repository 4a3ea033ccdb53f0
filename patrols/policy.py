"""Who may act on patrol records: role × action × relation, in one table.

Patrol records are police work and each belongs to a station (a change of beat hours through its
beat, an evaluation to the unit it scores). Relations say how a user stands to that station:

* ``station``: the user belongs to it;
* ``unit``: it is the user's unit or lies below it (a precinct head covers the precinct's stations).

Social work, intake coordinators and the dispatch account have no patrol action at all (they do not
see patrol records either: see ``patrols.models.police_scope``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.policy import ANY, Policy, Who, contains, rule
from patrols.models import (
    Beat,
    BeatHoursChange,
    CommunityActivity,
    Evaluation,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    PersonOfConcern,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

POLICE_ONLY = _("Patrol records are for police only.")

# The records the policy decides on: each belongs to a station (or, for an evaluation, to a unit).
PatrolRecord = (
    Beat
    | BeatHoursChange
    | CommunityActivity
    | Evaluation
    | KeyLocation
    | MissingPersonReport
    | MonthlyReport
    | PersonOfConcern
)


def station_id_of(record: PatrolRecord) -> int | None:
    if isinstance(record, BeatHoursChange):
        return record.beat.station_id
    if isinstance(record, Evaluation):
        return record.unit_id
    return record.station_id


def station_of(record: PatrolRecord) -> Organization | None:
    if station_id_of(record) is None:
        return None
    if isinstance(record, BeatHoursChange):
        return record.beat.station
    if isinstance(record, Evaluation):
        return record.unit
    return record.station


RELATIONS: dict[str, Callable[[User, PatrolRecord], bool]] = {
    "station": lambda u, r: u.organization_id is not None and u.organization_id == station_id_of(r),
    "unit": lambda u, r: contains(u.organization, station_of(r)),
}

UNIT_POLICE: Who = {"officer": {"unit"}, "station_head": {"unit"}, "administrator": {ANY}}
UNIT_HEAD: Who = {"station_head": {"unit"}, "administrator": {ANY}}

RULES = {
    # Work on a station's records: visits, children found on a visit, inspections, beat hours.
    "record_visit": rule(POLICE_ONLY, **UNIT_POLICE),
    "add_child": rule(POLICE_ONLY, **UNIT_POLICE),
    "inspect_location": rule(POLICE_ONLY, **UNIT_POLICE),
    "change_hours": rule(POLICE_ONLY, **UNIT_POLICE),
    "decide_hours": rule(
        _("Only the station head can approve a reduction."),
        when=lambda c: c.status == BeatHoursChange.Status.PENDING,
        when_refusal=_("This change has already been decided."),
        **UNIT_HEAD,
    ),
    # The monthly report: opened and submitted by the station head, corrected only by amendment.
    "submit_report": rule(
        _("The station head submits the monthly report."),
        when=lambda r: r.status == MonthlyReport.Status.DRAFT,
        when_refusal=_("This report is submitted and locked; correct it with an amendment."),
        **UNIT_HEAD,
    ),
    "amend_report": rule(
        _("The station head corrects the monthly report."),
        when=lambda r: r.status == MonthlyReport.Status.SUBMITTED,
        when_refusal=_("Only a submitted report is amended; a draft is simply recomputed."),
        **UNIT_HEAD,
    ),
    # Actions on a station rather than on one of its records: not offered on a record's page.
    "add_location": rule(POLICE_ONLY, on_record=False, **UNIT_POLICE),
    "log_activity": rule(POLICE_ONLY, on_record=False, **UNIT_POLICE),
    # Any station takes a missing-person report, whatever the jurisdiction: the officer's own station.
    "take_missing_report": rule(
        POLICE_ONLY, on_record=False, officer={"station"}, station_head={"station"}, administrator={ANY}
    ),
    "open_report": rule(_("The station head opens the monthly report."), on_record=False, **UNIT_HEAD),
    "evaluate": rule(_("Only precinct or department supervisors evaluate units."), on_record=False, **UNIT_HEAD),
    # Setting up a station's beats and persons of concern (in the admin): administrators only.
    "set_up": rule(
        _("Only an administrator sets up beats, persons of concern and key locations."),
        on_record=False,
        administrator={ANY},
    ),
}

# The record each action is taken on, for offering actions on a page or in the API.
ACTIONS_ON: dict[type[Model], tuple[str, ...]] = {
    PersonOfConcern: ("record_visit", "add_child"),
    KeyLocation: ("inspect_location",),
    Beat: ("change_hours",),
    BeatHoursChange: ("decide_hours",),
    MonthlyReport: ("submit_report", "amend_report"),
}

POLICY = Policy(rules=RULES, relations=RELATIONS)
can = POLICY.can
require = POLICY.require


def allowed_actions(user: User | AnonymousUser | None, record: Model) -> set[str]:
    """The actions a page or API client may offer ``user`` on ``record``."""
    return {action for action in ACTIONS_ON.get(type(record), ()) if POLICY.can(user, action, record)}
