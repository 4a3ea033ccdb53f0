"""Every page and API endpoint × every role × own / other organisation → the expected answer.

The URL list comes from the URL configuration itself, so a new URL without a
rule in MATRIX fails ``test_every_url_has_a_rule``: nothing ships without a
visibility rule. Records of another organisation answer 404 to everyone but
administrators; pages meant for other roles answer 404 too.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import District, Notification
from patrols import services as patrol_services
from patrols.models import Beat, KeyLocation, PersonOfConcern
from referrals import services
from referrals.models import ReferralEscalation
from safety import services as safety_services
from safety.models import RiskFlag, SafetyAlert
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

ROLES = ("anonymous", "officer", "station_head", "social_worker", "supervisor", "coordinator", "administrator")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
SOCIAL_WORK = frozenset({"social_worker", "supervisor", "coordinator", "administrator"})
CASE_TEAM = frozenset({"social_worker", "supervisor"})  # the worker's team and its supervisors
POLICE = frozenset({"officer", "station_head", "administrator"})
CASES = ("own", "other")
# Answers that show the user reached the record (the action itself may still be refused by a rule).
REACHED = frozenset({200, 201, 204, 302, 400, 403, 409})
EXCLUDED_PREFIXES = ("admin/",)  # Django admin: staff only, checked in test_admin_is_staff_only


@dataclass(frozen=True)
class Rule:
    roles: frozenset = SIGNED_IN  # who may use it (own organisation)
    obj: str | None = None  # which record the URL names: referral, notification, escalation
    method: str = "get"
    ok: frozenset = frozenset({200})  # the answer for those roles
    public: bool = False  # also for anonymous users
    api: bool = False
    list_of: str | None = None  # an API list: must never include the other organisation's record
    personal: bool = False  # the record is one person's own (an inbox entry): 404 to everyone else, admins too
    extra: dict = field(default_factory=dict)  # more URL kwargs
    pk_kwarg: str = "pk"  # the URL's name for the record's id
    lookup: str = "pk"  # the record's attribute the URL carries (its id, or its reference), or a function of it


def page(*roles, **kw):
    return Rule(roles=frozenset(roles) if roles else SIGNED_IN, **kw)


def action(obj, **kw):
    return Rule(obj=obj, method="post", ok=REACHED, **kw)


def api(**kw):
    return Rule(api=True, **kw)


REFERRAL_PAGE_ACTIONS = (
    "acknowledge",
    "accept",
    "decline",
    "transfer",
    "cancel",
    "first_contact",
    "close",
    "reassign",
    "note",
    "confirm_level",
    "dispatch",
    "redirect",
    "share",
    "feedback",
    "return",
    "resubmit",
    "re_refer",
    "fail",
)

MATRIX = {
    # accounts and the site
    "home": page(),
    "healthz": Rule(public=True),
    "set_language": Rule(public=True, method="post", ok=frozenset({302})),
    "javascript-catalog": Rule(public=True),
    # The visit pages and the event form as an installable app: no personal data in either, fetched by the browser.
    "service_worker": Rule(public=True),
    "manifest": Rule(public=True),
    "login": Rule(public=True, ok=frozenset({200, 302})),
    "logout": Rule(public=True, method="post", ok=frozenset({200, 302})),
    "password_change": page(),
    "password_change_done": page(),
    "password_reset": Rule(public=True),
    "password_reset_done": Rule(public=True),
    "password_reset_confirm": Rule(public=True, extra={"uidb64": "MQ", "token": "bad-token"}),
    "password_reset_complete": Rule(public=True),
    "notifications": page(),
    "agreement": page(),
    "notifications_read_all": Rule(method="post", ok=frozenset({302})),
    "notification_open": action("notification", personal=True),
    "api-me": api(),
    # form drafts (GET: 204 when none is kept) and the session's time left
    "draft[referral-file]": page("officer", extra={"key": "referral-file"}, ok=frozenset({204})),
    "draft[hazard-event]": page("social_worker", "supervisor", extra={"key": "hazard-event"}, ok=frozenset({204})),
    "draft[note]": page(obj="referral", pk_kwarg="key", lookup=lambda r: f"note:{r.pk}", ok=frozenset({204})),
    "session_status": page(),
    # browser push: for the people pushed alerts go to; the service worker holds no data
    "push_settings": Rule(roles=SOCIAL_WORK),
    "push_subscribe": Rule(roles=SOCIAL_WORK, method="post", ok=frozenset({400})),
    "push_unsubscribe": Rule(roles=SOCIAL_WORK, method="post", ok=frozenset({400})),
    "push_service_worker": Rule(public=True),
    "session_keepalive": Rule(method="post"),
    "notification-list": api(list_of="notification"),
    "notification-detail": api(obj="notification", personal=True),
    "notification-read": api(obj="notification", method="post", ok=REACHED, personal=True),
    "schema": api(),  # signed-in only outside DEBUG
    "api-docs": api(),
    "api-redoc": api(),
    # referrals
    "referrals:file": page("officer"),
    "referrals:file_suggestions": Rule(roles=frozenset({"officer"}), method="post"),
    "referrals:mine": page("officer"),
    "referrals:queue": page("social_worker", "supervisor"),
    "referrals:bulk_assign": Rule(roles=frozenset({"social_worker", "supervisor"}), method="post", ok=REACHED),
    "referrals:intake": page("coordinator"),
    "referrals:caseload": page("social_worker"),
    "referrals:escalations": page("supervisor", "coordinator"),
    "referrals:acknowledge_escalation": action("escalation", roles=SOCIAL_WORK - {"social_worker"}),
    "referrals:search": page(),
    "referrals:household": page(*SOCIAL_WORK, obj="household"),
    "approvals": page("supervisor"),
    "approval_decide": action("approval", roles=frozenset({"supervisor"})),
    "referrals:matching": page("administrator"),
    "referrals:detail": page(obj="referral"),
    **{f"referrals:act[{a}]": action("referral", extra={"action": a}) for a in REFERRAL_PAGE_ACTIONS},
    "referral-list": api(list_of="referral"),
    "referral-detail": api(obj="referral"),
    **{
        f"referral-{a}": api(obj="referral", method="post", ok=REACHED)
        for a in (
            "accept",
            "acknowledge",
            "cancel",
            "close",
            "decline",
            "feedback",
            "first-contact",
            "notes",
            "transfer",
            "return",
            "resubmit",
            "re-refer",
            "fail",
        )
    },
    "referral-suggestions": api(roles=frozenset({"officer"})),  # those who file (and the dispatch account)
    "fhir-task": api(obj="referral", pk_kwarg="reference", lookup="reference"),
    "fhir-service-request": api(obj="referral", pk_kwarg="reference", lookup="reference"),
    # safety: never police, except escort requests addressed to their station
    "safety:events": page(*SOCIAL_WORK),
    "safety:event_new": page(*SOCIAL_WORK),
    # A report queued offline: an empty one is refused with field errors (400); never police.
    "safety:event_sync": Rule(roles=SOCIAL_WORK, method="post", ok=frozenset({400})),
    "safety:event": page(*CASE_TEAM, obj="event"),
    "safety:event_review": action("event", roles=CASE_TEAM),
    "safety:follow_up": action("follow_up", roles=CASE_TEAM),
    "safety:attachment": page(*CASE_TEAM, obj="attachment"),
    "safety:visits": page(*SOCIAL_WORK),
    "safety:visit_plan": page(*SOCIAL_WORK, obj="referral", pk_kwarg="referral_pk"),
    "safety:visit": page(*SOCIAL_WORK, obj="visit"),
    **{
        f"safety:visit_act[{a}]": action("visit", roles=SOCIAL_WORK, extra={"action": a})
        for a in ("start", "check-in", "check-out", "alarm", "override", "escort")
    },
    "safety:visit_sync": action("visit", roles=SOCIAL_WORK),
    "safety:visit_assessment": page(*SOCIAL_WORK, obj="visit"),
    "safety:visit_assessment_override": action("visit", roles=SOCIAL_WORK),
    "safety:route_note_add": action("visit", roles=SOCIAL_WORK),
    "safety:fallbacks": page(*SOCIAL_WORK),
    "safety:fallback_assign": action("fallback", roles=SOCIAL_WORK),
    "safety:fallback_postpone": action("fallback", roles=SOCIAL_WORK),
    # The SMS gateway's delivery receipts: no session; without the gateway's signature always refused.
    "sms_status": Rule(method="post", ok=frozenset({403}), public=True),
    "safety:escorts": page(),
    "safety:escort_answer": action("escort"),
    "safety:alerts": page(*SOCIAL_WORK),
    **{
        f"safety:alert_act[{a}]": action("alert", roles=SOCIAL_WORK, extra={"action": a})
        for a in ("acknowledge", "resolve")
    },
    "safety:flag_referral": page(*SOCIAL_WORK, obj="referral", pk_kwarg="referral_pk"),
    "safety:flag_remove": action("risk_flag", roles=SOCIAL_WORK),
    "safety:duress_code": page("social_worker"),
    "hazard-event-list": api(list_of="event"),
    "hazard-event-detail": api(obj="event", roles=CASE_TEAM),
    "risk-flag-list": api(list_of="risk_flag"),
    "risk-flag-detail": api(obj="risk_flag", roles=SOCIAL_WORK),
    "visit-list": api(list_of="visit"),
    "visit-detail": api(obj="visit", roles=SOCIAL_WORK),
    **{
        f"visit-{a}": api(obj="visit", roles=SOCIAL_WORK, method="post", ok=REACHED)
        for a in ("start", "check-in", "check-out", "alarm")
    },
    "escort-request-list": api(list_of="escort"),
    "escort-request-detail": api(obj="escort"),
    "escort-request-answer": api(obj="escort", method="post", ok=REACHED),
    "safety-alert-list": api(list_of="alert"),
    "safety-alert-detail": api(obj="alert", roles=SOCIAL_WORK),
    **{
        f"safety-alert-{a}": api(obj="alert", roles=SOCIAL_WORK, method="post", ok=REACHED)
        for a in ("acknowledge", "resolve")
    },
    # dashboards: supervisors (police or social work) and administrators
    "dashboards:dashboard": page("station_head", "supervisor"),
    **{f"dashboards:chart[{c}]": page("station_head", "supervisor", extra={"name": c}) for c in ("weekly", "open")},
    "dashboards:chart[hazards]": page("supervisor", extra={"name": "hazards"}),
    # patrols: police only; a unit sees its own subtree
    "patrols:beat": page("officer", "station_head"),
    "patrols:beat_hours": action("beat", roles=POLICE),
    "patrols:beat_hours_decide": action("beat_change", roles=POLICE),
    "patrols:person": page("officer", "station_head", obj="poc"),
    "patrols:add_child": action("poc", roles=POLICE),
    "patrols:visit": page("officer", "station_head", obj="patrol_visit"),
    "patrols:locations": page("officer", "station_head"),
    "patrols:location": page("officer", "station_head", obj="location"),
    "patrols:missing": page("officer", "station_head"),
    "patrols:activities": page("officer", "station_head"),
    "patrols:reports": page("officer", "station_head"),
    "patrols:report": page("officer", "station_head", obj="report"),
    "patrols:report_submit": action("report", roles=POLICE),
    "patrols:report_open": Rule(roles=POLICE, method="post", ok=REACHED),
    "patrols:evaluation": page("station_head"),
    "beat-list": api(list_of="beat"),
    "beat-detail": api(obj="beat", roles=POLICE),
    "person-of-concern-list": api(list_of="poc"),
    "person-of-concern-detail": api(obj="poc", roles=POLICE),
    "patrol-visit-list": api(list_of="patrol_visit"),
    "patrol-visit-detail": api(obj="patrol_visit", roles=POLICE),
    "key-location-list": api(list_of="location"),
    "key-location-detail": api(obj="location", roles=POLICE),
    "community-activity-list": api(list_of="activity"),
    "community-activity-detail": api(obj="activity", roles=POLICE),
}


def url_names():
    """Every named URL of the project (namespaced), except the excluded prefixes."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                if not (prefix + str(p.pattern)).startswith(EXCLUDED_PREFIXES):
                    yield f"{namespace}:{p.name}" if namespace else p.name

    return sorted(set(walk(get_resolver().url_patterns)))


