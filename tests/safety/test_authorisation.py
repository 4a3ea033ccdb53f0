"""Holes found when the safety paths were tried as an attacker would, one test (or a few) each."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import mint_api_token
from referrals import services as referral_services
from safety import services
from safety.models import FollowUpItem, HazardEvent, HomeVisit, RiskFlag, SafetyAlert
from tests.world import file_referral, two_districts

pytestmark = pytest.mark.django_db

SECRETS = ("Knife collection", "No. 9, Secret Lane", "Threatened at the door")


world = two_districts  # the two-district world (tests/world.py)


def token_client(user):
    """The API as the dispatch system uses it: with its token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {mint_api_token(user=user)}")
    return client


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_as(user):
    client = Client()
    client.force_login(user)
    return client


def safety_records(world, *, filed_by=None):
    """A referral (filed by the dispatch account unless told), accepted by T1, with a flag on its
    household, a visit of two workers under way with an alarm raised, and a hazard event."""
    referral = file_referral(world, by=filed_by or world.integration)
    referral_services.accept_referral(actor=world.worker, referral=referral, worker=world.worker)
    flag = RiskFlag.objects.create(
        household=referral.household, type="weapon", source="police", note="Knife collection in the kitchen"
    )
    visit = services.plan_visit(
        actor=world.worker,
        referral=referral,
        workers=[world.worker, world.colleague],
        planned_start=timezone.now(),
        expected_minutes=60,
        address="No. 9, Secret Lane",
    )
    services.start_visit(actor=world.worker, visit=visit)
    alarm = services.raise_alarm(actor=world.worker, visit=visit)
    event = services.report_hazard_event(
        actor=world.worker,
        types=["intimidation"],
        occurred_at=timezone.now() - timedelta(minutes=5),
        place="Doorstep",
        narrative="Threatened at the door.",
    )
    return SimpleNamespace(referral=referral, flag=flag, visit=visit, alarm=alarm, event=event)


# --- hole 3: the dispatch account has no safety data and no safety action ------------------------------
def test_dispatch_token_reads_no_safety_data(world):
    r = safety_records(world)
    dispatch = token_client(world.integration)
    for path in (
        "/api/hazard-events/",
        "/api/risk-flags/",
        "/api/visits/",
        "/api/safety-alerts/",
        "/api/escort-requests/",
    ):
        response = dispatch.get(path)
        assert response.status_code == 200 and response.json()["results"] == [], path
    for path in (
        f"/api/hazard-events/{r.event.pk}/",
        f"/api/risk-flags/{r.flag.pk}/",
        f"/api/visits/{r.visit.pk}/",
        f"/api/safety-alerts/{r.alarm.pk}/",
    ):
        assert dispatch.get(path).status_code == 404, path
    shared_view = dispatch.get(f"/api/referrals/{r.referral.pk}/")
    assert shared_view.status_code == 200
    assert not any(secret in shared_view.content.decode() for secret in SECRETS)


def test_dispatch_account_gets_no_safety_page(world):
    r = safety_records(world)
    pages = page_as(world.integration)
    for url in (
        reverse("safety:events"),
        reverse("safety:event", args=[r.event.pk]),
        reverse("safety:visits"),
        reverse("safety:visit", args=[r.visit.pk]),
        reverse("safety:visit_plan", args=[r.referral.pk]),
        reverse("safety:alerts"),
        reverse("safety:flag_referral", args=[r.referral.pk]),
    ):
        response = pages.get(url)
        assert response.status_code == 404, url
        assert not any(secret in response.content.decode() for secret in SECRETS)


def test_dispatch_token_cannot_create_a_risk_flag(world):
    r = safety_records(world)
    response = token_client(world.integration).post(
        "/api/risk-flags/",
        {"household": r.referral.household_id, "type": "weapon", "source": "observation", "note": "planted"},
        format="json",
    )
    assert response.status_code == 403
    assert RiskFlag.objects.count() == 1


def test_dispatch_token_cannot_take_or_resolve_an_alarm(world):
    r = safety_records(world)
    dispatch = token_client(world.integration)
    due_before = HomeVisit.objects.get(pk=r.visit.pk).check_out_due_at
    assert dispatch.post(f"/api/safety-alerts/{r.alarm.pk}/acknowledge/").status_code == 404
    services.acknowledge_alert(actor=world.supervisor, alert=r.alarm)
    response = dispatch.post(f"/api/safety-alerts/{r.alarm.pk}/resolve/", {"resolution": "false_alarm"}, format="json")
    assert response.status_code == 404
    alarm = SafetyAlert.objects.get(pk=r.alarm.pk)
    assert (alarm.acknowledged_by, alarm.resolution, alarm.resolved_at) == (world.supervisor, "", None)
    assert due_before is not None


