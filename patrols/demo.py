"""Demo community policing: beats, persons of concern and their visits, key locations and inspections,
community work, missing persons, monthly reports (one late, one amended) and the half-year evaluation.

Replayed on the demo timeline like the rest, so visits move each person's next due date, a report
not submitted by the 10th is chased by the reminder sweep, and a family found on a visit becomes a
referral opened from the visit.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from accounts import demo
from patrols import services
from patrols.models import (
    Beat,
    CommunityActivity,
    ContactGroup,
    Evaluation,
    EvaluationItem,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    Outcome,
    PatrolVisit,
    PersonOfConcern,
    VisitCadence,
    WatchTeam,
)
from patrols.selectors import referral_from_visit

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)
REPORT_SWEEPS = ("monthly_reports",)

SHORT = {
    "station-n1": ("N1", "中山"),
    "station-n2": ("N2", "民生"),
    "station-s1": ("S1", "興隆"),
    "station-s2": ("S2", "光明"),
}
HEADS = {"station-n1": "stationhead1", "station-n2": "precinct1", "station-s1": "precinct2", "station-s2": "precinct2"}
OFFICERS = {"station-n1": "officer1", "station-n2": "officer2", "station-s1": "officer3", "station-s2": "officer4"}
CADENCE = {"high": 30, "medium": 60, "low": 90}
EVALUATION_ITEMS = [("治安顧慮人口訪查達成率", 40), ("治安重點處所查察", 30), ("社區治安工作", 30)]

HABITS = [
    "晝伏夜出，常於深夜出入網咖。",
    "嗜酒，常在公園涼亭飲酒。",
    "無固定工作，以打零工維生。",
    "假日多待在住處，平日騎機車外出。",
]
ASSOCIATES = ["與同案共犯陳姓男子仍有往來。", "常與附近檳榔攤友人聚集。", "", ""]
HAUNTS = ["市場周邊撞球場", "夜市附近網咖", "河濱公園", "廟口廣場"]
SIDE_VISITS = [
    "向鄰居側訪，稱其近日正常上下班，未見異狀。",
    "向管理員側訪，稱其最近較少出門。",
    "向里長側訪，稱其仍住原址，近來作息正常。",
]
MEET_NOTES = ["本人在家，態度配合，近況穩定。", "本人表示已找到工作，作息規律。", "本人在家，家人表示近期無異狀。", ""]
CHILD_NOTES = ["孩子由祖母照顧，衣著整潔，已就學。", "孩子放學後由鄰居代為照顧，生活作息尚可。"]

LOCATIONS = [
    ("rental_building", "{area}套房出租大樓"),
    ("subdivided_suite", "{street}分租套房"),
    ("vacant_house", "{street}空屋"),
    ("work_shed", "{street}鐵皮工寮"),
    ("special_industry", "{street}當鋪"),
]
INSPECTION_NOTES = ["現場無異狀。", "出入人員正常，已與管理員聯繫。", "門窗緊閉，持續注意。", ""]
ACTIVITIES = [
    ("meeting", "里民活動中心", ["fraud", "traffic"]),
    ("briefing", "社區公園", ["fraud"]),
    ("briefing", "國小禮堂", ["child_safety", "domestic_violence"]),
    ("event", "廟口廣場", ["drugs"]),
    ("watch_patrol", "轄區巡守路線", []),
]


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


def _add_location(world, spec):
    officer = world["people"][OFFICERS[spec["station"].code]]
    beat = Beat.objects.get(station=spec["station"], code=spec["beat"])
    spec["location"] = services.add_key_location(
        actor=officer, station=spec["station"], beat=beat, type=spec["type"], name=spec["name"], address=spec["address"]
    )


def _inspect(world, spec, kind, indicators, note):
    officer = world["people"][OFFICERS[spec["station"].code]]
    services.inspect_location(actor=officer, location=spec["location"], kind=kind, indicators=indicators, note=note)


def _locations(world, r, locations):
    tl, tz, now = world["timeline"], world["start"].tzinfo, world["now"]
    for spec in locations:
        tl.at(world["start"] + 3 * H, _add_location, world, spec, sweeps=())
        at = world["start"] + r.uniform(3, 40) * D
        while at < now:
            when = demo.working_time(at, r, tz, spread=6)
            if when < now:
                kind = "call_centre" if spec["type"] in ("rental_building", "subdivided_suite") else "drug_lab"
                tl.at(when, _inspect, world, spec, kind, [], r.choice(INSPECTION_NOTES), sweeps=())
            at += r.uniform(35, 55) * D
    # A work shed where young people keep office hours behind covered windows: suspected call centre.
    shed = next(s for s in locations if s["type"] == "work_shed" and s["station"].code == "station-s1")
    when = demo.working_time(now - 12 * D, r, tz)
    seen = ["office_hours_no_sign", "bulk_food", "windows_covered", "many_phones"]
    note = "白天多名年輕人進出，無公司招牌，窗戶以黑布遮蔽，有人一次購買大量便當。已通報分局。"
    tl.at(when, _inspect, world, shed, "call_centre", seen, note, sweeps=())


def _activities(world, r):
    tl, tz, now = world["timeline"], world["start"].tzinfo, world["now"]
    for station in world["stations"]:
        officer = world["people"][OFFICERS[station.code]]
        _code, area = SHORT[station.code]
        at = world["start"] + r.uniform(2, 12) * D
        while at < now - D:
            kind, place, topics = r.choice(ACTIVITIES)
            day = demo.working_time(at, r, tz).date()
            tl.at(
                demo.moment_on(day, 19, tz),
                _log_activity,
                officer,
                station,
                kind,
                day,
                f"{area}{place}",
                r.randint(12, 80),
                topics,
                sweeps=(),
            )
            at += r.uniform(8, 20) * D


def _log_activity(officer, station, kind, day, place, attendees, topics):
    watch_team = WatchTeam.objects.filter(station=station).first() if kind == "watch_patrol" else None
    services.log_activity(
        actor=officer,
        station=station,
        kind=kind,
        held_on=day,
        place=place,
        attendees=attendees,
        topics=topics,
        watch_team=watch_team,
    )


def _missing_persons(world, r):
    tl, now = world["timeline"], world["now"]
    reports = [
        (140, "station-n2", "female", 15, "捷運中山站", "身高約155公分，綁馬尾，穿學校運動服，背黑色後背包。"),
        (75, "station-s1", "male", 81, "前鎮運動公園", "身高約165公分，灰色外套，有失智症狀，可能迷路。"),
        (18, "station-s2", "male", 34, "光華夜市", "身高約175公分，平頭，深藍色工作服，家屬表示其情緒低落。"),
    ]
    stations = {s.code: s for s in world["stations"]}
    for ago, code, sex, age, place, description in reports:
        when = now - ago * D
        officer = world["people"][OFFICERS[code]]
        name = demo.person_name(r, sex, age)
        tl.at(
            when,
            services.take_missing_person_report,
            actor=officer,
            station=stations[code],
            name=name,
            sex=sex,
            age=age,
            last_seen_at=when - r.uniform(3, 20) * H,
            last_seen_place=place,
            description=description,
            sweeps=(),
        )


def _month_starts(world):
    first = world["start"].date().replace(day=1)
    months = []
    while first <= world["today"]:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def _reports(world, r):
    """Each month's report opened on the 1st, submitted before the 10th; one late, one amended."""
    tl, tz = world["timeline"], world["start"].tzinfo
    months = _month_starts(world)
    people = world["people"]
    for n, month in enumerate(months[1:], start=1):
        opened = demo.moment_on(month, 0, tz, minute=1)
        tl.at(opened, services.ensure_reports, today=month, sweeps=REPORT_SWEEPS)
        reported = months[n - 1]
        for station in world["stations"]:
            head = people[HEADS[station.code]]
            late = n == 2 and station.code == "station-s2"
            day = month.replace(day=13 if late else r.randint(3, 9))
            at = demo.moment_on(day, 10 if late else 16, tz, minute=r.randint(0, 50))
            tl.at(at, _submit, head, station, reported, sweeps=REPORT_SWEEPS)
            if n == 1 and station.code == "station-n1":
                tl.at(at + 5 * D, _amend, head, station, reported, sweeps=())


