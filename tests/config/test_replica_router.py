"""Read-replica routing (config/routers.py): which database each statement of a request went to.

Without DATABASE_REPLICA_URL the "replica" alias is a test mirror of the test database (a second
connection to it, config/settings_test.py) and the ``routed`` fixture switches the router on; the
tests commit (transaction=True) so the second connection sees their data. With a real replica
(make scale) the same tests run against it, waiting for it to replay each commit (tests/replica_drill.py).
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, District
from config import routers
from referrals import services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

ROOT = Path(__file__).resolve().parents[2]
routed_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
DASHBOARD = reverse("dashboards:dashboard")


@pytest.fixture
def routed(settings):
    """The router and its middleware, as settings.py installs them when DATABASE_REPLICA_URL is set."""
    settings.DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    if "config.routers.ReplicaRoutingMiddleware" not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("axes.middleware.AxesMiddleware"), "config.routers.ReplicaRoutingMiddleware")
        settings.MIDDLEWARE = middleware
    settings.REPLICA_PIN_SECONDS = 5


def reads_of(seen, table, alias=None):
    pattern = re.compile(rf'^SELECT .*FROM "{table}"', re.DOTALL)
    return [a for a, sql in seen if pattern.search(sql) and (alias is None or a == alias)]


def on(seen, alias):
    return [sql for a, sql in seen if a == alias]


@pytest.fixture
def team_with_referrals(db):
    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    for n in range(3):
        services.submit_referral(
            actor=officer,
            persons=[({"name": f"Lin Mei {n}", "phone": f"09110000{n}"}, "subject")],
            category="elderly",
            level=1 + n,
            narrative="x",
            incident_at=timezone.now(),
        )
    return {
        "officer": officer,
        "worker": f.SocialWorkerFactory(organization=team),
        "supervisor": f.SupervisorFactory(organization=agency),
    }


@routed_db
def test_a_dashboard_get_reads_its_figures_from_the_replica(routed, team_with_referrals, client):
    client.force_login(team_with_referrals["supervisor"])
    with routers.statements() as seen:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["referrals"]["totals"]["total"] == 3  # the replica's figures are the data's
    assert reads_of(seen, "referrals_referral", "replica")
    assert not reads_of(seen, "referrals_referral", "default")
    # The session and the signed-in user are read from the primary, always.
    assert reads_of(seen, "django_session", "default") and not reads_of(seen, "django_session", "replica")
    assert routers.PIN_COOKIE not in response.cookies  # nothing was written


@routed_db
def test_a_dashboard_export_reads_the_replica_and_logs_on_the_primary(routed, team_with_referrals, client):
    supervisor = team_with_referrals["supervisor"]
    client.force_login(supervisor)
    with routers.statements() as seen:
        response = client.get(DASHBOARD, {"export": "weekly", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert reads_of(seen, "referrals_referral", "replica") and not reads_of(seen, "referrals_referral", "default")
    assert any(sql.startswith('INSERT INTO "accounts_accesslog"') for sql in on(seen, "default"))
    assert not any(sql.startswith("INSERT") for sql in on(seen, "replica"))
    assert AccessLog.objects.filter(user=supervisor, action="export").count() == 1
    assert routers.PIN_COOKIE not in response.cookies  # logging a read does not pin the reader


@routed_db
def test_search_goes_on_reading_the_replica_after_logging_the_search(routed, team_with_referrals, client):
    client.force_login(team_with_referrals["worker"])
    with routers.statements() as seen:
        response = client.get(reverse("referrals:search"), {"q": "Lin Mei 1"})
    assert len(response.context["page"].object_list) == 1
    logged = next(i for i, (a, sql) in enumerate(seen) if sql.startswith('INSERT INTO "accounts_accesslog"'))
    assert seen[logged][0] == "default"
    # The result rows are fetched while the page renders, after the access-log row was written.
    assert reads_of(seen[logged:], "referrals_referral", "replica")
    assert not reads_of(seen, "referrals_referral", "default")


@routed_db
def test_a_list_export_reads_the_replica_and_the_list_page_the_primary(routed, team_with_referrals, client):
    client.force_login(team_with_referrals["officer"])
    with routers.statements() as page:
        assert client.get(reverse("referrals:mine")).status_code == 200
    with routers.statements() as export:
        assert client.get(reverse("referrals:mine"), {"format": "csv"}).status_code == 200
    assert on(page, "default") and not on(page, "replica")
    assert reads_of(export, "referrals_referral", "replica") and not reads_of(export, "referrals_referral", "default")


@routed_db
def test_a_page_that_did_not_opt_in_reads_the_primary(routed, team_with_referrals, client):
    client.force_login(team_with_referrals["worker"])
    with routers.statements() as seen:
        assert client.get(reverse("referrals:caseload")).status_code == 200
    assert on(seen, "default") and not on(seen, "replica")


@routed_db
@pytest.mark.parametrize("method", ["post", "put"])
def test_a_request_other_than_get_never_reads_the_replica(routed, team_with_referrals, client, method):
    client.force_login(team_with_referrals["supervisor"])
    with routers.statements() as seen:
        getattr(client, method)(DASHBOARD)
        getattr(client, method)(reverse("referrals:search"), {"q": "Lin"})
    assert reads_of(seen, "referrals_referral", "default")
    assert not on(seen, "replica")


@routed_db
@pytest.mark.urls("tests.config.replica_urls")
@pytest.mark.parametrize(
    ("url", "pins"),
    [("/replica-test/read-write-read/", True), ("/replica-test/read-lock-read/", True)]
    + [("/replica-test/read-transaction-read/", False)],
)
def test_after_a_write_a_lock_or_a_transaction_the_request_reads_the_primary(routed, client, url, pins):
    f.DistrictFactory()
    client.force_login(f.AdministratorFactory())
    with routers.statements() as seen:
        response = client.get(url)
    aliases = reads_of(seen, "accounts_district")
    assert aliases[0] == "replica"  # the first read, before anything else
    assert aliases[-1] == "default"  # the last read, after the write, the lock or the transaction
    assert aliases.count("replica") == 1
    # A write or a lock pins the user; a transaction that only read does not.
    assert (routers.PIN_COOKIE in response.cookies) is pins


@routed_db
@pytest.mark.urls("tests.config.replica_urls")
def test_after_saving_the_user_reads_the_primary_for_a_few_seconds(routed, team_with_referrals, client, monkeypatch):
    client.force_login(team_with_referrals["supervisor"])
    response = client.post("/replica-test/save/")
    assert response.status_code == 302
    pin = response.cookies[routers.PIN_COOKIE]
    assert pin["max-age"] == 5 and pin["httponly"]
    with routers.statements() as pinned:
        client.get(DASHBOARD)  # the page the save redirects to
    assert reads_of(pinned, "referrals_referral", "default") and not on(pinned, "replica")
    # A few seconds later the pin has run out: the replica again.
    later = time.time() + 6
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    with routers.statements() as expired:
        client.get(DASHBOARD)
    monkeypatch.undo()
    assert reads_of(expired, "referrals_referral", "replica")
    # A pin cookie the server did not sign is ignored.
    client.cookies[routers.PIN_COOKIE] = "1"
    with routers.statements() as forged:
        client.get(DASHBOARD)
    assert reads_of(forged, "referrals_referral", "replica")


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_without_the_router_every_read_goes_to_the_primary(team_with_referrals, client):
    if django_settings.DATABASE_ROUTERS:
        pytest.skip("a replica is configured (DATABASE_REPLICA_URL)")
    client.force_login(team_with_referrals["supervisor"])
    with routers.statements() as seen:
        client.get(DASHBOARD, {"export": "weekly", "format": "csv"})
        client.get(reverse("referrals:search"), {"q": "Lin"})
    assert reads_of(seen, "referrals_referral", "default") and not on(seen, "replica")


def _settings_in_a_fresh_process(**env):
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'middleware': s.MIDDLEWARE, 'databases': s.DATABASES}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_the_settings_are_as_before():
    seen = _settings_in_a_fresh_process(DATABASE_URL="postgres://postgres@127.0.0.1:5432/psw")
    assert seen["aliases"] == ["default"]
    assert seen["routers"] == []
    assert "config.routers.ReplicaRoutingMiddleware" not in seen["middleware"]


def test_a_replica_url_adds_the_alias_with_the_primarys_connection_handling():
    seen = _settings_in_a_fresh_process(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/psw",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/psw",
        CONN_MAX_AGE="30",
    )
    default, replica = seen["databases"]["default"], seen["databases"]["replica"]
    assert seen["routers"] == ["config.routers.ReplicaRouter"]
    assert replica["PORT"] == 5433 and replica["NAME"] == "psw"
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS", "OPTIONS"):
        assert replica[key] == default[key], key
    assert replica["CONN_MAX_AGE"] == 30
    middleware = seen["middleware"]
    assert middleware.index("config.routers.ReplicaRoutingMiddleware") > middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert middleware[-1] == "axes.middleware.AxesMiddleware"


# --- the router object on its own ------------------------------------------------------------------
def test_outside_a_request_everything_reads_and_writes_the_primary():
    router = routers.ReplicaRouter()
    assert routers.current() is None
    assert router.db_for_read(District) == "default"
    assert router.db_for_write(District) == "default"


def test_sign_in_and_session_data_never_come_from_the_replica():
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.models import Session

    router = routers.ReplicaRouter()
    token = routers._routing.set(routers.RequestRouting(replica_ok=True))
    try:
        assert router.db_for_read(District) == "replica"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(Permission) == "default"
    finally:
        routers._routing.reset(token)


def test_migrations_run_on_the_primary_only_and_relations_span_both():
    router = routers.ReplicaRouter()
    assert router.allow_migrate("default", "referrals") is True
    assert router.allow_migrate("replica", "referrals") is False
    a, b = District(), District()
    a._state.db, b._state.db = "default", "replica"
    assert router.allow_relation(a, b) is True
    b._state.db = "elsewhere"
    assert router.allow_relation(a, b) is False
