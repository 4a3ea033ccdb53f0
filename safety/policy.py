"""Who may take which safety action: role × action × relation, in one table.

Safety actions act on several kinds of record (the worker an event is reported for, an event, a
follow-up item, the referral, household or person a flag goes on, a visit, an escort request, an
alert); each relation below knows how a user stands to each of them. Memberships are current:
a worker who moves team loses the old team's relations at once.

Two rules hold across the table:

* Police and the dispatch account take no safety action at all, except police answering escort
  requests addressed to their own station (or a station below their unit).
* The workers of a visit never act on that visit's alerts: a worker forced to "cancel" their own
  alarm, or to take the missed check-out alert that would have sent help, must not be able to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.policy import ANY, Policy, Who, contains, role_of, rule
from accounts.visibility import visible
from referrals.models import Household, Person, Referral, ReferralUserObjectPermission
from safety.models import (
    EscortFallback,
    EscortRequest,
    FollowUpItem,
    HazardEvent,
    HomeVisit,
    RiskFlag,
    SafetyAlert,
    SafetyContact,
    VisitRiskAssessment,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

# How a user stands to a safety record (any of the kinds above, or a user for "self").
Relation = Callable[[User, object], bool]


# --- how a record hangs together ---------------------------------------------------------------
def _visit_of(obj: object) -> HomeVisit | None:
    if isinstance(obj, HomeVisit):
        return obj
    if isinstance(obj, (EscortRequest, EscortFallback)):
        return obj.visit
    if isinstance(obj, SafetyAlert):
        return obj.visit or (obj.escort.visit if obj.escort is not None else None)
    return None


def _event_of(obj: object) -> HazardEvent | None:
    if isinstance(obj, HazardEvent):
        return obj
    if isinstance(obj, FollowUpItem):
        return obj.event
    if isinstance(obj, SafetyAlert):
        return obj.event or (obj.follow_up.event if obj.follow_up is not None else None)
    return None


def team_of(obj: object) -> Organization | None:
    """The social-work team a safety record belongs to (None when it has none)."""
    if isinstance(obj, Referral):
        return obj.team
    visit = _visit_of(obj)
    if visit is not None:
        return visit.referral.team
    event = _event_of(obj)
    if event is not None:
        return event.team
    return None


def referral_of(obj: object) -> Referral | None:
    if isinstance(obj, Referral):
        return obj
    visit = _visit_of(obj)
    return visit.referral if visit is not None else None


def on_visit(user: User, obj: object) -> bool:
    """``user`` is one of the workers going on the visit ``obj`` is about."""
    visit = _visit_of(obj)
    return visit is not None and visit.pk is not None and visit.workers.filter(pk=user.pk).exists()


def _not_on_alerted_visit(relation: Relation) -> Relation:
    """No relation to an alert holds for the workers of the visit it is about."""

    def holds(user: User, obj: object) -> bool:
        if isinstance(obj, SafetyAlert) and on_visit(user, obj):
            return False
        return relation(user, obj)

    return holds


def _own(user: User, obj: object) -> bool:
    event = _event_of(obj)
    if event is None:
        return False
    if user.pk in (event.worker_id, event.reported_by_id):
        return True
    return isinstance(obj, FollowUpItem) and obj.owner_id == user.pk


def _team(user: User, obj: object) -> bool:
    team = team_of(obj)
    return team is not None and user.organization_id == team.pk


def _subtree(user: User, obj: object) -> bool:
    if not isinstance(
        obj, (Referral, HazardEvent, FollowUpItem, HomeVisit, EscortRequest, EscortFallback, SafetyAlert)
    ):
        organization = getattr(obj, "organization", None)
        return bool(organization) and contains(user.organization, organization)
    team = team_of(obj)
    return team is not None and contains(user.organization, team)


def _safety_contact(user: User, obj: object) -> bool:
    team = team_of(obj)
    if team is None:
        return False
    return SafetyContact.objects.filter(user=user, agency__path__in=_ancestor_paths(team)).exists()


def _ancestor_paths(org: Organization) -> list[str]:
    parts = [p for p in org.path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _granted(user: User, obj: object) -> bool:
    referral = referral_of(obj)
    return (
        referral is not None
        and referral.pk is not None
        and ReferralUserObjectPermission.objects.filter(user=user, content_object_id=referral.pk).exists()
    )


def _sees(user: User, obj: object) -> bool:
    """A flag target (referral, household or person), or a flag, the user may see."""
    if isinstance(obj, (Referral, Household, Person, RiskFlag)) and obj.pk is not None:
        return visible(type(obj), user).filter(pk=obj.pk).exists()
    return False


def _station(user: User, obj: object) -> bool:
    return isinstance(obj, EscortRequest) and contains(user.organization, obj.station)


def _recipient(user: User, obj: object) -> bool:
    return isinstance(obj, SafetyAlert) and obj.pk is not None and obj.recipients.filter(pk=user.pk).exists()


# In order of cost: attribute tests first, queries last (Policy.permits tries them in this order).
RELATIONS: dict[str, Relation] = {
    "self": lambda u, obj: getattr(obj, "pk", None) == u.pk and obj.__class__ is u.__class__,
    "team": _not_on_alerted_visit(_team),
    "subtree": _not_on_alerted_visit(_subtree),
    "station": _station,
    "own": _own,
    "on_visit": on_visit,
    "recipient": _not_on_alerted_visit(_recipient),
    "safety_contact": _not_on_alerted_visit(_safety_contact),
    "granted": _granted,
    "sees": _sees,
}


# --- the states an action exists in ------------------------------------------------------------
def status_of(obj: object) -> str:
    if isinstance(obj, SafetyAlert):
        if obj.resolved_at is not None:
            return "resolved"
        return "taken" if obj.acknowledged_at is not None else "open"
    return str(getattr(obj, "status", ""))


ALERT_STATES = {"open": _("open"), "taken": _("taken"), "resolved": _("resolved")}


def not_now(obj: object) -> StrOrPromise:
    label: StrOrPromise
    if isinstance(obj, SafetyAlert):
        label = ALERT_STATES[status_of(obj)]
    else:
        label = obj.get_status_display() if hasattr(obj, "get_status_display") else ""
    return _("This record is %(status)s; that action is not possible now.") % {"status": label}


V = HomeVisit.Status
ON_THE_VISIT: Who = {"social_worker": {"on_visit"}, "supervisor": {"subtree"}, "administrator": {ANY}}
ONLY_THE_WORKERS = _("Only the workers on this visit can do this.")
RESPONDERS: Who = {
    "social_worker": {"recipient", "team", "safety_contact"},
    "supervisor": {"recipient", "subtree", "safety_contact"},
    "intake_coordinator": {"recipient", "safety_contact"},
    "administrator": {ANY},
}
NOT_YOUR_ALERT = _("Only those alerted, the team and its supervisors can take or resolve this alert.")

RULES = {
    # Hazard events: reported by the worker affected, or by a supervisor for a worker below them.
    "report_event": rule(
        _("You can report events for yourself or for workers you supervise."),
        on_record=False,
        social_worker={"self"},
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "update_event": rule(
        _("Only the worker affected, the reporter or a supervisor can update this event."),
        social_worker={"own"},
        supervisor={"own", "subtree"},
        administrator={ANY},
    ),
    "flag_for_review": rule(
        _("Only a supervisor of the service unit can flag an event for review."),
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "update_follow_up": rule(
        _("Only the worker affected, a supervisor or the agency's safety contact can update follow-up support."),
        social_worker={"own", "safety_contact"},
        supervisor={"own", "subtree", "safety_contact"},
        intake_coordinator={"safety_contact"},
        administrator={ANY},
    ),
    # Risk flags: on a referral, household or person the user may see; never by police or dispatch.
    "add_flag": rule(
        _("Only social work can add risk flags."),
        on_record=False,
        social_worker={"sees"},
        supervisor={"sees"},
        intake_coordinator={"sees"},
        administrator={ANY},
    ),
    # Removing a flag: a social worker's request waits for a supervisor (accounts/approvals.py).
    "remove_flag": rule(
        _("Only social work can remove risk flags."),
        social_worker={"sees"},
        supervisor={"sees"},
        administrator={ANY},
    ),
    # Home visits: planned by the referral's team; run by the workers going (or their supervisor).
    "plan_visit": rule(
        _("Only the receiving team can plan a visit."),
        on_record=False,
        social_worker={"team", "granted"},
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "start_visit": rule(
        ONLY_THE_WORKERS,
        when=lambda v: v.status == V.PLANNED,
        when_refusal=_("This visit has already started or ended."),
        **ON_THE_VISIT,
    ),
    "check_in": rule(
        ONLY_THE_WORKERS,
        when=lambda v: v.status == V.STARTED,
        when_refusal=_("The visit is not in progress."),
        **ON_THE_VISIT,
    ),
    "check_out": rule(
        ONLY_THE_WORKERS,
        when=lambda v: v.status == V.STARTED,
        when_refusal=_("The visit is not in progress."),
        **ON_THE_VISIT,
    ),
    "raise_alarm": rule(
        ONLY_THE_WORKERS,
        when=lambda v: v.status == V.STARTED,
        when_refusal=_("The visit is not in progress."),
        **ON_THE_VISIT,
    ),
    "request_escort": rule(
        ONLY_THE_WORKERS,
        when=lambda v: v.status in (V.PLANNED, V.STARTED),
        when_refusal=_("The visit has ended."),
        **ON_THE_VISIT,
    ),
    "override_solo_visit": rule(
        _("Only a supervisor can allow a visit with one worker."),
        when=lambda v: v.status == V.PLANNED,
        when_refusal=_("This visit has already started or ended."),
        supervisor={"subtree"},
        administrator={ANY},
    ),
    # Before the visit (safety.assessment, safety.escort_fallback, safety.route_notes): the team that plans
    # the visit answers the risk checklist; only a supervisor accepts a plan below its recommendation, and
    # only a supervisor settles a declined or unanswered escort (second worker or postponement).
    "assess_visit": rule(
        _("Only the receiving team can assess a visit."),
        when=lambda v: v.status == V.PLANNED,
        when_refusal=_("This visit has already started or ended."),
        social_worker={"team", "granted", "on_visit"},
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "override_assessment": rule(
        _("Only a supervisor can let a visit go ahead below the assessment's recommendation."),
        when=lambda v: v.status == V.PLANNED and VisitRiskAssessment.objects.filter(visit=v).exists(),
        when_refusal=_("Only a planned visit with a risk assessment can be overridden."),
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "assign_second_worker": rule(
        _("Only a supervisor can assign a second worker."),
        statuses=[EscortFallback.Status.OPEN],
        supervisor={"subtree"},
        administrator={ANY},
    ),
    "postpone_visit": rule(
        _("Only a supervisor can postpone the visit."),
        statuses=[EscortFallback.Status.OPEN],
        supervisor={"subtree"},
        administrator={ANY},
    ),
    # Route notes for an address: social work that plans or goes on the visit; never police.
    "add_route_note": rule(
        _("Only the team's social workers can leave route notes."),
        social_worker={"team", "granted", "on_visit"},
        supervisor={"subtree"},
        administrator={ANY},
    ),
    # Escorts: answered by the station asked (or the unit above it).
    "answer_escort": rule(
        _("Only the station asked can answer."),
        when=lambda e: e.status == EscortRequest.Status.REQUESTED,
        when_refusal=_("This request has already been answered."),
        officer={"station"},
        station_head={"station"},
        administrator={ANY},
    ),
    # Alerts: taken and resolved by those alerted and the team, never by the workers of the visit.
    "acknowledge_alert": rule(NOT_YOUR_ALERT, statuses=["open"], **RESPONDERS),
    "resolve_alert": rule(NOT_YOUR_ALERT, statuses=["taken"], **RESPONDERS),
    # A worker's own duress code.
    "set_duress_code": rule(_("Only social workers going on visits set a duress code."), social_worker={"self"}),
}

# The kind of record each action is taken on (the relations above are shared by all of them).
RECORD: dict[str, type[Model] | tuple[type[Model], ...]] = {
    "report_event": User,
    "update_event": HazardEvent,
    "flag_for_review": HazardEvent,
    "update_follow_up": FollowUpItem,
    "add_flag": (Referral, Household, Person),
    "remove_flag": RiskFlag,
    "plan_visit": Referral,
    "start_visit": HomeVisit,
    "check_in": HomeVisit,
    "check_out": HomeVisit,
    "raise_alarm": HomeVisit,
    "request_escort": HomeVisit,
    "override_solo_visit": HomeVisit,
    "assess_visit": HomeVisit,
    "override_assessment": HomeVisit,
    "assign_second_worker": EscortFallback,
    "postpone_visit": EscortFallback,
    "add_route_note": HomeVisit,
    "answer_escort": EscortRequest,
    "acknowledge_alert": SafetyAlert,
    "resolve_alert": SafetyAlert,
    "set_duress_code": User,
}
assert set(RECORD) == set(RULES)

POLICY = Policy(rules=RULES, relations=RELATIONS, status_of=status_of, not_now=not_now)
can = POLICY.can


def require(user: User | AnonymousUser | None, action: str, obj: object) -> None:
    """For services: refuse with ``PermissionDenied`` (role or relation) or ``ValidationError`` (state)."""
    if not isinstance(obj, RECORD[action]):
        raise TypeError(f"{action} is taken on {RECORD[action]}, not on {type(obj).__name__}")
    POLICY.require(user, action, obj)


def allowed_actions(user: User | AnonymousUser | None, obj: object) -> set[str]:
    """What pages and the API offer on ``obj``: the actions on its kind of record that the table allows now."""
    return {
        action
        for action, r in RULES.items()
        if r.on_record and isinstance(obj, RECORD[action]) and POLICY.can(user, action, obj)
    }


def may_ever(user: User | AnonymousUser | None, action: str) -> bool:
    """Has the user's role any relation at all for ``action``? (To refuse before reading any input.)"""
    return role_of(user) in RULES[action].who