def _submit(head, station, month):
    services.submit_report(actor=head, report=MonthlyReport.objects.get(station=station, month=month))


def _amend(head, station, month):
    report = MonthlyReport.objects.get(station=station, month=month)
    figures = {"activities": report.figures["activities"] + 1}
    services.amend_report(actor=head, report=report, figures=figures, reason="漏列一場社區治安會議（簽到表已補附）。")


def _evaluation(world, r):
    """The last complete half year, scored by the precincts two weeks after it ended."""
    today = world["today"]
    year, half = (today.year, 1) if today.month >= 7 else (today.year - 1, 2)
    ended = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    when = min(demo.moment_on(ended + timedelta(days=15), 10, world["start"].tzinfo), world["now"] - D)
    evaluator = {
        "station-n1": "precinct1",
        "station-n2": "precinct1",
        "station-s1": "precinct2",
        "station-s2": "precinct2",
    }
    for station in world["stations"]:
        scores = [r.randint(62, 97) for _ in EVALUATION_ITEMS]
        world["timeline"].at(
            when, _evaluate, world["people"][evaluator[station.code]], station, f"{year}-H{half}", scores, sweeps=()
        )


def _evaluate(actor, unit, period, scores):
    items = list(EvaluationItem.objects.filter(name__in=[name for name, _ in EVALUATION_ITEMS]).order_by("order"))
    services.evaluate(
        actor=actor,
        unit=unit,
        period=period,
        scores={item.pk: score for item, score in zip(items, scores, strict=True)},
    )


