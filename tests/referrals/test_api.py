from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import mint_api_token
from referrals.models import Person, Referral
from tests import factories as f
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def payload(**overrides):
    data = {
        "category": "mental_health",
        "level": 1,
        "incident_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "incident_place": "Da'an Park",
        "narrative": "Man in distress on the bridge; talked down, agrees to help.",
        "known_risks": ["self_harm"],
        "persons": [{"role": "subject", "name": "Lee Wei", "estimated_age": 40, "phone": "0987654321"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.officer)
    return client


def test_create_list_and_retrieve(world, api):
    response = api.post("/api/referrals/", payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("R-") and body["status"] == "submitted"
    assert "id_number" not in str(body["persons"])
    listed = api.get("/api/referrals/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    assert api.get(f"/api/referrals/{body['id']}/").status_code == 200


def test_same_idempotency_key_creates_one_referral(world, api):
    body = payload()  # a retry sends the very same body
    first = api.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-110-778899")
    second = api.post("/api/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-110-778899")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert Referral.objects.count() == 1
    third = api.post("/api/referrals/", payload(), format="json", HTTP_IDEMPOTENCY_KEY="call-110-778900")
    assert third.status_code == 201 and Referral.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": "unknown"}, "category"),
        ({"level": 9}, "level"),
        ({"level": "high"}, "level"),
        ({"narrative": "x" * 4001}, "narrative"),
        ({"narrative": ""}, "narrative"),
        ({"incident_at": "2999-01-01T00:00:00+08:00"}, "incident_at"),
        ({"incident_at": "not a date"}, "incident_at"),
        ({"persons": []}, "persons"),
        ({"persons": [{"role": "boss", "name": "x"}]}, "persons"),
        ({"persons": "Lee"}, "persons"),
        ({"known_risks": ["dragons"]}, "known_risks"),
        ({"household": 999999}, "household"),
        ({"household": "abc"}, "household"),
        ({"consent": "refused"}, "consent_note"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_saved(world, api, overrides, field):
    response = api.post("/api/referrals/", payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Referral.objects.count() == 0 and Person.objects.count() == 0


def test_incident_time_with_another_time_zone_is_understood(world, api):
    when = timezone.now() - timedelta(hours=2)
    in_new_york = when.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).isoformat()
    body = api.post("/api/referrals/", payload(incident_at=in_new_york), format="json").json()
    assert abs(Referral.objects.get(pk=body["id"]).incident_at - when) < timedelta(seconds=1)


def test_not_json_is_a_clean_400(world, api):
    response = api.post("/api/referrals/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_someone_elses_household_is_refused(world, api):
    other = ReferralFactory()
    response = api.post("/api/referrals/", payload(household=other.household_id), format="json")
    assert response.status_code == 400 and "household" in response.json()


def test_actions_through_the_api(world):
    officer = APIClient()
    officer.force_authenticate(world.officer)
    rid = officer.post("/api/referrals/", payload(), format="json").json()["id"]
    worker = APIClient()
    worker.force_authenticate(world.worker)
    assert worker.post(f"/api/referrals/{rid}/acknowledge/").json()["status"] == "acknowledged"
    assert worker.post(f"/api/referrals/{rid}/accept/", {}, format="json").json()["status"] == "accepted"
    assert worker.post(f"/api/referrals/{rid}/first-contact/", {}, format="json").json()["status"] == "in_progress"
    note = worker.post(f"/api/referrals/{rid}/notes/", {"text": "internal only"}, format="json")
    assert note.status_code == 201
    bad = worker.post(f"/api/referrals/{rid}/close/", {"outcome": "referred_on", "summary": "x"}, format="json")
    assert bad.status_code == 400 and "referred_to" in bad.json()
    done = worker.post(
        f"/api/referrals/{rid}/close/", {"outcome": "got_help", "summary": "Plan agreed."}, format="json"
    )
    assert done.json()["status"] == "closed"
    seen = officer.get(f"/api/referrals/{rid}/").json()
    assert seen["outcome_summary"] == "Plan agreed." and seen["notes"] == []
    # Illegal now: a clear 400.
    again = worker.post(f"/api/referrals/{rid}/acknowledge/")
    assert again.status_code == 400
    # Cancelling someone else's accepted referral: refused by role.
    assert officer.post(f"/api/referrals/{rid}/decline/", {"reason": "other"}, format="json").status_code == 403


def test_decline_without_reason_is_400(world, api):
    rid = api.post("/api/referrals/", payload(), format="json").json()["id"]
    worker = APIClient()
    worker.force_authenticate(world.worker)
    assert worker.post(f"/api/referrals/{rid}/decline/", {}, format="json").status_code == 400
    assert worker.post(f"/api/referrals/{rid}/transfer/", {"team": "nope"}, format="json").status_code == 400


def test_integration_account_files_with_a_token_for_a_station(world):
    dispatch = f.UserFactory(role=User.Role.INTEGRATION, organization=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {mint_api_token(user=dispatch)}")
    assert client.post("/api/referrals/", payload(), format="json").status_code == 400  # station missing
    response = client.post("/api/referrals/", payload(station=world.station.pk), format="json")
    assert response.status_code == 201
    assert client.get("/api/referrals/").json()["results"][0]["id"] == response.json()["id"]


def test_filters_and_cursor_pagination(world):
    ReferralFactory.create_batch(3, team=world.team, level=3)
    ReferralFactory.create_batch(2, team=world.team, level=1)
    client = APIClient()
    client.force_authenticate(world.worker)
    assert len(client.get("/api/referrals/", {"level": 1}).json()["results"]) == 2
    first = client.get("/api/referrals/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    assert client.get("/api/referrals/", {"level": "x"}).status_code == 400
    assert client.get("/api/referrals/", {"team": 99999}).status_code == 400


def test_suggestions_endpoint_only_flags_persons_the_user_cannot_see(world, api):
    api.post("/api/referrals/", payload(), format="json")
    stranger = APIClient()
    stranger.force_authenticate(f.OfficerFactory())
    body = stranger.get("/api/referral-suggestions/", {"phone": "0987-654-321"}).json()
    assert (body["persons"], body["possible_match"]) == ([], True)
    assert stranger.get("/api/referral-suggestions/", {"date_of_birth": "soon"}).status_code == 400


def test_schema_is_served_without_errors(client, world):
    client.force_login(world.officer)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/referrals/{id}/first-contact/" in response.content
