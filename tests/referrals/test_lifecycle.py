import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import District, Notification
from accounts.services import decide_approval
from referrals import services
from referrals.models import CaseNote, Referral, ReferralEvent, Status
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db


def file(world, **overrides):
    return services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data(**overrides))


def test_direct_district_routes_to_the_matched_team_with_a_readable_reference(world):
    r = file(world)
    assert re.fullmatch(rf"R-{timezone.localdate().year}-\d{{6}}", r.reference)
    assert r.team == world.team
    assert r.status == Status.SUBMITTED
    assert r.person_links.get().person.phone_key == "0933111222"
    assert Notification.objects.filter(recipient=world.worker, title__startswith=r.reference).exists()


def test_references_are_consecutive_and_unique(world):
    refs = [file(world).reference for _ in range(3)]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_centralised_district_lands_in_the_intake_queue(world):
    District.objects.filter(pk=world.district.pk).update(routing_mode=District.RoutingMode.CENTRALISED)
    world.station.district.refresh_from_db()
    coordinator = f.CoordinatorFactory(organization__district=world.district)
    r = file(world)
    assert r.team is None
    assert Notification.objects.filter(recipient=coordinator).exists()
    services.dispatch_referral(actor=coordinator, referral=r, team=world.team, note="Family team has capacity")
    assert r.team == world.team
    assert r.events.filter(kind=ReferralEvent.Kind.DISPATCHED).exists()


