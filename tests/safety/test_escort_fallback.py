"""Escort declined or unanswered → the supervisor assigns a second worker or postpones; until then no solo start."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from safety import services
from safety.models import EscortFallback, HomeVisit
from safety.services import assessment, escort_fallback
from tests import factories as f
from tests.safety.conftest import soon

pytestmark = pytest.mark.django_db


def _plan_with_escort(world):
    visit = services.plan_visit(
        actor=world.worker,
        referral=world.referral,
        workers=[world.worker],
        planned_start=soon(180),
        expected_minutes=60,
    )
    escort = services.request_escort(actor=world.worker, visit=visit, needed_from=soon(180), needed_until=soon(240))
    return visit, escort


def _visit_state(visit):
    visit = HomeVisit.objects.get(pk=visit.pk)
    return visit.status, visit.started_at, visit.planned_start, sorted(visit.workers.values_list("pk", flat=True))


def test_declined_escort_to_supervisor_task_to_second_worker_to_start(world, client):
    visit, escort = _plan_with_escort(world)
    # The visit was assessed as needing a police escort.
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"weapons": True, "prior_violence": True})
    services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="No patrol free that evening")

    task = EscortFallback.objects.get(escort=escort)
    assert (task.status, task.cause, task.visit) == ("open", "declined", visit)
    note = Notification.objects.get(recipient=world.supervisor, kind="escort_fallback")
    assert "assign a second worker or postpone" in note.title and note.url == visit.get_absolute_url()

    # Until the supervisor acts, the visit cannot start with one worker: refused, nothing changed.
    before = _visit_state(visit)
    with pytest.raises(ValidationError, match="supervisor assigns a second worker"):
        services.start_visit(actor=world.worker, visit=visit)
    client.force_login(world.worker)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert 'data-testid="start-blocked"' in page and 'data-testid="assign-second-worker"' not in page
    client.post(reverse("safety:visit_act", args=[visit.pk, "start"]))
    assert _visit_state(visit) == before
    # A worker cannot settle it themselves.
    with pytest.raises(PermissionDenied):
        escort_fallback.assign_second_worker(actor=world.worker, fallback=task, worker=world.worker2)
    assert (
        client.post(
            reverse("safety:fallback_assign", args=[task.pk]), {f"fb{task.pk}-worker": world.worker2.pk}
        ).status_code
        == 403
    )
    assert _visit_state(visit) == before and EscortFallback.objects.get(pk=task.pk).status == "open"

    # The supervisor sees the task and assigns the second worker on the visit page.
    client.force_login(world.supervisor)
    listing = client.get(reverse("safety:fallbacks")).content.decode()
    assert visit.referral.reference in listing
    page = client.get(visit.get_absolute_url()).content.decode()
    assert 'data-testid="assign-second-worker"' in page
    response = client.post(
        reverse("safety:fallback_assign", args=[task.pk]),
        {f"fb{task.pk}-worker": world.worker2.pk, f"fb{task.pk}-note": ""},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.added_worker, task.resolved_by) == ("second_worker", world.worker2, world.supervisor)
    assert set(visit.workers.all()) == {world.worker, world.worker2}
    assert Notification.objects.filter(recipient=world.worker2, kind="escort_fallback").exists()
    assert (
        reverse("safety:fallbacks")
        and visit.referral.reference not in client.get(reverse("safety:fallbacks")).content.decode()
    )

    # Now the visit may start (the second worker stands in for the escort the assessment asked for).
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_unanswered_escort_after_its_deadline_opens_the_task(world):
    visit, escort = _plan_with_escort(world)
    assert services.sweep_escorts(now=escort.respond_by - timedelta(seconds=1)) == 0
    assert not EscortFallback.objects.exists()
    assert services.sweep_escorts(now=escort.respond_by) == 1
    task = EscortFallback.objects.get()
    assert (task.escort, task.cause, task.status) == (escort, "unanswered", "open")
    assert services.sweep_escorts(now=escort.respond_by + timedelta(hours=1)) == 0
    assert EscortFallback.objects.count() == 1
    with pytest.raises(ValidationError):
        services.start_visit(actor=world.worker, visit=visit)
    # Police accept late after all: the task is settled and the visit may start.
    services.answer_escort(actor=world.officer, escort=escort, accept=True)
    assert EscortFallback.objects.get().status == "escort_accepted"
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_postponing_sets_a_new_time_and_settles_the_task(world, client):
    visit, escort = _plan_with_escort(world)
    services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="Festival duty")
    task = EscortFallback.objects.get()
    old = visit.planned_start
    with pytest.raises(ValidationError):
        escort_fallback.postpone_visit(
            actor=world.supervisor, fallback=task, planned_start=timezone.now() - timedelta(hours=1)
        )
    client.force_login(world.supervisor)
    new = timezone.localtime(soon(60 * 24 * 3)).replace(second=0, microsecond=0)
    client.post(
        reverse("safety:fallback_postpone", args=[task.pk]),
        {f"fb{task.pk}-planned_start": new.strftime("%Y-%m-%dT%H:%M"), f"fb{task.pk}-note": "After the festival"},
    )
    task.refresh_from_db()
    visit.refresh_from_db()
    assert (task.status, task.postponed_from, task.postponed_to) == ("postponed", old, new)
    assert visit.planned_start == new
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_second_worker_must_be_a_member_the_supervisor_can_see(world):
    visit, escort = _plan_with_escort(world)
    services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="No patrol")
    task = EscortFallback.objects.get()
    stranger = f.SocialWorkerFactory()  # another agency
    for worker in (stranger, world.officer, world.worker):  # outside, police, already going
        with pytest.raises(ValidationError):
            escort_fallback.assign_second_worker(actor=world.supervisor, fallback=task, worker=worker)
    assert EscortFallback.objects.get().status == "open" and visit.workers.count() == 1


def test_a_visit_already_with_two_workers_is_not_held(world):
    visit, escort = _plan_with_escort(world)
    visit.workers.add(world.worker2)
    services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="No patrol")
    assert EscortFallback.objects.get().status == "open"  # the supervisor still hears of it
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_police_never_see_the_task(world, client):
    visit, escort = _plan_with_escort(world)
    services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="No patrol")
    task = EscortFallback.objects.get()
    assert not EscortFallback.objects.visible_to(world.officer).exists()
    client.force_login(world.station_head)
    assert client.post(reverse("safety:fallback_postpone", args=[task.pk]), {}).status_code == 404
    assert client.get(reverse("safety:fallbacks")).status_code == 404


def test_dashboard_shows_the_fallback_outcomes_beside_the_acceptance_rate(world, client):
    for answer in ("second_worker", "postponed", "open", "accepted"):
        visit, escort = _plan_with_escort(world)
        if answer == "accepted":
            services.answer_escort(actor=world.officer, escort=escort, accept=True)
            continue
        services.answer_escort(actor=world.officer, escort=escort, accept=False, reason="No patrol")
        task = EscortFallback.objects.get(escort=escort)
        if answer == "second_worker":
            escort_fallback.assign_second_worker(actor=world.supervisor, fallback=task, worker=world.worker2)
        elif answer == "postponed":
            escort_fallback.postpone_visit(actor=world.supervisor, fallback=task, planned_start=soon(60 * 48))
    client.force_login(world.supervisor)
    page = client.get(reverse("dashboards:dashboard"))
    figures = page.context["safety"]["fallback"]
    assert (figures["second_worker"], figures["postponed"], figures["open"], figures["total"]) == (1, 1, 1, 3)
    html = page.content.decode()
    for testid, value in (("second-worker", 1), ("postponed", 1), ("open", 1)):
        assert f'data-testid="kpi-fallback-{testid}">{value}<' in html
    assert 'data-testid="kpi-escort-accepted">25.0%<' in html