@pytest.mark.parametrize(
    "attempt",
    [
        "add_flag",
        "acknowledge",
        "resolve",
        "plan_visit",
        "follow_up",
        "report_event",
        "check_out",
        "alarm",
    ],
)
def test_dispatch_account_is_refused_every_safety_service(world, attempt):
    r = safety_records(world)
    dispatch = world.integration
    if attempt == "resolve":
        services.acknowledge_alert(actor=world.supervisor, alert=r.alarm)
    item = r.event.follow_ups.first()
    calls = {
        "add_flag": lambda: services.add_risk_flag(actor=dispatch, household=r.referral.household, type="weapon"),
        "acknowledge": lambda: services.acknowledge_alert(actor=dispatch, alert=r.alarm),
        "resolve": lambda: services.resolve_alert(actor=dispatch, alert=r.alarm, resolution="false_alarm"),
        "plan_visit": lambda: services.plan_visit(
            actor=dispatch,
            referral=r.referral,
            workers=[world.worker],
            planned_start=timezone.now(),
            expected_minutes=30,
        ),
        "follow_up": lambda: services.update_follow_up(
            actor=dispatch, item=item, status="done", note="closed by dispatch"
        ),
        "report_event": lambda: services.report_hazard_event(
            actor=dispatch, worker=world.worker, types=["other"], occurred_at=timezone.now(), place="x", narrative="n"
        ),
        "check_out": lambda: services.check_out(actor=dispatch, visit=r.visit),
        "alarm": lambda: services.raise_alarm(actor=dispatch, visit=r.visit),
    }
    counts = lambda: (  # noqa: E731
        RiskFlag.objects.count(),
        HomeVisit.objects.count(),
        HazardEvent.objects.count(),
        SafetyAlert.objects.count(),
        SafetyAlert.objects.filter(acknowledged_by=dispatch).count(),
        SafetyAlert.objects.exclude(resolution="").count(),
        FollowUpItem.objects.filter(status="done").count(),
        HomeVisit.objects.get(pk=r.visit.pk).status,
    )
    before = counts()
    with pytest.raises(PermissionDenied):
        calls[attempt]()
    assert counts() == before


# --- hole 4: the silent alarm never reaches the workers of the visit under duress -----------------------
def _visit_of_two_on_call_workers(world):
    """Both workers of the visit are on call for their team: the on-call list would include them."""
    from tests import factories as f

    for worker in (world.worker, world.colleague):
        f.OnCallShiftFactory(team=world.a.t1, worker=worker, starts_at=timezone.now() - timedelta(hours=1))
    referral = file_referral(world)
    referral_services.accept_referral(actor=world.worker, referral=referral, worker=world.worker)
    visit = services.plan_visit(
        actor=world.worker,
        referral=referral,
        workers=[world.worker, world.colleague],
        planned_start=timezone.now(),
        expected_minutes=60,
        address="No. 9, Secret Lane",
    )
    return services.start_visit(actor=world.worker, visit=visit)


def _unread(user):
    return page_as(user).get(reverse("home"), follow=True).context["unread_notifications"]


def _nothing_reaches(user, alert, outbox, unread_before):
    from accounts.models import Notification

    assert not Notification.objects.filter(recipient=user, kind="safety_alert").exists()
    assert user.email not in {address for message in outbox for address in message.to}
    assert not alert.recipients.filter(pk=user.pk).exists()
    assert _unread(user) == unread_before
    pages = page_as(user)
    assert alert.pk not in [a.pk for a in pages.get(reverse("safety:alerts")).context["alerts"]]
    assert "Secret Lane" not in pages.get(reverse("safety:alerts")).content.decode()
    assert alert.pk not in [a["id"] for a in api_as(user).get("/api/safety-alerts/").json()["results"]]
    assert api_as(user).get(f"/api/safety-alerts/{alert.pk}/").status_code == 404
    visit_page = pages.get(reverse("safety:visit", args=[alert.visit_id])).content.decode().lower()
    assert "silent" not in visit_page and "duress" not in visit_page


