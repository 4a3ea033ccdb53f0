import pytest
from django.urls import reverse
from django.utils import timezone

from patrols import services
from patrols.models import PatrolVisit
from referrals import prefill
from referrals.models import Referral
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_vulnerable_family_becomes_a_prefilled_referral_and_the_visit_shows_its_status(world, client):
    services.add_child(actor=world.officer, person=world.poc, name="Liu Mei", estimated_age=7)
    client.force_login(world.officer)
    response = client.post(
        reverse("patrols:person", args=[world.poc.pk]),
        {
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "outcome": "met",
            "children_present": "1",
            "vulnerable_family": "on",
        },
    )
    visit = PatrolVisit.objects.get()
    assert response.status_code == 302
    page = client.get(visit.get_absolute_url()).content.decode()
    assert 'data-testid="raise-referral"' in page
    filled = prefill.prefill_for(world.officer, "patrol_visit", visit.reference)
    assert filled.household == world.poc.household
    assert sorted(p.name for p, _ in filled.persons) == ["Liu Da", "Liu Mei"]
    assert filled.category == "child_protection"
    form = client.get(reverse("referrals:file") + f"?origin=patrol_visit&origin_reference={visit.reference}")
    assert "Liu Mei" in form.content.decode()
    Referral.objects.create(
        reference="R-2026-777777",
        category="vulnerable_family",
        level=2,
        incident_at=timezone.now(),
        narrative="n",
        created_by=world.officer,
        referring_officer=world.officer,
        referring_station=world.station,
        district=world.station.district,
        origin="patrol_visit",
        origin_reference=visit.reference,
    )
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "R-2026-777777" in page and "Submitted" in page


def test_another_stations_officer_gets_nothing_from_the_provider(world):
    visit = services.record_visit(actor=world.officer, person=world.poc, outcome="met")
    assert prefill.prefill_for(world.other_officer, "patrol_visit", visit.reference) is None


def test_social_workers_get_404_on_patrol_records(world, client):
    visit = services.record_visit(actor=world.officer, person=world.poc, outcome="met")
    client.force_login(f.SocialWorkerFactory())
    for url in [
        reverse("patrols:beat"),
        reverse("patrols:person", args=[world.poc.pk]),
        visit.get_absolute_url(),
        f"/api/patrol-visits/{visit.pk}/",
        f"/api/persons-of-concern/{world.poc.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get("/api/patrol-visits/").json()["results"] == []


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome": "refused"}, "side_visit_note"),
        ({"outcome": "moved"}, "new_address"),
        ({"outcome": "teleported"}, "outcome"),
        ({"outcome": "met", "visited_at": "yesterday"}, "visited_at"),
        ({"outcome": "met", "children_present": "-1"}, "children_present"),
    ],
)
def test_bad_visit_input_gives_field_errors_and_saves_nothing(world, client, data, field):
    client.force_login(world.officer)
    payload = {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "children_present": "0", **data}
    response = client.post(reverse("patrols:person", args=[world.poc.pk]), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PatrolVisit.objects.exists()


def test_api_refuses_someone_elses_person(world, client):
    client.force_login(world.other_officer)
    response = client.post(
        "/api/patrol-visits/", {"person": world.poc.pk, "outcome": "met"}, content_type="application/json"
    )
    assert response.status_code == 400 and "person" in response.json()


def test_beat_page_lists_due_and_overdue_with_constant_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.officer)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("patrols:beat")).status_code == 200


def test_station_adds_a_key_location(world, client):
    client.force_login(world.officer)
    response = client.post(
        reverse("patrols:locations"), {"type": "vacant_house", "name": "Empty house", "address": "Lane 9"}
    )
    assert response.status_code == 302
    from patrols.models import KeyLocation

    assert KeyLocation.objects.get().station == world.station
    bad = client.post(reverse("patrols:locations"), {"type": "castle", "name": "", "address": ""})
    assert bad.status_code == 400 and {"type", "name", "address"} <= set(bad.context["form"].errors)
