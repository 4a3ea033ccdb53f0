"""The receiving team tells the referring station whether a referral was appropriate and what was missing."""

import pytest
from django.urls import reverse

from referrals import selectors, services
from referrals.models import ReferralFeedback
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db


def _file(world):
    return services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())


def test_accepting_with_feedback_is_shown_to_the_officer(world, client):
    referral = _file(world)
    client.force_login(world.worker)
    response = client.post(
        reverse("referrals:act", args=[referral.pk, "accept"]),
        {"worker": world.worker.pk, "appropriate": "no", "gaps": ["contact", "risk"]},
    )
    assert response.status_code == 302
    feedback = ReferralFeedback.objects.get(referral=referral)
    assert (feedback.appropriate, feedback.gaps, feedback.station) == (False, ["contact", "risk"], world.station)
    client.force_login(world.officer)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "not appropriate" in page and "Contact details missing or wrong" in page and "Risks not stated" in page


def test_declining_through_the_api_with_feedback_and_a_later_answer_replaces_it(world, client):
    referral = _file(world)
    client.force_login(world.supervisor)
    response = client.post(
        f"/api/referrals/{referral.pk}/decline/",
        {"reason": "not_in_remit", "appropriate": False, "gaps": ["wrong_service"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert ReferralFeedback.objects.get().gaps == ["wrong_service"]
    response = client.post(
        f"/api/referrals/{referral.pk}/feedback/", {"appropriate": True, "gaps": []}, content_type="application/json"
    )
    assert response.status_code == 200
    assert list(ReferralFeedback.objects.values_list("appropriate", "gaps")) == [(True, [])]


def test_bad_codes_are_field_errors_and_save_nothing(world, client):
    referral = _file(world)
    services.accept_referral(actor=world.worker, referral=referral)
    client.force_login(world.worker)
    response = client.post(
        f"/api/referrals/{referral.pk}/feedback/",
        {"appropriate": "maybe", "gaps": ["nonsense"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and {"appropriate", "gaps"} <= set(response.json())
    assert not ReferralFeedback.objects.exists()


def test_station_rate_and_common_gaps(world):
    for appropriate, gaps in [(True, []), (True, ["consent"]), (False, ["consent", "contact"]), (False, ["consent"])]:
        referral = _file(world)
        services.accept_referral(
            actor=world.worker, referral=referral, feedback={"appropriate": appropriate, "gaps": gaps}
        )
    [row] = selectors.feedback_by_station([world.station])
    assert (row.station, row.answered, row.appropriate, row.rate) == (world.station, 4, 2, 50)
    assert row.common_gaps[0] == ("Consent not recorded", 3)