def test_full_closed_loop_notifies_the_officer_at_every_step(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = file(world)
        services.acknowledge_referral(actor=world.worker, referral=r)
        services.accept_referral(actor=world.worker, referral=r)
        services.add_note(actor=world.worker, referral=r, text="Mother disclosed prior incidents.")  # internal
        services.record_first_contact(actor=world.worker, referral=r)
        services.close_referral(
            actor=world.worker, referral=r, outcome="got_help", summary="Family agreed a service plan."
        )
    r.refresh_from_db()
    assert r.status == Status.CLOSED
    titles = list(Notification.objects.filter(recipient=world.officer).values_list("title", flat=True))
    assert len(titles) == 4  # acknowledged, accepted, first contact, closed
    assert all(t.startswith(r.reference) for t in titles)
    # Minimum detail: no names or narrative in any e-mail.
    assert len(mail.outbox) >= 6
    for message in mail.outbox:
        assert "Wang" not in message.subject + message.body
        assert "Mother" not in message.subject + message.body
    kinds = list(r.events.values_list("kind", flat=True))
    assert kinds[:3] == ["submitted", "acknowledged", "accepted"]
    assert "closed" in kinds


def test_illegal_transitions_are_refused_with_a_message(world):
    r = file(world)
    with pytest.raises(ValidationError, match="not possible"):
        services.close_referral(actor=world.worker, referral=r, outcome="got_help", summary="x")
    with pytest.raises(ValidationError):
        services.record_first_contact(actor=world.worker, referral=r)
    services.accept_referral(actor=world.worker, referral=r)
    with pytest.raises(ValidationError):
        services.cancel_referral(actor=world.officer, referral=r, reason="changed my mind")


def test_roles_are_enforced(world):
    r = file(world)
    with pytest.raises(PermissionDenied):
        services.acknowledge_referral(actor=world.officer, referral=r)
    other_team_worker = f.SocialWorkerFactory()
    with pytest.raises(PermissionDenied):
        services.accept_referral(actor=other_team_worker, referral=r)
    with pytest.raises(PermissionDenied):
        services.cancel_referral(actor=world.worker, referral=r, reason="not mine to cancel")


def test_decline_needs_a_reason_and_notifies_referrer_and_supervisor(world):
    r = file(world)
    with pytest.raises(ValidationError):
        services.decline_referral(actor=world.worker, referral=r, reason="")
    with pytest.raises(ValidationError):
        services.decline_referral(actor=world.worker, referral=r, reason="other", note="")
    # A worker's decline waits for a supervisor's approval; approving carries it out.
    approval = services.decline_referral(
        actor=world.worker, referral=r, reason="outside_area", note="Family lives in another city"
    )
    r.refresh_from_db()
    assert r.status == Status.SUBMITTED and approval.state == "pending"
    decide_approval(actor=world.supervisor, approval=approval, approve=True)
    r.refresh_from_db()
    assert r.status == Status.DECLINED
    assert Notification.objects.filter(recipient=world.officer, title=f"{r.reference}: declined").exists()
    assert Notification.objects.filter(recipient=world.supervisor, title=f"{r.reference}: declined").exists()


def test_declined_referral_can_be_redirected_to_another_team(world):
    r = file(world)
    services.decline_referral(actor=world.supervisor, referral=r, reason="no_capacity")
    other = f.TeamFactory(district=world.district, parent=world.agency)
    services.redirect_referral(actor=world.supervisor, referral=r, team=other, note="Team 2 has capacity")
    assert (r.status, r.team) == (Status.SUBMITTED, other)


def test_cancel_requires_a_reason_and_only_before_acceptance(world):
    r = file(world)
    with pytest.raises(ValidationError):
        services.cancel_referral(actor=world.officer, referral=r, reason="  ")
    services.cancel_referral(actor=world.officer, referral=r, reason="Filed twice by mistake")
    assert r.status == Status.CANCELLED
    assert r.escalate_at is None


def test_transfer_restarts_the_clock_and_keeps_history(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    other = f.TeamFactory(district=world.district, parent=world.agency)
    with pytest.raises(ValidationError):
        services.transfer_referral(actor=world.worker, referral=r, team=other, note="")
    before_due = r.ack_due_at
    services.transfer_referral(actor=world.worker, referral=r, team=other, note="Youth team is better placed")
    r.refresh_from_db()
    assert (r.status, r.team, r.assigned_worker, r.sla_cycle) == (Status.SUBMITTED, other, None, 2)
    assert r.ack_due_at > before_due
    assert r.events.filter(kind="transferred", note=other.name, shared=True).exists()
    handover = r.events.get(kind="handover_note")
    assert (handover.note, handover.shared) == ("Youth team is better placed", False)
    # The referring officer reads who has it now, never the handover note.
    seen_by_police = ReferralEvent.objects.visible_to(world.officer).filter(referral=r)
    assert not seen_by_police.filter(note__contains="better placed").exists()


def test_bulk_assign_reports_what_could_not_be_assigned(world):
    a, b = file(world), file(world)
    services.cancel_referral(actor=world.officer, referral=b, reason="duplicate")
    done, refused = services.bulk_accept(actor=world.supervisor, referrals=[a, b], worker=world.worker2)
    assert [r.pk for r in done] == [a.pk]
    assert refused[0][0].pk == b.pk
    a.refresh_from_db()
    assert a.assigned_worker == world.worker2


def test_deactivated_worker_cases_are_flagged_for_reassignment(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    world.worker.is_active = False
    world.worker.save()
    r.refresh_from_db()
    assert r.needs_reassignment
    assert Notification.objects.filter(recipient=world.supervisor, title__contains="reassign").exists()
    services.reassign_referral(actor=world.supervisor, referral=r, worker=world.worker2)
    r.refresh_from_db()
    assert (r.assigned_worker, r.needs_reassignment) == (world.worker2, False)


def test_rematching_a_station_moves_open_referrals_and_reports_them(world):
    open_one, closed_one = file(world), file(world)
    services.accept_referral(actor=world.worker, referral=closed_one)
    services.record_first_contact(actor=world.worker, referral=closed_one)
    services.close_referral(actor=world.worker, referral=closed_one, outcome="mediated", summary="Resolved.")
    new_team = f.TeamFactory(district=world.district, parent=world.agency)
    admin = f.AdministratorFactory()
    report = services.rematch_station(
        actor=admin, station=world.station, team=new_team, starts_on=timezone.localdate(), note="Boundary change"
    )
    assert [r.pk for r in report.moved] == [open_one.pk]
    assert services.matched_team(station=world.station) == new_team
    assert file(world).team == new_team


def test_rematching_keeps_ongoing_work_and_the_waiting_clock(world):
    waiting, acknowledged, working = file(world), file(world), file(world)
    services.acknowledge_referral(actor=world.worker, referral=acknowledged)
    services.accept_referral(actor=world.worker, referral=working)
    services.record_first_contact(actor=world.worker, referral=working)
    due, events_before = waiting.ack_due_at, waiting.events.count()
    new_team = f.TeamFactory(district=world.district, parent=world.agency)

    report = services.rematch_station(
        actor=f.AdministratorFactory(),
        station=world.station,
        team=new_team,
        starts_on=timezone.localdate(),
        note="Boundary change",
    )

    assert {r.pk for r in report.moved} == {waiting.pk, acknowledged.pk}
    assert [r.pk for r in report.stayed] == [working.pk] and report.handed_over == []
    waiting.refresh_from_db()
    acknowledged.refresh_from_db()
    working.refresh_from_db()
    assert (waiting.team, waiting.status, waiting.ack_due_at, waiting.sla_cycle) == (new_team, "submitted", due, 1)
    assert (acknowledged.team, acknowledged.status) == (new_team, "acknowledged")
    assert (working.team, working.status, working.assigned_worker) == (world.team, "in_progress", world.worker)
    assert waiting.events.count() == events_before + 2  # moved (shared) and the handover note (internal)


def test_rematching_can_hand_over_open_cases_with_a_note_each(world):
    working = file(world)
    services.accept_referral(actor=world.worker, referral=working)
    new_team = f.TeamFactory(district=world.district, parent=world.agency)
    report = services.rematch_station(
        actor=f.AdministratorFactory(),
        station=world.station,
        team=new_team,
        starts_on=timezone.localdate(),
        note="Boundary change",
        hand_over_open_cases=True,
    )
    working.refresh_from_db()
    assert [r.pk for r in report.handed_over] == [working.pk]
    assert (working.team, working.status, working.assigned_worker) == (new_team, "submitted", None)
    assert working.events.filter(kind="handover_note", note="Boundary change", shared=False).exists()


def test_rematching_page_reports_both_groups(world, client):
    waiting, working = file(world), file(world)
    services.accept_referral(actor=world.worker, referral=working)
    new_team = f.TeamFactory(district=world.district, parent=world.agency)
    admin = f.AdministratorFactory()
    client.force_login(admin)
    page = client.post(
        reverse("referrals:matching"),
        {"station": world.station.pk, "team": new_team.pk, "starts_on": timezone.localdate(), "note": "Boundary"},
    ).content.decode()
    assert "1 waiting referral moved to the new team" in page and "1 open case stays with its worker" in page
    assert waiting.reference in page and working.reference in page


def test_police_notes_are_always_shared_and_internal_notes_stay_internal(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    services.add_note(actor=world.officer, referral=r, text="New phone number: 0977000111", visibility="internal")
    services.add_note(actor=world.worker, referral=r, text="Internal assessment")
    assert CaseNote.objects.get(author=world.officer).visibility == "shared"
    assert list(CaseNote.objects.visible_to(world.officer).values_list("text", flat=True)) == [
        "New phone number: 0977000111"
    ]


def test_first_contact_cannot_be_in_the_future(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    with pytest.raises(ValidationError):
        services.record_first_contact(actor=world.worker, referral=r, at=timezone.now() + timedelta(hours=2))


def test_close_referred_on_needs_the_service_named(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    with pytest.raises(ValidationError):
        services.close_referral(
            actor=world.worker, referral=r, outcome="referred_on", summary="Sent on", referred_to=""
        )
    services.close_referral(
        actor=world.supervisor, referral=r, outcome="could_not_contact", summary="Three calls, no answer."
    )
    r.refresh_from_db()
    assert "new contact details" in str(r.outcome_next_step)


def test_share_with_a_colleague_grants_visibility(world):
    r = file(world)
    services.accept_referral(actor=world.worker, referral=r)
    colleague = f.SocialWorkerFactory(organization=f.TeamFactory(district=world.district, parent=world.agency))
    assert not Referral.objects.visible_to(colleague).filter(pk=r.pk).exists()
    services.share_with_worker(actor=world.worker, referral=r, worker=colleague)
    assert Referral.objects.visible_to(colleague).filter(pk=r.pk).exists()


def test_matching_uses_the_dated_row(world):
    assert services.matched_team(station=world.station, on_date=date(1990, 1, 1)) is None


def test_matching_uses_the_stations_local_date_just_after_midnight(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    new_team = f.TeamFactory(district=world.district, parent=world.agency)
    admin = f.AdministratorFactory()
    services.rematch_station(
        actor=admin,
        station=world.station,
        team=new_team,
        starts_on=date(2026, 11, 23),
        note="New boundary from the 23rd",
    )
    # 00:30 on the 23rd in Taipei is still the 22nd in UTC.
    with time_machine.travel(datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Asia/Taipei")), tick=False):
        assert file(world).team == new_team
