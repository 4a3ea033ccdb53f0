"""Every safety action × every actor of the two-district world × service, page and API.

Who may act is written out here from the rules the users were given (DOMAIN.md §4, DESIGN.md: the
workers going run their visit, supervisors oversee their teams, the station asked answers an
escort, those alerted take an alert, police and the dispatch system take no safety action), not
read from safety/policy.py: the point is to catch the policy and the services disagreeing with them.

The records belong to a referral filed at S1 (by the dispatch account when it is the one trying)
and accepted by T1 for ``worker``; ``worker`` goes on the visit alone and reported the event.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Approval
from referrals import services as referral_services
from safety import services
from safety.models import (
    DuressCode,
    EscortFallback,
    EscortRequest,
    FollowUpItem,
    HazardEvent,
    HomeVisit,
    RiskFlag,
    RouteNote,
    SafetyAlert,
    VisitRiskAssessment,
)
from safety.services import assessment, escort_fallback, route_notes
from tests import action_matrix
from tests.action_matrix import Action
from tests.world import ACTORS, file_referral, two_districts

pytestmark = pytest.mark.django_db

SOCIAL_WORKERS = frozenset({"worker", "colleague", "worker_same_parent", "worker_granted", "worker_other"})
POLICE = frozenset(
    {"officer", "officer_station", "officer_same_parent", "station_head", "officer_other", "station_head_other"}
)
# Who sees the referral's visits (and so its escort requests and alerts): social work that sees the case.
SEES_VISIT = frozenset({"worker", "colleague", "worker_granted", "supervisor", "coordinator", "administrator"})
# An alert is never shown to the workers of its own visit.
SEES_ALERT = SEES_VISIT - {"worker"}
# Who sees the worker's hazard event: the worker, their supervisor, an administrator.
SEES_EVENT = frozenset({"worker", "supervisor", "administrator"})
# The station asked (S1) sees the escort request; the precinct's other station does not.
SEES_ESCORT = SEES_VISIT | {"officer", "officer_station", "station_head"}
RUNS_THE_VISIT = frozenset({"worker", "supervisor", "administrator"})
TAKES_THE_ALERT = frozenset({"colleague", "supervisor", "administrator"})  # team and those alerted, not the visitor


# --- records in the state each action needs ------------------------------------------------------------
def case(world, actor):
    referral = file_referral(world, by=world.integration if actor == "integration" else None)
    referral_services.accept_referral(actor=world.worker, referral=referral, worker=world.worker)
    return referral


def planned(world, actor):
    return services.plan_visit(
        actor=world.worker,
        referral=case(world, actor),
        workers=[world.worker],
        planned_start=timezone.now() + timedelta(hours=1),
        expected_minutes=60,
    )


def started(world, actor):
    return services.start_visit(actor=world.worker, visit=planned(world, actor))


def alarm(world, actor):
    return services.raise_alarm(actor=world.worker, visit=started(world, actor))


def taken_alarm(world, actor):
    alert = alarm(world, actor)
    return services.acknowledge_alert(actor=world.supervisor, alert=alert)


def escort(world, actor):
    visit = planned(world, actor)
    return services.request_escort(actor=world.worker, visit=visit, needed_from=_hours(2), needed_until=_hours(3))


def assessed(world, actor):
    """A planned solo visit whose checklist recommends a second worker (prior violence: 3 points or more)."""
    visit = planned(world, actor)
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True})
    return visit


def fallback(world, actor):
    """The supervisor's task after the station declined the escort of a planned solo visit."""
    request = escort(world, actor)
    services.answer_escort(actor=world.officer, escort=request, accept=False, reason="No patrol free that evening")
    return EscortFallback.objects.get(escort=request)


def event(world, actor):
    return services.report_hazard_event(
        actor=world.worker,
        types=["intimidation"],
        occurred_at=timezone.now() - timedelta(hours=1),
        place="Doorstep",
        narrative="Threatened at the door.",
    )


def flagged(world, actor):
    referral = case(world, actor)
    return services.add_risk_flag(actor=world.worker, household=referral.household, type="weapon")


def follow_up(world, actor):
    return event(world, actor).follow_ups.order_by("pk").first()