def _matrix_names():
    return sorted({name.split("[")[0] for name in MATRIX})


def test_every_url_has_a_rule():
    missing = [name for name in url_names() if name not in _matrix_names()]
    stale = [name for name in _matrix_names() if name not in url_names()]
    assert not missing, f"URLs without a visibility rule in MATRIX: {missing}"
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


# --- the world: two organisations with every role, and records in each ----------------------
def _organisation(tag):
    district = f.DistrictFactory(code=f"matrix-{tag}", routing_mode=District.RoutingMode.DIRECT)
    precinct = f.PrecinctFactory(district=district)
    station = f.StationFactory(district=district, parent=precinct)
    agency = f.AgencyFactory(district=district)
    team = f.TeamFactory(district=district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    users = {
        "officer": f.OfficerFactory(organization=station),
        "station_head": f.SupervisorFactory(organization=station),
        "social_worker": f.SocialWorkerFactory(organization=team),
        "supervisor": f.SupervisorFactory(organization=agency),
        "coordinator": f.CoordinatorFactory(organization__district=district),
    }
    referral = services.submit_referral(
        actor=users["officer"],
        persons=[({"name": f"Person {tag}", "phone": f"09{tag}", "address": f"No. {tag}, Matrix Rd."}, "subject")],
        category="family_conflict",
        level=2,
        narrative="Matrix case",
        incident_at=timezone.now(),
    )
    escalation = ReferralEscalation.objects.create(referral=referral, cycle=1, level=1, due_at=referral.ack_due_at)
    worker = users["social_worker"]
    event = safety_services.report_hazard_event(
        actor=worker, types=["intimidation"], occurred_at=timezone.now(), place="Office", narrative="Threatened"
    )
    attachment = event.attachments.create(file=ContentFile(b"%PDF-1.4", name="a.pdf"), name="a.pdf", size=8)
    visit = safety_services.plan_visit(
        actor=worker, referral=referral, workers=[worker], planned_start=timezone.now(), expected_minutes=30
    )
    escort = safety_services.request_escort(
        actor=worker,
        visit=visit,
        needed_from=timezone.now() + timedelta(hours=1),
        needed_until=timezone.now() + timedelta(hours=2),
    )
    # Police declined a second escort request: the supervisor's task to send a second worker or postpone.
    declined = safety_services.request_escort(
        actor=worker,
        visit=visit,
        needed_from=timezone.now() + timedelta(hours=1),
        needed_until=timezone.now() + timedelta(hours=2),
    )
    safety_services.answer_escort(actor=users["officer"], escort=declined, accept=False, reason="No patrol free")
    # An alarm from a colleague's visit: the workers of a visit never see its own alerts.
    colleague = f.SocialWorkerFactory(organization=team)
    alarm_visit = safety_services.plan_visit(
        actor=worker, referral=referral, workers=[colleague], planned_start=timezone.now(), expected_minutes=30
    )
    alert = SafetyAlert.objects.create(kind="alarm", visit=alarm_visit, level=1)
    flag = RiskFlag.objects.create(household=referral.household, type="violence", source="police")
    beat = Beat.objects.create(station=station, code=f"B{tag}", officer=users["officer"])
    poc = PersonOfConcern.objects.create(station=station, beat=beat, name=f"POC {tag}", address="x")
    patrol = patrol_services
    beat_change = patrol.change_beat_hours(
        actor=users["officer"], beat=beat, new_hours=Decimal("1"), reason="fewer households"
    )
    patrol_visit = patrol.record_visit(actor=users["officer"], person=poc, outcome="met")
    location = KeyLocation.objects.create(station=station, type="vacant_house", name=f"House {tag}", address="y")
    activity = patrol.log_activity(
        actor=users["officer"],
        station=station,
        kind="briefing",
        held_on=timezone.localdate(),
        place="hall",
        attendees=10,
    )
    report = patrol.open_report(station=station, month=timezone.localdate())
    return SimpleNamespace(
        beat=beat,
        poc=poc,
        beat_change=beat_change,
        patrol_visit=patrol_visit,
        location=location,
        activity=activity,
        report=report,
        users=users,
        referral=referral,
        household=referral.household,
        escalation=escalation,
        station=station,
        team=team,
        event=event,
        follow_up=event.follow_ups.first(),
        attachment=attachment,
        visit=visit,
        escort=escort,
        fallback=declined.fallback,
        alert=alert,
        risk_flag=flag,
        approval=services.decline_referral(actor=users["social_worker"], referral=referral, reason="not_in_remit"),
    )


@pytest.fixture
def world(db):
    own, other = _organisation("11111111"), _organisation("22222222")
    admin = f.AdministratorFactory()
    own.users["administrator"] = admin
    return SimpleNamespace(own=own, other=other)


RECORDS = (
    "referral",
    "household",
    "approval",
    "escalation",
    "event",
    "follow_up",
    "attachment",
    "visit",
    "escort",
    "fallback",
    "alert",
    "risk_flag",
    "beat",
    "poc",
    "beat_change",
    "patrol_visit",
    "location",
    "activity",
    "report",
)


def _record(world, rule, case, user):
    side = world.own if case == "own" else world.other
    if rule.obj in RECORDS:
        return getattr(side, rule.obj)
    if rule.obj == "notification":
        owner = user if case == "own" and user is not None else side.users["officer"]
        if owner == user and case == "other":
            owner = world.other.users["social_worker"]
        return Notification.objects.create(recipient=owner, kind="matrix", title="R-0000-000000: test", url="/")
    return None


def _url(name, rule, record):
    kwargs = dict(rule.extra)
    if record is not None:
        kwargs[rule.pk_kwarg] = rule.lookup(record) if callable(rule.lookup) else getattr(record, rule.lookup)
    return reverse(name.split("[")[0], kwargs=kwargs or None)


def _expected(rule, role, case):
    if role == "anonymous":
        if rule.public:
            return rule.ok
        return frozenset({401, 403}) if rule.api else frozenset({302})
    if role not in rule.roles and role != "administrator":
        return frozenset({404})
    if case == "other" and rule.obj and (role != "administrator" or rule.personal):
        return frozenset({404})
    return rule.ok


def _cases(rule):
    return CASES if rule.obj else ("own",)


def matrix_size():
    return sum(len(ROLES) * len(_cases(rule)) for rule in MATRIX.values())


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(world, name):
    rule = MATRIX[name]
    failures = []
    for role in ROLES:
        for case in _cases(rule):
            client = Client()
            user = None if role == "anonymous" else world.own.users[role]
            if user is not None:
                client.force_login(user)
            record = _record(world, rule, case, user)
            url = _url(name, rule, record)
            response = getattr(client, rule.method)(url)
            expected = _expected(rule, role, case)
            if response.status_code not in expected:
                failures.append(
                    f"{role}/{case} {rule.method.upper()} {url}: {response.status_code}, expected {sorted(expected)}"
                )
            if rule.list_of and response.status_code == 200:
                leaked = _record(world, Rule(obj=rule.list_of), "other", user)
                ids = [str(item.get("id")) for item in response.json().get("results", [])]
                if (role != "administrator" or rule.list_of == "notification") and str(leaked.pk) in ids:
                    failures.append(f"{role}: list {url} shows the other organisation's {rule.list_of}")
    assert not failures, "\n".join(failures)


def test_matrix_size_is_reported(capsys):
    pages = len(MATRIX)
    with capsys.disabled():
        print(f"\npermission matrix: {pages} pages/endpoints × {len(ROLES)} roles, {matrix_size()} checks in all")
    assert matrix_size() >= pages * len(ROLES)


@pytest.mark.django_db
def test_admin_is_staff_only(client):
    for user in (f.OfficerFactory(), f.SocialWorkerFactory(), f.SupervisorFactory()):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response.url
