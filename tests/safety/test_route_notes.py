"""Route notes for an address: shared by the social workers who go there, never shown to police."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safety import services
from safety.models import RouteNote
from safety.services import route_notes
from tests import factories as f
from tests.safety.conftest import soon

pytestmark = pytest.mark.django_db

NOTE = "Dog in the yard; use the back entrance"


def _plan(world, address=""):
    return services.plan_visit(
        actor=world.worker,
        referral=world.referral,
        workers=[world.worker],
        planned_start=soon(60),
        expected_minutes=60,
        address=address,
    )


def test_a_note_is_shown_at_every_visit_to_the_same_address(world, client):
    visit = _plan(world)
    client.force_login(world.worker)
    response = client.post(reverse("safety:route_note_add", args=[visit.pk]), {"text": NOTE})
    assert response.status_code == 302
    note = RouteNote.objects.get()
    assert (note.author, note.agency, note.visit) == (world.worker, world.agency, visit)
    # The same place written differently (full-width characters, other spacing) is the same address.
    other = _plan(world, address="Ｎｏ．８ Alley 2 Heping Rd")
    for url in (
        visit.get_absolute_url(),
        other.get_absolute_url(),
        reverse("safety:visit_plan", args=[world.referral.pk]),
        reverse("safety:visit_assessment", args=[other.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200 and NOTE in page.content.decode(), url
    elsewhere = _plan(world, address="No. 99, Other Rd.")
    assert NOTE not in client.get(elsewhere.get_absolute_url()).content.decode()


def test_social_workers_of_the_agency_see_notes_others_do_not(world):
    visit = _plan(world)
    route_notes.add_route_note(actor=world.worker, visit=visit, text=NOTE)
    same_agency = f.SocialWorkerFactory(
        organization=f.TeamFactory(district=world.station.district, parent=world.agency)
    )
    other_agency = f.SocialWorkerFactory()
    for user in (world.worker, world.worker2, same_agency, world.supervisor):
        assert [n.text for n in route_notes.notes_for(user=user, address=visit.address)] == [NOTE], user
    for user in (other_agency, world.officer, world.station_head):
        assert route_notes.notes_for(user=user, address=visit.address) == [], user
        assert not RouteNote.objects.visible_to(user).exists()


def test_police_get_404_and_never_see_the_notes(world, client):
    visit = _plan(world)
    route_notes.add_route_note(actor=world.worker, visit=visit, text=NOTE)
    services.request_escort(actor=world.worker, visit=visit, needed_from=soon(60), needed_until=soon(120))
    for officer in (world.officer, world.station_head):
        client.force_login(officer)
        assert client.get(visit.get_absolute_url()).status_code == 404
        assert (
            client.post(reverse("safety:route_note_add", args=[visit.pk]), {"text": "Police note"}).status_code == 404
        )
        escorts = client.get(reverse("safety:escorts"))  # the station sees the escort request for this visit
        assert escorts.status_code == 200 and 'data-testid="escorts"' in escorts.content.decode()
        assert NOTE not in escorts.content.decode()
        with pytest.raises(PermissionDenied):
            route_notes.add_route_note(actor=officer, visit=visit, text="Police note")
    assert list(RouteNote.objects.values_list("text", flat=True)) == [NOTE]


def test_an_empty_note_is_refused(world):
    visit = _plan(world)
    with pytest.raises(ValidationError):
        route_notes.add_route_note(actor=world.worker, visit=visit, text="   ")
    assert not RouteNote.objects.exists()
