"""Filing a referral must not become a way to read other people's cases.

The standing cast is ``tests/world.py``: ``officer`` files a domestic-violence referral at S1 about
the Lin family (two persons in one household); ``officer_same_parent`` (S2, same precinct),
``officer_other`` (another district) and the dispatch account (``integration``) file referrals too but
cannot see that case; everyone else does not file at all.
"""

import datetime
import re
import secrets

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.access_log import keyed_hash
from accounts.models import AccessLog
from referrals import services
from referrals.models import Household, Person, Referral
from tests import action_matrix
from tests.action_matrix import Action
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
        actor=world.officer,
        persons=[(dict(LIN_MEI), "victim"), (dict(LIN_SECRET), "child")],
        category="domestic_violence",
        level=1,
        incident_at=timezone.now() - datetime.timedelta(hours=2),
        incident_place=ADDRESS,
        narrative="Husband threatened her with a knife; the child was present.",
    )
    services.accept_referral(actor=world.worker, referral=referral)
    world.case = referral
    return world


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")  # messages are asserted in English
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
        "form_token": secrets.token_urlsafe(24),
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


# --- hole 2: linking a household the filer cannot see --------------------------------------------
def lin_secret(world):
    return world.case.person_links.get(person__name="Lin Secret").person


def posted(client, **fields):
    """Post the filing form as ``officer_same_parent`` would, having typed Lin Mei's phone."""
    data = page_form(name="Lin Mei", phone="0911222333") | {k: str(v) for k, v in fields.items()}
    return client.post(FILE, data)


def errors(response):
    form, formset = response.context["form"], response.context["formset"]
    return form.errors.get_json_data(), [f.errors.get_json_data() for f in formset.forms]


def test_an_invisible_household_referral_or_person_answers_like_a_missing_one(w, client):
    client.force_login(w.officer_same_parent)
    for field, invisible in [
        ("household", w.case.household_id),
        ("linked_to", w.case.pk),
        ("persons-0-existing", lin_secret(w).pk),
    ]:
        hidden, missing = posted(client, **{field: invisible}), posted(client, **{field: 987654})
        assert (hidden.status_code, missing.status_code) == (200, 200), field
        assert errors(hidden) == errors(missing) and errors(hidden) != ({}, [{}]), field
    assert not Referral.objects.filter(referring_officer=w.officer_same_parent).exists()

    # The API the same: the dispatch account filing for S2.
    dispatch = api_as(w.integration)
    body = {
        "category": "dispute",
        "level": 3,
        "incident_at": timezone.now().isoformat(),
        "narrative": "Call about the same phone.",
        "station": w.a.s2.pk,
        "persons": [{"role": "subject", "name": "Lin Mei", "phone": "0911222333"}],
    }
    hidden = dispatch.post("/api/referrals/", body | {"household": w.case.household_id}, format="json")
    missing = dispatch.post("/api/referrals/", body | {"household": 987654}, format="json")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert hidden.status_code == 400
    assert not Referral.objects.filter(created_by=w.integration).exists()


