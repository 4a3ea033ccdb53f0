"""Planning the demo's cases: every random draw happens here, so the city is the same on every run."""

from dataclasses import dataclass, field
from datetime import datetime

from accounts import demo
from referrals.demo.texts import (
    CASE_COUNT,
    CATEGORY_WEIGHTS,
    FOLLOWS,
    LEVEL_WEIGHTS,
    NARRATIVES,
    OFFICERS,
    OUTCOME_WEIGHTS,
    RISKS,
    YOUTH_CATEGORIES,
    C,
    D,
    H,
    M,
)
from referrals.models import (
    DeclineReason,
    Outcome,
    Referral,
)


@dataclass
class Case:
    n: int
    station: object
    officer: object
    district: str
    category: str
    level: int
    filed: datetime
    persons: list  # [(spec dict, role)]
    narrative: str
    place: str
    fate: str = "worked"  # worked | declined | redirected | cancelled | transferred
    late: bool = False
    stop: str = ""  # a step after which nothing more has happened yet
    earlier: "Case | None" = None
    first_team: object = None
    team: object = None
    worker: object = None
    outcome: str = ""
    decline_reason: str = ""
    consent: tuple = ("given", "")
    risks: tuple = ((), "")
    origin: tuple = ("incident", "")
    prefill: object = None  # () -> referrals.prefill.Prefill, for a case raised from another record
    times: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # who the narrative speaks of
    referral: Referral | None = None


def _pick(r, weights):
    keys = list(weights)
    return r.choices(keys, weights=[weights[k] for k in keys])[0]


def _persons(r, category, station_code, district):
    """The people of a new household: (spec, role) pairs, and the names the narrative uses."""
    surname = r.choice(demo.SURNAMES)
    home = demo.address(r, station_code, district)
    sex = r.choice(["female", "male"])
    age = r.randint(28, 62)
    subject_role, other_role, child = "subject", None, None
    if category == C.DOMESTIC_VIOLENCE:
        sex, age, subject_role, other_role = (
            ("female" if r.random() < 0.8 else "male"),
            r.randint(22, 55),
            "victim",
            "alleged_offender",
        )
    elif category in (C.JUVENILE, C.APPROPRIATE_ADULT):
        age, other_role = r.randint(13, 17), "guardian"
    elif category == C.ELDERLY:
        age, other_role = r.randint(70, 92), "reporter"
    elif category in (C.CHILD_PROTECTION, C.VULNERABLE_FAMILY, C.SUBSTANCE_USE):
        age, subject_role = r.randint(26, 48), ("guardian" if category == C.CHILD_PROTECTION else "subject")
        child = (r.choice(["female", "male"]), r.randint(3, 13))
    elif category == C.SUICIDE_RISK:
        age = r.randint(18, 70)
    elif category in (C.FAMILY_CONFLICT, C.DISPUTE, C.MENTAL_HEALTH):
        other_role = "subject" if category == C.DISPUTE else "reporter"
    subject = {
        "name": demo.person_name(r, sex, age, surname),
        "sex": sex,
        "estimated_age": age,
        "phone": demo.mobile(r) if age >= 16 else "",
        "address": home,
    }
    people = [(subject, subject_role)]
    names = {"subject": subject["name"], "age": age, "other": "家屬", "child": "孩子", "child_age": 6}
    if other_role:
        other_sex = "male" if sex == "female" else "female"
        other_age = (
            max(age + r.randint(-8, 30), 30) if category in (C.JUVENILE, C.APPROPRIATE_ADULT) else r.randint(25, 70)
        )
        other = {
            "name": demo.person_name(r, other_sex, other_age, surname if other_role != "subject" else None),
            "sex": other_sex,
            "estimated_age": other_age,
            "phone": demo.mobile(r),
            "address": home if other_role != "subject" else demo.address(r, station_code, district),
        }
        people.append((other, other_role))
        names["other"] = other["name"]
    if child:
        child_sex, child_age = child
        kid = {
            "name": demo.person_name(r, child_sex, child_age, surname),
            "sex": child_sex,
            "estimated_age": child_age,
            "address": home,
        }
        people.append((kid, "child"))
        names.update(child=kid["name"], child_age=child_age)
    return people, names


