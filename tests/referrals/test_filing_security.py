"""Filing a referral must not become a way to read other people's cases.

The standing cast is ``tests/world.py``: ``officer`` files a domestic-violence referral at S1 about
the Lin family (two persons in one household); ``officer_same_parent`` (S2, same precinct),
``officer_other`` (another district) and the dispatch account (``integration``) file referrals too but
cannot see that case; everyone else does not file at all.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessLog
from accounts.services import keyed_hash
from referrals import services
from tests.world import build_world

pytestmark = pytest.mark.django_db

SUGGEST_API = "/api/referral-suggestions/"
FILE = reverse("referrals:file")
SUGGEST_PAGE = reverse("referrals:file_suggestions")

ADDRESS = "No. 1, Matrix Rd."
LIN_MEI = {
    "name": "Lin Mei",
    "phone": "0911222333",
    "id_number": "A123456789",
    "date_of_birth": datetime.date(1980, 5, 6),
    "address": ADDRESS,
}
LIN_SECRET = {
    "name": "Lin Secret",
    "phone": "0922999888",
    "date_of_birth": datetime.date(2012, 3, 4),
    "address": ADDRESS,
}

# One lookup per kind of key the filing form matches on.
LOOKUPS = {
    "phone": {"phone": "0911-222-333"},
    "id_number": {"id_number": "a123456789"},
    "name_and_birth_date": {"name": "Lin Mei", "date_of_birth": "1980-05-06"},
    "address": {"address": ADDRESS},
}

FILERS = ("officer", "officer_station", "officer_same_parent", "officer_other", "integration", "administrator")
NOT_FILERS = (
    "station_head",
    "worker",
    "colleague",
    "worker_same_parent",
    "worker_granted",
    "supervisor",
    "coordinator",
    "station_head_other",
    "worker_other",
    "supervisor_other",
    "coordinator_other",
)
CANNOT_SEE_THE_CASE = ("officer_same_parent", "officer_other", "integration")


@pytest.fixture
def w(db):
    world = build_world()
    referral = services.submit_referral(
        world.officer,
        persons=[(dict(LIN_MEI), "victim"), (dict(LIN_SECRET), "child")],
        category="domestic_violence",
        level=1,
        incident_at=timezone.now() - datetime.timedelta(hours=2),
        incident_place=ADDRESS,
        narrative="Husband threatened her with a knife; the child was present.",
    )
    services.accept_referral(world.worker, referral)
    world.case = referral
    return world


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def leaks(world, text):
    """Whatever of the case a response shows."""
    case = world.case
    secrets = {
        "reference": case.reference,
        "address": "Matrix",
        "birth date": "1980",
        "child's birth date": "2012",
        "category": "domestic",
        "category label": "Domestic violence",
        "name": "Lin Mei",
        "other member's name": "Lin Secret",
        "masked name": "L○",
        "station": world.a.s1.name,
        "team": world.a.t1.name,
        "worker": world.worker.username,
        "worker's name": world.worker.get_full_name(),
        "status": "ccepted",
        "status label": "Accepted",
        "level": '"level"',
        "household id": f'"household":{case.household_id}',
    }
    return sorted(what for what, secret in secrets.items() if secret in text)


def suggestions_section(page):
    """The suggestions part of the filing page (the rest echoes what the officer typed)."""
    match = re.search(r'<section id="suggestions".*?</section>', page, re.DOTALL)
    assert match, "the filing page has a suggestions section"
    return match[0]


def page_form(**persons0):
    data = {
        "category": "family_conflict",
        "level": "2",
        "incident_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "incident_place": "",
        "narrative": "Neighbour reports shouting.",
        "consent": "given",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "12",
        "persons-0-role": "subject",
    }
    data.update({f"persons-0-{k}": v for k, v in persons0.items()})
    return data


# --- hole 1: duplicate suggestions ------------------------------------------------------------------
@pytest.mark.parametrize("who", NOT_FILERS)
def test_only_roles_that_file_get_suggestions(w, who):
    user = w.users[who]
    before = AccessLog.objects.count()
    assert api_as(user).get(SUGGEST_API, LOOKUPS["phone"]).status_code == 404
    client = Client()
    client.force_login(user)
    assert client.post(SUGGEST_PAGE, page_form(phone="0911222333")).status_code == 404
    assert AccessLog.objects.count() == before  # nothing looked up, nothing to log


@pytest.mark.parametrize("kind", sorted(LOOKUPS))
@pytest.mark.parametrize("who", CANNOT_SEE_THE_CASE)
def test_a_match_outside_the_callers_cases_only_says_that_one_exists(w, who, kind):
    response = api_as(w.users[who]).get(SUGGEST_API, LOOKUPS[kind])
    assert response.status_code == 200
    assert leaks(w, response.content.decode()) == []
    body = response.json()
    assert (body["persons"], body["households"], body["referrals"]) == ([], [], [])
    assert body["possible_match"] is True
    assert body["message"] == "A possible match exists: the intake desk can link it."


@pytest.mark.parametrize("kind", sorted(LOOKUPS))
def test_the_filing_page_masks_the_same_way(w, client, kind):
    client.force_login(w.officer_same_parent)
    typed = {k: v for k, v in LOOKUPS[kind].items() if k != "address"}
    data = page_form(**typed)
    if kind == "address":
        data["incident_place"] = ADDRESS
    fragment = client.post(SUGGEST_PAGE, data, HTTP_HX_REQUEST="true").content.decode()
    page = client.post(FILE, {**data, "check": "1"}).content.decode()
    for html in (fragment, suggestions_section(page)):
        assert "A possible match exists: the intake desk can link it." in html
        assert leaks(w, html) == []


def test_the_filer_still_sees_matches_in_their_own_cases(w):
    body = api_as(w.officer).get(SUGGEST_API, LOOKUPS["phone"]).json()
    assert [r["reference"] for r in body["referrals"]] == [w.case.reference]
    assert [p["name"] for p in body["persons"]] == ["Lin Mei"]
    assert body["households"] == [{"id": w.case.household_id, "address": ADDRESS}]
    assert body["possible_match"] is False


def test_every_lookup_is_in_the_access_log_as_a_keyed_hash(w, client):
    api_as(w.officer_other).get(SUGGEST_API, {"phone": "0911-222-333", "id_number": "A123456789"})
    rows = list(AccessLog.objects.filter(user=w.officer_other, action=AccessLog.Action.SEARCH))
    assert {r.object_type for r in rows} == {"referral_suggestion"}
    details = " ".join(r.detail for r in rows)
    assert keyed_hash("phone:0911222333") in details and keyed_hash("id_number:A123456789") in details
    assert "0911" not in details and "A1234" not in details

    client.force_login(w.officer_same_parent)
    client.post(SUGGEST_PAGE, page_form(name="Lin Mei", date_of_birth="1980-05-06"), HTTP_HX_REQUEST="true")
    row = AccessLog.objects.get(user=w.officer_same_parent, action=AccessLog.Action.SEARCH)
    assert keyed_hash("name_and_birth_date:linmei 1980-05-06") in row.detail and "lin" not in row.detail.lower()


def test_lookups_are_rate_limited_per_user(w, client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"referral_suggestions": "3/min", "referral_suggestions_day": "100/day"},
    }
    dispatch = api_as(w.integration)
    assert [dispatch.get(SUGGEST_API, LOOKUPS["phone"]).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert api_as(w.officer_other).get(SUGGEST_API, LOOKUPS["phone"]).status_code == 200  # per user

    # The page shares the officer's allowance with the API.
    client.force_login(w.officer_other)
    api_as(w.officer_other).get(SUGGEST_API, LOOKUPS["phone"])
    client.post(SUGGEST_PAGE, page_form(phone="0911222333"), HTTP_HX_REQUEST="true")
    logged = AccessLog.objects.filter(user=w.officer_other, action=AccessLog.Action.SEARCH).count()
    html = client.post(SUGGEST_PAGE, page_form(phone="0911222333"), HTTP_HX_REQUEST="true").content.decode()
    assert "Too many look-ups" in html and "possible match" not in html
    assert AccessLog.objects.filter(user=w.officer_other, action=AccessLog.Action.SEARCH).count() == logged
