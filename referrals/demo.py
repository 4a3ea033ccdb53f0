"""Demo referrals: matching, SLA defaults and a few cases at every stage."""

from datetime import timedelta

from django.utils import timezone

from accounts import demo
from referrals import services
from referrals.models import DEFAULT_SLA, Referral, SLAPolicy, StationTeamMatch

CASES = [
    # (officer, category, level, narrative, persons, steps)
    (
        "officer1",
        "family_conflict",
        2,
        "夫妻爭吵，鄰居報案；雙方同意社工聯繫。Couple argued; both agree to contact.",
        [({"name": "王小明", "phone": "0933111222", "address": "台北市中山區民權東路一段1號"}, "subject")],
        [],
    ),
    (
        "officer1",
        "child_protection",
        1,
        "Child left alone at night; neighbour caring for now.",
        [({"name": "陳小華", "estimated_age": 6, "address": "台北市中山區林森北路100號"}, "child")],
        ["ack"],
    ),
    (
        "officer2",
        "elderly",
        3,
        "Elderly man with dementia found wandering; returned home.",
        [
            (
                {"name": "林老伯", "estimated_age": 82, "phone": "0225550000", "address": "台北市中山區松江路50號"},
                "subject",
            )
        ],
        ["ack", "accept", "contact"],
    ),
    (
        "officer2",
        "dispute",
        3,
        "Rental dispute between neighbours; mediation requested.",
        [({"name": "張先生", "phone": "0955123456", "address": "台北市中山區南京東路二段8號"}, "subject")],
        ["ack", "accept", "contact", "close"],
    ),
    (
        "officer3",
        "juvenile",
        2,
        "Youth repeatedly skipping school, found at an arcade late at night.",
        [({"name": "黃同學", "estimated_age": 15, "address": "高雄市前鎮區中山二路5號"}, "subject")],
        [],
    ),
]


@demo.register(order=30)
def matching_and_policies(world):
    stations, teams = world["stations"], world["teams"]
    start = timezone.localdate() - timedelta(days=365)
    for station, team in [(stations[0], teams[0]), (stations[1], teams[1])]:
        StationTeamMatch.objects.update_or_create(station=station, starts_on=start, defaults={"team": team})
    for level, (amount, unit) in DEFAULT_SLA.items():
        SLAPolicy.objects.get_or_create(category="", level=level, defaults={"acknowledge_within": amount, "unit": unit})


@demo.register(order=40)
def referrals_at_every_stage(world):
    if Referral.objects.exists():
        return
    people = world["people"]
    for officer, category, level, narrative, persons, steps in CASES:
        r = services.submit_referral(
            people[officer],
            persons=persons,
            category=category,
            level=level,
            narrative=narrative,
            incident_at=timezone.now() - timedelta(hours=3),
            incident_place=persons[0][0]["address"],
        )
        worker = people["worker1"] if r.team_id == world["teams"][0].pk else people["worker3"]
        if r.team is None:
            continue
        if "ack" in steps:
            services.acknowledge_referral(worker, r)
        if "accept" in steps:
            services.accept_referral(worker, r)
            services.add_note(worker, r, "Called the family; visit planned. (internal)")
        if "contact" in steps:
            services.record_first_contact(worker, r)
            services.add_note(worker, r, "Family reached and agreed to a home visit.", visibility="shared")
        if "close" in steps:
            services.close_referral(worker, r, "mediated", "Both parties met at the centre and agreed on terms.")