def _new_case(world, r, n, filed, *, station=None, category=None, level=None, earlier=None):
    stations, people = world["stations"], world["people"]
    station = station or r.choices(stations, weights=[30, 25, 25, 20])[0]
    district = station.district.code
    officer = people[OFFICERS[station.code]]
    if earlier is not None:  # the same family: its people are found again at filing
        category = category or r.choice(FOLLOWS.get(earlier.category, [earlier.category]))
        persons, names = earlier.persons, earlier.names
    else:
        category = category or _pick(r, CATEGORY_WEIGHTS)
        persons, names = _persons(r, category, station.code, district)
    level = level or r.choices([1, 2, 3], weights=LEVEL_WEIGHTS[category])[0]
    template, place = r.choice(NARRATIVES[category]), demo.place(r, district)
    case = Case(
        n=n,
        station=station,
        officer=officer,
        district=district,
        category=category,
        level=level,
        filed=filed,
        persons=persons,
        narrative=template.format(place=place, **names),
        place=place if "{place}" in template else "",  # else the family's home
        earlier=earlier,
        names=names,
    )
    if category in RISKS and r.random() < 0.6:
        case.risks = RISKS[category]
    if category in (C.CHILD_PROTECTION, C.MENTAL_HEALTH, C.SUICIDE_RISK) and r.random() < 0.25:
        case.consent = ("not_possible", "當事人情緒不穩，無法表達意願。")
    elif category in (C.VULNERABLE_FAMILY, C.SUBSTANCE_USE) and r.random() < 0.1:
        case.consent = ("refused", "家長拒絕，但有兒童照顧疑慮仍予轉介。")
    teams = {t.code: t for t in world["teams"]}
    if district == "north":
        case.first_team = teams["team-n1" if station.code == "station-n1" else "team-n2"]
    else:
        youth = category in YOUTH_CATEGORIES or (category == C.CHILD_PROTECTION and r.random() < 0.5)
        case.first_team = teams["team-s1" if youth else "team-s2"]
    case.team = case.first_team
    return case


def _worker_of(world, team, r):
    people = world["people"]
    return {
        "team-n1": people["worker1"] if r.random() < 0.55 else people["worker2"],
        "team-n2": people["worker3"],
        "team-s1": people["worker4"],
        "team-s2": people["worker5"],
    }[team.code]


def _other_team(world, team):
    teams = {t.code: t for t in world["teams"]}
    return teams[{"team-n1": "team-n2", "team-n2": "team-n1", "team-s1": "team-s2", "team-s2": "team-s1"}[team.code]]


