"""Beats, persons of concern and their visits in the demo city, incl. a family found on a visit."""

from decimal import Decimal

from accounts import demo
from patrols import services
from patrols.demo.texts import (
    ASSOCIATES,
    CADENCE,
    CHILD_NOTES,
    HABITS,
    HAUNTS,
    LOCATIONS,
    MEET_NOTES,
    OFFICERS,
    SHORT,
    SIDE_VISITS,
    D,
    H,
)
from patrols.models import (
    Beat,
    ContactGroup,
    Outcome,
    PersonOfConcern,
    WatchTeam,
)
from patrols.selectors import referral_from_visit


def _poc_plans(world, r):
    """Six persons of concern per station, with their visits: cadence by risk, each outcome at least once."""
    plans = []
    for station in world["stations"]:
        code, area = SHORT[station.code]
        for k, risk in enumerate(["high", "high", "medium", "medium", "medium", "low"]):
            age = r.randint(24, 58)
            plans.append(
                {
                    "station": station,
                    "beat": f"{code}-0{k % 3 + 1}",
                    "name": demo.person_name(r, "male" if r.random() < 0.85 else "female", age),
                    "address": demo.address(r, station.code, station.district.code),
                    "risk": risk,
                    "habits": r.choice(HABITS),
                    "associates": r.choice(ASSOCIATES),
                    "haunts": f"{area}{r.choice(HAUNTS)}",
                    "gang_ties": "疑與地方幫派成員往來。" if risk == "high" and r.random() < 0.5 else "",
                    "child": (demo.person_name(r, r.choice(["female", "male"]), 8), r.randint(4, 12))
                    if r.random() < 0.3
                    else None,
                    "visits": [],
                }
            )
    now, start = world["now"], world["start"]
    tz = start.tzinfo
    for n, plan in enumerate(plans):
        every = CADENCE[plan["risk"]]
        at = start + r.uniform(1, every) * D
        while at < now - D:
            when = demo.working_time(at, r, tz, spread=6)
            if when < now:
                plan["visits"].append([when, r.choices(list(Outcome.values), weights=[84, 9, 4, 3])[0]])
            at += (every + r.uniform(-5, 5)) * D
        if n == 0 and plan["visits"]:  # one high-risk person not visited on time: overdue by some days
            plan["visits"].pop()
    visits = [v for plan in plans for v in plan["visits"]]
    for outcome in Outcome.values:
        if not any(v[1] == outcome for v in visits):
            next(v for v in visits if v[1] == Outcome.MET)[1] = outcome
    return plans


def _register_person(world, plan):
    station = plan["station"]
    beat = Beat.objects.get(station=station, code=plan["beat"])
    first_due = plan["visits"][0][0].date() if plan["visits"] else world["today"]
    person = PersonOfConcern.objects.create(
        station=station,
        beat=beat,
        name=plan["name"],
        address=plan["address"],
        risk_level=plan["risk"],
        habits=plan["habits"],
        associates=plan["associates"],
        haunts=plan["haunts"],
        gang_ties=plan["gang_ties"],
        next_due_on=first_due,
    )
    plan["person"] = person
    if plan["child"]:
        name, age = plan["child"]
        services.add_child(actor=world["people"][OFFICERS[station.code]], person=person, name=name, estimated_age=age)


def _visit(world, plan, index, outcome, r_values):
    station = plan["station"]
    officer = world["people"][OFFICERS[station.code]]
    side, note, other_station, child_note = r_values
    fields = {"outcome": outcome, "note": note}
    if outcome == Outcome.REFUSED:
        fields["side_visit_note"] = side
    if outcome == Outcome.MOVED:
        fields["new_address"] = demo.address(demo.rng(plan["name"]), other_station.code, other_station.district.code)
        fields["notified_station"] = other_station
    if plan["child"] and outcome == Outcome.MET:
        fields.update(children_present=1, child_care_checked=True, child_care_note=child_note)
    if index == plan.get("family_index"):
        fields.update(vulnerable_family=True, note="家中經濟困難，孩子放學後無人照顧，已通報社工。")
    visit = services.record_visit(actor=officer, person=plan["person"], **fields)
    plan.setdefault("done", {})[index] = visit


def _visits(world, r, plans):
    tl = world["timeline"]
    stations = world["stations"]
    for plan in plans:
        if not plan["visits"]:
            continue
        tl.at(world["start"] + 2 * H, _register_person, world, plan, sweeps=())
        for index, (when, outcome) in enumerate(plan["visits"]):
            others = [s for s in stations if s != plan["station"]]
            values = (r.choice(SIDE_VISITS), r.choice(MEET_NOTES), r.choice(others), r.choice(CHILD_NOTES))
            tl.at(when, _visit, world, plan, index, outcome, values, sweeps=())


def _family_found(world, r, plans):
    """A vulnerable family found on a visit becomes a referral opened from the visit."""
    from referrals import demo as referral_demo

    with_children = [p for p in plans if p["child"] and len(p["visits"]) >= 3]
    for plan in with_children[:3]:
        index = max(k for k, (_when, outcome) in enumerate(plan["visits"][:-1]) if outcome == Outcome.MET)
        when = plan["visits"][index][0]
        plan["family_index"] = index
        station = plan["station"]
        officer = world["people"][OFFICERS[station.code]]

        def prefill(plan=plan, index=index, officer=officer):
            return referral_from_visit(officer, plan["done"][index].reference)

        referral_demo.add_case(
            world,
            station=station,
            officer=officer,
            category="vulnerable_family",
            level=3,
            filed=when + r.uniform(1, 3) * H,
            narrative=f"社區治安訪查時發現{plan['name']}家中經濟困難，孩子{plan['child'][0]}"
            f"（{plan['child'][1]}歲）放學後無人照顧，家中積欠水電費。請社工評估脆弱家庭服務需求。",
            prefill=prefill,
            origin="patrol_visit",
        )


def _beats_and_places(world, r):
    """The fixed part of the city: beats, key locations, watch teams and contact groups."""
    people = world["people"]
    locations = []
    for station in world["stations"]:
        code, area = SHORT[station.code]
        officer = people[OFFICERS[station.code]]
        for k in range(1, 4):
            Beat.objects.get_or_create(
                station=station,
                code=f"{code}-0{k}",
                defaults={"officer": officer, "weekly_visit_hours": Decimal(str(r.choice([4, 4, 5, 6])))},
            )
        WatchTeam.objects.get_or_create(
            station=station,
            name=f"{area}守望相助隊",
            defaults={"leader": demo.person_name(r, "male", 62), "members": r.randint(18, 40)},
        )
        ContactGroup.objects.get_or_create(
            station=station, kind="chiefs", name=f"{area}里長聯繫群組", defaults={"members": r.randint(8, 16)}
        )
        ContactGroup.objects.get_or_create(
            station=station,
            kind="building_managers",
            name=f"{area}大樓管理員群組",
            defaults={"members": r.randint(12, 30)},
        )
        for k, (kind, name) in enumerate(LOCATIONS):
            street = demo.STREETS[station.code][k].removeprefix("前鎮區").removeprefix("苓雅區")
            locations.append(
                {
                    "station": station,
                    "beat": f"{code}-0{k % 3 + 1}",
                    "type": kind,
                    "name": name.format(area=area, street=street),
                    "address": demo.address(r, station.code, station.district.code),
                }
            )
    return locations