def test_a_requested_link_attaches_only_the_typed_persons_until_the_desk_confirms(w, client):
    from referrals.models import LinkRequest

    client.force_login(w.officer_same_parent)
    response = posted(client, request_link="1")
    mine = Referral.objects.get(referring_officer=w.officer_same_parent)
    assert response.status_code == 302 and response.url == mine.get_absolute_url()
    assert mine.household_id != w.case.household_id and mine.linked_to is None
    assert [p.name for p in Person.objects.filter(referral_links__referral=mine)] == ["Lin Mei"]
    assert mine.person_links.get().person.household_id == mine.household_id
    link = LinkRequest.objects.get(referral=mine)
    assert (link.state, link.household_id, link.linked_to_id) == ("pending", w.case.household_id, w.case.pk)

    # Until confirmed, nothing of that household reaches the filer.
    seen = Person.objects.visible_to(w.officer_same_parent)
    assert not seen.filter(household_id=w.case.household_id).exists()
    assert not Household.objects.visible_to(w.officer_same_parent).filter(pk=w.case.household_id).exists()
    page = client.get(mine.get_absolute_url()).content.decode()
    assert leaks(w, page.replace("Lin Mei", "")) == [], "the filer's own page shows the other case"
    assert api_as(w.officer_same_parent).get(SUGGEST_API, LOOKUPS["phone"]).json()["possible_match"] is True

    # The filer cannot confirm their own link; the receiving team cannot confirm a household it cannot see.
    for who in ("officer_same_parent", "worker_same_parent"):
        with pytest.raises(PermissionDenied):
            services.confirm_link(actor=w.users[who], link=link)
    link.refresh_from_db()
    assert link.state == "pending"

    # The intake desk sees both and confirms.
    desk = Client()
    desk.force_login(w.coordinator)
    desk_page = desk.get(mine.get_absolute_url()).content.decode()
    assert w.case.reference in desk_page and 'name="link"' in desk_page
    response = desk.post(reverse("referrals:act", args=[mine.pk, "confirm_link"]), {"link": link.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    link.refresh_from_db()
    assert (mine.household_id, mine.linked_to_id, link.state, link.decided_by) == (
        w.case.household_id,
        w.case.pk,
        "confirmed",
        w.coordinator,
    )
    assert mine.person_links.get().person.household_id == w.case.household_id
    assert mine.events.filter(kind="linked").exists()


def test_a_rejected_link_changes_nothing(w):
    mine = services.submit_referral(
        actor=w.officer_same_parent,
        persons=[({"name": "Lin Mei", "phone": "0911222333"}, "victim")],
        request_link=True,
        **FILING,
    )
    link = mine.link_requests.get()
    household = mine.household_id
    services.reject_link(actor=w.coordinator, link=link)
    mine.refresh_from_db()
    link.refresh_from_db()
    assert (link.state, mine.household_id, mine.linked_to_id) == ("rejected", household, None)
    with pytest.raises(ValidationError):
        services.confirm_link(actor=w.coordinator, link=link)  # decided once


FILING = {
    "category": "dispute",
    "level": 3,
    "incident_at": timezone.now(),
    "narrative": "Second call about the same family.",
}


def fresh_link(world, actor):
    """A new case at S1 (its own phone) and a referral by S2 asking to be linked to its household."""
    fresh_link.n = getattr(fresh_link, "n", 0) + 1
    phone = f"0977{fresh_link.n:06d}"
    case = services.submit_referral(
        actor=world.officer, persons=[({"name": "Chen Bo", "phone": phone}, "subject")], **FILING
    )
    mine = services.submit_referral(
        actor=world.officer_same_parent,
        persons=[({"name": "Chen Bo", "phone": phone}, "subject")],
        request_link=True,
        **FILING,
    )
    link = mine.link_requests.get()
    assert link.household_id == case.household_id
    return link


def link_state(link):
    link.refresh_from_db()
    referral = Referral.objects.get(pk=link.referral_id)
    return {
        "state": link.state,
        "household": referral.household_id,
        "linked_to": referral.linked_to_id,
        "events": referral.events.count(),
    }


# Who sees the referral filed at S2 (routed to T2).
SEES_MINE = frozenset(
    {"officer_same_parent", "worker_same_parent", "worker_granted", "supervisor", "coordinator", "administrator"}
)
LINK_ACTIONS = [
    Action(
        "confirm_link",
        # The desk and the receiving team's supervisor see the other household; T2's workers do not.
        allowed=frozenset({"supervisor", "coordinator", "administrator"}),
        visible=SEES_MINE,
        setup=fresh_link,
        snapshot=link_state,
        changed=lambda w, b, a: a["state"] == "confirmed" and a["household"] != b["household"] and a["linked_to"],
        service=lambda w, u, link: services.confirm_link(actor=u, link=link),
        page=lambda w, link: (reverse("referrals:act", args=[link.referral_id, "confirm_link"]), {"link": link.pk}),
    ),
    Action(
        "reject_link",
        allowed=frozenset({"worker_same_parent", "worker_granted", "supervisor", "coordinator", "administrator"}),
        visible=SEES_MINE,
        setup=fresh_link,
        snapshot=link_state,
        changed=lambda w, b, a: a["state"] == "rejected" and a["household"] == b["household"],
        service=lambda w, u, link: services.reject_link(actor=u, link=link),
        page=lambda w, link: (reverse("referrals:act", args=[link.referral_id, "reject_link"]), {"link": link.pk}),
    ),
]
LINK_CASES = [(a, c) for a in LINK_ACTIONS for c in a.channels()]


@pytest.mark.parametrize("action,channel", LINK_CASES, ids=[f"{a.name}-{c}" for a, c in LINK_CASES])
def test_link_decisions_action_matrix(w, action, channel, settings):
    failures = action_matrix.run(action, w, channel)
    assert not failures, "\n".join(failures)


# --- hole 15: double-submitting the filing page ---------------------------------------------------
def filled_in_page(client):
    """The filing page as the browser got it, filled in: the hidden one-time token included."""
    form = client.get(FILE).context["form"]
    token = form["form_token"].value() if "form_token" in form.fields else ""
    return page_form(name="Wu Hsin", phone="0955000111") | {"form_token": token}


def test_submitting_the_page_twice_files_one_referral(w, client):
    client.force_login(w.officer_same_parent)
    data = filled_in_page(client)
    first, again = client.post(FILE, data), client.post(FILE, data)
    mine = Referral.objects.get(referring_officer=w.officer_same_parent)
    assert (first.status_code, again.status_code) == (302, 302)
    assert first.url == again.url == mine.get_absolute_url()
    assert Household.objects.filter(referrals__referring_officer=w.officer_same_parent).count() == 1
    assert Person.objects.filter(name="Wu Hsin").count() == 1

    # A new page is a new token: a second referral is possible on purpose.
    assert client.post(FILE, filled_in_page(client)).status_code == 302
    assert Referral.objects.filter(referring_officer=w.officer_same_parent).count() == 2


def test_a_page_without_its_token_files_nothing(w, client):
    client.force_login(w.officer_same_parent)
    data = filled_in_page(client)
    assert (
        f'name="form_token" value="{data["form_token"]}"' in client.post(FILE, data | {"check": "1"}).content.decode()
    )
    for token in ("", "x", "<script>"):
        response = client.post(FILE, data | {"form_token": token})
        assert response.status_code == 200 and "form_token" in response.context["form"].errors
    assert not Referral.objects.filter(referring_officer=w.officer_same_parent).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_file_one_referral():
    from tests.concurrency import run_concurrently

    world = build_world()
    client = Client()
    client.force_login(world.officer)
    data = filled_in_page(client)

    def submit():
        c = Client()
        c.force_login(world.officer)
        return c.post(FILE, data)

    answers = run_concurrently(submit, submit, submit)
    referral = Referral.objects.get(referring_officer=world.officer)
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert {a.url for a in answers} == {referral.get_absolute_url()}
    assert Person.objects.filter(name="Wu Hsin").count() == 1


# --- hole 16: a referral raised from a patrol visit ------------------------------------------------
@pytest.fixture
def visit(w):
    from patrols import services as patrols
    from patrols.models import Beat, PersonOfConcern

    beat = Beat.objects.create(station=w.a.s1, code="B-01", officer=w.officer)
    poc = PersonOfConcern.objects.create(
        station=w.a.s1, beat=beat, name="Liu Da", address="No. 20, Chang'an W. Rd.", risk_level="high"
    )
    return patrols.record_visit(actor=w.officer, person=poc, outcome="met", children_present=1, vulnerable_family=True)


def from_visit(reference):
    return f"{FILE}?origin=patrol_visit&origin_reference={reference}"


def test_a_referral_cannot_claim_a_patrol_visit_the_filer_cannot_see(w, client, visit):
    client.force_login(w.officer_same_parent)
    answers = []
    for reference in (visit.reference, "PV-1999-999999"):
        data = page_form(name="Liu Da") | {"origin": "patrol_visit", "origin_reference": reference}
        response = client.post(from_visit(reference), data)
        assert response.status_code == 200
        answers.append(errors(response))
    assert answers[0] == answers[1] and answers[0] != ({}, [{}])
    with pytest.raises(ValidationError):
        services.submit_referral(
            actor=w.officer_same_parent,
            persons=[({"name": "Liu Da"}, "subject")],
            origin="patrol_visit",
            origin_reference=visit.reference,
            **FILING,
        )
    assert not Referral.objects.filter(origin_reference=visit.reference).exists()

    # Its own station's officer may.
    client.force_login(w.officer_station)
    data = page_form(name="Liu Da") | {"origin": "patrol_visit", "origin_reference": visit.reference}
    assert client.post(from_visit(visit.reference), data).status_code == 302
    assert Referral.objects.get(origin_reference=visit.reference).referring_officer == w.officer_station


def test_the_visit_page_shows_a_referral_only_to_those_who_see_it(w, client, visit):
    # A referral of another station naming the visit (as the unchecked form allowed).
    foreign = services.submit_referral(actor=w.officer_same_parent, persons=[({"name": "Liu Da"}, "subject")], **FILING)
    Referral.objects.filter(pk=foreign.pk).update(origin="patrol_visit", origin_reference=visit.reference)
    for who in ("officer", "officer_station", "station_head", "administrator"):
        client.force_login(w.users[who])
        page = client.get(visit.get_absolute_url()).content.decode()
        sees = Referral.objects.visible_to(w.users[who]).filter(pk=foreign.pk).exists()
        assert (foreign.reference in page) == sees, who
        if not sees:
            assert 'data-testid="referral-status"' not in page, who


def test_opening_the_prefilled_form_writes_nothing(w, client, visit):
    client.force_login(w.officer)
    counts = (Household.objects.count(), Person.objects.count())
    response = client.get(from_visit(visit.reference))
    assert response.status_code == 200 and "Liu Da" in response.content.decode()
    assert (Household.objects.count(), Person.objects.count()) == counts
    visit.person.refresh_from_db()
    assert (visit.person.household_id, visit.person.person_id) == (None, None)
