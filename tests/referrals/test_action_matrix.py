"""Every referral action × every actor of the two-district world × service, page and API.

Who may act is written out here from the rules the users were given (DESIGN.md, the lifecycle),
not read from referrals/policy.py: the point is to catch the policy and the services disagreeing
with them.
"""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Approval
from referrals import services
from referrals.models import Referral, ReferralEscalation, ReferralUserObjectPermission, StationTeamMatch
from tests import action_matrix
from tests.action_matrix import Action
from tests.world import file_referral, two_districts

pytestmark = pytest.mark.django_db

# Who can see a referral filed by `officer` at S1 and routed to T1 (the dispatch account sees the
# ones it filed itself: for its own attempts the referral is filed by it).
SEES = frozenset(
    {
        "officer",
        "officer_station",
        "station_head",
        "worker",
        "colleague",
        "worker_granted",
        "supervisor",
        "coordinator",
        "integration",
        "administrator",
    }
)
SEES_IN_INTAKE = SEES - {"worker", "colleague", "supervisor"}  # no team yet: the team side does not see it
RECEIVING_TEAM = frozenset({"worker", "colleague", "supervisor", "administrator"})


# --- records in the state each action needs ------------------------------------------------------
def submitted(world, actor):
    return file_referral(world, by=world.integration if actor == "integration" else None)


def accepted(world, actor):
    referral = submitted(world, actor)
    services.accept_referral(actor=world.worker, referral=referral, worker=world.worker)
    return referral


def declined(world, actor):
    referral = submitted(world, actor)
    services.decline_referral(actor=world.supervisor, referral=referral, reason="not_in_remit")
    return referral


def returned(world, actor):
    referral = submitted(world, actor)
    services.return_to_referrer(actor=world.worker, referral=referral, needed="Which school does the child attend?")
    return referral


def in_intake(world, actor):
    referral = submitted(world, actor)
    Referral.objects.filter(pk=referral.pk).update(team=None)  # as if filed in a centralised district
    referral.team = None
    return referral


def escalated(world, actor):
    referral = submitted(world, actor)
    return ReferralEscalation.objects.create(referral=referral, cycle=1, level=1, due_at=referral.ack_due_at)


def state(target):
    referral = Referral.objects.get(pk=getattr(target, "referral_id", None) or target.pk)
    acknowledged = ReferralEscalation.objects.filter(referral=referral, acknowledged_at__isnull=False).count()
    return {
        "status": referral.status,
        "team": referral.team_id,
        "worker": referral.assigned_worker_id,
        "level": (referral.level, referral.level_confirmed),
        "updated_at": referral.updated_at,
        "events": referral.events.count(),
        "notes": referral.notes.count(),
        "grants": ReferralUserObjectPermission.objects.filter(content_object=referral).count(),
        "escalations_taken": acknowledged,
        "feedback": list(referral.feedback.values_list("appropriate", "gaps")),
        "approvals": Approval.objects.filter(kind__startswith="referral.", object_id=referral.pk).count(),
    }


def page(action, data=None):
    return lambda w, r: (reverse("referrals:act", args=[r.pk, action]), (data or (lambda w: {}))(w))


def api(path, data=None):
    return lambda w, r: (f"/api/referrals/{r.pk}/{path}/", (data or (lambda w: {}))(w))


def status_is(status):
    return lambda w, before, after: after["status"] == status


def local_minute():
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