def test_the_duress_alarm_never_reaches_the_workers_of_the_visit(world, django_capture_on_commit_callbacks, mailoutbox):
    visit = _visit_of_two_on_call_workers(world)
    services.set_duress_code(user=world.worker, code="4321")
    unread = {w.pk: _unread(w) for w in (world.worker, world.colleague)}
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("safety:visit_act", args=[visit.pk, "check-out"])
        response = page_as(world.worker).post(url, {"code": "4321"})
    assert response.status_code == 302
    alert = SafetyAlert.objects.get(visit=visit, kind="duress")
    assert alert.recipients.filter(pk=world.supervisor.pk).exists()
    for worker in (world.worker, world.colleague):
        _nothing_reaches(worker, alert, mailoutbox, unread[worker.pk])


def test_the_alarm_goes_to_the_supervisor_not_to_the_workers_of_the_visit(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    visit = _visit_of_two_on_call_workers(world)
    unread = {w.pk: _unread(w) for w in (world.worker, world.colleague)}
    with django_capture_on_commit_callbacks(execute=True):
        alarm = services.raise_alarm(actor=world.worker, visit=visit)
    assert set(alarm.recipients.values_list("pk", flat=True)) == {world.supervisor.pk}
    for worker in (world.worker, world.colleague):
        _nothing_reaches(worker, alarm, mailoutbox, unread[worker.pk])


@pytest.mark.parametrize("who", ["worker", "colleague"])
def test_the_workers_of_the_visit_cannot_take_or_clear_its_alarm(world, who):
    visit = _visit_of_two_on_call_workers(world)
    alarm = services.raise_alarm(actor=world.worker, visit=visit)
    with pytest.raises(PermissionDenied):
        services.acknowledge_alert(actor=getattr(world, who), alert=alarm)
    services.acknowledge_alert(actor=world.supervisor, alert=alarm)
    with pytest.raises(PermissionDenied):
        services.resolve_alert(actor=getattr(world, who), alert=alarm, resolution="false_alarm")
    assert SafetyAlert.objects.get(pk=alarm.pk).resolution == ""


# --- hole 6: every id in a safety input resolves through the caller's visibility ------------------------
def _flag_post(user, **data):
    return api_as(user).post("/api/risk-flags/", {"type": "weapon", "note": "seen a knife"} | data, format="json")


def _same_answer(first, second, first_id, second_id):
    """Two answers that differ only by the id asked about."""
    assert first.status_code == second.status_code
    assert first.content.decode().replace(str(first_id), "ID") == second.content.decode().replace(str(second_id), "ID")


@pytest.mark.parametrize("field", ["household", "person"])
def test_a_flag_on_another_districts_record_answers_like_a_missing_id(world, field):
    theirs = file_referral(world, by=world.officer_other)
    target = theirs.household_id if field == "household" else theirs.person_links.get().person_id
    missing = 10_000_000 + target
    invisible = _flag_post(world.worker, source="observation", **{field: target})
    nonexistent = _flag_post(world.worker, source="observation", **{field: missing})
    assert invisible.status_code == 400
    _same_answer(invisible, nonexistent, target, missing)
    assert not RiskFlag.objects.exists()


def test_a_flag_on_a_visible_household_is_created_with_the_source_the_server_sets(world):
    ours = file_referral(world)
    created = _flag_post(world.worker, household=ours.household_id)
    assert created.status_code == 201
    flag = RiskFlag.objects.get()
    assert (flag.household_id, flag.source, flag.added_by) == (ours.household_id, "observation", world.worker)


@pytest.mark.parametrize("source", ["police", "hazard_event"])
def test_the_client_cannot_choose_a_police_or_hazard_event_source(world, client, source):
    ours = file_referral(world)
    assert _flag_post(world.worker, household=ours.household_id, source=source).status_code == 400
    client.force_login(world.worker)
    page = client.post(
        reverse("safety:flag_referral", args=[ours.pk]), {"target": "household", "type": "weapon", "source": source}
    )
    assert page.status_code == 400
    assert not RiskFlag.objects.exists()


def test_filtering_flags_by_an_invisible_id_answers_like_a_missing_id(world):
    theirs = file_referral(world, by=world.officer_other)
    RiskFlag.objects.create(household=theirs.household, type="violence", source="police")
    missing = 10_000_000 + theirs.household_id
    listing = api_as(world.worker)
    invisible = listing.get("/api/risk-flags/", {"household": theirs.household_id})
    nonexistent = listing.get("/api/risk-flags/", {"household": missing})
    _same_answer(invisible, nonexistent, theirs.household_id, missing)
    assert invisible.status_code == 200 and invisible.json()["results"] == []


def test_an_escort_goes_only_to_a_station_of_the_visits_district(world, client):
    ours = file_referral(world)
    referral_services.accept_referral(actor=world.worker, referral=ours, worker=world.worker)
    visit = services.plan_visit(
        actor=world.worker, referral=ours, workers=[world.worker], planned_start=timezone.now(), expected_minutes=30
    )
    start = timezone.localtime() + timedelta(hours=1)
    data = {
        "needed_from": start.strftime("%Y-%m-%dT%H:%M"),
        "needed_until": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "note": "",
    }
    url = reverse("safety:visit_act", args=[visit.pk, "escort"])
    client.force_login(world.worker)
    foreign = client.post(url, data | {"station": world.b.s1.pk}, follow=True)
    missing = client.post(url, data | {"station": 10_000_000}, follow=True)
    messages = lambda r: [m.message for m in r.context["messages"]]  # noqa: E731
    assert messages(foreign) == messages(missing) and messages(foreign)
    with pytest.raises(Exception) as refused:
        services.request_escort(
            actor=world.worker,
            visit=visit,
            station=world.b.s1,
            needed_from=start,
            needed_until=start + timedelta(hours=1),
        )
    assert "station" in str(refused.value)
    assert not visit.escort_requests.exists()
    client.post(url, data | {"station": world.a.s2.pk})
    assert visit.escort_requests.get().station == world.a.s2


def test_visit_workers_come_from_the_referrals_agency(world):
    ours = file_referral(world)
    referral_services.accept_referral(actor=world.worker, referral=ours, worker=world.worker)
    with pytest.raises(Exception) as refused:
        services.plan_visit(
            actor=world.worker,
            referral=ours,
            workers=[world.worker_other],
            planned_start=timezone.now(),
            expected_minutes=30,
        )
    assert "workers" in str(refused.value)
    assert not HomeVisit.objects.exists()


# --- hole 12: follow-up owners come from the event's agency -------------------------------------------
def _event(world):
    return services.report_hazard_event(
        actor=world.worker, types=["intimidation"], occurred_at=timezone.now(), place="Office", narrative="Threatened."
    )


@pytest.mark.parametrize("owner", ["officer", "station_head", "supervisor_other", "worker_other", "coordinator"])
def test_a_follow_up_owner_outside_the_events_agency_is_refused(world, owner):
    event = _event(world)
    item = event.follow_ups.first()
    outsider = getattr(world, owner)
    pages = page_as(world.supervisor)
    data = {f"f{item.pk}-{k}": v for k, v in {"due_on": item.due_on.isoformat(), "status": "open", "note": ""}.items()}
    missing = pages.post(
        reverse("safety:follow_up", args=[item.pk]), data | {f"f{item.pk}-owner": 10_000_000}, follow=True
    )
    foreign = pages.post(
        reverse("safety:follow_up", args=[item.pk]), data | {f"f{item.pk}-owner": outsider.pk}, follow=True
    )
    assert [m.message for m in foreign.context["messages"]] == [m.message for m in missing.context["messages"]]
    with pytest.raises(Exception) as refused:
        services.update_follow_up(actor=world.supervisor, item=item, owner=outsider)
    assert "owner" in str(refused.value)
    assert FollowUpItem.objects.get(pk=item.pk).owner is None


def test_a_follow_up_owner_is_an_active_user_of_the_agency(world):
    event = _event(world)
    item = event.follow_ups.first()
    world.worker_same_parent.is_active = False
    world.worker_same_parent.save()
    with pytest.raises(Exception):
        services.update_follow_up(actor=world.supervisor, item=item, owner=world.worker_same_parent)
    page_as(world.supervisor).post(
        reverse("safety:follow_up", args=[item.pk]),
        {
            f"f{item.pk}-owner": world.colleague.pk,
            f"f{item.pk}-due_on": item.due_on.isoformat(),
            f"f{item.pk}-status": "open",
            f"f{item.pk}-note": "",
        },
    )
    assert FollowUpItem.objects.get(pk=item.pk).owner == world.colleague
