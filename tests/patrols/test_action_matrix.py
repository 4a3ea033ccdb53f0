"""Every patrol action × every actor of the two-district world × service, page and API.

Who may act is written out here from the rules the users were given (DESIGN.md, DOMAIN.md: patrol
records are police work; the station head approves reductions of beat hours, submits the monthly
report and corrects it by amendment; any station takes a missing-person report), not read from
patrols/policy.py: the point is to catch the policy and the services disagreeing with them.

The records are station S1's, in district A. Actions a station takes for itself (adding a key location,
logging community work, taking a missing-person report) name the station in the service call; on the
pages and in the API the station is the caller's own, so every officer or head of a station may take
them there, and an administrator, who has no station, is refused.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patrols import services
from patrols.models import (
    Beat,
    BeatHoursChange,
    CommunityActivity,
    Evaluation,
    EvaluationItem,
    Inspection,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    PatrolVisit,
    PersonOfConcern,
    ReportAmendment,
)
from referrals.models import Person
from tests import action_matrix
from tests.action_matrix import Action
from tests.world import ACTORS, two_districts

pytestmark = pytest.mark.django_db

# Who sees station S1's patrol records: its police and administrators.
SEES = frozenset({"officer", "officer_station", "station_head", "administrator"})
S1_POLICE = SEES
S1_HEAD = frozenset({"station_head", "administrator"})
# Who reaches the patrol pages at all (other roles get 404), and who has a station to act for there.
POLICE_AT_A_STATION = frozenset(
    {"officer", "officer_station", "officer_same_parent", "station_head", "officer_other", "station_head_other"}
)
PATROL_PAGES = POLICE_AT_A_STATION | {"administrator"}


# --- records in the state each action needs ------------------------------------------------------
def a_person(world, actor):
    beat = Beat.objects.create(station=world.a.s1, code=f"B-{ACTORS.index(actor)}", officer=world.officer)
    return PersonOfConcern.objects.create(station=world.a.s1, beat=beat, name=f"Wu {actor}", address="No. 8, Lane 2")


def a_location(world, actor):
    return KeyLocation.objects.create(station=world.a.s1, type="work_shed", name=f"Shed {actor}", address="Lane 3")


def a_beat(world, actor):
    return Beat.objects.create(station=world.a.s1, code=f"B-{ACTORS.index(actor)}", officer=world.officer)


def a_pending_reduction(world, actor):
    return services.change_beat_hours(
        actor=world.officer, beat=a_beat(world, actor), new_hours=Decimal("2"), reason="Fewer households"
    )


def _month(actor):
    n = ACTORS.index(actor)
    return date(2020 + n // 12, n % 12 + 1, 1)


def a_draft_report(world, actor):
    return services.open_report(station=world.a.s1, month=_month(actor))


def a_submitted_report(world, actor):
    return services.submit_report(actor=world.station_head, report=a_draft_report(world, actor))


def nothing(world, actor):
    return None


# --- the database, read back ------------------------------------------------------------------------
def person_state(poc):
    poc = PersonOfConcern.objects.get(pk=poc.pk)
    return {
        "visits": PatrolVisit.objects.filter(person=poc).count(),
        "last_visited_on": poc.last_visited_on,
        "household": poc.household_id,
        "persons_in_household": Person.objects.filter(household_id=poc.household_id).count() if poc.household_id else 0,
    }


def location_state(location):
    location = KeyLocation.objects.get(pk=location.pk)
    return {
        "inspections": Inspection.objects.filter(location=location).count(),
        "last_checked_on": location.last_checked_on,
        "status": location.status,
    }


def beat_state(beat):
    beat_id = beat.beat_id if isinstance(beat, BeatHoursChange) else beat.pk
    return {
        "hours": Beat.objects.get(pk=beat_id).weekly_visit_hours,
        "changes": list(BeatHoursChange.objects.filter(beat_id=beat_id).values_list("status", flat=True)),
    }


def report_state(report):
    report = MonthlyReport.objects.get(pk=report.pk)
    return {
        "status": report.status,
        "submitted_by": report.submitted_by_id,
        "figures": report.figures,
        "amendments": ReportAmendment.objects.filter(report=report).count(),
    }


def counts(_target):
    return {
        "locations": KeyLocation.objects.count(),
        "activities": CommunityActivity.objects.count(),
        "missing": MissingPersonReport.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "reports": MonthlyReport.objects.count(),
    }


def one_more(key):
    return lambda w, before, after: after[key] == before[key] + 1


def local_minute():
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


VISIT_FORM = {"outcome": "met", "children_present": 0}
MISSING = {
    "name": "Lin Hsiao",
    "sex": "female",
    "age": 9,
    "last_seen_place": "Station square",
    "description": "Red coat",
}
ACTIVITY = {"kind": "briefing", "place": "Community hall", "attendees": 30, "topics": ["fraud"]}
LOCATION = {"type": "vacant_house", "name": "Empty house", "address": "Lane 9"}


def amendment_form(report):
    figures = MonthlyReport.objects.get(pk=report.pk).figures
    fields = {f"fig_{key}": value for key, value in figures.items()}
    return fields | {"fig_visits_done": 5, "reason": "Visits logged late on paper"}


def scores():
    items = list(EvaluationItem.objects.all()) or [
        EvaluationItem.objects.create(name="Visits", weight=Decimal(60)),
        EvaluationItem.objects.create(name="Locations", weight=Decimal(40)),
    ]
    return {item.pk: 80 for item in items}


ACTIONS = [
    Action(
        "record_visit",
        allowed=S1_POLICE,
        visible=SEES,
        setup=a_person,
        snapshot=person_state,
        changed=one_more("visits"),
        service=lambda w, u, p: services.record_visit(actor=u, person=p, outcome="met"),
        page=lambda w, p: (reverse("patrols:person", args=[p.pk]), VISIT_FORM | {"visited_at": local_minute()}),
        api=lambda w, p: ("/api/patrol-visits/", {"person": p.pk, "outcome": "met"}),
        api_ok=frozenset({201}),
        api_unseen=frozenset({400}),  # the person id is in the body: answered like a missing id
    ),
    Action(
        "add_child",
        allowed=S1_POLICE,
        visible=SEES,
        setup=a_person,
        snapshot=person_state,
        changed=lambda w, b, a: a["persons_in_household"] == 2,  # the person of concern and the child
        service=lambda w, u, p: services.add_child(actor=u, person=p, name="Wu Mei", estimated_age=7),
        page=lambda w, p: (reverse("patrols:add_child", args=[p.pk]), {"name": "Wu Mei", "estimated_age": 7}),
    ),
    Action(
        "inspect_location",
        allowed=S1_POLICE,
        visible=SEES,
        setup=a_location,
        snapshot=location_state,
        changed=lambda w, b, a: a["inspections"] == 1 and a["status"] == "suspected",
        service=lambda w, u, loc: services.inspect_location(
            actor=u, location=loc, kind="drug_lab", indicators=["windows_covered", "chemical_smell", "night_activity"]
        ),
        page=lambda w, loc: (
            reverse("patrols:location", args=[loc.pk]),
            {"kind": "drug_lab", "indicators": ["windows_covered", "chemical_smell", "night_activity"]},
        ),
    ),
    Action(
        "change_hours",
        allowed=S1_POLICE,
        visible=SEES,
        setup=a_beat,
        snapshot=beat_state,
        changed=lambda w, b, a: a["hours"] == Decimal("6.0") and a["changes"] == ["approved"],
        service=lambda w, u, beat: services.change_beat_hours(
            actor=u, beat=beat, new_hours=Decimal("6"), reason="New housing estate"
        ),
        page=lambda w, beat: (
            reverse("patrols:beat_hours", args=[beat.pk]),
            {"new_hours": "6", "reason": "New housing estate"},
        ),
    ),
    Action(
        "decide_hours",
        allowed=S1_HEAD,
        visible=SEES,
        setup=a_pending_reduction,
        snapshot=beat_state,
        changed=lambda w, b, a: a["hours"] == Decimal("2.0") and a["changes"] == ["approved"],
        service=lambda w, u, change: services.decide_beat_hours(actor=u, change=change, approve=True),
        page=lambda w, change: (reverse("patrols:beat_hours_decide", args=[change.pk]), {"approve": "1"}),
    ),
    Action(
        "submit_report",
        allowed=S1_HEAD,
        visible=SEES,
        setup=a_draft_report,
        snapshot=report_state,
        changed=lambda w, b, a: a["status"] == "submitted" and "visits_done" in a["figures"],
        service=lambda w, u, r: services.submit_report(actor=u, report=r),
        page=lambda w, r: (reverse("patrols:report_submit", args=[r.pk]), {}),
    ),
    Action(
        "amend_report",
        allowed=S1_HEAD,
        visible=SEES,
        setup=a_submitted_report,
        snapshot=report_state,
        changed=one_more("amendments"),
        service=lambda w, u, r: services.amend_report(
            actor=u, report=r, figures={"visits_done": 5}, reason="Visits logged late on paper"
        ),
        page=lambda w, r: (reverse("patrols:report", args=[r.pk]), amendment_form(r)),
    ),
]

# --- a station's own work: the service names the station (S1), pages and API use the caller's --------
STATION_ACTIONS = [
    Action(
        "add_location",
        allowed=S1_POLICE,
        visible=frozenset(ACTORS),
        setup=nothing,
        snapshot=counts,
        changed=one_more("locations"),
        service=lambda w, u, _: services.add_key_location(actor=u, station=w.a.s1, **LOCATION),
    ),
    Action(
        "add_location at the caller's station",
        allowed=POLICE_AT_A_STATION,
        visible=PATROL_PAGES,
        setup=nothing,
        snapshot=counts,
        changed=one_more("locations"),
        page=lambda w, _: (reverse("patrols:locations"), LOCATION),
    ),
    Action(
        "log_activity",
        allowed=S1_POLICE,
        visible=frozenset(ACTORS),
        setup=nothing,
        snapshot=counts,
        changed=one_more("activities"),
        service=lambda w, u, _: services.log_activity(
            actor=u, station=w.a.s1, held_on=timezone.localdate(), **ACTIVITY
        ),
    ),
    Action(
        "log_activity at the caller's station",
        allowed=POLICE_AT_A_STATION,
        visible=PATROL_PAGES,
        setup=nothing,
        snapshot=counts,
        changed=one_more("activities"),
        page=lambda w, _: (reverse("patrols:activities"), ACTIVITY | {"held_on": timezone.localdate().isoformat()}),
        api=lambda w, _: ("/api/community-activities/", ACTIVITY | {"held_on": timezone.localdate().isoformat()}),
        api_ok=frozenset({201}),
    ),
    Action(
        "take_missing_report",
        allowed=S1_POLICE,
        visible=frozenset(ACTORS),
        setup=nothing,
        snapshot=counts,
        changed=one_more("missing"),
        service=lambda w, u, _: services.take_missing_person_report(
            actor=u, station=w.a.s1, last_seen_at=timezone.now(), **MISSING
        ),
    ),
    Action(
        "take_missing_report at the caller's station",
        allowed=POLICE_AT_A_STATION,
        visible=PATROL_PAGES,
        setup=nothing,
        snapshot=counts,
        changed=one_more("missing"),
        page=lambda w, _: (reverse("patrols:missing"), MISSING | {"last_seen_at": local_minute()}),
    ),
    Action(
        "open_report",
        allowed=S1_HEAD,
        visible=frozenset(ACTORS),
        setup=lambda w, actor: _month(actor),  # a month of its own per attempt
        snapshot=counts,
        changed=one_more("reports"),
        service=lambda w, u, month: services.open_month_report(actor=u, station=w.a.s1, month=month),
    ),
    Action(
        "open_report at the caller's station",
        allowed=frozenset({"station_head", "station_head_other"}),
        visible=PATROL_PAGES,
        setup=nothing,
        snapshot=counts,
        changed=one_more("reports"),
        page=lambda w, _: (reverse("patrols:report_open"), {}),
    ),
    Action(
        "evaluate",
        allowed=S1_HEAD,
        visible=frozenset(ACTORS),
        setup=lambda w, actor: f"{2000 + ACTORS.index(actor)}-H1",  # a half year of its own per attempt
        snapshot=counts,
        changed=one_more("evaluations"),
        service=lambda w, u, period: services.evaluate(actor=u, unit=w.a.s1, period=period, scores=scores()),
    ),
]


def risk_of(poc):
    return PersonOfConcern.objects.get(pk=poc.pk).risk_level


def raised_to_high(poc):
    """The same person as a fresh copy, the risk level raised as the admin's change form would."""
    copy = PersonOfConcern.objects.get(pk=poc.pk)
    copy.risk_level = "high"
    return copy


