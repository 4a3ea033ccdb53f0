"""Safety history cannot be erased or edited in the admin, and every read of a safety record is logged."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessLog
from safety.models import EscortRequest, FollowUpItem, HazardEvent, HomeVisit, RiskFlag, SafetyAlert
from tests.safety.test_authorisation import safety_records
from tests.world import two_districts

pytestmark = pytest.mark.django_db


world = two_districts  # the two-district world (tests/world.py)


@pytest.fixture
def records(world):
    return safety_records(world, filed_by=world.officer)


@pytest.fixture
def admin_client(client, world):
    world.administrator.is_staff = True
    world.administrator.save()
    client.force_login(world.administrator)
    return client


def rows(object_type, object_id=None):
    logged = AccessLog.objects.filter(object_type=object_type, action=AccessLog.Action.VIEW)
    return logged.filter(object_id=str(object_id)) if object_id is not None else logged


# --- hole 8: API reads of safety records are in the access log ------------------------------------------
@pytest.mark.parametrize(
    "path, record, object_type",
    [
        ("hazard-events", "event", "safety.hazardevent"),
        ("visits", "visit", "safety.homevisit"),
        ("risk-flags", "flag", "safety.riskflag"),
        ("safety-alerts", "alarm", "safety.safetyalert"),
    ],
)
def test_an_api_read_of_a_safety_record_writes_one_access_log_row(world, records, path, record, object_type):
    target = getattr(records, record)
    reader = world.administrator
    api = APIClient()
    api.force_authenticate(reader)

    assert api.get(f"/api/{path}/{target.pk}/").status_code == 200
    assert rows(object_type, target.pk).filter(user=reader).count() == 1

    listed = api.get(f"/api/{path}/")
    ids = [str(item["id"]) for item in listed.json()["results"]]
    assert str(target.pk) in ids
    assert rows(object_type, target.pk).filter(user=reader).count() == 2
    assert rows(object_type).filter(user=reader).count() == 1 + len(ids)


# --- hole 9: safety history is read-only in the admin ---------------------------------------------------
@pytest.mark.parametrize(
    "model, record",
    [
        (HazardEvent, lambda r: r.event),
        (SafetyAlert, lambda r: r.alarm),
        (HomeVisit, lambda r: r.visit),
        (FollowUpItem, lambda r: r.event.follow_ups.first()),
        (RiskFlag, lambda r: r.flag),
        (EscortRequest, lambda r: _escort(r)),
    ],
    ids=["event", "alert", "visit", "follow_up", "flag", "escort"],
)
def test_safety_records_cannot_be_deleted_or_edited_in_the_admin(admin_client, records, model, record):
    target = record(records)
    name = f"admin:safety_{model._meta.model_name}"
    before = model.objects.filter(pk=target.pk).values().get()

    opened = admin_client.get(reverse(f"{name}_change", args=[target.pk]))
    deleted = admin_client.post(reverse(f"{name}_delete", args=[target.pk]), {"post": "yes"})
    edited = admin_client.post(reverse(f"{name}_change", args=[target.pk]), {"note": "changed", "status": "done"})
    bulk = admin_client.post(
        reverse(f"{name}_changelist"), {"action": "delete_selected", "_selected_action": [target.pk]}
    )
    added = admin_client.get(reverse(f"{name}_add"))

    assert opened.status_code == 200
    assert deleted.status_code == 403 and edited.status_code == 403 and added.status_code == 403
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=target.pk).values().get() == before
    assert rows(model._meta.label_lower, target.pk).filter(detail="admin").count() == 1


def test_deleting_a_visit_or_event_in_the_admin_cannot_cascade(admin_client, records):
    alerts, follow_ups = SafetyAlert.objects.count(), FollowUpItem.objects.count()
    admin_client.post(reverse("admin:safety_homevisit_delete", args=[records.visit.pk]), {"post": "yes"})
    admin_client.post(reverse("admin:safety_hazardevent_delete", args=[records.event.pk]), {"post": "yes"})
    assert (SafetyAlert.objects.count(), FollowUpItem.objects.count()) == (alerts, follow_ups)


def _escort(r):
    from datetime import timedelta

    from django.utils import timezone

    return EscortRequest.objects.create(
        visit=r.visit,
        station=r.referral.referring_station,
        needed_from=timezone.now(),
        needed_until=timezone.now() + timedelta(hours=1),
        respond_by=timezone.now(),
        requested_by=r.visit.planned_by,
    )


def test_safety_list_pages_log_one_row_per_record_shown(world, records, client):
    client.force_login(world.supervisor)
    for url, object_type, record in (
        (reverse("safety:visits"), "safety.homevisit", records.visit),
        (reverse("safety:events"), "safety.hazardevent", records.event),
        (reverse("safety:alerts"), "safety.safetyalert", records.alarm),
    ):
        assert client.get(url).status_code == 200
        assert rows(object_type, record.pk).filter(user=world.supervisor, detail="list").count() == 1