ACTIONS = [
    Action(
        "acknowledge",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=status_is("acknowledged"),
        service=lambda w, u, r: services.acknowledge_referral(actor=u, referral=r),
        page=page("acknowledge"),
        api=api("acknowledge"),
    ),
    Action(
        "accept",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=lambda w, b, a: a["status"] == "accepted" and a["worker"] == w.worker.pk,
        service=lambda w, u, r: services.accept_referral(actor=u, referral=r, worker=w.worker),
        page=page("accept", lambda w: {"worker": w.worker.pk}),
        api=api("accept", lambda w: {"worker": w.worker.pk}),
    ),
    Action(
        "decline",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=submitted,
        snapshot=state,
        # A social worker's decline waits for a supervisor's approval (a pending request is the change).
        changed=lambda w, b, a: a["status"] == "declined" or a["approvals"] == b["approvals"] + 1,
        service=lambda w, u, r: services.decline_referral(actor=u, referral=r, reason="not_in_remit"),
        page=page("decline", lambda w: {"reason": "not_in_remit", "note": ""}),
        api=api("decline", lambda w: {"reason": "not_in_remit"}),
        api_ok=frozenset({200, 202}),  # 202: waiting for a supervisor's approval
    ),
    Action(
        "confirm_level",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=lambda w, b, a: a["level"] == (1, True),
        service=lambda w, u, r: services.confirm_level(actor=u, referral=r, level=1),
        page=page("confirm_level", lambda w: {"level": 1}),
    ),
    Action(
        "transfer",
        allowed=RECEIVING_TEAM | {"coordinator"},
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=lambda w, b, a: a["team"] == w.a.t2.pk,
        service=lambda w, u, r: services.transfer_referral(
            actor=u, referral=r, team=w.a.t2, note="Better placed with T2"
        ),
        page=page("transfer", lambda w: {"team": w.a.t2.pk, "note": "Better placed with T2"}),
        api=api("transfer", lambda w: {"team": w.a.t2.pk, "note": "Better placed with T2"}),
    ),
    Action(
        "first_contact",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=status_is("in_progress"),
        service=lambda w, u, r: services.record_first_contact(actor=u, referral=r),
        page=page("first_contact", lambda w: {"at": local_minute(), "note": ""}),
        api=api("first-contact"),
    ),
    Action(
        "close",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=status_is("closed"),
        service=lambda w, u, r: services.close_referral(
            actor=u, referral=r, outcome="got_help", summary="Family agreed a plan."
        ),
        page=page("close", lambda w: {"outcome": "got_help", "summary": "Family agreed a plan.", "referred_to": ""}),
        api=api("close", lambda w: {"outcome": "got_help", "summary": "Family agreed a plan."}),
    ),
    Action(
        "reassign",
        allowed=frozenset({"supervisor", "administrator"}),
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=lambda w, b, a: a["worker"] == w.colleague.pk,
        service=lambda w, u, r: services.reassign_referral(actor=u, referral=r, worker=w.colleague),
        page=page("reassign", lambda w: {"worker": w.colleague.pk, "note": ""}),
    ),
    Action(
        "share",
        allowed=frozenset({"worker", "supervisor", "administrator"}),
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=lambda w, b, a: a["grants"] == b["grants"] + 1,
        service=lambda w, u, r: services.share_with_worker(actor=u, referral=r, worker=w.worker_same_parent),
        page=page("share", lambda w: {"worker": w.worker_same_parent.pk}),
    ),
    Action(
        "note",
        allowed=SEES - {"integration"},
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=lambda w, b, a: a["notes"] == b["notes"] + 1,
        service=lambda w, u, r: services.add_note(actor=u, referral=r, text="Called the family."),
        page=page("note", lambda w: {"text": "Called the family.", "visibility": "internal"}),
        api=api("notes", lambda w: {"text": "Called the family.", "visibility": "internal"}),
        api_ok=frozenset({201}),
    ),
    Action(
        "return",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=status_is("returned"),
        service=lambda w, u, r: services.return_to_referrer(actor=u, referral=r, needed="Which school?"),
        page=page("return", lambda w: {"needed": "Which school?"}),
        api=api("return", lambda w: {"needed": "Which school?"}),
    ),
    Action(
        "resubmit",
        allowed=frozenset({"officer", "officer_station", "integration", "administrator"}),
        visible=SEES,
        setup=returned,
        snapshot=state,
        changed=status_is("submitted"),
        service=lambda w, u, r: services.resubmit_referral(actor=u, referral=r, added="Zhongshan Primary School."),
        page=page("resubmit", lambda w: {"added": "Zhongshan Primary School."}),
        api=api("resubmit", lambda w: {"added": "Zhongshan Primary School."}),
    ),
    Action(
        "re_refer",
        allowed=RECEIVING_TEAM | {"coordinator"},
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=status_is("re_referred"),
        service=lambda w, u, r: services.re_refer(
            actor=u, referral=r, agency="City Mental Health Centre", reason="Needs psychiatric care"
        ),
        page=page("re_refer", lambda w: {"agency": "City Mental Health Centre", "reason": "Needs psychiatric care"}),
        api=api("re-refer", lambda w: {"agency": "City Mental Health Centre", "reason": "Needs psychiatric care"}),
    ),
    Action(
        "fail",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=status_is("failed"),
        service=lambda w, u, r: services.record_failure(actor=u, referral=r, reason="unreachable"),
        page=page("fail", lambda w: {"reason": "unreachable", "note": ""}),
        api=api("fail", lambda w: {"reason": "unreachable"}),
    ),
    Action(
        "feedback",
        allowed=RECEIVING_TEAM,
        visible=SEES,
        setup=accepted,
        snapshot=state,
        changed=lambda w, b, a: a["feedback"] == [(False, ["contact"])],
        service=lambda w, u, r: services.give_feedback(actor=u, referral=r, appropriate=False, gaps=["contact"]),
        page=page("feedback", lambda w: {"appropriate": "no", "gaps": ["contact"]}),
        api=api("feedback", lambda w: {"appropriate": False, "gaps": ["contact"]}),
    ),
    Action(
        "dispatch",
        allowed=frozenset({"coordinator", "administrator"}),
        visible=SEES_IN_INTAKE,
        setup=in_intake,
        snapshot=state,
        changed=lambda w, b, a: a["team"] == w.a.t1.pk,
        service=lambda w, u, r: services.dispatch_referral(actor=u, referral=r, team=w.a.t1),
        page=page("dispatch", lambda w: {"team": w.a.t1.pk, "note": ""}),
    ),
    Action(
        "redirect",
        allowed=frozenset({"coordinator", "supervisor", "administrator"}),
        visible=SEES,
        setup=declined,
        snapshot=state,
        changed=lambda w, b, a: (a["team"], a["status"]) == (w.a.t2.pk, "submitted"),
        service=lambda w, u, r: services.redirect_referral(actor=u, referral=r, team=w.a.t2, note="Try the other team"),
        page=page("redirect", lambda w: {"team": w.a.t2.pk, "note": "Try the other team"}),
    ),
    Action(
        "cancel",
        allowed=frozenset({"officer", "officer_station", "administrator"}),
        visible=SEES,
        setup=submitted,
        snapshot=state,
        changed=status_is("cancelled"),
        service=lambda w, u, r: services.cancel_referral(actor=u, referral=r, reason="Family moved away"),
        page=page("cancel", lambda w: {"reason": "Family moved away"}),
        api=api("cancel", lambda w: {"reason": "Family moved away"}),
    ),
    Action(
        "acknowledge_escalation",
        allowed=frozenset({"supervisor", "coordinator", "administrator"}),
        # The escalations page is for supervisors and coordinators of social work: no one else reaches it.
        visible=frozenset({"supervisor", "coordinator", "administrator"}),
        setup=escalated,
        snapshot=state,
        changed=lambda w, b, a: a["escalations_taken"] == 1,
        service=lambda w, u, e: services.acknowledge_escalation(actor=u, escalation=e),
        page=lambda w, e: (reverse("referrals:acknowledge_escalation", args=[e.pk]), {}),
    ),
    Action(
        "bulk_assign",
        allowed=RECEIVING_TEAM,
        visible=RECEIVING_TEAM,  # the page serves the caller's own teams only
        setup=submitted,
        snapshot=state,
        changed=lambda w, b, a: a["worker"] == w.worker.pk,
        service=lambda w, u, r: _bulk(u, r, w.worker),
        page=lambda w, r: (
            reverse("referrals:bulk_assign"),
            {"team": w.a.t1.pk, "referrals": [r.pk], "worker": w.worker.pk},
        ),
    ),
]


