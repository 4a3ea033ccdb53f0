"""Returned for more information (clock pauses and resumes), re-referred outside, failed; public status codes."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Referral, Status
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db


def _file(world, **kw):
    return services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data(**kw))


def test_returned_referral_pauses_the_clock_and_resumes_it_with_the_time_left(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = _file(world, level=2)  # 24 hours to acknowledge
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        client.force_login(world.worker)
        client.post(reverse("referrals:act", args=[referral.pk, "return"]), {"needed": "Which school?"})
    referral.refresh_from_db()
    assert referral.status == Status.RETURNED and referral.escalate_at is None
    assert referral.sla_remaining == timedelta(hours=20)
    client.force_login(world.officer)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Which school?" in page and 'data-testid="do-resubmit"' in page

    # Three days later the officer answers: the team has the 20 hours it had left.
    later = start + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        client.force_login(world.officer)  # a new sign-in, three days on
        client.post(reverse("referrals:act", args=[referral.pk, "resubmit"]), {"added": "Zhongshan Primary."})
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    assert referral.ack_due_at == later + timedelta(hours=20) == referral.escalate_at
    assert referral.narrative.endswith("Zhongshan Primary.") and referral.returned_for == ""
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["returned", "resubmitted"]


def test_nothing_escalates_while_the_referral_waits_on_the_police(world):
    referral = _file(world, level=1)
    services.return_to_referrer(actor=world.worker, referral=referral, needed="Address?")
    assert services.sweep_escalations(now=timezone.now() + timedelta(days=2)) == 0
    assert not referral.escalations.exists()


def test_re_referred_and_failed_end_the_referral_with_their_codes(world, client):
    elsewhere = _file(world)
    services.accept_referral(actor=world.worker, referral=elsewhere)
    services.re_refer(
        actor=world.worker, referral=elsewhere, agency="City Mental Health Centre", reason="Needs psychiatric care"
    )
    unreachable = _file(world)
    services.accept_referral(actor=world.worker, referral=unreachable)
    services.record_failure(actor=world.worker, referral=unreachable, reason="refused", note="Family declined twice")
    client.force_login(world.officer)
    rows = {r["reference"]: r for r in client.get("/api/referrals/").json()["results"]}
    assert (rows[elsewhere.reference]["status"], rows[elsewhere.reference]["status_code"]) == (
        "re_referred",
        "re-referred",
    )
    assert (rows[unreachable.reference]["status"], rows[unreachable.reference]["status_code"]) == ("failed", "failed")
    assert "City Mental Health Centre" in client.get(elsewhere.get_absolute_url()).content.decode()
    detail = client.get(f"/api/referrals/{unreachable.pk}/").json()
    assert detail["failure_reason"] == "refused"
    task = client.get(reverse("fhir-task", kwargs={"reference": unreachable.reference})).json()
    assert task["status"] == "failed" and task["businessStatus"]["coding"][0]["display"] == "失敗"
    for r in (elsewhere, unreachable):
        assert Referral.objects.get(pk=r.pk).closed_at is not None


def test_bad_input_is_a_field_error_and_changes_nothing(world, client):
    referral = _file(world)
    client.force_login(world.worker)
    response = client.post(f"/api/referrals/{referral.pk}/return/", {"needed": ""}, content_type="application/json")
    assert response.status_code == 400 and "needed" in response.json()
    services.accept_referral(actor=world.worker, referral=referral)
    response = client.post(f"/api/referrals/{referral.pk}/fail/", {"reason": "bored"}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED
