"""The safety part of the demo city: visits with their timers, escorts, alerts, hazard events and flags."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count

from accounts import demo
from safety import services
from safety.demo.texts import (
    ESCORT_DECLINES,
    EVENTS,
    EXTRA_FLAGS,
    FLAGS,
    LATE_FLAG_OVERRIDE,
    OVERRIDE_REASON,
    VISIT_SWEEPS,
    WORKERS,
    D,
    H,
    M,
)
from safety.models import (
    DuressCode,
    EscortRequest,
    FollowUpItem,
    FollowUpKind,
    HazardEvent,
    HomeVisit,
    RiskFlag,
    RiskSource,
    SafetyAlert,
    SafetyContact,
)


def _add_flag(case, actor, kind, source, note, review_on):
    if source == RiskSource.POLICE:  # recorded by the system from the filing, not by a user
        services.record_police_flag(referral=case.referral, type=kind, note=note, review_on=review_on)
        return
    household = case.referral.household
    services.add_risk_flag(actor=actor, household=household, type=kind, source=source, note=note, review_on=review_on)


class VisitPlan:
    """One home visit of a case, the decisions drawn in advance and the visit once planned."""

    def __init__(self, case, workers, planned_start, minutes, *, escort_answer=(True, ""), solo=False):
        self.case, self.workers, self.planned_start, self.minutes = case, workers, planned_start, minutes
        self.escort_answer, self.solo = escort_answer, solo
        self.alarm = False
        self.visit = None


def _plan(plan, world):
    """Plan the visit; a flagged household gets a second worker, else a police escort, else an override."""
    case = plan.case
    workers = list(plan.workers)
    flagged = services.active_flags_for(households=[case.referral.household_id])
    colleagues = [w for w in _team_workers(world, case.team) if w not in workers]
    if flagged and colleagues and not plan.solo:
        workers.append(colleagues[0])
    plan.visit = services.plan_visit(
        actor=workers[0],
        referral=case.referral,
        workers=workers,
        planned_start=plan.planned_start,
        expected_minutes=plan.minutes,
        escort_needed=bool(flagged) and len(workers) == 1,
    )
    if not services.solo_visit_blocked(visit=plan.visit):
        return
    if plan.solo:
        services.override_solo_visit(actor=_supervisor(world, case.team), visit=plan.visit, reason=OVERRIDE_REASON)
    else:
        services.request_escort(
            actor=workers[0],
            visit=plan.visit,
            needed_from=plan.planned_start,
            needed_until=plan.planned_start + plan.minutes * M,
            note="案家有風險註記，請派員陪同。",
        )


def _answer_escort(plan, world):
    escort = plan.visit.escort_requests.filter(status=EscortRequest.Status.REQUESTED).first()
    if escort is None:
        return
    accept, reason = plan.escort_answer
    services.answer_escort(actor=plan.case.officer, escort=escort, accept=accept, reason=reason)
    if not accept:
        # Police cannot come: the supervisor sends a second worker of the agency (safety.escort_fallback).
        from safety.services import escort_fallback

        supervisor = _supervisor(world, plan.case.team)
        fallback = escort.fallback
        second = escort_fallback.candidates(actor=supervisor, fallback=fallback).first()
        escort_fallback.assign_second_worker(
            actor=supervisor, fallback=fallback, worker=second, note="警方無法陪同，改派第二位社工同行。"
        )


def _start(plan, world):
    worker = plan.visit.workers.first()
    try:
        services.start_visit(actor=worker, visit=plan.visit)
    except ValidationError:  # a flag added since the visit was planned: the supervisor decides
        plan.visit.refresh_from_db()
        services.override_solo_visit(
            actor=_supervisor(world, plan.case.team), visit=plan.visit, reason=LATE_FLAG_OVERRIDE
        )
        services.start_visit(actor=worker, visit=plan.visit)


def _check_in(plan):
    services.check_in(actor=plan.visit.workers.first(), visit=plan.visit, extend_minutes=30)


def _check_out(plan):
    services.check_out(actor=plan.visit.workers.first(), visit=plan.visit)


def _alarm(plan):
    services.raise_alarm(actor=plan.visit.workers.first(), visit=plan.visit)


def _take_alerts(plan, world, resolution=None, note=""):
    supervisor = _supervisor(world, plan.case.team)
    for alert in SafetyAlert.objects.filter(visit=plan.visit).order_by("level"):
        if alert.acknowledged_at is None:  # a later step of the same alarm may already be taken with it
            alert = services.acknowledge_alert(actor=supervisor, alert=alert)
        if resolution and alert.resolved_at is None:
            services.resolve_alert(actor=supervisor, alert=alert, resolution=resolution, note=note)


def _team_workers(world, team):
    people = world["people"]
    return [people[u] for u in {"team-n1": ["worker1", "worker2"]}.get(team.code, [WORKERS[team.code]])]


def _supervisor(world, team):
    return world["people"]["supervisor1" if team.code.startswith("team-n") else "supervisor2"]


def _visits(world, r, cases):
    """Home visits while cases are worked: most done, some still to come, a few with escorts."""
    tl, tz, now = world["timeline"], world["start"].tzinfo, world["now"]
    plans = []
    for case in cases:
        t = case.times
        if case.stop or "contact" not in t or t["contact"] > now or case.outcome in ("could_not_contact", "moved_away"):
            continue
        if case.fate in ("declined", "cancelled") or r.random() > 0.45:
            continue
        planned = demo.working_time(t["contact"] + r.uniform(2, 7) * D, r, tz, spread=5)
        if planned > t["close"]:
            continue
        decline = r.random() < 0.3
        plan = VisitPlan(
            case,
            [case.worker],
            planned,
            r.choice([45, 60, 60, 90]),
            escort_answer=(not decline, r.choice(ESCORT_DECLINES) if decline else ""),
        )
        plans.append(plan)
        # Planned the next working day, once what the first contact taught is flagged.
        _schedule_visit(tl, r, plan, world, planned_at=demo.working_time(t["contact"] + 20 * H, r, tz))
    # Visits planned for the coming days on cases being worked now.
    open_cases = [c for c in cases if "contact" in c.times and c.times["contact"] < now - D < c.times["close"] - D]
    for case in open_cases[-12:]:
        if case.fate in ("declined", "cancelled") or case.outcome in ("could_not_contact", "moved_away"):
            continue
        planned = demo.working_time(now + r.uniform(0.5, 4) * D, r, tz, spread=6)
        plan = VisitPlan(case, [case.worker], planned, 60)
        plans.append(plan)
        planned_at = now - r.uniform(1, 20) * H
        tl.at(planned_at, _plan, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(planned_at + 40 * M, _answer_escort, plan, world, sweeps=VISIT_SWEEPS)
    return plans


def _schedule_visit(tl, r, plan, world, planned_at):
    start = plan.planned_start + r.uniform(-5, 15) * M
    planned_at = min(planned_at, start - 4 * H)  # planned (and the escort answered) well before it starts
    tl.at(planned_at, _plan, plan, world, sweeps=VISIT_SWEEPS)
    tl.at(planned_at + r.uniform(0.5, 3) * H, _answer_escort, plan, world, sweeps=VISIT_SWEEPS)
    tl.at(start, _start, plan, world, sweeps=VISIT_SWEEPS)
    extra = 0
    if r.random() < 0.1:
        tl.at(start + (plan.minutes - 10) * M, _check_in, plan, sweeps=VISIT_SWEEPS)
        extra = 30
    tl.at(start + (plan.minutes * r.uniform(0.6, 1.05) + extra) * M, _check_out, plan, sweeps=VISIT_SWEEPS)


def _pick_case(cases, team_code, earliest, latest, exclude=()):
    """A case of the team being worked between two instants (contact before, closing after)."""
    for case in cases:
        t = case.times
        if (
            case.team.code == team_code
            and not case.stop
            and case.fate in ("worked", "transferred")
            and case.outcome not in ("could_not_contact", "moved_away")
            and "contact" in t
            and earliest <= t["contact"] <= latest < t["close"]
            and case not in exclude
        ):
            return case
    return None


def _featured_visits(world, r, cases):
    """A missed check-out (the sweep raises both steps) and an alarm, each taken by the supervisor."""
    tl, now = world["timeline"], world["now"]
    tz = world["start"].tzinfo
    missed_case = _pick_case(cases, "team-s1", now - 60 * D, now - 42 * D)
    alarm_case = _pick_case(cases, "team-s2", now - 40 * D, now - 29 * D)
    featured = []
    if missed_case:
        day = demo.working_time(missed_case.times["contact"] + 2 * D, r, tz).date()
        start = demo.moment_on(day, 15, tz)
        plan = VisitPlan(missed_case, [missed_case.worker], start, 60, solo=True)
        tl.at(missed_case.times["contact"] + 20 * M, _plan, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(start, _start, plan, world, sweeps=VISIT_SWEEPS)
        # Level 1 fires at 16:15 (expected end + grace), level 2 at 16:30; the supervisor takes them.
        tl.at(start + 93 * M, _take_alerts, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(start + 101 * M, _check_out, plan, sweeps=VISIT_SWEEPS)
        note = "社工手機沒電，已平安返回辦公室。"
        tl.at(start + 110 * M, _take_alerts, plan, world, "worker_safe", note, sweeps=VISIT_SWEEPS)
        featured.append(plan)
    if alarm_case:
        day = demo.working_time(alarm_case.times["contact"] + 3 * D, r, tz).date()
        start = demo.moment_on(day, 10, tz)
        plan = VisitPlan(alarm_case, [alarm_case.worker], start, 60, solo=True)
        plan.alarm = True
        tl.at(alarm_case.times["contact"] + 20 * M, _plan, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(start, _start, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(start + 25 * M, _alarm, plan, sweeps=VISIT_SWEEPS)
        tl.at(start + 28 * M, _take_alerts, plan, world, sweeps=VISIT_SWEEPS)
        tl.at(start + 45 * M, _check_out, plan, sweeps=VISIT_SWEEPS)
        note = "案主之子持棍棒威脅，社工退至屋外，警方到場處理，無人受傷。"
        tl.at(start + 70 * M, _take_alerts, plan, world, "real_emergency", note, sweeps=VISIT_SWEEPS)
        featured.append(plan)
    return featured


def _offender(case):
    links = case.referral.person_links.select_related("person")
    by_role = {link.role: link.person for link in links}
    return by_role.get("alleged_offender") or by_role.get("subject") or next(iter(by_role.values()), None)


def _occurred(world, ago):
    return demo.moment_on(world["today"] - timedelta(days=ago), 10 + ago % 7, world["start"].tzinfo)


def _report_event(world, index, spec, case):
    ago, team_code, types, injury, place, narrative, media, police, with_offender = spec
    fields = {
        "types": types,
        "occurred_at": _occurred(world, ago),
        "place": place,
        "injury": injury,
        "narrative": narrative,
        "media_report_count": media,
        "police_report_made": police,
        "property_loss": "公務手機一支" if "property_loss" in types else "",
    }
    worker = world["people"][WORKERS[team_code]]
    if case is not None:
        worker = case.worker
        fields["referral"] = case.referral
        if place == "案家住處":
            fields["place"] = f"案家住處（{case.referral.household.address}）"
        if with_offender:
            fields["offender"] = _offender(case)
    world["hazard_events"][index] = services.report_hazard_event(actor=worker, **fields)


def _report_alarm_event(world, index, plan):
    case = plan.case
    plan.visit.refresh_from_db()
    world["hazard_events"][index] = services.report_hazard_event(
        actor=case.worker,
        types=["intimidation"],
        occurred_at=plan.visit.started_at + 25 * M,
        place=f"案家住處（{plan.visit.address}）",
        injury="none",
        narrative="訪視中案主之子情緒失控持棍棒威脅，社工按下緊急按鈕並退至屋外，警方到場處理。",
        police_report_made=True,
        referral=case.referral,
        visit=plan.visit,
        offender=_offender(case),
    )


MAJOR_EVENT, FORGOTTEN_FOLLOW_UP = 7, 8  # indexes in EVENTS


def _hazard_events(world, r, cases, featured):
    """The events of six months; two injuries in one team within a month make the second one major."""
    tl, now = world["timeline"], world["now"]
    world["hazard_events"] = {}
    used = []
    for index, spec in enumerate(EVENTS):
        ago, team_code, injury = spec[0], spec[1], spec[3]
        occurred = _occurred(world, ago)
        case = _pick_case(cases, team_code, occurred - 60 * D, occurred - 1 * D, exclude=used)
        if case is not None:
            used.append(case)
        reported = occurred + r.uniform(1, 5) * H
        tl.at(reported, _report_event, world, index, spec, case)
        _schedule_follow_ups(tl, world, index, reported, now, injury != "none")
    alarm = next((p for p in featured if p.alarm), None)
    if alarm is not None:  # reported the next morning
        reported = demo.working_time(alarm.planned_start + 20 * H, r, world["start"].tzinfo)
        tl.at(reported, _report_alarm_event, world, len(EVENTS), alarm)
        _schedule_follow_ups(tl, world, len(EVENTS), reported, now, False)


def _schedule_follow_ups(tl, world, index, reported, now, injured):
    """Owners the next day; the items closed within two weeks, except for recent events and the major one."""
    K, S = FollowUpKind, FollowUpItem.Status
    tl.at(reported + 20 * H, _assign_follow_ups, world, index)
    if now - reported < 14 * D:
        return  # recent: still open, not yet due
    final = {K.COUNSELLING: S.DONE, K.INVESTIGATION: S.DONE, K.MEDICAL: S.DONE if injured else S.NOT_NEEDED}
    final.update({k: S.NOT_NEEDED for k in (K.FAMILY_CARE, K.LEAVE_INSURANCE, K.LEGAL, K.OFFENDER_LIABILITY)})
    if index == MAJOR_EVENT:  # the investigation and the legal help are still under way
        final.pop(K.INVESTIGATION)
        final.pop(K.LEGAL)
        final[K.OFFENDER_LIABILITY] = S.DONE
        tl.at(reported + 12 * D, _extend_follow_ups, world, index, [K.INVESTIGATION, K.LEGAL])
    if index == FORGOTTEN_FOLLOW_UP:  # one item forgotten: the sweep raises it as overdue
        final.pop(K.INVESTIGATION)
    tl.at(reported + 10 * D, _finish_follow_ups, world, index, final)


def _assign_follow_ups(world, index):
    event = world["hazard_events"][index]
    supervisor = _supervisor(world, event.team)
    for item in event.follow_ups.all():
        owner = event.worker if item.kind == FollowUpKind.LEAVE_INSURANCE else supervisor
        services.update_follow_up(actor=supervisor, item=item, owner=owner)


def _finish_follow_ups(world, index, final):
    event = world["hazard_events"][index]
    supervisor = _supervisor(world, event.team)
    for item in event.follow_ups.filter(kind__in=list(final)):
        services.update_follow_up(actor=supervisor, item=item, status=final[item.kind], note="已完成。")


def _extend_follow_ups(world, index, kinds):
    event = world["hazard_events"][index]
    supervisor = _supervisor(world, event.team)
    for item in event.follow_ups.filter(kind__in=kinds):
        services.update_follow_up(
            actor=supervisor, item=item, due_on=item.due_on + timedelta(days=30), note="持續處理中。"
        )


def _flags(world, r, cases):
    """Flags from police records at filing, from the agency or the worker's observation once in contact."""
    tl = world["timeline"]
    for case in cases:
        t = case.times
        if case.category not in FLAGS or not case.risks[0] or case.fate == "cancelled" or case.stop == "file":
            continue
        kind, source, note, days = FLAGS[case.category]
        if source == RiskSource.POLICE:
            when, actor = t["file"] + 15 * M, case.officer
        elif "contact" in t and case.outcome not in ("could_not_contact", "moved_away"):
            when, actor = t["contact"] + 30 * M, case.worker
        else:
            continue
        tl.at(when, _add_flag, case, actor, kind, source, note, (when + days * D).date(), sweeps=())
    worked = [c for c in cases if c.fate == "worked" and not c.stop and "contact" in c.times]
    for (kind, source, note), case in zip(EXTRA_FLAGS, r.sample(worked[-150:], len(EXTRA_FLAGS)), strict=True):
        tl.at(case.times["contact"] + H, _add_flag, case, case.worker, kind, source, note, None, sweeps=())


