import pytest
from django.urls import reverse

from accounts import hooks
from referrals import prefill
from referrals.models import Referral
from tests.referrals.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(world):
    household = HouseholdFactory(address="No. 3, Lane 5, Xinyi Rd.")
    child = PersonFactory(household=household, name="Little Wang", estimated_age=7)

    def from_visit(user, reference):
        if reference != "PV-2026-000007" or user != world.officer:
            return None  # not a record this user may see
        return prefill.Prefill(
            origin_reference=reference,
            category="vulnerable_family",
            incident_place=household.address,
            narrative="Found on a community policing visit.",
            household=household,
            persons=[(child, "child")],
        )

    # Only this provider answers for patrol visits inside the test; the real one (patrols) is back after it.
    with hooks.replaced(hooks.REFERRAL_PREFILL, lambda p: p.origin != "patrol_visit"):
        with hooks.register_temporarily(hooks.REFERRAL_PREFILL, prefill.Provider("patrol_visit", from_visit)):
            yield household, child


def test_form_opens_prefilled_and_the_referral_keeps_the_visit_reference(world, client, provider):
    household, child = provider
    client.force_login(world.officer)
    url = reverse("referrals:file") + "?origin=patrol_visit&origin_reference=PV-2026-000007"
    response = client.get(url)
    html = response.content.decode()
    assert "PV-2026-000007" in html and "Little Wang" in html
    form = response.context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "level": "2",
        "consent": "given",
        "incident_at": form.fields["incident_at"].initial.strftime("%Y-%m-%dT%H:%M"),
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "12",
        "persons-0-role": "child",
        "persons-0-name": "Little Wang",
        "persons-0-existing": str(child.pk),
    }
    response = client.post(url, data)
    referral = Referral.objects.get()
    assert (referral.origin, referral.origin_reference) == ("patrol_visit", "PV-2026-000007")
    assert referral.household == household
    assert referral.person_links.get().person == child  # linked, not duplicated


def test_a_record_the_user_may_not_see_opens_an_empty_form(world, client, provider):
    from tests.factories import OfficerFactory

    client.force_login(OfficerFactory())
    html = client.get(reverse("referrals:file") + "?origin=patrol_visit&origin_reference=PV-2026-000007").content
    assert b"Little Wang" not in html
    assert b'value="PV-2026-000007"' not in html  # no hidden origin field carrying the visit