def renamed(record, field, value):
    """A fresh copy of ``record`` with one field changed, as the admin's change form would hand it over."""
    copy = type(record).objects.get(pk=record.pk)
    setattr(copy, field, value)
    return copy


def field_of(field):
    return lambda record: getattr(type(record).objects.get(pk=record.pk), field)


# Set up in the admin: administrators only (the admin's forms call these services).
SET_UP_ACTIONS = [
    Action(
        "set_up_person",
        allowed=frozenset({"administrator"}),
        visible=SEES,
        setup=a_person,
        snapshot=risk_of,
        changed=lambda w, b, a: b == "medium" and a == "high",
        service=lambda w, u, p: services.save_person_of_concern(
            actor=u, person=raised_to_high(p), changed=["risk_level"]
        ),
    ),
    Action(
        "set_up_beat",
        allowed=frozenset({"administrator"}),
        visible=SEES,
        setup=a_beat,
        snapshot=field_of("code"),
        changed=lambda w, b, a: a == "B-renamed",
        service=lambda w, u, beat: services.save_beat(actor=u, beat=renamed(beat, "code", "B-renamed")),
    ),
    Action(
        "set_up_location",
        allowed=frozenset({"administrator"}),
        visible=SEES,
        setup=a_location,
        snapshot=field_of("name"),
        changed=lambda w, b, a: a == "Renamed shed",
        service=lambda w, u, loc: services.save_key_location(actor=u, location=renamed(loc, "name", "Renamed shed")),
    ),
]

ALL = ACTIONS + STATION_ACTIONS + SET_UP_ACTIONS
CASES = [(a, c) for a in ALL for c in a.channels()]


world = two_districts  # the two-district world (tests/world.py)


@pytest.mark.parametrize("action,channel", CASES, ids=[f"{a.name.replace(' ', '_')}-{c}" for a, c in CASES])
def test_action_matrix(world, action, channel):
    failures = action_matrix.run(action, world, channel)
    assert not failures, "\n".join(failures)


def test_matrix_size_is_reported(capsys):
    cases = action_matrix.size(ALL)
    with capsys.disabled():
        print(f"\npatrol action matrix: {len(ALL)} actions × {len(ACTORS)} actors × their channels = {cases} attempts")
    assert cases >= 300
