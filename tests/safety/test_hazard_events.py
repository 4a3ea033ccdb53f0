from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from safety import services
from safety.models import FollowUpKind, HazardEvent, RiskFlag, SafetyContact
from tests import factories as f
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db


def report(world, days_ago=0, injury="minor", media=0, worker=None, **extra):
    return services.report_hazard_event(
        actor=world.worker,
        worker=worker,
        types=["physical_attack"],
        occurred_at=timezone.now() - timedelta(days=days_ago),
        place="Home visit",
        injury=injury,
        media_report_count=media,
        narrative="Pushed during a visit.",
        **extra,
    )


@pytest.mark.parametrize("gap, major", [(29, True), (30, True), (31, False)])
def test_second_injury_at_the_same_team_within_30_days_is_major(world, gap, major):
    report(world, days_ago=gap)
    second = report(world, days_ago=0)
    assert second.is_major is major
    if major:
        assert "repeat_injury" in second.major_reasons and second.for_safety_council


def test_injury_at_another_team_does_not_count(world):
    other_worker = f.SocialWorkerFactory()
    services.report_hazard_event(
        actor=other_worker, types=["intimidation"], occurred_at=timezone.now(), place="x", injury="minor", narrative="n"
    )
    assert not report(world).is_major


def test_events_without_injury_do_not_count(world):
    report(world, days_ago=3, injury="none")
    assert not report(world).is_major


@pytest.mark.parametrize("media, major", [(2, False), (3, True)])
def test_three_media_reports_make_an_event_major(world, media, major):
    assert report(world, injury="none", media=media).is_major is major


def test_a_death_is_major_and_alerts_agency_head_and_safety_contact(world, django_capture_on_commit_callbacks):
    contact = f.SupervisorFactory(organization=world.agency)
    SafetyContact.objects.create(agency=world.agency, user=contact)
    event = report(world, injury="death")
    assert event.is_major and "death" in event.major_reasons
    assert Notification.objects.filter(recipient=world.supervisor, kind="safety_major").exists()
    assert Notification.objects.filter(recipient=contact, kind="safety_major").exists()


def test_supervisor_flag_for_review_needs_a_reason(world):
    event = report(world, injury="none")
    with pytest.raises(Exception):
        services.flag_for_review(actor=world.supervisor, event=event, reason="  ")
    services.flag_for_review(actor=world.supervisor, event=event, reason="Escort was refused twice")
    event.refresh_from_db()
    assert event.is_major and "review" in event.major_reasons


def test_each_event_opens_the_follow_up_checklist_and_flags_the_offender(world):
    offender = PersonFactory()
    event = report(world, offender=offender)
    assert sorted(event.follow_ups.values_list("kind", flat=True)) == sorted(FollowUpKind.values)
    assert RiskFlag.objects.filter(person=offender, source="hazard_event").exists()


def test_overdue_follow_up_escalates_once(world):
    event = report(world)
    event.follow_ups.update(due_on=timezone.localdate() - timedelta(days=1))
    assert services.sweep_follow_ups() == 7
    assert services.sweep_follow_ups() == 0


def test_police_get_404_for_hazard_events_in_html_and_api(world, client):
    event = report(world)
    for police in (world.officer, world.station_head):
        client.force_login(police)
        assert client.get(event.get_absolute_url()).status_code == 404
        assert client.get(f"/api/hazard-events/{event.pk}/").status_code == 404
        assert client.get(reverse("safety:events")).status_code == 404
        assert client.get("/api/hazard-events/").json()["results"] == []


def test_another_team_worker_cannot_see_the_event(world, client):
    event = report(world)
    client.force_login(f.SocialWorkerFactory())
    assert client.get(event.get_absolute_url()).status_code == 404
    client.force_login(world.supervisor)
    assert client.get(event.get_absolute_url()).status_code == 200


def form_data(**overrides):
    data = {
        "types": ["physical_attack"],
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Home visit",
        "injury": "minor",
        "media_report_count": "0",
        "narrative": "Pushed.",
    }
    data.update(overrides)
    return data


PDF = b"%PDF-1.4 test"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"types": ["alien_attack"]}, "types"),
        ({"types": []}, "types"),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at"),
        ({"injury": "scratch"}, "injury"),
        ({"attachments": SimpleUploadedFile("notes.exe", b"MZ\x90\x00", "application/octet-stream")}, "attachments"),
        ({"attachments": SimpleUploadedFile("fake.pdf", b"MZ\x90\x00", "application/pdf")}, "attachments"),
        (
            {"attachments": SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")},
            "attachments",
        ),
        ({"worker": "999999"}, "worker"),
    ],
)
def test_bad_event_input_gives_field_errors_and_saves_nothing(world, client, overrides, field):
    client.force_login(world.worker)
    response = client.post(reverse("safety:event_new"), form_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not HazardEvent.objects.exists()


def test_report_with_a_pdf_attachment(world, client):
    client.force_login(world.worker)
    response = client.post(
        reverse("safety:event_new"), form_data(attachments=SimpleUploadedFile("report.pdf", PDF, "application/pdf"))
    )
    event = HazardEvent.objects.get()
    assert response.status_code == 302
    assert event.attachments.get().name == "report.pdf"
    assert client.get(reverse("safety:attachment", args=[event.attachments.get().pk])).status_code == 200
    client.force_login(world.officer)
    assert client.get(reverse("safety:attachment", args=[event.attachments.get().pk])).status_code == 404


def test_a_risk_flag_on_an_address_alone_is_kept_with_its_address(world):
    from referrals import services as referral_services
    from referrals.models import Referral, normalise_address
    from tests.referrals.conftest import referral_data

    place = "No. 9, Alley 3, Heping Rd."
    referral = referral_services.submit_referral(
        actor=world.officer, persons=[({"name": "Lee"}, "subject")], **referral_data(incident_place=place)
    )
    Referral.objects.filter(pk=referral.pk).update(household=None)
    referral.refresh_from_db()
    flag = services.add_risk_flag(actor=world.worker, referral=referral, type="weapon")
    assert RiskFlag.objects.get(pk=flag.pk).address_key == normalise_address(place) != ""
