"""History cannot be erased in the admin, and every read of a referral is in the access log."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessLog
from referrals import services
from referrals.models import CaseNote, ReferralEscalation, StationTeamMatch
from tests.world import file_referral, two_districts

pytestmark = pytest.mark.django_db


world = two_districts  # the two-district world (tests/world.py)


@pytest.fixture
def admin_client(client, world):
    world.administrator.is_staff = True
    world.administrator.save()
    client.force_login(world.administrator)
    return client


def test_case_notes_and_escalations_cannot_be_deleted_or_edited_in_the_admin(world, admin_client):
    referral = file_referral(world)
    note = services.add_note(actor=world.worker, referral=referral, text="Visited; father absent.")
    escalation = ReferralEscalation.objects.create(referral=referral, cycle=1, level=1, due_at=referral.ack_due_at)

    deleted = admin_client.post(reverse("admin:referrals_casenote_delete", args=[note.pk]), {"post": "yes"})
    edited = admin_client.post(
        reverse("admin:referrals_referralescalation_change", args=[escalation.pk]), {"level": 2, "cycle": 9}
    )
    bulk = admin_client.post(
        reverse("admin:referrals_casenote_changelist"), {"action": "delete_selected", "_selected_action": [note.pk]}
    )

    assert deleted.status_code == 403 and edited.status_code == 403 and bulk.status_code in (200, 302)
    assert CaseNote.objects.filter(pk=note.pk, text="Visited; father absent.").exists()
    escalation.refresh_from_db()
    assert (escalation.level, escalation.cycle) == (1, 1)


def test_referral_cannot_be_deleted_and_matching_is_changed_only_on_its_page(world, admin_client):
    referral = file_referral(world)
    match = StationTeamMatch.objects.get(station=world.a.s1)
    assert (
        admin_client.post(reverse("admin:referrals_referral_delete", args=[referral.pk]), {"post": "yes"}).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:referrals_stationteammatch_change", args=[match.pk]),
        {"station": world.a.s1.pk, "team": world.a.t2.pk, "starts_on": "2020-01-01"},
    )
    assert response.status_code == 403
    match.refresh_from_db()
    assert match.team == world.a.t1


def test_opening_a_referral_in_the_admin_is_logged(world, admin_client):
    referral = file_referral(world)
    assert admin_client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).status_code == 200
    assert AccessLog.objects.filter(
        user=world.administrator, object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()


def test_api_list_logs_each_referral_shown_and_a_search_logs_only_a_hash(world):
    referrals = [file_referral(world) for _ in range(3)]
    client = APIClient()
    client.force_authenticate(world.worker)
    client.get("/api/referrals/", {"q": "0911222333"})
    logged = set(
        AccessLog.objects.filter(user=world.worker, action="view", object_type="referrals.referral").values_list(
            "object_id", flat=True
        )
    )
    assert logged == {str(r.pk) for r in referrals}
    search = AccessLog.objects.get(user=world.worker, action="search")
    assert "0911222333" not in search.detail and search.detail.startswith("term=")


def test_search_page_logs_a_hash_of_the_term(world, client):
    file_referral(world)
    client.force_login(world.worker)
    client.get(reverse("referrals:search"), {"q": "Lin Mei"})
    entry = AccessLog.objects.get(user=world.worker, action="search")
    assert "Lin" not in entry.detail and "matches=1" in entry.detail