def _hours(n):
    return timezone.now() + timedelta(hours=n)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def state(_target):
    """Everything a safety action can change, read from the database."""
    return {
        "visits": list(
            HomeVisit.objects.order_by("pk").values_list("pk", "status", "last_check_in_at", "override_by_id")
        ),
        "alerts": list(
            SafetyAlert.objects.order_by("pk").values_list("pk", "kind", "acknowledged_by_id", "resolution")
        ),
        "escorts": list(EscortRequest.objects.order_by("pk").values_list("pk", "status", "responded_by_id")),
        "flags": list(RiskFlag.objects.order_by("pk").values_list("pk", "type", "source")),
        "flags_ended": RiskFlag.objects.filter(review_on__lt=timezone.localdate()).count(),
        "approvals": Approval.objects.filter(kind="safety.remove_flag").count(),
        "events": list(
            HazardEvent.objects.order_by("pk").values_list(
                "pk", "worker_id", "media_report_count", "review_flag_reason"
            )
        ),
        "follow_ups": list(FollowUpItem.objects.order_by("pk").values_list("pk", "status", "note")),
        "duress_codes": list(DuressCode.objects.order_by("pk").values_list("user_id", "code_hash")),
        "assessments": list(
            VisitRiskAssessment.objects.order_by("pk").values_list(
                "pk", "visit_id", "score", "recommendation", "override_by_id", "assessed_by_id", "answers"
            )
        ),
        "fallbacks": list(
            EscortFallback.objects.order_by("pk").values_list("pk", "status", "added_worker_id", "postponed_to")
        ),
        "visit_workers": sorted(HomeVisit.workers.through.objects.values_list("homevisit_id", "user_id")),
        "visit_starts": list(HomeVisit.objects.order_by("pk").values_list("pk", "planned_start")),
        "route_notes": list(RouteNote.objects.order_by("pk").values_list("pk", "text", "author_id")),
    }


def one_more(key):
    """The action added exactly one row of ``key``."""

    def changed(world, before, after):
        return len(after[key]) == len(before[key]) + 1

    return changed


def visit_page(slug, data=None):
    return lambda w, v: (reverse("safety:visit_act", args=[v.pk, slug]), (data or (lambda w: {}))(w))


def visit_api(slug, data=None):
    return lambda w, v: (f"/api/visits/{v.pk}/{slug}/", (data or (lambda w: {}))(w))


def last_visit(after):
    return after["visits"][-1]


def last(key, after):
    return after[key][-1]


EVENT_FORM = {
    "types": ["intimidation"],
    "place": "Doorstep",
    "injury": "none",
    "media_report_count": "0",
    "narrative": "Threatened at the door.",
}