def _plan_times(case, r, tz):
    """When each step happens, from filing on; the ones after "now" are simply not replayed."""
    t = case.times
    filed, level = case.filed, case.level
    t["file"] = filed
    clock = filed
    if case.district == "south":  # the intake desk's night duty dispatches what cannot wait for the morning
        if level == 3:
            clock = demo.working_time(filed, r, tz) + r.uniform(10, 150) * M
        else:
            clock = filed + (r.uniform(5, 25) if level == 1 else r.uniform(30, 180)) * M
        t["dispatch"] = clock
    if level == 1:
        ack = clock + (r.uniform(65, 140) if case.late else r.uniform(5, 40)) * M
    elif level == 2:
        if case.late:
            ack = demo.working_time(filed + r.uniform(26, 40) * H, r, tz)
        else:
            ack = demo.working_time(clock, r, tz, spread=3)
            if ack - filed > 22 * H:  # nights and weekends: the on-call worker takes it
                ack = clock + r.uniform(1, 10) * H
    else:
        ack = demo.working_time(filed + (r.uniform(5, 8) if case.late else r.uniform(0, 1.2)) * D, r, tz, spread=4)
    t["ack"] = max(ack, clock + 3 * M)
    if case.fate == "cancelled":
        t["cancel"] = filed + r.uniform(1, 20) * H
        for step in ("dispatch", "ack"):  # what the cancellation came before never happened
            if step in t and t["cancel"] < t[step]:
                del t[step]
        return
    if case.fate in ("declined", "redirected"):
        t["decline"] = t["ack"] + r.uniform(0.2, 4) * H
        if case.fate == "declined":
            return
        t["redirect"] = demo.working_time(t["decline"] + r.uniform(1, 20) * H, r, tz)
        t["ack2"] = demo.working_time(t["redirect"] + r.uniform(0.5, 8) * H, r, tz)
    if case.fate == "transferred":
        t["transfer"] = demo.working_time(t["ack"] + r.uniform(2, 30) * H, r, tz)
        t["ack2"] = demo.working_time(t["transfer"] + r.uniform(0.3, 6) * H, r, tz)
    if case.fate == "returned":  # the team asks the officer for more, the officer answers within two days
        t["return"] = t["ack"] + r.uniform(0.5, 6) * H
        t["resubmit"] = demo.working_time(t["return"] + r.uniform(4, 48) * H, r, tz)
        t["ack2"] = demo.working_time(t["resubmit"] + r.uniform(0.5, 8) * H, r, tz)
    start = t.get("ack2", t["ack"])
    if level == 1:
        t["accept"] = start + r.uniform(0.1, 2) * H
        t["contact"] = t["accept"] + r.uniform(0.5, 5) * H
    elif level == 2:
        t["accept"] = demo.working_time(start + r.uniform(1, 20) * H, r, tz)
        t["contact"] = demo.working_time(t["accept"] + r.uniform(2, 30) * H, r, tz)
    else:
        t["accept"] = demo.working_time(start + r.uniform(0.5, 3) * D, r, tz)
        t["contact"] = demo.working_time(t["accept"] + r.uniform(1, 6) * D, r, tz)
    t["close"] = demo.working_time(t["contact"] + r.uniform(7, 45) * D, r, tz)
    if case.fate in ("re_referred", "failed"):  # the case ends before any contact or visit
        t["re_refer" if case.fate == "re_referred" else "fail"] = demo.working_time(
            t["accept"] + r.uniform(1, 10) * D, r, tz
        )
        del t["contact"], t["close"]


def _choose_fate(r, case):
    roll = r.random()
    if case.earlier is not None and roll < 0.15:
        return "declined"  # a second call about the same family is often folded into the first
    fates = ["worked", "declined", "redirected", "cancelled", "transferred", "returned", "re_referred", "failed"]
    return r.choices(fates, weights=[67, 5, 4, 5, 9, 5, 2, 3])[0]


