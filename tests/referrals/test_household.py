"""Workers of different agencies serving one family find each other; each sees only its own records."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from referrals import services
from referrals.models import Referral
from safety import services as safety_services
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(world):
    ours = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data(narrative="Our narrative"))
    services.accept_referral(actor=world.worker, referral=ours)
    other_agency = f.AgencyFactory(district=world.district, contact_phone="02-2345-6789", name="Youth Centre")
    other_team = f.TeamFactory(district=world.district, parent=other_agency)
    other_worker = f.SocialWorkerFactory(organization=other_team, phone="0922-111-333", first_name="Mei")
    theirs = services.submit_referral(
        actor=world.officer, persons=[SUBJECT], **referral_data(narrative="Their narrative", category="juvenile")
    )
    Referral.objects.filter(pk=theirs.pk).update(household=ours.household, team=other_team)
    theirs.refresh_from_db()
    services.accept_referral(actor=other_worker, referral=theirs)
    safety_services.report_hazard_event(
        actor=other_worker,
        types=["intimidation"],
        occurred_at=timezone.now(),
        place="Stairwell",
        narrative="Shouted",
        referral=theirs,
    )
    return ours, theirs, other_worker


def test_the_timeline_shows_our_records_and_only_the_holder_of_theirs(world, client, family):
    ours, theirs, other_worker = family
    client.force_login(world.worker)
    response = client.get(reverse("referrals:household", args=[ours.household_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert ours.reference in page
    assert theirs.reference not in page and "Their narrative" not in page and "Juvenile" not in page
    assert "Stairwell" not in page and "Shouted" not in page
    assert page.count("A record held by Youth Centre, contact 02-2345-6789") == 2  # their referral and event
    # Names and contact of the other worker, to coordinate.
    workers = response.context["workers"]
    assert {r.assigned_worker for r in workers} == {world.worker, other_worker}
    assert "0922-111-333" in page
    assert AccessLog.objects.filter(user=world.worker, object_type="referrals.household").exists()
    assert 'data-testid="household-timeline-link"' in client.get(ours.get_absolute_url()).content.decode()


def test_only_social_work_that_sees_the_household_opens_it(world, client, family):
    ours, _theirs, _other = family
    url = reverse("referrals:household", args=[ours.household_id])
    for outsider in (world.officer, f.SocialWorkerFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(world.worker)
    assert client.get(reverse("referrals:household", args=[999999])).status_code == 404
