"""Form drafts on the server: per user, encrypted, allow-listed keys, limits, expiry, gone once the form is sent;
and the session time left, for the warning before sign-out."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import drafts, retention
from accounts.drafts import Draft, discard_draft, load_draft, save_draft
from accounts.middleware import SESSION_LAST_SEEN
from referrals import services
from referrals.models import CaseNote, Referral
from safety.models import HazardEvent
from tests import factories as f
from tests.referrals import conftest as referral_fixtures
from tests.referrals.conftest import SUBJECT, referral_data
from tests.referrals.test_pages import form_data as referral_form
from tests.safety.test_hazard_events import form_data as event_form

pytestmark = pytest.mark.django_db
world = referral_fixtures.world

FILE_DRAFT = reverse("draft", args=["referral-file"])
TYPED = {"narrative": "Neighbours heard shouting at No. 9", "persons-0-name": "Lin Meiling", "known_risks": ["weapons"]}


def put(client, url, values, opened=None):
    if opened is not None:
        url = f"{url}?opened={opened}"
    return client.put(url, json.dumps(values), content_type="application/json")


def now_ms():
    return int(time.time() * 1000)


def test_a_draft_is_saved_restored_and_discarded(world, client):
    client.force_login(world.officer)
    assert client.get(FILE_DRAFT).status_code == 204  # nothing kept yet
    saved = put(client, FILE_DRAFT, TYPED)
    at = timezone.localtime(Draft.objects.get().updated_at).strftime("%H:%M")
    assert saved.status_code == 200 and at in saved.json()["message"]
    back = client.get(FILE_DRAFT)
    assert back.status_code == 200
    assert back.json()["values"] == TYPED
    assert at in back.json()["message"]
    assert client.delete(FILE_DRAFT).status_code == 200
    assert client.get(FILE_DRAFT).status_code == 204
    assert not Draft.objects.exists()


def test_form_encoded_saves_keep_lists_and_never_tokens_passwords_or_formset_counts(world, client):
    client.force_login(world.officer)
    response = client.post(
        FILE_DRAFT,
        {
            "narrative": "Typed",
            "known_risks": ["weapons", "animals"],
            "form_token": "x" * 30,
            "new_password1": "secret-secret",
            "persons-TOTAL_FORMS": "2",
            "persons-1-name": "Chen",
        },
    )
    assert response.status_code == 200
    assert load_draft(world.officer, "referral-file").values == {
        "narrative": "Typed",
        "known_risks": ["weapons", "animals"],
        "persons-1-name": "Chen",
    }
    put(client, FILE_DRAFT, {"csrfmiddlewaretoken": "abc", "narrative": "Again"})
    assert load_draft(world.officer, "referral-file").values == {"narrative": "Again"}


def test_the_values_are_encrypted_at_rest(world, client):
    client.force_login(world.officer)
    put(client, FILE_DRAFT, TYPED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM accounts_draft")
        (stored,) = cursor.fetchone()
    assert "Lin Meiling" not in stored and "shouting" not in stored


def test_each_user_sees_only_their_own_draft(world, client):
    colleague = f.OfficerFactory(organization=world.station)
    client.force_login(world.officer)
    put(client, FILE_DRAFT, TYPED)
    other = Client()
    other.force_login(colleague)
    assert other.get(FILE_DRAFT).status_code == 204
    put(other, FILE_DRAFT, {"narrative": "Mine"})
    other.delete(FILE_DRAFT)
    assert client.get(FILE_DRAFT).json()["values"] == TYPED  # the colleague's discard touched only theirs


def test_signed_out_users_and_requests_without_the_csrf_token_are_refused(world):
    anonymous = Client()
    response = anonymous.get(FILE_DRAFT)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.officer)
    assert put(strict, FILE_DRAFT, TYPED).status_code == 403
    assert strict.delete(FILE_DRAFT).status_code == 403
    assert not Draft.objects.exists()


def test_a_note_draft_needs_a_referral_the_user_sees_and_an_invisible_one_answers_like_a_missing_one(world, client):
    referral = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    client.force_login(world.worker)
    url = reverse("draft", args=[f"note:{referral.pk}"])
    assert put(client, url, {"text": "Called the mother"}).status_code == 200
    assert client.get(url).json()["values"] == {"text": "Called the mother"}

    outsider = Client()
    outsider.force_login(f.SocialWorkerFactory())
    missing = reverse("draft", args=[f"note:{Referral.objects.order_by('-pk').first().pk + 1000}"])
    for method in ("get", "delete"):
        hidden, absent = getattr(outsider, method)(url), getattr(outsider, method)(missing)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.content == absent.content
    assert put(outsider, url, {"text": "x"}).status_code == 404
    assert Draft.objects.filter(key=f"note:{referral.pk}").count() == 1


@pytest.mark.parametrize(
    "key",
    [
        "nope",
        "note",
        "note:",
        "note:0",
        "note:abc",
        "note:1:2",
        "note: 1",
        "referral-file:1",
        "REFERRAL-FILE",
        "x" * 90,
    ],
)
def test_keys_outside_the_allow_list_are_404(world, client, key):
    client.force_login(world.officer)
    url = reverse("draft", args=[key])
    assert client.get(url).status_code == 404
    assert put(client, url, {"a": "b"}).status_code == 404
    assert not Draft.objects.exists()


def test_forms_of_other_roles_are_404(world, client):
    client.force_login(world.officer)
    assert client.get(reverse("draft", args=["hazard-event"])).status_code == 404  # officers report no events
    client.force_login(world.worker)
    assert client.get(reverse("draft", args=["referral-file"])).status_code == 404  # workers file none
    assert put(client, reverse("draft", args=["hazard-event"]), {"place": "Visit"}).status_code == 200


def test_a_draft_over_64_kb_or_not_a_mapping_of_text_is_400(world, client):
    client.force_login(world.officer)
    assert put(client, FILE_DRAFT, {"narrative": "x" * (65 * 1024)}).status_code == 400
    assert put(client, FILE_DRAFT, {"narrative": "字" * 22_000}).status_code == 400  # 66 KB in UTF-8
    assert put(client, FILE_DRAFT, ["narrative"]).status_code == 400
    assert put(client, FILE_DRAFT, {"level": 2}).status_code == 400
    assert put(client, FILE_DRAFT, {"known_risks": ["a", {"b": 1}]}).status_code == 400
    bad_json = client.put(FILE_DRAFT, "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert client.put(FILE_DRAFT, "narrative=x", content_type="text/plain").status_code == 400
    assert not Draft.objects.exists()
    assert put(client, FILE_DRAFT, {"narrative": "x" * (60 * 1024)}).status_code == 200


def test_a_user_keeps_at_most_50_drafts_the_oldest_go(world):
    for n in range(1, drafts.MAX_PER_USER + 2):
        save_draft(world.worker, f"note:{n}", {"text": str(n)})
    kept = set(Draft.objects.filter(user=world.worker).values_list("key", flat=True))
    assert len(kept) == drafts.MAX_PER_USER
    assert "note:1" not in kept and f"note:{drafts.MAX_PER_USER + 1}" in kept


def test_drafts_expire_after_14_days_and_the_retention_run_deletes_them(world, client):
    save_draft(world.officer, "referral-file", {"narrative": "old"})
    save_draft(world.worker, "hazard-event", {"place": "recent"})
    Draft.objects.filter(user=world.officer).update(updated_at=timezone.now() - timedelta(days=15))
    client.force_login(world.officer)
    assert client.get(FILE_DRAFT).status_code == 204  # expired: never offered, even before the purge
    report = retention.run().report
    assert report["draft"] == {"keep_days": 14, "deleted": 1, "on_legal_hold": 0}
    assert list(Draft.objects.values_list("key", flat=True)) == ["hazard-event"]


def test_filing_the_referral_discards_the_draft_and_a_late_save_does_not_bring_it_back(world, client):
    client.force_login(world.officer)
    opened = now_ms()
    put(client, FILE_DRAFT, TYPED, opened=opened)
    failed = client.post(reverse("referrals:file"), referral_form(narrative=""))
    assert failed.status_code == 200 and Draft.objects.exists()  # not filed: the draft stays
    response = client.post(reverse("referrals:file"), referral_form())
    assert response.status_code == 302 and Referral.objects.count() == 1
    assert client.get(FILE_DRAFT).status_code == 204
    # A save sent from the filing page before the referral was filed arrives late: refused.
    assert put(client, FILE_DRAFT, TYPED, opened=opened).status_code == 409
    assert not Draft.objects.exists()
    # A filing page opened afterwards keeps its drafts again.
    assert put(client, FILE_DRAFT, TYPED, opened=now_ms() + 1).status_code == 200


def test_adding_the_note_discards_its_draft(world, client):
    referral = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    services.accept_referral(actor=world.worker, referral=referral)
    client.force_login(world.worker)
    url = reverse("draft", args=[f"note:{referral.pk}"])
    put(client, url, {"text": "Called the mother"})
    page = client.get(referral.get_absolute_url()).content.decode()
    assert f'data-autosave="note:{referral.pk}"' in page
    note = reverse("referrals:act", args=[referral.pk, "note"])
    assert client.post(note, {"text": ""}).status_code == 400
    assert client.get(url).status_code == 200  # not added: the draft stays
    assert "data-autosave-bound" in client.post(note, {"text": ""}).content.decode()
    client.post(note, {"text": "Called the mother", "visibility": "internal"})
    assert CaseNote.objects.filter(referral=referral, text="Called the mother").exists()
    assert client.get(url).status_code == 204


def test_reporting_the_hazard_event_discards_its_draft(world, client):
    client.force_login(world.worker)
    url = reverse("draft", args=["hazard-event"])
    put(client, url, {"place": "Home visit"})
    assert client.post(reverse("safety:event_new"), event_form(place="")).status_code == 400
    assert client.get(url).status_code == 200
    assert client.post(reverse("safety:event_new"), event_form()).status_code == 302
    assert HazardEvent.objects.count() == 1
    assert client.get(url).status_code == 204


def test_discarding_without_sending_keeps_later_saves(world):
    save_draft(world.officer, "referral-file", {"narrative": "a"})
    discard_draft(world.officer, "referral-file")
    assert save_draft(world.officer, "referral-file", {"narrative": "b"}, opened=0) is not None


def test_the_forms_are_marked_for_autosave_and_bound_ones_say_so(world, client):
    client.force_login(world.officer)
    page = client.get(reverse("referrals:file")).content.decode()
    assert 'data-autosave="referral-file"' in page and "data-autosave-bound" not in page
    assert 'data-formset-row="persons"' in page
    bound = client.post(reverse("referrals:file"), referral_form(category="")).content.decode()
    assert "data-autosave-bound" in bound
    assert "js/autosave.js" in page


# --- the session's time left -------------------------------------------------------------------
def test_pages_and_responses_tell_the_time_left_and_the_status_check_is_not_activity(world, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client.force_login(world.officer)
    page = client.get(reverse("referrals:file"))
    assert 590 <= int(page["X-Session-Remaining"]) <= 600
    assert 'data-session-remaining="' in page.content.decode()
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 300
    session.save()
    status = client.get(reverse("session_status"), headers={"X-Session-Passive": "1"})
    assert 290 <= status.json()["remaining"] <= 300  # asking did not count as activity
    assert client.get(reverse("session_status"), headers={"X-Session-Passive": "1"}).json()["remaining"] <= 300
    kept = client.post(reverse("session_keepalive"))
    assert kept.json()["remaining"] >= 595
    assert client.get(reverse("session_status"), headers={"X-Session-Passive": "1"}).json()["remaining"] >= 595


def test_the_keepalive_needs_post_and_a_live_session(world, client, settings):
    client.force_login(world.officer)
    client.get("/")
    assert client.get(reverse("session_keepalive")).status_code == 405
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.post(reverse("session_keepalive"))
    assert response.status_code == 302 and "/accounts/login/" in response.url  # too late: signed out