def plan_cases(world):
    r = demo.rng("referrals")
    tz = world["start"].tzinfo
    now = world["now"]
    cases = []
    days = sorted(r.uniform(0, demo.HISTORY_DAYS - 1) for _ in range(CASE_COUNT))
    for n, day in enumerate(days):
        hour = r.choices([r.uniform(8, 18), r.uniform(18, 23.9), r.uniform(0, 8)], weights=[60, 25, 15])[0]
        filed = demo.moment(world, int(day), hour)
        earlier = None
        if cases and r.random() < 0.18:
            pool = [c for c in cases[-120:] if c.filed < filed - 2 * D and c.category in FOLLOWS]
            if pool:
                earlier = r.choice(pool)
        case = _new_case(world, r, n, filed, station=earlier.station if earlier else None, earlier=earlier)
        case.fate = _choose_fate(r, case)
        case.late = r.random() < 0.07
        cases.append(case)
    # Cases that show the clock today: overdue, waiting, just acknowledged or accepted.
    stations = {s.code: s for s in world["stations"]}
    featured = [
        ("station-n1", C.FAMILY_CONFLICT, 2, 3 * D + 2 * H, "file"),  # overdue, escalated twice
        ("station-n2", C.DOMESTIC_VIOLENCE, 1, 4 * H, "file"),  # overdue level 1
        ("station-s1", C.ELDERLY, 2, 2 * D + 5 * H, "file"),  # overdue in the intake queue
        ("station-s2", C.DISPUTE, 3, 9 * D, "dispatch"),  # dispatched, never acknowledged
        ("station-n1", C.VULNERABLE_FAMILY, 3, 5 * H, "file"),  # waiting, not yet due
        ("station-s2", C.FAMILY_CONFLICT, 3, 40 * M, "file"),  # just arrived in the intake queue
        ("station-n1", C.ELDERLY, 3, 1 * D + 6 * H, "ack"),  # acknowledged
        ("station-s1", C.JUVENILE, 2, 1 * D + 2 * H, "ack"),  # acknowledged
        ("station-n1", C.CHILD_PROTECTION, 2, 2 * D, "accept"),  # accepted, first contact pending
        ("station-n2", C.MENTAL_HEALTH, 2, 2 * D + 3 * H, "accept"),
        ("station-n2", C.JUVENILE, 2, 2 * D + 4 * H, "return"),  # returned to the officer for more information
    ]
    for station, category, level, ago, stop in featured:
        case = _new_case(world, r, len(cases), now - ago, station=stations[station], category=category, level=level)
        case.stop = stop
        if stop == "return":
            case.fate = "returned"
        cases.append(case)
    featured_cases = cases[-len(featured) :]
    for case in cases:
        case.worker = _worker_of(world, case.first_team, r)
        if case.fate in ("redirected", "transferred"):
            case.team = _other_team(world, case.first_team)
            case.worker = _worker_of(world, case.team, r)
        if case.fate in ("declined", "redirected"):
            case.decline_reason = r.choice(
                [DeclineReason.NOT_IN_REMIT, DeclineReason.OUTSIDE_AREA, DeclineReason.NO_CAPACITY]
                if case.fate == "redirected"
                else list(DeclineReason.values)
            )
            if case.decline_reason == DeclineReason.DUPLICATE and case.earlier is None:
                case.decline_reason = DeclineReason.ALREADY_SERVED
        case.outcome = _pick(r, OUTCOME_WEIGHTS)
        if case.category == C.DISPUTE and r.random() < 0.5:
            case.outcome = Outcome.MEDIATED
        _plan_times(case, r, tz)
    for case in featured_cases:  # their steps so far happened at once, whatever the day of the week
        t = case.times
        t["dispatch"] = case.filed + 20 * M
        t["ack"] = case.filed + 40 * M
        t["accept"] = case.filed + 70 * M
        if case.district == "north":
            del t["dispatch"]
        if case.stop == "return":  # returned an hour after acknowledging; the officer has not answered yet
            t["return"] = t["ack"] + 60 * M
            for later in ("resubmit", "ack2", "accept", "contact", "close"):
                t.pop(later, None)
    _cover_every_outcome(cases, now)
    return cases


def _cover_every_outcome(cases, now):
    """Each outcome and decline reason at least once among what has happened (the draw may miss a rare one)."""
    closed = [c for c in cases if c.fate == "worked" and not c.stop and c.times["close"] <= now]
    for outcome in Outcome.values:
        if not any(c.outcome == outcome for c in closed):
            spare = next(c for c in closed if c.outcome == Outcome.GOT_HELP)
            spare.outcome = outcome
    declined = [c for c in cases if c.fate == "declined" and c.times["decline"] <= now]
    for reason in DeclineReason.values:
        if reason == DeclineReason.DUPLICATE:
            continue
        if not any(c.decline_reason == reason for c in declined):
            spare = next(c for c in declined if sum(d.decline_reason == c.decline_reason for d in declined) > 1)
            spare.decline_reason = reason
