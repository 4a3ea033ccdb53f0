"""Holes found when the referral paths were tried as an attacker would, one test each."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from referrals import services
from referrals.models import CaseNote, Referral, ReferralEvent, ReferralUserObjectPermission
from tests.concurrency import run_concurrently
from tests.world import build_world, file_referral, two_districts

pytestmark = pytest.mark.django_db


world = two_districts  # the two-district world (tests/world.py)


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def filing(world, **overrides):
    return {
        "category": "domestic_violence",
        "level": 2,
        "incident_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        "narrative": "Neighbour heard shouting; wife has a bruise; agrees to be contacted.",
        "station": world.a.s1.pk,
        "persons": [{"role": "victim", "name": "Huang Li", "phone": "0912000111"}],
    } | overrides


# --- the dispatch account reads only the shared view -------------------------------------------------
def test_dispatch_account_reads_only_the_shared_view_of_its_referrals(world):
    dispatch = api_as(world.integration)
    created = dispatch.post("/api/referrals/", filing(world), format="json")
    assert created.status_code == 201
    referral = Referral.objects.get(pk=created.json()["id"])
    services.accept_referral(actor=world.worker, referral=referral)
    services.add_note(actor=world.worker, referral=referral, text="Husband has a knife collection; visit in pairs.")
    services.add_note(
        actor=world.worker,
        referral=referral,
        text="We will call the family today.",
        visibility=CaseNote.Visibility.SHARED,
    )

    body = dispatch.get(f"/api/referrals/{referral.pk}/").json()

    assert [n["text"] for n in body["notes"]] == ["We will call the family today."]
    assert "knife" not in str(body)
    internal = set(ReferralEvent.objects.filter(referral=referral, shared=False).values_list("kind", flat=True))
    assert internal and not internal & {e["kind"] for e in body["events"]}
    assert body["allowed_actions"] == []


def test_dispatch_account_cannot_write_notes(world):
    referral = file_referral(world, by=world.integration)
    response = api_as(world.integration).post(
        f"/api/referrals/{referral.pk}/notes/", {"text": "Internal remark", "visibility": "internal"}, format="json"
    )
    assert response.status_code == 403
    assert not CaseNote.objects.filter(referral=referral).exists()


# --- handover text stays with social work ------------------------------------------------------------
def test_police_never_read_handover_dispatch_or_redirect_notes(world, client):
    transferred = file_referral(world)
    services.transfer_referral(
        actor=world.worker, referral=transferred, team=world.a.t2, note="Mother said the father drinks"
    )
    dispatched = file_referral(world)
    Referral.objects.filter(pk=dispatched.pk).update(team=None)
    dispatched.refresh_from_db()
    services.dispatch_referral(
        actor=world.coordinator, referral=dispatched, team=world.a.t1, note="Known to us from 2024"
    )
    redirected = file_referral(world)
    services.decline_referral(actor=world.supervisor, referral=redirected, reason="no_capacity")
    services.redirect_referral(
        actor=world.supervisor, referral=redirected, team=world.a.t2, note="Team 2 has a DV specialist"
    )

    client.force_login(world.officer)
    for referral, secret in (
        (transferred, "drinks"),
        (dispatched, "Known to us"),
        (redirected, "DV specialist"),
    ):
        page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert secret not in page
        api = api_as(world.officer).get(f"/api/referrals/{referral.pk}/").json()
        assert secret not in str(api)
    # ...while the receiving team reads them on the case page.
    client.force_login(world.worker_same_parent)
    assert "drinks" in client.get(reverse("referrals:detail", args=[transferred.pk])).content.decode()


# --- a worker who moves team ---------------------------------------------------------------------------
def test_worker_who_moves_team_loses_the_old_teams_cases(world, client):
    referral = file_referral(world)
    services.accept_referral(actor=world.worker, referral=referral)
    world.worker.organization = world.b.t1
    world.worker.save()

    referral.refresh_from_db()
    assert referral.needs_reassignment
    client.force_login(world.worker)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    response = client.post(
        reverse("referrals:act", args=[referral.pk, "close"]),
        {"outcome": "got_help", "summary": "Closed from the new post"},
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.reference not in client.get(reverse("referrals:caseload")).content.decode()


def test_moving_team_revokes_referrals_shared_with_the_worker(world, client):
    referral = file_referral(world)  # shared with worker_granted
    world.worker_granted.organization = world.b.t2
    world.worker_granted.save()
    assert not ReferralUserObjectPermission.objects.filter(user=world.worker_granted).exists()
    client.force_login(world.worker_granted)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404


# --- ids in action bodies ---------------------------------------------------------------------------------
def test_accept_with_someone_elses_worker_id_answers_like_a_missing_id(world):
    referral = file_referral(world)
    client = api_as(world.supervisor)
    foreign = client.post(f"/api/referrals/{referral.pk}/accept/", {"worker": world.worker_other.pk}, format="json")
    missing = client.post(f"/api/referrals/{referral.pk}/accept/", {"worker": 987654}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["worker"][0].replace(str(world.worker_other.pk), "N") == missing.json()["worker"][0].replace(
        "987654", "N"
    )
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_api_answer_after_a_transfer_away_reveals_nothing(world):
    referral = file_referral(world)
    response = api_as(world.worker).post(
        f"/api/referrals/{referral.pk}/transfer/", {"team": world.a.t2.pk, "note": "Their area"}, format="json"
    )
    assert response.status_code == 204
    assert response.content == b""
    referral.refresh_from_db()
    assert referral.team == world.a.t2


def test_transfer_to_an_inactive_team_is_refused(world):
    world.a.t2.is_active = False
    world.a.t2.save()
    referral = file_referral(world)
    response = api_as(world.worker).post(
        f"/api/referrals/{referral.pk}/transfer/", {"team": world.a.t2.pk, "note": "Their area"}, format="json"
    )
    assert response.status_code == 400 and "team" in response.json()
    referral.refresh_from_db()
    assert referral.team == world.a.t1


# --- Idempotency-Key ---------------------------------------------------------------------------------------
def test_key_reused_with_a_different_body_is_refused(world):
    client = api_as(world.officer)
    body = filing(world)
    first = client.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="cad-4411")
    other = client.post(
        "/api/referrals/", body | {"narrative": "A different call"}, format="json", HTTP_IDEMPOTENCY_KEY="cad-4411"
    )
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json() == {"detail": "Idempotency-Key reused with a different request"}
    assert Referral.objects.count() == 1


def test_retry_returns_the_first_referral_and_an_invalid_retry_is_a_400(world):
    client = api_as(world.officer)
    body = filing(world)
    first = client.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="cad-4412")
    retry = client.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="cad-4412")
    invalid = client.post("/api/referrals/", body | {"level": 9}, format="json", HTTP_IDEMPOTENCY_KEY="cad-4412")
    assert (first.status_code, retry.status_code, invalid.status_code) == (201, 200, 400)
    assert retry.json()["id"] == first.json()["id"]
    assert "level" in invalid.json()
    assert Referral.objects.count() == 1


def test_keys_expire_after_a_day(world):
    client = api_as(world.officer)
    body = filing(world)
    client.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="cad-4413")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        later = client.post(
            "/api/referrals/",
            body | {"incident_at": timezone.now().isoformat()},
            format="json",
            HTTP_IDEMPOTENCY_KEY="cad-4413",
        )
    assert later.status_code == 201
    assert Referral.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_file_one_referral_and_none_fails():
    world = build_world()
    body = filing(world)

    def post():
        return api_as(world.officer).post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="cad-5000")

    answers = run_concurrently(post, post, post)
    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Referral.objects.count() == 1
