"""Patrol paths tried as an attacker would: every record id in any input resolves through the caller's
visibility, and a record of the other district answers exactly like one that does not exist."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patrols import services
from patrols.models import Beat, KeyLocation, PatrolVisit, PersonOfConcern
from tests.world import build_world

pytestmark = pytest.mark.django_db

MISSING = 987654321


def patrol_records(station, officer, head, tag):
    """A beat, a person of concern with a visit, a key location, a pending change of hours, a report."""
    beat = Beat.objects.create(station=station, code=f"B-{tag}", officer=officer)
    poc = PersonOfConcern.objects.create(station=station, beat=beat, name=f"Chen {tag}", address="No. 3, Lane 5")
    return SimpleNamespace(
        beat=beat,
        poc=poc,
        visit=services.record_visit(actor=officer, person=poc, outcome="met"),
        location=KeyLocation.objects.create(station=station, type="work_shed", name=f"Shed {tag}", address="Lane 7"),
        change=services.change_beat_hours(actor=officer, beat=beat, new_hours=Decimal("1"), reason="Fewer households"),
        report=services.open_report(station=station, month=timezone.localdate()),
    )


@pytest.fixture
def world(db):
    world = build_world()
    world.ours = patrol_records(world.a.s1, world.officer, world.station_head, "A")
    world.theirs = patrol_records(world.b.s1, world.officer_other, world.station_head_other, "B")
    return world


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def same_answer(first, second, foreign_id):
    """Two answers that say the same thing: status and body equal once the id typed is left out."""

    def body(response, typed):
        return re.sub(rf"\b{typed}\b", "ID", response.content.decode())

    return first.status_code == second.status_code and body(first, foreign_id) == body(second, MISSING)


# --- forms -----------------------------------------------------------------------------------
def test_a_key_location_cannot_be_put_on_another_districts_beat(world, client):
    client.force_login(world.officer)
    url = reverse("patrols:locations")
    data = {"type": "vacant_house", "name": "Empty house", "address": "Lane 9"}

    foreign = client.post(url, data | {"beat": world.theirs.beat.pk})
    missing = client.post(url, data | {"beat": MISSING})

    assert foreign.status_code == missing.status_code == 400
    assert foreign.context["form"].errors == missing.context["form"].errors
    assert not KeyLocation.objects.filter(name="Empty house").exists()
    # Its own station's beat is accepted.
    assert client.post(url, data | {"beat": world.ours.beat.pk}).status_code == 302
    assert KeyLocation.objects.get(name="Empty house").beat == world.ours.beat


def test_a_key_location_cannot_be_put_on_another_stations_beat_by_the_service(world):
    other_station_beat = Beat.objects.create(station=world.a.s2, code="S2-1")
    with pytest.raises(Exception) as refused:
        services.add_key_location(
            actor=world.officer,
            station=world.a.s1,
            type="vacant_house",
            name="Empty",
            address="Lane 9",
            beat=other_station_beat,
        )
    assert "beat" in str(refused.value)
    assert not KeyLocation.objects.filter(name="Empty").exists()


# --- URLs naming a record ---------------------------------------------------------------------
def _urls(records):
    return [
        ("get", reverse("patrols:person", args=[records.poc.pk]), records.poc.pk),
        ("post", reverse("patrols:person", args=[records.poc.pk]), records.poc.pk),
        ("post", reverse("patrols:add_child", args=[records.poc.pk]), records.poc.pk),
        ("get", reverse("patrols:visit", args=[records.visit.pk]), records.visit.pk),
        ("get", reverse("patrols:location", args=[records.location.pk]), records.location.pk),
        ("post", reverse("patrols:location", args=[records.location.pk]), records.location.pk),
        ("post", reverse("patrols:beat_hours", args=[records.beat.pk]), records.beat.pk),
        ("post", reverse("patrols:beat_hours_decide", args=[records.change.pk]), records.change.pk),
        ("get", reverse("patrols:report", args=[records.report.pk]), records.report.pk),
        ("post", reverse("patrols:report", args=[records.report.pk]), records.report.pk),
        ("post", reverse("patrols:report_submit", args=[records.report.pk]), records.report.pk),
    ]


@pytest.mark.parametrize("index", range(11))
def test_pages_answer_another_districts_record_like_a_missing_one(world, client, index):
    method, url, pk = _urls(world.theirs)[index]
    client.force_login(world.station_head)
    foreign = getattr(client, method)(url, {"name": "x", "estimated_age": 3, "new_hours": 9, "reason": "r"})
    missing = getattr(client, method)(url.replace(f"/{pk}/", f"/{MISSING}/"), {"name": "x"})
    assert foreign.status_code == missing.status_code == 404
    assert Beat.objects.get(pk=world.theirs.beat.pk).weekly_visit_hours == Decimal("4.0")
    assert world.theirs.change.__class__.objects.get(pk=world.theirs.change.pk).status == "pending"


# --- API --------------------------------------------------------------------------------------
def test_api_visit_for_another_districts_person_answers_like_a_missing_person(world):
    client = api_as(world.officer)
    payload = {"outcome": "met"}

    foreign = client.post("/api/patrol-visits/", payload | {"person": world.theirs.poc.pk}, format="json")
    missing = client.post("/api/patrol-visits/", payload | {"person": MISSING}, format="json")

    assert foreign.status_code == 400
    assert same_answer(foreign, missing, world.theirs.poc.pk)
    assert PatrolVisit.objects.filter(person=world.theirs.poc).count() == 1


@pytest.mark.parametrize(
    "endpoint, field, record",
    [
        ("/api/persons-of-concern/", "beat", "beat"),
    ],
)
def test_api_filters_answer_another_districts_id_like_a_missing_one(world, endpoint, field, record):
    client = api_as(world.officer)
    foreign_id = getattr(world.theirs, record).pk
    foreign = client.get(endpoint, {field: foreign_id})
    missing = client.get(endpoint, {field: MISSING})
    assert same_answer(foreign, missing, foreign_id), (foreign.content, missing.content)
    # The caller's own id still filters.
    own = client.get(endpoint, {field: getattr(world.ours, record).pk})
    assert own.status_code == 200 and [r["id"] for r in own.json()["results"]] == [world.ours.poc.pk]


@pytest.mark.parametrize(
    "endpoint, record",
    [
        ("/api/beats/", "beat"),
        ("/api/persons-of-concern/", "poc"),
        ("/api/patrol-visits/", "visit"),
        ("/api/key-locations/", "location"),
    ],
)
def test_api_detail_of_another_districts_record_is_a_missing_one(world, endpoint, record):
    client = api_as(world.officer)
    foreign_id = getattr(world.theirs, record).pk
    foreign = client.get(f"{endpoint}{foreign_id}/")
    missing = client.get(f"{endpoint}{MISSING}/")
    assert foreign.status_code == 404 and same_answer(foreign, missing, foreign_id)


# --- hole 16, the patrol end: a referral naming our visit from elsewhere is not shown on it -------------
def test_a_visit_page_shows_only_a_referral_the_reader_may_see(world, client):
    from referrals.models import Referral

    visit = world.ours.visit
    # Made directly: whatever filing checks, a row naming our visit from another district must not show.
    foreign = Referral.objects.create(
        reference="R-2026-900001",
        category="domestic_violence",
        level=2,
        incident_at=timezone.now(),
        narrative="Filed elsewhere, naming another station's visit",
        created_by=world.officer_other,
        referring_officer=world.officer_other,
        referring_station=world.b.s1,
        district=world.b.district,
        origin="patrol_visit",
        origin_reference=visit.reference,
    )
    client.force_login(world.officer)
    page = client.get(visit.get_absolute_url())
    assert page.status_code == 200
    assert foreign.reference not in page.content.decode() and page.context["referral"] is None
