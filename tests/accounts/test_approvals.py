"""Declining, closing with certain outcomes and removing a risk flag wait for a supervisor's approval."""

import pytest
from django.urls import reverse

from accounts.models import Approval, Notification
from referrals import services
from referrals.models import ReferralEvent, Status
from safety import services as safety_services
from tests import factories as f
from tests.referrals import conftest as referral_fixtures
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db
world = referral_fixtures.world


def _file(world):
    return services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())


def _kinds(referral):
    return list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))


def test_a_workers_decline_waits_and_the_supervisor_approves_it_from_the_home_page(world, client):
    referral = _file(world)
    client.force_login(world.worker)
    client.post(reverse("referrals:act", args=[referral.pk, "decline"]), {"reason": "outside_area", "note": ""})
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    approval = Approval.objects.get(state="pending")
    assert Notification.objects.filter(recipient=world.supervisor, kind="approval").exists()

    client.force_login(world.supervisor)
    home = client.get("/").content.decode()
    assert 'data-testid="approval-queue"' in home and referral.reference in home
    response = client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.decline_reason == "outside_area"
    assert {"approval_requested", "approved", "declined"} <= set(_kinds(referral))
    assert Approval.objects.get().decided_by == world.supervisor
    assert Notification.objects.filter(recipient=world.worker, kind="approval").exists()


def test_rejecting_needs_a_reason_and_leaves_the_referral_as_it_was(world, client):
    referral = _file(world)
    services.accept_referral(actor=world.worker, referral=referral)
    approval = services.close_referral(
        actor=world.worker, referral=referral, outcome="could_not_contact", summary="Tried twice."
    )
    assert isinstance(approval, Approval)
    client.force_login(world.supervisor)
    client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "reject", "reason": ""})
    assert Approval.objects.get().state == "pending"
    client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "reject", "reason": "Try the school."})
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and Approval.objects.get().state == "rejected"
    event = ReferralEvent.objects.get(referral=referral, kind="approval_rejected")
    assert "Try the school." in event.note and not event.shared


def test_outcomes_that_need_no_approval_close_at_once(world):
    referral = _file(world)
    services.accept_referral(actor=world.worker, referral=referral)
    services.record_first_contact(actor=world.worker, referral=referral)
    services.close_referral(actor=world.worker, referral=referral, outcome="got_help", summary="Plan agreed.")
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED and not Approval.objects.exists()


def test_removing_a_risk_flag_waits_for_approval(world, client):
    referral = _file(world)
    flag = safety_services.add_risk_flag(actor=world.worker, household=referral.household, type="weapon")
    client.force_login(world.worker)
    client.post(reverse("safety:flag_remove", args=[flag.pk]), {"reason": "Weapon handed in.", "next": "/"})
    assert list(safety_services.active_flags_for(households=[referral.household_id])) == [flag]
    approval = Approval.objects.get(kind="safety.remove_flag")
    client.force_login(world.supervisor)
    client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve"})
    assert list(safety_services.active_flags_for(households=[referral.household_id])) == []


def test_only_a_supervisor_above_the_team_decides_and_never_the_one_who_asked(world, client):
    referral = _file(world)
    approval = services.decline_referral(actor=world.worker, referral=referral, reason="no_capacity")
    url = reverse("approval_decide", args=[approval.pk])
    for outsider in (
        world.worker,
        world.worker2,
        f.SupervisorFactory(),
        f.SupervisorFactory(organization=world.station),
    ):
        client.force_login(outsider)
        assert client.post(url, {"decision": "approve"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED and Approval.objects.get().state == "pending"


def test_which_decisions_wait_is_configurable(world, settings):
    settings.APPROVALS = []
    referral = _file(world)
    services.decline_referral(actor=world.worker, referral=referral, reason="no_capacity")
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and not Approval.objects.exists()


def test_a_request_whose_record_moved_beyond_the_approver_is_refused(world, client):
    """Between asking and deciding, the case went to another agency: the old supervisor can no longer act on it."""
    referral = _file(world)
    flag = safety_services.add_risk_flag(actor=world.worker, household=referral.household, type="weapon")
    decline = services.decline_referral(actor=world.worker, referral=referral, reason="no_capacity")
    removal = safety_services.remove_risk_flag(actor=world.worker, flag=flag, reason="Handed in.")
    worked = _file(world)
    services.accept_referral(actor=world.worker, referral=worked)
    closing = services.close_referral(
        actor=world.worker, referral=worked, outcome="could_not_contact", summary="No answer."
    )
    elsewhere = f.TeamFactory(district=world.district)
    for moved in (referral, worked):
        services.transfer_referral(
            actor=f.AdministratorFactory(), referral=moved, team=elsewhere, note="Their specialist team"
        )
    client.force_login(world.supervisor)
    for approval in (decline, removal, closing):
        client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve"})
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED and referral.team == elsewhere
    worked.refresh_from_db()
    assert worked.status != Status.CLOSED
    assert list(safety_services.active_flags_for(households=[referral.household_id])) == [flag]
    assert set(Approval.objects.values_list("state", flat=True)) == {"pending"}
