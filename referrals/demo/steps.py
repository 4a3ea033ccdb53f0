"""Each planned case's steps on the demo timeline, as the services would have carried them out."""

import inspect
from datetime import timedelta

from accounts.models import Approval
from accounts.services import decide_approval
from referrals import services
from referrals.demo.plan import _worker_of
from referrals.demo.texts import (
    ATTEMPT_NOTES,
    CANCEL_REASONS,
    CATEGORY_NAMES,
    DECLINE_NOTES,
    DISPATCH_NOTES,
    FAILURE_NOTES,
    INTERNAL_NOTES,
    NOT_REACHED,
    OFFICER_NOTES,
    OUTCOME_SUMMARIES,
    RE_REFERRALS,
    REDIRECT_NOTE,
    REPEAT_PREFIX,
    RESOURCES,
    RESUBMIT_NOTES,
    RETURN_NOTES,
    SHARED_NOTES,
    TRANSFER_NOTES,
    D,
    H,
    M,
)
from referrals.models import (
    DeclineReason,
    Household,
    Outcome,
    ReferralEscalation,
    ReferralPerson,
)


def _file(case, world):
    persons = []
    household = None
    origin, origin_reference = case.origin
    if case.prefill is not None:  # opened from another record, as the referral form would be
        filled = case.prefill()
        persons, household = list(filled.persons), filled.household
        origin_reference = filled.origin_reference
    elif case.earlier is not None:  # the same family again: its people as recorded the first time
        links = ReferralPerson.objects.filter(referral=case.earlier.referral).select_related("person")
        persons = [(link.person, link.role) for link in links]
        household = case.earlier.referral.household
    else:
        persons = [(dict(spec), role) for spec, role in case.persons]
    linked = case.earlier.referral if case.earlier and case.earlier.referral else None
    if linked is not None and case.filed - linked.filed_at > 30 * D:
        linked = None
    narrative = case.narrative
    if case.earlier is not None:
        days = (case.filed - case.earlier.referral.filed_at).days
        narrative = (
            REPEAT_PREFIX.format(
                days=days,
                before=CATEGORY_NAMES[case.earlier.category],
                reference=case.earlier.referral.reference,
            )
            + narrative
        )
    referral = services.submit_referral(
        actor=case.officer,
        persons=persons,
        category=case.category,
        level=case.level,
        narrative=narrative,
        incident_at=case.filed - timedelta(minutes=20 + case.n % 90),
        incident_place=case.place or (persons[0][0].address if household else persons[0][0]["address"]),
        call_number=f"110{case.filed:%m%d}{case.n:04d}" if origin == "incident" else "",
        consent=case.consent[0],
        consent_note=case.consent[1],
        known_risks=list(case.risks[0]),
        risk_note=case.risks[1],
        household=household,
        linked_to=linked,
        origin=origin,
        origin_reference=origin_reference,
    )
    if household is None and referral.household_id:
        Household.objects.filter(pk=referral.household_id, label="").update(label=f"{case.names['subject']}家")
    case.referral = referral


def _supervisor(world, team):
    return world["people"]["supervisor1" if team.code.startswith("team-n") else "supervisor2"]


def _take_escalations(case, world):
    """Whoever is responsible takes the escalations fired so far: the team's supervisor, else the coordinator."""
    for escalation in ReferralEscalation.objects.filter(referral=case.referral, acknowledged_at__isnull=True):
        south = case.district == "south" and (case.referral.team_id is None or escalation.level > 1)
        actor = world["people"]["coordinator1"] if south else _supervisor(world, case.first_team)
        services.acknowledge_escalation(actor=actor, escalation=escalation)


def _accept(case, world, by_supervisor):
    if by_supervisor:
        services.accept_referral(actor=_supervisor(world, case.team), referral=case.referral, worker=case.worker)
    else:
        services.accept_referral(actor=case.worker, referral=case.referral)


def _decline(case, actor, world):
    note = DECLINE_NOTES[case.decline_reason]
    if case.decline_reason == DeclineReason.DUPLICATE:
        note = f"{note}（原案 {case.earlier.referral.reference}）"
    _approved(
        services.decline_referral(actor=actor, referral=case.referral, reason=case.decline_reason, note=note),
        case,
        world,
    )


def _close(case, summary, resource, world):
    _approved(
        services.close_referral(
            actor=case.worker, referral=case.referral, outcome=case.outcome, summary=summary, referred_to=resource
        ),
        case,
        world,
    )


def _approved(result, case, world):
    """A worker's decline or no-contact closing waits for the supervisor, who approves it the same hour."""
    if isinstance(result, Approval):
        decide_approval(actor=_supervisor(world, case.referral.team), approval=result, approve=True)


