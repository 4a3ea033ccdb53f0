"""Every page and API endpoint × every role × own / other organisation → the expected answer.

The URL list comes from the URL configuration itself, so a new URL without a
rule in MATRIX fails ``test_every_url_has_a_rule``: nothing ships without a
visibility rule. Records of another organisation answer 404 to everyone but
administrators; pages meant for other roles answer 404 too.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import District, Notification
from referrals import services
from referrals.models import ReferralEscalation
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

ROLES = ("anonymous", "officer", "station_head", "social_worker", "supervisor", "coordinator", "administrator")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
SOCIAL_WORK = frozenset({"social_worker", "supervisor", "coordinator", "administrator"})
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
)

MATRIX = {
    # accounts and the site
    "home": page(),
    "healthz": Rule(public=True),
    "set_language": Rule(public=True, method="post", ok=frozenset({302})),
    "javascript-catalog": Rule(public=True),
    "login": Rule(public=True, ok=frozenset({200, 302})),
    "logout": Rule(public=True, method="post", ok=frozenset({200, 302})),
    "password_change": page(),
    "password_change_done": page(),
    "password_reset": Rule(public=True),
    "password_reset_done": Rule(public=True),
    "password_reset_confirm": Rule(public=True, extra={"uidb64": "MQ", "token": "bad-token"}),
    "password_reset_complete": Rule(public=True),
    "notifications": page(),
    "notifications_read_all": Rule(method="post", ok=frozenset({302})),
    "notification_open": action("notification", personal=True),
    "api-me": api(),
    "notification-list": api(list_of="notification"),
    "notification-detail": api(obj="notification", personal=True),
    "notification-read": api(obj="notification", method="post", ok=REACHED, personal=True),
    "schema": api(public=True),
    "api-docs": api(public=True),
    "api-redoc": api(public=True),
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
    "referrals:matching": page("administrator"),
    "referrals:detail": page(obj="referral"),
    **{f"referrals:act[{a}]": action("referral", extra={"action": a}) for a in REFERRAL_PAGE_ACTIONS},
    "referral-list": api(list_of="referral"),
    "referral-detail": api(obj="referral"),
    **{
        f"referral-{a}": api(obj="referral", method="post", ok=REACHED)
        for a in ("accept", "acknowledge", "cancel", "close", "decline", "first-contact", "notes", "transfer")
    },
    "referral-suggestions": api(),
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
        users["officer"],
        persons=[({"name": f"Person {tag}", "phone": f"09{tag}"}, "subject")],
        category="family_conflict",
        level=2,
        narrative="Matrix case",
        incident_at=timezone.now(),
    )
    escalation = ReferralEscalation.objects.create(referral=referral, cycle=1, level=1, due_at=referral.ack_due_at)
    return SimpleNamespace(users=users, referral=referral, escalation=escalation, station=station, team=team)


@pytest.fixture
def world(db):
    own, other = _organisation("11111111"), _organisation("22222222")
    admin = f.AdministratorFactory()
    own.users["administrator"] = admin
    return SimpleNamespace(own=own, other=other)


def _record(world, rule, case, user):
    side = world.own if case == "own" else world.other
    if rule.obj == "referral":
        return side.referral
    if rule.obj == "escalation":
        return side.escalation
    if rule.obj == "notification":
        owner = user if case == "own" and user is not None else side.users["officer"]
        if owner == user and case == "other":
            owner = world.other.users["social_worker"]
        return Notification.objects.create(recipient=owner, kind="matrix", title="R-0000-000000: test", url="/")
    return None


def _url(name, rule, record):
    kwargs = dict(rule.extra)
    if record is not None:
        kwargs["pk"] = record.pk
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
