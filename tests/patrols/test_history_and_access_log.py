"""Every read of a person of concern or a patrol visit is in the access log, in any channel, and patrol
history (visits, reports, evaluations, inspections, changes of beat hours) cannot be erased in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessLog
from patrols import services
from patrols.models import (
    BeatHoursChange,
    Evaluation,
    EvaluationItem,
    Inspection,
    KeyLocation,
    MonthlyReport,
    PatrolVisit,
    PersonOfConcern,
)
from tests.patrols.test_authorisation import patrol_records
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    world = build_world()
    world.ours = patrol_records(world.a.s1, world.officer, world.station_head, "A")
    world.second_poc = PersonOfConcern.objects.create(
        station=world.a.s1, beat=world.ours.beat, name="Chen Two", address="No. 4, Lane 5"
    )
    world.second_visit = services.record_visit(actor=world.officer, person=world.second_poc, outcome="met")
    return world


def logged(user, model):
    return sorted(
        AccessLog.objects.filter(user=user, action="view", object_type=model._meta.label_lower).values_list(
            "object_id", flat=True
        )
    )


def ids(*records):
    return sorted(str(r.pk) for r in records)


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- hole 8: reads through the API and the pages --------------------------------------------------
def test_api_retrieve_of_a_person_of_concern_and_a_visit_is_logged(world):
    client = api_as(world.officer)
    assert client.get(f"/api/persons-of-concern/{world.ours.poc.pk}/").status_code == 200
    assert client.get(f"/api/patrol-visits/{world.ours.visit.pk}/").status_code == 200
    assert logged(world.officer, PersonOfConcern) == ids(world.ours.poc)
    assert logged(world.officer, PatrolVisit) == ids(world.ours.visit)


def test_api_lists_log_one_row_per_person_and_visit_shown(world):
    client = api_as(world.officer)
    assert len(client.get("/api/persons-of-concern/").json()["results"]) == 2
    assert len(client.get("/api/patrol-visits/").json()["results"]) == 2
    assert logged(world.officer, PersonOfConcern) == ids(world.ours.poc, world.second_poc)
    assert logged(world.officer, PatrolVisit) == ids(world.ours.visit, world.second_visit)


def test_an_invisible_record_leaves_no_read_in_the_log(world):
    client = api_as(world.officer_other)
    assert client.get(f"/api/persons-of-concern/{world.ours.poc.pk}/").status_code == 404
    assert client.get("/api/patrol-visits/").json()["results"] == []
    assert not AccessLog.objects.filter(user=world.officer_other, action="view").exists()


def test_pages_listing_persons_and_visits_log_each_one_shown(world, client):
    due = [
        PersonOfConcern.objects.create(station=world.a.s1, beat=world.ours.beat, name=f"Due {n}", address="Lane 1")
        for n in range(3)
    ]
    client.force_login(world.officer)
    assert client.get(reverse("patrols:beat")).status_code == 200
    assert logged(world.officer, PersonOfConcern) == ids(*due)

    before = len(logged(world.officer, PatrolVisit))
    assert client.get(reverse("patrols:person", args=[world.ours.poc.pk])).status_code == 200
    visits = logged(world.officer, PatrolVisit)
    assert len(visits) == before + 1 and str(world.ours.visit.pk) in visits


# --- hole 9: patrol history is read-only in the admin ----------------------------------------------
@pytest.fixture
def admin_client(client, world):
    world.administrator.is_staff = True
    world.administrator.save()
    client.force_login(world.administrator)
    return client


def test_visits_reports_and_evaluations_cannot_be_edited_or_deleted_in_the_admin(world, admin_client):
    visit, report = world.ours.visit, world.ours.report
    item = EvaluationItem.objects.create(name="Visits", weight=Decimal(100))
    evaluation = services.evaluate(actor=world.administrator, unit=world.a.s1, period="2026-H1", scores={item.pk: 80})

    answers = [
        admin_client.post(reverse("admin:patrols_patrolvisit_delete", args=[visit.pk]), {"post": "yes"}),
        admin_client.post(reverse("admin:patrols_patrolvisit_change", args=[visit.pk]), {"outcome": "refused"}),
        admin_client.post(reverse("admin:patrols_monthlyreport_change", args=[report.pk]), {"status": "submitted"}),
        admin_client.post(reverse("admin:patrols_monthlyreport_delete", args=[report.pk]), {"post": "yes"}),
        admin_client.post(reverse("admin:patrols_evaluation_delete", args=[evaluation.pk]), {"post": "yes"}),
        admin_client.post(reverse("admin:patrols_evaluation_change", args=[evaluation.pk]), {"total": "99"}),
    ]
    bulk = admin_client.post(
        reverse("admin:patrols_patrolvisit_changelist"), {"action": "delete_selected", "_selected_action": [visit.pk]}
    )

    assert [a.status_code for a in answers] == [403] * 6 and bulk.status_code in (200, 302)
    assert PatrolVisit.objects.filter(pk=visit.pk, outcome="met").exists()
    assert MonthlyReport.objects.filter(pk=report.pk, status="draft").exists()
    assert Evaluation.objects.filter(pk=evaluation.pk, total=Decimal("80.00")).exists()


def test_deleting_a_key_location_or_a_beat_in_the_admin_cannot_erase_their_history(world, admin_client):
    location, beat = world.ours.location, world.ours.beat
    services.inspect_location(actor=world.officer, location=location, kind="drug_lab", indicators=["windows_covered"])

    assert (
        admin_client.post(reverse("admin:patrols_keylocation_delete", args=[location.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.post(reverse("admin:patrols_beat_delete", args=[beat.pk]), {"post": "yes"}).status_code == 403
    assert KeyLocation.objects.filter(pk=location.pk).exists() and Inspection.objects.filter(location=location).exists()
    assert BeatHoursChange.objects.filter(beat=beat).exists()


def test_opening_patrol_records_in_the_admin_is_logged(world, admin_client):
    for name, record in (
        ("patrols_personofconcern", world.ours.poc),
        ("patrols_patrolvisit", world.ours.visit),
        ("patrols_monthlyreport", world.ours.report),
    ):
        assert admin_client.get(reverse(f"admin:{name}_change", args=[record.pk])).status_code == 200
        assert logged(world.administrator, type(record)) == ids(record), name