def _beat_hours(world):
    tl, now = world["timeline"], world["now"]
    officer = world["people"]["officer1"]
    tl.at(now - 60 * D, _change_hours, officer, "N1-01", Decimal("6.0"), "轄區新增兩處出租套房，增加訪查時數。")
    tl.at(now - 3 * D, _change_hours, officer, "N1-03", Decimal("3.0"), "轄內治安顧慮人口減少一名，申請調降。")


def _change_hours(officer, code, hours, reason):
    services.change_beat_hours(
        actor=officer, beat=Beat.objects.get(station=officer.organization, code=code), new_hours=hours, reason=reason
    )


def patrols_world(world):
    for level, days in CADENCE.items():
        VisitCadence.objects.get_or_create(risk_level=level, defaults={"every_days": days})
    for n, (name, weight) in enumerate(EVALUATION_ITEMS):
        EvaluationItem.objects.get_or_create(name=name, defaults={"weight": Decimal(weight), "order": n})
    if Beat.objects.exists():
        return
    r = demo.rng("patrols")
    locations = _beats_and_places(world, r)
    plans = _poc_plans(world, r)
    _family_found(world, r, plans)
    _visits(world, r, plans)
    _locations(world, r, locations)
    _activities(world, r)
    _missing_persons(world, r)
    _reports(world, r)
    _evaluation(world, r)
    _beat_hours(world)


# --- what the demo holds ------------------------------------------------------------------------------
def count_beats():
    overdue = PersonOfConcern.objects.filter(active=True, next_due_on__lt=timezone.localdate()).count()
    return f"{Beat.objects.count()} / {PersonOfConcern.objects.count()} ({overdue})"


def count_patrol_visits():
    counts = dict(PatrolVisit.objects.values_list("outcome").annotate(n=Count("pk")))
    parts = ", ".join(f"{label} {counts[value]}" for value, label in Outcome.choices if counts.get(value))
    return f"{sum(counts.values())} ({parts})"


def count_locations():
    suspected = KeyLocation.objects.filter(status=KeyLocation.Status.SUSPECTED).count()
    return f"{KeyLocation.objects.count()} ({suspected})"


def count_activities():
    return f"{CommunityActivity.objects.count()} / {MissingPersonReport.objects.count()}"


def count_reports():
    reports = MonthlyReport.objects.all()
    submitted = reports.filter(status=MonthlyReport.Status.SUBMITTED).count()
    late = reports.filter(reminders__isnull=False).distinct().count()
    return f"{reports.count()} ({submitted}, {late})"


def count_evaluations():
    return ", ".join(
        f"{e.unit.name.split()[0]} {e.period} {e.total}" for e in Evaluation.objects.select_related("unit")
    )
