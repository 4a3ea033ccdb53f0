"""A referral as FHIR R4 Task and ServiceRequest: valid resources, shared fields only, same visibility."""

import pytest
from django.urls import reverse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from accounts.models import AccessLog
from referrals import services
from referrals.fhir import STATUS_CODES
from referrals.models import Status
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db


def _file(world):
    return services.submit_referral(
        actor=world.officer, persons=[SUBJECT], **referral_data(narrative="Secret narrative")
    )


def _get(client, kind, referral):
    return client.get(reverse(kind, kwargs={"reference": referral.reference}))


def test_task_and_service_request_are_valid_fhir_r4(world, client):
    referral = _file(world)
    services.accept_referral(actor=world.worker, referral=referral)
    services.add_note(actor=world.worker, referral=referral, text="Internal worry about the father")
    client.force_login(world.officer)

    task = _get(client, "fhir-task", referral)
    assert task.status_code == 200
    assert task["Content-Type"].startswith("application/fhir+json")
    body = task.json()
    Task.model_validate(body)
    assert body["identifier"][0]["value"] == referral.reference
    assert body["status"] == "accepted"
    assert body["businessStatus"]["coding"][0]["display"] == "受案"
    assert body["priority"] == "urgent"
    assert body["owner"]["display"] == world.team.name

    request = _get(client, "fhir-service-request", referral).json()
    ServiceRequest.model_validate(request)
    assert request["status"] == "active" and request["requester"]["display"] == world.station.name

    everything = task.content.decode() + str(request)
    for private in ("Secret narrative", "Internal worry", "Wang Xiaoming", "0933"):
        assert private not in everything


def test_every_status_has_a_code_and_closing_carries_the_shareable_outcome(world, client):
    assert set(STATUS_CODES) == set(Status.values)
    referral = _file(world)
    services.accept_referral(actor=world.worker, referral=referral)
    services.record_first_contact(actor=world.worker, referral=referral)
    services.close_referral(actor=world.worker, referral=referral, outcome="mediated", summary="Both agreed on terms.")
    client.force_login(world.worker)
    body = _get(client, "fhir-task", referral).json()
    Task.model_validate(body)
    assert body["status"] == "completed" and body["businessStatus"]["coding"][0]["code"] == "completed"
    assert [o["valueString"] for o in body["output"]][1] == "Both agreed on terms."
    assert "end" in body["executionPeriod"]


def test_invisible_referral_answers_like_a_missing_one_and_reads_are_logged(world, client):
    referral = _file(world)
    client.force_login(f.SocialWorkerFactory())
    hidden = _get(client, "fhir-task", referral)
    missing = client.get(reverse("fhir-task", kwargs={"reference": "R-1999-000001"}))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()

    client.force_login(world.worker)
    before = AccessLog.objects.filter(object_id=str(referral.pk)).count()
    assert _get(client, "fhir-service-request", referral).status_code == 200
    assert AccessLog.objects.filter(object_id=str(referral.pk)).count() == before + 1
    client.logout()
    assert _get(client, "fhir-task", referral).status_code in (401, 403)