def _do(func, actor, case, *args):
    """``func(actor=actor, referral=<the case's referral>, …)``, further arguments in signature order:
    the referral exists only once the case is filed."""
    names = [n for n in inspect.signature(func).parameters if n not in ("actor", "referral")]
    return func(actor=actor, referral=case.referral, **dict(zip(names, args, strict=False)))


class _Steps:
    """The timeline, for referral steps: a step on a referral awaiting acknowledgement (``awaiting``)
    needs the escalations due before it to have fired; other steps need no timer."""

    def __init__(self, timeline):
        self.timeline = timeline

    def at(self, when, func, *args, awaiting=False):
        return self.timeline.at(when, func, *args, sweeps=("referral_escalations",) if awaiting else ())


def schedule_case(world, case, r):
    """Put every step of ``case`` on the timeline; a featured case stops at its step."""
    tl, t, people = _Steps(world["timeline"]), case.times, world["people"]
    coordinator = people["coordinator1"]
    tl.at(t["file"], _file, case, world)
    if case.stop == "file":
        return
    first_worker = _worker_of(world, case.first_team, r) if case.fate in ("redirected", "transferred") else case.worker
    if "dispatch" in t:
        tl.at(
            t["dispatch"],
            _do,
            services.dispatch_referral,
            coordinator,
            case,
            case.first_team,
            r.choice(DISPATCH_NOTES),
            awaiting=True,
        )
    if case.stop == "dispatch":
        return
    if case.fate == "cancelled":
        if "ack" in t:
            tl.at(t["ack"], _do, services.acknowledge_referral, first_worker, case, awaiting=True)
        tl.at(t["cancel"], _do, services.cancel_referral, case.officer, case, r.choice(CANCEL_REASONS), awaiting=True)
        return
    if case.late:
        tl.at(t["ack"] - r.uniform(3, 15) * M, _take_escalations, case, world, awaiting=True)
    tl.at(t["ack"], _do, services.acknowledge_referral, first_worker, case, awaiting=True)
    if r.random() < 0.25:
        new_level = case.level if r.random() < 0.7 else min(3, case.level + 1)
        tl.at(t["ack"] + 2 * M, _do, services.confirm_level, first_worker, case, new_level)
    if case.stop == "ack":
        return
    if case.fate in ("declined", "redirected"):
        tl.at(t["decline"], _decline, case, first_worker, world)
        if case.fate == "declined":
            return
        redirector = coordinator if case.district == "south" else _supervisor(world, case.first_team)
        tl.at(t["redirect"], _do, services.redirect_referral, redirector, case, case.team, REDIRECT_NOTE)
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    if case.fate == "returned":
        tl.at(t["return"], _do, services.return_to_referrer, case.worker, case, r.choice(RETURN_NOTES))
        if case.stop == "return":
            return
        tl.at(t["resubmit"], _do, services.resubmit_referral, case.officer, case, r.choice(RESUBMIT_NOTES))
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    if case.fate == "transferred":
        by = coordinator if case.district == "south" else first_worker
        note = r.choice(TRANSFER_NOTES[case.district])
        tl.at(t["transfer"], _do, services.transfer_referral, by, case, case.team, note)
        tl.at(t["ack2"], _do, services.acknowledge_referral, case.worker, case, awaiting=True)
    tl.at(t["accept"], _accept, case, world, r.random() < 0.3)
    if r.random() < 0.15:
        tl.at(t["accept"] + r.uniform(1, 30) * H, _do, services.add_note, case.officer, case, r.choice(OFFICER_NOTES))
    if case.stop == "accept":
        return
    if case.fate == "re_referred":
        tl.at(t["re_refer"], _do, services.re_refer, case.worker, case, *r.choice(RE_REFERRALS))
        return
    if case.fate == "failed":
        reason = r.choice(list(FAILURE_NOTES))
        tl.at(t["fail"], _do, services.record_failure, case.worker, case, reason, FAILURE_NOTES[reason])
        return
    reached = case.outcome not in NOT_REACHED
    if reached:
        tl.at(t["contact"], _do, services.record_first_contact, case.worker, case)
        if r.random() < 0.5:
            tl.at(t["contact"] + 5 * M, _do, services.add_note, case.worker, case, r.choice(SHARED_NOTES), "shared")
    span = t["close"] - t["contact"]
    texts = INTERNAL_NOTES if reached else ATTEMPT_NOTES
    for k in range(r.randint(1, 2)):
        tl.at(t["contact"] + span * (k + 1) / 3 + 10 * M, _do, services.add_note, case.worker, case, r.choice(texts))
    resource = r.choice(RESOURCES) if case.outcome == Outcome.REFERRED_ON else ""
    summary = r.choice(OUTCOME_SUMMARIES[case.outcome]).format(resource=resource)
    tl.at(t["close"], _close, case, summary, resource, world)
