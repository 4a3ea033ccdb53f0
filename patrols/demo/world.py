"""The patrols part of the demo city: key locations, community work, missing persons, monthly reports
and the evaluation, and its record counts."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from accounts import demo
from patrols import services
from patrols.demo.beats import _beats_and_places, _family_found, _poc_plans, _visits
from patrols.demo.texts import (
    ACTIVITIES,
    CADENCE,
    EVALUATION_ITEMS,
    HEADS,
    INSPECTION_NOTES,
    OFFICERS,
    REPORT_SWEEPS,
    SHORT,
    D,
    H,
)
from patrols.models import (
    Beat,
    CommunityActivity,
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