def _bulk(user, referral, worker):
    done, refused = services.bulk_accept(actor=user, referrals=[referral], worker=worker)
    if refused:
        raise refused[0][1]


# --- actions on the organisation, not on a referral --------------------------------------------------
def referral_count(_target):
    return {"referrals": Referral.objects.count(), "matches": StationTeamMatch.objects.count()}


FILERS = frozenset(
    {"officer", "officer_station", "officer_same_parent", "officer_other", "integration", "administrator"}
)
FILING = {
    "category": "dispute",
    "level": 3,
    "narrative": "Noise dispute between neighbours; both agree to mediation.",
    "persons": [{"role": "subject", "name": "Chang Yu", "phone": "0922333444"}],
}

ORGANISATION_ACTIONS = [
    Action(
        "file",
        allowed=FILERS,
        visible=frozenset(action_matrix.ACTORS),  # anyone signed in reaches the endpoint; the policy decides
        setup=lambda w, actor: None,
        snapshot=referral_count,
        changed=lambda w, b, a: a["referrals"] == b["referrals"] + 1,
        service=lambda w, u, _: services.submit_referral(
            actor=u,
            persons=[({"name": "Chang Yu"}, "subject")],
            station=w.a.s1 if not u.is_officer else None,
            category="dispute",
            level=3,
            narrative="Noise dispute",
            incident_at=timezone.now(),
        ),
        api=lambda w, _: (
            "/api/referrals/",
            FILING | {"incident_at": timezone.now().isoformat(), "station": w.a.s1.pk},
        ),
        api_ok=frozenset({201}),
    ),
    Action(
        "rematch",
        allowed=frozenset({"administrator"}),
        visible=frozenset({"administrator"}),
        setup=lambda w, actor: None,
        snapshot=referral_count,
        changed=lambda w, b, a: StationTeamMatch.objects.filter(station=w.a.s2, team=w.a.t1).exists(),
        service=lambda w, u, _: services.rematch_station(
            actor=u, station=w.a.s2, team=w.a.t1, starts_on=date.today(), note="Districts redrawn"
        ),
        page=lambda w, _: (
            reverse("referrals:matching"),
            {"station": w.a.s2.pk, "team": w.a.t1.pk, "starts_on": date.today().isoformat(), "note": "Redrawn"},
        ),
        page_ok=frozenset({200}),
    ),
]

CASES = [(a, c) for a in ACTIONS + ORGANISATION_ACTIONS for c in a.channels()]


world = two_districts  # the two-district world (tests/world.py)


@pytest.mark.parametrize("action,channel", CASES, ids=[f"{a.name}-{c}" for a, c in CASES])
def test_action_matrix(world, action, channel):
    failures = action_matrix.run(action, world, channel)
    assert not failures, "\n".join(failures)


def test_matrix_size_is_reported(capsys):
    cases = action_matrix.size(ACTIONS + ORGANISATION_ACTIONS)
    with capsys.disabled():
        print(
            f"\nreferral action matrix: {len(ACTIONS + ORGANISATION_ACTIONS)} actions × "
            f"{len(action_matrix.ACTORS)} actors × their channels = {cases} attempts"
        )
    assert cases >= 300