def safety_world(world):
    people, teams = world["people"], world["teams"]
    for team, supervisor in ((teams[0], "supervisor1"), (teams[2], "supervisor2")):
        SafetyContact.objects.get_or_create(agency=team.parent, user=people[supervisor])
    if not DuressCode.objects.filter(user=people["worker1"]).exists():
        services.set_duress_code(user=people["worker1"], code="9110")
    cases = world.get("cases")
    if not cases or HazardEvent.objects.exists():
        return
    r = demo.rng("safety")
    _flags(world, r, cases)
    _visits(world, r, cases)
    featured = _featured_visits(world, r, cases)
    _hazard_events(world, r, cases, featured)


def _by(qs, field, choices):
    counts = dict(qs.values_list(field).annotate(n=Count("pk")))
    parts = ", ".join(f"{label} {counts[value]}" for value, label in choices if counts.get(value))
    return f"{sum(counts.values())} ({parts})" if counts else "0"


def count_flags():
    return f"{RiskFlag.objects.count()} ({RiskFlag.objects.active().count()})"


def count_events():
    return f"{HazardEvent.objects.count()} ({HazardEvent.objects.filter(is_major=True).count()})"


def count_visits():
    return _by(HomeVisit.objects, "status", HomeVisit.Status.choices)


def count_escorts():
    return _by(EscortRequest.objects, "status", EscortRequest.Status.choices)


def count_alerts():
    return _by(SafetyAlert.objects, "kind", SafetyAlert.Kind.choices)