ACTIONS = [
    # --- hazard events ---------------------------------------------------------------------------------
    Action(
        "report_event",
        allowed=frozenset({"worker", "supervisor", "administrator"}),
        visible=frozenset(ACTORS) - POLICE - {"integration"},  # the report page is social work's
        setup=lambda w, actor: None,
        snapshot=state,
        changed=lambda w, b, a: len(a["events"]) == len(b["events"]) + 1 and last("events", a)[1] == w.worker.pk,
        service=lambda w, u, _: services.report_hazard_event(
            actor=u, worker=w.worker, types=["intimidation"], occurred_at=timezone.now(), place="Office", narrative="n"
        ),
        page=lambda w, _: (
            reverse("safety:event_new"),
            EVENT_FORM | {"worker": w.worker.pk, "occurred_at": _local(timezone.now() - timedelta(hours=1))},
        ),
        # A worker one may not report for is not offered: the id answers like a missing one.
        expect={
            ("page", actor): {400}
            for actor in ("colleague", "worker_same_parent", "worker_granted", "worker_other")
            + ("supervisor_other", "coordinator", "coordinator_other")
        },
    ),
    Action(
        # Through the API the caller reports for themselves.
        "report_event_self",
        allowed=SOCIAL_WORKERS,
        visible=frozenset(ACTORS),
        setup=lambda w, actor: None,
        snapshot=state,
        changed=one_more("events"),
        api=lambda w, _: (
            "/api/hazard-events/",
            {
                "types": ["intimidation"],
                "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
                "place": "Doorstep",
                "narrative": "Threatened at the door.",
            },
        ),
        api_ok=frozenset({201}),
        # Supervisors and administrators are not in a team: a rule (400), not a refusal.
        expect={("api", actor): {400} for actor in ("supervisor", "supervisor_other", "administrator")},
    ),
    Action(
        "update_event",
        allowed=frozenset({"worker", "supervisor", "administrator"}),
        visible=SEES_EVENT,
        setup=event,
        snapshot=state,
        changed=lambda w, b, a: last("events", a)[2] == 1,
        service=lambda w, u, e: services.update_hazard_event(actor=u, event=e, media_report_count=1),
    ),
    Action(
        "flag_for_review",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES_EVENT,
        setup=event,
        snapshot=state,
        changed=lambda w, b, a: last("events", a)[3] == "Escort refused twice",
        service=lambda w, u, e: services.flag_for_review(actor=u, event=e, reason="Escort refused twice"),
        page=lambda w, e: (reverse("safety:event_review", args=[e.pk]), {"reason": "Escort refused twice"}),
    ),
    Action(
        "update_follow_up",
        allowed=frozenset({"worker", "supervisor", "administrator"}),
        visible=SEES_EVENT,
        setup=follow_up,
        snapshot=state,
        changed=lambda w, b, a: any(row[1:] == ("done", "Counselling arranged") for row in a["follow_ups"]),
        service=lambda w, u, i: services.update_follow_up(actor=u, item=i, status="done", note="Counselling arranged"),
        page=lambda w, i: (
            reverse("safety:follow_up", args=[i.pk]),
            {
                f"f{i.pk}-owner": "",
                f"f{i.pk}-due_on": i.due_on.isoformat(),
                f"f{i.pk}-status": "done",
                f"f{i.pk}-note": "Counselling arranged",
            },
        ),
    ),
    # --- risk flags ------------------------------------------------------------------------------------
    Action(
        "remove_flag",
        allowed=SEES_VISIT - {"coordinator"},
        visible=SEES_VISIT,
        setup=flagged,
        snapshot=state,
        # A social worker's removal waits for a supervisor's approval (a pending request is the change).
        changed=lambda w, b, a: a["flags_ended"] == b["flags_ended"] + 1 or a["approvals"] == b["approvals"] + 1,
        service=lambda w, u, flag: services.remove_risk_flag(actor=u, flag=flag, reason="The family moved away."),
        page=lambda w, flag: (
            reverse("safety:flag_remove", args=[flag.pk]),
            {"reason": "The family moved away.", "next": "/"},
        ),
    ),
    Action(
        "add_flag",
        allowed=SEES_VISIT,  # social work that sees the referral
        visible=SEES_VISIT,
        setup=case,
        snapshot=state,
        changed=lambda w, b, a: len(a["flags"]) == len(b["flags"]) + 1 and last("flags", a)[2] == "observation",
        service=lambda w, u, r: services.add_risk_flag(actor=u, household=r.household, type="weapon"),
        page=lambda w, r: (
            reverse("safety:flag_referral", args=[r.pk]),
            {"target": "household", "type": "weapon", "source": "observation", "note": "", "review_on": ""},
        ),
        api=lambda w, r: ("/api/risk-flags/", {"household": r.household_id, "type": "weapon"}),
        api_ok=frozenset({201}),
        expect={
            # Police and the dispatch account are refused before any input is read.
            **{("api", actor): {403} for actor in POLICE | {"integration"}},
            # Social work outside the case: the household id answers like a missing one.
            **{
                ("api", actor): {400}
                for actor in ("worker_same_parent", "worker_other", "supervisor_other", "coordinator_other")
            },
        },
    ),
    # --- home visits -----------------------------------------------------------------------------------
    Action(
        "plan_visit",
        allowed=frozenset({"worker", "colleague", "worker_granted", "supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=case,
        snapshot=state,
        changed=one_more("visits"),
        service=lambda w, u, r: services.plan_visit(
            actor=u, referral=r, workers=[w.worker], planned_start=_hours(1), expected_minutes=60
        ),
        page=lambda w, r: (
            reverse("safety:visit_plan", args=[r.pk]),
            {"workers": [w.worker.pk], "planned_start": _local(_hours(1)), "expected_minutes": 60, "address": ""},
        ),
    ),
    Action(
        "start_visit",
        allowed=RUNS_THE_VISIT,
        visible=SEES_VISIT,
        setup=planned,
        snapshot=state,
        changed=lambda w, b, a: last_visit(a)[1] == "started",
        service=lambda w, u, v: services.start_visit(actor=u, visit=v),
        page=visit_page("start"),
        api=visit_api("start"),
    ),
    Action(
        "check_in",
        allowed=RUNS_THE_VISIT,
        visible=SEES_VISIT,
        setup=started,
        snapshot=state,
        changed=lambda w, b, a: last_visit(a)[2] is not None,
        service=lambda w, u, v: services.check_in(actor=u, visit=v, extend_minutes=30),
        page=visit_page("check-in", lambda w: {"extend_minutes": 30}),
        api=visit_api("check-in", lambda w: {"extend_minutes": 30}),
    ),
    Action(
        "check_out",
        allowed=RUNS_THE_VISIT,
        visible=SEES_VISIT,
        setup=started,
        snapshot=state,
        changed=lambda w, b, a: last_visit(a)[1] == "checked_out",
        service=lambda w, u, v: services.check_out(actor=u, visit=v),
        page=visit_page("check-out", lambda w: {"code": ""}),
        api=visit_api("check-out"),
    ),
    Action(
        "raise_alarm",
        allowed=RUNS_THE_VISIT,
        visible=SEES_VISIT,
        setup=started,
        snapshot=state,
        changed=lambda w, b, a: len(a["alerts"]) == len(b["alerts"]) + 1 and last("alerts", a)[1] == "alarm",
        service=lambda w, u, v: services.raise_alarm(actor=u, visit=v),
        page=visit_page("alarm"),
        api=visit_api("alarm"),
    ),
    Action(
        "override_solo_visit",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=planned,
        snapshot=state,
        changed=lambda w, b, a: last_visit(a)[3] is not None,
        service=lambda w, u, v: services.override_solo_visit(
            actor=u, visit=v, reason="Partner moved out; checked by phone"
        ),
        page=visit_page("override", lambda w: {"reason": "Partner moved out; checked by phone"}),
    ),
    Action(
        "request_escort",
        allowed=RUNS_THE_VISIT,
        visible=SEES_VISIT,
        setup=planned,
        snapshot=state,
        changed=one_more("escorts"),
        service=lambda w, u, v: services.request_escort(
            actor=u, visit=v, needed_from=_hours(2), needed_until=_hours(3)
        ),
        page=visit_page(
            "escort",
            lambda w: {"needed_from": _local(_hours(2)), "needed_until": _local(_hours(3)), "station": "", "note": ""},
        ),
    ),
    # --- before the visit: risk checklist, its override, route notes ------------------------------------
    Action(
        "assess_visit",
        allowed=frozenset({"worker", "colleague", "worker_granted", "supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=planned,
        snapshot=state,
        changed=one_more("assessments"),
        service=lambda w, u, v: assessment.assess_visit(actor=u, visit=v, answers={"dogs": True}),
        page=lambda w, v: (reverse("safety:visit_assessment", args=[v.pk]), {"dogs": "on"}),
    ),
    Action(
        "override_assessment",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=assessed,
        snapshot=state,
        changed=lambda w, b, a: last("assessments", a)[4] is not None,
        service=lambda w, u, v: assessment.override_assessment(
            actor=u, visit=v, reason="Partner away; checked by phone"
        ),
        page=lambda w, v: (
            reverse("safety:visit_assessment_override", args=[v.pk]),
            {"reason": "Partner away; checked by phone"},
        ),
    ),
    Action(
        "add_route_note",
        allowed=frozenset({"worker", "colleague", "worker_granted", "supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=planned,
        snapshot=state,
        changed=one_more("route_notes"),
        service=lambda w, u, v: route_notes.add_route_note(
            actor=u, visit=v, text="Dog in the yard; use the back entrance"
        ),
        page=lambda w, v: (
            reverse("safety:route_note_add", args=[v.pk]),
            {"text": "Dog in the yard; use the back entrance"},
        ),
    ),
    # --- no police escort: the supervisor sends a second worker or postpones -----------------------------
    Action(
        "assign_second_worker",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=fallback,
        snapshot=state,
        changed=lambda w, b, a: (
            last("fallbacks", a)[1:3] == ("second_worker", w.colleague.pk)
            and len(a["visit_workers"]) == len(b["visit_workers"]) + 1
        ),
        service=lambda w, u, fb: escort_fallback.assign_second_worker(actor=u, fallback=fb, worker=w.colleague),
        page=lambda w, fb: (
            reverse("safety:fallback_assign", args=[fb.pk]),
            {f"fb{fb.pk}-worker": w.colleague.pk, f"fb{fb.pk}-note": ""},
        ),
    ),
    Action(
        "postpone_visit",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES_VISIT,
        setup=fallback,
        snapshot=state,
        changed=lambda w, b, a: last("fallbacks", a)[1] == "postponed" and a["visit_starts"] != b["visit_starts"],
        service=lambda w, u, fb: escort_fallback.postpone_visit(actor=u, fallback=fb, planned_start=_hours(30)),
        page=lambda w, fb: (
            reverse("safety:fallback_postpone", args=[fb.pk]),
            {f"fb{fb.pk}-planned_start": _local(_hours(30)), f"fb{fb.pk}-note": ""},
        ),
    ),
    # --- escorts ---------------------------------------------------------------------------------------
    Action(
        "answer_escort",
        allowed=frozenset({"officer", "officer_station", "station_head", "administrator"}),
        visible=SEES_ESCORT,
        setup=escort,
        snapshot=state,
        changed=lambda w, b, a: last("escorts", a)[1] == "accepted",
        service=lambda w, u, e: services.answer_escort(actor=u, escort=e, accept=True),
        page=lambda w, e: (reverse("safety:escort_answer", args=[e.pk]), {"accept": "1", "reason": ""}),
        api=lambda w, e: (f"/api/escort-requests/{e.pk}/answer/", {"accept": True}),
    ),
    # --- alerts ----------------------------------------------------------------------------------------
    Action(
        "acknowledge_alert",
        allowed=TAKES_THE_ALERT,
        visible=SEES_ALERT,
        setup=alarm,
        snapshot=state,
        changed=lambda w, b, a: last("alerts", a)[2] is not None,
        service=lambda w, u, al: services.acknowledge_alert(actor=u, alert=al),
        page=lambda w, al: (reverse("safety:alert_act", args=[al.pk, "acknowledge"]), {}),
        api=lambda w, al: (f"/api/safety-alerts/{al.pk}/acknowledge/", {}),
    ),
    Action(
        "resolve_alert",
        allowed=TAKES_THE_ALERT,
        visible=SEES_ALERT,
        setup=taken_alarm,
        snapshot=state,
        changed=lambda w, b, a: last("alerts", a)[3] == "false_alarm",
        service=lambda w, u, al: services.resolve_alert(actor=u, alert=al, resolution="false_alarm"),
        page=lambda w, al: (
            reverse("safety:alert_act", args=[al.pk, "resolve"]),
            {"resolution": "false_alarm", "note": ""},
        ),
        api=lambda w, al: (f"/api/safety-alerts/{al.pk}/resolve/", {"resolution": "false_alarm"}),
    ),
    # --- the worker's own duress code --------------------------------------------------------------------
    Action(
        "set_duress_code",
        allowed=SOCIAL_WORKERS,
        visible=SOCIAL_WORKERS | {"administrator"},  # the page is for social workers (and administrators)
        setup=lambda w, actor: None,
        snapshot=state,
        changed=one_more("duress_codes"),
        service=lambda w, u, _: services.set_duress_code(user=u, code="4321"),
        page=lambda w, _: (reverse("safety:duress_code"), {"code": "4321"}),
    ),
]

CASES = [(a, c) for a in ACTIONS for c in a.channels()]


world = two_districts  # the two-district world (tests/world.py)


@pytest.mark.parametrize("action,channel", CASES, ids=[f"{a.name}-{c}" for a, c in CASES])
def test_action_matrix(world, action, channel):
    failures = action_matrix.run(action, world, channel)
    assert not failures, "\n".join(failures)


def test_every_safety_action_is_in_the_matrix():
    from safety.policy import RULES

    assert set(RULES) <= {a.name for a in ACTIONS}


def test_matrix_size_is_reported(capsys):
    cases = action_matrix.size(ACTIONS)
    with capsys.disabled():
        print(
            f"\nsafety action matrix: {len(ACTIONS)} actions × {len(action_matrix.ACTORS)} actors × "
            f"their channels = {cases} attempts"
        )
    assert cases >= 500
